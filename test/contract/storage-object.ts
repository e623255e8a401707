import { createHash } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';

/**
 * Object content: a Buffer, or a function returning a fresh (async) iterable of chunks. A function
 * rather than a stream because a stream is one-shot and an object can be downloaded many times;
 * it lets tests serve hundreds of MB without ever holding them in memory.
 */
export type ObjectContent = Buffer | (() => Iterable<Buffer> | AsyncIterable<Buffer>);

export interface StoredObject {
  bucket: string;
  name: string;
  generation: number;
  contentType: string;
  size: number;
  crc32c: string;
  md5Hash: string;
  created: Date;
  content: ObjectContent;
  metadata?: Record<string, string>;
  /**
   * Which hashes Cloud Storage reports: both (an ordinary upload), crc32c only (composite objects
   * and XML multipart uploads have no MD5), or none in the download's x-goog-hash.
   */
  hashes?: 'both' | 'crc32c' | 'none';
}

export function chunksOf(content: ObjectContent): Iterable<Buffer> | AsyncIterable<Buffer> {
  return Buffer.isBuffer(content) ? [content] : content();
}

/** One streaming pass to learn size and the hashes GCS reports (crc32c, md5, both base64). */
export async function measure(content: ObjectContent): Promise<{ size: number; crc32c: string; md5Hash: string }> {
  const crc = new CRC32C();
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of chunksOf(content)) {
    crc.update(chunk);
    md5.update(chunk);
    size += chunk.length;
  }
  return { size, crc32c: crc.toString(), md5Hash: md5.digest('base64') };
}

/** Yields bytes [start, end] (inclusive) of the content without materialising the rest. */
export async function* byteRange(content: ObjectContent, start: number, end: number): AsyncGenerator<Buffer> {
  let offset = 0;
  for await (const chunk of chunksOf(content)) {
    const chunkEnd = offset + chunk.length - 1;
    if (chunkEnd >= start && offset <= end) {
      yield chunk.subarray(Math.max(0, start - offset), Math.min(chunk.length, end - offset + 1));
    }
    offset += chunk.length;
    if (offset > end) return;
  }
}

/** The fields of the JSON API object resource (storage#object) this endpoint returns. */
export interface ObjectResource {
  kind: 'storage#object';
  id: string;
  selfLink: string;
  mediaLink: string;
  name: string;
  bucket: string;
  generation: string;
  metageneration: string;
  contentType: string;
  storageClass: string;
  size: string;
  md5Hash?: string;
  crc32c: string;
  componentCount?: number;
  etag: string;
  timeCreated: string;
  updated: string;
  metadata?: Record<string, string>;
}

/** The JSON API object resource (storage#object) for a stored object. */
export function objectResource(origin: string, o: StoredObject): ObjectResource {
  const path = `b/${encodeURIComponent(o.bucket)}/o/${encodeURIComponent(o.name)}`;
  const time = o.created.toISOString();
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${origin}/storage/v1/${path}`,
    mediaLink: `${origin}/download/storage/v1/${path}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: String(o.generation),
    metageneration: '1',
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.size),
    ...(o.hashes === 'crc32c' ? {} : { md5Hash: o.md5Hash }),
    crc32c: o.crc32c,
    ...(o.hashes === 'crc32c' ? { componentCount: 2 } : {}),
    etag: `CK${o.generation}EAE=`,
    timeCreated: time,
    updated: time,
    ...(o.metadata ? { metadata: o.metadata } : {}),
  };
}

/** The download's x-goog-hash header value, or null when the object's hashes are not reported. */
export function hashHeader(o: StoredObject): string | null {
  if (o.hashes === 'none') return null;
  return o.hashes === 'crc32c' ? `crc32c=${o.crc32c}` : `crc32c=${o.crc32c},md5=${o.md5Hash}`;
}
