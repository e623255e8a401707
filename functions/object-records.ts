import type { Storage } from '@google-cloud/storage';
import { DEFAULT_OBJECT_BOUNDS } from '../shared/ingest/bounds';
import { ingestRecords, type IngestOptions } from '../shared/ingest/ingest-records';
import { inputError } from '../shared/ingest/input-error';
import { decompressIfGzip } from '../shared/input/gzip';
import { readRecordBatches } from '../shared/input/records';
import type { InputSource } from '../shared/normalizers';
import type { HandlerDeps, InvocationCounts } from './invocation';
import { objectUri, type StorageNotification } from './pubsub-message';

export interface ObjectIngestDeps extends HandlerDeps {
  storage: Storage;
  /** Chunking and backpressure knobs (tests and benchmarks). */
  ingest?: Omit<IngestOptions, 'inputError'>;
  /** Longest record accepted, bytes (default 1 MiB, see readRecordBatches). */
  maxRecordBytes?: number;
}

/**
 * Lands one notified object: streams the generation the notification names (gzip or plain, JSON
 * Lines or one JSON array), normalizes each record as `source`, hands rows to the sink in batches
 * and dead-letters bad records one by one (`gs://b/o#generation:line`). Every record's event_id is
 * its BigQuery insertId, so a redelivered notification, or a newer generation that repeats the
 * older lines, lands nothing twice. The same steps as edgeoneLogs' uploads.
 */
export async function ingestNotifiedObject(
  source: InputSource,
  n: StorageNotification,
  message: { messageId: string | null; attributes: Record<string, unknown> },
  deps: ObjectIngestDeps,
): Promise<InvocationCounts> {
  const bounds = deps.bounds ?? DEFAULT_OBJECT_BOUNDS;
  const object = objectUri(n);
  // Pinning the generation reads exactly the object the notification is about; a 404 then means
  // that generation is gone (inputError: one dead letter, no retry).
  const file = deps.storage.bucket(n.bucketId).file(n.objectId, n.objectGeneration ? { generation: n.objectGeneration } : {});
  // MD5 is checked natively; Cloud Storage sends one for every non-composite object.
  const stream = file.createReadStream({ validation: 'md5' });
  const records = readRecordBatches(decompressIfGzip(stream), { maxRecordBytes: deps.maxRecordBytes, maxBytes: bounds.maxBytes, maxLines: bounds.maxLines });
  try {
    const origin = { source, messageId: message.messageId, object, attributes: message.attributes };
    const result = await ingestRecords(records, origin, deps, { ...deps.ingest, maxDeadLetters: bounds.maxDeadLetters, inputError });
    return { inserted: result.inserted, deadLettered: result.deadLettered, bytes: result.bytes, object };
  } finally {
    stream.destroy();
  }
}
