/**
 * npm run bench:ingest — `cdnlog ingest` of generated Media CDN records into a fresh DuckDB file,
 * beside `cdnlog normalize` alone on the same file (stdout to /dev/null), both as the CLI runs
 * them (child processes, start-up included). Target: ingest at least half as fast (ratio ≥ 0.5).
 * BENCH_INGEST_RECORDS sets the size (default 1,000,000).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createWriteStream, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJsonLines } from '../shared/cli/generate';
import { openWarehouse } from '../shared/duckdb/open';
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { emit } from './report';

const COUNT = Number(process.env.BENCH_INGEST_RECORDS ?? 1_000_000);
const cli = join(__dirname, '..', '..', 'bin', 'cdnlog.js');

function timed(args: string[], stdout: 'ignore' | number): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', stdout, 'ignore'] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`cdnlog ${args.join(' ')} exited ${result.status}`);
  return seconds;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cdnlog-bench-ingest-'));
  try {
    const file = join(dir, 'media-cdn.jsonl');
    const out = createWriteStream(file);
    await writeJsonLines(out, generateMediaCdn({ count: COUNT, seed: 'bench' }));
    out.end();
    await once(out, 'finish');
    const mb = statSync(file).size / 1e6;

    const devNull = openSync('/dev/null', 'w');
    const normalize = timed(['normalize', '--source', 'media-cdn', file], devNull);
    closeSync(devNull);
    const db = join(dir, 'bench.duckdb');
    const ingest = timed(['ingest', '--source', 'media-cdn', file, '--db', db, '--sink', 'duckdb'], 'ignore');

    const warehouse = await openWarehouse(db, { mustExist: true });
    const [[rows]] = (await warehouse.connection.runAndReadAll('SELECT COUNT(*) FROM edge_logs')).getRowsJson() as [[string]];
    await warehouse.close();
    if (Number(rows) !== COUNT) throw new Error(`expected ${COUNT} rows in DuckDB, found ${rows}`);

    const ratio = normalize / ingest;
    emit([
      { benchmark: 'ingest', metric: `normalize alone (${COUNT.toLocaleString('en-US')} records, ${mb.toFixed(0)} MB)`, value: COUNT / normalize, unit: 'records/s' },
      { benchmark: 'ingest', metric: 'ingest into DuckDB', value: COUNT / ingest, unit: 'records/s' },
      { benchmark: 'ingest', metric: 'ingest / normalize', value: ratio, unit: 'x', target: '≥ 0.5', met: ratio >= 0.5 },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
