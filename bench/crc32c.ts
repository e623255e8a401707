/**
 * npm run bench:crc32c — how fast an object download can be checked: MB/s of the CRC32C used for
 * objects without an MD5 (shared/gcp/crc32c.ts), beside the Cloud Storage client's own CRC32C and
 * Node's native MD5, over the same 64 MiB in 64 KiB chunks (a download's chunk size).
 */
import { createHash, randomBytes } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';
import { crc32cUpdate } from '../shared/gcp/crc32c';
import { emit, type Figure } from './report';

const TOTAL = Number(process.env.BENCH_CRC32C_BYTES ?? 64 * 1024 * 1024);
const CHUNK = 64 * 1024;
const chunks = Array.from({ length: TOTAL / CHUNK }, () => randomBytes(CHUNK));

/** Best of three passes (the first warms the JIT), in MB/s. */
function rate(pass: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    pass();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return TOTAL / 1e6 / best;
}

let sink = 0;
const ours = rate(() => {
  let crc = 0;
  for (const c of chunks) crc = crc32cUpdate(crc, c);
  sink ^= crc;
});
const client = rate(() => {
  const crc = new CRC32C();
  for (const c of chunks) crc.update(c);
  sink ^= crc.valueOf();
});
const md5 = rate(() => {
  const hash = createHash('md5');
  for (const c of chunks) hash.update(c);
  sink ^= hash.digest()[0]!;
});
if (sink === 0.5) process.stdout.write('');

const figures: Figure[] = [
  { benchmark: 'crc32c', metric: 'CRC32C slicing-by-8 (ours)', value: ours, unit: 'MB/s' },
  { benchmark: 'crc32c', metric: 'CRC32C of @google-cloud/storage', value: client, unit: 'MB/s' },
  { benchmark: 'crc32c', metric: 'MD5 (node:crypto, native)', value: md5, unit: 'MB/s' },
  { benchmark: 'crc32c', metric: 'ours / storage client', value: ours / client, unit: 'x' },
];
emit(figures);
