import type { ObjectBounds } from '../ingest/bounds';
import type { SinkKind, WriteMethod } from '../sink/create';
import type { LoadJobSettings } from '../sink/load-job/settings';
import { configError, Env, parseEnv, type EnvProblem } from './env';

/** How to reach Google Cloud: the clients (shared/gcp) are built from this alone. */
export interface GcpSettings {
  /** GOOGLE_CLOUD_PROJECT, else GCLOUD_PROJECT; undefined lets the client libraries ask ADC. */
  project: string | undefined;
  /** Local endpoints standing in for the Google APIs (tests, local runs); all unset in production. */
  endpoints: { bigquery?: string; bigqueryStorage?: string; storage?: string; pubsub?: string };
}

export interface BigQueryTarget {
  kind: 'bigquery';
  project: string;
  dataset: string;
  table: string;
  errorsTable: string;
  /** The Storage Write API's record of committed object generations. */
  commitsTable: string;
  /** Storage Write API or insertAll (`BQ_WRITE_METHOD`, default storage). */
  writeMethod: WriteMethod;
}

interface DuckDbTarget {
  kind: 'duckdb';
  path: string;
}

/** Where rows land. */
export type SinkSettings = BigQueryTarget | DuckDbTarget;

/**
 * Everything cdnlog reads from the environment, validated once and passed down. A new setting is a
 * line in ./env.ts (DeployedEnv when Terraform sets it, then functions.tf too; LocalEnv otherwise),
 * a field here (in the part of the settings that uses it, e.g. BigQueryTarget for a BigQuery write
 * option), and its line in loadSettings; a rule across variables goes in loadSettings, once.
 */
export interface Settings {
  gcp: GcpSettings;
  sink: SinkSettings;
  /** Bounds on the work one object or message may cause. */
  bounds: ObjectBounds;
  /** The buckets whose notifications are read, one per function (unset: none is read, each fails). */
  buckets: { edgeoneUploads: string | undefined; mediaCdnFiles: string | undefined };
  /** mediaCdnFiles lands each file with a BigQuery load job (`MEDIA_CDN_FILES_LOAD=load_job`); null: as BQ_WRITE_METHOD says. */
  mediaCdnFilesLoadJob: LoadJobSettings | null;
}

/**
 * The sink rule, one for the functions and the CLI alike: `SINK` when set; otherwise BigQuery when a
 * dataset is configured or the process is deployed (`K_SERVICE`, set by Cloud Run / Cloud Functions
 * gen2), DuckDB (a local file) otherwise, so a fresh checkout works with no cloud account. `because`
 * says why, for the messages.
 */
function chooseSinkKind(env: Pick<Env, 'SINK' | 'BQ_DATASET' | 'K_SERVICE'>): { kind: SinkKind; because: string } {
  if (env.SINK) return { kind: env.SINK, because: `SINK=${env.SINK}` };
  if (env.BQ_DATASET) return { kind: 'bigquery', because: 'BQ_DATASET is set' };
  if (env.K_SERVICE) return { kind: 'bigquery', because: 'deployed: K_SERVICE is set' };
  return { kind: 'duckdb', because: 'neither SINK nor BQ_DATASET is set' };
}

/**
 * Parses the environment into Settings; throws one ConfigError naming every bad variable. BigQuery,
 * once chosen, needs a project and a dataset: a missing one is an error, never a quiet fallback to a
 * local file. A local endpoint needs a project too: without one the client asks Application Default
 * Credentials for it, which is exactly what a local endpoint is there to avoid.
 */
