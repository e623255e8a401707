/** Options every generator takes; `count` is always the number of records yielded. */
export interface GenerateOptions {
  /** Number of records to yield. */
  count: number;
  /** Any string or number; the same seed gives the same records. */
  seed: string | number;
  /** Time of the first record; defaults to DEFAULT_START. */
  start?: Date;
}

export const DEFAULT_START = new Date('2026-11-01T00:00:00Z');

/** Requests (or sessions) per second scale by UTC hour: a smooth daily cycle, peak around 14:00. */
export function diurnalFactor(epochMs: number): number {
  const hour = (epochMs / 3_600_000) % 24;
  return 1 + 0.5 * Math.sin((2 * Math.PI * (hour - 8)) / 24);
}
