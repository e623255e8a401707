/**
 * npm run bench:functions — the Cloud Functions served by the functions framework, locally:
 *  (a) mediaCdnLogs CloudEvents/s against the local BigQuery contract endpoint, beside a no-op
 *      CloudEvent function on the same framework under the same load (BENCH_CONCURRENCY keep-alive
 *      clients, BENCH_EVENTS events each); target ratio ≥ 0.6;
 *  (b) insertAll requests per 1,000 events during (a); target ≤ 10;
 *  (c) an EdgeOne gzip upload (BENCH_EDGEONE_BYTES uncompressed, default 1 GB) through a storage
 *      notification: compressed MB/s beside a gunzip-and-split-lines-only pass over the same object
 *      (target ratio ≥ 0.4), and the function process's peak RSS (target < 256 MB); beside them the
 *      ceiling of the design: the same loop with a sink that builds requests and sends none. The function
 *      runs in a child process of its own, so its RSS is not mixed with the endpoints' or the
 *      load generator's.
 */
import { DEFAULT_MAX_HEAP_MB } from '../shared/config/env';
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip, createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { generateEdgeoneL7 } from '../shared/generate/edgeone-l7';
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { toBigQuerySchema } from '../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../shared/schema/edge-log';
import { IngestErrorRow } from '../shared/schema/ingest-error';
import { startBigQueryEndpoint } from '../test/contract/bigquery-endpoint';
import { startStorageEndpoint } from '../test/contract/storage-endpoint';
import { emit, type Figure } from './report';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 100);
const EDGEONE_BYTES = Number(process.env.BENCH_EDGEONE_BYTES ?? 1024 ** 3);
const MB = 1024 * 1024;
const PROJECT = 'bench-project';
const DATASET = 'cdnlog';
const BUCKET = 'edgeone-uploads';
const TABLES = { [`${DATASET}.edge_logs`]: toBigQuerySchema(EdgeLogRow), [`${DATASET}.ingest_errors`]: toBigQuerySchema(IngestErrorRow) };

function ceHeaders(id: string, body: string): Record<string, string | number> {
  return {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'ce-id': id,
    'ce-specversion': '1.0',
    'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
    'ce-source': `//pubsub.googleapis.com/projects/${PROJECT}/topics/bench`,
  };
}

function post(agent: Agent, port: number, id: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: ceHeaders(id, body) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends every body once, `CONCURRENCY` at a time over keep-alive connections; events/s. */
async function drive(port: number, bodies: string[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const i = next++;
        if ((await post(agent, port, `e-${i}`, bodies[i]!)) >= 300) failed++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  if (failed > 0) throw new Error(`${failed} of ${bodies.length} events failed`);
  return bodies.length / seconds;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function messageBody(data: string, messageId: string, attributes: Record<string, string> = {}): string {
  return JSON.stringify({ message: { data: Buffer.from(data).toString('base64'), messageId, attributes }, subscription: `projects/${PROJECT}/subscriptions/bench` });
}

async function mediaCdnCase(): Promise<Figure[]> {
  const bigquery = await startBigQueryEndpoint({ tables: TABLES, keepRows: false });
  Object.assign(process.env, { GOOGLE_CLOUD_PROJECT: PROJECT, BQ_DATASET: DATASET, BQ_WRITE_METHOD: 'insertall', BIGQUERY_EMULATOR_HOST: bigquery.url });
  // Silence the functions' INFO lines: 40k JSON lines to a terminal would measure the terminal.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    require('../functions/index');
    const framework = require('@google-cloud/functions-framework') as typeof import('@google-cloud/functions-framework');
    const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
    framework.cloudEvent('noop', async () => {});
    const noopPort = await listen(getTestServer('noop'));
    const mediaPort = await listen(getTestServer('mediaCdnLogs'));
    const bodies = [...generateMediaCdn({ count: EVENTS, seed: 'bench' })].map((e, i) => messageBody(JSON.stringify(e), `m-${i}`, { 'logging.googleapis.com/timestamp': String(e.timestamp) }));
    // Warm-up both (JIT, client creation), then interleave: best of two rounds each.
    await drive(noopPort, bodies.slice(0, 2000));
    await drive(mediaPort, bodies.slice(0, 2000));
    let noop = 0;
    let media = 0;
    let requestsPer1000 = Infinity;
    for (let round = 0; round < 2; round++) {
      noop = Math.max(noop, await drive(noopPort, bodies));
      const before = bigquery.requests.length;
      media = Math.max(media, await drive(mediaPort, bodies));
      requestsPer1000 = Math.min(requestsPer1000, ((bigquery.requests.length - before) / bodies.length) * 1000);
    }
    const ratio = media / noop;
    return [
      { benchmark: 'functions', metric: `no-op CloudEvent function (${CONCURRENCY} concurrent)`, value: noop, unit: 'events/s' },
      { benchmark: 'functions', metric: `mediaCdnLogs → BigQuery endpoint (${CONCURRENCY} concurrent)`, value: media, unit: 'events/s' },
      { benchmark: 'functions', metric: 'mediaCdnLogs / no-op', value: ratio, unit: 'ratio', target: '≥ 0.6', met: ratio >= 0.6 },
      { benchmark: 'functions', metric: `insertAll requests per 1,000 events (${CONCURRENCY} concurrent)`, value: requestsPer1000, unit: 'requests', target: '≤ 10', met: requestsPer1000 <= 10 },
    ];
  } finally {
    process.stdout.write = write;
    await bigquery.close();
  }
}

/** Gzipped EdgeOne JSON Lines, about `bytes` uncompressed, built once in memory (it is the object). */
async function edgeoneObject(bytes: number): Promise<{ gz: Buffer; lines: number }> {
  let lines = 0;
  let produced = 0;
  function* chunks(): Generator<Buffer> {
    let parts: string[] = [];
    let partBytes = 0;
    for (const record of generateEdgeoneL7({ count: Number.MAX_SAFE_INTEGER, seed: 'bench-upload' })) {
      const line = `${JSON.stringify(record)}\n`;
      parts.push(line);
      partBytes += line.length;
      lines++;
      if (partBytes >= MB) {
        yield Buffer.from(parts.join(''));
        produced += partBytes;
        parts = [];
        partBytes = 0;
        if (produced >= bytes) return;
      }
    }
  }
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks()).pipe(createGzip({ level: 6 }))) out.push(c as Buffer);
  return { gz: Buffer.concat(out), lines };
}

