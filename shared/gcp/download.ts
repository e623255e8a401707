import { createHash, type Hash } from 'node:crypto';
import type { File } from '@google-cloud/storage';
import { crc32cBase64, crc32cUpdate } from './crc32c';

/** The longest wait for the next bytes of a download before it counts as stalled. */
export const DEFAULT_STALL_MS = 60_000;

/** The download stopped delivering bytes (a stalled or silently dropped connection). Transient. */
export class DownloadStalledError extends Error {
  override name = 'DownloadStalledError';
}

/** The bytes received are not the object's (short, or a hash mismatch). Transient: read it again. */
export class DownloadMismatchError extends Error {
  override name = 'DownloadMismatchError';
}

/** How a download is checked, decided from the response headers. */
export type DownloadCheck =
  | { kind: 'crc32c'; expected: string; length: number | null }
  | { kind: 'md5'; expected: string; length: number | null }
  | { kind: 'length'; length: number; why: string }
  | { kind: 'none'; why: string };

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Picks the check for a whole-object download from its headers. Hashes describe the stored bytes,
 * so they are usable only when the object is stored without a Content-Encoding (what is served is
 * what is stored). CRC32C first: every object has one, composite and XML-multipart uploads
 * included (they have no MD5), and the table-driven CRC32C measured faster than native MD5 here
 * (bench/crc32c.ts). MD5 when it is the only hash; the length alone when there is none.
 */
export function chooseCheck(headers: Headers): DownloadCheck {
  const stored = header(headers, 'x-goog-stored-content-encoding') ?? 'identity';
  const lengthText = header(headers, 'x-goog-stored-content-length') ?? header(headers, 'content-length');
  const length = stored === 'identity' && lengthText !== undefined && /^\d+$/.test(lengthText) ? Number(lengthText) : null;
  if (stored !== 'identity') return { kind: 'none', why: `the object is stored with Content-Encoding ${stored}, so its hashes do not describe the bytes served` };
  const hashes = new Map<string, string>();
  for (const part of (header(headers, 'x-goog-hash') ?? '').split(',')) {
    const at = part.indexOf('=');
    if (at > 0) hashes.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const crc32c = hashes.get('crc32c');
  if (crc32c) return { kind: 'crc32c', expected: crc32c, length };
  const md5 = hashes.get('md5');
  if (md5) return { kind: 'md5', expected: md5, length };
  const why = 'the response carries no x-goog-hash';
  return length === null ? { kind: 'none', why } : { kind: 'length', length, why };
}

/** Hashes and counts the bytes as they pass; `finish()` throws when they are not the object's. */
class Verifier {
  private crc = 0;
  private readonly md5: Hash | null;
  private bytes = 0;

  constructor(readonly check: DownloadCheck) {
    this.md5 = check.kind === 'md5' ? createHash('md5') : null;
  }

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.check.kind === 'crc32c') this.crc = crc32cUpdate(this.crc, chunk);
    else this.md5?.update(chunk);
  }

  finish(object: string): void {
    const { check } = this;
    if (check.kind === 'none') return;
    if (check.length !== null && this.bytes !== check.length) {
      throw new DownloadMismatchError(`download of ${object} ended after ${this.bytes} of ${check.length} bytes`);
    }
    if (check.kind === 'length') return;
    const actual = check.kind === 'crc32c' ? crc32cBase64(this.crc) : this.md5!.digest('base64');
    if (actual !== check.expected) {
      throw new DownloadMismatchError(`download of ${object} does not match its ${check.kind} (${check.expected}, got ${actual})`);
    }
  }
}

export interface DownloadOptions {
  /** Longest wait for the next chunk while the reader is asking for one (default 60 s). */
  stallMs?: number;
  /** Told once, when the download cannot be checked against a hash. */
  onUnchecked?: (why: string) => void;
}

/**
 * Streams one object's bytes, checked: a connection that stalls or is cut raises (the stall clock
 * runs only while the reader waits for bytes, so backpressure from a slow consumer never counts),
 * and the bytes must add up to the object (its CRC32C or MD5, and its length). The client's own
 * validation is off: it fails objects without an MD5 or without any hash on every delivery.
 */
export async function* downloadObject(file: File, options: DownloadOptions = {}): AsyncGenerator<Buffer> {
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const name = `gs://${file.bucket.name}/${file.name}`;
  const stream = file.createReadStream({ validation: false });
  let headers: Headers = {};
  stream.once('response', (res: { headers?: Headers }) => {
    headers = res.headers ?? {};
  });
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let verifier: Verifier | null = null;
  const verify = () => {
    if (verifier) return verifier;
    verifier = new Verifier(chooseCheck(headers));
    if (verifier.check.kind === 'none' || verifier.check.kind === 'length') options.onUnchecked?.(verifier.check.why);
    return verifier;
  };
  try {
    for (;;) {
      const timer = setTimeout(() => stream.destroy(new DownloadStalledError(`download of ${name} received nothing for ${stallMs} ms`)), stallMs);
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } finally {
        clearTimeout(timer);
      }
      if (next.done) break;
      verify().update(next.value);
      yield next.value;
    }
    verify().finish(name);
  } finally {
    stream.destroy();
  }
}
