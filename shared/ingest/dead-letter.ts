import type { InputSource } from '../normalizers';
import { SOURCE_COLUMN } from '../normalizers';
import type { IngestErrorRow } from '../schema/ingest-error';
import { buildDeadLetter } from '../sink/dead-letter';

/**
 * Which stage a rejected record failed in: the reader's rejections (oversized, truncated) and text
 * that is not JSON are `parse`, the normalizer's are `validate` — as in the functions (ingest.ts).
 */
export function stageOf(reason: string, fromReader: boolean): 'parse' | 'validate' {
  return fromReader || reason.startsWith('not JSON') ? 'parse' : 'validate';
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
  return buildDeadLetter({
    source: SOURCE_COLUMN[r.source],
    stage: stageOf(r.reason, r.fromReader),
    reason: r.reason,
    object: r.object,
    line: r.line,
    payload: r.payload,
    payloadIsHead: r.payloadIsHead,
    now: r.now,
  });
}
