import type { RawRecord } from '../input/records';
import type { Source } from '../schema/edge-log';
import { createLogs } from '../logging';
import { defaultContext, type NormalizeContext } from '../normalizers/result';
import type { RowSink } from '../sink/types';
import type { Counts } from '../sink/counts';
import { ingestRecords } from './ingest-records';
import { landObject } from './land-object';
import { inputError } from './input-error';
import { checkSource, SOURCE_SAMPLE, WrongSourceError } from './source-check';
import type { InputFile } from './inputs';

/** The counts of every input (their bytes with newlines), and which inputs were cut short. */
export interface IngestCounts extends Counts {
  /** Inputs that could not be read to the end (a truncated gzip): what was read landed, the rest is one dead letter. */
  cut: { input: string; reason: string }[];
  /**
   * The input Ctrl-C stopped, when the sink commits each input (Storage Write API): its rows
   * (counted in `rows`) were written to a load that was not committed, so none is visible.
   */
  uncommitted: { input: string; rows: number } | null;
}

export interface IngestOptions {
  source: Source;
  inputs: readonly InputFile[];
  sink: RowSink;
  /** Rows per sink write (default 1,000). */
  batchRows?: number;
  ctx?: NormalizeContext;
  /** Ingest an input even when its first records all look like another source's (see checkSource). */
  anySource?: boolean;
  /** Stops reading when aborted (Ctrl-C); what was read is still written, then ingest resolves. */
  signal?: AbortSignal;
  /** Called often (every few thousand records); the reporter decides what to show. */
  onProgress?: (counts: IngestCounts, input: InputFile) => void;
  /** Called for an input an earlier ingest already committed (Storage Write API): it is not read. */
  onAlreadyLanded?: (input: InputFile, rows: number) => void;
}

/** Large enough that batchRows, not bytes, decides when a batch goes to the warehouse. */
const CHUNK_BYTES = 256 * 1024 * 1024;
/**
 * Small writes, many in flight: rows reach the sink (which encodes them at once) before they age
 * into the old generation, and the reader runs on while the warehouse loads what it was given.
 * Measured on 200,000 Media CDN records into DuckDB: 25,000-row writes with one in flight took
 * 9.0 s, 1,000-row writes with 64,000 rows in flight 7.2 s (normalize alone: 5.0 s).
 */
const WRITE_ROWS = 1000;
const IN_FLIGHT_ROWS = 64_000;

/**
 * Lands every record of the inputs, one input after the other, through the same loop the functions
 * use (ingestRecords): sink writes stay in flight while the next rows are normalized, and
 * rejected records become ingest_errors rows whose ids derive from file and line, so running the
 * same ingest again adds nothing.
 */
export async function ingest(options: IngestOptions): Promise<IngestCounts> {
  const { source, sink } = options;
  const batchRows = options.batchRows ?? WRITE_ROWS;
  const now = (options.ctx ?? defaultContext).now;
  // The CLI reports on stderr and in its summary; per-record log lines would only be noise here.
  const logs = createLogs(() => {});
  const totals: IngestCounts = { records: 0, bytes: 0, rows: 0, inserted: 0, deadLettered: 0, rejected: 0, cut: [], uncommitted: null };
  const add = (base: IngestCounts, r: Counts): IngestCounts => ({
    ...base,
    records: base.records + r.records,
    bytes: base.bytes + r.bytes + r.records,
    rows: base.rows + r.rows,
    inserted: base.inserted + r.inserted,
    deadLettered: base.deadLettered + r.deadLettered,
    rejected: base.rejected + r.rejected,
  });
  for (const input of options.inputs) {
    if (options.signal?.aborted) break;
    const before = { ...totals };
    const checked = options.anySource ? input.records() : sourceChecked(input, source, { now });
    const records = options.signal ? untilAborted(checked, options.signal) : checked;
    const read = (target: RowSink) =>
      ingestRecords(
        records,
        { source, messageId: null, object: input.label, attributes: null },
        { sink: target, logs, now },
        {
          chunkRows: batchRows,
          chunkBytes: CHUNK_BYTES,
          maxPending: Math.max(2, Math.ceil(IN_FLIGHT_ROWS / batchRows)),
          onProgress: options.onProgress && ((r) => options.onProgress!(add(before, r), input)),
          inputError: (err) => {
            const reason = inputError(err);
            if (reason !== null) totals.cut.push({ input: input.label, reason });
            return reason;
          },
        },
      );
    // A sink that commits objects gets each input in one commit; an interrupted read is not
    // committed (nothing of it is visible), so running the same command again lands it whole.
    const landing = input.objectKey
      ? await landObject(sink, input.objectKey, read, { commit: () => !options.signal?.aborted })
      : { kind: 'landed' as const, result: await read(sink) };
    if (landing.kind === 'already-committed') {
      options.onAlreadyLanded?.(input, landing.rows);
      continue;
    }
    Object.assign(totals, add(before, landing.result));
    if (landing.kind === 'uncommitted') totals.uncommitted = { input: input.label, rows: landing.result.rows };
  }
  return totals;
}

/**
 * The batches of `source` until `signal` aborts. Waits on the next batch and the signal together,
 * so a reader blocked on a slow download or an idle stdin stops at once too.
 */
async function* untilAborted<T>(source: AsyncGenerator<T>, signal: AbortSignal): AsyncGenerator<T> {
  let onAbort = () => {};
  const aborted = new Promise<'aborted'>((resolve) => (onAbort = () => resolve('aborted')));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const pending = source.next();
      // Should the read left behind by an abort fail later, nobody is waiting for it any more.
      pending.catch(() => {});
      const next = await Promise.race([pending, aborted]);
      if (next === 'aborted') {
        // Not awaited: a generator busy in a read only returns once that read ends.
        source.return(undefined).catch(() => {});
        return;
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // One listener per input otherwise, and an ingest of many files would pile them up.
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The input's records, after its first SOURCE_SAMPLE records were checked against the source: given
 * the wrong --source, every record would become a dead letter (issue #13: 100,000 of them, where
 * the right source took seconds), so the ingest stops before writing anything for the input.
 */
async function* sourceChecked(input: InputFile, source: IngestOptions['source'], ctx: NormalizeContext): AsyncGenerator<RawRecord[]> {
  const records = input.records();
  const head: RawRecord[][] = [];
  let sampled = 0;
  while (sampled < SOURCE_SAMPLE) {
    const next = await records.next();
    if (next.done) break;
    head.push(next.value);
    sampled += next.value.length;
  }
  const mismatch = checkSource(head.flat(), source, ctx);
  if (mismatch) {
    await records.return(undefined);
    throw new WrongSourceError(input.label, mismatch);
  }
  yield* head;
  yield* records;
}
