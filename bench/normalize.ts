/**
 * npm run bench:normalize — rows/s of the normalizers against a JSON.parse-only pass over the same
 * generated lines (200,000 per source), and their ratio. Target: normalize costs at most 2× a bare
 * JSON.parse (ratio ≥ 0.5). Both passes run in one process, interleaved, best of several rounds;
 * a third pass shows the floor, what every normalizer must do before mapping a single field.
 */
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { generateEdgeoneL4 } from '../shared/generate/edgeone-l4';
import { generateEdgeoneL7 } from '../shared/generate/edgeone-l7';
import { defaultContext } from '../shared/normalizers/result';
import { normalizeText } from '../shared/normalizers';
import type { Source } from '../shared/schema/edge-log';
import { eventId } from '../shared/values/event-id';
import { EdgeoneL4Record, EdgeoneL7Record } from '../shared/vendor-records/edgeone';
import { MediaCdnLogEntry } from '../shared/vendor-records/media-cdn';
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

function normalizeAll(source: Source, input: string[]): number {
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

/**
 * The part of normalizing that no mapping can avoid: parse, validate with the source's zod schema,
 * digest the identity into event_id. Printed beside the target so it can be read against it.
 */
type Floor = (record: Record<string, unknown>) => boolean;
const str = (v: unknown) => String(v ?? '');
const floors: Record<string, Floor> = {
  'media-cdn': (r) => MediaCdnLogEntry.safeParse(r).success && eventId('media_cdn', str(r.logName), str(r.insertId), str(r.timestamp)).length > 0,
  'edgeone-l4': (r) => EdgeoneL4Record.safeParse(r).success && eventId('edgeone_l4', str(r.ServiceID), str(r.SessionID), str(r.LogTimeStamp)).length > 0,
  'edgeone-l7': (r) => EdgeoneL7Record.safeParse(r).success && eventId('edgeone_l7', str(r.RequestID), str(r.RequestTime)).length > 0,
};

function floorPass(floor: Floor, input: string[]): number {
  let n = 0;
  for (const line of input) if (floor(JSON.parse(line) as Record<string, unknown>)) n++;
  return n;
}

const cases: [string, Source, () => Iterable<object>][] = [
  ['media-cdn', 'media_cdn', () => generateMediaCdn({ count: COUNT, seed: 'bench' })],
  ['edgeone-l4', 'edgeone', () => generateEdgeoneL4({ count: COUNT, seed: 'bench' })],
  ['edgeone-l7', 'edgeone', () => generateEdgeoneL7({ count: COUNT, seed: 'bench' })],
];

const figures: Figure[] = [];
for (const [name, source, make] of cases) {
  const input = lines(make());
  let parse = Infinity;
  let normalize = Infinity;
  let floor = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    parse = Math.min(
      parse,
      seconds(() => parseOnly(input), input.length),
    );
    normalize = Math.min(
      normalize,
      seconds(() => normalizeAll(source, input), input.length),
    );
    floor = Math.min(
      floor,
      seconds(() => floorPass(floors[name]!, input), input.length),
    );
  }
  const ratio = parse / normalize;
  figures.push(
    { benchmark: 'normalize', metric: `${name} JSON.parse only`, value: input.length / parse, unit: 'rows/s' },
    { benchmark: 'normalize', metric: `${name} normalize`, value: input.length / normalize, unit: 'rows/s' },
    { benchmark: 'normalize', metric: `${name} ratio`, value: ratio, unit: 'x', target: '≥ 0.5', met: ratio >= 0.5 },
    { benchmark: 'normalize', metric: `${name} floor: JSON.parse + zod + event_id, no mapping / JSON.parse`, value: parse / floor, unit: 'x' },
  );
}
emit(figures);
