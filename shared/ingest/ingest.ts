import { createLogs } from '../logging';
import { defaultContext, type NormalizeContext } from '../normalize/result';
import type { InputSource } from '../normalizers';
import type { RowSink } from '../sink/types';
import { ingestRecords, type IngestResult } from './ingest-records';
import type { InputFile } from './sources';

export interface IngestCounts {
  /** Records read (good and bad). */
  records: number;
  /** Decoded bytes read, newlines included. */
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

/** Large enough that batchRows, not bytes, decides when a batch goes to the warehouse. */
const CHUNK_BYTES = 256 * 1024 * 1024;

/**
 * Lands every record of the inputs, one input after the other, through the same loop the functions
 * use (ingestRecords): one sink write stays in flight while the next batch is normalized, and
 * rejected records become ingest_errors rows whose ids derive from file and line, so running the
 * same ingest again adds nothing.
 */
export async function ingest(options: IngestOptions): Promise<IngestCounts> {
  const { source, sink } = options;
  const now = (options.ctx ?? defaultContext).now;
  // The CLI reports on stderr and in its summary; per-record log lines would only be noise here.
  const logs = createLogs(() => {});
  const totals: IngestCounts = { records: 0, bytes: 0, rows: 0, rejects: 0, refused: 0 };
  const add = (base: IngestCounts, r: IngestResult): IngestCounts => ({
    records: base.records + r.records,
    bytes: base.bytes + r.bytes + r.records,
    rows: base.rows + r.rows,
    rejects: base.rejects + r.rejected,
    refused: base.refused + r.deadLettered - r.rejected,
  });
  for (const input of options.inputs) {
    const before = { ...totals };
    const result = await ingestRecords(
      input.records(),
      { source, messageId: null, object: input.label, attributes: null },
      { sink, logs, now },
      {
        chunkRows: options.batchRows ?? 25_000,
        chunkBytes: CHUNK_BYTES,
        onProgress: options.onProgress && ((r) => options.onProgress!(add(before, r), input)),
      },
    );
    Object.assign(totals, add(before, result));
  }
  return totals;
}
