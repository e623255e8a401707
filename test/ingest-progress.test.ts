import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { formatProgress } from '../shared/cli/progress';
import { openInput } from '../shared/ingest/inputs';

describe('ingest progress on gzip input', () => {
  it('counts stored (compressed) bytes, so the bar ends at 100% with the file, not early', async () => {
    const text = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ RequestID: `r-${i}`, RequestTime: '2026-11-01T10:00:00Z' })).join('\n');
    const path = join(mkdtempSync(join(tmpdir(), 'cdnlog-progress-')), 'logs.jsonl.gz');
    writeFileSync(path, gzipSync(text));
    const input = await openInput(path, { stdin: Readable.from([]) });
    let decoded = 0;
    const fractions: number[] = [];
    for await (const batch of input.records()) {
      for (const record of batch) decoded += record.bytes;
      fractions.push(input.storedBytesRead() / input.size!);
    }
    expect(decoded).toBeGreaterThan(5 * input.size!);
    expect(input.storedBytesRead()).toBe(input.size);
    expect(fractions.every((f) => f <= 1)).toBe(true);
  });

  it('draws the bar from stored bytes when they are known', () => {
    const line = formatProgress({ records: 10, bytes: 5_000_000, rejected: 0, totalBytes: 1_000_000, storedBytes: 500_000 }, 1);
    expect(line).toMatch(/^\[#{12}-{12}\] {2}50%/);
    expect(line).toContain('5.0 MB');
  });
});
