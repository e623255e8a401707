import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Storage } from '@google-cloud/storage';
import { downloadObject } from '../shared/gcp/download';
import { decompressIfGzip } from '../shared/input/gzip';
import { readRecordBatches } from '../shared/input/records';
import { inputError } from '../shared/ingest/input-error';
import { DEFAULT_OBJECT_BOUNDS } from '../shared/ingest/bounds';
import { ingestRecords, type IngestOptions } from '../shared/ingest/ingest-records';
import { landObject } from '../shared/ingest/land-object';
import { deadLetterMessage, isBase64, runInvocation, type HandlerDeps, type InvocationCounts } from './invocation';
import { messageBytes, objectUri, storageNotification, type PubsubMessage, type StorageNotification } from './pubsub-message';

export interface EdgeoneLogsDeps extends HandlerDeps {
  storage: Storage;
  /**
   * The only bucket whose notifications are read (UPLOAD_BUCKET). Notifications for any other
   * bucket are dead-lettered unread; without it, none is read (the invocation fails, so the
   * messages wait in Pub/Sub until the setting is fixed).
   */
  uploadBucket: string | null;
  /** Longest wait for the next bytes of a download (default DEFAULT_STALL_MS). */
  stallMs?: number;
  /** Chunking and backpressure knobs (tests and benchmarks). */
  ingest?: Omit<IngestOptions, 'inputError'>;
  /** Longest record accepted, bytes (default 1 MiB, see readRecordBatches). */
  maxRecordBytes?: number;
}

export const OBJECT_FINALIZE = 'OBJECT_FINALIZE';

// The one classification of input errors, shared with `cdnlog ingest`.
export { inputError };

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/**
 * `edgeoneLogs`: one topic, two kinds of message. A Cloud Storage notification (attributes
 * bucketId/objectId/eventType) for an uploaded log file, which is streamed from the bucket; or
 * EdgeOne JSON Lines (optionally gzip) published straight to the topic as the message data.
 */
export function createEdgeoneLogsHandler(deps: EdgeoneLogsDeps) {
  const bounds = deps.bounds ?? DEFAULT_OBJECT_BOUNDS;
  const ingestOptions: IngestOptions = { ...deps.ingest, maxDeadLetters: bounds.maxDeadLetters, inputError };
  const recordOptions = { maxRecordBytes: deps.maxRecordBytes, maxBytes: bounds.maxBytes, maxLines: bounds.maxLines };

  async function fromObject(message: PubsubMessage, n: StorageNotification, attributes: Record<string, unknown>): Promise<InvocationCounts> {
    const object = objectUri(n);
    if (n.eventType !== OBJECT_FINALIZE) {
      // Deletes, archives and metadata updates carry no new log lines: acknowledge them.
      deps.logs.eventIgnored({ source: 'edgeone', message_id: message.messageId, event_type: n.eventType, object });
      return { inserted: 0, deadLettered: 0, bytes: 0, object };
    }
    if (!deps.uploadBucket) throw new Error('UPLOAD_BUCKET is not set: storage notifications cannot be trusted, none is read');
    if (n.bucketId !== deps.uploadBucket) {
      const reason = `storage notification for bucket ${n.bucketId}: only the upload bucket ${deps.uploadBucket} is read`;
      await deadLetterMessage(deps, { source: 'edgeone', reason, messageId: message.messageId, payload: message.data, attributes });
      return { inserted: 0, deadLettered: 1, bytes: 0, object };
    }
    // Pinning the generation reads exactly the object the notification is about, even if it was
    // overwritten since; a 404 then means that generation is gone.
    const download = downloadObject(deps.storage, { bucket: n.bucketId, name: n.objectId, generation: n.objectGeneration }, {
      stallMs: deps.stallMs,
      onUnchecked: (why) => deps.logs.downloadUnchecked({ source: 'edgeone', message_id: message.messageId, object, why }),
    });
    try {
      // With the Storage Write API the object's rows land in one commit, once (landObject): a
      // redelivery of a committed object reads nothing, one that died before its commit starts over.
      const landing = await landObject(deps.sink, object, (sink) => {
        const records = readRecordBatches(decompressIfGzip(download), recordOptions);
        return ingestRecords(records, { source: 'edgeone', messageId: message.messageId, object, attributes }, { ...deps, sink }, ingestOptions);
      });
      if (landing.kind === 'already-committed') {
        deps.logs.objectAlreadyLanded({ source: 'edgeone', message_id: message.messageId, object, rows: landing.rows });
        return { inserted: 0, deadLettered: 0, bytes: 0, object };
      }
      const result = landing.result;
      return { inserted: result.inserted, deadLettered: result.deadLettered, bytes: result.bytes, object };
    } finally {
      // Ends the download (and its connection) whatever happened to the records.
      void download.return(undefined).catch(() => {});
    }
  }

  async function fromData(message: PubsubMessage, attributes: Record<string, unknown> | null): Promise<InvocationCounts> {
    if (message.data === '' || !isBase64(message.data)) {
      const reason = message.data === '' ? 'message has no data and is not a storage notification' : 'message data is not base64';
      await deadLetterMessage(deps, { source: 'edgeone', reason, messageId: message.messageId, payload: message.data, attributes });
      return { inserted: 0, deadLettered: 1, bytes: 0 };
    }
    const records = readRecordBatches(decompressIfGzip(once(messageBytes(message))), recordOptions);
    const result = await ingestRecords(records, { source: 'edgeone', messageId: message.messageId, object: null, attributes }, deps, ingestOptions);
    return { inserted: result.inserted, deadLettered: result.deadLettered, bytes: result.bytes };
  }

  return (event: CloudEvent<unknown>): Promise<void> =>
    runInvocation('edgeone', event, deps, async (message) => {
      const attributes = Object.keys(message.attributes).length > 0 ? { ...message.attributes } : null;
      const notification = storageNotification(message.attributes);
      if (!notification) return fromData(message, attributes);
      if (!notification.ok) {
        await deadLetterMessage(deps, { source: 'edgeone', reason: notification.error, messageId: message.messageId, payload: message.data, attributes });
        return { inserted: 0, deadLettered: 1, bytes: 0 };
      }
      return fromObject(message, notification.notification, attributes ?? {});
    });
}
