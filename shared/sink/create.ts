import { ConfigError } from '../config/error';
import type { GcpSettings, SinkSettings } from '../config/settings';
import type { Logs } from '../logging';
import type { RowSink } from './types';

/** The warehouses a sink can write to (`SINK`). */
export const SINK_KINDS = ['bigquery', 'duckdb'] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

/**
 * How rows reach BigQuery (`BQ_WRITE_METHOD`): `storage`, the Storage Write API (gRPC, protobuf
 * rows, half insertAll's price, uploaded objects committed exactly once), or `insertall`, the
 * legacy tabledata.insertAll (best-effort insertId dedup of redelivered messages).
 */
export const WRITE_METHODS = ['storage', 'insertall'] as const;
export type WriteMethod = (typeof WRITE_METHODS)[number];

/** Default local warehouse file (`DUCKDB_PATH`). */
export const DEFAULT_DUCKDB_PATH = './data/cdnlog.duckdb';

/**
 * Opens the sink the settings chose (BigQuery through the Storage Write API or insertAll, as
 * `writeMethod` says, or DuckDB). Each warehouse module is loaded only when chosen, so the
 * deployed functions never load DuckDB (their deploy package does not even contain it, see
 * terraform/stage-function-source.sh) and local runs never need Google credentials.
 */
export async function createSink(settings: { gcp: GcpSettings; sink: SinkSettings }, options: { logs?: Logs } = {}): Promise<RowSink> {
  const { gcp, sink } = settings;
  if (sink.kind === 'bigquery' && sink.writeMethod === 'storage') {
    const { openStorageWriteSink } = await import('./storage-write/open');
    return openStorageWriteSink(gcp, sink, options);
  }
  if (sink.kind === 'bigquery') {
    const { createBigQuerySink } = await import('./bigquery');
    return createBigQuerySink(gcp, sink, options);
  }
  const { openDuckDbSink } = await import('./duckdb').catch((err: unknown) => {
    // The deploy package leaves DuckDB out; say so rather than "Cannot find module".
    if (!/Cannot find module '\.\/duckdb'/.test((err as Error).message)) throw err;
    throw new ConfigError('cdnlog configuration: SINK=duckdb, but this is the deploy package, which has no DuckDB (set BQ_DATASET and GOOGLE_CLOUD_PROJECT)', {
      cause: err,
    });
  });
  return openDuckDbSink({ path: sink.path });
}
