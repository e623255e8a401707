import { EncodeError } from './encoder';
import type { StreamAppender } from './connection';

/** Most bytes of serialized rows in one AppendRows request (the API's limit is 10 MB a request). */
export const MAX_APPEND_BYTES = 8 * 1024 * 1024;

/** What became of a batch of encoded rows: indices into the batch that were refused, with why. */
interface AppendOutcome {
  appended: number;
  refused: Map<number, string>;
  /** AppendRows requests it took (refusals make the rest go again). */
  requests: number;
}

/**
 * Splits a batch into AppendRows requests of at most MAX_APPEND_BYTES (each a list of indices into
 * the batch, in order). Rows the encoder could not encode, and rows bigger than a request may be,
 * are refused here, never sent.
 */
export function planRequests(encoded: readonly (Uint8Array | EncodeError)[]): { requests: number[][]; refused: Map<number, string> } {
  const refused = new Map<number, string>();
  const requests: number[][] = [];
  let chunk: number[] = [];
  let chunkBytes = 0;
  for (let i = 0; i < encoded.length; i++) {
    const row = encoded[i]!;
    if (row instanceof EncodeError) {
      refused.set(i, row.reason);
      continue;
    }
    if (row.length > MAX_APPEND_BYTES) {
      refused.set(i, `row is ${row.length} bytes encoded, over the ${MAX_APPEND_BYTES}-byte AppendRows request budget`);
      continue;
    }
    if (chunk.length > 0 && chunkBytes + row.length > MAX_APPEND_BYTES) {
      requests.push(chunk);
      chunk = [];
      chunkBytes = 0;
    }
    chunk.push(i);
    chunkBytes += row.length;
  }
  if (chunk.length > 0) requests.push(chunk);
  return { requests, refused };
}

/**
 * Appends a batch to a `_default` stream, one request at a time (planRequests). BigQuery appends
 * none of a request's rows when it refuses any of them (AppendRowsResponse.row_errors), so the
 * refused rows are dropped and the rest appended again.
 */
export async function appendBatch(appender: StreamAppender, encoded: readonly (Uint8Array | EncodeError)[]): Promise<AppendOutcome> {
  const { requests: planned, refused } = planRequests(encoded);
  let appended = 0;
  let requests = 0;
  for (let indices of planned) {
    while (indices.length > 0) {
      requests++;
      const rowErrors = await appender.append(indices.map((i) => encoded[i] as Uint8Array));
      if (rowErrors.size === 0) {
        appended += indices.length;
        break;
      }
      for (const [index, reason] of rowErrors) if (indices[index] !== undefined) refused.set(indices[index]!, reason);
      const rest = indices.filter((_, k) => !rowErrors.has(k));
      // Row errors that name no row of this request would loop forever; refuse the request instead.
      if (rest.length === indices.length) throw new Error(`AppendRows reported row errors for rows it was not sent: ${[...rowErrors.keys()].join(', ')}`);
      indices = rest;
    }
  }
  return { appended, refused, requests };
}
