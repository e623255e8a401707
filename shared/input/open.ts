import { createReadStream } from 'node:fs';
import { decompressIfGzip } from './gzip';
import { readRecordBatches, type RawRecord, type RecordOptions } from './records';

/** Counts the bytes of a stream as stored (before any gunzip), for progress against a file's size. */
interface ByteMeter {
  bytes: number;
}

export async function* metered(source: AsyncIterable<Buffer>, meter: ByteMeter): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    meter.bytes += chunk.length;
    yield chunk;
  }
}

/** Reads record batches from a local file, or stdin for `-`; gzip is told by magic bytes. */
export function recordsFromFile(path: string, stdin: NodeJS.ReadableStream, options: RecordOptions & { meter?: ByteMeter } = {}): AsyncGenerator<RawRecord[]> {
  const stream = (path === '-' ? stdin : createReadStream(path, { highWaterMark: 1024 * 1024 })) as AsyncIterable<Buffer>;
  const bytes = options.meter ? metered(stream, options.meter) : stream;
  return readRecordBatches(decompressIfGzip(bytes), options);
}
