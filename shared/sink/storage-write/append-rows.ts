import { EncodeError } from './encoder';
import type { StreamAppender } from './connection';

/** Most bytes of serialized rows in one AppendRows request (the API's limit is 10 MB a request). */
export const MAX_APPEND_BYTES = 8 * 1024 * 1024;

/** What became of a batch of encoded rows: indices into the batch that were refused, with why. */
export interface AppendOutcome {
  appended: number;
  refused: Map<number, string>;
  /** AppendRows requests it took (refusals make the rest go again). */
  requests: number;
}

/**
 * Appends a batch in requests of at most MAX_APPEND_BYTES. Rows the encoder could not encode, and
 * rows bigger than a request may be, are refused without being sent. BigQuery appends none of a request's rows when it refuses any of them
 * (AppendRowsResponse.row_errors), so the refused rows are dropped and the rest appended again.
 * `offset`, on a PENDING stream, is where the batch starts; the stream then grows by `appended`.
 */
export async function appendBatch(appender: StreamAppender, encoded: readonly (Uint8Array | EncodeError)[], offset?: number): Promise<AppendOutcome> {
  const refused = new Map<number, string>();
  let chunk: number[] = [];
  let chunkBytes = 0;
  let appended = 0;
  let requests = 0;
  const send = async () => {
    let indices = chunk;
    chunk = [];
    chunkBytes = 0;
    while (indices.length > 0) {
      requests++;
      const rowErrors = await appender.append(
        indices.map((i) => encoded[i] as Uint8Array),
        offset === undefined ? undefined : offset + appended,
      );
      if (rowErrors.size === 0) {
        appended += indices.length;
        return;
      }
      for (const [index, reason] of rowErrors) if (indices[index] !== undefined) refused.set(indices[index]!, reason);
      const rest = indices.filter((_, k) => !rowErrors.has(k));
      // Row errors that name no row of this request would loop forever; refuse the request instead.
      if (rest.length === indices.length) throw new Error(`AppendRows reported row errors for rows it was not sent: ${[...rowErrors.keys()].join(', ')}`);
      indices = rest;
    }
  };
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
    if (chunk.length > 0 && chunkBytes + row.length > MAX_APPEND_BYTES) await send();
    chunk.push(i);
    chunkBytes += row.length;
  }
  if (chunk.length > 0) await send();
  return { appended, refused, requests };
}
