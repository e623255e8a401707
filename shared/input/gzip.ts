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
  async function* rest(): AsyncGenerator<Buffer> {
    yield* head;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  }
  if (!isGzip(Buffer.concat(head))) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip();
  // pipeline() destroys the gunzip stream on a source error, so the loop below rethrows it.
  pipeline(Readable.from(rest()), gunzip, () => {});
  for await (const chunk of gunzip) yield chunk as Buffer;
}