export function loadSettings(env: NodeJS.ProcessEnv): Settings {
  const vars = parseEnv(Env, env);
  const project = vars.GOOGLE_CLOUD_PROJECT ?? vars.GCLOUD_PROJECT;
  const endpoints = {
    bigquery: vars.BIGQUERY_EMULATOR_HOST,
    bigqueryStorage: vars.BIGQUERY_STORAGE_EMULATOR_HOST,
    storage: vars.STORAGE_EMULATOR_HOST,
    pubsub: vars.PUBSUB_EMULATOR_HOST,
  };
  const { kind, because } = chooseSinkKind(vars);

  const problems: EnvProblem[] = [];
  if (kind === 'bigquery' && !project) problems.push({ name: 'GOOGLE_CLOUD_PROJECT', problem: 'is not set' });
  if (kind === 'bigquery' && !vars.BQ_DATASET) problems.push({ name: 'BQ_DATASET', problem: 'is not set' });
  if (problems.length > 0) throw configError(problems, `the sink is BigQuery because ${because}; SINK=duckdb writes to a local file instead`);
  const endpointVars = (['BIGQUERY_EMULATOR_HOST', 'BIGQUERY_STORAGE_EMULATOR_HOST', 'STORAGE_EMULATOR_HOST', 'PUBSUB_EMULATOR_HOST'] as const).filter(
    (name) => vars[name],
  );
  if (!project && endpointVars.length > 0) {
    throw configError(
      [{ name: 'GOOGLE_CLOUD_PROJECT', problem: 'is not set' }],
      `${endpointVars.join(' and ')} ${endpointVars.length > 1 ? 'are' : 'is'} set, and a local endpoint needs a project id`,
    );
  }

  const mediaCdnFilesLoadJob = loadJobSettings(vars, kind);

  const sink: SinkSettings =
    kind === 'bigquery'
      ? {
          kind,
          project: project!,
          dataset: vars.BQ_DATASET!,
          table: vars.BQ_TABLE,
          errorsTable: vars.BQ_ERRORS_TABLE,
          commitsTable: vars.BQ_COMMITS_TABLE,
          writeMethod: vars.BQ_WRITE_METHOD,
        }
      : { kind, path: vars.DUCKDB_PATH };
  const bounds = { maxBytes: vars.INGEST_MAX_OBJECT_BYTES, maxLines: vars.INGEST_MAX_OBJECT_LINES, maxDeadLetters: vars.INGEST_MAX_DEAD_LETTERS };
  return {
    gcp: { project, endpoints },
    sink,
    bounds,
    buckets: { edgeoneUploads: vars.UPLOAD_BUCKET, mediaCdnFiles: vars.MEDIA_CDN_BUCKET },
    mediaCdnFilesLoadJob,
  };
}

/**
 * MEDIA_CDN_FILES_LOAD=load_job needs BigQuery through the Storage Write API (a file the load job
 * cannot take falls back to a PENDING stream, the other exactly-once path), a staging bucket and
 * the dataset's location. Each missing piece is named; none is guessed.
 */
function loadJobSettings(vars: Env, kind: SinkKind): LoadJobSettings | null {
  if (vars.MEDIA_CDN_FILES_LOAD !== 'load_job') return null;
  const problems: EnvProblem[] = [];
  if (kind !== 'bigquery') problems.push({ name: 'SINK', problem: `is ${kind}: load jobs are BigQuery's` });
  else if (vars.BQ_WRITE_METHOD !== 'storage') {
    problems.push({
      name: 'BQ_WRITE_METHOD',
      problem: `is ${vars.BQ_WRITE_METHOD}: a file a load job cannot take falls back to the Storage Write API (storage)`,
    });
  }
  if (!vars.LOAD_STAGING_BUCKET) problems.push({ name: 'LOAD_STAGING_BUCKET', problem: 'is not set' });
  if (!vars.BQ_LOCATION) problems.push({ name: 'BQ_LOCATION', problem: 'is not set' });
  if (problems.length > 0) throw configError(problems, 'MEDIA_CDN_FILES_LOAD=load_job; MEDIA_CDN_FILES_LOAD=stream needs none of these');
  return { stagingBucket: vars.LOAD_STAGING_BUCKET!, location: vars.BQ_LOCATION! };
}
