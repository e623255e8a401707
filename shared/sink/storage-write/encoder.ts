import type { z } from 'zod';
import { TIMESTAMP_PATTERN } from '../../schema/columns';
import { protoColumns, rowDescriptor, type ProtoColumn, type RowDescriptor } from './descriptor';

/**
 * Proto encoding of rows, generated from the zod row schema (the same source as the table schema).
 * Rows have a fixed shape, so each column's tag and writer are decided once; encoding is then a
 * straight walk into one arena shared by the batches. The library's JSONWriter copies and converts every row
 * and builds a protobufjs message first, which measured 3–4× slower (see bench/storage-write.ts).
 */

/** Why a row could not be encoded; the row is dead-lettered with this reason instead of sent. */
export class EncodeError {
  constructor(readonly reason: string) {}
}

export interface RowEncoder<T> {
  /** What AppendRowsRequest.ProtoSchema carries for these rows. */
  readonly descriptor: RowDescriptor;
  /** One entry per row, in order: its serialized bytes, or why it cannot be sent. Never throws. */
  encode(rows: readonly T[]): Array<Uint8Array | EncodeError>;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d+$/;

/**
 * Bytes of each buffer the arena takes. One arena serves every encode() of an encoder: a Pub/Sub
 * invocation encodes one row, and a fresh buffer per call (grown once for a Media CDN row) made
 * encoding a single row 5× the cost of a row in a batch.
 */
const ARENA_CHUNK = 256 * 1024;

/** A byte arena; rows are views into it, so rows cost no allocation of their own. */
class Arena {
  buf = Buffer.allocUnsafeSlow(ARENA_CHUNK);
  pos = 0;
  /**
   * Room for n more bytes. Rows already handed out keep pointing at the old buffer, which lives
   * as long as one of them does (until its batch is sent).
   */
  reserve(n: number, rowStart: number): number {
    if (this.pos + n <= this.buf.length) return rowStart;
    const next = Buffer.allocUnsafeSlow(Math.max(ARENA_CHUNK, this.pos - rowStart + n + 1024));
    // Only the row being written moves; earlier rows stay where their views point.
    this.buf.copy(next, 0, rowStart, this.pos);
    this.pos -= rowStart;
    this.buf = next;
    return 0;
  }
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Non-negative integer below 2^53. Division, not bit shifts: shifts would truncate to 32 bits. */
function writeVarint(a: Arena, value: number): void {
  const buf = a.buf;
  let pos = a.pos;
  while (value >= 128) {
    buf[pos++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  a.pos = pos;
}

/** Any int64 (negative ones are two's complement, ten bytes, as protobuf encodes int64). */
function writeBigVarint(a: Arena, value: bigint): void {
  let v = BigInt.asUintN(64, value);
  while (v >= 128n) {
    a.buf[a.pos++] = Number(v & 127n) | 0x80;
    v >>= 7n;
  }
  a.buf[a.pos++] = Number(v);
}

/** Microseconds since the epoch from cdnlog's timestamp text (UTC, `Z`, at most 6 fractional digits). */
export function timestampMicros(text: string): number | null {
  if (!TIMESTAMP_PATTERN.test(text)) return null;
  const year = Number(text.slice(0, 4));
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  date.setUTCFullYear(year, Number(text.slice(5, 7)) - 1, Number(text.slice(8, 10)));
  date.setUTCHours(Number(text.slice(11, 13)), Number(text.slice(14, 16)), Number(text.slice(17, 19)), 0);
  const ms = date.getTime();
  if (Number.isNaN(ms) || date.getUTCDate() !== Number(text.slice(8, 10))) return null;
  const fraction = text.length > 20 ? text.slice(20, -1) : '';
  return ms * 1000 + (fraction ? Number(fraction.padEnd(6, '0')) : 0);
}

type ColumnWriter = (a: Arena, value: unknown, rowStart: number) => string | number;

/**
 * Writes one non-null value with its tag. Returns the (possibly moved) row start, or a reason the
 * value does not fit the column.
 */
function columnWriter(column: ProtoColumn): ColumnWriter {
  const wire = column.type === 'FLOAT64' ? WIRE_FIXED64 : column.type === 'STRING' || column.type === 'JSON' ? WIRE_LEN : WIRE_VARINT;
  const tag = column.number * 8 + wire;
  const tagSize = varintSize(tag);
  const bad = (value: unknown) => `${column.name}: ${JSON.stringify(value)} is not a valid ${column.type}`;
  const writeInt = (a: Arena, n: number | bigint, rowStart: number): number => {
    rowStart = a.reserve(tagSize + 10, rowStart);
    writeVarint(a, tag);
    if (typeof n === 'number' && n >= 0) writeVarint(a, n);
    else writeBigVarint(a, BigInt(n));
    return rowStart;
  };
  switch (column.type) {
    case 'STRING':
    case 'JSON':
      return (a, value, rowStart) => {
        if (typeof value !== 'string') return bad(value);
        // A string of n UTF-16 units is at most 3n bytes: when that fits a one-byte length, write
        // the text first and the length after, skipping a Buffer.byteLength pass.
        if (value.length * 3 < 128) {
          rowStart = a.reserve(tagSize + 1 + value.length * 3, rowStart);
          writeVarint(a, tag);
          const lengthAt = a.pos++;
          const written = a.buf.write(value, a.pos, 'utf8');
          a.buf[lengthAt] = written;
          a.pos += written;
          return rowStart;
        }
        const length = Buffer.byteLength(value, 'utf8');
        rowStart = a.reserve(tagSize + 10 + length, rowStart);
        writeVarint(a, tag);
        writeVarint(a, length);
        a.pos += a.buf.write(value, a.pos, 'utf8');
        return rowStart;
      };
    case 'INT64':
      return (a, value, rowStart) => {
        if (typeof value === 'number') return Number.isSafeInteger(value) ? writeInt(a, value, rowStart) : bad(value);
        // Above 2^53 a value travels as decimal text (a JS number would already have lost digits).
        if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
          const n = BigInt(value);
          return n >= INT64_MIN && n <= INT64_MAX ? writeInt(a, n, rowStart) : bad(value);
        }
        if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) return writeInt(a, value, rowStart);
        return bad(value);
      };
    case 'TIMESTAMP': {
      // Rows of a batch often share a timestamp (ingest_time always does): remember the last one.
      let lastText = '';
      let lastMicros = 0;
      return (a, value, rowStart) => {
        if (value === lastText) return writeInt(a, lastMicros, rowStart);
        const micros = typeof value === 'string' ? timestampMicros(value) : null;
        if (micros === null) return bad(value);
        lastText = value as string;
        lastMicros = micros;
        return writeInt(a, micros, rowStart);
      };
    }
    case 'FLOAT64':
      return (a, value, rowStart) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) return bad(value);
        rowStart = a.reserve(tagSize + 8, rowStart);
        writeVarint(a, tag);
        a.pos = a.buf.writeDoubleLE(value, a.pos);
        return rowStart;
      };
    case 'BOOL':
      return (a, value, rowStart) => {
        if (typeof value !== 'boolean') return bad(value);
        rowStart = a.reserve(tagSize + 1, rowStart);
        writeVarint(a, tag);
        a.buf[a.pos++] = value ? 1 : 0;
        return rowStart;
      };
  }
}

/**
 * Builds the encoder for a zod row schema declared with required()/nullable(); `shortTags` are the
 * columns numbered first (one-byte tags, see protoColumns).
 */
export function createRowEncoder<T extends object>(schema: z.ZodObject, descriptorName = 'root', shortTags: readonly string[] = []): RowEncoder<T> {
  const columns = protoColumns(schema, shortTags);
  const writers = columns.map((c) => ({ name: c.name, write: columnWriter(c) }));
  const arena = new Arena();
  return {
    descriptor: rowDescriptor(columns, descriptorName),
    encode(rows) {
      const out: Array<Uint8Array | EncodeError> = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as Record<string, unknown>;
        let start = arena.pos;
        let failure: string | null = null;
        for (const column of writers) {
          const value = row[column.name];
          // NULL is an absent field; a missing REQUIRED value is left for BigQuery to refuse as a row error.
          if (value === null || value === undefined) continue;
          const result = column.write(arena, value, start);
          if (typeof result === 'string') {
            failure = result;
            break;
          }
          start = result;
        }
        if (failure !== null) {
          arena.pos = start;
          out[i] = new EncodeError(failure);
        } else {
          out[i] = arena.buf.subarray(start, arena.pos);
        }
      }
      return out;
    },
  };
}
