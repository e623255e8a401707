import { promisify } from 'node:util';
import { brotliCompress as brotliCallback, gunzip as gunzipCallback, constants } from 'node:zlib';
import { BROTLI } from '../input/content-encoding';
import { isGzip } from '../input/gzip';
import { readRecordBatches } from '../input/records';

const gunzipAsync = promisify(gunzipCallback);
const brotliAsync = promisify(brotliCallback);

/**
 * Pub/Sub takes at most 10 MB per message, attributes included; a part never holds more than this
 * of JSON Lines, so it fits even uncompressed.
 */
export const MAX_PART_BYTES = 8 * 1024 * 1024;

/** A request the receiver refuses, with the HTTP status that says why. */
export class BatchError extends Error {
  override name = 'BatchError';
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

type BodyKind = 'empty' | 'array' | 'lines';

function nextNonBlank(body: Buffer, from: number): number {
  let i = from;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d)) i++;
  return i;
}

/**
 * JSON array or JSON Lines, told by the first byte that is not blank (nor a UTF-8 BOM), as
 * readRecordBatches tells them; `[]` counts as empty. Anything else (CSV, a form) cannot be read.
 */
export function bodyKind(body: Buffer): BodyKind {
  const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  const first = nextNonBlank(body, start);
  if (first === body.length) return 'empty';
  if (body[first] === 0x5b) {
    const inner = nextNonBlank(body, first + 1);
    return body[inner] === 0x5d && nextNonBlank(body, inner + 1) === body.length ? 'empty' : 'array';
  }
  if (body[first] === 0x7b) return 'lines';
  throw new BatchError(400, "body is neither a JSON array nor JSON Lines: set the EdgeOne task's log format to JSON");
}

/**
 * The body's bytes, gunzipped when they are gzip although no Content-Encoding said so (the functions
 * framework inflates declared gzip itself). Inflation stops at `maxDecodedBytes`: a gzip bomb costs
 * that much memory and no more.
 */
export async function decodedBody(body: Buffer, maxDecodedBytes: number): Promise<Buffer> {
  if (body.length > maxDecodedBytes) throw tooLarge(maxDecodedBytes);
  if (!isGzip(body)) return body;
  try {
    return await gunzipAsync(body, { maxOutputLength: maxDecodedBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxDecodedBytes);
    throw new BatchError(400, `gzip body is corrupt: ${(err as Error).message}`);
  }
}

export function tooLarge(limit: number, what = 'decoded body'): BatchError {
  return new BatchError(413, `${what} is larger than the limit of ${limit} bytes`);
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/**
 * The batch as Pub/Sub messages' data: the body itself when it fits one message, else JSON Lines
 * parts of whole records, each at most `maxPartBytes`. A structurally broken record (a cut-off array
 * element) goes into a part as the text that was there, so `edgeoneLogs` dead-letters it with the
 * rest of the batch landing; only a single record too large for any message is refused (413).
 */
export async function messageParts(body: Buffer, maxPartBytes = MAX_PART_BYTES): Promise<Buffer[]> {
  if (body.length <= maxPartBytes) return [body];
  const parts: Buffer[] = [];
  let lines: string[] = [];
  let size = 0;
  for await (const batch of readRecordBatches(once(body), { maxRecordBytes: maxPartBytes - 1 })) {
    for (const record of batch) {
      if ('error' in record && record.bytes >= maxPartBytes) throw tooLarge(maxPartBytes - 1, `record ${record.line}`);
      const text = 'text' in record ? record.text : record.head;
      // Nothing to keep: a missing closing ] (every record before it is there), or bytes after the ].
      if (text === '') continue;
      const cost = Buffer.byteLength(text) + 1;
      if (size + cost > maxPartBytes && lines.length > 0) {
        parts.push(Buffer.from(`${lines.join('\n')}\n`));
        lines = [];
        size = 0;
      }
      lines.push(text);
      size += cost;
    }
  }
  if (lines.length > 0) parts.push(Buffer.from(`${lines.join('\n')}\n`));
  return parts;
}

/** How parts travel (the message attribute CONTENT_ENCODING_ATTRIBUTE says so to edgeoneLogs). */
export const PART_ENCODING = BROTLI;

/**
 * Compression for the hop through Pub/Sub, which bills by the byte: brotli at quality 1 shrinks
 * JSON logs about tenfold (a little more than gzip at its fastest) at a quarter of gzip's CPU,
 * which the receiver would otherwise spend on every batch; zlib runs it off the event loop.
 */
export function compressPart(part: Buffer): Promise<Buffer> {
  return brotliAsync(part, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: part.length },
  });
}
