import type { BigQuery } from '@google-cloud/bigquery';
import type { Storage } from '@google-cloud/storage';
import { createBigQuery, createStorage } from '../../shared/gcp/clients';
import { withoutGoogleCredentials } from './adc-guard';
import { requireVmModules } from './vm-modules-guard';
import { startBigQueryEndpoint, type BigQueryEndpoint } from './bigquery-endpoint';
import { startStorageEndpoint, type StorageEndpoint } from './storage-endpoint';

const TABLE = 'cdn.requests';
const FIELDS = [
  { name: 'request_id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'ts', type: 'TIMESTAMP', mode: 'REQUIRED' },
  { name: 'bytes', type: 'INT64', mode: 'NULLABLE' },
  { name: 'labels', type: 'JSON', mode: 'NULLABLE' },
] as const;

/** A load configuration as the library sends it (jobs.insert body under `configuration`). */
const load = (uri: string) => ({
  sourceUris: [uri],
  sourceFormat: 'NEWLINE_DELIMITED_JSON',
  destinationTable: { projectId: 'test-project', datasetId: 'cdn', tableId: 'requests' },
  createDisposition: 'CREATE_NEVER',
  writeDisposition: 'WRITE_APPEND',
  schema: { fields: FIELDS },
  maxBadRecords: 0,
});

describe('BigQuery load jobs (jobs.insert, jobs.get) against the local BigQuery and Cloud Storage contract endpoints, with the real clients', () => {
  requireVmModules();
  withoutGoogleCredentials();
  let endpoint: BigQueryEndpoint;
  let storageEndpoint: StorageEndpoint;
  let bigquery: BigQuery;
  let storage: Storage;

  beforeEach(async () => {
    storageEndpoint = await startStorageEndpoint();
    storageEndpoint.createBucket('staging');
    endpoint = await startBigQueryEndpoint({ tables: { [TABLE]: [...FIELDS] }, readObject: storageEndpoint.read, loadJobsPerTable: 2 });
    const gcp = { project: 'test-project', endpoints: { bigquery: endpoint.url, storage: storageEndpoint.url } };
    bigquery = createBigQuery(gcp);
    storage = createStorage(gcp);
  });
  afterEach(async () => {
    await endpoint.close();
    await storageEndpoint.close();
  });

  const stage = (name: string, lines: string[]) =>
    storage
      .bucket('staging')
      .file(name)
      .save(`${lines.join('\n')}\n`, { resumable: false });
  const insert = (jobId: string, uri: string) => bigquery.createJob({ jobId, location: 'EU', configuration: { load: load(uri) } } as never);
  const state = async (jobId: string) =>
    (await bigquery.job(jobId, { location: 'EU' }).getMetadata())[0] as { status: { state: string; errorResult?: { reason: string } } };

  it('runs a load: PENDING, RUNNING, then DONE with every row appended, a JSON value kept as its text', async () => {
    await stage('a.ndjson', [
      JSON.stringify({ request_id: 'r1', ts: '2026-11-01T08:00:00.123456Z', bytes: 10, labels: { pop: 'NRT', n: 1 } }),
      JSON.stringify({ request_id: 'r2', ts: '2026-11-01 08:00:01', labels: null }),
    ]);
    const [job] = await insert('load_1', 'gs://staging/a.ndjson');
    expect(job.id).toBe('load_1');
    expect(endpoint.rows(TABLE)).toEqual([]);
    expect((await state('load_1')).status.state).toBe('RUNNING');
    const done = (await bigquery.job('load_1', { location: 'EU' }).getMetadata())[0] as {
      status: { state: string };
      statistics: { load: { outputRows: string } };
    };
    expect(done.status).toEqual({ state: 'DONE' });
    expect(done.statistics.load.outputRows).toBe('2');
    expect(endpoint.rows(TABLE)).toEqual([
      { request_id: 'r1', ts: '2026-11-01T08:00:00.123456Z', bytes: 10, labels: '{"pop":"NRT","n":1}' },
      { request_id: 'r2', ts: '2026-11-01 08:00:01', labels: null },
    ]);
  });

  it('refuses a second job with the same id (409), and finds a job only in its own location', async () => {
    await stage('a.ndjson', [JSON.stringify({ request_id: 'r1', ts: '2026-11-01T08:00:00Z' })]);
    await insert('load_dup', 'gs://staging/a.ndjson');
    await expect(insert('load_dup', 'gs://staging/a.ndjson')).rejects.toMatchObject({ code: 409 });
    await expect(bigquery.job('load_dup', { location: 'US' }).getMetadata()).rejects.toMatchObject({ code: 404 });
    await expect(bigquery.job('no_such_job', { location: 'EU' }).getMetadata()).rejects.toMatchObject({ code: 404 });
  });

  it('fails the whole job on one bad line (maxBadRecords 0): DONE with errorResult, nothing appended', async () => {
    await stage('bad.ndjson', [
      JSON.stringify({ request_id: 'r1', ts: '2026-11-01T08:00:00Z' }),
      JSON.stringify({ request_id: 'r2', ts: 'yesterday' }),
      JSON.stringify({ request_id: 'r3', ts: '2026-11-01T08:00:00Z', extra: 1 }),
    ]);
    await insert('load_bad', 'gs://staging/bad.ndjson');
    await state('load_bad');
    const done = await state('load_bad');
    expect(done.status).toMatchObject({ state: 'DONE', errorResult: { reason: 'invalid' } });
    expect((done.status as { errors?: unknown[] }).errors).toHaveLength(3);
    expect(endpoint.rows(TABLE)).toEqual([]);
  });

  it('answers 403 quotaExceeded once the per-table load quota is spent, and holds, fails or faults jobs on request', async () => {
    await stage('a.ndjson', [JSON.stringify({ request_id: 'r1', ts: '2026-11-01T08:00:00Z' })]);
    endpoint.holdNextJob(2);
    await insert('held', 'gs://staging/a.ndjson');
    expect([(await state('held')).status.state, (await state('held')).status.state, (await state('held')).status.state]).toEqual([
      'RUNNING',
      'RUNNING',
      'RUNNING',
    ]);
    expect((await state('held')).status.state).toBe('DONE');
    endpoint.failNextJob('backendError', 'Backend error. Job aborted.');
    await insert('broken', 'gs://staging/a.ndjson');
    await state('broken');
    expect((await state('broken')).status).toMatchObject({ state: 'DONE', errorResult: { reason: 'backendError' } });
    await expect(insert('third', 'gs://staging/a.ndjson')).rejects.toMatchObject({ code: 403, errors: [expect.objectContaining({ reason: 'quotaExceeded' })] });
    endpoint.failNextJobPolls(1, 503);
    await expect(state('held')).rejects.toMatchObject({ code: 503 });
    expect(endpoint.rows(TABLE)).toHaveLength(1);
  });

  it('fails a job whose source is gone, and one whose schema is not the table’s', async () => {
    await insert('gone', 'gs://staging/never-staged.ndjson');
    await state('gone');
    expect((await state('gone')).status).toMatchObject({ state: 'DONE', errorResult: { reason: 'notFound' } });
    await stage('a.ndjson', [JSON.stringify({ request_id: 'r1', ts: '2026-11-01T08:00:00Z' })]);
    await bigquery.createJob({
      jobId: 'schema',
      location: 'EU',
      configuration: { load: { ...load('gs://staging/a.ndjson'), schema: { fields: FIELDS.slice(0, 2) } } },
    } as never);
    await state('schema');
    expect((await state('schema')).status).toMatchObject({ state: 'DONE', errorResult: { reason: 'invalid' } });
  });
});
