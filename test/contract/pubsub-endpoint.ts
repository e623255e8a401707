import { dirname, join } from 'node:path';
// Both come with @google-cloud/pubsub (via google-gax) at the versions the client itself uses;
// they are not direct dependencies of cdnlog (see report).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** A message as the Publisher service received it. */
export interface PublishedMessage {
  messageId: string;
  data: Buffer;
  attributes: Record<string, string>;
  orderingKey: string;
}

interface PublishRequest {
  topic: string;
  messages: Array<{ data?: Buffer; attributes?: Record<string, string>; orderingKey?: string }>;
}

type Unary<Req, Res> = grpc.handleUnaryCall<Req, Res>;

/** The pubsub.proto shipped inside @google-cloud/pubsub, with google/api imports from google-gax. */
function loadPublisherService(): grpc.ServiceDefinition {
  const pubsubRoot = join(dirname(require.resolve('@google-cloud/pubsub/package.json')), 'build', 'protos');
  // google-gax has an exports map without package.json; its entry is build/src/index.js.
  const gaxRoot = join(dirname(require.resolve('google-gax')), '..', 'protos');
  const definition = protoLoader.loadSync('google/pubsub/v1/pubsub.proto', {
    includeDirs: [pubsubRoot, gaxRoot],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    google: { pubsub: { v1: { Publisher: { service: grpc.ServiceDefinition } } } };
  };
  return pkg.google.pubsub.v1.Publisher.service;
}

/**
 * Local gRPC endpoint implementing the google.pubsub.v1.Publisher calls @google-cloud/pubsub makes
 * to publish (Publish, plus CreateTopic/GetTopic), recording messages per topic.
 */
export async function startPubSubEndpoint(options: { topics?: string[]; keepMessages?: boolean } = {}) {
  // Benchmarks publishing gigabytes count messages instead of keeping them.
  const keepMessages = options.keepMessages ?? true;
  let messageCount = 0;
  // Full topic names that exist; undefined = accept any topic (as if every topic existed).
  const known = options.topics ? new Set<string>(options.topics) : undefined;
  const published = new Map<string, PublishedMessage[]>();
  const failures: grpc.status[] = [];
  let publishCalls = 0;
  let nextId = 1;

  const topicNotFound = (topic: string) => ({ code: grpc.status.NOT_FOUND, details: `Resource not found (resource=${topic.split('/').pop()}).` });

  const publish: Unary<PublishRequest, { messageIds: string[] }> = (call, callback) => {
    publishCalls++;
    const code = failures.shift();
    if (code !== undefined) return callback({ code, details: `Injected ${grpc.status[code]}` });
    const { topic, messages } = call.request;
    if (known && !known.has(topic)) return callback(topicNotFound(topic));
    if (!messages.length) return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'No messages to publish.' });
    const list = published.get(topic) ?? [];
    published.set(topic, list);
    messageCount += messages.length;
    const messageIds = messages.map((m) => {
      const messageId = String(nextId++);
      if (keepMessages) list.push({ messageId, data: Buffer.from(m.data ?? []), attributes: { ...(m.attributes ?? {}) }, orderingKey: m.orderingKey ?? '' });
      return messageId;
    });
    callback(null, { messageIds });
  };

  const createTopic: Unary<{ name: string }, { name: string }> = (call, callback) => {
    if (known?.has(call.request.name)) return callback({ code: grpc.status.ALREADY_EXISTS, details: 'Topic already exists' });
    known?.add(call.request.name);
    callback(null, { name: call.request.name });
  };

  const getTopic: Unary<{ topic: string }, { name: string }> = (call, callback) => {
    if (known && !known.has(call.request.topic)) return callback(topicNotFound(call.request.topic));
    callback(null, { name: call.request.topic });
  };

  const unimplemented: grpc.UntypedHandleCall = (_call: unknown, callback: unknown) =>
    (callback as grpc.sendUnaryData<unknown>)({ code: grpc.status.UNIMPLEMENTED, details: 'Not part of this contract endpoint' });

  const service = loadPublisherService();
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of Object.keys(service)) handlers[method] = unimplemented;
  Object.assign(handlers, { Publish: publish, CreateTopic: createTopic, GetTopic: getTopic });

  const server = new grpc.Server();
  server.addService(service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );

  return {
    /** Value for PUBSUB_EMULATOR_HOST (host:port; the client then uses an insecure channel). */
    url: `127.0.0.1:${port}`,
    /** Messages published to a topic, by full name or short id. */
    messages: (topic: string): PublishedMessage[] => [
      ...(published.get(topic) ?? [...published].find(([name]) => name.endsWith(`/topics/${topic}`))?.[1] ?? []),
    ],
    get publishCalls() {
      return publishCalls;
    },
    /** Messages published to any topic, kept or not. */
    get messageCount() {
      return messageCount;
    },
    /** Registers a topic (only meaningful when started with `topics`, i.e. strict topic checking). */
    addTopic: (name: string) => void known?.add(name),
    /** The next n Publish calls fail with this gRPC status (default UNAVAILABLE). */
    failNext: (n: number, code: grpc.status = grpc.status.UNAVAILABLE) => {
      for (let i = 0; i < n; i++) failures.push(code);
    },
    // Force: client channels stay open until the PubSub object is closed, which tests may not do.
    close: async () => server.forceShutdown(),
  };
}

export type PubSubEndpoint = Awaited<ReturnType<typeof startPubSubEndpoint>>;
