/**
 * What a failed (or partly failed) warehouse write means for its rows: the one place that decides
 * whether rows are retried, split, dead-lettered, or left to Pub/Sub, for both write methods. No
 * I/O. insertAll speaks Google's JSON error vocabulary (HTTP status, `reason`): classifyStatus,
 * classifyNoAnswer, classifyRowErrors. The Storage Write API speaks gRPC status codes: classifyGrpc
 * for a failed call, and AppendRowsResponse.row_errors are the rows it refuses one by one.
 *
 * The rule: only rows the warehouse refuses one by one are the rows' fault and become dead letters.
 * A refusal of the whole request (table gone, no permission, quota, a malformed request) says
 * nothing about the rows, so they must not be dead-lettered: the invocation fails and Pub/Sub keeps
 * the message (redelivery, finally its dead-letter topic) until someone fixes the cause.
 */

/** A request that got no usable answer, or an error status for the whole request (`status`: HTTP, or the gRPC code). */
export type RequestFailure =
  /** May pass if the same rows are sent again (5xx, 429, rate limits, network, deadline, a garbled 2xx). */
  | { kind: 'transient'; status: number | null; reason: string }
  /** The body was too big: send the rows again in smaller requests. */
  | { kind: 'too-large'; status: number; reason: string }
  /** The whole request was refused; retrying here will not help, dead-lettering would lose the rows. */
  | { kind: 'refused'; status: number; reason: string };

/** What an entry of a per-row error list (insertAll `insertErrors[].errors`) means for that row. */
type RowFailure =
  /** Valid, held back because a neighbour was not: send again without the neighbour. */
  | { kind: 'stopped' }
  /** The warehouse could not take it just now (backendError, timeout): send again later. */
  | { kind: 'transient'; reason: string }
  /** The warehouse refuses this row as it is: dead-letter it with the reason. */
  | { kind: 'refused'; reason: string };

/** Google error reasons that mean "try again later", whatever the status they come with. */
const TRANSIENT_REASONS = new Set(['rateLimitExceeded', 'backendError', 'internalError', 'timeout', 'backendFailure']);
const TRANSIENT_STATUS = new Set([408, 429]);
/** insertAll's answer to a body over 10 MB: 413, or 400 with this message. */
const SIZE_MESSAGE = /payload size exceeds|request (entity|payload) (is )?too large|too large/i;

interface GoogleError {
  message: string;
  reasons: string[];
}

/** Reads the `{error: {message, errors: [{reason}]}}` envelope of a Google JSON API (or what there is). */
export function parseGoogleError(text: string): GoogleError {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; errors?: Array<{ reason?: unknown }> } };
    const error = body?.error;
    if (error && typeof error === 'object') {
      const reasons = Array.isArray(error.errors) ? error.errors.map((e) => e?.reason).filter((r): r is string => typeof r === 'string') : [];
      return { message: typeof error.message === 'string' ? error.message : '', reasons };
    }
  } catch {
    // Not JSON (an HTML error page from a proxy, say): only the status speaks.
  }
  return { message: text.slice(0, 200), reasons: [] };
}

/** Classifies an error status for the whole request, from its status and Google error reasons. */
export function classifyStatus(status: number, error: GoogleError): RequestFailure {
  const reason = `HTTP ${status}${error.reasons.length ? ` ${error.reasons.join(',')}` : ''}: ${error.message}`.trim();
  if (status >= 500 || TRANSIENT_STATUS.has(status) || error.reasons.some((r) => TRANSIENT_REASONS.has(r))) {
    return { kind: 'transient', status, reason };
  }
  if (status === 413 || (status === 400 && SIZE_MESSAGE.test(error.message))) return { kind: 'too-large', status, reason };
  return { kind: 'refused', status, reason };
}

/** A request that got no answer at all (reset, refused connection, DNS, our deadline): retryable by definition. */
export function classifyNoAnswer(err: unknown): RequestFailure {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return { kind: 'transient', status: null, reason: `no answer: ${message}${cause}` };
}

/** Classifies one row's error list; any non-`stopped` entry decides, a transient one wins over a refusal. */
export function classifyRowErrors(errors: ReadonlyArray<{ reason?: string; message?: string }>): RowFailure {
  const real = errors.filter((e) => e.reason !== 'stopped');
  if (real.length === 0) return { kind: 'stopped' };
  const reason = real.map((e) => `${e.reason ?? 'invalid'}: ${e.message ?? ''}`.trim()).join('; ');
  if (real.some((e) => e.reason !== undefined && TRANSIENT_REASONS.has(e.reason))) return { kind: 'transient', reason };
  return { kind: 'refused', reason };
}

/** gRPC status codes (google.rpc.Code), as the Write API client reports them on a rejected call or in AppendRowsResponse.error. */
export const GrpcCode = {
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
 * Transient: UNAVAILABLE (this client's "No connection established" / "Connection failure, please
 * retry" in bursts included), RESOURCE_EXHAUSTED (throughput throttling), ABORTED, INTERNAL,
 * DEADLINE_EXCEEDED, CANCELLED (a connection the client closed under a write).
 */
const TRANSIENT_GRPC = new Set<number>([
  GrpcCode.UNAVAILABLE,
  GrpcCode.RESOURCE_EXHAUSTED,
  GrpcCode.ABORTED,
  GrpcCode.INTERNAL,
  GrpcCode.DEADLINE_EXCEEDED,
  GrpcCode.CANCELLED,
]);

function grpcCode(err: unknown): number | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

export function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

/**
 * Classifies a failed Write API call, as classifyStatus does an HTTP one: transient (retry with
 * backoff, on a fresh connection if need be) or refused (a missing table or permission, a quota:
 * not the rows' fault, so the invocation fails). RESOURCE_EXHAUSTED that names a quota is a
 * refusal, not throttling. No status at all: the call never got an answer, transient.
 */
export function classifyGrpc(err: unknown): RequestFailure {
  const code = grpcCode(err);
  const text = errorText(err);
  if (code === null) return { kind: 'transient', status: null, reason: `no answer: ${text}` };
  const reason = `gRPC ${code}: ${text}`;
  if (code === GrpcCode.RESOURCE_EXHAUSTED && /quota/i.test(text) && !/throughput/i.test(text)) return { kind: 'refused', status: code, reason };
  return TRANSIENT_GRPC.has(code) ? { kind: 'transient', status: code, reason } : { kind: 'refused', status: code, reason };
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
