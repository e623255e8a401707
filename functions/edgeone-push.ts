import type { Request, Response } from '@google-cloud/functions-framework';
import type { Logs } from '../shared/logging';
import { secretAccepted } from '../shared/push/auth';
import { CONTENT_ENCODING_ATTRIBUTE } from '../shared/input/content-encoding';
import { BatchError, bodyKind, compressPart, decodedBody, messageParts, tooLarge, MAX_PART_BYTES, PART_ENCODING } from '../shared/push/batch';
import type { Publish } from '../shared/push/publish';
import type { EdgeonePushSettings } from '../shared/push/settings';

export type HttpHandler = (req: Request, res: Response) => Promise<void>;

interface EdgeonePushDeps {
  settings: EdgeonePushSettings;
  publish: Publish;
  logs: Logs;
  /** ISO text for the receivedTime attribute. */
  now: () => string;
  /** Largest message data (tests make it small to exercise splitting). */
  maxPartBytes?: number;
}

/**
 * Headers the EdgeOne task may be configured to send besides the secret (README): the record count
 * (EdgeOne's `${batchSize}` variable) and the log type, both carried as message attributes.
 */
const BATCH_SIZE_HEADER = 'batchsize';
const LOG_TYPE_HEADER = 'logtype';

/** Media types a JSON array or JSON Lines body may be declared with; none means none was set. */
const READABLE_TYPES = new Set([
  'application/json',
  'application/x-ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/octet-stream',
  'text/plain',
]);

/**
 * The body as the framework read it (`rawBody`, already inflated when Content-Encoding said gzip),
 * or, when no parser took it (no Content-Type), read here up to the limit.
 */
async function requestBody(req: Request, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  if (req.readableEnded) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function attributesOf(req: Request, receivedTime: string): Record<string, string> {
  const attributes: Record<string, string> = { receivedTime, [CONTENT_ENCODING_ATTRIBUTE]: PART_ENCODING };
  const batchSize = req.get(BATCH_SIZE_HEADER)?.trim();
  if (batchSize && /^\d{1,9}$/.test(batchSize)) attributes.batchSize = batchSize;
  const logType = req.get(LOG_TYPE_HEADER)?.trim();
  if (logType && /^[A-Za-z0-9_-]{1,64}$/.test(logType)) attributes.logType = logType;
  return attributes;
}

/**
 * `edgeonePush`: EdgeOne's real-time log push ("HTTP server" destination) received directly. It
 * checks the secret header, reads the batch (JSON array or JSON Lines, plain or gzip, within the size
 * limits) and hands it to the EdgeOne topic, answering 200 only once Pub/Sub has acknowledged every
 * message; `edgeoneLogs` lands it from there like any inline batch. Nothing is parsed record by
 * record unless the batch must be split to fit Pub/Sub's message limit.
 */
export function createEdgeonePushHandler(deps: EdgeonePushDeps): HttpHandler {
  const { settings, logs } = deps;
  const maxPartBytes = deps.maxPartBytes ?? MAX_PART_BYTES;

  const refuse = (res: Response, status: number, reason: string, started: number): void => {
    logs.pushRefused({ status, reason, duration_ms: Date.now() - started });
    res.status(status).json({ error: reason });
  };

  return async (req, res) => {
    const started = Date.now();
    const presented = req.get(settings.header);
    if (!secretAccepted(presented, settings.secrets)) {
      // Nothing else: no hint of what is wrong beyond the status, and never the value.
      logs.pushRefused({ status: 401, reason: presented ? 'wrong secret' : `no ${settings.header} header`, duration_ms: Date.now() - started });
      res.status(401).send('unauthorized');
      return;
    }
    if (req.method !== 'POST') {
      res.set('Allow', 'POST');
      return refuse(res, 405, `method ${req.method} is not allowed: EdgeOne pushes with POST`, started);
    }
    const declared = Number(req.get('content-length'));
    if (declared > settings.maxRequestBytes) return refuse(res, 413, tooLarge(settings.maxRequestBytes, 'request body').message, started);
    const type = req.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (type && !READABLE_TYPES.has(type)) return refuse(res, 415, `content type ${type} cannot be read: send JSON (an array or JSON Lines)`, started);

    let parts: Buffer[];
    let decodedBytes: number;
    try {
      const body = await decodedBody(await requestBody(req, settings.maxDecodedBytes), settings.maxDecodedBytes);
      decodedBytes = body.length;
      parts = bodyKind(body) === 'empty' ? [] : await messageParts(body, maxPartBytes);
    } catch (err) {
      if (err instanceof BatchError) return refuse(res, err.status, err.message, started);
      throw err;
    }

    const attributes = attributesOf(req, deps.now());
    let messageIds: string[];
    try {
      // Pub/Sub keeps no order between messages without an ordering key: the parts are numbered.
      const data = await Promise.all(parts.map(compressPart));
      messageIds = await Promise.all(
        data.map((part, i) =>
          deps.publish({
            data: part,
            attributes: parts.length > 1 ? { ...attributes, batchPart: String(i + 1), batchParts: String(parts.length) } : attributes,
          }),
        ),
      );
    } catch (err) {
      // EdgeOne retries a failed push; the parts already published come again then, and land once
      // (event_id is the insertId and the dedup key).
      logs.error('edgeonePush: publish to Pub/Sub failed, answering 503 so EdgeOne retries', err, { status: 503, duration_ms: Date.now() - started });
      res.status(503).json({ error: 'the batch could not be handed to Pub/Sub; retry' });
      return;
    }
    logs.pushAccepted({
      messages: messageIds.length,
      decoded_bytes: decodedBytes,
      batch_size: attributes.batchSize ? Number(attributes.batchSize) : null,
      log_type: attributes.logType ?? null,
      duration_ms: Date.now() - started,
    });
    res.status(200).json({ messages: messageIds.length, message_ids: messageIds });
  };
}
