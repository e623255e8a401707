/**
 * When a batch may leave before its linger: the batching writer's one timing decision, kept apart
 * so it can be tested with a clock the test moves.
 *
 * Pub/Sub pushes to an instance at a steady concurrency, so callers come in waves, answered
 * together and back together. A linger teaches the wave's size (the most callers seen waiting at
 * once); once that many callers are all queued, nobody else is due and lingering would only add
 * latency. A caller turning up while an early batch is out (the wave was bigger: a ramp-up), or a
 * pause longer than `ttlMs` (a partial tail, a new load), unteaches it.
 */
const WAVE_TTL_MS = 500;

export class WaveRule {
  /** Callers waiting on their rows. */
  private open = 0;
  /** Callers with rows in the pending batch. */
  private queued = 0;
  /** Most callers waiting at once, seen by the linger that last closed a batch (0: not known). */
  private wave = 0;
  /** Most callers waiting at once since the linger last closed a batch. */
  private mostOpen = 0;
  private lastSendEarly = false;
  private lastSendAt = -Infinity;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly ttlMs = WAVE_TTL_MS,
  ) {}

  /** A caller starts waiting on its rows. */
  arrive(): void {
    // A caller arriving while an early batch is on the way: the wave was bigger than learnt.
    if (this.open++ > this.queued && this.lastSendEarly) this.wave = 0;
    if (this.open > this.mostOpen) this.mostOpen = this.open;
  }

  /** A caller's rows are all settled (inserted, dead-lettered or failed). */
  leave(): void {
    this.open--;
  }

  /** A caller put its first row into the pending batch. */
  queue(): void {
    this.queued++;
  }

  /** The linger ran out and closed a batch: the callers seen meanwhile are the wave. */
  lingered(): void {
    this.wave = Math.max(this.open, this.mostOpen);
    this.mostOpen = this.open;
  }

  /** The pending batch left; `early` when the rule sent it before its linger. */
  sent(early: boolean): void {
    this.lastSendEarly = early;
    this.lastSendAt = this.now();
    this.queued = 0;
  }

  /** Every caller of the last wave is queued and nobody else waits: send now. */
  everyoneQueued(): boolean {
    if (this.wave === 0 || this.queued !== this.open || this.open < this.wave) return false;
    return this.now() - this.lastSendAt <= this.ttlMs;
  }
}
