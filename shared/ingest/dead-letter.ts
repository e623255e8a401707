import type { InputSource } from '../normalizers';
import { SOURCE_COLUMN } from '../normalizers';
import type { IngestErrorRow } from '../schema/ingest-error';
import { buildDeadLetter } from '../sink/dead-letter';

/** Which stage a rejected record failed in, told by the reason the reader or normalizer gave. */
export function stageOf(reason: string, fromReader: boolean): 'decode' | 'parse' | 'validate' {
  if (fromReader) return 'decode';
  return reason.startsWith('not JSON') ? 'parse' : 'validate';
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
 * A dead letter for one record of a file, built as the functions build theirs: a gs:// object's
 * rejected line gets the same error_id whether `cdnlog ingest` or edgeoneLogs read it, and running
 * an ingest again records each rejection once.
 */
export function fileDeadLetter(r: FileRejection): IngestErrorRow {
  const row = buildDeadLetter({
    source: SOURCE_COLUMN[r.source],
    stage: stageOf(r.reason, r.fromReader),
    reason: r.reason,
    object: r.object,
    line: r.line,
    payload: r.payload,
    now: r.now,
  });
  return r.payloadIsHead ? { ...row, payload_truncated: true } : row;
}
