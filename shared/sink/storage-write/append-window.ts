import { RetryBudget } from '../retry';
import { GrpcCode, StorageWriteError } from '../write-failure';
import { type AppendResponse, rowErrorsOf, type RowErrors, type StreamAppender } from './connection';
import { afterFailedTry, type RetryContext } from './retry-loop';

/**
 * AppendRows requests in flight on one PENDING stream unless told otherwise. The ingest loop keeps
 * two chunks unfinished (ingest-records.ts), so in the functions two requests are in flight: the
 * service has the next one while this process normalizes. The bound only caps a caller that hands
 * over more; a resend after a failure stays that small.
 */
export const DEFAULT_APPENDS_IN_FLIGHT = 4;

/** One request's rows, in stream order, until they are in the stream (or refused). */
interface Append {
  rows: Uint8Array[];
  /** The caller's key for each row (its index in the caller's batch), to name refused rows. */
  keys: number[];
  refused: RowErrors;
  /**
   * The offset of an earlier send whose answer never came: its rows may be in the stream, so an
   * ALREADY_EXISTS for that same offset means they are. Any other ALREADY_EXISTS is a bug.
   */
  maybeLandedAt: number | null;
  settle: { resolve: (refused: RowErrors) => void; reject: (err: unknown) => void };
}

interface Sent {
  append: Append;
  offset: number;
  answer: Promise<Answer>;
}

/** What one send came to; never a rejection, so an answer nobody awaits yet cannot go unhandled. */
type Answer =
  | { kind: 'appended' }
  /** ALREADY_EXISTS: rows are at this offset already. */
  | { kind: 'already-exists' }
  /** Row errors: the request appended nothing. */
  | { kind: 'refused-rows'; rowErrors: RowErrors }
  /** OUT_OF_RANGE: the offset is beyond the stream's end, so the request appended nothing. */
  | { kind: 'out-of-range'; message: string }
  /** No answer (the call broke) or any other error: the rows may or may not be in. */
  | { kind: 'no-answer'; err: unknown };

function answerOf(response: AppendResponse): Answer {
  const rowErrors = rowErrorsOf(response);
  if (rowErrors.size > 0) return { kind: 'refused-rows', rowErrors };
  const error = response.error;
  if (!error?.code) return { kind: 'appended' };
  if (error.code === GrpcCode.ALREADY_EXISTS) return { kind: 'already-exists' };
  if (error.code === GrpcCode.OUT_OF_RANGE) return { kind: 'out-of-range', message: error.message ?? '' };
  return { kind: 'no-answer', err: Object.assign(new Error(error.message ?? `AppendRows error ${error.code}`), { code: error.code }) };
}

/**
 * Appends to one PENDING stream with up to `depth` AppendRows requests in flight, each at the
 * offset the ones before it will reach; answers come back in order on the call. Only the oldest
 * unanswered request decides: once it is in, the next may be sent. When it is not (row errors, a
 * broken call, a retryable error), the rest of the window cannot be in either, bar rows whose
 * answer was lost: the window is taken back, and resent from the first row not in the stream,
 * offsets computed again (refused rows removed). ALREADY_EXISTS on a resend at the offset whose
 * answer was lost means those rows landed; OUT_OF_RANGE on the oldest request means the stream
 * lacks rows this writer counted as in, and fails the load (uncommitted, so nothing is visible).
 */
