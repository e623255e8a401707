import type { EdgeLogRow } from '../schema/edge-log';
import type { IngestErrorRow } from '../schema/ingest-error';

/** Where a row came from, so that a dead letter written by the sink can point back at it. */
export interface RowOrigin {
  /** Pub/Sub message id, when the row came through Pub/Sub. */
  messageId?: string | null;
  /** `gs://bucket/object#generation`, when the row came from an object. */
  object?: string | null;
  /** Line (or JSON array element) number in the object or message. */
  line?: number | null;
  /** Pub/Sub attributes and other context for the dead letter's attributes column. */
  attributes?: Record<string, unknown> | null;
}

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
  /** `origins[i]`, when given, says where `rows[i]` came from (used only if it is dead-lettered). */
  writeRows(rows: readonly EdgeLogRow[], origins?: readonly (RowOrigin | undefined)[]): Promise<WriteOutcome>;
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
