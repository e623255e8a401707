/**
 * npm run bench:normalize — rows/s of the normalizers against a JSON.parse-only pass over the same
 * generated lines (200,000 per source), and their ratio. Target: normalize costs at most 2× a bare
 * JSON.parse (ratio ≥ 0.5). Both passes run in one process, interleaved, best of several rounds.
 */
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { generateEdgeoneL4 } from '../shared/generate/edgeone-l4';
import { generateEdgeoneL7 } from '../shared/generate/edgeone-l7';
import { defaultContext } from '../shared/normalize/result';
import { normalizeText, type InputSource } from '../shared/normalizers';
import { emit, type Figure } from './report';

const COUNT = Number(process.env.BENCH_RECORDS ?? 200_000);
const ROUNDS = 3;

function lines(records: Iterable<object>): string[] {
  const out: string[] = [];
  for (const r of records) out.push(JSON.stringify(r));
  return out;
}

function parseOnly(input: string[]): number {
  let n = 0;
  for (const line of input) if (JSON.parse(line) !== null) n++;
  return n;
}

function normalizeAll(source: InputSource, input: string[]): number {
  let n = 0;
  for (const line of input) if (normalizeText(source, line, defaultContext).ok) n++;
  return n;
}

function seconds(fn: () => number, expected: number): number {
  const start = process.hrtime.bigint();
  const n = fn();
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (n !== expected) throw new Error(`expected ${expected} records, got ${n}`);
  return elapsed;
}

const cases: [string, InputSource, () => Iterable<object>][] = [
  ['media-cdn', 'media-cdn', () => generateMediaCdn({ count: COUNT, seed: 'bench' })],
  ['edgeone-l4', 'edgeone', () => generateEdgeoneL4({ count: COUNT, seed: 'bench' })],
  ['edgeone-l7', 'edgeone', () => generateEdgeoneL7({ count: COUNT, seed: 'bench' })],
];

const figures: Figure[] = [];
for (const [name, source, make] of cases) {
  const input = lines(make());
  let parse = Infinity;
  let normalize = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    parse = Math.min(parse, seconds(() => parseOnly(input), input.length));
    normalize = Math.min(normalize, seconds(() => normalizeAll(source, input), input.length));
  }
  const ratio = parse / normalize;
  figures.push(
    { benchmark: 'normalize', metric: `${name} JSON.parse only`, value: input.length / parse, unit: 'rows/s' },
    { benchmark: 'normalize', metric: `${name} normalize`, value: input.length / normalize, unit: 'rows/s' },
    { benchmark: 'normalize', metric: `${name} ratio`, value: ratio, unit: 'x', target: '≥ 0.5', met: ratio >= 0.5 },
  );
}
emit(figures);
