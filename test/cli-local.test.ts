import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { formatIngestSummary } from '../shared/cli/ingest';
import { main } from '../shared/cli/main';
import { loadSettings } from '../shared/config/settings';
import { openWarehouse } from '../shared/duckdb/open';
import { generateEdgeoneL4 } from '../shared/generate/edgeone-l4';
import { generateEdgeoneL7 } from '../shared/generate/edgeone-l7';
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { ingest } from '../shared/ingest/ingest';
import { openInput } from '../shared/ingest/inputs';
import { silentLogs } from '../shared/logging';
import { normalizeMediaCdn } from '../shared/normalizers';
import { createSink } from '../shared/sink/create';
import { openDuckDbSink } from '../shared/sink/duckdb';
import { toBigQuerySchema } from '../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../shared/schema/edge-log';
import { IngestErrorRow, MAX_ERROR_PAYLOAD_BYTES } from '../shared/schema/ingest-error';
import { withoutGoogleCredentials } from './contract/adc-guard';
import { startBigQueryEndpoint, type BigQueryEndpoint } from './contract/bigquery-endpoint';
import { startPubSubEndpoint, type PubSubEndpoint } from './contract/pubsub-endpoint';
import { cdnlogTables, grpcCallsSettled } from './contract/bigquery-write-endpoint-client';
import { startBigQueryWriteEndpoint, type BigQueryWriteEndpoint } from './contract/bigquery-write-endpoint';
import { startStorageEndpoint, type StorageEndpoint } from './contract/storage-endpoint';
import { requireVmModules } from './contract/vm-modules-guard';

withoutGoogleCredentials();
requireVmModules();

const dir = mkdtempSync(join(tmpdir(), 'cdnlog-cli-local-'));
const jsonl = (records: Iterable<object>) => `${[...records].map((r) => JSON.stringify(r)).join('\n')}\n`;

async function run(args: string[], env: NodeJS.ProcessEnv) {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env };
  let stdout = '';
  let stderr = '';
  io.stdout.on('data', (c) => (stdout += c));
  io.stderr.on('data', (c) => (stderr += c));
  io.stdin.end();
  const code = await main(args, io);
  return { code, stdout, stderr };
}

async function count(db: string, sql: string): Promise<unknown[]> {
  const warehouse = await openWarehouse(db, { mustExist: true });
  try {
    return (await warehouse.connection.runAndReadAll(sql)).getRowsJson()[0]!;
  } finally {
    await warehouse.close();
  }
}

