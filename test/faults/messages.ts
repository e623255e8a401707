import { generateEdgeoneL7 } from '../../shared/generate/edgeone-l7';
import { generateMediaCdn } from '../../shared/generate/media-cdn';
import { normalizeEdgeone, normalizeMediaCdn } from '../../shared/normalizers';
import type { NormalizeResult } from '../../shared/normalizers';
import type { Delivery } from './rig';

const ctx = { now: () => '2026-11-01T00:00:00Z' };

function idOf(result: NormalizeResult): string {
  if (!result.ok) throw new Error(result.error);
  return result.row.event_id;
}

/** MessagePublishedData as Eventarc delivers it. */
export function messagePublished(data: Buffer | string, messageId: string, attributes?: Record<string, string>) {
  return {
    message: { data: Buffer.from(data).toString('base64'), messageId, publishTime: '2026-11-01T00:00:00.000Z', ...(attributes ? { attributes } : {}) },
    subscription: 'projects/fault-project/subscriptions/logs-push',
  };
}

/** `count` Media CDN LogEntries as JSON lines in one message, with their event ids and texts. */
export function mediaCdnBatch(count: number, seed: string, messageId = seed) {
  const records = [...generateMediaCdn({ count, seed })];
  const texts = records.map((r) => JSON.stringify(r));
  return { body: messagePublished(texts.join('\n'), messageId), records, texts, ids: records.map((r) => idOf(normalizeMediaCdn(r, ctx))) };
}

/** `count` EdgeOne L7 records as JSON Lines bytes, with their event ids. */
export function edgeoneLines(count: number, seed: string) {
  const records = [...generateEdgeoneL7({ count, seed })];
  return { bytes: Buffer.from(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`), ids: records.map((r) => idOf(normalizeEdgeone(r, ctx))) };
}

/** An OBJECT_FINALIZE notification as Cloud Storage publishes it. */
export function finalizeNotification(bucket: string, name: string, generation: number | string, messageId = `n-${name}`) {
  return messagePublished(JSON.stringify({ kind: 'storage#object', bucket, name, generation: String(generation) }), messageId, {
    bucketId: bucket,
    objectId: name,
    objectGeneration: String(generation),
    eventType: 'OBJECT_FINALIZE',
    payloadFormat: 'JSON_API_V1',
  });
}

/** Distinct event ids among rows, and whether they are exactly `ids`. */
export function landedExactly(rows: Record<string, unknown>[], ids: readonly string[]): boolean {
  const landed = new Set(rows.map((r) => String(r.event_id)));
  return landed.size === ids.length && ids.every((id) => landed.has(id));
}

export function distinct(rows: Record<string, unknown>[]): number {
  return new Set(rows.map((r) => String(r.event_id))).size;
}

/** "500 → 204". */
export function statuses(d: Delivery): string {
  return d.statuses.join(' → ');
}

export const is2xx = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;
