/**
 * npm run bench:paths — CPU per 1,000 Media CDN entries of the two ways they reach a function:
 *  - the per-entry path (`realtime`): mediaCdnLogs, one CloudEvent per LogEntry (BENCH_CONCURRENCY
 *    keep-alive clients);
 *  - the file path (`batched`, `hourly`): mediaCdnFiles, one notification for a file of the same
 *    entries, one a line, read from the local Cloud Storage endpoint;
 *  - the same file landed by a load job (`hourly` deploys, MEDIA_CDN_FILES_LOAD=load_job): rows
 *    staged as NDJSON in the Cloud Storage endpoint, loaded by the BigQuery endpoint's job.
 * All land in the local BigQuery contract endpoint (insertAll, BQ_WRITE_METHOD=insertall, for the
 * first two: what `cdnlog cost --write-method insertall` prices). The function runs in a child process of its
 * own and reports its own CPU time (user + system) around the work, so the load generator's and the
 * endpoints' CPU are not counted. BENCH_PATH_ENTRIES entries (default 20,000), after a warm-up.
 * `cdnlog cost --cpu-ms-per-entry / --file-cpu-ms-per-entry` take these figures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { toBigQuerySchema } from '../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../shared/schema/edge-log';
import { IngestErrorRow } from '../shared/schema/ingest-error';
import { startBigQueryEndpoint } from '../test/contract/bigquery-endpoint';
import { startStorageEndpoint } from '../test/contract/storage-endpoint';
import { cdnlogTables } from '../test/contract/bigquery-write-endpoint-client';
import { startBigQueryWriteEndpoint } from '../test/contract/bigquery-write-endpoint';
import { driveEvents, messageBody } from './cloudevents';
import { emit, type Figure } from './report';

const ENTRIES = Number(process.env.BENCH_PATH_ENTRIES ?? 20_000);
const WARMUP = 2_000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 100);
const PROJECT = 'bench-project';
const DATASET = 'cdnlog';
const BUCKET = 'media-cdn-files';
const STAGING = 'load-staging';
const TABLES = { [`${DATASET}.edge_logs`]: toBigQuerySchema(EdgeLogRow), [`${DATASET}.ingest_errors`]: toBigQuerySchema(IngestErrorRow) };

/** A function served in a child process; `cpu()` asks it for its CPU time so far, microseconds. */
interface Served {
  port: number;
  cpu(): Promise<number>;
  stop(): void;
}

function serve(target: string, env: Record<string, string>): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(__filename, ['child', target], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const waiting: Array<(us: number) => void> = [];
    child.on('message', (m: { port?: number; cpu?: number }) => {
      if (m.port !== undefined) {
        resolve({
          port: m.port,
          cpu: () =>
            new Promise<number>((r) => {
              waiting.push(r);
              child.send('cpu');
            }),
          stop: () => child.kill(),
        });
      } else if (m.cpu !== undefined) waiting.shift()!(m.cpu);
    });
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && code !== null && reject(new Error(`child ${target} exited with ${code}`)));
  });
}

async function child(target: string): Promise<void> {
  process.stdout.write = (() => true) as typeof process.stdout.write;
  require('../functions/index');
  const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
  const server = getTestServer(target);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.on('message', () => {
    const u = process.cpuUsage();
    process.send!({ cpu: u.user + u.system });
  });
  process.send!({ port: (server.address() as AddressInfo).port });
}

