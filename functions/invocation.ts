import type { CloudEvent } from '@google-cloud/functions-framework';
import type { ObjectBounds } from '../shared/ingest/bounds';
import type { Logs } from '../shared/logging';
import type { Source } from '../shared/schema/edge-log';
import type { Counts } from '../shared/sink/counts';
import { buildDeadLetter, type DeadLetterInput } from '../shared/sink/dead-letter';
import type { RowSink } from '../shared/sink/types';
import { decodeMessagePublished, type PubsubMessage } from './pubsub-message';

export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/** What every handler needs; built once per instance (see runtime.ts). */
export interface HandlerDeps {
  sink: RowSink;
  logs: Logs;
  /** ISO text for ingest_time / error_time. */
  now: () => string;
  /** Work per object or message (default DEFAULT_OBJECT_BOUNDS). */
  bounds?: ObjectBounds;
}

/** What an invocation's body reports for its log line: its counts, and the object it read, if any. */
export type InvocationCounts = Pick<Counts, 'inserted' | 'deadLettered' | 'bytes'> & { object?: string | null };

/**
 * What a failed invocation throws to the framework, in place of the error itself: the framework
 * prints what it gets and, outside production mode, answers with it, and an error's message may
 * quote a payload (a JSON.parse message quotes the text). The error is logged, once, by us.
 */
class InvocationFailedError extends Error {
  override name = 'InvocationFailedError';
}

function failed(source: string, messageId: string | null): InvocationFailedError {
  return new InvocationFailedError(`${source} message ${messageId ?? '(no id)'} failed and will be redelivered; see its ERROR log line`);
}

/**
 * Dead-letters a whole message that cannot be read at all (stage decode): one ingest_errors row,
 * logged, written before returning.
 */
export async function deadLetterMessage(
  deps: HandlerDeps,
  message: Required<Pick<DeadLetterInput, 'source' | 'reason' | 'messageId' | 'payload' | 'attributes'>>,
): Promise<void> {
  const letter = buildDeadLetter({ ...message, stage: 'decode', now: deps.now() });
  deps.logs.deadLettered({
    source: message.source,
    stage: 'decode',
    reason: message.reason,
    message_id: message.messageId,
    object: null,
    payload: message.payload,
  });
  await deps.sink.writeErrors([letter]);
}

/**
 * The frame shared by both functions: decode the CloudEvent, run the body, log one summary line.
 * An event that is not a Pub/Sub message becomes a dead letter (stage decode) and the invocation
 * succeeds — redelivering it would never help. Errors thrown by the body (transient sink failures,
 * refused requests) are logged and replaced by an InvocationFailedError, so the framework answers
 * non-2xx, echoing nothing of the input, and Pub/Sub redelivers.
 */
export async function runInvocation(
  source: Source,
  event: CloudEvent<unknown>,
  deps: HandlerDeps,
  body: (message: PubsubMessage) => Promise<InvocationCounts>,
): Promise<void> {
  const started = Date.now();
  const decoded = decodeMessagePublished(event.data);
  if (event.type && event.type !== MESSAGE_PUBLISHED) {
    deps.logs.envelopeWarning({ source, message_id: event.id ?? null, problem: `unexpected CloudEvent type ${event.type}` });
  }
  if (!decoded.ok) {
    const messageId = event.id ?? null;
    try {
      await deadLetterMessage(deps, {
        source,
        reason: decoded.error,
        messageId,
        payload: decoded.payload,
        attributes: { ce_type: event.type, ce_source: event.source },
      });
    } catch (err) {
      deps.logs.invocationFailed(source, messageId, err, Date.now() - started);
      throw failed(source, messageId);
    }
    deps.logs.invocationDone({ source, message_id: messageId, rows_inserted: 0, dead_lettered: 1, bytes: 0, duration_ms: Date.now() - started });
    return;
  }
  const message = decoded.message;
  let counts: InvocationCounts;
  try {
    counts = await body(message);
  } catch (err) {
    deps.logs.invocationFailed(source, message.messageId, err, Date.now() - started);
    throw failed(source, message.messageId);
  }
  deps.logs.invocationDone({
    source,
    message_id: message.messageId,
    ...(counts.object !== undefined ? { object: counts.object } : {}),
    rows_inserted: counts.inserted,
    dead_lettered: counts.deadLettered,
    bytes: counts.bytes,
    duration_ms: Date.now() - started,
  });
}

/**
 * Strict base64 (standard or URL-safe alphabet), whitespace allowed anywhere: Buffer.from would
 * quietly skip junk characters. One pass over the text, with no whitespace-free copy made first.
 */
const BASE64 = /^[A-Za-z0-9+/_\s-]*(?:=\s*){0,2}$/;

export function isBase64(text: string): boolean {
  return BASE64.test(text);
}
