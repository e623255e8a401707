import { eventId } from '../normalize/event-id';
import type { InputSource } from '../normalizers';
import { SOURCE_COLUMN } from '../normalizers';
import { MAX_ERROR_PAYLOAD_BYTES, type IngestErrorRow } from '../schema/ingest-error';

/** Which stage a rejected record failed in, told by the reason the reader or normalizer gave. */
export function stageOf(reason: string, fromReader: boolean): 'decode' | 'parse' | 'validate' {
  if (fromReader) return 'decode';
  return reason.startsWith('not JSON') ? 'parse' : 'validate';
}

/** Cuts text at MAX_ERROR_PAYLOAD_BYTES of UTF-8 without splitting a character. */
export function cutPayload(text: string): { payload: string; truncated: boolean } {
  if (text.length * 3 <= MAX_ERROR_PAYLOAD_BYTES || Buffer.byteLength(text) <= MAX_ERROR_PAYLOAD_BYTES) {
    return { payload: text, truncated: false };
  }
  const cut = Buffer.from(text).subarray(0, MAX_ERROR_PAYLOAD_BYTES).toString('utf8');
  return { payload: cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut, truncated: true };
}

export interface FileRejection {
  source: InputSource;
  /** `gs://bucket/object#generation` or an absolute local path. */
  object: string;
  line: number;
  reason: string;
  payload: string;
  /** The reader kept only the head of the record (it was over the size limit). */
  payloadIsHead?: boolean;
  fromReader: boolean;
  now: string;
}

/**
 * A dead letter for one record of a file. error_id digests the record's place (object and line), so
 * re-running an ingest of the same file records each rejection once.
 */
export function fileDeadLetter(r: FileRejection): IngestErrorRow {
  const where = `${r.object}:${r.line}`;
  const { payload, truncated } = cutPayload(r.payload);
  return {
    error_id: eventId('file', where),
    error_time: r.now,
    source: SOURCE_COLUMN[r.source],
    stage: stageOf(r.reason, r.fromReader),
    reason: r.reason,
    message_id: null,
    object: where,
    payload,
    payload_truncated: truncated || r.payloadIsHead === true,
    attributes: null,
  };
}
