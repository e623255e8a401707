/**
 * npm run bench:cold-start — what a new function instance pays before its first event, for the
 * deploy package (terraform/stage-function-source.sh's layout, installed with `npm ci --omit=dev`
 * as Cloud Build does) beside the repository layout (dist/ with every dependency installed):
 *  (a) module load of the entry point in a fresh `node` process, median of BENCH_COLD_LOADS (7);
 *      target ≤ 300 ms for the deploy package;
 *  (b) process start to the first Media CDN event handled: the real `functions-framework` CLI
 *      serving mediaCdnLogs, one CloudEvent POSTed as soon as it listens, its rows landed in the
 *      local contract endpoint; for each write method (BQ_WRITE_METHOD=storage, the default: the
 *      Write API's gRPC channel and first AppendRows; insertall: one insertAll); median of
 *      BENCH_COLD_STARTS (5);
 *  (c) the sizes: deploy package files and installed node_modules, beside the repository's.
 * BENCH_COLD_BASELINE=DIR adds a third layout: another built checkout with its dependencies
 * installed (e.g. an earlier commit, to measure a change). Runs are interleaved between the layouts so machine load affects both alike.
 * Needs the npm registry (or its cache) once, for the `npm ci` of the staged package.
 */
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { toBigQuerySchema } from '../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../shared/schema/edge-log';
import { IngestErrorRow } from '../shared/schema/ingest-error';
import { planFunctionSource, writeFunctionSource } from '../scripts/deploy/function-source';
import type { WriteMethod } from '../shared/sink/create';
import { startBigQueryEndpoint, type BigQueryEndpoint } from '../test/contract/bigquery-endpoint';
import { startBigQueryWriteEndpoint, type BigQueryWriteEndpoint } from '../test/contract/bigquery-write-endpoint';
import { cdnlogTables } from '../test/contract/bigquery-write-endpoint-client';
import { postEvent } from './cloudevents';
import { emit, type Figure } from './report';

const LOADS = Number(process.env.BENCH_COLD_LOADS ?? 7);
const STARTS = Number(process.env.BENCH_COLD_STARTS ?? 5);
const REPO = resolve(__dirname, '..', '..');
const MB = 1024 * 1024;
/** The default first: what a deployed instance runs unless bq_write_method says otherwise. */
const METHODS: readonly WriteMethod[] = ['storage', 'insertall'];

/** The contract endpoints both write methods land rows in. */
interface Sinks {
  bigquery: BigQueryEndpoint;
  write: BigQueryWriteEndpoint;
}

/** Rows landed in edge_logs so far through `method`. */
function landed(sinks: Sinks, method: WriteMethod): number {
  if (method === 'insertall') return sinks.bigquery.accepted();
  return sinks.write.appends.filter((a) => a.outcome === 'ok' && a.stream.includes('/tables/edge_logs/')).reduce((n, a) => n + a.rows, 0);
}

interface Layout {
  name: string;
  /** The directory functions-framework --source gets (its package.json main is the entry point). */
  dir: string;
  entry: string;
  framework: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Bytes of the files under `path`, symlinks not followed (du --apparent-size). */
function bytesUnder(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.isFile() ? stat.size : 0;
  return readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0);
}

/** The settings the entry point validates at load; everything else is the parent's minus NODE_OPTIONS. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  return { ...env, GOOGLE_CLOUD_PROJECT: 'bench-project', BQ_DATASET: 'cdnlog', ...extra };
}

/** Milliseconds a fresh node process spends in `require(entry)`. */
function moduleLoad(entry: string): number {
  const script = 'const t = performance.now(); require(process.argv[1]); process.stdout.write("LOAD " + (performance.now() - t));';
  const run = spawnSync(process.execPath, ['-e', script, entry], { env: childEnv(), encoding: 'utf8' });
  const line = run.stdout.split('\n').find((l) => l.startsWith('LOAD '));
  if (run.status !== 0 || !line) throw new Error(`loading ${entry} failed: ${run.stderr}`);
  return Number(line.slice('LOAD '.length));
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => ok(port));
    });
  });
}

