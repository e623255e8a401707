/**
 * node dist/bench/storage-write.js — what the Storage Write API changes per row, against today's
 * insertAll path, on realistic rows (normalized from generated Media CDN, EdgeOne L4 and L7 logs):
 *
 * - CPU to turn rows into request bytes: insertAll (JSON.stringify per row + insertAllBody), the
 *   Write API through cdnlog's generated encoder (objects and Pub/Sub alike: the batching writer
 *   encodes each write once, as the sink's serializer), and the library's own JSON-to-proto path
 *   (JSONEncoder, after the timestamp conversion it needs). Best of ROUNDS, interleaved; figures
 *   are ratios of one run.
 * - Bytes billed per 1,000 rows, each method by its documented rule, and ingestion $ per TiB of
 *   source logs (the raw JSON lines) at list price.
 *
 * Billing rules: bench/billing.ts.
 */
import { adapt } from '@google-cloud/bigquery-storage';
import { generateEdgeoneL4 } from '../shared/generate/edgeone-l4';
import { generateEdgeoneL7 } from '../shared/generate/edgeone-l7';
import { generateMediaCdn } from '../shared/generate/media-cdn';
import { normalizeText } from '../shared/normalizers';
import type { Source } from '../shared/schema/edge-log';
import { toBigQuerySchema } from '../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../shared/schema/edge-log';
import { insertAllBody } from '../shared/sink/bigquery';
import { createEdgeLogEncoder } from '../shared/sink/storage-write/edge-log-encoder';
import { timestampMicros } from '../shared/sink/storage-write/encoder';
import { logicalSize } from './billing';
import { emit, type Figure } from './report';

const COUNT = Number(process.env.BENCH_STORAGE_WRITE_ROWS ?? 60_000);
const ROUNDS = 5;
const BATCH = 500;
const GiB = 2 ** 30;
const TiB = 2 ** 40;
const PRICE = { insertAll: 0.05, storageWrite: 0.025 };
const FREE_STORAGE_WRITE_BYTES = 2 * TiB;
const TIMESTAMP_COLUMNS = ['event_time', 'receive_time', 'ingest_time', 'connect_time', 'disconnect_time'] as const;

// The library's JSON-to-proto encoder is not exported by name; the JSONWriter uses exactly this class.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { JSONEncoder } = require('@google-cloud/bigquery-storage/build/src/managedwriter/encoder') as {
  JSONEncoder: new (p: { protoDescriptor: unknown }) => { encodeRows(rows: object[]): Uint8Array[] };
};

interface Sample {
  rows: EdgeLogRow[];
  sourceBytes: number;
}

function sample(): Sample {
  const rows: EdgeLogRow[] = [];
  let sourceBytes = 0;
  const sources: Array<[Source, Iterable<object>]> = [
    ['media_cdn', generateMediaCdn({ count: COUNT / 2, seed: 'bench' })],
    ['edgeone', generateEdgeoneL4({ count: COUNT / 4, seed: 'bench' })],
    ['edgeone', generateEdgeoneL7({ count: COUNT / 4, seed: 'bench' })],
  ];
  for (const [source, records] of sources) {
    for (const record of records) {
      const line = JSON.stringify(record);
      const result = normalizeText(source, line);
      if (!result.ok) continue;
      rows.push(result.row);
      sourceBytes += Buffer.byteLength(line) + 1;
    }
  }
  return { rows, sourceBytes };
}

function batches<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += BATCH) out.push(rows.slice(i, i + BATCH));
  return out;
}

/** Nanoseconds per row, best of ROUNDS; `work` returns a byte count so nothing is optimized away. */
function nsPerRow(rows: number, work: () => number): number {
  const start = process.hrtime.bigint();
  if (work() <= 0) throw new Error('benchmark produced nothing');
  return Number(process.hrtime.bigint() - start) / rows;
}