export class AppendWindow {
  private readonly waiting: Append[] = [];
  private readonly inFlight: Sent[] = [];
  /** Rows the stream is known to hold: where the oldest request in flight starts. */
  private acked = 0;
  /** Where the next request starts: acked plus the rows in flight. */
  private sentEnd = 0;
  /** Set while the window is taken back after a failure: nothing is sent meanwhile. */
  private recovering = false;
  private failure: { err: unknown } | null = null;
  /** Set, and cleared, in step with run(): an append queued as it ends must start it again. */
  private running = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly appender: StreamAppender,
    private readonly depth: number,
    private readonly retry: RetryContext,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new Error(`appends in flight must be a whole number ≥ 1, not ${depth}`);
  }

  /** Rows in the stream so far (acknowledged). */
  get rows(): number {
    return this.acked;
  }

  /** Why the stream can take no more rows, if it cannot. */
  get failed(): { err: unknown } | null {
    return this.failure;
  }

  /**
   * Queues one request's rows (at most MAX_APPEND_BYTES). Resolves once they are in the stream,
   * to the keys of rows BigQuery refused one by one (the others are in); rejects when the stream
   * can take no more. Resolving only then is the backpressure: a caller awaiting it waits for room.
   */
  append(rows: Uint8Array[], keys: number[]): Promise<RowErrors> {
    if (this.failure) return Promise.reject(this.failure.err);
    return new Promise<RowErrors>((resolve, reject) => {
      this.waiting.push({ rows, keys, refused: new Map(), maybeLandedAt: null, settle: { resolve, reject } });
      this.fill();
      if (!this.running) {
        this.running = true;
        this.idle = this.run();
      }
    });
  }

  /** Settles when nothing is queued or in flight. */
  async drain(): Promise<void> {
    while (this.running) await this.idle;
  }

  private fill(): void {
    while (!this.recovering && !this.failure && this.inFlight.length < this.depth && this.waiting.length > 0) {
      const append = this.waiting.shift()!;
      const offset = this.sentEnd;
      this.sentEnd += append.rows.length;
      const answer = this.appender.send(append.rows, offset).then(answerOf, (err: unknown): Answer => ({ kind: 'no-answer', err }));
      this.inFlight.push({ append, offset, answer });
    }
  }

  private async run(): Promise<void> {
    // Failures in a row: the budget is spent only when no request gets in between them.
    let budget = new RetryBudget(this.retry.retry);
    try {
      while (this.inFlight.length > 0) {
        const head = this.inFlight[0]!;
        const answer = await head.answer;
        const landed = answer.kind === 'appended' || (answer.kind === 'already-exists' && head.append.maybeLandedAt === head.offset);
        if (landed) {
          this.inFlight.shift();
          this.acked += head.append.rows.length;
          head.append.settle.resolve(head.append.refused);
          budget = new RetryBudget(this.retry.retry);
          this.fill();
          continue;
        }
        if (answer.kind === 'already-exists' || answer.kind === 'out-of-range') {
          // The oldest request starts where the acknowledged rows end: the stream disagrees.
          const what = answer.kind === 'already-exists' ? 'ALREADY_EXISTS' : `OUT_OF_RANGE (${answer.message})`;
          throw new StorageWriteError(`AppendRows at offset ${head.offset} of ${this.appender.stream}: ${what}, with ${this.acked} rows acknowledged`, null);
        }
        this.recovering = true;
        const window = this.inFlight.splice(0);
        const answers = await Promise.all(window.map((s) => s.answer));
        // Back in the queue first, so a failure below rejects them with the rest.
        this.waiting.unshift(...window.map((s) => s.append));
        this.sentEnd = this.acked;
        if (answer.kind === 'refused-rows') {
          if (answers.slice(1).some((a) => a.kind === 'appended' || a.kind === 'already-exists')) {
            throw new StorageWriteError(`AppendRows on ${this.appender.stream} took rows past offset ${head.offset}, where it refused a request`, null);
          }
          this.refuseRows(head.append, answer.rowErrors);
          // The oldest request was refused at the stream's end, so nothing after it is in.
          for (const append of this.waiting) append.maybeLandedAt = null;
          if (head.append.rows.length === 0) {
            this.waiting.shift();
            head.append.settle.resolve(head.append.refused);
          }
        } else {
          // Whatever came back in-band for a later request says it was seen at its offset; a
          // missing answer leaves its rows possibly in, to be told by ALREADY_EXISTS on the resend.
          window.forEach((s, i) => {
            const a = answers[i]!;
            s.append.maybeLandedAt = a.kind === 'no-answer' || a.kind === 'appended' || a.kind === 'already-exists' ? s.offset : null;
          });
          await afterFailedTry('AppendRows', answer.err, budget, { ...this.retry, rows: head.append.rows.length });
        }
        this.recovering = false;
        this.fill();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.running = false;
    }
  }

  /** Drops the rows BigQuery refused from the append, keeping why, so the rest goes again. */
  private refuseRows(append: Append, rowErrors: RowErrors): void {
    const unknown = [...rowErrors.keys()].filter((i) => i < 0 || i >= append.rows.length || !Number.isInteger(i));
    // Row errors that name no row of this request would loop forever; refuse the request instead.
    if (unknown.length > 0) throw new StorageWriteError(`AppendRows reported row errors for rows it was not sent: ${unknown.join(', ')}`, null);
    for (const [i, reason] of rowErrors) append.refused.set(append.keys[i]!, reason);
    append.rows = append.rows.filter((_, i) => !rowErrors.has(i));
    append.keys = append.keys.filter((_, i) => !rowErrors.has(i));
  }

  /** After this nothing more goes in: every queued and unanswered append is rejected. */
  private fail(err: unknown): void {
    this.failure ??= { err };
    this.recovering = false;
    const lost = [...this.inFlight.splice(0).map((s) => s.append), ...this.waiting.splice(0)];
    // Not logged here: the invocation that gets the error logs it once.
    for (const append of lost) append.settle.reject(this.failure.err);
  }
}
