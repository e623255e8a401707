import type { RawRecord } from '../input/records';
import { PAST_BOUND_ADVICE } from './bounds';
import type { Logs } from '../logging';
import { normalizers } from '../normalizers';
import type { EdgeLogRow } from '../schema/edge-log';
import type { IngestErrorRow } from '../schema/ingest-error';
import { buildDeadLetter, type DeadLetterStage } from '../sink/dead-letter';
import type { Counts } from '../sink/counts';
import type { RecordOrigin } from '../sink/record-origin';
import type { RowSink } from '../sink/types';

/**
 * Where the records of one input come from: their RecordOrigin bar what each record has of its own
 * (line, text), with the source as the normalizers name it. `object` is null for message data.
 */
type InputOrigin = Required<Pick<RecordOrigin, 'source' | 'messageId' | 'object' | 'attributes'>>;

interface IngestDeps {
  sink: RowSink;
  logs: Logs;
  /** ingest_time / error_time as ISO text. */
  now: () => string;
}

export interface IngestOptions {
  /** Rows (or dead letters) per hand-off to the sink. */
  chunkRows?: number;
  /** Serialized-input bytes per hand-off, so few huge lines also flush early. */
  chunkBytes?: number;
  /** Hand-offs allowed in flight before reading pauses (backpressure on the download). */
  maxPending?: number;
  /**
   * Records dead-lettered before the rest of the input is given up, with one more dead letter
   * saying so (default: no bound; see ObjectBounds).
   */
  maxDeadLetters?: number;
  /** Dead letters logged one by one per invocation; the rest are counted in one line. */
  logDeadLetters?: number;
  /**
   * Says whether an error thrown by the record source is the input's fault (a corrupt gzip, an
   * object deleted before we got to it): its reason, or null when it may pass on a retry.
   */
  inputError?: (err: unknown) => string | null;
  /** Called every few thousand records, with the counts so far (progress bars). */
  onProgress?: (result: Counts) => void;
}

const DEFAULT_CHUNK_ROWS = 2000;
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
const PROGRESS_EVERY = 4096;

/**
 * Normalizes records one by one and hands them to the sink in chunks, with at most `maxPending`
 * chunks unfinished: the source (a download, a gunzip) is read no faster than BigQuery takes rows,
 * so memory stays flat whatever the input size. Bad records become dead letters; a source error
 * the input is to blame for ends the object with one more dead letter; anything else is thrown
 * once every chunk already handed off has settled (no unhandled rejections, no lost counts).
 */
