/**
 * npm run bench:ingest — the CLI as users run it (child processes, start-up included):
 * - records: `cdnlog ingest` of generated Media CDN records into a fresh DuckDB file, beside
 *   `cdnlog normalize` alone on the same file (stdout to /dev/null). Target: ingest at least half
 *   as fast (ratio ≥ 0.5). BENCH_INGEST_RECORDS sets the size (default 1,000,000).
 * - dead-letters: the same EdgeOne L7 file ingested with the right --source (rows) and with the
 *   wrong one and --keep-going (every record a dead letter), each into a fresh DuckDB file.
 *   Target: letters at no less than half the rate of rows (issue #13). BENCH_DEAD_LETTERS sets
 *   the size (default 100,000).
 * - startup: `cdnlog --help`, the median of 5 runs. Target: under 0.5 s.
 * BENCH_INGEST_ONLY=records,dead-letters,startup runs only the parts named.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createWriteStream, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJsonLines } from '../shared/cli/generate';
import { openWarehouse } from '../shared/duckdb/open';
import { generateEdgeoneL7 } from '../shared/generate/edgeone-l7';
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { emit, type Figure } from './report';

const COUNT = Number(process.env.BENCH_INGEST_RECORDS ?? 1_000_000);
const DEAD_LETTERS = Number(process.env.BENCH_DEAD_LETTERS ?? 100_000);
const PARTS = new Set((process.env.BENCH_INGEST_ONLY ?? 'records,dead-letters,startup').split(','));
const cli = join(__dirname, '..', '..', 'bin', 'cdnlog.js');

function timed(args: string[], stdout: 'ignore' | number, status = 0): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', stdout, 'ignore'] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== status) throw new Error(`cdnlog ${args.join(' ')} exited ${result.status}`);
  return seconds;
}

async function writeFile(path: string, records: Iterable<object>): Promise<number> {
  const out = createWriteStream(path);
  await writeJsonLines(out, records);
  out.end();
  await once(out, 'finish');
  return statSync(path).size / 1e6;
}

async function countOf(db: string, table: string): Promise<number> {
  const warehouse = await openWarehouse(db, { mustExist: true });
  try {
    const [[n]] = (await warehouse.connection.runAndReadAll(`SELECT COUNT(*) FROM ${table}`)).getRowsJson() as [[string]];
    return Number(n);
  } finally {
    await warehouse.close();
  }
}

async function records(dir: string): Promise<Figure[]> {
  const file = join(dir, 'media-cdn.jsonl');
  const mb = await writeFile(file, generateMediaCdn({ count: COUNT, seed: 'bench' }));

  const devNull = openSync('/dev/null', 'w');
  const normalize = timed(['normalize', '--source', 'media-cdn', file], devNull);
  closeSync(devNull);
  const db = join(dir, 'bench.duckdb');
  const ingest = timed(['ingest', '--source', 'media-cdn', file, '--db', db, '--sink', 'duckdb'], 'ignore');
  const rows = await countOf(db, 'edge_logs');
  if (rows !== COUNT) throw new Error(`expected ${COUNT} rows in DuckDB, found ${rows}`);
  const ratio = normalize / ingest;
  return [
    {
      benchmark: 'ingest',
      metric: `normalize alone (${COUNT.toLocaleString('en-US')} records, ${mb.toFixed(0)} MB)`,
      value: COUNT / normalize,
      unit: 'records/s',
    },
    { benchmark: 'ingest', metric: 'ingest into DuckDB', value: COUNT / ingest, unit: 'records/s' },
    { benchmark: 'ingest', metric: 'ingest / normalize', value: ratio, unit: 'x', target: '≥ 0.5', met: ratio >= 0.5 },
  ];
}

async function deadLetters(dir: string): Promise<Figure[]> {
  const file = join(dir, 'edgeone-l7.jsonl');
  const mb = await writeFile(file, generateEdgeoneL7({ count: DEAD_LETTERS, seed: 'bench' }));
  const rowsDb = join(dir, 'rows.duckdb');
  const lettersDb = join(dir, 'letters.duckdb');
  const rows = timed(['ingest', '--source', 'edgeone', file, '--db', rowsDb, '--sink', 'duckdb'], 'ignore');
  // The wrong source, told to go on: every record becomes a dead letter (exit 1).
  const letters = timed(['ingest', '--source', 'media-cdn', file, '--db', lettersDb, '--sink', 'duckdb', '--keep-going'], 'ignore', 1);
  const [landed, lettered] = [await countOf(rowsDb, 'edge_logs'), await countOf(lettersDb, 'ingest_errors')];
  if (landed !== DEAD_LETTERS || lettered !== DEAD_LETTERS) throw new Error(`expected ${DEAD_LETTERS} rows and letters, found ${landed} and ${lettered}`);
  const ratio = rows / letters;
  const n = DEAD_LETTERS.toLocaleString('en-US');
  return [
    { benchmark: 'ingest', metric: `${n} EdgeOne L7 rows into DuckDB (${mb.toFixed(0)} MB)`, value: DEAD_LETTERS / rows, unit: 'records/s' },
    { benchmark: 'ingest', metric: `${n} dead letters into DuckDB (wrong --source, --keep-going)`, value: DEAD_LETTERS / letters, unit: 'records/s' },
    { benchmark: 'ingest', metric: 'dead letters / rows', value: ratio, unit: 'x', target: '≥ 0.5', met: ratio >= 0.5 },
  ];
}

function startup(): Figure[] {
  const runs = Array.from({ length: 5 }, () => timed(['--help'], 'ignore')).sort((a, b) => a - b);
  const median = runs[2]!;
  return [{ benchmark: 'ingest', metric: 'cdnlog --help (median of 5, process start included)', value: median, unit: 's', target: '< 0.5', met: median < 0.5 }];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cdnlog-bench-ingest-'));
  try {
    const figures: Figure[] = [];
    if (PARTS.has('records')) figures.push(...(await records(dir)));
    if (PARTS.has('dead-letters')) figures.push(...(await deadLetters(dir)));
    if (PARTS.has('startup')) figures.push(...startup());
    emit(figures);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