interface ChildResult {
  seconds: number;
  maxRssBytes: number;
  status?: number;
  lines?: number;
}

/**
 * Node options of the child processes: the V8 heap cap Terraform deploys the functions with
 * (NODE_OPTIONS, see shared/config/env.ts), so memory is measured as it would be deployed.
 */
const CHILD_NODE_ARGS = (process.env.BENCH_CHILD_NODE_ARGS ?? `--max-old-space-size=${DEFAULT_MAX_HEAP_MB}`).split(' ').filter(Boolean);

/** Runs this file as a child in `mode`, with env; resolves to what the child reports. */
function runChild(mode: string, env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(__filename, [mode], { execArgv: [...process.execArgv, ...CHILD_NODE_ARGS], env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as ChildResult));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`${mode} child exited with ${code}`)));
  });
}

async function edgeoneCase(): Promise<Figure[]> {
  const { gz, lines } = await edgeoneObject(EDGEONE_BYTES);
  const storage = await startStorageEndpoint();
  const bigquery = await startBigQueryEndpoint({ tables: TABLES, keepRows: false });
  try {
    const object = await storage.putObject(BUCKET, 'bench/part-0001.log.gz', gz);
    const env = {
      GOOGLE_CLOUD_PROJECT: PROJECT,
      BQ_DATASET: DATASET,
      BQ_WRITE_METHOD: 'insertall',
      BIGQUERY_EMULATOR_HOST: bigquery.url,
      STORAGE_EMULATOR_HOST: storage.url,
      UPLOAD_BUCKET: BUCKET,
      BENCH_OBJECT: object.name,
      BENCH_GENERATION: String(object.generation),
    };
    const baseline = await runChild('child-baseline', env);
    if (baseline.lines !== lines) throw new Error(`baseline split ${baseline.lines} lines, expected ${lines}`);
    const ceiling = await runChild('child-ceiling', env);
    if (ceiling.lines !== lines) throw new Error(`ceiling pass read ${ceiling.lines} lines, expected ${lines}`);
    const fn = await runChild('child-edgeone', env);
    if (fn.status !== 204) throw new Error(`edgeoneLogs answered ${fn.status}`);
    const rows = bigquery.accepted();
    if (rows !== lines) throw new Error(`BigQuery endpoint accepted ${rows} rows, expected ${lines}`);
    const compressedMb = gz.length / MB;
    const fnRate = compressedMb / fn.seconds;
    const baseRate = compressedMb / baseline.seconds;
    const sizeText = `${Math.round(EDGEONE_BYTES / MB)} MB`;
    return [
      { benchmark: 'functions', metric: `edgeone upload ${sizeText} (${compressedMb.toFixed(0)} MB gz, ${lines} lines): gunzip+split only`, value: baseRate, unit: 'MB/s gz' },
      { benchmark: 'functions', metric: `edgeone upload ${sizeText}: edgeoneLogs → BigQuery endpoint`, value: fnRate, unit: 'MB/s gz' },
      { benchmark: 'functions', metric: 'edgeoneLogs / gunzip+split', value: fnRate / baseRate, unit: 'ratio', target: '≥ 0.4', met: fnRate / baseRate >= 0.4 },
      {
        benchmark: 'functions',
        metric: 'ceiling without HTTP (read, normalize, serialize, build insertAll bodies) / gunzip+split',
        value: compressedMb / ceiling.seconds / baseRate,
        unit: 'ratio',
      },
      {
        benchmark: 'functions',
        metric: `edgeoneLogs peak RSS (${sizeText} uncompressed; node ${CHILD_NODE_ARGS.join(' ')}, as deployed)`,
        value: fn.maxRssBytes / MB,
        unit: 'MB',
        target: '< 256 (1 GB file)',
        met: fn.maxRssBytes / MB < 256,
      },
    ];
  } finally {
    await storage.close();
    await bigquery.close();
  }
}

