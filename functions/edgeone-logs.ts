import type { CloudEvent } from '@google-cloud/functions-framework';
import { decodeContent, CONTENT_ENCODING_ATTRIBUTE } from '../shared/input/content-encoding';
import { readRecordBatches } from '../shared/input/records';
import { inputError } from '../shared/ingest/input-error';
import { DEFAULT_OBJECT_BOUNDS } from '../shared/ingest/bounds';
import { ingestRecords, type IngestOptions } from '../shared/ingest/ingest-records';
import { deadLetterMessage, isBase64, runInvocation, type InvocationCounts } from './invocation';
import { ingestNotifiedObject, type ObjectIngestDeps } from './object-records';
import { messageBytes, storageNotification, type PubsubMessage } from './pubsub-message';

/** The upload bucket (UPLOAD_BUCKET) is the trusted one; chunking and download knobs as for every object. */
type EdgeoneLogsDeps = ObjectIngestDeps;

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

  async function fromData(message: PubsubMessage, attributes: Record<string, unknown> | null): Promise<InvocationCounts> {
    if (message.data === '' || !isBase64(message.data)) {
      const reason = message.data === '' ? 'message has no data and is not a storage notification' : 'message data is not base64';
      await deadLetterMessage(deps, { source: 'edgeone', reason, messageId: message.messageId, payload: message.data, attributes });
      return { inserted: 0, deadLettered: 1, bytes: 0 };
    }
    const records = readRecordBatches(decodeContent(once(messageBytes(message)), message.attributes[CONTENT_ENCODING_ATTRIBUTE]), recordOptions);
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
      return ingestNotifiedObject('edgeone', notification.notification, message, attributes ?? {}, deps);
    });
}
