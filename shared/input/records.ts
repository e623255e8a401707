import { PAST_BOUND_ADVICE } from '../ingest/bounds';

/**
 * Splits a byte stream into JSON records: JSON Lines (one value a line, blank lines skipped) or one
 * JSON array (as `gcloud logging read --format=json` prints), told by the first non-blank byte.
 * Memory stays flat: only the current record is buffered, and a record over `maxRecordBytes` is
 * skipped as it streams past, never held whole.
 */
export type RawRecord = { line: number; text: string; bytes: number } | { line: number; error: string; head: string; bytes: number };

export interface RecordOptions {
  /** Longest record accepted, in bytes (default 1 MiB). */
  maxRecordBytes?: number;
  /**
   * Decoded bytes read from one input (default: no bound). Past it the reader stops with one error
   * record saying where, so work per object is bounded whatever a gzip inflates to.
   */
  maxBytes?: number;
  /** Lines (blank ones included) or array elements read from one input (default: no bound). */
  maxLines?: number;
  /** Lets other work run; called after every YIELD_BYTES read (default: one event-loop turn). */
  pause?: () => Promise<void>;
}

const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
/**
 * How much input is scanned between two turns of the event loop. A chunk can hold millions of
 * (blank) lines; without a turn now and then, one huge object would starve a concurrent delivery.
 */
export const YIELD_BYTES = 256 * 1024;

/** Bytes looked at to tell JSON Lines from a JSON array (by the first non-blank byte). */
const SNIFF_BYTES = 64 * 1024;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolved bounds of one read. */
interface Limits {
  record: number;
  bytes: number;
  lines: number;
  pause: () => Promise<void>;
}

function pastBytes(limits: Limits, line: number): RawRecord {
  return {
    line,
    error: `the input is larger than the bound of ${limits.bytes} decoded bytes: it was read up to here, not beyond; ${PAST_BOUND_ADVICE}`,
    head: '',
    bytes: 0,
  };
}

function pastLines(limits: Limits, line: number): RawRecord {
  return {
    line,
    error: `the input has more than the bound of ${limits.lines} lines: it was read up to here, not beyond; ${PAST_BOUND_ADVICE}`,
    head: '',
    bytes: 0,
  };
}
/** How much of an oversized record is kept for the dead letter (enough to recognise it). */
const HEAD_BYTES = 4096;

const NL = 0x0a;
const CR = 0x0d;
const OPEN_BRACKET = 0x5b;

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === NL || byte === CR;
}

/** Collects the bytes of one record, up to a limit; past it, keeps only the head. */
class RecordBuffer {
  private parts: Buffer[] = [];
  length = 0;
  constructor(private readonly limit: number) {}
  get overflowed(): boolean {
    return this.length > this.limit;
  }
  push(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    const wasOver = this.overflowed;
    this.length += end - start;
    if (wasOver) return;
    if (this.overflowed) {
      // Keep just enough to show in the dead letter, then stop buffering.
      const kept = Buffer.concat(this.parts);
      const need = Math.max(0, HEAD_BYTES - kept.length);
      this.parts = [kept.subarray(0, HEAD_BYTES), chunk.subarray(start, start + need)];
      return;
    }
    this.parts.push(chunk.subarray(start, end));
  }
  take(): Buffer {
    const out = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    this.length = 0;
    return out;
  }
}

function finish(buffer: RecordBuffer, line: number, limit: number): RawRecord | null {
  const bytes = buffer.length;
  const overflowed = buffer.overflowed;
  let data = buffer.take();
  if (overflowed) {
    return {
      line,
      error: `record is larger than the limit of ${limit} bytes (${bytes} bytes)`,
      head: data.subarray(0, HEAD_BYTES).toString('utf8'),
      bytes,
    };
  }
  if (data.length > 0 && data[data.length - 1] === CR) data = data.subarray(0, data.length - 1);
  if (line === 1 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) data = data.subarray(3);
  let blank = true;
  for (let i = 0; i < data.length; i++) {
    if (!isBlank(data[i]!)) {
      blank = false;
      break;
    }
  }
  if (blank) return null;
  return { line, text: data.toString('utf8'), bytes };
}

async function* jsonLines(chunks: AsyncIterable<Buffer>, limits: Limits): AsyncGenerator<RawRecord[]> {
  const limit = limits.record;
  const buffer = new RecordBuffer(limit);
  let line = 1;
  let read = 0; // bytes of the chunks before this one
  let yieldAt = YIELD_BYTES;
  for await (const chunk of chunks) {
    let batch: RawRecord[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NL, start); nl >= 0; nl = chunk.indexOf(NL, start)) {
      if (line > limits.lines) {
        yield [...batch, pastLines(limits, line)];
        return;
      }
      // An empty line costs one comparison: a gzip of newlines must not be slow to read.
      if (nl > start || buffer.length > 0) {
        buffer.push(chunk, start, nl);
        const record = finish(buffer, line, limit);
        if (record) batch.push(record);
      }
      line++;
      start = nl + 1;
      if (read + start >= yieldAt) {
        if (read + start > limits.bytes) {
          yield [...batch, pastBytes(limits, line)];
          return;
        }
        if (batch.length > 0) yield batch;
        batch = [];
        await limits.pause();
        yieldAt = read + start + YIELD_BYTES;
      }
    }
    buffer.push(chunk, start, chunk.length);
    read += chunk.length;
    if (read > limits.bytes) {
      yield [...batch, pastBytes(limits, line)];
      return;
    }
    if (batch.length > 0) yield batch;
  }
  if (line > limits.lines && buffer.length > 0) {
    yield [pastLines(limits, line)];
    return;
  }
  const last = finish(buffer, line, limit);
  if (last) yield [last];
}

