/**
 * What a failed (or partly failed) warehouse write means for its rows: the one place that decides
 * whether rows are retried, split, dead-lettered, or left to Pub/Sub. No I/O; the insertAll sink
 * uses it, and so can any other sink that speaks Google's error vocabulary (HTTP status, `reason`).
 * The Storage Write API speaks gRPC status codes instead; the same rule, in that vocabulary, is
 * storage-write/errors.ts (`disposition`).
 *
 * The rule: only rows the warehouse refuses one by one are the rows' fault and become dead letters.
 * A refusal of the whole request (table gone, no permission, quota, a malformed request) says
 * nothing about the rows, so they must not be dead-lettered: the invocation fails and Pub/Sub keeps
 * the message (redelivery, finally its dead-letter topic) until someone fixes the cause.
 */

/** A request that got no usable answer, or an error status for the whole request. */
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