/** Milliseconds from spawning `functions-framework` to the response to the first event. */
async function firstEvent(layout: Layout, method: WriteMethod, sinks: Sinks, body: string): Promise<number> {
  const port = await freePort();
  const rowsBefore = landed(sinks, method);
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [layout.framework, '--target=mediaCdnLogs', '--signature-type=cloudevent', `--source=${layout.dir}`, `--port=${port}`],
    {
      env: childEnv({
        BQ_WRITE_METHOD: method,
        BIGQUERY_EMULATOR_HOST: sinks.bigquery.url,
        BIGQUERY_STORAGE_EMULATOR_HOST: `${sinks.write.host}:${sinks.write.port}`,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    let exited: number | null | undefined;
    child.on('exit', (code) => {
      exited = code;
    });
    // functions/index.ts runs the framework in production mode, where it prints nothing when it is
    // ready: the first event is sent as soon as the port accepts a connection.
    let status: number;
    for (;;) {
      if (exited !== undefined) throw new Error(`functions-framework exited (${exited}) before serving: ${stderr}`);
      try {
        status = await postEvent(port, 'cold-1', body);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw err;
        await new Promise((ok) => setTimeout(ok, 2));
      }
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (status >= 300) throw new Error(`first event answered ${status}: ${stderr}`);
    if (landed(sinks, method) <= rowsBefore) throw new Error(`first event answered but no row landed (${method})`);
    return ms;
  } finally {
    child.kill();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'cdnlog-cold-start-'));
  try {
    const stageDir = join(work, 'function-source');
    const source = planFunctionSource(REPO);
    writeFunctionSource(REPO, source, stageDir);
    process.stderr.write(`cold-start: npm ci --omit=dev in the staged package (${Object.keys(source.packageJson.dependencies).length} dependencies) ...\n`);
    const ci = spawnSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: stageDir, encoding: 'utf8', env: childEnv() });
    if (ci.status !== 0) throw new Error(`npm ci in the staged package failed: ${ci.stderr}`);

    const frameworkMain = (dir: string) => join(dir, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
    const layouts: Layout[] = [
      { name: 'deploy package', dir: stageDir, entry: join(stageDir, source.packageJson.main), framework: frameworkMain(stageDir) },
      { name: 'repository layout (dist/, all dependencies)', dir: REPO, entry: join(REPO, source.packageJson.main), framework: frameworkMain(REPO) },
    ];
    const baseline = process.env.BENCH_COLD_BASELINE;
    if (baseline) {
      const { main } = JSON.parse(readFileSync(join(baseline, 'package.json'), 'utf8')) as { main: string };
      layouts.push({ name: `baseline ${baseline}`, dir: baseline, entry: join(baseline, main), framework: frameworkMain(baseline) });
    }

    const loads = new Map<string, number[]>(layouts.map((l) => [l.name, []]));
    for (let i = 0; i < LOADS; i++) for (const layout of layouts) loads.get(layout.name)!.push(moduleLoad(layout.entry));

    const bigquery = await startBigQueryEndpoint({
      tables: { 'cdnlog.edge_logs': toBigQuerySchema(EdgeLogRow), 'cdnlog.ingest_errors': toBigQuerySchema(IngestErrorRow) },
      keepRows: false,
    });
    const sinks: Sinks = { bigquery, write: await startBigQueryWriteEndpoint({ tables: cdnlogTables('cdnlog'), keepRows: false }) };
    const startKey = (layout: Layout, method: WriteMethod) => `${layout.name}, ${method === 'storage' ? 'Write API' : 'insertAll'}`;
    const starts = new Map<string, number[]>(layouts.flatMap((l) => METHODS.map((m) => [startKey(l, m), []])));
    try {
      const [entry] = [...generateMediaCdn({ count: 1, seed: 'cold-start' })];
      const body = JSON.stringify({
        message: { data: Buffer.from(JSON.stringify(entry)).toString('base64'), messageId: 'cold-1' },
        subscription: 'projects/bench-project/subscriptions/bench',
      });
      for (let i = 0; i < STARTS; i++)
        for (const layout of layouts) for (const method of METHODS) starts.get(startKey(layout, method))!.push(await firstEvent(layout, method, sinks, body));
    } finally {
      await sinks.write.close();
      await bigquery.close();
    }

    const figures: Figure[] = [];
    for (const layout of layouts) {
      const load = median(loads.get(layout.name)!);
      const deployed = layout === layouts[0];
      figures.push({
        benchmark: 'cold-start',
        metric: `module load, ${layout.name} (median of ${LOADS})`,
        value: load,
        unit: 'ms',
        ...(deployed ? { target: '≤ 300', met: load <= 300 } : {}),
      });
    }
    for (const layout of layouts) {
      for (const method of METHODS) {
        figures.push({
          benchmark: 'cold-start',
          metric: `process start → first event handled, ${startKey(layout, method)} (median of ${STARTS})`,
          value: median(starts.get(startKey(layout, method))!),
          unit: 'ms',
        });
      }
    }
    const stagedFiles = source.files.reduce((sum, file) => sum + lstatSync(join(stageDir, file)).size, 0);
    figures.push(
      { benchmark: 'cold-start', metric: `deploy package code (${source.files.length} files)`, value: stagedFiles / 1024, unit: 'KiB' },
      {
        benchmark: 'cold-start',
        metric: 'deploy package node_modules (npm ci --omit=dev)',
        value: bytesUnder(join(stageDir, 'node_modules')) / MB,
        unit: 'MiB',
      },
      { benchmark: 'cold-start', metric: 'repository node_modules (npm ci)', value: bytesUnder(realpathSync(join(REPO, 'node_modules'))) / MB, unit: 'MiB' },
    );
    emit(figures);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
