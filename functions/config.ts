import { ConfigError, FunctionEnv, loadFunctionEnv, parseEnv } from '../shared/config/env';
import { SINK_KINDS } from '../shared/sink/create';

/** The settings the functions run with, decided once at cold start. */
export type RuntimeConfig = { sink: 'bigquery'; env: FunctionEnv } | { sink: 'duckdb' };

/** The emulator URLs are checked whichever sink is chosen: a typo there must not pass silently. */
const LocalEnv = FunctionEnv.pick({ BIGQUERY_EMULATOR_HOST: true, STORAGE_EMULATOR_HOST: true });

/**
 * Validates the environment at cold start; throws a ConfigError naming every bad variable.
 *
 * BigQuery is required when asked for (`SINK=bigquery`), when a dataset is configured, or when
 * running deployed (`K_SERVICE` is set by Cloud Run / Cloud Functions gen2) — so a deployed
 * function missing `BQ_DATASET` or `GOOGLE_CLOUD_PROJECT` fails loudly instead of quietly writing
 * to a local DuckDB file. Otherwise (a laptop, `SINK=duckdb`) no BigQuery setting is needed.
 */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv): RuntimeConfig {
  const explicit = env.SINK?.trim();
  if (explicit && !(SINK_KINDS as readonly string[]).includes(explicit)) {
    throw new ConfigError(`cdnlog configuration: SINK is invalid (one of ${SINK_KINDS.join(', ')}): ${JSON.stringify(explicit)}`);
  }
  const wantsBigQuery = explicit ? explicit === 'bigquery' : Boolean(env.BQ_DATASET || env.K_SERVICE);
  if (wantsBigQuery) return { sink: 'bigquery', env: loadFunctionEnv(env) };
  parseEnv(LocalEnv, env);
  return { sink: 'duckdb' };
}
