import type { Logs } from '../../logging';
import { RetryBudget, type RetryOptions } from '../retry';
import { TransientSinkError } from '../types';
import { classifyGrpc, errorText, StorageWriteError } from '../write-failure';

/**
 * Gax retries its unary Write API calls by itself (CreateWriteStream first waits 10 s); these calls
 * go through `withRetries` instead, so one policy (and one budget) covers every call.
 */
export const NO_GAX_RETRY = { retry: { retryCodes: [] as number[] } };

export interface RetryContext {
  retry?: RetryOptions;
  logs: Logs;
  table: string;
  rows?: number;
}

/**
 * Runs `call` until it succeeds, backing off with jitter on retryable failures. A failure that
 * must fail the invocation is thrown as StorageWriteError at once; retryable ones that outlast the
 * budget as TransientSinkError (both make Pub/Sub redeliver).
 */
export async function withRetries<T>(what: string, call: (attempt: number) => Promise<T>, options: RetryContext): Promise<T> {
  // The same budget (attempts, jittered backoff) as the insertAll writer's.
  const budget = new RetryBudget(options.retry);
  for (;;) {
    const attempt = budget.failures + 1;
    try {
      return await call(attempt);
    } catch (err) {
      await afterFailedTry(what, err, budget, options);
    }
  }
}

/**
 * The one rule for a failed try: throws when it must not be tried again (refused, or the budget
 * spent), else logs and waits the backoff, after which the caller tries again.
 */
export async function afterFailedTry(what: string, err: unknown, budget: RetryBudget, options: RetryContext): Promise<void> {
  if (err instanceof StorageWriteError || err instanceof TransientSinkError) throw err;
  const attempt = budget.failures + 1;
  const rows = options.rows ?? 0;
  const failure = classifyGrpc(err);
  if (failure.kind !== 'transient') {
    options.logs.insertRejected({ table: options.table, status: failure.status, rows, error: errorText(err) });
    throw new StorageWriteError(`${what} on ${options.table} refused: ${errorText(err)}`, failure.status, { cause: err });
  }
  const delay = budget.fail();
  if (delay === null) {
    options.logs.insertGaveUp({ table: options.table, attempts: attempt, rows, error: errorText(err) });
    throw new TransientSinkError(`${what} on ${options.table} failed ${attempt} times: ${errorText(err)}`, { cause: err });
  }
  options.logs.insertRetry({ table: options.table, attempt, delay_ms: delay, rows, error: errorText(err) });
  await budget.wait(delay);
}
