import { z } from 'zod';
import { DEFAULT_DUCKDB_PATH, SINK_KINDS, WRITE_METHODS } from '../sink/create';
import { ConfigError } from './error';
import { DEFAULT_OBJECT_BOUNDS } from '../ingest/bounds';
import { OBJECT_LOADS } from '../sink/load-job/settings';

const datasetId = z.string().regex(/^[A-Za-z0-9_]{1,1024}$/, 'letters, digits and underscores only (a BigQuery dataset id)');
const tableId = z.string().regex(/^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u, 'a BigQuery table id');
const url = z.string().url();
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'a Cloud Storage bucket name');

/**
 * Variables Terraform sets on the deployed functions (`terraform/functions.tf` sets exactly these;
 * test/terraform.test.ts holds the two equal). A new deployed setting is one line here.
 */
export const DeployedEnv = z.object({
  GOOGLE_CLOUD_PROJECT: z.string().min(1, 'the Google Cloud project id').optional(),
  BQ_DATASET: datasetId.optional(),
  BQ_TABLE: tableId.default('edge_logs'),
  BQ_ERRORS_TABLE: tableId.default('ingest_errors'),
  /** The record of committed object generations (Storage Write API loads of uploaded objects). */
  BQ_COMMITS_TABLE: tableId.default('ingest_commits'),
  /** How rows reach BigQuery: the Storage Write API (gRPC, half the price) or insertAll (legacy REST). */
  BQ_WRITE_METHOD: z.enum(WRITE_METHODS, `one of ${WRITE_METHODS.join(', ')}`).default('storage'),
  /** The one bucket whose OBJECT_FINALIZE notifications edgeoneLogs reads (any other is dead-lettered). */
  UPLOAD_BUCKET: bucketName.optional(),
  /** The one bucket whose OBJECT_FINALIZE notifications mediaCdnFiles reads (batched and hourly delivery). */
  MEDIA_CDN_BUCKET: bucketName.optional(),
  /** How mediaCdnFiles lands a file: through BQ_WRITE_METHOD (`stream`) or a free BigQuery load job (`load_job`). */
  MEDIA_CDN_FILES_LOAD: z.enum(OBJECT_LOADS, `one of ${OBJECT_LOADS.join(', ')}`).default('stream'),
  /** Where load jobs' rows are staged as NDJSON (MEDIA_CDN_FILES_LOAD=load_job); never a notifying bucket. */
  LOAD_STAGING_BUCKET: bucketName.optional(),
  /** The dataset's location: jobs.get cannot find a job outside US and EU without it (MEDIA_CDN_FILES_LOAD=load_job). */
  BQ_LOCATION: z
    .string()
    .regex(/^[A-Za-z0-9-]{2,64}$/, 'a BigQuery location such as US, EU or europe-west1')
    .optional(),
});

/** Variables for local runs, the CLI and tests, or set by the platform; never by Terraform. */
export const LocalEnv = z.object({
  /** Which warehouse; without it the sink rule decides (shared/config/settings.ts). */
  SINK: z.enum(SINK_KINDS, `one of ${SINK_KINDS.join(', ')}`).optional(),
  DUCKDB_PATH: z.string().default(DEFAULT_DUCKDB_PATH),
  /** The project as older tools set it; Google's client libraries read it too. */
  GCLOUD_PROJECT: z.string().optional(),
  /** Set by Cloud Run / Cloud Functions gen2: the process is deployed. */
  K_SERVICE: z.string().optional(),
  /** The BigQuery client's own variable: a base URL including /bigquery/v2 (local endpoints, tests). */
  BIGQUERY_EMULATOR_HOST: url.optional(),
  /** The Storage client's own variable: a base URL of a local Cloud Storage JSON API endpoint. */
  STORAGE_EMULATOR_HOST: url.optional(),
  /**
   * host:port of a local BigQueryWrite gRPC endpoint (insecure channel, no credentials). Our own
   * name: the Write API client has no emulator variable.
   */
  BIGQUERY_STORAGE_EMULATOR_HOST: z
    .string()
    .regex(/^[^\s/:]+:\d{1,5}$/, 'host:port')
    .optional(),
  /** The Pub/Sub client's own variable: host:port of a local Pub/Sub gRPC endpoint. */
  PUBSUB_EMULATOR_HOST: z.string().optional(),
});

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Optional bounds on the work per object or message (shared/ingest/bounds.ts), for any sink; Terraform leaves them unset. */
const BoundsEnv = z.object({
  INGEST_MAX_OBJECT_BYTES: positiveInt(DEFAULT_OBJECT_BOUNDS.maxBytes),
  INGEST_MAX_OBJECT_LINES: positiveInt(DEFAULT_OBJECT_BOUNDS.maxLines),
  INGEST_MAX_DEAD_LETTERS: positiveInt(DEFAULT_OBJECT_BOUNDS.maxDeadLetters),
});

