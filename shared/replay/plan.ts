import { CONTENT_ENCODING_ATTRIBUTE } from '../input/content-encoding';
import { EdgeLogRow } from '../schema/edge-log';

/** A dead letter as replay needs it (a subset of ingest_errors). */
export interface DeadLetter {
  error_id: string;
  error_time: string;
  source: string;
  stage: string;
  reason: string;
  message_id: string | null;
  object: string | null;
  payload: string | null;
  payload_truncated: boolean;
  /** JSON text (or an already-parsed object) of the original message attributes and context. */
  attributes: string | Record<string, unknown> | null;
}

export interface ReplayFilter {
  /** Only dead letters recorded at or after this time. */
  since?: Date;
  /** media_cdn or edgeone. */
  source?: string;
  /** Case-insensitive substring of the reason. */
  reason?: string;
}

export interface ReplayMessage {
  errorId: string;
  source: string;
  topic: string;
  data: Buffer;
  attributes: Record<string, string>;
}

type SkipReason = 'truncated' | 'no payload' | 'payload is a normalized row, not a source record' | 'no topic for source';

export interface ReplayPlan {
  send: ReplayMessage[];
  skipped: { errorId: string; source: string; why: SkipReason }[];
}

/** Cloud Storage notification attributes: a replayed payload must not pose as an object notification. */
const NOTIFICATION_ATTRIBUTES = new Set([
  'bucketId',
  'objectId',
  'objectGeneration',
  'eventType',
  'eventTime',
  'payloadFormat',
  'notificationConfig',
  'overwroteGeneration',
  'overwrittenByGeneration',
]);

const REPLAY_ATTRIBUTE = 'cdnlog_replay_of';

function originalAttributes(value: DeadLetter['attributes']): Record<string, string> {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return {};
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const out: Record<string, string> = {};
  // The payload is the record's text: the original message's compression does not apply to it.
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' && !NOTIFICATION_ATTRIBUTES.has(k) && k !== CONTENT_ENCODING_ATTRIBUTE) out[k] = v;
  return out;
}

/**
 * Whether a payload is a unified row rather than a source record: what a warehouse-refused row's
 * dead letter carried before the sinks kept the source record (no vendor record has these columns).
 */
function isNormalizedRow(payload: string): boolean {
  try {
    return EdgeLogRow.safeParse(JSON.parse(payload)).success;
  } catch {
    return false;
  }
}

/**
 * Decides what replay sends: each dead letter's payload, as the data of one message to its source's
 * topic, with its original attributes (minus storage-notification ones, so an EdgeOne line is
 * ingested from the message itself instead of re-reading the whole object) and the dead letter's id.
 * Every stage is replayable, rows the warehouse refused (stage insert) included: their payload is
 * the source record. Truncated payloads are not the record any more and are skipped; so are the
 * insert letters of older versions, whose payload is the normalized row.
 */
export function planReplay(letters: readonly DeadLetter[], topics: (source: string) => string | undefined): ReplayPlan {
  const plan: ReplayPlan = { send: [], skipped: [] };
  for (const l of letters) {
    const skip = (why: SkipReason) => plan.skipped.push({ errorId: l.error_id, source: l.source, why });
    if (l.payload_truncated) skip('truncated');
    else if (l.payload === null || l.payload === '') skip('no payload');
    else if (l.stage === 'insert' && isNormalizedRow(l.payload)) skip('payload is a normalized row, not a source record');
    else {
      const topic = topics(l.source);
      if (!topic) skip('no topic for source');
      else {
        plan.send.push({
          errorId: l.error_id,
          source: l.source,
          topic,
          data: Buffer.from(l.payload),
          attributes: { ...originalAttributes(l.attributes), [REPLAY_ATTRIBUTE]: l.error_id },
        });
      }
    }
  }
  return plan;
}

/** Topic ids Terraform creates with the default name_prefix ("cdnlog"). */
export const DEFAULT_TOPICS: Record<string, string> = {
  media_cdn: 'cdnlog-media-cdn-logs',
  edgeone: 'cdnlog-edgeone-logs',
};
