import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createEdgeoneLogsHandler } from '../../functions/edgeone-logs';
import { createMediaCdnLogsHandler } from '../../functions/media-cdn-logs';
import { createBigQuery, createStorage } from '../../shared/gcp/clients';
import { createLogs } from '../../shared/logging';
import { systemClock } from '../../shared/normalizers/result';
import { toBigQuerySchema } from '../../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../../shared/schema/edge-log';
import { IngestErrorRow } from '../../shared/schema/ingest-error';
import { BigQuerySink } from '../../shared/sink/bigquery';
import { startBigQueryEndpoint, type BigQueryEndpoint, type BigQueryEndpointOptions } from '../contract/bigquery-endpoint';
import { startStorageEndpoint, type StorageEndpoint } from '../contract/storage-endpoint';

export const PROJECT = 'fault-project';
export const DATASET = 'cdnlog';
export const ROWS_TABLE = `${DATASET}.edge_logs`;
export const ERRORS_TABLE = `${DATASET}.ingest_errors`;
export const UPLOAD_BUCKET = 'edgeone-uploads';

export interface RigOptions {
  target: 'mediaCdnLogs' | 'edgeoneLogs';
  /** The bucket edgeoneLogs trusts (default UPLOAD_BUCKET; null: none configured). */
  uploadBucket?: string | null;
  /** Deadline per insertAll (default 2 s: a stalled answer costs that much, a busy machine never does). */
  deadlineMs?: number;
  /** Longest wait for download bytes (default 2 s). */
  stallMs?: number;
  /** insertAll tries per write (default 5). */
  attempts?: number;
  bigquery?: Pick<BigQueryEndpointOptions, 'maxRequestBytes' | 'oversizeStatus'>;
}

export interface Delivery {
  /** HTTP status of each delivery, the first one included. */
  statuses: number[];
  /** Response bodies, in the same order. */
  texts: string[];
}

export interface Rig {
  bigquery: BigQueryEndpoint;
  storage: StorageEndpoint;
  /** Structured log lines of the function (parsed). */
  logs: Array<Record<string, unknown>>;
  /**
   * Delivers a MessagePublishedData body as a push subscription with a dead-letter policy does:
   * again after every non-2xx, up to `maxDeliveries` in all; `beforeRedelivery` runs before each
   * repeat (a case clears its fault there, as an operator fixing the cause would).
   */
  deliver(body: unknown, options?: { maxDeliveries?: number; beforeRedelivery?: (attempt: number) => void }): Promise<Delivery>;
  landed(): Record<string, unknown>[];
  deadLetters(): Record<string, unknown>[];
  /** The longest invocation so far, from the functions' own summary lines (ms). */
  longestInvocationMs(): number;
  close(): Promise<void>;
}

/** The longest `duration_ms` among log lines (invocation summaries and failures). */
export function longestInvocationMs(lines: ReadonlyArray<Record<string, unknown>>): number {
  return Math.max(0, ...lines.map((l) => (typeof l.duration_ms === 'number' && 'message_id' in l ? l.duration_ms : 0)));
}

let registered = 0;

/**
 * One function on the functions framework's own server, built from the handler factories with
 * knobs a fault case needs (short deadlines, no backoff sleeps), in front of the BigQuery and
 * Cloud Storage contract endpoints; the real client libraries talk to both.
 */
export async function startRig(options: RigOptions): Promise<Rig> {
  const bigquery = await startBigQueryEndpoint({
    tables: { [ROWS_TABLE]: toBigQuerySchema(EdgeLogRow), [ERRORS_TABLE]: toBigQuerySchema(IngestErrorRow) },
    ...options.bigquery,
  });
  const storage = await startStorageEndpoint();
  storage.createBucket(UPLOAD_BUCKET);
  const lines: Array<Record<string, unknown>> = [];
  const logs = createLogs((line) => void lines.push(JSON.parse(line) as Record<string, unknown>));
  const now = systemClock();
  const dataset = createBigQuery({ project: PROJECT, endpoints: { bigquery: bigquery.url } }).dataset(DATASET);
  const sink = new BigQuerySink({
    rowsTable: dataset.table('edge_logs'),
    errorsTable: dataset.table('ingest_errors'),
    logs,
    now,
    deadlineMs: options.deadlineMs ?? 2000,
    retry: { attempts: options.attempts ?? 5, sleep: () => Promise.resolve() },
    batching: { lingerMs: 1 },
  });
  const handler =
    options.target === 'mediaCdnLogs'
      ? createMediaCdnLogsHandler({ sink, logs, now })
      : createEdgeoneLogsHandler({
          sink,
          logs,
          now,
          storage: createStorage({ project: PROJECT, endpoints: { storage: storage.url } }),
          trustedBucket: options.uploadBucket === undefined ? UPLOAD_BUCKET : options.uploadBucket,
          stallMs: options.stallMs ?? 2000,
        });
  const name = `fault-${options.target}-${++registered}`;
  functions.cloudEvent(name, handler);
  const server: Server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let nextId = 1;

  const post = async (body: unknown) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-id': `ce-${nextId++}`,
        'ce-specversion': '1.0',
        'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
        'ce-source': `//pubsub.googleapis.com/projects/${PROJECT}/topics/logs`,
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };

  return {
    bigquery,
    storage,
    logs: lines,
    async deliver(body, { maxDeliveries = 3, beforeRedelivery } = {}) {
      const delivery: Delivery = { statuses: [], texts: [] };
      for (let attempt = 1; attempt <= maxDeliveries; attempt++) {
        if (attempt > 1) beforeRedelivery?.(attempt);
        const { status, text } = await post(body);
        delivery.statuses.push(status);
        delivery.texts.push(text);
        if (status >= 200 && status < 300) break;
      }
      return delivery;
    },
    landed: () => bigquery.rows(ROWS_TABLE),
    deadLetters: () => bigquery.rows(ERRORS_TABLE),
    longestInvocationMs: () => longestInvocationMs(lines),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bigquery.close();
      await storage.close();
    },
  };
}

/** Runs `fn` with a rig, closing it whatever happens. */
export async function withRig<T>(options: RigOptions, fn: (rig: Rig) => Promise<T>): Promise<T> {
  const rig = await startRig(options);
  try {
    return await fn(rig);
  } finally {
    await rig.close();
  }
}
