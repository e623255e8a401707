import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** gzip members start with these two bytes; the file name says nothing reliable. */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/**
 * Yields the bytes of `source`, gunzipped when they start with the gzip magic bytes. Decompression
 * streams with backpressure, so a small file that inflates to gigabytes (a gzip bomb) is consumed at
 * the reader's pace in bounded memory, never inflated whole.
 */
export async function* decompressIfGzip(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < 2) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    headLength += chunk.length;
  }
  async function* rest(slice: number): AsyncGenerator<Buffer> {
    try {
      for (const chunk of head) yield* slices(chunk, slice);
      if (done) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield* slices(typeof next.value === 'string' ? Buffer.from(next.value) : next.value, slice);
      }
    } finally {
      // A reader that stops early (a bound, an error) stops the source too.
      if (!done) await iterator.return?.();
    }
  }
  if (!isGzip(Buffer.concat(head))) {
    yield* rest(Infinity);
    return;
  }
  const gunzip = createGunzip();
  // pipeline() destroys the gunzip stream on a source error, so the loop below rethrows it; and
  // leaving the loop early destroys gunzip, which ends the source.
  pipeline(Readable.from(rest(GUNZIP_INPUT_BYTES)), gunzip, () => {});
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/**
 * zlib inflates each input chunk whole, whatever the reader's pace: a 10 MB message of gzip'd
 * newlines would become gigabytes in one go. Small input slices keep backpressure in charge (deflate
 * expands at most about 1,000 times: 16 MiB per slice at worst).
 */
const GUNZIP_INPUT_BYTES = 16 * 1024;

function* slices(chunk: Buffer, size: number): Generator<Buffer> {
  if (chunk.length <= size) {
    yield chunk;
    return;
  }
  for (let at = 0; at < chunk.length; at += size) yield chunk.subarray(at, at + size);
}
