import type { Source } from '../schema/edge-log';

/**
 * Where a record came from, so that a dead letter (written by the ingest loop, a handler or the
 * sink) can point back at it and `cdnlog replay` can resend it. The one type for it: other places
 * take a Pick or Omit of it.
 */
export interface RecordOrigin {
  /** The vendor the record was meant for. */
  source: Source;
  /** Pub/Sub message id, when it came through Pub/Sub. */
  messageId?: string | null;
  /** `gs://bucket/object#generation` (no line), when it came from an object or a file. */
  object?: string | null;
  /** Line (or JSON array element) number in the object or message. */
  line?: number | null;
  /** Pub/Sub attributes and other context for the dead letter's attributes column. */
  attributes?: Record<string, unknown> | null;
  /**
   * The source record's text, exactly as read (one line or array element: the reader copies each
   * record into its own string, so this holds no larger buffer alive). A row the warehouse refuses
   * is dead-lettered with it, so `cdnlog replay` can resend what the vendor sent.
   */
  record?: string | null;
}
