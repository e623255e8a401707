import type { CloudEvent } from '@google-cloud/functions-framework';
import { DEFAULT_OBJECT_BOUNDS } from '../shared/ingest/bounds';
import { readRecordBatches, type RawRecord, type RecordOptions } from '../shared/input/records';
import { ingestRecords } from '../shared/ingest/ingest-records';
import { deadLetterMessage, isBase64, runInvocation, type HandlerDeps } from './invocation';
import { messageBytes, type PubsubMessage } from './pubsub-message';

type MediaCdnLogsDeps = HandlerDeps;

/**
 * The records in a Cloud Logging sink message: one LogEntry, as Logging publishes it. A whole-text
 * parse comes first so a pretty-printed entry is still one record; anything else goes through the
 * JSON Lines / JSON array splitter, so a hand-published batch of entries works too. The one-entry
 * case is a plain array: ingestRecords reads it with no promise per step, which under the
 * framework's per-request domain is a measurable share of an invocation (see ingest-records.ts).
 */
function recordsOf(bytes: Buffer, options: RecordOptions): Iterable<RawRecord[]> | AsyncIterable<RawRecord[]> {
  const text = bytes.toString('utf8').trim();
  // The usual case, one compact LogEntry: no split, and parsed once (by ingestRecords).
  if (!text.includes('\n') && !text.startsWith('[')) return text ? [[{ line: 1, text, bytes: bytes.length }]] : [];
  if (text.startsWith('{')) {
    try {
      JSON.parse(text);
      return [[{ line: 1, text, bytes: bytes.length }]];
    } catch {
      // Not one (pretty-printed) JSON object: several lines of them.
    }
  }
  return readRecordBatches(
    (async function* () {
      yield bytes;
    })(),
    options,
  );
}

/** `mediaCdnLogs`: one Media CDN LogEntry per Pub/Sub message → edge_logs (insertId = event_id). */
export function createMediaCdnLogsHandler(deps: MediaCdnLogsDeps) {
  const bounds = deps.bounds ?? DEFAULT_OBJECT_BOUNDS;
  const recordOptions = { maxBytes: bounds.maxBytes, maxLines: bounds.maxLines };
  return (event: CloudEvent<unknown>): Promise<void> =>
    runInvocation('media_cdn', event, deps, async (message: PubsubMessage) => {
      const attributes = Object.keys(message.attributes).length > 0 ? { ...message.attributes } : null;
      if (!isBase64(message.data) || message.data === '') {
        const reason = message.data === '' ? 'message has no data' : 'message data is not base64';
        await deadLetterMessage(deps, { source: 'media_cdn', reason, messageId: message.messageId, payload: message.data, attributes });
        return { inserted: 0, deadLettered: 1, bytes: message.data.length };
      }
      const bytes = messageBytes(message);
      const origin = { source: 'media_cdn' as const, messageId: message.messageId, object: null, attributes };
      const result = await ingestRecords(recordsOf(bytes, recordOptions), origin, deps, { maxDeadLetters: bounds.maxDeadLetters });
      return { inserted: result.inserted, deadLettered: result.deadLettered, bytes: bytes.length };
    });
}
