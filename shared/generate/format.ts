/**
 * Value formatting shared by the generators: timestamps, protobuf Durations, UUIDs.
 * Kept separate so the same exact formats are used by every source.
 */
import type { Rng } from './random';

const NS_PER_SECOND = 1_000_000_000;

/** "2026-11-01T00:00:05Z": the second-granularity ISO 8601 form EdgeOne logs use. */
export function isoSeconds(epochMs: number): string {
  return `${new Date(Math.floor(epochMs / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * RFC 3339 with 9 fractional digits ("2022-11-19T00:24:13.695328200Z"), as Cloud Logging writes
 * timestamps. Takes whole seconds plus nanoseconds because a double cannot hold epoch nanoseconds.
 */
export function rfc3339Nanos(epochSeconds: number, nanos: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 19)}.${pad9(nanos)}Z`;
}

/** A protobuf Duration in JSON form ("0.005105200s"), always with 9 fractional digits. */
export function durationFromNanos(totalNanos: number): string {
  const n = Math.max(0, Math.round(totalNanos));
  return `${Math.floor(n / NS_PER_SECOND)}.${pad9(n % NS_PER_SECOND)}s`;
}

function pad9(n: number): string {
  return String(n).padStart(9, '0');
}

/** A random RFC 4122 version-4 UUID drawn from the seeded stream. */
export function uuidV4(rng: Rng): string {
  const a = rng.hex(8);
  const b = rng.hex(4);
  const c = rng.hex(3);
  const d = ((rng.uint32() & 0x3) | 0x8).toString(16) + rng.hex(3);
  const e = rng.hex(12);
  return `${a}-${b}-4${c}-${d}-${e}`;
}

/** Non-cryptographic 64-bit-ish hash of a string as 16 hex digits (two independent FNV-1a lanes). */
export function hash64Hex(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x0100019d);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** A UUID-shaped string derived from a key, so the same key always gives the same id. */
export function uuidFromKey(key: string): string {
  const h = hash64Hex(key) + hash64Hex(`${key}#2`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