export async function ingestRecords(
  batches: AsyncIterable<readonly RawRecord[]> | Iterable<readonly RawRecord[]>,
  origin: InputOrigin,
  deps: IngestDeps,
  options: IngestOptions = {},
): Promise<Counts> {
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const maxPending = options.maxPending ?? 2;
  const logLimit = options.logDeadLetters ?? 5;
  const maxDeadLetters = options.maxDeadLetters ?? Infinity;
  const normalize = normalizers[origin.source];
  const source = origin.source;
  const ctx = { now: deps.now };
  const result: Counts = { inserted: 0, deadLettered: 0, rows: 0, rejected: 0, bytes: 0, records: 0 };

  let rows: EdgeLogRow[] = [];
  let rowOrigins: RecordOrigin[] = [];
  let errors: IngestErrorRow[] = [];
  let chunkSize = 0;
  const pending: Promise<void>[] = [];
  // A holder rather than a `let`: written from promise callbacks, read after awaits.
  const failure: { err?: unknown; failed: boolean } = { failed: false };
  let logged = 0;

  const deadLetter = (stage: DeadLetterStage, reason: string, line: number | null, payload: string | null, payloadIsHead = false) => {
    const row = buildDeadLetter({
      source,
      stage,
      reason,
      messageId: origin.messageId,
      object: origin.object,
      line,
      payload,
      payloadIsHead,
      attributes: origin.attributes,
      now: deps.now(),
    });
    errors.push(row);
    result.rejected++;
    if (logged++ < logLimit) {
      deps.logs.deadLettered({ source, stage, reason, message_id: origin.messageId, object: row.object, payload });
    }
  };

  /**
   * Hands the chunk so far to the sink. Returns a promise only when the caller must wait (too many
   * chunks unfinished), so the usual call costs no promise of its own (see `written` below).
   */
  const handOff = (): Promise<void> | undefined => {
    if (rows.length === 0 && errors.length === 0) return;
    const [r, o, e] = [rows, rowOrigins, errors];
    rows = [];
    rowOrigins = [];
    errors = [];
    chunkSize = 0;
    // Only a side with something in it is written: the functions framework runs each invocation in
    // a domain, whose async hooks make every promise cost microseconds, and a message of one entry
    // would otherwise pay for writing no dead letters on every call.
    const rowsWritten = r.length > 0 ? deps.sink.writeRows(r, o) : null;
    const errorsWritten = e.length > 0 ? deps.sink.writeErrors(e).then(() => null) : null;
    const written = rowsWritten && errorsWritten ? Promise.all([rowsWritten, errorsWritten]).then(([outcome]) => outcome) : (rowsWritten ?? errorsWritten!);
    const write = written.then(
      (outcome) => {
        result.inserted += outcome?.inserted ?? 0;
        result.deadLettered += (outcome?.deadLettered ?? 0) + e.length;
      },
      (err: unknown) => {
        if (!failure.failed) Object.assign(failure, { failed: true, err });
      },
    );
    pending.push(write);
    if (pending.length >= maxPending) return drain();
    if (failure.failed) throw failure.err;
  };

  const drain = async () => {
    while (pending.length >= maxPending) await pending.shift();
    if (failure.failed) throw failure.err;
  };

  const take = (record: RawRecord) => {
    result.records++;
    result.bytes += record.bytes;
    chunkSize += record.bytes;
    if ('error' in record) {
      deadLetter('parse', record.error, record.line, record.head, true);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(record.text);
    } catch (err) {
      deadLetter('parse', `not JSON: ${(err as Error).message}`, record.line, record.text);
      return;
    }
    const normalized = normalize(value, ctx);
    if (normalized.ok) {
      rows.push(normalized.row);
      result.rows++;
      rowOrigins.push({ source, messageId: origin.messageId, object: origin.object, line: record.line, attributes: origin.attributes, record: record.text });
    } else {
      deadLetter('validate', normalized.error, record.line, record.text);
    }
  };

  const iterator = Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]();
  // Closed (return()) when reading stops early, as for-await would: a download is not left open.
  let closeIterator = true;
  try {
    try {
      reading: for (;;) {
        let step: IteratorResult<readonly RawRecord[]>;
        try {
          const next = iterator.next();
          // A sync iterator (a message's one record) is read with no promise per step.
          step = next instanceof Promise ? await next : next;
        } catch (err) {
          closeIterator = false;
          throw err;
        }
        if (step.done) {
          closeIterator = false;
          break;
        }
        for (const record of step.value) {
          if (result.rejected >= maxDeadLetters) {
            const reason = `more than the bound of ${maxDeadLetters} records of this input were rejected: it was read up to here, not beyond; fix the input, then ${PAST_BOUND_ADVICE}`;
            deadLetter('parse', reason, record.line, null);
            break reading;
          }
          take(record);
          if (rows.length >= chunkRows || errors.length >= chunkRows || chunkSize >= chunkBytes) {
            const full = handOff();
            if (full) await full;
          }
          if (options.onProgress && result.records % PROGRESS_EVERY === 0) options.onProgress(result);
        }
      }
    } catch (err) {
      if (closeIterator) {
        // As for-await does when its body throws: the body's error is the one that counts.
        closeIterator = false;
        await Promise.resolve(iterator.return?.()).catch(() => undefined);
      }
      if (failure.failed) throw failure.err;
      const reason = options.inputError?.(err) ?? null;
      if (reason === null) throw err;
      // The rest of the input is unreadable: one dead letter for it, at the line after the last read.
      deadLetter('decode', reason, null, null);
    }
    if (closeIterator) {
      closeIterator = false;
      await iterator.return?.();
    }
    const last = handOff();
    if (last) await last;
    // Hand-offs never reject (a failure is kept in `failure`): once awaited, none is left running.
    for (const write of pending.splice(0)) await write;
    if (failure.failed) throw failure.err;
  } finally {
    // Whatever happened, leave nothing running that could reject unobserved.
    if (pending.length > 0) await Promise.allSettled(pending);
  }
  if (logged > logLimit) deps.logs.deadLettersSuppressed(source, logged - logLimit, origin.object);
  options.onProgress?.(result);
  return result;
}
