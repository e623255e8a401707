import type { CloudEvent } from '@google-cloud/functions-framework';
import { deadLetterMessage, runInvocation } from './invocation';
import { ingestNotifiedObject, type ObjectIngestDeps } from './object-records';
import { storageNotification } from './pubsub-message';

/** The Media CDN files bucket (MEDIA_CDN_BUCKET) is the trusted one. */
type MediaCdnFilesDeps = ObjectIngestDeps;

/**
 * `mediaCdnFiles`: one Cloud Storage notification per Media CDN log file (terraform
 * `media_cdn_delivery` batched or hourly). A file is JSON Lines of LogEntries, as both writers make
 * it: a Pub/Sub Cloud Storage subscription in text format writes each message's data (one LogEntry)
 * followed by a newline; a Logging sink writes its hourly files one entry a line. A JSON array and
 * gzip are read too. Only OBJECT_FINALIZE carries new entries; other events are acknowledged.
 */
export function createMediaCdnFilesHandler(deps: MediaCdnFilesDeps) {
  return (event: CloudEvent<unknown>): Promise<void> =>
    runInvocation('media_cdn', event, deps, async (message) => {
      const attributes = { ...message.attributes };
      const notification = storageNotification(message.attributes);
      if (!notification?.ok) {
        // Only the bucket publishes to this topic: anything else is a mistake to look at, not to retry.
        const reason = notification?.error ?? 'not a Cloud Storage notification (no bucketId/objectId/eventType attributes)';
        await deadLetterMessage(deps, { source: 'media_cdn', reason, messageId: message.messageId, payload: message.data, attributes });
        return { inserted: 0, deadLettered: 1, bytes: 0 };
      }
      return ingestNotifiedObject('media_cdn', notification.notification, message, attributes, deps);
    });
}
