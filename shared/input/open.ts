import { createReadStream } from 'node:fs';
import { decompressIfGzip } from './gzip';
import { readRecordBatches, type RawRecord, type RecordOptions } from './records';

/** Reads record batches from a local file, or stdin for `-`; gzip is told by magic bytes. */
export function recordsFromFile(
  path: string,
  stdin: NodeJS.ReadableStream,
  options: RecordOptions = {},
): AsyncGenerator<RawRecord[]> {
  const bytes = path === '-' ? stdin : createReadStream(path, { highWaterMark: 1024 * 1024 });
  return readRecordBatches(decompressIfGzip(bytes as AsyncIterable<Buffer>), options);
}
