import { createHash, type Hash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Storage } from '@google-cloud/storage';
import { RetryBudget, type RetryOptions } from '../sink/retry';
import { classifyNoAnswer, classifyStatus, parseGoogleError } from '../sink/write-failure';
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
type DownloadCheck =
  | { kind: 'crc32c'; expected: string; length: number | null }
  | { kind: 'md5'; expected: string; length: number | null }
  | { kind: 'length'; length: number; why: string }
  | { kind: 'none'; why: string };

type HeaderMap = Record<string, string | string[] | undefined>;

function header(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Picks the check for a whole-object download from its headers. Hashes describe the stored bytes,
 * so they are usable only when the bytes are served as stored (the same Content-Encoding). CRC32C first: every object has one, composite and XML-multipart uploads
 * included (they have no MD5), and the table-driven CRC32C measured faster than native MD5 here
 * (bench/crc32c.ts). MD5 when it is the only hash; the length alone when there is none.
 */
export function chooseCheck(headers: HeaderMap): DownloadCheck {
  const stored = header(headers, 'x-goog-stored-content-encoding') ?? 'identity';
  const served = header(headers, 'content-encoding') ?? 'identity';
  if (stored !== served)
    return { kind: 'none', why: `the object is stored with Content-Encoding ${stored} but served as ${served}, so its hashes do not describe the bytes` };
  const lengthText = header(headers, 'x-goog-stored-content-length') ?? header(headers, 'content-length');
  const length = lengthText !== undefined && /^\d+$/.test(lengthText) ? Number(lengthText) : null;
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

interface DownloadOptions {
  /** Longest wait for the response or its next bytes while the reader is asking for them (default 60 s). */
  stallMs?: number;
  /** Told once, when the download cannot be checked against a hash. */
  onUnchecked?: (why: string) => void;
  /** Retries of the request itself (5xx, 429, no answer) before any byte is read. */
  retry?: RetryOptions;
}

/** One object generation (null: the live one). */
interface ObjectRef {
  bucket: string;
  name: string;
  generation: string | null;
}

/** The object could not be read: `code` is the HTTP status (404: gone), as client errors carry it. */
export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly code: number | null,
  ) {
    super(message);
  }
}

/** The media URL and headers for one object, with the client's endpoint and auth. */
async function mediaRequest(storage: Storage, object: ObjectRef): Promise<{ url: string; headers: Record<string, string> }> {
  const query = new URLSearchParams({ alt: 'media', ...(object.generation ? { generation: object.generation } : {}) });
  const url = `${storage.baseUrl}/b/${encodeURIComponent(object.bucket)}/o/${encodeURIComponent(object.name)}?${query}`;
  const headers: Record<string, string> = {
    'cache-control': 'no-store',
    // An object stored gzip-encoded then comes as stored, so its hashes still apply.
    'accept-encoding': 'gzip',
  };
  // A local endpoint (STORAGE_EMULATOR_HOST) takes no credentials, as the client itself decides.
  if (!storage.customEndpoint || storage.useAuthWithCustomEndpoint) {
    // A Headers object or a plain record, depending on the google-auth-library version.
    const auth: unknown = await storage.authClient.getRequestHeaders(url);
    if (auth instanceof Headers)
      auth.forEach((value, key) => {
        headers[key] = value;
      });
    else Object.assign(headers, auth);
  }
  return { url, headers };
}

/** Sends a GET; resolves with the response head, its body still to be read. */
function get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { headers, signal }, resolve);
    request.on('error', reject);
    request.end();
  });
}

/**
 * Streams one object's bytes, checked. Sent with node:http over the Storage client's endpoint and
 * auth, so that the download can be ended: the client's own stream hangs when the connection is
 * reset mid-body and goes on retrying after its reader has given up (and fetch's undici fails a
 * paused body whose server closed the idle connection after sending it all). A response or chunk
 * that does not come within `stallMs` (counted only while the reader waits, so backpressure from a
 * slow consumer never counts) aborts the download with a DownloadStalledError; a reset raises at
 * once; the bytes must add up to the object (its CRC32C or MD5, and its length). 5xx, 429 and
 * unanswered requests are retried before the first byte; a 404 is a DownloadError with code 404.
 */
export async function* downloadObject(storage: Storage, object: ObjectRef, options: DownloadOptions = {}): AsyncGenerator<Buffer> {
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  const name = `gs://${object.bucket}/${object.name}${object.generation ? `#${object.generation}` : ''}`;
  const controller = new AbortController();
  const stalled = () => new DownloadStalledError(`download of ${name} received nothing for ${stallMs} ms`);
  /** Awaits `step` with the stall clock running. */
  const watched = async <T>(step: Promise<T>): Promise<T> => {
    const timer = setTimeout(() => controller.abort(stalled()), stallMs);
    try {
      return await step;
    } catch (err) {
      throw controller.signal.aborted ? controller.signal.reason : err;
    } finally {
      clearTimeout(timer);
    }
  };
  const response = await respond(storage, object, name, options.retry, (init) => watched(get(init.url, init.headers, controller.signal)));
  const verifier = new Verifier(chooseCheck(response.headers));
  if (verifier.check.kind === 'none' || verifier.check.kind === 'length') options.onUnchecked?.(verifier.check.why);
  const chunks = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      const next = await watched(chunks.next());
      if (next.done) break;
      verifier.update(next.value);
      yield next.value;
    }
    verifier.finish(name);
  } finally {
    // Ends the connection if the reader stopped early (an error downstream, a return()).
    controller.abort();
  }
}

/** The 2xx response for the object, retrying transient failures (nothing has been read yet). */
async function respond(
  storage: Storage,
  object: ObjectRef,
  name: string,
  retry: RetryOptions | undefined,
  send: (init: { url: string; headers: Record<string, string> }) => Promise<IncomingMessage>,
): Promise<IncomingMessage> {
  const budget = new RetryBudget(retry);
  for (;;) {
    let failure: string;
    try {
      const response = await send(await mediaRequest(storage, object));
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) return response;
      const body: Buffer[] = [];
      for await (const chunk of response) body.push(chunk as Buffer);
      const verdict = classifyStatus(status, parseGoogleError(Buffer.concat(body).toString('utf8')));
      failure = `download of ${name}: ${verdict.reason}`;
      if (verdict.kind !== 'transient') throw new DownloadError(failure, status);
    } catch (err) {
      if (err instanceof DownloadError || err instanceof DownloadStalledError) throw err;
      failure = `download of ${name}: ${classifyNoAnswer(err).reason}`;
    }
    const delay = budget.fail();
    if (delay === null) throw new DownloadError(failure, null);
    await budget.wait(delay);
  }
}
