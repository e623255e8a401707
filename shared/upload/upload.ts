import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Storage } from '@google-cloud/storage';

/** Files at or above this size go up as resumable uploads (chunked, restartable); smaller ones in one request. */
export const DEFAULT_RESUMABLE_THRESHOLD = 8 * 1024 * 1024;

interface UploadOptions {
  bucket: string;
  /** Prepended to each file's base name ("edgeone/2026/11/01/"), as given. */
  prefix?: string;
  resumableThreshold?: number;
}

interface Uploaded {
  file: string;
  uri: string;
  generation: string;
  bytes: number;
  resumable: boolean;
}

/** Object name for a file: prefix + base name (a prefix without a trailing slash is used as-is). */
function objectName(file: string, prefix = ''): string {
  return `${prefix}${basename(file)}`;
}

/**
 * Uploads files one after another; each upload is a new object generation, which the bucket's
 * OBJECT_FINALIZE notification turns into one edgeoneLogs invocation.
 */
export async function uploadFiles(storage: Storage, files: readonly string[], options: UploadOptions, onDone?: (u: Uploaded) => void): Promise<Uploaded[]> {
  const threshold = options.resumableThreshold ?? DEFAULT_RESUMABLE_THRESHOLD;
  const bucket = storage.bucket(options.bucket);
  const done: Uploaded[] = [];
  for (const file of files) {
    const { size } = await stat(file);
    const resumable = size >= threshold;
    const name = objectName(file, options.prefix);
    // Content type stays generic: gzip is told by magic bytes downstream, and setting
    // contentEncoding would make Cloud Storage decompress on download (decompressive transcoding).
    const [object] = await bucket.upload(file, { destination: name, resumable, contentType: 'application/octet-stream' });
    const uploaded = { file, uri: `gs://${options.bucket}/${name}`, generation: String(object.metadata.generation), bytes: size, resumable };
    done.push(uploaded);
    onDone?.(uploaded);
  }
  return done;
}
