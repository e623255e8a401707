import { z } from 'zod';
import { nullable, required, requiredEnum } from './columns';
import { Source } from './edge-log';

/**
 * A dead letter: one message, line or row that could not be landed, kept with its raw payload and the
 * reason so that it can be fixed and replayed (`cdnlog replay`).
 */
export const IngestErrorRow = z.object({
  error_id: required('STRING', 'Stable digest of where the payload came from; replays dedup on it'),
  error_time: required('TIMESTAMP', 'When the error was recorded'),
  source: requiredEnum(Source, 'Source the payload was meant for: media_cdn or edgeone'),
  stage: required('STRING', 'Where it failed: decode, parse, validate, insert'),
  reason: required('STRING', 'Human-readable reason'),
  message_id: nullable('STRING', 'Pub/Sub message id, when the payload came through Pub/Sub'),
  object: nullable('STRING', 'gs://bucket/object#generation:line, or file:line, when it came from a file'),
  payload: nullable('STRING', 'The raw payload text (cut at 1 MB, see payload_truncated)'),
  payload_truncated: required('BOOL', 'True when payload was cut at 1 MB'),
  attributes: nullable('JSON', 'Pub/Sub message attributes and other context, as JSON'),
});

export type IngestErrorRow = z.infer<typeof IngestErrorRow>;

/** Payloads above this many bytes are cut in ingest_errors (BigQuery rows must stay well under 10 MB). */
export const MAX_ERROR_PAYLOAD_BYTES = 1024 * 1024;
