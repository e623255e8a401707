import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Storage } from '@google-cloud/storage';
import { decompressIfGzip } from '../shared/input/gzip';
import { readRecordBatches } from '../shared/input/records';
import { inputError } from '../shared/ingest/input-error';
import { DEFAULT_OBJECT_BOUNDS } from '../shared/ingest/bounds';
import { ingestRecords, type IngestOptions } from '../shared/ingest/ingest-records';
import { deadLetterMessage, isBase64, runInvocation, type HandlerDeps, type InvocationCounts } from './invocation';
import { messageBytes, objectUri, storageNotification, type PubsubMessage, type StorageNotification } from './pubsub-message';

export interface EdgeoneLogsDeps extends HandlerDeps {
  storage: Storage;
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
    // Pinning the generation reads exactly the object the notification is about, even if it was
    // overwritten since; a 404 then means that generation is gone.
    const file = deps.storage.bucket(n.bucketId).file(n.objectId, n.objectGeneration ? { generation: n.objectGeneration } : {});
    // MD5, checked natively, rather than the client's default CRC32C, computed in JavaScript at a
    // fraction of the download rate; Cloud Storage sends an MD5 for every non-composite object, and
    // a gzip member carries its own CRC-32, which gunzip checks.
    const stream = file.createReadStream({ validation: 'md5' });
    const records = readRecordBatches(decompressIfGzip(stream), recordOptions);
    try {
      const result = await ingestRecords(records, { source: 'edgeone', messageId: message.messageId, object, attributes }, deps, ingestOptions);
      return { inserted: result.inserted, deadLettered: result.deadLettered, bytes: result.bytes, object };
    } finally {
      stream.destroy();
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
      return notification ? fromObject(message, notification, attributes ?? {}) : fromData(message, attributes);
    });
}
