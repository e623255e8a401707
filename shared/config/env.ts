import { z } from 'zod';
import { DEFAULT_OBJECT_BOUNDS, type ObjectBounds } from '../ingest/bounds';

const datasetId = z
  .string()
  .regex(/^[A-Za-z0-9_]{1,1024}$/, 'letters, digits and underscores only (a BigQuery dataset id)');
const tableId = z
  .string()
  .regex(/^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u, 'a BigQuery table id');
const url = z.string().url();

/**
 * The functions' settings, read from the environment at cold start. The names are the contract with
 * Terraform (`terraform/functions.tf` sets exactly these), checked by test/terraform.test.ts.
 */
export const FunctionEnv = z.object({
  GOOGLE_CLOUD_PROJECT: z.string().min(1, 'the Google Cloud project id'),
  BQ_DATASET: datasetId,
  BQ_TABLE: tableId.default('edge_logs'),
  BQ_ERRORS_TABLE: tableId.default('ingest_errors'),
  /** The BigQuery client's own variable: a base URL including /bigquery/v2 (local endpoints, tests). */
  BIGQUERY_EMULATOR_HOST: url.optional(),
  /** The Storage client's own variable: a base URL of a local Cloud Storage JSON API endpoint. */
  STORAGE_EMULATOR_HOST: url.optional(),
});

export type FunctionEnv = z.infer<typeof FunctionEnv>;

/** Variables Terraform sets on the deployed functions (the emulator hosts are for local runs only). */
export const DEPLOYED_ENV_VARS = ['GOOGLE_CLOUD_PROJECT', 'BQ_DATASET', 'BQ_TABLE', 'BQ_ERRORS_TABLE'] as const;

/**
 * Variables for the Node.js runtime rather than for cdnlog: Terraform sets `NODE_OPTIONS` to cap the
 * V8 heap (`--max-old-space-size`), because V8 sizes its heap from the host, not the instance's
 * memory limit, and collects lazily below that: a large upload would otherwise drift towards the
 * limit and get the instance killed. The benchmark measures memory with the same cap.
 */
export const RUNTIME_ENV_VARS = ['NODE_OPTIONS'] as const;

/** Default V8 old-space cap, MB (Terraform `function_max_heap_mb`), sized for 512 MiB instances. */
export const DEFAULT_MAX_HEAP_MB = 192;

/** Thrown at cold start when a setting is missing or invalid; the message names each variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates the environment against `schema`; throws a ConfigError naming every bad variable. */
export function parseEnv<T extends z.ZodObject>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  // Empty strings are unset: Terraform and shells often produce them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    const value = present[name];
    const reason = value === undefined ? 'is not set' : `is invalid (${issue.message}): ${JSON.stringify(value)}`;
    return `${name} ${reason}`;
  });
  throw new ConfigError(`cdnlog configuration: ${problems.join('; ')}`);
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Optional bounds on the work per object or message (see shared/ingest/bounds.ts); any sink. */
export const IngestBoundsEnv = z.object({
  INGEST_MAX_OBJECT_BYTES: positiveInt(DEFAULT_OBJECT_BOUNDS.maxBytes),
  INGEST_MAX_OBJECT_LINES: positiveInt(DEFAULT_OBJECT_BOUNDS.maxLines),
  INGEST_MAX_DEAD_LETTERS: positiveInt(DEFAULT_OBJECT_BOUNDS.maxDeadLetters),
});

/** The bounds the functions run with; throws a ConfigError naming every bad variable. */
export function loadIngestBounds(env: NodeJS.ProcessEnv): ObjectBounds {
  const parsed = parseEnv(IngestBoundsEnv, env);
  return { maxBytes: parsed.INGEST_MAX_OBJECT_BYTES, maxLines: parsed.INGEST_MAX_OBJECT_LINES, maxDeadLetters: parsed.INGEST_MAX_DEAD_LETTERS };
}

/** The functions' settings for BigQuery; throws a ConfigError naming every bad variable. */
export function loadFunctionEnv(env: NodeJS.ProcessEnv): FunctionEnv {
  return parseEnv(FunctionEnv, env);
}
