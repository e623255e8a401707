import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toBigQuerySchema } from '../../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../../shared/schema/edge-log';
import { IngestErrorRow } from '../../shared/schema/ingest-error';
import { startBigQueryEndpoint, type BigQueryEndpoint } from '../contract/bigquery-endpoint';
import { startStorageEndpoint, type StorageEndpoint } from '../contract/storage-endpoint';

export const PROJECT = 'test-project';
export const DATASET = 'cdnlog';
export const ROWS_TABLE = `${DATASET}.edge_logs`;
export const ERRORS_TABLE = `${DATASET}.ingest_errors`;
export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

export interface PubsubMessageInit {
  data: Buffer | string;
  attributes?: Record<string, string>;
  messageId?: string;
  publishTime?: string;
}

/** MessagePublishedData as Eventarc delivers it (data base64). */
export function messagePublished(m: PubsubMessageInit, topic = 'edge') {
  const data = Buffer.isBuffer(m.data) ? m.data.toString('base64') : Buffer.from(m.data).toString('base64');
  return {
    message: {
      data,
      ...(m.attributes ? { attributes: m.attributes } : {}),
      messageId: m.messageId ?? '1',
      publishTime: m.publishTime ?? '2026-11-01T00:00:00.000Z',
    },
    subscription: `projects/${PROJECT}/subscriptions/eventarc-${topic}-sub`,
  };
}

/** Structured log lines written to stdout by the functions (parsed), everything else dropped. */
export function captureLogs(): { lines: Array<Record<string, unknown>>; restore: () => void } {
  const lines: Array<Record<string, unknown>> = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown) => {
    for (const text of String(chunk).split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        // not ours
      }
    }
    return true;
  }) as typeof process.stdout.write);
  return { lines, restore: () => spy.mockRestore() };
}

export interface FunctionsHarness {
  bigquery: BigQueryEndpoint;
  storage: StorageEndpoint;
  /** Base URL of the functions framework serving the chosen target. */
  url: string;
  logs: Array<Record<string, unknown>>;
  /** POSTs a binary-mode CloudEvent (ce-* headers, MessagePublishedData body). */
  sendEvent(body: unknown, opts?: { id?: string; type?: string; topic?: string }): Promise<{ status: number; text: string }>;
  /** POSTs a raw Pub/Sub push body to the push endpoint path, as a push subscription does. */
  sendPush(body: unknown, topic?: string): Promise<{ status: number; text: string }>;
  summaries(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * Starts the contract endpoints, points the environment at them, loads functions/index.ts fresh
 * (cold start: a new sink, new clients) and serves `target` with the functions framework's own
 * test server — the same express app `functions-framework --target` runs.
 */
export async function startFunctions(target: 'mediaCdnLogs' | 'edgeoneLogs', extraEnv: Record<string, string> = {}): Promise<FunctionsHarness> {
  const bigquery = await startBigQueryEndpoint({
    tables: { [ROWS_TABLE]: toBigQuerySchema(EdgeLogRow), [ERRORS_TABLE]: toBigQuerySchema(IngestErrorRow) },
  });
  const storage = await startStorageEndpoint();
  const env = {
    GOOGLE_CLOUD_PROJECT: PROJECT,
    BQ_DATASET: DATASET,
    BQ_WRITE_METHOD: 'insertall',
    BIGQUERY_EMULATOR_HOST: bigquery.url,
    STORAGE_EMULATOR_HOST: storage.url,
    ...extraEnv,
  };
  // functions/index.ts sets NODE_ENV=production for the framework: put it back afterwards too.
  const saved = Object.fromEntries([...Object.keys(env), 'NODE_ENV'].map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const capture = captureLogs();
  let server!: Server;
  jest.isolateModules(() => {
    require('../../functions/index');
    const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
    server = getTestServer(target);
  });
  // The clients read these lazily at first invocation; restore only after close.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let nextId = 1;
  const post = async (path: string, headers: Record<string, string>, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  };
  return {
    bigquery,
    storage,
    url,
    logs: capture.lines,
    sendEvent: (body, opts = {}) =>
      post('/', {
        'content-type': 'application/json',
        'ce-id': opts.id ?? String(nextId++),
        'ce-specversion': '1.0',
        'ce-type': opts.type ?? MESSAGE_PUBLISHED,
        'ce-source': `//pubsub.googleapis.com/projects/${PROJECT}/topics/${opts.topic ?? 'edge'}`,
        'ce-time': '2026-11-01T00:00:00.000Z',
      }, body),
    sendPush: (body, topic = 'edge') => post(`/projects/${PROJECT}/topics/${topic}?token=x`, { 'content-type': 'application/json' }, body),
    summaries: () => capture.lines.filter((l) => typeof l.rows_inserted === 'number'),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bigquery.close();
      await storage.close();
      capture.restore();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}
