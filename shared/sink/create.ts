import type { Logs } from '../logging';
import type { RowSink } from './types';

export const SINK_KINDS = ['bigquery', 'duckdb'] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

/** Default local warehouse file. */
export const DEFAULT_DUCKDB_PATH = './data/cdnlog.duckdb';

/**
 * Which warehouse to write to: `SINK` when set; otherwise BigQuery when a project and `BQ_DATASET`
 * are configured, DuckDB (a local file) when not — so a fresh checkout works with no cloud account.
 */
export function chooseSink(env: NodeJS.ProcessEnv): SinkKind {
  const explicit = env.SINK?.trim();
  if (explicit) {
    if (!(SINK_KINDS as readonly string[]).includes(explicit)) {
      throw new Error(`SINK must be one of ${SINK_KINDS.join(', ')}, got "${explicit}"`);
    }
    return explicit as SinkKind;
  }
  return env.BQ_DATASET && (env.GOOGLE_CLOUD_PROJECT || env.GCLOUD_PROJECT) ? 'bigquery' : 'duckdb';
}

/**
 * Opens the sink the environment asks for. Each warehouse module is loaded only when chosen, so the
 * deployed functions never load DuckDB's native module and local runs never need Google credentials.
 */
export async function createSink(env: NodeJS.ProcessEnv, options: { logs?: Logs } = {}): Promise<RowSink> {
  if (chooseSink(env) === 'bigquery') {
    const { createBigQuerySinkFromEnv } = await import('./bigquery');
    return createBigQuerySinkFromEnv(env, options);
  }
  const { openDuckDbSink } = await import('./duckdb');
  return openDuckDbSink({ path: env.DUCKDB_PATH || DEFAULT_DUCKDB_PATH });
}
