import { z } from 'zod';

/**
 * `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent data (MessagePublishedData). Pub/Sub
 * push envelopes also carry `message_id` / `publish_time` in snake_case; either spelling is taken.
 */
const PubsubMessageWire = z.object({
  data: z.string().optional(),
  attributes: z.record(z.string(), z.string()).nullish(),
  messageId: z.string().optional(),
  message_id: z.string().optional(),
  publishTime: z.string().optional(),
  publish_time: z.string().optional(),
  orderingKey: z.string().optional(),
});

export const MessagePublishedData = z.object({
  message: PubsubMessageWire,
  subscription: z.string().optional(),
});

export interface PubsubMessage {
  /** Base64 text as delivered ('' when the message had no data). */
  data: string;
  attributes: Record<string, string>;
  messageId: string | null;
  publishTime: string | null;
  orderingKey: string | null;
  subscription: string | null;
}

type DecodedEvent = { ok: true; message: PubsubMessage } | { ok: false; error: string; payload: string | null };

/** Reads CloudEvent data into a PubsubMessage, or says why it is not one (never throws). */
export function decodeMessagePublished(data: unknown): DecodedEvent {
  let value = data;
  // A body the framework did not parse as JSON (wrong content type) arrives as text or bytes.
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, error: 'CloudEvent data is not JSON', payload: value as string };
    }
  }
  const parsed = MessagePublishedData.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, error: `CloudEvent data is not MessagePublishedData: ${issues}`, payload: safeStringify(value) };
  }
  const m = parsed.data.message;
  return {
    ok: true,
    message: {
      data: m.data ?? '',
      // Copied into a null-prototype object: attribute names come from publishers, `__proto__` included.
      attributes: Object.assign(Object.create(null) as Record<string, string>, m.attributes ?? {}),
      messageId: m.messageId ?? m.message_id ?? null,
      publishTime: m.publishTime ?? m.publish_time ?? null,
      orderingKey: m.orderingKey || null,
      subscription: parsed.data.subscription ?? null,
    },
  };
}

/** The message payload bytes (base64 decoded). */
export function messageBytes(message: PubsubMessage): Buffer {
  return Buffer.from(message.data, 'base64');
}

function safeStringify(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

/** GCS notification attributes (https://cloud.google.com/storage/docs/pubsub-notifications). */
export interface StorageNotification {
  bucketId: string;
  objectId: string;
  objectGeneration: string | null;
  eventType: string;
  payloadFormat: string | null;
}

/** Bucket names: 3-222 characters of lowercase letters, digits, `-`, `_` and `.`, a letter or digit at each end. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
/** Control characters, CR and LF included: not allowed in object names (Cloud Storage naming rules). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const GENERATION = /^\d{1,20}$/;

type NotificationAttributes = { ok: true; notification: StorageNotification } | { ok: false; error: string };

/** What is wrong with a notification's names, or null (Cloud Storage's bucket and object naming rules). */
function namingProblem(bucketId: string, objectId: string, generation: string | null): string | null {
  if (!BUCKET_NAME.test(bucketId) || bucketId.split('.').some((part) => part.length === 0 || part.length > 63)) return 'bucketId is not a valid bucket name';
  if (Buffer.byteLength(objectId) > 1024) return 'objectId is longer than 1024 bytes';
  if (objectId === '.' || objectId === '..' || CONTROL.test(objectId)) return 'objectId is not a valid object name';
  if (generation !== null && !GENERATION.test(generation)) return 'objectGeneration is not a generation number';
  return null;
}

/**
 * The notification, when the message's attributes say it is one (null when they do not), checked
 * before anything is requested with it: names that are not valid bucket or object names are
 * refused here, and the rest is URL-encoded where the request is built (shared/gcp/download.ts).
 */
export function storageNotification(attributes: Record<string, string>): NotificationAttributes | null {
  const { bucketId, objectId, eventType } = attributes;
  if (!bucketId || !objectId || !eventType) return null;
  const generation = attributes.objectGeneration || null;
  const problem = namingProblem(bucketId, objectId, generation);
  if (problem) return { ok: false, error: `storage notification: ${problem}` };
  return {
    ok: true,
    notification: { bucketId, objectId, eventType, objectGeneration: generation, payloadFormat: attributes.payloadFormat || null },
  };
}

/** `gs://bucket/object#generation`, the prefix of a dead letter's `object` column. */
export function objectUri(n: StorageNotification): string {
  return `gs://${n.bucketId}/${n.objectId}${n.objectGeneration ? `#${n.objectGeneration}` : ''}`;
}