function report(result: ChildResult): Promise<void> {
  return new Promise((resolve, reject) => process.send!(result, (err: Error | null) => (err ? reject(err) : resolve())));
}

/** The uploaded object's bytes, through the same checked download the function uses (children only). */
async function benchObject(): Promise<AsyncIterable<Buffer>> {
  const { createStorage } = await import('../shared/gcp/clients');
  const { loadSettings } = await import('../shared/config/settings');
  const { downloadObject } = await import('../shared/gcp/download');
  return downloadObject(createStorage(loadSettings(process.env).gcp), { bucket: BUCKET, name: process.env.BENCH_OBJECT!, generation: process.env.BENCH_GENERATION! });
}

/** Child: the baseline — the same checked download the function uses, gunzip, count lines. */
async function childBaseline(): Promise<void> {
  const download = await benchObject();
  const started = process.hrtime.bigint();
  let lines = 0;
  for await (const chunk of Readable.from(download).pipe(createGunzip())) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) lines++;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await report({ seconds, lines, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
}

/**
 * Child: the ceiling of the function's design on this machine. The same download and the same
 * record loop as edgeoneLogs, into a sink that serializes each row and builds the insertAll bodies
 * but sends nothing: what the upload would cost if BigQuery answered instantly and for free.
 */
async function childCeiling(): Promise<void> {
  const { decompressIfGzip } = await import('../shared/input/gzip');
  const { readRecordBatches } = await import('../shared/input/records');
  const { ingestRecords } = await import('../shared/ingest/ingest-records');
  const { insertAllBody } = await import('../shared/sink/bigquery');
  const { silentLogs } = await import('../shared/logging');
  const { systemClock } = await import('../shared/normalize/result');
  const download = await benchObject();
  let bodyBytes = 0;
  const sink = {
    writeRows: async (rows: readonly EdgeLogRow[]) => {
      for (let i = 0; i < rows.length; i += 500) {
        const batch = rows.slice(i, i + 500).map((row) => ({ insertId: row.event_id, json: JSON.stringify(row) }));
        bodyBytes += Buffer.from(insertAllBody(batch)).length;
      }
      return { inserted: rows.length, deadLettered: 0 };
    },
    writeErrors: async () => {},
    close: async () => {},
  };
  const started = process.hrtime.bigint();
  const result = await ingestRecords(
    readRecordBatches(decompressIfGzip(download)),
    { source: 'edgeone', messageId: 'ceiling', object: null, attributes: null },
    { sink, logs: silentLogs, now: systemClock() },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (bodyBytes === 0) throw new Error('no insertAll body was built');
  await report({ seconds, lines: result.records, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
}

/** Child: the edgeoneLogs function on the functions framework, sent one storage notification. */
async function childEdgeone(): Promise<void> {
  process.stdout.write = (() => true) as typeof process.stdout.write;
  require('../functions/index');
  const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
  const server = getTestServer('edgeoneLogs');
  const port = await listen(server);
  const body = messageBody(JSON.stringify({ bucket: BUCKET, name: process.env.BENCH_OBJECT }), 'bench-upload', {
    bucketId: BUCKET,
    objectId: process.env.BENCH_OBJECT!,
    objectGeneration: process.env.BENCH_GENERATION!,
    eventType: 'OBJECT_FINALIZE',
    payloadFormat: 'JSON_API_V1',
  });
  const agent = new Agent({ keepAlive: false });
  const peaks = { heapUsed: 0, external: 0, arrayBuffers: 0, rss: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    for (const k of Object.keys(peaks) as (keyof typeof peaks)[]) peaks[k] = Math.max(peaks[k], Math.round(m[k] / MB));
  }, 100);
  const started = process.hrtime.bigint();
  const status = await post(agent, port, 'upload', body);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  server.close();
  clearInterval(sampler);
  if (process.env.BENCH_DEBUG) process.stderr.write(`edgeone child memory peaks (MB): ${JSON.stringify(peaks)}\n`);
  await report({ seconds, status, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === 'child-baseline') return childBaseline();
  if (mode === 'child-edgeone') return childEdgeone();
  if (mode === 'child-ceiling') return childCeiling();
  const figures = [...(await edgeoneCase()), ...(await mediaCdnCase())];
  emit(figures);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