function notificationBody(name: string, generation: number, id: string): string {
  return messageBody(JSON.stringify({ bucket: BUCKET, name }), id, {
    bucketId: BUCKET,
    objectId: name,
    objectGeneration: String(generation),
    eventType: 'OBJECT_FINALIZE',
    payloadFormat: 'JSON_API_V1',
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === 'child') return child(process.argv[3]!);
  const storage = await startStorageEndpoint();
  storage.createBucket(STAGING);
  const bigquery = await startBigQueryEndpoint({ tables: TABLES, keepRows: false, readObject: storage.read });
  // The load-job function's fallback sink (the Write API) needs an endpoint; no row goes there.
  const write = await startBigQueryWriteEndpoint({ tables: cdnlogTables(DATASET) });
  bigquery.answerQueries(() => ({ fields: [{ name: 'stream', type: 'STRING' }], rows: [] }));
  const env = {
    GOOGLE_CLOUD_PROJECT: PROJECT,
    BQ_DATASET: DATASET,
    BQ_WRITE_METHOD: 'insertall',
    BIGQUERY_EMULATOR_HOST: bigquery.url,
    STORAGE_EMULATOR_HOST: storage.url,
    MEDIA_CDN_BUCKET: BUCKET,
  };
  const loadJobEnv = {
    ...env,
    BQ_WRITE_METHOD: 'storage',
    BIGQUERY_STORAGE_EMULATOR_HOST: `${write.host}:${write.port}`,
    MEDIA_CDN_FILES_LOAD: 'load_job',
    LOAD_STAGING_BUCKET: STAGING,
    BQ_LOCATION: 'US',
  };
  const entries = [...generateMediaCdn({ count: WARMUP + ENTRIES, seed: 'bench-paths' })].map((e) => JSON.stringify(e));
  const warm = entries.slice(0, WARMUP);
  const measured = entries.slice(WARMUP);
  try {
    // Per-entry: one CloudEvent per LogEntry.
    const perEntry = await serve('mediaCdnLogs', env);
    await driveEvents(
      perEntry.port,
      warm.map((e, i) => messageBody(e, `w-${i}`)),
      CONCURRENCY,
    );
    const perEntryBefore = await perEntry.cpu();
    await driveEvents(
      perEntry.port,
      measured.map((e, i) => messageBody(e, `m-${i}`)),
      CONCURRENCY,
    );
    const perEntryUs = (await perEntry.cpu()) - perEntryBefore;
    perEntry.stop();

    // File: one notification for a file of the same entries, one a line (a Cloud Storage subscription's text file).
    const file = await serve('mediaCdnFiles', env);
    const warmObject = await storage.putObject(BUCKET, 'media-cdn/warm.jsonl', Buffer.from(warm.map((e) => `${e}\n`).join('')));
    const object = await storage.putObject(BUCKET, 'media-cdn/measured.jsonl', Buffer.from(measured.map((e) => `${e}\n`).join('')));
    await driveEvents(file.port, [notificationBody(warmObject.name, warmObject.generation, 'warm')], CONCURRENCY);
    const fileBefore = await file.cpu();
    await driveEvents(file.port, [notificationBody(object.name, object.generation, 'measured')], CONCURRENCY);
    const fileUs = (await file.cpu()) - fileBefore;
    file.stop();

    // The same two files again, each landed by one load job (new generations: new job ids).
    const loadJob = await serve('mediaCdnFiles', loadJobEnv);
    const warmAgain = await storage.putObject(BUCKET, warmObject.name, Buffer.from(warm.map((e) => `${e}\n`).join('')));
    const again = await storage.putObject(BUCKET, object.name, Buffer.from(measured.map((e) => `${e}\n`).join('')));
    await driveEvents(loadJob.port, [notificationBody(warmAgain.name, warmAgain.generation, 'warm-load')], CONCURRENCY);
    const loadJobBefore = await loadJob.cpu();
    await driveEvents(loadJob.port, [notificationBody(again.name, again.generation, 'measured-load')], CONCURRENCY);
    const loadJobUs = (await loadJob.cpu()) - loadJobBefore;
    loadJob.stop();

    const accepted = bigquery.accepted();
    if (accepted !== 3 * (WARMUP + ENTRIES)) throw new Error(`BigQuery endpoint accepted ${accepted} rows, expected ${3 * (WARMUP + ENTRIES)}`);
    const jobs = bigquery.jobs();
    if (jobs.length !== 2 || jobs.some((j) => j.errorResult !== null)) throw new Error(`expected two successful load jobs, got ${JSON.stringify(jobs)}`);
    const perEntryMs = perEntryUs / 1000 / (ENTRIES / 1000);
    const fileMs = fileUs / 1000 / (ENTRIES / 1000);
    const loadJobMs = loadJobUs / 1000 / (ENTRIES / 1000);
    const figures: Figure[] = [
      { benchmark: 'paths', metric: `mediaCdnLogs, one event per entry (${CONCURRENCY} concurrent): CPU per 1,000 entries`, value: perEntryMs, unit: 'ms' },
      { benchmark: 'paths', metric: 'mediaCdnFiles, one file of the same entries (insertAll): CPU per 1,000 entries', value: fileMs, unit: 'ms' },
      { benchmark: 'paths', metric: 'mediaCdnFiles, the same file by one load job (staged NDJSON): CPU per 1,000 entries', value: loadJobMs, unit: 'ms' },
      { benchmark: 'paths', metric: 'per-entry path / file path, CPU', value: perEntryMs / fileMs, unit: 'ratio' },
      { benchmark: 'paths', metric: 'load-job file path / insertAll file path, CPU', value: loadJobMs / fileMs, unit: 'ratio' },
    ];
    emit(figures);
  } finally {
    await bigquery.close();
    await storage.close();
    await write.close();
  }
}

main().then(
  () => {
    if (process.argv[2] !== 'child') process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
