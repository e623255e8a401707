/** The retry policy: bounded exponential backoff with full jitter, counted against a budget per write. */

export interface RetryOptions {
  /** Tries in total, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests: returns [0, 1). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY: Required<Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>> = {
  attempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5000,
};

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a uniform delay in
 * [0, min(cap, base·2^attempt)). Spreads retries of many instances hitting the same failure.
 */
function backoffDelay(retry: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const cap = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const random = options.random ?? Math.random;
  return Math.floor(random() * Math.min(cap, base * 2 ** retry));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One write's retry budget: each failure either earns a (jittered, growing) wait before the next
 * try, or, once `attempts` tries have failed, says the budget is spent.
 */
export class RetryBudget {
  private spent = 0;
  private readonly options: RetryOptions;

  constructor(options: RetryOptions = {}) {
    this.options = { ...DEFAULT_RETRY, ...options };
  }

  /** Failed tries so far. */
  get failures(): number {
    return this.spent;
  }

  /** Records a failed try: the delay before the next one, or null when no try is left. */
  fail(): number | null {
    this.spent++;
    if (this.spent >= (this.options.attempts ?? DEFAULT_RETRY.attempts)) return null;
    return backoffDelay(this.spent - 1, this.options);
  }

  wait(ms: number): Promise<void> {
    return (this.options.sleep ?? sleep)(ms);
  }
}
