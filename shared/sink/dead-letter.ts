import { eventId } from '../values/event-id';
import type { EdgeLogRow } from '../schema/edge-log';
import { MAX_ERROR_PAYLOAD_BYTES, type IngestErrorRow } from '../schema/ingest-error';
import type { RecordOrigin } from './record-origin';

export type DeadLetterStage = 'decode' | 'parse' | 'validate' | 'insert';

/** Where a payload came from (its origin; the payload stands for the record) and why it failed. */
export interface DeadLetterInput extends Omit<RecordOrigin, 'record'> {
  stage: DeadLetterStage;
  reason: string;
  /** Extra identity for the digest when line and message do not single it out (insert: event_id). */
  key?: string | null;
  payload?: string | null;
  /** The payload is only the head of the record (the reader kept that much of an oversized one). */
  payloadIsHead?: boolean;
  /** error_time as ISO text. */
  now: string;
}

/**
 * Cuts text to at most `maxBytes` of UTF-8 without splitting a character: if the byte at the cut
 * is a continuation byte (10xxxxxx), back up to the start of that character.
 */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  // Cheap exit: a UTF-16 string encodes to at most 3 bytes per code unit.
  if (text.length * 3 <= maxBytes) return { text, truncated: false };
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

/** `gs://bucket/object#generation:line` (or without `:line` when the failure is the whole object). */
function objectLocation(object: string | null | undefined, line: number | null | undefined): string | null {
  if (!object) return null;
  return line === null || line === undefined ? object : `${object}:${line}`;
}

/**
 * Builds the ingest_errors row. error_id digests the payload's origin and the reason, not the time,
 * so a redelivered message or re-read object yields the same id and insertId dedup (and the replay
 * view) collapse the repeats.
 */
export function buildDeadLetter(input: DeadLetterInput): IngestErrorRow {
  const object = objectLocation(input.object, input.line);
  const messageId = input.messageId ?? null;
  const error_id = eventId(
    'ingest_error',
    input.source,
    input.stage,
    // An object's lines are identified by the object itself, whichever notification delivered it.
    input.object ?? messageId ?? '',
    input.line === null || input.line === undefined ? '' : String(input.line),
    input.key ?? '',
    input.reason,
  );
  const payload = input.payload === null || input.payload === undefined ? null : truncateUtf8(input.payload, MAX_ERROR_PAYLOAD_BYTES);
  const attributes = input.attributes && Object.keys(input.attributes).length > 0 ? JSON.stringify(input.attributes) : null;
  return {
    error_id,
    error_time: input.now,
    source: input.source,
    stage: input.stage,
    reason: input.reason,
    message_id: messageId,
    object,
    payload: payload?.text ?? null,
    payload_truncated: (payload?.truncated ?? false) || Boolean(input.payloadIsHead),
    attributes,
  };
}

/**
 * The dead letter for a row the warehouse refused (stage insert), shared by every sink. Its payload
 * is the source record the row was made from, so `cdnlog replay` can resend it after a fix; only
 * when the caller did not say (no origin record) does the row's own JSON stand in, which replay
 * recognises and skips.
 */
export function refusedRowLetter(row: EdgeLogRow, origin: RecordOrigin | undefined, reason: string, now: string, rowJson?: string): IngestErrorRow {
  return buildDeadLetter({
    source: row.source,
    stage: 'insert',
    reason,
    messageId: origin?.messageId,
    object: origin?.object,
    line: origin?.line,
    key: row.event_id,
    payload: origin?.record ?? rowJson ?? JSON.stringify(row),
    attributes: origin?.attributes,
    now,
  });
}
