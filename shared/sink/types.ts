import type { EdgeLogRow } from '../schema/edge-log';
import type { IngestErrorRow } from '../schema/ingest-error';
import type { WriteCounts } from './counts';
import type { RecordOrigin } from './record-origin';

/**
 * Where normalized rows land. BigQuery in the cloud, DuckDB locally: same semantics on both — rows are
 * keyed by event_id (a re-sent row does not count twice in the views), rows the warehouse refuses are
 * one by one are dead-lettered with its reason (and the source record), transient failures are
 * retried inside and, when retries run out, surface as a thrown TransientSinkError; a refusal of the
 * whole request surfaces as a SinkRefusedError. Either way the caller fails the invocation.
 */
export interface RowSink {
  /** `origins[i]`, when given, says where `rows[i]` came from (used only if it is dead-lettered). */
  writeRows(rows: readonly EdgeLogRow[], origins?: readonly (RecordOrigin | undefined)[]): Promise<WriteCounts>;
  writeErrors(errors: readonly IngestErrorRow[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The rows of one object generation (an uploaded file), landed all at once or not at all: nothing
 * written to it is visible until `commit()`. A RowSink, so the ingest loop writes to it as to any
 * sink; its dead letters go to the parent sink's ingest_errors at once.
 */
export interface ObjectLoad extends RowSink {
  /** Set when an earlier delivery already committed this generation: write nothing, commit is a no-op. */
  readonly alreadyCommitted: { rows: number } | null;
  /**
   * Waits for every write, then makes them all visible at once. Returns the rows landed, or, when
   * this load could not land them (a load job the data or the quota refused), another load to read
   * the object into again from its start; nothing of this one became visible.
   */
  commit(): Promise<CommitResult>;
}

export type CommitResult = { rows: number } | { readAgainInto: ObjectLoad; reason: string };

/**
 * A sink that can land an object exactly once (the Storage Write API's PENDING streams, or a load
 * job with a deterministic id, load-job/). An optional
 * capability: insertAll and DuckDB do without, as they dedup a re-read object by event_id.
 */
export interface ObjectSink extends RowSink {
  /** Opens the load of `object` (`gs://bucket/object#generation`, or a file's identity). */
  beginObject(object: string): Promise<ObjectLoad>;
}

export function isObjectSink(sink: RowSink): sink is ObjectSink {
  return typeof (sink as Partial<ObjectSink>).beginObject === 'function';
}

/** A failure that may pass if tried again later (5xx, 429, network); the invocation should fail. */
export class TransientSinkError extends Error {
  override name = 'TransientSinkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The warehouse refused a whole request (table gone, no permission, quota, malformed request): not
 * the rows' fault, so they are not dead-lettered; the invocation fails without retrying here, and
 * Pub/Sub redelivers (with its backoff) until the cause is fixed or the message reaches the
 * subscription's dead-letter topic.
 */
export class SinkRefusedError extends Error {
  override name = 'SinkRefusedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
