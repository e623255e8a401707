import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Storage } from '@google-cloud/storage';
import { decompressIfGzip } from '../input/gzip';
import { metered, recordsFromFile } from '../input/open';
import { readRecordBatches, type RawRecord } from '../input/records';

/** One input of an ingest: where its records come from and how to name it in dead letters. */
export interface InputFile {
  /** `gs://bucket/object#generation`, or the absolute path of a local file. */
  label: string;
  /**
   * What identifies these exact bytes, for a sink that lands each object once (the Storage Write
   * API's record of committed objects): the gs:// label with its generation; for a local file its
   * path, size and modification time (a file that grew, or was rewritten, is a new version and lands
   * again, whole); null for stdin, which cannot be told apart from another stdin.
   */
  objectKey: string | null;
  /** Size in bytes as stored (compressed when gzip), when known. */
  size: number | undefined;
  /** Bytes as stored read so far (compressed when gzip): progress against `size`. */
  storedBytesRead(): number;
  /** Records in batches (the reader's unit: one per chunk read, so the loop awaits once per batch). */
  records(): AsyncGenerator<RawRecord[]>;
}

const GS_URI = /^gs:\/\/([^/]+)\/(.+)$/;

/**
 * Resolves a command-line file: a local path, `-` for stdin, or a gs:// URI read with the Storage
 * client (which honours STORAGE_EMULATOR_HOST). A gs:// object is pinned to the generation current
 * when the ingest starts, so its dead letters name exactly the bytes that were read.
 */
export async function openInput(path: string, deps: { stdin: NodeJS.ReadableStream; storage?: () => Storage }): Promise<InputFile> {
  const gs = GS_URI.exec(path);
  if (gs) {
    if (!deps.storage) throw new Error('gs:// inputs need a Storage client');
    const [bucket, name] = [gs[1]!, gs[2]!];
    const file = deps.storage().bucket(bucket).file(name);
    const [metadata] = await file.getMetadata();
    const generation = String(metadata.generation);
    const pinned = deps.storage().bucket(bucket).file(name, { generation });
    const meter = { bytes: 0 };
    return {
      label: `gs://${bucket}/${name}#${generation}`,
      objectKey: `gs://${bucket}/${name}#${generation}`,
      size: Number(metadata.size),
      storedBytesRead: () => meter.bytes,
      records: () => readRecordBatches(decompressIfGzip(metered(pinned.createReadStream() as AsyncIterable<Buffer>, meter))),
    };
  }
  const meter = { bytes: 0 };
  if (path === '-')
    return { label: 'stdin', objectKey: null, size: undefined, storedBytesRead: () => meter.bytes, records: () => recordsFromFile('-', deps.stdin, { meter }) };
  const absolute = resolve(path);
  const stats = await stat(absolute);
  if (stats.isDirectory()) {
    throw Object.assign(new Error(`${absolute} is a directory: give the files in it (e.g. ${path.replace(/\/+$/, '')}/*.gz)`), { code: 'EISDIR' });
  }
  const { size } = stats;
  const objectKey = `file://${absolute}#${size}:${Math.trunc(stats.mtimeMs)}`;
  return { label: absolute, objectKey, size, storedBytesRead: () => meter.bytes, records: () => recordsFromFile(absolute, deps.stdin, { meter }) };
}
