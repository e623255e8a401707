/** Bounded exponential backoff with full jitter, and the transient/permanent split for HTTP APIs. */

export interface RetryOptions {
  /** Tries in total, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests: returns [0, 1). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: Required<Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>> = {
  attempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5000,
};

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a uniform delay in
 * [0, min(cap, base·2^attempt)). Spreads retries of many instances hitting the same failure.
 */
export function backoffDelay(retry: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const cap = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const random = options.random ?? Math.random;
  return Math.floor(random() * Math.min(cap, base * 2 ** retry));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);
/** Google reasons that mean "try later" even under a 4xx (quota) or a 200 body error. */
const TRANSIENT_REASONS = new Set(['rateLimitExceeded', 'backendError', 'internalError', 'timeout']);

export type ErrorClass = { kind: 'transient'; status: number | null } | { kind: 'permanent'; status: number | null };

function statusOf(err: Record<string, unknown>): number | null {
  const code = err.code ?? (err.response as Record<string, unknown> | undefined)?.status;
  if (typeof code === 'number') return code;
  if (typeof code === 'string' && /^\d{3}$/.test(code)) return Number(code);
  return null;
}

/** Whether an API or network error may pass if the same request is sent again. */
export function classifyError(error: unknown): ErrorClass {
  if (typeof error !== 'object' || error === null) return { kind: 'transient', status: null };
  const err = error as Record<string, unknown>;
  const status = statusOf(err);
  if (status !== null) {
    if (TRANSIENT_STATUS.has(status) || status >= 500) return { kind: 'transient', status };
    const reasons = Array.isArray(err.errors) ? (err.errors as Array<{ reason?: unknown }>).map((e) => e?.reason) : [];
    if (status === 403 && reasons.some((r) => typeof r === 'string' && TRANSIENT_REASONS.has(r))) {
      return { kind: 'transient', status };
    }
    return { kind: 'permanent', status };
  }
  // No HTTP status: the request never got an answer (reset, timeout, DNS) — by definition retryable.
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : '';
  if (NETWORK_CODES.has(code) || /socket hang up|ECONNRESET|ETIMEDOUT|network|timeout/i.test(message)) {
    return { kind: 'transient', status: null };
  }
  // Unknown failures without a status (e.g. FetchError variants) are treated as transient: failing
  // the invocation makes Pub/Sub redeliver, whereas dead-lettering good rows would lose them.
  return { kind: 'transient', status: null };
}