const MiB = 1024 * 1024;

/**
 * The settings of the `edgeonePush` receiver (its own deployment) other than its secrets, which
 * shared/push/settings.ts reads apart, as parseEnv quotes invalid values. Parsed at its first
 * request, or at cold start where it is the deployed target. The names are the contract with
 * terraform/edgeone-push.tf.
 */
export const EdgeonePushEnv = z
  .object({
    GOOGLE_CLOUD_PROJECT: z.string().min(1, 'the Google Cloud project id'),
    /** The topic `edgeoneLogs` is fed from: a topic id or projects/P/topics/T (as the replay CLI reads it). */
    EDGEONE_TOPIC: z.string().min(1, 'a Pub/Sub topic'),
    /** The request header EdgeOne is configured to send the secret in (case-insensitive). */
    EDGEONE_PUSH_HEADER: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name')
      .transform((name) => name.toLowerCase())
      .default('x-cdnlog-token'),
    /** Largest request body as sent (gzip or not). Cloud Run refuses HTTP/1 requests above 32 MiB anyway. */
    EDGEONE_PUSH_MAX_REQUEST_BYTES: positiveInt(32 * MiB),
    /** Largest body once gunzipped: a gzip bomb stops here. */
    EDGEONE_PUSH_MAX_DECODED_BYTES: positiveInt(64 * MiB),
  })
  .extend(LocalEnv.pick({ PUBSUB_EMULATOR_HOST: true }).shape);

/** Every variable cdnlog reads but the receiver's (EdgeonePushEnv), validated once (loadSettings). */
export const Env = DeployedEnv.extend(LocalEnv.shape).extend(BoundsEnv.shape);
export type Env = z.output<typeof Env>;

/** Variables Terraform sets on the deployed functions, derived from DeployedEnv. */
export const DEPLOYED_ENV_VARS = Object.keys(DeployedEnv.shape) as Array<keyof typeof DeployedEnv.shape>;

/**
 * Variables for the Node.js runtime rather than for cdnlog: Terraform sets `NODE_OPTIONS` to cap the
 * V8 heap (`--max-old-space-size`), because V8 sizes its heap from the host, not the instance's
 * memory limit, and collects lazily below that: a large upload would otherwise drift towards the
 * limit and get the instance killed. The benchmark measures memory with the same cap.
 */
export const RUNTIME_ENV_VARS = ['NODE_OPTIONS'] as const;

/** Default V8 old-space cap, MB (Terraform `function_max_heap_mb`), sized for 512 MiB instances. */
export const DEFAULT_MAX_HEAP_MB = 192;

/** One problem with one variable: "is not set", "is invalid (...)", or a reason of the caller's. */
export interface EnvProblem {
  name: string;
  problem: string;
}

/** One ConfigError naming every problem, then `note` (why, and what to do) when given. */
export function configError(problems: readonly EnvProblem[], note?: string): ConfigError {
  const list = problems.map((p) => `${p.name} ${p.problem}`).join('; ');
  return new ConfigError(`cdnlog configuration: ${list}${note ? ` (${note})` : ''}`);
}

/** Empty strings are unset: Terraform and shells often produce them. */
function presentVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

/** Validates the environment against `schema`; throws a ConfigError naming every bad variable. */
export function parseEnv<T extends z.ZodObject>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const present = presentVariables(env);
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw configError(
    parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const value = present[name];
      return { name, problem: value === undefined ? 'is not set' : `is invalid (${issue.message}): ${JSON.stringify(value)}` };
    }),
  );
}
