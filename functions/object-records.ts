import type { Storage } from '@google-cloud/storage';
import { downloadObject } from '../shared/gcp/download';
import { DEFAULT_OBJECT_BOUNDS } from '../shared/ingest/bounds';
import { ingestRecords, type IngestOptions } from '../shared/ingest/ingest-records';
import { inputError } from '../shared/ingest/input-error';
import { landObject } from '../shared/ingest/land-object';
import { decompressIfGzip } from '../shared/input/gzip';
import { readRecordBatches } from '../shared/input/records';
import type { Source } from '../shared/schema/edge-log';
import type { RowSink } from '../shared/sink/types';
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
 * (`gs://b/o#generation:line`). With the Storage Write API an object generation is committed once;
 * with insertAll and DuckDB, every record's event_id dedups a redelivered notification, or a newer
 * generation that repeats the older lines.
 */
export async function ingestNotifiedObject(
  source: Source,
  n: StorageNotification,
  message: PubsubMessage,
  attributes: Record<string, unknown>,
  deps: ObjectIngestDeps,
): Promise<InvocationCounts> {
  const object = objectUri(n);
  if (n.eventType !== OBJECT_FINALIZE) {
    // Deletes, archives and metadata updates carry no new log lines: acknowledge them.
    deps.logs.eventIgnored({ source, message_id: message.messageId, event_type: n.eventType, object });
    return { inserted: 0, deadLettered: 0, bytes: 0, object };
  }
  if (!deps.trustedBucket) throw new Error('no trusted bucket is set: storage notifications cannot be trusted, none is read');
  if (n.bucketId !== deps.trustedBucket) {
    const reason = `storage notification for bucket ${n.bucketId}: only the bucket ${deps.trustedBucket} is read`;
    await deadLetterMessage(deps, { source, reason, messageId: message.messageId, payload: message.data, attributes });
    return { inserted: 0, deadLettered: 1, bytes: 0, object };
  }
  const bounds = deps.bounds ?? DEFAULT_OBJECT_BOUNDS;
  const recordOptions = { maxRecordBytes: deps.maxRecordBytes, maxBytes: bounds.maxBytes, maxLines: bounds.maxLines };
  const ingestOptions = { ...deps.ingest, maxDeadLetters: bounds.maxDeadLetters, inputError };
  // Each read downloads the object from its start: a load job that could not land it has it read
  // again into a PENDING stream (landObject).
  const read = async (sink: RowSink) => {
    // Pinning the generation reads exactly the object the notification is about, even if it was
    // overwritten since; a 404 then means that generation is gone (inputError: one dead letter).
    const download = downloadObject(
      deps.storage,
      { bucket: n.bucketId, name: n.objectId, generation: n.objectGeneration },
      {
        stallMs: deps.stallMs,
        onUnchecked: (why) => deps.logs.downloadUnchecked({ source, message_id: message.messageId, object, why }),
      },
    );
    try {
      const records = readRecordBatches(decompressIfGzip(download), recordOptions);
      return await ingestRecords(records, { source, messageId: message.messageId, object, attributes }, { ...deps, sink }, ingestOptions);
    } finally {
      // Ends the download (and its connection) whatever happened to the records.
      void download.return(undefined).catch(() => {});
    }
  };
  // With the Storage Write API or a load job the object's rows land in one commit, once
  // (landObject): a redelivery of a landed object reads nothing, one that died before starts over.
  const landing = await landObject(deps.sink, object, read, { canReadAgain: true });
  if (landing.kind === 'already-committed') {
    deps.logs.objectAlreadyLanded({ source, message_id: message.messageId, object, rows: landing.rows });
    return { inserted: 0, deadLettered: 0, bytes: 0, object };
  }
  const { inserted, deadLettered, bytes } = landing.result;
  return { inserted, deadLettered, bytes, object };
}
