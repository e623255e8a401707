import { BigQuery } from '@google-cloud/bigquery';
import { createBigQuery } from '../../shared/gcp/clients';
import { withoutGoogleCredentials } from './adc-guard';
import { requireVmModules } from './vm-modules-guard';
import { startBigQueryEndpoint, type BigQueryEndpoint } from './bigquery-endpoint';

const TABLE = 'cdn.requests';
const RAW = { raw: true, partialRetries: 0, skipInvalidRows: false, ignoreUnknownValues: false } as const;

interface ErrorLike {
  name?: string;
  code?: number | string;
  message?: string;
  errors?: Array<{ row: { insertId: string }; errors: Array<{ reason: string; message: string }> }>;
  response?: { insertErrors?: Array<{ index: number; errors: Array<{ reason: string; location: string }> }> };
}

async function rejection(promise: Promise<unknown>): Promise<ErrorLike> {
  try {
    await promise;
  } catch (err) {
    return err as ErrorLike;
  }
  throw new Error('expected the call to reject');
}

function row(id: string, json: Record<string, unknown>) {
  return { insertId: id, json };
}

const good = (id: string) => row(id, { request_id: id, status: 200, ts: '2024-05-01T12:00:00.123456Z', bytes: '1024', hit: true, labels: '{"pop":"NRT"}' });

