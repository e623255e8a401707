/**
 * Coalesces rows from concurrent callers (invocations of one function instance) into shared
 * requests. No I/O of its own: `send` does the request, `oversize` the dead-lettering of rows too
 * big for any request. Each `write()` resolves when its own rows have been inserted or
 * dead-lettered, and rejects with whatever `send` threw for a batch holding any of them. When a
 * batch leaves before its linger is the WaveRule's decision (wave-rule.ts).
 */
import type { WriteCounts } from './counts';
import { WaveRule } from './wave-rule';

/**
 * A value serialized once, when it is written: `data` is what `send` sends (insertAll: the row's
 * JSON text, also what a dead letter carries; the Write API: its protobuf bytes) and `bytes` what
 * the batch budgets count.
 */
export interface Serialized<T, S = string> {
  value: T;
  data: S;
  bytes: number;
  /** Whatever the caller attached to this row (origin for dead letters). */
  origin: unknown;
}

/** What happened to one item of a batch, in batch order. */
export type ItemFate = 'inserted' | 'dead_lettered';

export interface BatchingWriterOptions<T, S = string> {
  /** Sends one batch; resolves to one fate per item, in order; throws when the batch failed. */
  send: (batch: readonly Serialized<T, S>[]) => Promise<readonly ItemFate[]>;
  /** Dead-letters items too big for any request; they are never sent. */
  oversize: (items: readonly Serialized<T, S>[], limitBytes: number) => Promise<void>;
  /** Serializes the values of one write, in order (default: JSON text, measured in UTF-8 bytes). */
  serialize?: (values: readonly T[]) => Array<{ data: S; bytes: number }>;
  /** Rows per request (BigQuery recommends 500). */
  maxRows?: number;
  /** Serialized bytes per request before a flush (insertAll's hard limit is 10 MB; keep headroom). */
  maxBytes?: number;
  /** A single row above this cannot be sent at all. */
  maxRowBytes?: number;
  /** How long a partial batch waits for company. */
  lingerMs?: number;
  /** Per-row envelope bytes counted on top of the row JSON (`{"insertId":"…","json":…}`). */
  rowOverheadBytes?: number;
  /** The clock and the linger's timer (tests move them by hand; default: the real ones). */
  timers?: Timers;
}

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const DEFAULT_MAX_ROWS = 500;
const DEFAULT_MAX_BYTES = 9 * 1024 * 1024;
const DEFAULT_MAX_ROW_BYTES = 10 * 1024 * 1024 - 64 * 1024;
const DEFAULT_LINGER_MS = 50;

const asJson = <T>(values: readonly T[]) =>
  values.map((value) => {
    const data = JSON.stringify(value);
    return { data, bytes: Buffer.byteLength(data) };
  });

/** One caller's share: counts its rows down as batches settle. */
class Ticket {
  remaining: number;
  inserted = 0;
  deadLettered = 0;
  settled = false;
  /** Some of its rows wait in the pending batch. */
  queued = false;
  promise: Promise<WriteCounts>;
  private resolveFn!: (counts: WriteCounts) => void;
  private rejectFn!: (err: unknown) => void;

  constructor(
    count: number,
    private readonly onSettle: () => void,
  ) {
    this.remaining = count;
    this.promise = new Promise<WriteCounts>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
  }

  record(fate: ItemFate): void {
    if (this.settled) return;
    if (fate === 'inserted') this.inserted++;
    else this.deadLettered++;
    if (--this.remaining === 0) {
      this.settled = true;
      this.onSettle();
      this.resolveFn({ inserted: this.inserted, deadLettered: this.deadLettered });
    }
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettle();
    this.rejectFn(err);
  }
}

interface Entry<T, S> {
  item: Serialized<T, S>;
  ticket: Ticket;
}

export class BatchingWriter<T, S = string> {
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private readonly maxRowBytes: number;
  private readonly lingerMs: number;
  private readonly overhead: number;
  private readonly timers: Timers;
  private readonly waves: WaveRule;
  private readonly serialize: (values: readonly T[]) => Array<{ data: S; bytes: number }>;
  private pending: Entry<T, S>[] = [];
  private pendingBytes = 0;
  private timer: unknown = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: BatchingWriterOptions<T, S>) {
    // Without a serializer S is string (the type default): the JSON text.
    this.serialize = options.serialize ?? (asJson as unknown as (values: readonly T[]) => Array<{ data: S; bytes: number }>);
    this.maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxRowBytes = options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.overhead = options.rowOverheadBytes ?? 64;
    this.timers = options.timers ?? realTimers;
    this.waves = new WaveRule(() => this.timers.now());
  }

  /** Serializes once and queues; `origins[i]` travels with `values[i]` to send/oversize. */
  write(values: readonly T[], origins?: readonly unknown[]): Promise<WriteCounts> {
    if (values.length === 0) return Promise.resolve({ inserted: 0, deadLettered: 0 });
    const ticket = new Ticket(values.length, () => this.waves.leave());
    this.waves.arrive();
    const tooBig: Serialized<T, S>[] = [];
    const serialized = this.serialize(values);
    for (let i = 0; i < values.length; i++) {
      const item: Serialized<T, S> = { value: values[i]!, data: serialized[i]!.data, bytes: serialized[i]!.bytes, origin: origins?.[i] };
      if (item.bytes + this.overhead > this.maxRowBytes) {
        tooBig.push(item);
        continue;
      }
      this.enqueue({ item, ticket });
    }
    if (this.pending.length > 0 && this.waves.everyoneQueued()) this.sendPending(true);
    if (tooBig.length > 0) {
      this.track(
        this.options.oversize(tooBig, this.maxRowBytes).then(
          () => {
            for (const _ of tooBig) ticket.record('dead_lettered');
          },
          (err) => ticket.fail(err),
        ),
      );
    }
    return ticket.promise;
  }

  /** Sends whatever is queued now and waits for every request in flight. */
  async flush(): Promise<void> {
    this.sendPending();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private enqueue(entry: Entry<T, S>): void {
    const size = entry.item.bytes + this.overhead;
    // Flush first when this row would push the batch past the byte budget.
    if (this.pending.length > 0 && this.pendingBytes + size > this.maxBytes) this.sendPending();
    this.pending.push(entry);
    this.pendingBytes += size;
    if (!entry.ticket.queued) {
      entry.ticket.queued = true;
      this.waves.queue();
    }
    if (this.pending.length >= this.maxRows || this.pendingBytes >= this.maxBytes) this.sendPending();
    else if (this.timer === null) {
      this.timer = this.timers.setTimeout(() => {
        this.timer = null;
        this.waves.lingered();
        this.sendPending();
      }, this.lingerMs);
    }
  }

  private sendPending(early = false): void {
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    this.waves.sent(early);
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const entry of batch) entry.ticket.queued = false;
    this.track(this.dispatch(batch));
  }

  private async dispatch(batch: Entry<T, S>[]): Promise<void> {
    let fates: readonly ItemFate[];
    try {
      fates = await this.options.send(batch.map((e) => e.item));
    } catch (err) {
      for (const e of batch) e.ticket.fail(err);
      return;
    }
    if (fates.length !== batch.length) {
      const err = new Error(`send returned ${fates.length} fates for ${batch.length} rows`);
      for (const e of batch) e.ticket.fail(err);
      return;
    }
    batch.forEach((e, i) => {
      e.ticket.record(fates[i]!);
    });
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }
}