/** A byte-level scanner for the elements of one top-level JSON array. */
async function* jsonArray(chunks: AsyncIterable<Buffer>, limits: Limits): AsyncGenerator<RawRecord[]> {
  const limit = limits.record;
  const buffer = new RecordBuffer(limit);
  let read = 0;
  let yieldAt = YIELD_BYTES;
  let index = 0;
  let started = false; // saw the opening [
  let ended = false; // saw the closing ]
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let inElement = false;
  let trailing = false; // non-blank bytes after the closing ]
  for await (const chunk of chunks) {
    if (read > limits.bytes) {
      yield [pastBytes(limits, index + 1)];
      return;
    }
    if (index >= limits.lines) {
      yield [pastLines(limits, index + 1)];
      return;
    }
    // A byte-level scan of chunks of at most YIELD_BYTES (see readRecordBatches): a turn now and then.
    if (read >= yieldAt) {
      await limits.pause();
      yieldAt = read + YIELD_BYTES;
    }
    read += chunk.length;
    const batch: RawRecord[] = [];
    let elementStart = inElement ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (ended) {
        if (!isBlank(byte)) trailing = true;
        continue;
      }
      if (!started) {
        if (byte === OPEN_BRACKET) started = true;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === 0x5c) escaped = true;
        else if (byte === 0x22) inString = false;
        continue;
      }
      if (!inElement) {
        if (isBlank(byte) || byte === 0x2c) continue; // whitespace and commas between elements
        if (byte === 0x5d) {
          ended = true;
          continue;
        }
        inElement = true;
        elementStart = i;
      }
      if (byte === 0x22) inString = true;
      else if (byte === 0x7b || byte === OPEN_BRACKET) depth++;
      else if (byte === 0x7d || byte === 0x5d) {
        if (depth === 0) {
          // The array's own ] right after a scalar element.
          buffer.push(chunk, elementStart, i);
          const record = finish(buffer, ++index, limit);
          if (record) batch.push(record);
          inElement = false;
          ended = true;
          continue;
        }
        depth--;
      } else if (byte === 0x2c && depth === 0) {
        buffer.push(chunk, elementStart, i);
        const record = finish(buffer, ++index, limit);
        if (record) batch.push(record);
        inElement = false;
      }
    }
    if (inElement) buffer.push(chunk, elementStart, chunk.length);
    if (batch.length > 0) yield batch;
  }
  const tail: RawRecord[] = [];
  if (inElement) {
    const record = finish(buffer, ++index, limit);
    if (record && 'text' in record) {
      tail.push({
        line: index,
        error: 'the JSON array ends inside this element (truncated input?)',
        head: record.text.slice(0, HEAD_BYTES),
        bytes: record.bytes,
      });
    } else if (record) tail.push(record);
  } else if (!ended) {
    tail.push({ line: index + 1, error: 'the JSON array is not closed with ] (truncated input?)', head: '', bytes: 0 });
  }
  if (trailing) tail.push({ line: index + 1, error: 'unexpected data after the closing ] of the JSON array', head: '', bytes: 0 });
  if (tail.length > 0) yield tail;
}

/**
 * Reads records from decoded bytes (see decompressIfGzip), JSON Lines or one JSON array, in
 * batches: one array per input chunk. Hot loops iterate the arrays; an await per record would cost
 * more than the record (and far more under async hooks, which the functions framework enables).
 */
export async function* readRecordBatches(source: AsyncIterable<Buffer>, options: RecordOptions = {}): AsyncGenerator<RawRecord[]> {
  const limits: Limits = {
    record: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
    bytes: options.maxBytes ?? Infinity,
    lines: options.maxLines ?? Infinity,
    pause: options.pause ?? nextTurn,
  };
  const iterator = source[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let first = -1;
  let sniffed = 0;
  // Blank input before the first byte is held, so only so much of it: past SNIFF_BYTES of
  // blanks it is JSON Lines (of blank lines), which the line reader bounds and skips cheaply.
  while (first < 0 && sniffed < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    seen.push(next.value);
    const chunk = next.value;
    sniffed += chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      if (!isBlank(chunk[i]!) && !(chunk[i] === 0xef || chunk[i] === 0xbb || chunk[i] === 0xbf)) {
        first = chunk[i]!;
        break;
      }
    }
  }
  async function* all(): AsyncGenerator<Buffer> {
    try {
      yield* seen;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // Stopping early (a bound) stops the source: no gunzip left inflating what nobody reads.
      await iterator.return?.();
    }
  }
  // The array scanner looks at every byte: it gets chunks of at most YIELD_BYTES, a turn after each.
  yield* first === OPEN_BRACKET ? jsonArray(slices(all(), YIELD_BYTES), limits) : jsonLines(all(), limits);
}

async function* slices(chunks: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += size) yield at === 0 && chunk.length <= size ? chunk : chunk.subarray(at, at + size);
  }
}