describe('BigQuery client against the local BigQuery REST contract endpoint', () => {
  requireVmModules();
  withoutGoogleCredentials();
  let endpoint: BigQueryEndpoint;
  let bigquery: BigQuery;
  const table = () => bigquery.dataset('cdn').table('requests');

  beforeEach(async () => {
    endpoint = await startBigQueryEndpoint({
      tables: {
        [TABLE]: [
          { name: 'request_id', type: 'STRING', mode: 'REQUIRED' },
          { name: 'status', type: 'INT64' },
          { name: 'ts', type: 'TIMESTAMP', mode: 'REQUIRED' },
          { name: 'bytes', type: 'INTEGER' },
          { name: 'ratio', type: 'FLOAT64' },
          { name: 'hit', type: 'BOOL' },
          { name: 'labels', type: 'JSON' },
        ],
      },
    });
    bigquery = createBigQuery({ project: 'test-project', endpoints: { bigquery: endpoint.url } });
  });
  afterEach(() => endpoint.close());

  it('inserts raw rows with no credentials, ADC or metadata server available', async () => {
    const [response] = await table().insert([good('a'), good('b')], RAW);
    expect(response).toEqual({ kind: 'bigquery#tableDataInsertAllResponse' });
    expect(endpoint.rows(TABLE).map((r) => r.request_id)).toEqual(['a', 'b']);
    expect(endpoint.requests).toEqual([expect.objectContaining({ table: TABLE, rows: 2, status: 200 })]);
  });

  it('needs the factory: a bare client pointed at the endpoint still tries ADC and fails', async () => {
    const bare = new BigQuery({ projectId: 'test-project', apiEndpoint: endpoint.origin });
    const err = await rejection(
      bare
        .dataset('cdn')
        .table('requests')
        .insert([good('a')], RAW),
    );
    expect(String(err.message)).toMatch(/nonexistent|credentials/i);
    expect(endpoint.requests).toHaveLength(0);
  });

  it('rejects the whole request when one row is invalid: PartialFailureError with invalid and stopped', async () => {
    const bad = row('bad', { request_id: 'bad', ts: 'yesterday-ish', status: 'two hundred' });
    const err = await rejection(table().insert([good('a'), bad, good('c')], RAW));
    expect(err.name).toBe('PartialFailureError');
    expect(err.errors?.map((e) => [e.row.insertId, e.errors.map((x) => x.reason)])).toEqual([
      ['a', ['stopped']],
      ['bad', ['invalid', 'invalid']],
      ['c', ['stopped']],
    ]);
    expect(err.response?.insertErrors?.[1]?.errors.map((e) => e.location)).toEqual(['status', 'ts']);
    expect(endpoint.rows(TABLE)).toEqual([]);
  });

  it('flags unknown fields, missing REQUIRED fields and malformed JSON columns as invalid', async () => {
    const rows = [
      row('unknown', { request_id: 'x', ts: '2024-05-01 12:00:00 UTC', colour: 'red' }),
      row('missing', { ts: 1714564800 }),
      row('json', { request_id: 'y', ts: '2024-05-01', labels: '{not json' }),
      row('json-object', { request_id: 'z', ts: '2024-05-01', labels: { pop: 'NRT' } }),
    ];
    const err = await rejection(table().insert(rows, RAW));
    expect(err.response?.insertErrors?.map((e) => [e.index, e.errors[0]?.reason, e.errors[0]?.location])).toEqual([
      [0, 'invalid', 'colour'],
      [1, 'invalid', 'request_id'],
      [2, 'invalid', 'labels'],
      [3, 'invalid', 'labels'],
    ]);
  });

  it('keeps valid rows when skipInvalidRows is true, and drops unknown fields when ignoreUnknownValues is true', async () => {
    const rows = [row('ok', { request_id: 'ok', ts: '2024-05-01T00:00:00Z', extra: 1 }), row('bad', { ts: '2024-05-01' })];
    const err = await rejection(table().insert(rows, { ...RAW, skipInvalidRows: true, ignoreUnknownValues: true }));
    expect(err.response?.insertErrors).toEqual([{ index: 1, errors: [expect.objectContaining({ reason: 'invalid' })] }]);
    expect(endpoint.rows(TABLE).map((r) => r.request_id)).toEqual(['ok']);
  });

  it('deduplicates by insertId across requests', async () => {
    await table().insert([good('a'), good('b')], RAW);
    await table().insert([good('b'), good('c')], RAW);
    expect(endpoint.rows(TABLE).map((r) => r.request_id)).toEqual(['a', 'b', 'c']);
  });

  it('answers 404 with a Google error body for an unknown table', async () => {
    const err = await rejection(
      bigquery
        .dataset('cdn')
        .table('nope')
        .insert([good('a')], RAW),
    );
    expect(err.code).toBe(404);
    expect(err.message).toMatch(/Not found: Table test-project:cdn\.nope/);
  });

  it('refuses bodies over 10 MB with "Request payload size exceeds the limit"', async () => {
    const big = Array.from({ length: 11 }, (_, i) => row(`big${i}`, { request_id: 'x'.repeat(1024 * 1024), ts: '2024-05-01' }));
    const err = await rejection(table().insert(big, RAW));
    expect(err.code).toBe(400);
    expect(err.message).toBe('Request payload size exceeds the limit: 10485760 bytes.');
    expect(endpoint.requests[0]?.bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(endpoint.rows(TABLE)).toEqual([]);
  });

  it('surfaces 503 and 429 to the caller (factory disables client retries), then succeeds', async () => {
    endpoint.failNext(1, 503);
    endpoint.failNext(1, 429);
    expect((await rejection(table().insert([good('a')], RAW))).code).toBe(503);
    const limited = await rejection(table().insert([good('a')], RAW));
    expect(limited.code).toBe(429);
    expect(limited.message).toMatch(/rate limits/);
    await table().insert([good('a')], RAW);
    expect(endpoint.requests.map((r) => r.status)).toEqual([200]); // faulted requests never reach insertAll
    expect(endpoint.rows(TABLE)).toHaveLength(1);
  });

  it('surfaces a dropped connection as a network error', async () => {
    endpoint.resetNext(1);
    const err = await rejection(table().insert([good('a')], RAW));
    expect(String(err.code ?? err.message)).toMatch(/ECONNRESET|socket hang up/i);
  });

  it('shows the library default: with autoRetry the client itself retries a 503 (hiding it)', async () => {
    const retrying = createBigQuery({ project: 'test-project', endpoints: { bigquery: endpoint.url } }, { autoRetry: true });
    endpoint.failNext(1, 503);
    await retrying
      .dataset('cdn')
      .table('requests')
      .insert([good('a')], RAW);
    expect(endpoint.requests).toHaveLength(1);
    expect(endpoint.rows(TABLE)).toHaveLength(1);
  });

  it('serves tables.get with the schema', async () => {
    const [metadata] = await table().getMetadata();
    expect(metadata.schema.fields[0]).toEqual({ name: 'request_id', type: 'STRING', mode: 'REQUIRED' });
  });
});
