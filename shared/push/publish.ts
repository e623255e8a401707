import { createPubSub } from '../gcp/pubsub';
import type { EdgeonePushSettings } from './settings';

/** One Pub/Sub message as the receiver hands it off. */
export interface OutgoingMessage {
  data: Buffer;
  attributes: Record<string, string>;
}

/** Publishes one message; resolves with its id once Pub/Sub has acknowledged it. */
export type Publish = (message: OutgoingMessage) => Promise<string>;

/**
 * Longest a publish may take, the client's own retries of transient errors included (gax sets it as
 * the total retry timeout; the library's default is 600 s): well inside the function's 60 s, so a
 * Pub/Sub outage is answered 503 by the receiver rather than 504 by Cloud Run.
 */
const PUBLISH_TIMEOUT_MS = 30_000;

/**
 * A publisher bound to the EdgeOne topic. createPubSub loads the client library on first use, so
 * the functions that never publish do not load it. Batching waits at most 5 ms: concurrent requests
 * share Publish calls, and EdgeOne waits for the answer, so no longer.
 */
export async function createTopicPublisher(settings: EdgeonePushSettings): Promise<{ publish: Publish; close: () => Promise<void> }> {
  const pubsub = createPubSub({ project: settings.project, endpoints: settings.pubsubEmulatorHost ? { pubsub: settings.pubsubEmulatorHost } : {} });
  const topic = pubsub.topic(settings.topic, { batching: { maxMessages: 100, maxMilliseconds: 5 }, gaxOpts: { timeout: PUBLISH_TIMEOUT_MS } });
  return {
    publish: (message) => topic.publishMessage(message),
    close: async () => {
      await topic.flush().catch(() => {});
      await pubsub.close();
    },
  };
}
