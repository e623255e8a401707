import { PassThrough } from 'node:stream';
import { main } from '../../shared/cli/main';
import { ConfigError } from '../../shared/config/error';
import { loadSettings } from '../../shared/config/settings';
import { DEFAULT_OBJECT_BOUNDS } from '../../shared/ingest/bounds';
import { createSink, DEFAULT_DUCKDB_PATH } from '../../shared/sink/create';

const BQ = { GOOGLE_CLOUD_PROJECT: 'p', BQ_DATASET: 'cdnlog' };

/** The message `loadSettings` throws for `env`. */
function mistake(env: NodeJS.ProcessEnv): string {
  try {
    loadSettings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

/** What `cdnlog ingest` writes on stderr for `env` (no input is read: settings come first). */
async function cliMistake(env: NodeJS.ProcessEnv): Promise<string> {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env };
  let stderr = '';
  io.stderr.on('data', (c) => (stderr += c));
  io.stdin.end();
  expect(await main(['ingest', '--source', 'edgeone', '-'], io)).toBe(1);
  return stderr;
}

describe('settings: one parse of the environment, one sink rule', () => {
  it('takes BigQuery settings with their defaults', () => {
    expect(loadSettings(BQ)).toEqual({
      gcp: { project: 'p', endpoints: {} },
      sink: {
        kind: 'bigquery',
        project: 'p',
        dataset: 'cdnlog',
        table: 'edge_logs',
        errorsTable: 'ingest_errors',
        commitsTable: 'ingest_commits',
        writeMethod: 'storage',
      },
      bounds: DEFAULT_OBJECT_BOUNDS,
      buckets: {},
      mediaCdnFilesLoadJob: null,
    });
    expect(loadSettings({ ...BQ, UPLOAD_BUCKET: 'uploads', MEDIA_CDN_BUCKET: 'media-files' }).buckets).toEqual({
      edgeoneUploads: 'uploads',
      mediaCdnFiles: 'media-files',
    });
  });

  it('refuses to open the Write API sink with a local BigQuery endpoint but none for the Write API', async () => {
    const settings = loadSettings({ ...BQ, BIGQUERY_EMULATOR_HOST: 'http://127.0.0.1:1/bigquery/v2' });
    await expect(createSink(settings)).rejects.toThrow(
      'cdnlog configuration: BIGQUERY_STORAGE_EMULATOR_HOST is not set (BIGQUERY_EMULATOR_HOST is set and BQ_WRITE_METHOD is storage',
    );
  });

  it('writes through the Storage Write API unless BQ_WRITE_METHOD=insertall', () => {
    expect(loadSettings({ ...BQ, BQ_WRITE_METHOD: 'insertall' }).sink).toMatchObject({ writeMethod: 'insertall' });
    expect(loadSettings({ ...BQ, BQ_WRITE_METHOD: '' }).sink).toMatchObject({ writeMethod: 'storage' });
  });

  it('lands Media CDN files with load jobs only when asked, with the staging bucket and location it needs', () => {
    const LOAD = { MEDIA_CDN_FILES_LOAD: 'load_job', LOAD_STAGING_BUCKET: 'p-cdnlog-load-staging', BQ_LOCATION: 'europe-west1' };
    expect(loadSettings({ ...BQ, LOAD_STAGING_BUCKET: 'p-cdnlog-load-staging' }).mediaCdnFilesLoadJob).toBeNull();
    expect(loadSettings({ ...BQ, MEDIA_CDN_FILES_LOAD: 'stream' }).mediaCdnFilesLoadJob).toBeNull();
    expect(loadSettings({ ...BQ, ...LOAD }).mediaCdnFilesLoadJob).toEqual({ stagingBucket: 'p-cdnlog-load-staging', location: 'europe-west1' });
  });

  it('reads the bounds on the work per object, and refuses a bound that is not a positive integer', () => {
    expect(loadSettings({ INGEST_MAX_OBJECT_LINES: '10', INGEST_MAX_DEAD_LETTERS: '3' }).bounds).toEqual({
      ...DEFAULT_OBJECT_BOUNDS,
      maxLines: 10,
      maxDeadLetters: 3,
    });
    expect(() => loadSettings({ INGEST_MAX_OBJECT_BYTES: '-1' })).toThrow(/INGEST_MAX_OBJECT_BYTES is invalid/);
  });

  it('reads the project from GCLOUD_PROJECT when GOOGLE_CLOUD_PROJECT is unset, as the client libraries do', () => {
    expect(loadSettings({ GCLOUD_PROJECT: 'old', BQ_DATASET: 'cdnlog' }).sink).toMatchObject({ kind: 'bigquery', project: 'old' });
    expect(loadSettings({ GCLOUD_PROJECT: 'old', GOOGLE_CLOUD_PROJECT: 'new', BQ_DATASET: 'cdnlog' }).gcp.project).toBe('new');
  });

  it('chooses DuckDB with no cloud setting at all, or when asked to even when deployed', () => {
    expect(loadSettings({}).sink).toEqual({ kind: 'duckdb', path: DEFAULT_DUCKDB_PATH });
    expect(loadSettings({ SINK: 'duckdb', K_SERVICE: 'x', DUCKDB_PATH: '/tmp/x.duckdb' }).sink).toEqual({ kind: 'duckdb', path: '/tmp/x.duckdb' });
    expect(loadSettings({ GOOGLE_CLOUD_PROJECT: 'p' }).sink.kind).toBe('duckdb');
  });

  it('treats empty strings as unset (Terraform and shells produce them)', () => {
    expect(loadSettings({ BQ_DATASET: '', SINK: '', BQ_TABLE: '' }).sink.kind).toBe('duckdb');
  });

  it('passes the local endpoints to the clients', () => {
    const endpoints = {
      BIGQUERY_EMULATOR_HOST: 'http://127.0.0.1:1/bigquery/v2',
      BIGQUERY_STORAGE_EMULATOR_HOST: '127.0.0.1:4',
      STORAGE_EMULATOR_HOST: 'http://127.0.0.1:2',
      PUBSUB_EMULATOR_HOST: '127.0.0.1:3',
    };
    expect(loadSettings({ ...BQ, ...endpoints }).gcp.endpoints).toEqual({
      bigquery: 'http://127.0.0.1:1/bigquery/v2',
      bigqueryStorage: '127.0.0.1:4',
      storage: 'http://127.0.0.1:2',
      pubsub: '127.0.0.1:3',
    });
  });

  it.each([
    [
      'a deployed function without BQ_DATASET',
      { K_SERVICE: 'edgeone-logs', GOOGLE_CLOUD_PROJECT: 'p' },
      'BQ_DATASET is not set (the sink is BigQuery because deployed: K_SERVICE is set; SINK=duckdb writes to a local file instead)',
    ],
    [
      'a dataset without a project',
      { BQ_DATASET: 'cdnlog' },
      'GOOGLE_CLOUD_PROJECT is not set (the sink is BigQuery because BQ_DATASET is set; SINK=duckdb writes to a local file instead)',
    ],
    [
      'SINK=bigquery with nothing else',
      { SINK: 'bigquery' },
      'GOOGLE_CLOUD_PROJECT is not set; BQ_DATASET is not set (the sink is BigQuery because SINK=bigquery;',
    ],
    [
      'a bad dataset id',
      { ...BQ, BQ_DATASET: 'no-dashes' },
      'BQ_DATASET is invalid (letters, digits and underscores only (a BigQuery dataset id)): "no-dashes"',
    ],
    ['a bad emulator URL', { ...BQ, BIGQUERY_EMULATOR_HOST: 'http//:bad url' }, 'BIGQUERY_EMULATOR_HOST is invalid'],
    ['an unknown BQ_WRITE_METHOD', { ...BQ, BQ_WRITE_METHOD: 'load' }, 'BQ_WRITE_METHOD is invalid (one of storage, insertall): "load"'],
    [
      'a Write API endpoint that is not host:port',
      { ...BQ, BIGQUERY_STORAGE_EMULATOR_HOST: 'http://127.0.0.1:4' },
      'BIGQUERY_STORAGE_EMULATOR_HOST is invalid (host:port)',
    ],
    ['an unknown SINK', { SINK: 'postgres' }, 'SINK is invalid (one of bigquery, duckdb): "postgres"'],
    ['an unknown MEDIA_CDN_FILES_LOAD', { ...BQ, MEDIA_CDN_FILES_LOAD: 'load' }, 'MEDIA_CDN_FILES_LOAD is invalid (one of stream, load_job): "load"'],
    [
      'load jobs without a staging bucket or location',
      { ...BQ, MEDIA_CDN_FILES_LOAD: 'load_job' },
      'LOAD_STAGING_BUCKET is not set; BQ_LOCATION is not set (MEDIA_CDN_FILES_LOAD=load_job; MEDIA_CDN_FILES_LOAD=stream needs none of these)',
    ],
    [
      'load jobs over insertAll',
      { ...BQ, BQ_WRITE_METHOD: 'insertall', MEDIA_CDN_FILES_LOAD: 'load_job', LOAD_STAGING_BUCKET: 'staging', BQ_LOCATION: 'US' },
      'BQ_WRITE_METHOD is insertall: a file a load job cannot take falls back to the Storage Write API (storage)',
    ],
    [
      'load jobs into DuckDB',
      { MEDIA_CDN_FILES_LOAD: 'load_job', LOAD_STAGING_BUCKET: 'staging', BQ_LOCATION: 'US' },
      "SINK is duckdb: load jobs are BigQuery's",
    ],
    ['a staging bucket that is no bucket name', { ...BQ, LOAD_STAGING_BUCKET: 'Not A Bucket' }, 'LOAD_STAGING_BUCKET is invalid (a Cloud Storage bucket name)'],
    ['a bad storage URL on a local run', { STORAGE_EMULATOR_HOST: 'nope' }, 'STORAGE_EMULATOR_HOST is invalid'],
    [
      'a local endpoint without a project',
      { SINK: 'duckdb', PUBSUB_EMULATOR_HOST: '127.0.0.1:1' },
      'GOOGLE_CLOUD_PROJECT is not set (PUBSUB_EMULATOR_HOST is set, and a local endpoint needs a project id)',
    ],
  ])('refuses %s with one message naming the variable', (_name, env, message) => {
    expect(mistake(env)).toContain(`cdnlog configuration: ${message}`);
  });

  it('names every bad variable at once', () => {
    expect(mistake({ SINK: 'postgres', BQ_TABLE: 'a.b' })).toMatch(/^cdnlog configuration: BQ_TABLE is invalid .*; SINK is invalid/);
  });

  it.each([
    ['a dataset without a project', { BQ_DATASET: 'cdnlog' }],
    ['only GCLOUD_PROJECT, no dataset, asked for BigQuery', { SINK: 'bigquery', GCLOUD_PROJECT: 'p' }],
  ])('the CLI refuses %s with the very message the functions give', async (_name, env) => {
    expect(await cliMistake(env)).toBe(`cdnlog ingest: ${mistake(env)}\n`);
  });

  it('throws at module load of functions/index.ts (cold start), before any request', () => {
    const saved = { ...process.env };
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      process.env.SINK = 'bigquery';
      delete process.env.BQ_DATASET;
      delete process.env.GOOGLE_CLOUD_PROJECT;
      delete process.env.GCLOUD_PROJECT;
      expect(() => jest.isolateModules(() => require('../../functions/index'))).toThrow(/GOOGLE_CLOUD_PROJECT is not set; BQ_DATASET is not set/);
      const logged = write.mock.calls.map(([line]) => String(line)).join('');
      expect(JSON.parse(logged.trim().split('\n')[0]!)).toMatchObject({ severity: 'ERROR', message: expect.stringMatching(/BQ_DATASET/) });
    } finally {
      write.mockRestore();
      process.env = saved;
    }
  });
});
