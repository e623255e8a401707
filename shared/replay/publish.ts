import type { PubSub } from '@google-cloud/pubsub';
import type { ReplayMessage } from './plan';

export interface Published {
  errorId: string;
  topic: string;
  messageId: string;
}

/** Publishes the messages (the client batches them per topic) and resolves with their new ids. */
export async function publishReplay(pubsub: PubSub, messages: readonly ReplayMessage[]): Promise<Published[]> {
  const topics = new Map<string, ReturnType<PubSub['topic']>>();
  const topic = (name: string) => {
    let t = topics.get(name);
    if (!t) {
      t = pubsub.topic(name);
      topics.set(name, t);
    }
    return t;
  };
  try {
    return await Promise.all(
      messages.map(async (m) => ({
        errorId: m.errorId,
        topic: m.topic,
        messageId: await topic(m.topic).publishMessage({ data: m.data, attributes: m.attributes }),
      })),
    );
  } finally {
    await Promise.all([...topics.values()].map((t) => t.flush().catch(() => {})));
  }
}
