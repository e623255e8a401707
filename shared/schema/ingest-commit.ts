import { z } from 'zod';
import { required } from './columns';

/**
 * `ingest_commits`: one row each time an object generation's PENDING stream is finalized (before
 * the commit) and committed. A table rather than a marker on the object: it works for local files
 * (`cdnlog ingest`) as for gs:// objects, needs no write access to the upload bucket, and answers
 * "when did this object land, with how many rows". The `finalized` row, written before the commit,
 * names the stream, so a delivery that died between commit and `committed` row is still found:
 * GetWriteStream on that stream tells whether the commit happened.
 */
export const IngestCommitRow = z.object({
  object: required('STRING', 'gs://bucket/object#generation (or the file) whose rows the stream holds'),
  stream: required('STRING', 'The PENDING write stream that holds (or held) the rows'),
  state: required('STRING', 'finalized (about to commit) or committed'),
  rows: required('INT64', 'Rows in the stream'),
  record_time: required('TIMESTAMP', 'When this record was written'),
});
export type IngestCommitRow = z.infer<typeof IngestCommitRow>;
