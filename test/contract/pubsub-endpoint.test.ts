import type { PubSub } from '@google-cloud/pubsub';
import { createPubSub } from '../../shared/gcp/pubsub';
import { withoutGoogleCredentials } from './adc-guard';
import { startPubSubEndpoint, type PubSubEndpoint } from './pubsub-endpoint';

const TOPIC = 'projects/test-project/topics/cdn-logs';

describe('Pub/Sub client against the local Pub/Sub gRPC contract endpoint', () => {
  withoutGoogleCredentials();
  let endpoint: PubSubEndpoint;
  let pubsub: PubSub;

  beforeEach(async () => {
    endpoint = await startPubSubEndpoint({ topics: [TOPIC] });
    pubsub = createPubSub({ project: 'test-project', endpoints: { pubsub: endpoint.url } });
  });
  afterEach(async () => {
    await pubsub.close();
    await endpoint.close();
  });

  it('publishes with no credentials, ADC or metadata server available and returns the message id', async () => {
    const id = await pubsub.topic('cdn-logs').publishMessage({ data: Buffer.from('{"a":1}'), attributes: { vendor: 'edgeone' } });
    expect(endpoint.messages(TOPIC)).toEqual([{ messageId: id, data: Buffer.from('{"a":1}'), attributes: { vendor: 'edgeone' }, orderingKey: '' }]);
  });

  it('carries ordering keys when message ordering is enabled', async () => {
    const topic = pubsub.topic('cdn-logs', { messageOrdering: true });
    await Promise.all(['1', '2', '3'].map((n) => topic.publishMessage({ data: Buffer.from(n), orderingKey: 'edge-1' })));
    expect(endpoint.messages('cdn-logs').map((m) => [m.data.toString(), m.orderingKey])).toEqual([
      ['1', 'edge-1'],
      ['2', 'edge-1'],
      ['3', 'edge-1'],
    ]);
  });

  it('fails with NOT_FOUND for an unknown topic', async () => {
    await expect(pubsub.topic('nope').publishMessage({ data: Buffer.from('x') })).rejects.toMatchObject({ code: 5 });
  });

  it('retries UNAVAILABLE inside the client (gax publish retry settings) and then succeeds', async () => {
    endpoint.failNext(2);
    await pubsub.topic('cdn-logs').publishMessage({ data: Buffer.from('x') });
    expect(endpoint.publishCalls).toBe(3);
    expect(endpoint.messages(TOPIC)).toHaveLength(1);
  });

  it('creates and gets topics', async () => {
    const [topic] = await pubsub.createTopic('fresh');
    expect(topic.name).toBe('projects/test-project/topics/fresh');
    const [exists] = await pubsub.topic('fresh').exists();
    expect(exists).toBe(true);
  });
});
