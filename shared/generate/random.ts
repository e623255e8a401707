/**
 * Deterministic pseudo-random numbers for the synthetic log generators.
 *
 * Output must be byte-identical for the same seed on every machine, so nothing here may
 * touch Math.random or the clock. xoshiro128** is small, fast in 32-bit JS integer maths
 * and has no visible structure at the volumes we generate (millions of draws).
 */

/** Hashes a --seed value (string or number) to a 32-bit unsigned integer (FNV-1a over its text). */
export function hashSeed(seed: string | number): number {
  const text = typeof seed === 'number' ? `n:${seed}` : `s:${seed}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32 step: spreads one 32-bit seed over xoshiro's 128-bit state (all-zero state is invalid). */
function splitmix32(x: number): [number, number] {
  const next = (x + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** A seeded stream of random numbers plus the distribution helpers the generators need. */
export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** Exponentially distributed value with the given mean (inter-arrival gaps, latencies). */
  exponential(mean: number): number;
  /** Standard normal via Box-Muller. */
  normal(): number;
  /** Log-normal value whose median is `median`; sigma is the spread of ln(x). */
  logNormal(median: number, sigma: number): number;
  /** Pareto value >= xm with tail index alpha (smaller alpha = heavier tail). */
  pareto(xm: number, alpha: number): number;
  /** Lowercase hex string of exactly `digits` characters. */
  hex(digits: number): string;
}

/** Creates an Rng from a --seed value. Same seed, same sequence, on any platform. */
export function createRng(seed: string | number): Rng {
  let x = hashSeed(seed);
  let s0: number, s1: number, s2: number, s3: number;
  [x, s0] = splitmix32(x);
  [x, s1] = splitmix32(x);
  [x, s2] = splitmix32(x);
  [x, s3] = splitmix32(x);

  const uint32 = (): number => {
    // xoshiro128**
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  const float = (): number => uint32() / 4294967296;

  const rng: Rng = {
    uint32,
    float,
    int: (min, max) => min + Math.floor(float() * (max - min + 1)),
    chance: (p) => float() < p,
    pick: (items) => items[Math.floor(float() * items.length)] as (typeof items)[number],
    // 1 - float() is in (0, 1], so the log is finite.
    exponential: (mean) => -Math.log(1 - float()) * mean,
    normal: () => Math.sqrt(-2 * Math.log(1 - float())) * Math.cos(2 * Math.PI * float()),
    logNormal: (median, sigma) => median * Math.exp(sigma * rng.normal()),
    pareto: (xm, alpha) => xm / (1 - float()) ** (1 / alpha),
    hex: (digits) => {
      let out = '';
      while (out.length < digits) out += uint32().toString(16).padStart(8, '0');
      return out.slice(0, digits);
    },
  };
  return rng;
}

function rotl(v: number, k: number): number {
  return (v << k) | (v >>> (32 - k));
}

/** A precomputed weighted choice: building the cumulative table once keeps each draw O(log n). */
export type WeightedPicker<T> = (rng: Rng) => T;

/** Builds a picker over [item, weight] pairs; weights need not sum to 1 but must be positive. */
export function weighted<T>(entries: ReadonlyArray<readonly [T, number]>): WeightedPicker<T> {
  if (entries.length === 0) throw new Error('weighted() needs at least one entry');
  const items = entries.map(([item]) => item);
  const cumulative: number[] = [];
  let total = 0;
  for (const [, w] of entries) {
    if (!(w > 0)) throw new Error(`weighted() weights must be positive, got ${w}`);
    total += w;
    cumulative.push(total);
  }
  return (rng) => {
    const r = rng.float() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (r < (cumulative[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    return items[lo] as T;
  };
}

/** Index in [0, n) skewed towards 0 (a cheap Zipf stand-in for object popularity). */
export function skewedIndex(rng: Rng, n: number, skew = 3): number {
  return Math.min(n - 1, Math.floor(n * rng.float() ** skew));
}
