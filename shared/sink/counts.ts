/**
 * What became of the records of a write, an input, an invocation or a whole `cdnlog ingest`: one
 * set of counts, each level filling what it knows (a sink write knows only inserted and
 * deadLettered: WriteCounts).
 */
export interface Counts {
  /** Records read, good and bad. */
  records: number;
  /** Record bytes read (uncompressed); the CLI's totals add the newline after each record. */
  bytes: number;
  /** Rows handed to the sink. */
  rows: number;
  /** Rows the warehouse accepted (a duplicate event_id counts: it is already there). */
  inserted: number;
  /** Every record that became an ingest_errors row: `rejected` plus the rows the warehouse refused. */
  deadLettered: number;
  /** Dead letters written before the sink: records the reader or normalizer rejected, unreadable input. */
  rejected: number;
}

/** What became of the rows handed to a sink: each was inserted, or refused for good and dead-lettered. */
export type WriteCounts = Pick<Counts, 'inserted' | 'deadLettered'>;
