import type { Writable } from 'node:stream';
import type { Storage } from '@google-cloud/storage';
import { SinkRefusedError, TransientSinkError } from '../types';
import { classifyNoAnswer, classifyStatus } from '../write-failure';

/**
 * One staged NDJSON object being written. A single streamed request (a multipart upload), not a
 * resumable session: a broken upload restarts from the source object on redelivery anyway, so
 * resuming it would save nothing, and it saves the session's extra round trip.
 */
export class StagingUpload {
  private readonly stream: Writable;
  private failure: unknown = null;
  private ended = false;
  /** Rows written so far. */
  rows = 0;

  constructor(
    storage: Storage,
    readonly bucket: string,
    readonly name: string,
  ) {
    this.stream = storage.bucket(bucket).file(name).createWriteStream({ resumable: false, contentType: 'application/x-ndjson', validation: 'crc32c' });
    // Kept, not thrown: an 'error' with no listener would crash the process.
    this.stream.on('error', (err) => (this.failure ??= err));
  }

  /** `gs://bucket/name`: a load job's sourceUris take no generation. */
  get uri(): string {
    return `gs://${this.bucket}/${this.name}`;
  }

  /** Writes lines in call order, waiting while the upload is behind (backpressure). */
  async write(lines: string, rows: number): Promise<void> {
    this.check();
    this.rows += rows;
    if (!this.stream.write(lines)) await this.either('drain');
    this.check();
  }

  /** Ends the upload; resolves once Cloud Storage has the whole object (checked by CRC32C). */
  async finish(): Promise<void> {
    this.check();
    this.ended = true;
    const done = this.either('finish');
    this.stream.end();
    await done;
    this.check();
  }

  /** Resolves on `event` or on an error (kept by the constructor's listener), and leaves no listener behind. */
  private either(event: 'drain' | 'finish'): Promise<void> {
    return new Promise((resolve) => {
      const settle = () => {
        this.stream.off(event, settle);
        this.stream.off('error', settle);
        resolve();
      };
      this.stream.on(event, settle);
      this.stream.on('error', settle);
    });
  }

  /** Gives the upload up: nothing is committed to the bucket by an unfinished multipart request. */
  abort(): void {
    if (!this.ended) this.stream.destroy();
    this.ended = true;
  }

  private check(): void {
    if (this.failure !== null) throw stagingFailure(`staging ${this.uri}`, this.failure);
  }
}

/** A Cloud Storage failure in write-failure.ts's vocabulary: transient (retry by redelivery) or refused. */
function stagingFailure(what: string, err: unknown): Error {
  const status = (err as { code?: unknown }).code;
  const failure =
    typeof status === 'number' && status >= 400
      ? classifyStatus(status, { message: (err as Error).message ?? '', reasons: reasonsOf(err) })
      : classifyNoAnswer(err);
  return failure.kind === 'refused'
    ? new SinkRefusedError(`${what} refused: ${failure.reason}`, { cause: err })
    : new TransientSinkError(`${what} failed: ${failure.reason}`, { cause: err });
}

function reasonsOf(err: unknown): string[] {
  const errors = (err as { errors?: Array<{ reason?: unknown }> }).errors;
  return Array.isArray(errors) ? errors.map((e) => e?.reason).filter((r): r is string => typeof r === 'string') : [];
}

/** Deletes a staged object once its job is DONE; already gone is fine (another delivery's cleanup). */
export async function deleteStaged(storage: Storage, bucket: string, name: string): Promise<void> {
  await storage.bucket(bucket).file(name).delete({ ignoreNotFound: true });
}
