/**
 * How a Storage Write API failure is handled. gRPC status codes (google.rpc.Code), as the client
 * reports them on a rejected call or in AppendRowsResponse.error.
 */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * - `retry`: may pass on another try, after backoff, on a fresh connection if need be.
 * - `fail`: the invocation must fail (non-2xx) so Pub/Sub redelivers and finally keeps the message:
 *   a missing table, missing permission or a quota refusal is not the data's fault, and turning
 *   good rows into dead letters would hide an operator problem.
 */
export type Disposition = 'retry' | 'fail';

/**
 * Retried: UNAVAILABLE (this client's "No connection established" / "Connection failure, please
 * retry" in bursts included), RESOURCE_EXHAUSTED (throughput throttling), ABORTED, INTERNAL,
 * DEADLINE_EXCEEDED, CANCELLED (a connection the client closed under a write). RESOURCE_EXHAUSTED
 * that names a quota is a refusal, not throttling: it fails at once rather than backing off.
 */
const RETRIED = new Set<number>([Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED, Code.ABORTED, Code.INTERNAL, Code.DEADLINE_EXCEEDED, Code.CANCELLED]);

export function grpcCode(err: unknown): number | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

export function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

export function disposition(err: unknown): Disposition {
  const code = grpcCode(err);
  // No status at all: the call never got an answer (socket, channel) — worth another try.
  if (code === null) return 'retry';
  if (code === Code.RESOURCE_EXHAUSTED && /quota/i.test(errorText(err)) && !/throughput/i.test(errorText(err))) return 'fail';
  return RETRIED.has(code) ? 'retry' : 'fail';
}

/** A Storage Write API call that failed for good; the invocation should fail and be redelivered. */
export class StorageWriteError extends Error {
  override name = 'StorageWriteError';
  constructor(
    message: string,
    readonly code: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
