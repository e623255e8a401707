import type { EdgeLogRow } from '../schema/edge-log';
import type { IngestErrorRow } from '../schema/ingest-error';

/** What became of a batch of rows handed to a sink. */
export interface WriteOutcome {
  /** Rows accepted by the warehouse (a duplicate event_id counts: it is already there). */
  inserted: number;
  /** Rows the warehouse refused for good; each became an ingest_errors row with the reason. */
  deadLettered: number;
}

/**
 * Where normalized rows land. BigQuery in the cloud, DuckDB locally: same semantics on both — rows are
 * keyed by event_id (a re-sent row does not count twice in the views), rows the warehouse refuses are
 * dead-lettered with its reason, transient failures are retried inside and, when retries run out,
 * surface as a thrown TransientSinkError so the caller can fail the invocation (Pub/Sub redelivers).
 */
export interface RowSink {
  writeRows(rows: readonly EdgeLogRow[]): Promise<WriteOutcome>;
  writeErrors(errors: readonly IngestErrorRow[]): Promise<void>;
  close(): Promise<void>;
}

/** A failure that may pass if tried again later (5xx, 429, network); the invocation should fail. */
export class TransientSinkError extends Error {
  override name = 'TransientSinkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
