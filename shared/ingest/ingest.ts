import { defaultContext, type NormalizeContext } from '../normalize/result';
import { normalizeText, type InputSource } from '../normalizers';
import type { EdgeLogRow } from '../schema/edge-log';
import type { IngestErrorRow } from '../schema/ingest-error';
import type { RowSink, WriteOutcome } from '../sink/types';
import { fileDeadLetter } from './dead-letter';
import type { InputFile } from './sources';

export interface IngestCounts {
  /** Records read (good and bad). */
  records: number;
  /** Decoded bytes read. */
  bytes: number;
  /** Rows handed to the sink. */
  rows: number;
  /** Records rejected by the reader or the normalizer (each became an ingest_errors row). */
  rejects: number;
  /** Rows the warehouse refused (dead-lettered by the sink). */
  refused: number;
}

export interface IngestOptions {
  source: InputSource;
  inputs: readonly InputFile[];
  sink: RowSink;
  /** Rows per sink write (default 25,000). */
  batchRows?: number;
  ctx?: NormalizeContext;
  /** Called often (every few thousand records); the reporter decides what to show. */
  onProgress?: (counts: IngestCounts, input: InputFile) => void;
}

const PROGRESS_EVERY = 4096;
const ERROR_BATCH = 1000;

/**
 * Reads, normalizes and lands every record of the inputs. One sink write stays in flight while the
 * next batch is normalized, so the warehouse's work overlaps ours. Rejected records become
 * ingest_errors rows whose ids derive from file and line: running the same ingest again adds nothing.
 */
export async function ingest(options: IngestOptions): Promise<IngestCounts> {
  const { source, sink } = options;
  const ctx = options.ctx ?? defaultContext;
  const batchRows = options.batchRows ?? 25_000;
  const counts: IngestCounts = { records: 0, bytes: 0, rows: 0, rejects: 0, refused: 0 };
  let batch: EdgeLogRow[] = [];
  let errors: IngestErrorRow[] = [];
  let inFlight: Promise<void> = Promise.resolve();

  const settle = (outcome: WriteOutcome): void => {
    counts.refused += outcome.deadLettered;
  };
  const flushRows = async (): Promise<void> => {
    const rows = batch;
    batch = [];
    await inFlight;
    counts.rows += rows.length;
    inFlight = sink.writeRows(rows).then(settle);
  };
  const flushErrors = async (): Promise<void> => {
    if (errors.length === 0) return;
    const pending = errors;
    errors = [];
    await sink.writeErrors(pending);
  };

  for (const input of options.inputs) {
    for await (const records of input.records()) {
      for (const record of records) {
        counts.records++;
        counts.bytes += record.bytes + 1;
        const result = 'text' in record ? normalizeText(source, record.text, ctx) : { ok: false as const, error: record.error };
        if (result.ok) {
          batch.push(result.row);
          if (batch.length >= batchRows) await flushRows();
        } else {
          counts.rejects++;
          errors.push(
            fileDeadLetter({
              source,
              object: input.label,
              line: record.line,
              reason: result.error,
              payload: 'text' in record ? record.text : record.head,
              payloadIsHead: !('text' in record),
              fromReader: !('text' in record),
              now: ctx.now(),
            }),
          );
          if (errors.length >= ERROR_BATCH) await flushErrors();
        }
        if (counts.records % PROGRESS_EVERY === 0) options.onProgress?.(counts, input);
      }
    }
    options.onProgress?.(counts, input);
  }
  if (batch.length > 0) await flushRows();
  await inFlight;
  await flushErrors();
  return counts;
}
