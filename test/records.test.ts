import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { decompressIfGzip, isGzip } from '../shared/input/gzip';
import { readRecordBatches, type RawRecord } from '../shared/input/records';

/** Feeds `text` in chunks of `size` bytes, to exercise records split across chunk boundaries. */
function chunked(data: Buffer | string, size = 7): AsyncIterable<Buffer> {
  const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const parts: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += size) parts.push(buffer.subarray(i, i + size));
  return Readable.from(parts);
}

async function collect(data: Buffer | string, options = {}, size = 7): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const batch of readRecordBatches(decompressIfGzip(chunked(data, size)), options)) out.push(...batch);
  return out;
}

const texts = (records: RawRecord[]) => records.map((r) => ('text' in r ? [r.line, r.text] : [r.line, `!${r.error}`]));

describe('readRecordBatches: JSON Lines', () => {
  it('splits lines across chunk boundaries, numbers them from 1, skips blank lines, strips CR and BOM', async () => {
    const input = '\ufeff{"a":1}\r\n\n  \n{"b":"é✓"}\n{"c":3}';
    for (const size of [1, 3, 7, 1000]) {
      expect(texts(await collect(input, {}, size))).toEqual([
        [1, '{"a":1}'],
        [4, '{"b":"é✓"}'],
        [5, '{"c":3}'],
      ]);
    }
  });

  it('passes malformed lines through as text, so the caller rejects them one by one', async () => {
    expect(texts(await collect('{"a":1}\n{oops\n{"b":2}\n'))).toEqual([
      [1, '{"a":1}'],
      [2, '{oops'],
      [3, '{"b":2}'],
    ]);
  });

  it('rejects an overlong line without buffering it, and goes on with the next', async () => {
    const long = `{"x":"${'y'.repeat(5000)}"}`;
    const records = await collect(`{"a":1}\n${long}\n{"b":2}\n`, { maxRecordBytes: 1000 }, 64);
    expect(texts(records)).toEqual([
      [1, '{"a":1}'],
      [2, `!record is larger than the limit of 1000 bytes (${long.length} bytes)`],
      [3, '{"b":2}'],
    ]);
    const rejected = records[1] as Extract<RawRecord, { error: string }>;
    expect(rejected.head.length).toBeLessThanOrEqual(4096);
    expect(rejected.head.startsWith('{"x":"yyy')).toBe(true);
  });

  it('yields nothing for empty input', async () => {
    expect(await collect('')).toEqual([]);
    expect(await collect('\n\n')).toEqual([]);
  });
});

describe('readRecordBatches: one JSON array', () => {
  it('yields each element with its index + 1, across chunks, with strings holding brackets and escapes', async () => {
    const input = ' [\n  {"a": "x]},\\"[{"},\n  {"b": [1, {"c": 2}]} ,\n 3, "s,t", null\n]\n';
    for (const size of [1, 5, 1000]) {
      expect(texts(await collect(input, {}, size))).toEqual([
        [1, '{"a": "x]},\\"[{"}'],
        [2, '{"b": [1, {"c": 2}]} '],
        [3, '3'],
        [4, '"s,t"'],
        [5, 'null\n'],
      ]);
    }
  });

  it('reads pretty-printed arrays as gcloud logging read --format=json prints them', async () => {
    const entries = [
      { timestamp: '2022-01-01T00:00:00Z', n: 1 },
      { timestamp: '2022-01-01T00:00:01Z', n: 2 },
    ];
    const records = await collect(JSON.stringify(entries, null, 2));
    expect(records.map((r) => 'text' in r && JSON.parse(r.text))).toEqual(entries);
  });

  it('reports a truncated array and data after the closing bracket', async () => {
    expect(texts(await collect('[{"a":1},{"b":'))).toEqual([
      [1, '{"a":1}'],
      [2, '!the JSON array ends inside this element (truncated input?)'],
    ]);
    expect(texts(await collect('[{"a":1}'))).toEqual([[1, '!the JSON array ends inside this element (truncated input?)']]);
    expect(texts(await collect('[{"a":1}] trailing'))).toEqual([
      [1, '{"a":1}'],
      [2, '!unexpected data after the closing ] of the JSON array'],
    ]);
    expect(await collect('[]')).toEqual([]);
  });

  it('rejects an oversized element and continues', async () => {
    const big = JSON.stringify({ x: 'y'.repeat(3000) });
    const records = await collect(`[${big}, {"ok":true}]`, { maxRecordBytes: 1000 }, 100);
    expect(texts(records)).toEqual([
      [1, `!record is larger than the limit of 1000 bytes (${big.length} bytes)`],
      [2, '{"ok":true}'],
    ]);
  });
});

describe('gzip detection', () => {
  it('tells gzip by magic bytes, not by name', () => {
    expect(isGzip(gzipSync('x'))).toBe(true);
    expect(isGzip(Buffer.from('{"a":1}'))).toBe(false);
    expect(isGzip(Buffer.from([0x1f]))).toBe(false);
  });

  it('reads gzip (including concatenated members) the same as plain text', async () => {
    const plain = '{"a":1}\n{"b":2}\n';
    const gz = Buffer.concat([gzipSync('{"a":1}\n'), gzipSync('{"b":2}\n')]);
    expect(texts(await collect(gz, {}, 3))).toEqual(texts(await collect(plain)));
  });

  it('turns a corrupt gzip stream into an error', async () => {
    const gz = gzipSync('{"a":1}\n'.repeat(100));
    const corrupt = Buffer.concat([gz.subarray(0, 20), Buffer.alloc(40, 0xff)]);
    await expect(collect(corrupt)).rejects.toThrow();
  });

  it('reads a gzip bomb in bounded memory: one 256 MB line of zeros is rejected, the next line kept', async () => {
    const zeros = Buffer.alloc(1024 * 1024, 0x30);
    const parts: Buffer[] = [];
    const { createGzip } = await import('node:zlib');
    const gzip = createGzip({ level: 9 });
    const done = (async () => {
      for await (const c of gzip) parts.push(c as Buffer);
    })();
    for (let i = 0; i < 256; i++) if (!gzip.write(zeros)) await new Promise((r) => gzip.once('drain', r));
    gzip.end('\n{"after":"bomb"}\n');
    await done;
    const compressed = Buffer.concat(parts);
    expect(compressed.length).toBeLessThan(1024 * 1024);
    const before = process.memoryUsage().rss;
    let peak = before;
    const out: RawRecord[] = [];
    for await (const batch of readRecordBatches(decompressIfGzip(chunked(compressed, 64 * 1024)))) {
      out.push(...batch);
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(texts(out)).toEqual([
      [1, `!record is larger than the limit of 1048576 bytes (${256 * 1024 * 1024} bytes)`],
      [2, '{"after":"bomb"}'],
    ]);
    expect(peak - before).toBeLessThan(128 * 1024 * 1024);
  });
});
