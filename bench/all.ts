/**
 * npm run bench — runs every benchmark, each in its own process (so one's heap does not skew
 * another's figures), and prints one table of all their figures.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { printTable, type Figure } from './report';

const BENCHMARKS = ['normalize', 'functions', 'storage-write', 'media-cdn-paths', 'ingest', 'cold-start', 'crc32c', 'edgeone-push'];

const figures: Figure[] = [];
let failed = 0;
for (const name of BENCHMARKS) {
  process.stderr.write(`running bench/${name} ...\n`);
  const result = spawnSync(process.execPath, [join(__dirname, `${name}.js`)], {
    env: { ...process.env, BENCH_JSON: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (result.status !== 0 || !line) {
    failed++;
    process.stderr.write(`bench/${name} failed (exit ${result.status})\n`);
    continue;
  }
  figures.push(...(JSON.parse(line.slice('BENCH_JSON '.length)) as Figure[]));
}
printTable(figures);
process.exitCode = failed ? 1 : 0;
