import { gzipSync } from 'node:zlib';
import { decompressIfGzip } from '../shared/input/gzip';
import { readRecordBatches, YIELD_BYTES, type RawRecord } from '../shared/input/records';

const MiB = 1024 * 1024;

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

/** Reads everything, counting the turns the reader gave away. */
async function read(data: Buffer, options: Parameters<typeof readRecordBatches>[1] = {}) {
  let pauses = 0;
  const records: RawRecord[] = [];
  const pause = () => {
    pauses++;
    return new Promise<void>((resolve) => setImmediate(resolve));
  };
  for await (const batch of readRecordBatches(decompressIfGzip(once(data)), { pause, ...options })) records.push(...batch);
  return { records, pauses };
}

const lines = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `{"n":${from + i}}`).join('\n');
const summary = (records: RawRecord[]) => records.map((r) => ('text' in r ? r.line : `!${r.line}: ${r.error}`));

describe('readRecordBatches: bounded work per input', () => {
  it('reads 16 MiB of newlines (gzip) to the end, giving the event loop a turn every YIELD_BYTES', async () => {
    const newlines = Buffer.alloc(16 * MiB, 0x0a);
    const tail = Buffer.from('{"last":true}\n');
    const { records, pauses } = await read(gzipSync(Buffer.concat([newlines, tail])));
    expect(summary(records)).toEqual([16 * MiB + 1]);
    // Counted, not timed: one turn per YIELD_BYTES of input, whatever the chunking.
    expect(pauses).toBeGreaterThanOrEqual(Math.floor((16 * MiB) / YIELD_BYTES) - 1);
  });

  it('gives turns inside one big plain chunk too, and in a JSON array', async () => {
    const plain = await read(Buffer.alloc(4 * MiB, 0x0a));
    expect(plain.pauses).toBeGreaterThanOrEqual((4 * MiB) / YIELD_BYTES - 1);
    const array = Buffer.from(`[${Array.from({ length: 200_000 }, (_, i) => `{"n":${i}}`).join(',')}]`);
    const fromArray = await read(array);
    expect(fromArray.records).toHaveLength(200_000);
    expect(fromArray.pauses).toBeGreaterThanOrEqual(Math.floor(array.length / YIELD_BYTES) - 1);
  });

  it('stops past maxLines (blank lines count) with one error record naming the line and the bound', async () => {
    const { records } = await read(Buffer.from(`${lines(3)}\n\n\n${lines(10, 4)}`), { maxLines: 8 });
    expect(summary(records)).toEqual([
      1,
      2,
      3,
      6,
      7,
      8,
      expect.stringMatching(/^!9: the input has more than the bound of 8 lines: it was read up to here, not beyond; land the whole input with `cdnlog ingest`/),
    ]);
    // The last line counts too, with or without its newline.
    expect(summary((await read(Buffer.from(lines(3)), { maxLines: 2 })).records)).toEqual([
      1,
      2,
      expect.stringMatching(/^!3: the input has more than the bound of 2 lines/),
    ]);
    expect(summary((await read(Buffer.from(lines(3)), { maxLines: 3 })).records)).toEqual([1, 2, 3]);
  });

  it('stops a gzip of a gigabyte of newlines at the line bound, without inflating the rest', async () => {
    // 1 GiB of newlines compresses to about 1 MiB; only the first few MiB are ever inflated.
    const member = gzipSync(Buffer.alloc(4 * MiB, 0x0a));
    const gigabyte = Buffer.concat(Array.from({ length: 256 }, () => member)); // concatenated gzip members
    const { records } = await read(gigabyte, { maxLines: 2_000_000 });
    expect(summary(records)).toEqual([expect.stringMatching(/^!2000001: the input has more than the bound of 2000000 lines/)]);
  });

  it('stops past maxBytes of decoded input, at a line boundary it names', async () => {
    const text = Buffer.from(`${lines(200_000)}\n`);
    const { records } = await read(gzipSync(text), { maxBytes: MiB });
    const last = records[records.length - 1]!;
    expect('error' in last && last.error).toMatch(/^the input is larger than the bound of 1048576 decoded bytes/);
    const good = records.filter((r) => 'text' in r);
    // Every line before the stop is read, none after it.
    expect(good.map((r) => r.line)).toEqual(Array.from({ length: good.length }, (_, i) => i + 1));
    expect(last.line).toBe(good.length + 1);
    expect(good.length * 10).toBeGreaterThan(MiB / 2);
  });

  it('bounds the elements of a JSON array, checked per slice of YIELD_BYTES read', async () => {
    const array = Buffer.from(`[${Array.from({ length: 100_000 }, (_, i) => `{"n":${i}}`).join(',')}]`);
    const { records } = await read(array, { maxLines: 10 });
    const last = records[records.length - 1]!;
    expect('error' in last && last.error).toMatch(/^the input has more than the bound of 10 lines/);
    expect(last.line).toBe(records.length);
    expect(records.length).toBeLessThan(100_000);
    expect((await read(array, { maxLines: 100_000 })).records).toHaveLength(100_000);
  });
});