describe('cdnlog ingest and query (DuckDB)', () => {
  const db = join(dir, 'ingest.duckdb');
  const env = { SINK: 'duckdb', DUCKDB_PATH: db };
  const media = join(dir, 'media.jsonl.gz');
  const edgeone = join(dir, 'edgeone.jsonl');

  beforeAll(() => {
    writeFileSync(media, gzipSync(jsonl(generateMediaCdn({ count: 300, seed: 't' }))));
    writeFileSync(
      edgeone,
      `${jsonl(generateEdgeoneL4({ count: 100, seed: 't' }))}${jsonl(generateEdgeoneL7({ count: 100, seed: 't' }))}not json\n{"SessionID":"s","LogTimeStamp":"yesterday"}\n`,
    );
  });

  it('lands rows and dead letters, and a re-run adds neither', async () => {
    const first = await run(['ingest', '--source', 'media-cdn', media], env);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/ingested 300 records/);
    const second = await run(['ingest', '--source', 'edgeone', edgeone], env);
    expect(second.code).toBe(1); // two records dead-lettered
    expect(second.stdout).toMatch(/new +200\n/);
    expect(second.stdout).toMatch(/dead letters +2 /);
    // Progress goes to stderr as plain lines when stderr is not a terminal.
    expect(second.stderr).toMatch(/records .* MB\/s .* rejects/);
    const again = await run(['ingest', '--source', 'edgeone', edgeone, '--db', db], { SINK: 'duckdb' });
    expect(again.stdout).toMatch(/new +0\n/);
    expect(again.stdout).toMatch(/already there +200\n/);
    expect(await count(db, 'SELECT COUNT(*), COUNT(DISTINCT event_id) FROM edge_logs')).toEqual(['500', '500']);
    expect(await count(db, "SELECT COUNT(*), COUNT(*) FILTER (stage = 'parse'), COUNT(*) FILTER (stage = 'validate') FROM ingest_errors")).toEqual([
      '2',
      '1',
      '1',
    ]);
  });

  it('query prints table, csv and json', async () => {
    const sql = 'SELECT source, COUNT(*) AS n FROM edge_logs_dedup GROUP BY source ORDER BY source';
    const table = await run(['query', sql], env);
    expect(table.stdout).toMatch(/^source +n\n-+ +-+\nedgeone +200\nmedia_cdn +300\n\(2 rows\)\n$/);
    expect((await run(['query', sql, '--format', 'csv'], env)).stdout).toBe('source,n\r\nedgeone,200\r\nmedia_cdn,300\r\n');
    expect((await run(['query', sql, '--format', 'json'], env)).stdout).toBe('{"source":"edgeone","n":200}\n{"source":"media_cdn","n":300}\n');
  });

  it('query refuses a missing warehouse instead of creating one', async () => {
    const result = await run(['query', 'SELECT 1'], { DUCKDB_PATH: join(dir, 'none.duckdb') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no local warehouse/);
  });

  it.each(['ingest', 'query', 'upload', 'replay'])('%s --help', async (command) => {
    const result = await run([command, '--help'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: cdnlog ${command}`));
  });
});

describe('cdnlog ingest into BigQuery (BigQuery and Cloud Storage contract endpoints)', () => {
  let bigquery: BigQueryEndpoint;
  let storage: StorageEndpoint;
  const lines = `${jsonl(generateEdgeoneL4({ count: 50, seed: 'bq' }))}not json\n${jsonl(generateEdgeoneL7({ count: 50, seed: 'bq' }))}`;

  beforeAll(async () => {
    bigquery = await startBigQueryEndpoint({
      tables: { 'cdnlog.edge_logs': toBigQuerySchema(EdgeLogRow), 'cdnlog.ingest_errors': toBigQuerySchema(IngestErrorRow) },
    });
    storage = await startStorageEndpoint();
    storage.createBucket('uploads');
    await storage.putObject('uploads', 'edgeone/part-1.log.gz', gzipSync(lines));
  });
  afterAll(async () => {
    await bigquery.close();
    await storage.close();
  });

  const env = () => ({
    GOOGLE_CLOUD_PROJECT: 'local',
    BQ_DATASET: 'cdnlog',
    BQ_WRITE_METHOD: 'insertall',
    BIGQUERY_EMULATOR_HOST: bigquery.url,
    STORAGE_EMULATOR_HOST: storage.url,
  });

  it('streams a gs:// object into edge_logs with insertIds, dead-letters the bad line, and a re-run sends the same ids', async () => {
    const processStdout = jest.spyOn(process.stdout, 'write');
    const first = await run(['ingest', '--source', 'edgeone', 'gs://uploads/edgeone/part-1.log.gz'], env());
    // The sink's log lines stay off the process's stdout (the command's summary goes there).
    expect(processStdout).not.toHaveBeenCalled();
    processStdout.mockRestore();
    expect(first.code).toBe(1); // one line dead-lettered
    expect(first.stdout).toMatch(/ingested 101 records .* into BigQuery local\.cdnlog/);
    expect(first.stdout).toMatch(/rows written +100\n/);
    const rows = bigquery.rows('cdnlog.edge_logs');
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.log_type))).toEqual(new Set(['l4_session', 'http_request']));
    const [letter] = bigquery.rows('cdnlog.ingest_errors');
    expect(letter).toMatchObject({
      stage: 'parse',
      source: 'edgeone',
      object: expect.stringMatching(/^gs:\/\/uploads\/edgeone\/part-1\.log\.gz#\d+:51$/),
      payload: 'not json',
    });

    const again = await run(['ingest', '--source', 'edgeone', 'gs://uploads/edgeone/part-1.log.gz'], env());
    expect(again.code).toBe(1);
    // Same insertIds (event_id, error_id): the endpoint, like BigQuery, keeps one copy of each.
    expect(bigquery.rows('cdnlog.edge_logs')).toHaveLength(100);
    expect(bigquery.rows('cdnlog.ingest_errors')).toHaveLength(1);
    expect(bigquery.accepted()).toBe(202);
  });
});

describe('cdnlog ingest into BigQuery through the Storage Write API (BigQueryWrite, BigQuery and Cloud Storage contract endpoints)', () => {
  let write: BigQueryWriteEndpoint;
  let bigquery: BigQueryEndpoint;
  let storage: StorageEndpoint;
  const lines = `${jsonl(generateEdgeoneL4({ count: 50, seed: 'sw' }))}not json\n${jsonl(generateEdgeoneL7({ count: 50, seed: 'sw' }))}`;

  beforeAll(async () => {
    write = await startBigQueryWriteEndpoint({ tables: cdnlogTables('cdnlog') });
    bigquery = await startBigQueryEndpoint({ tables: {} });
    // The commit log's lookups (jobs.query), answered from what the Write API committed.
    bigquery.answerQueries((q) => ({
      fields: [
        { name: 'stream', type: 'STRING' },
        { name: 'state', type: 'STRING' },
        { name: 'rows', type: 'INT64' },
      ],
      rows: write.rows('cdnlog.ingest_commits').filter((r) => r.object === q.params.object?.value),
    }));
    storage = await startStorageEndpoint();
    storage.createBucket('uploads');
    await storage.putObject('uploads', 'edgeone/part-2.log.gz', gzipSync(lines));
  });
  afterAll(async () => {
    await grpcCallsSettled();
    await write.close();
    await bigquery.close();
    await storage.close();
  });

  const env = () => ({
    GOOGLE_CLOUD_PROJECT: 'local',
    BQ_DATASET: 'cdnlog',
    BIGQUERY_EMULATOR_HOST: bigquery.url,
    BIGQUERY_STORAGE_EMULATOR_HOST: `${write.host}:${write.port}`,
    STORAGE_EMULATOR_HOST: storage.url,
  });

  it('lands a gs:// object in one commit by default; a re-run finds it committed and reads nothing', async () => {
    const first = await run(['ingest', '--source', 'edgeone', 'gs://uploads/edgeone/part-2.log.gz'], env());
    await grpcCallsSettled();
    expect(first.code).toBe(1); // one line dead-lettered
    expect(first.stdout).toMatch(/rows written +100\n/);
    expect(write.rows('cdnlog.edge_logs')).toHaveLength(100);
    expect(write.rows('cdnlog.ingest_errors')).toEqual([expect.objectContaining({ stage: 'parse', payload: 'not json' })]);
    expect(write.streams().filter((st) => st.type === 'PENDING')).toEqual([expect.objectContaining({ rows: 100, committed: true })]);
    expect(bigquery.requests).toEqual([]); // no insertAll

    const downloads = storage.requests.filter((r) => r.query.alt === 'media').length;
    const again = await run(['ingest', '--source', 'edgeone', 'gs://uploads/edgeone/part-2.log.gz'], env());
    await grpcCallsSettled();
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/part-2\.log\.gz#\d+: already landed by an earlier ingest \(100 rows\), not read again/);
    expect(storage.requests.filter((r) => r.query.alt === 'media')).toHaveLength(downloads);
    expect(write.rows('cdnlog.edge_logs')).toHaveLength(100);
  });

  it('Ctrl-C while a file is read leaves it uncommitted (nothing of it visible), the summary says so, and a re-run lands it whole', async () => {
    const file = join(dir, 'interrupted.jsonl');
    writeFileSync(file, jsonl(generateEdgeoneL7({ count: 9000, seed: 'sw-interrupt' })));
    const before = write.rows('cdnlog.edge_logs').length;
    const sink = await createSink(loadSettings(env()), { logs: silentLogs });
    const stop = new AbortController();
    const input = await openInput(file, { stdin: new PassThrough() });
    // Ctrl-C as soon as the first rows were read (the CLI aborts the same signal on SIGINT).
    const counts = await ingest({ source: 'edgeone', inputs: [input], sink, signal: stop.signal, onProgress: () => stop.abort() });
    await sink.close();
    await grpcCallsSettled();
    expect(counts.rows).toBeGreaterThan(0);
    expect(counts.uncommitted).toEqual({ input: input.label, rows: counts.rows });
    expect(write.rows('cdnlog.edge_logs')).toHaveLength(before);
    expect(write.streams().filter((st) => st.type === 'PENDING' && !st.committed)).toEqual([expect.objectContaining({ rows: counts.rows })]);
    const summary = formatIngestSummary(counts, 1, { sink: 'BigQuery local.cdnlog', interrupted: true, commitsFiles: true });
    expect(summary).toMatch(/rows written +0\n/);
    expect(summary).toContain(`not committed    ${counts.rows.toLocaleString('en-US')} rows of ${input.label} (none of them is visible)`);
    expect(summary).toContain(
      `${input.label} was not committed, so nothing of it is visible; run the same command again: committed files are skipped and ${input.label} lands whole`,
    );

    const again = await run(['ingest', '--source', 'edgeone', file], env());
    await grpcCallsSettled();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/rows written +9,000\n/);
    expect(write.rows('cdnlog.edge_logs')).toHaveLength(before + 9000);
  });
});

describe('cdnlog upload (Cloud Storage contract endpoint)', () => {
  let storage: StorageEndpoint;
  beforeAll(async () => {
    storage = await startStorageEndpoint();
    storage.createBucket('uploads');
  });
  afterAll(() => storage.close());

  it('uploads small files in one request and big ones resumably, printing gs:// URIs', async () => {
    const small = join(dir, 'small.log');
    const big = join(dir, 'big.log.gz');
    writeFileSync(small, jsonl(generateEdgeoneL7({ count: 10, seed: 'u' })));
    writeFileSync(big, gzipSync(jsonl(generateEdgeoneL4({ count: 3000, seed: 'u' }))));
    const env = { STORAGE_EMULATOR_HOST: storage.url, GOOGLE_CLOUD_PROJECT: 'local' };
    const result = await run(['upload', small, big, '--bucket', 'uploads', '--prefix', 'edgeone/2026-11-01/', '--resumable-over', '50000'], env);
    expect(result).toMatchObject({ code: 0, stdout: 'gs://uploads/edgeone/2026-11-01/small.log\ngs://uploads/edgeone/2026-11-01/big.log.gz\n' });
    const objects = storage.objects('uploads');
    expect(objects.map((o) => o.name).sort()).toEqual(['edgeone/2026-11-01/big.log.gz', 'edgeone/2026-11-01/small.log']);
    const bigObject = objects.find((o) => o.name.endsWith('big.log.gz'))!;
    expect((await bigObject.data()).equals(require('node:fs').readFileSync(big))).toBe(true);
    expect(storage.requests.some((r) => r.method === 'POST' && r.query.uploadType === 'resumable' && r.query.name === 'edgeone/2026-11-01/big.log.gz')).toBe(
      true,
    );
    expect(storage.requests.some((r) => r.method === 'POST' && r.query.uploadType === 'multipart')).toBe(true);
  });
});

function normalizedRow() {
  const result = normalizeMediaCdn([...generateMediaCdn({ count: 1, seed: 'row' })][0], { now: () => '2026-11-01T00:00:00Z' });
  if (!result.ok) throw new Error(result.error);
  return result.row;
}

describe('cdnlog replay (Pub/Sub contract endpoint)', () => {
  let pubsub: PubSubEndpoint;
  const db = join(dir, 'replay.duckdb');
  const letter = (id: string, fields: Partial<IngestErrorRow>): IngestErrorRow => ({
    error_id: id,
    error_time: '2026-11-01T10:00:00Z',
    source: 'media_cdn',
    stage: 'validate',
    reason: 'timestamp: not a valid timestamp',
    message_id: null,
    object: null,
    payload: `{"id":"${id}"}`,
    payload_truncated: false,
    attributes: null,
    ...fields,
  });

  beforeAll(async () => {
    pubsub = await startPubSubEndpoint();
    const sink = await openDuckDbSink({ path: db });
    await sink.writeErrors([
      letter('m1', { message_id: '41', attributes: JSON.stringify({ logging_sink: 'x' }) }),
      letter('m2', { error_time: '2026-10-01T00:00:00Z' }),
      letter('e1', {
        source: 'edgeone',
        reason: 'L4 record: ForwardPort not a number',
        object: 'gs://b/o#1:7',
        attributes: JSON.stringify({ bucketId: 'b', objectId: 'o', eventType: 'OBJECT_FINALIZE' }),
      }),
      letter('big', { payload: 'x'.repeat(MAX_ERROR_PAYLOAD_BYTES), payload_truncated: true }),
      // Written before dead letters kept the source record: its payload is the normalized row.
      letter('row', { stage: 'insert', reason: 'DuckDB refused the row', payload: JSON.stringify(normalizedRow()) }),
    ]);
    await sink.close();
  });
  afterAll(() => pubsub.close());

  const env = () => ({ DUCKDB_PATH: db, SINK: 'duckdb', PUBSUB_EMULATOR_HOST: pubsub.url, GOOGLE_CLOUD_PROJECT: 'local' });

  it('--dry-run lists what it would send and skip, and sends nothing', async () => {
    const result = await run(['replay', '--dry-run'], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /would send 3, 2 to cdnlog-media-cdn-logs, 1 to cdnlog-edgeone-logs; skipped 2 \(1 truncated, 1 payload is a normalized row, not a source record\)/,
    );
    expect(pubsub.publishCalls).toBe(0);
  });

  it('filters by --since, --source and --reason, and publishes payloads with their attributes', async () => {
    const result = await run(['replay', '--since', '2026-10-15T00:00:00Z', '--source', 'media-cdn', '--reason', 'TIMESTAMP'], env());
    expect(result.stdout).toMatch(/^sent +m1 +media_cdn +→ cdnlog-media-cdn-logs +\(message \d+\)$/m);
    expect(result.stdout).toMatch(/sent 1, 1 to cdnlog-media-cdn-logs; skipped 1 \(1 truncated\)/);
    const [message] = pubsub.messages('cdnlog-media-cdn-logs');
    expect(message!.data.toString()).toBe('{"id":"m1"}');
    expect(message!.attributes).toEqual({ logging_sink: 'x', cdnlog_replay_of: 'm1' });
  });

  it('--topic sends everything there; an EdgeOne line loses its storage-notification attributes', async () => {
    const result = await run(['replay', '--source', 'edgeone', '--topic', 'fixed'], env());
    expect(result.stdout).toMatch(/sent 1, 1 to fixed; skipped 0/);
    expect(pubsub.messages('fixed')[0]!.attributes).toEqual({ cdnlog_replay_of: 'e1' });
  });

  describe('from BigQuery (BigQuery jobs.query and Pub/Sub contract endpoints)', () => {
    let bigquery: BigQueryEndpoint;
    // The columns replay selects, typed as BigQuery returns them (FORMAT_TIMESTAMP and TO_JSON_STRING give STRING).
    const fields = ['error_id', 'error_time', 'source', 'stage', 'reason', 'message_id', 'object', 'payload', 'payload_truncated', 'attributes'].map(
      (name) => ({
        name,
        type: name === 'payload_truncated' ? ('BOOL' as const) : ('STRING' as const),
      }),
    );

    beforeAll(async () => {
      bigquery = await startBigQueryEndpoint({ tables: {} });
      bigquery.answerQueries(() => ({
        fields,
        rows: [
          letter('bq1', { error_time: '2026-11-01T10:00:00.123456Z', message_id: '77', attributes: JSON.stringify({ logging_sink: 'y' }) }),
          letter('bq-big', { payload: 'x'.repeat(100), payload_truncated: true }),
        ],
      }));
    });
    afterAll(() => bigquery.close());

    it('asks for the dead letters with a parameterized query and publishes what comes back', async () => {
      const result = await run(['replay', '--since', '2026-10-15T00:00:00Z', '--source', 'media-cdn', '--reason', 'TIMESTAMP', '--topic', 'from-bq'], {
        SINK: 'bigquery',
        GOOGLE_CLOUD_PROJECT: 'local',
        BQ_DATASET: 'cdnlog',
        BIGQUERY_EMULATOR_HOST: bigquery.url,
        PUBSUB_EMULATOR_HOST: pubsub.url,
      });
      expect(result).toMatchObject({ code: 0 });
      const [query] = bigquery.queries;
      expect(query!.useLegacySql).toBe(false);
      expect(query!.query).toContain(
        'FROM `local.cdnlog.ingest_errors` WHERE error_time >= CAST(@since AS TIMESTAMP) AND source = @source AND STRPOS(LOWER(reason), LOWER(@reason)) > 0 ORDER BY error_time, error_id',
      );
      expect(query!.params).toEqual({
        since: { type: 'STRING', value: '2026-10-15T00:00:00.000Z' },
        source: { type: 'STRING', value: 'media_cdn' },
        reason: { type: 'STRING', value: 'TIMESTAMP' },
      });
      expect(result.stdout).toMatch(/sent 1, 1 to from-bq; skipped 1 \(1 truncated\)/);
      const [message] = pubsub.messages('from-bq');
      expect(message!.data.toString()).toBe('{"id":"bq1"}');
      expect(message!.attributes).toEqual({ logging_sink: 'y', cdnlog_replay_of: 'bq1' });
    });
  });
});
