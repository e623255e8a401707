import { Readable, pipeline } from 'node:stream';
import { createBrotliDecompress } from 'node:zlib';
import { decompressIfGzip } from './gzip';

/**
 * The message attribute that says how message data is compressed when its bytes cannot tell:
 * brotli has no magic number. edgeonePush sets it; gzip needs none (told by its magic bytes).
 */
export const CONTENT_ENCODING_ATTRIBUTE = 'contentEncoding';
export const BROTLI = 'br';

/**
 * The decoded bytes of `source`: brotli when `encoding` says so, else gunzipped when they start
 * with the gzip magic bytes. Streams with backpressure either way, so a bomb is inflated at the
 * reader's pace in bounded memory.
 */
export async function* decodeContent(source: AsyncIterable<Buffer>, encoding: string | undefined): AsyncGenerator<Buffer> {
  if (encoding !== BROTLI) {
    yield* decompressIfGzip(source);
    return;
  }
  const brotli = createBrotliDecompress();
  // pipeline() destroys the decompressor on a source error, so the loop below rethrows it.
  pipeline(Readable.from(source), brotli, () => {});
  for await (const chunk of brotli) yield chunk as Buffer;
}
