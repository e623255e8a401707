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
  /** Rows per sink write (default 1,000). */
  batchRows?: number;
  ctx?: NormalizeContext;
  /** Called often (every few thousand records); the reporter decides what to show. */
  onProgress?: (counts: IngestCounts, input: InputFile) => void;
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
        chunkRows: batchRows,
        chunkBytes: CHUNK_BYTES,
        maxPending: Math.max(2, Math.ceil(IN_FLIGHT_ROWS / batchRows)),
        onProgress: options.onProgress && ((r) => options.onProgress!(add(before, r), input)),
      },
    );
    Object.assign(totals, add(before, result));
  }
  return totals;
}