function main(): void {
  const { rows, sourceBytes } = sample();
  const n = rows.length;
  const fields = toBigQuerySchema(EdgeLogRow);
  const encoder = createEdgeLogEncoder();
  const descriptor = adapt.convertStorageSchemaToProto2Descriptor(adapt.convertBigQuerySchemaToStorageTableSchema({ fields }), 'root');
  const library = new JSONEncoder({ protoDescriptor: descriptor });
  const groups = batches(rows);

  const paths: Record<string, () => number> = {
    'insertAll: JSON.stringify + insertAllBody': () => {
      let bytes = 0;
      for (const batch of groups) bytes += insertAllBody(batch.map((r) => ({ insertId: r.event_id, json: JSON.stringify(r) }))).length;
      return bytes;
    },
    'Write API: cdnlog encoder': () => {
      let bytes = 0;
      for (const batch of groups) for (const b of encoder.encode(batch)) bytes += (b as Uint8Array).length;
      return bytes;
    },
    'Write API: library JSONEncoder (timestamps to micros first)': () => {
      let bytes = 0;
      for (const batch of groups) {
        const converted = batch.map((r) => {
          const copy: Record<string, unknown> = { ...r };
          for (const c of TIMESTAMP_COLUMNS) if (typeof copy[c] === 'string') copy[c] = timestampMicros(copy[c] as string);
          return copy;
        });
        for (const b of library.encodeRows(converted)) bytes += b.length;
      }
      return bytes;
    },
  };
  const best: Record<string, number> = Object.fromEntries(Object.keys(paths).map((k) => [k, Infinity]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, work] of Object.entries(paths)) best[name] = Math.min(best[name]!, nsPerRow(n, work));
  }

  let jsonBytes = 0;
  let protoBytes = 0;
  let logicalBytes = 0;
  let insertAllBilled = 0;
  const encoded = encoder.encode(rows);
  rows.forEach((row, i) => {
    const logical = logicalSize(row as Record<string, unknown>, fields);
    jsonBytes += Buffer.byteLength(JSON.stringify(row));
    protoBytes += (encoded[i] as Uint8Array).length;
    logicalBytes += logical;
    insertAllBilled += Math.max(1024, logical);
  });
  const per1000 = (bytes: number) => (bytes / n) * 1000;
  // Per TiB of source logs: how many bytes each method bills.
  const billedPerSourceTiB = { insertAll: (insertAllBilled / sourceBytes) * TiB, storageWrite: (protoBytes / sourceBytes) * TiB };
  const costPerTiB = {
    insertAll: (billedPerSourceTiB.insertAll / GiB) * PRICE.insertAll,
    storageWrite: (billedPerSourceTiB.storageWrite / GiB) * PRICE.storageWrite,
  };
  const freeSourceTiB = FREE_STORAGE_WRITE_BYTES / billedPerSourceTiB.storageWrite;

  const insertAllNs = best['insertAll: JSON.stringify + insertAllBody']!;
  const figures: Figure[] = [
    { benchmark: 'storage-write', metric: 'rows (media_cdn 1/2, edgeone L4 1/4, L7 1/4)', value: n, unit: 'rows' },
    { benchmark: 'storage-write', metric: 'source log bytes per row (JSON line)', value: sourceBytes / n, unit: 'B' },
    ...Object.entries(best).flatMap(([name, ns]): Figure[] => [
      { benchmark: 'storage-write', metric: `encode ${name}`, value: ns / 1000, unit: 'µs/row' },
      { benchmark: 'storage-write', metric: `encode ${name} vs insertAll`, value: ns / insertAllNs, unit: 'x CPU' },
    ]),
    { benchmark: 'storage-write', metric: 'row as JSON, per 1,000 rows', value: per1000(jsonBytes), unit: 'B' },
    { benchmark: 'storage-write', metric: 'row logical size (data size calculation), per 1,000 rows', value: per1000(logicalBytes), unit: 'B' },
    { benchmark: 'storage-write', metric: 'insertAll billed (logical, 1 KB minimum), per 1,000 rows', value: per1000(insertAllBilled), unit: 'B' },
    { benchmark: 'storage-write', metric: 'Write API billed (serialized proto), per 1,000 rows', value: per1000(protoBytes), unit: 'B' },
    { benchmark: 'storage-write', metric: 'insertAll $ per TiB of source logs ($0.05/GiB)', value: costPerTiB.insertAll, unit: '$' },
    { benchmark: 'storage-write', metric: 'Write API $ per TiB of source logs ($0.025/GiB, no free tier)', value: costPerTiB.storageWrite, unit: '$' },
    {
      benchmark: 'storage-write',
      metric: 'Write API / insertAll cost per TiB of source logs',
      value: costPerTiB.storageWrite / costPerTiB.insertAll,
      unit: 'x',
      target: '≤ 0.5',
      met: costPerTiB.storageWrite / costPerTiB.insertAll <= 0.5,
    },
    { benchmark: 'storage-write', metric: 'Write API: source logs a month inside the 2 TiB free tier', value: freeSourceTiB, unit: 'TiB' },
    {
      benchmark: 'storage-write',
      metric: 'Write API $ for 10 TiB of source logs a month, free tier applied',
      value: Math.max(0, 10 - freeSourceTiB) * costPerTiB.storageWrite,
      unit: '$',
    },
    { benchmark: 'storage-write', metric: 'insertAll $ for 10 TiB of source logs a month (no free tier)', value: 10 * costPerTiB.insertAll, unit: '$' },
  ];
  emit(figures);
}

main();
