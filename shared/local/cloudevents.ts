/**
 * CloudEvents as Eventarc delivers a Pub/Sub message to a gen2 function: HTTP binary content mode,
 * type google.cloud.pubsub.topic.v1.messagePublished, data = MessagePublishedData.
 */
interface PubSubDelivery {
  project: string;
  topic: string;
  messageId: string;
  data: Buffer | string;
  attributes?: Record<string, string>;
  publishTime: Date;
}

export interface HttpEvent {
  headers: Record<string, string>;
  /** Text, or bytes (a gzip EdgeOne push batch). */
  body: string | Blob;
}

export function messagePublishedEvent(d: PubSubDelivery): HttpEvent {
  const publishTime = d.publishTime.toISOString();
  return {
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': d.messageId,
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': `//pubsub.googleapis.com/projects/${d.project}/topics/${d.topic}`,
      'ce-time': publishTime,
    },
    body: JSON.stringify({
      message: {
        data: Buffer.from(d.data).toString('base64'),
        ...(d.attributes && Object.keys(d.attributes).length ? { attributes: d.attributes } : {}),
        messageId: d.messageId,
        publishTime,
      },
      subscription: `projects/${d.project}/subscriptions/${d.topic}-eventarc`,
    }),
  };
}

/**
 * A Cloud Storage OBJECT_FINALIZE notification (payload format JSON_API_V1): the object resource as
 * data, the object named in the attributes.
 */
export function objectFinalizeEvent(base: Omit<PubSubDelivery, 'data' | 'attributes'>, object: Record<string, string>): HttpEvent {
  return messagePublishedEvent({
    ...base,
    data: JSON.stringify(object),
    attributes: {
      notificationConfig: `projects/_/buckets/${object.bucket}/notificationConfigs/1`,
      eventType: 'OBJECT_FINALIZE',
      payloadFormat: 'JSON_API_V1',
      bucketId: object.bucket!,
      objectId: object.name!,
      objectGeneration: object.generation!,
      eventTime: object.updated ?? base.publishTime.toISOString(),
    },
  });
}
