import { managedwriter } from '@google-cloud/bigquery-storage';
// google-gax's own grpc-js, so the channel credentials are of the instance the client uses.
import { grpc } from 'google-gax';
import { generateEdgeoneL7 } from '../../shared/generate/edgeone-l7';
import { generateMediaCdn } from '../../shared/generate/media-cdn';
import { normalizeEdgeone, normalizeMediaCdn } from '../../shared/normalizers';
import type { EdgeLogRow } from '../../shared/schema/edge-log';
import { toBigQuerySchema } from '../../shared/schema/bigquery-schema';
import { schemaFiles } from '../../shared/schema/schema-files';
import { IngestCommitRow } from '../../shared/sink/storage-write/commit-log';
import type { BigQuerySchemaField } from './bigquery-row-validator';

/**
 * The real Write API client pointed at a local endpoint: insecure channel, and a universe domain so
 * it neither looks for Google credentials nor probes the metadata server.
 */
export function localWriterClient(endpoint: { host: string; port: number }): managedwriter.WriterClient {
  return new managedwriter.WriterClient({
    apiEndpoint: endpoint.host,
    port: endpoint.port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  });
}

/** The committed table schemas (terraform/schemas), keyed as the endpoints key tables. */
export function cdnlogTables(dataset: string): Record<string, BigQuerySchemaField[]> {
  const files = schemaFiles();
  return {
    [`${dataset}.edge_logs`]: files['terraform/schemas/edge_logs.json']! as BigQuerySchemaField[],
    [`${dataset}.ingest_errors`]: files['terraform/schemas/ingest_errors.json']! as BigQuerySchemaField[],
    [`${dataset}.ingest_commits`]: toBigQuerySchema(IngestCommitRow) as BigQuerySchemaField[],
  };
}

const ctx = { now: () => '2026-11-30T10:00:00.123456Z' };

/** Realistic rows: normalized from generated Media CDN and EdgeOne L7 logs. */
export function sampleRows(count: number, seed = 'storage-write'): EdgeLogRow[] {
  const rows: EdgeLogRow[] = [];
  const half = Math.ceil(count / 2);
  for (const record of generateMediaCdn({ count: half, seed })) {
    const result = normalizeMediaCdn(record, ctx);
    if (result.ok) rows.push(result.row);
  }
  for (const record of generateEdgeoneL7({ count: count - half, seed })) {
    const result = normalizeEdgeone(record, ctx);
    if (result.ok) rows.push(result.row);
  }
  return rows;
}

/**
 * Every bidirectional call made through google-gax's grpc-js, counted from start to final status.
 * A call the client closes gets its status later, and gax decodes a non-OK one by loading a proto
 * file: once the last test of a file is over, jest's module registry is gone and that load crashes
 * the worker. So tests wait for every status before finishing.
 */
const calls = { started: 0, settled: 0, waiters: [] as Array<() => void> };
/** Call modules already patched: patching twice would count every call twice. */
const tracked = new WeakSet<object>();

/**
 * Counts the calls of one grpc-js instance: patches the class it instantiates for each
 * bidirectional call (client.js reads it off this module at call time) with a subclass. Reached by
 * path: grpc-js exports no hook for it. A test that loads the client in an isolated module registry
 * (test/functions/harness.ts) tracks that registry's grpc-js too.
 */
export function trackGrpcCalls(callModule: { ClientDuplexStreamImpl: new (...args: unknown[]) => NodeJS.EventEmitter }): void {
  if (tracked.has(callModule)) return;
  tracked.add(callModule);
  const Duplex = callModule.ClientDuplexStreamImpl;
  callModule.ClientDuplexStreamImpl = class CountedDuplexStream extends Duplex {
    constructor(...args: unknown[]) {
      super(...args);
      calls.started++;
      this.once('status', () => {
        calls.settled++;
        if (calls.settled === calls.started) for (const resolve of calls.waiters.splice(0)) resolve();
      });
    }
  };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
trackGrpcCalls(require('@grpc/grpc-js/build/src/call'));

/** Resolves once every bidirectional call started so far has its final status. */
export async function grpcCallsSettled(): Promise<void> {
  if (calls.settled < calls.started) await new Promise<void>((resolve) => calls.waiters.push(resolve));
}

/** Closes the client's users (sinks), then the client and its channel; resolves when every call has its status. */
export async function closeWriterClient(client: managedwriter.WriterClient, closeUsers: () => Promise<void> = async () => {}): Promise<void> {
  await closeUsers();
  client.close();
  await client.getClient().close();
  await grpcCallsSettled();
}
