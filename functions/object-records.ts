import type { Storage } from '@google-cloud/storage';
import { downloadObject } from '../shared/gcp/download';
import { DEFAULT_OBJECT_BOUNDS } from '../shared/ingest/bounds';
import { ingestRecords, type IngestOptions } from '../shared/ingest/ingest-records';
import { inputError } from '../shared/ingest/input-error';
import { decompressIfGzip } from '../shared/input/gzip';
import { readRecordBatches } from '../shared/input/records';
import { SOURCE_COLUMN, type InputSource } from '../shared/normalizers';
import { deadLetterMessage, type HandlerDeps, type InvocationCounts } from './invocation';
import { objectUri, type PubsubMessage, type StorageNotification } from './pubsub-message';

export const OBJECT_FINALIZE = 'OBJECT_FINALIZE';

export interface ObjectIngestDeps extends HandlerDeps {
  storage: Storage;
  /**
   * The only bucket whose notifications are read. Notifications for any other bucket are
   * dead-lettered unread; without one, none is read (the invocation fails, so the messages wait in
   * Pub/Sub until the setting is fixed).
   */
  trustedBucket: string | null;
  /** Longest wait for the next bytes of a download (default DEFAULT_STALL_MS). */
  stallMs?: number;
  /** Chunking and backpressure knobs (tests and benchmarks). */
  ingest?: Omit<IngestOptions, 'inputError'>;
  /** Longest record accepted, bytes (default 1 MiB, see readRecordBatches). */
  maxRecordBytes?: number;
}

/**
 * Lands one notified object, the one object path of `edgeoneLogs` and `mediaCdnFiles`: only an
 * OBJECT_FINALIZE of the trusted bucket is read; the generation the notification names is
 * downloaded with checks (resets and stalls raise, CRC32C/MD5 verified), read as gzip or plain,
 * JSON Lines or one JSON array, within the per-object bounds; each record is normalized as
 * `source`, rows go to the sink in batches and bad records are dead-lettered one by one
 * (`gs://b/o#generation:line`). Every record's event_id is its BigQuery insertId, so a redelivered
 * notification, or a newer generation that repeats the older lines, lands nothing twice.
 */
export async function ingestNotifiedObject(
  source: InputSource,
  n: StorageNotification,
  message: PubsubMessage,
  attributes: Record<string, unknown>,
  deps: ObjectIngestDeps,
): Promise<InvocationCounts> {
  const column = SOURCE_COLUMN[source];
  const object = objectUri(n);
  if (n.eventType !== OBJECT_FINALIZE) {
    // Deletes, archives and metadata updates carry no new log lines: acknowledge them.
    deps.logs.eventIgnored({ source: column, message_id: message.messageId, event_type: n.eventType, object });
    return { inserted: 0, deadLettered: 0, bytes: 0, object };
  }
  if (!deps.trustedBucket) throw new Error('no trusted bucket is set: storage notifications cannot be trusted, none is read');
  if (n.bucketId !== deps.trustedBucket) {
    const reason = `storage notification for bucket ${n.bucketId}: only the bucket ${deps.trustedBucket} is read`;
    await deadLetterMessage(deps, { source: column, reason, messageId: message.messageId, payload: message.data, attributes });
    return { inserted: 0, deadLettered: 1, bytes: 0, object };
  }
  const bounds = deps.bounds ?? DEFAULT_OBJECT_BOUNDS;
  // Pinning the generation reads exactly the object the notification is about, even if it was
  // overwritten since; a 404 then means that generation is gone (inputError: one dead letter).
  const download = downloadObject(
    deps.storage,
    { bucket: n.bucketId, name: n.objectId, generation: n.objectGeneration },
    {
      stallMs: deps.stallMs,
      onUnchecked: (why) => deps.logs.downloadUnchecked({ source: column, message_id: message.messageId, object, why }),
    },
  );
  const records = readRecordBatches(decompressIfGzip(download), { maxRecordBytes: deps.maxRecordBytes, maxBytes: bounds.maxBytes, maxLines: bounds.maxLines });
  try {
    const origin = { source, messageId: message.messageId, object, attributes };
    const result = await ingestRecords(records, origin, deps, { ...deps.ingest, maxDeadLetters: bounds.maxDeadLetters, inputError });
    return { inserted: result.inserted, deadLettered: result.deadLettered, bytes: result.bytes, object };
  } finally {
    // Ends the download (and its connection) whatever happened to the records.
    void download.return(undefined).catch(() => {});
  }
}
