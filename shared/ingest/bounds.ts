/**
 * Bounds on the work one input (an uploaded object, a message) may cause, so a hostile or broken
 * input (a gzip of a gigabyte of newlines, millions of bad lines) cannot run an invocation past its
 * deadline, where it would be redelivered forever. Past a bound the rest of the input is not read,
 * and one dead letter says which bound, where it stopped and what to do; nothing goes silently.
 */
export interface ObjectBounds {
  /** Decoded (gunzipped) bytes read from one input. */
  maxBytes: number;
  /** Lines read from one input, blank ones included (elements, for a JSON array). */
  maxLines: number;
  /** Records of one input dead-lettered before the rest of it is given up. */
  maxDeadLetters: number;
}

/**
 * Sized for the function's timeout (300 s by default): the function lands about 16 MB/s of JSON
 * Lines, so 2 GiB takes about 130 s, leaving room for a busy instance. Bigger backfills go through
 * `cdnlog ingest`, which has no bounds.
 */
export const DEFAULT_OBJECT_BOUNDS: ObjectBounds = {
  maxBytes: 2 * 1024 ** 3,
  maxLines: 20_000_000,
  maxDeadLetters: 100_000,
};

/** What the dead letter of a bound says to do about the rest of the input. */
export const PAST_BOUND_ADVICE = 'land the whole input with `cdnlog ingest` (rows already landed are deduplicated)';
