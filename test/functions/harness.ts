import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EntryPoint, HttpEntryPoint } from '../../functions/entry-points';
import { toBigQuerySchema } from '../../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../../shared/schema/edge-log';
import { IngestErrorRow } from '../../shared/schema/ingest-error';
import { startBigQueryEndpoint, type BigQueryEndpoint } from '../contract/bigquery-endpoint';
import { startStorageEndpoint, type StorageEndpoint } from '../contract/storage-endpoint';
import { cdnlogTables, grpcCallsSettled, trackGrpcCalls } from '../contract/bigquery-write-endpoint-client';
import { startBigQueryWriteEndpoint, type BigQueryWriteEndpoint } from '../contract/bigquery-write-endpoint';
import type { WriteMethod } from '../../shared/sink/create';

export const PROJECT = 'test-project';
export const DATASET = 'cdnlog';
export const ROWS_TABLE = `${DATASET}.edge_logs`;
export const ERRORS_TABLE = `${DATASET}.ingest_errors`;
export const COMMITS_TABLE = `${DATASET}.ingest_commits`;
/** Both ways rows reach BigQuery, for describe.each. */
export const WRITE_METHODS: readonly WriteMethod[] = ['storage', 'insertall'];
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

/** The notification Cloud Storage publishes for `object` (JSON_API_V1; OBJECT_FINALIZE unless said), as a push delivers it. */
export function storageNotification(
  bucket: string,
  object: { name: string; generation: number },
  options: { messageId?: string; eventType?: string; topic?: string } = {},
) {
  return messagePublished(
    {
      data: JSON.stringify({ kind: 'storage#object', bucket, name: object.name, generation: String(object.generation) }),
      messageId: options.messageId ?? 'n-1',
      attributes: {
        bucketId: bucket,
        objectId: object.name,
        objectGeneration: String(object.generation),
        eventType: options.eventType ?? 'OBJECT_FINALIZE',
        eventTime: '2026-11-01T00:00:00.000Z',
        notificationConfig: `projects/_/buckets/${bucket}/notificationConfigs/1`,
        payloadFormat: 'JSON_API_V1',
      },
    },
    options.topic,
  );
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
  method: WriteMethod;
  /** The BigQuery REST endpoint: insertAll, and (storage) the commit log's queries. */
  bigquery: BigQueryEndpoint;
  /** The BigQueryWrite gRPC endpoint, when the method is storage. */
  write: BigQueryWriteEndpoint | null;
  /** Rows visible in a table (`cdnlog.edge_logs`), through whichever endpoint wrote them. */
  rows(table: string): Record<string, unknown>[];
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
 * test server — the same express app `functions-framework --target` runs. `method` chooses how
 * rows reach BigQuery (BQ_WRITE_METHOD): insertAll to the REST endpoint, or the Storage Write API
 * to the BigQueryWrite endpoint, whose commit-log queries the REST endpoint answers from what the
 * Write API committed.
 */
export async function startFunctions(
  target: EntryPoint | HttpEntryPoint,
  extraEnv: Record<string, string> = {},
  method: WriteMethod = 'insertall',
): Promise<FunctionsHarness> {
  const storage = await startStorageEndpoint();
  const bigquery = await startBigQueryEndpoint({
    tables: { [ROWS_TABLE]: toBigQuerySchema(EdgeLogRow), [ERRORS_TABLE]: toBigQuerySchema(IngestErrorRow) },
    // Load jobs read their staged sources from the storage endpoint, as BigQuery reads Cloud Storage.
    readObject: storage.read,
  });
  const write = method === 'storage' ? await startBigQueryWriteEndpoint({ tables: cdnlogTables(DATASET) }) : null;
  if (write) {
    bigquery.answerQueries((q) => ({
      fields: [
        { name: 'stream', type: 'STRING' },
        { name: 'state', type: 'STRING' },
        { name: 'rows', type: 'INT64' },
      ],
      rows: write.rows(COMMITS_TABLE).filter((r) => r.object === q.params.object?.value),
    }));
  }
  const env = {
    GOOGLE_CLOUD_PROJECT: PROJECT,
    BQ_DATASET: DATASET,
    BQ_WRITE_METHOD: method,
    ...(write ? { BIGQUERY_STORAGE_EMULATOR_HOST: `${write.host}:${write.port}` } : {}),
    BIGQUERY_EMULATOR_HOST: bigquery.url,
    STORAGE_EMULATOR_HOST: storage.url,
    ...extraEnv,
  };
  // functions/index.ts sets NODE_ENV=production for the framework: put it back afterwards too.
  const saved = Object.fromEntries([...Object.keys(env), 'NODE_ENV'].map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const capture = captureLogs();
  let server!: Server;
  let closeInstance!: () => Promise<void>;
  jest.isolateModules(() => {
    // This registry's grpc-js, should the Write API client load in it: its calls are awaited on close.
    trackGrpcCalls(require('@grpc/grpc-js/build/src/call'));
    ({ closeInstance } = require('../../functions/index') as typeof import('../../functions/index'));
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
    method,
    bigquery,
    write,
    // Load jobs (MEDIA_CDN_FILES_LOAD=load_job) append through the REST endpoint, streams through the Write API's.
    rows: (table) => (write ? [...write.rows(table), ...bigquery.rows(table)] : bigquery.rows(table)),
    storage,
    url,
    logs: capture.lines,
    sendEvent: (body, opts = {}) =>
      post(
        '/',
        {
          'content-type': 'application/json',
          'ce-id': opts.id ?? String(nextId++),
          'ce-specversion': '1.0',
          'ce-type': opts.type ?? MESSAGE_PUBLISHED,
          'ce-source': `//pubsub.googleapis.com/projects/${PROJECT}/topics/${opts.topic ?? 'edge'}`,
          'ce-time': '2026-11-01T00:00:00.000Z',
        },
        body,
      ),
    sendPush: (body, topic = 'edge') => post(`/projects/${PROJECT}/topics/${topic}?token=x`, { 'content-type': 'application/json' }, body),
    summaries: () => capture.lines.filter((l) => typeof l.rows_inserted === 'number'),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // The sink's gRPC channel, then every call's status (gax decodes one by loading a proto file,
      // which crashes once jest has torn the test's modules down).
      await closeInstance();
      await grpcCallsSettled();
      await write?.close();
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
