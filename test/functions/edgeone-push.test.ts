import { brotliDecompressSync, gzipSync } from 'node:zlib';
import { status as grpcStatus } from '@grpc/grpc-js';
import { generateEdgeoneL4 } from '../../shared/generate/edgeone-l4';
import { generateEdgeoneL7 } from '../../shared/generate/edgeone-l7';
import { normalizeEdgeone } from '../../shared/normalizers';
import { withoutGoogleCredentials } from '../contract/adc-guard';
import { startPubSubEndpoint, type PubSubEndpoint, type PublishedMessage } from '../contract/pubsub-endpoint';
import { requireVmModules } from '../contract/vm-modules-guard';
import { ERRORS_TABLE, messagePublished, PROJECT, ROWS_TABLE, startFunctions, type FunctionsHarness } from './harness';

const TOPIC_ID = 'cdnlog-edgeone-logs';
const TOPIC = `projects/${PROJECT}/topics/${TOPIC_ID}`;
const SECRET = 'current-secret-0123456789abcdef';
const PREVIOUS = 'previous-secret-0123456789abcdef';
const HEADER = 'X-Cdnlog-Token';

function eventIdOf(record: unknown): string {
  const r = normalizeEdgeone(record, { now: () => '2000-01-01T00:00:00Z' });
  if (!r.ok) throw new Error(r.error);
  return r.row.event_id;
}

const lines = (records: object[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;

/** fetch's body types want a Uint8Array over a plain ArrayBuffer, which a Buffer does not promise. */
const bodyInit = (body: Buffer | string): string | Blob => (typeof body === 'string' ? body : new Blob([new Uint8Array(body)]));

/** The batch a message carries, as edgeoneLogs will read it (brotli, as its contentEncoding attribute says). */
const dataOf = (m: PublishedMessage) => {
  expect(m.attributes.contentEncoding).toBe('br');
  return brotliDecompressSync(m.data).toString('utf8');
};

describe('edgeonePush under the functions framework, publishing with the real Pub/Sub client to the local Pub/Sub gRPC contract endpoint', () => {
  requireVmModules();
  withoutGoogleCredentials();
  let pubsub: PubSubEndpoint;
  let fx: FunctionsHarness;

  async function start(env: Record<string, string> = {}): Promise<void> {
    fx = await startFunctions('edgeonePush', {
      PUBSUB_EMULATOR_HOST: pubsub.url,
      EDGEONE_TOPIC: TOPIC_ID,
      EDGEONE_PUSH_HEADER: HEADER,
      EDGEONE_PUSH_SECRET: `${SECRET}\n`, // as `echo ... | gcloud secrets versions add` stores it
      ...env,
    });
  }

  const push = async (body: Buffer | string, headers: Record<string, string> = {}, method = 'POST') => {
    const res = await fetch(fx.url, {
      method,
      headers: { [HEADER]: SECRET, 'content-type': 'application/json', ...headers },
      body: method === 'GET' ? undefined : bodyInit(body),
    });
    return { status: res.status, text: await res.text(), allow: res.headers.get('allow') };
  };

  beforeEach(async () => {
    pubsub = await startPubSubEndpoint({ topics: [TOPIC] });
  });
  afterEach(async () => {
    await fx?.close();
    await pubsub.close();
  });

  it('publishes a JSON array batch as one brotli message with receivedTime, batchSize and logType, and answers 200 after the ack', async () => {
    await start();
    const records = [...generateEdgeoneL7({ count: 50, seed: 'array' })];
    const body = JSON.stringify(records);
    const res = await push(body, { BatchSize: '50', LogType: 'l7-access-logs' });
    expect(res.status).toBe(200);
    const published = pubsub.messages(TOPIC);
    expect(published).toHaveLength(1);
    expect(JSON.parse(res.text)).toEqual({ messages: 1, message_ids: [published[0]!.messageId] });
    expect(dataOf(published[0]!)).toBe(body);
    expect(published[0]!.attributes).toEqual({
      receivedTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      contentEncoding: 'br',
      batchSize: '50',
      logType: 'l7-access-logs',
    });
  });

  it('publishes JSON Lines, plain and gzip (declared with Content-Encoding, or only told by its magic bytes)', async () => {
    await start();
    const body = lines([...generateEdgeoneL4({ count: 30, seed: 'lines' })]);
    const plain = await push(body, { 'content-type': 'application/x-ndjson' });
    const declared = await push(gzipSync(body), { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' });
    const undeclared = await push(gzipSync(body), { 'content-type': 'application/octet-stream' });
    expect([plain.status, declared.status, undeclared.status]).toEqual([200, 200, 200]);
    expect(pubsub.messages(TOPIC).map(dataOf)).toEqual([body, body, body]);
  });

  it('reads a body sent without Content-Type (no framework parser takes it) within the same limit', async () => {
    await start({ EDGEONE_PUSH_MAX_DECODED_BYTES: '4096' });
    const small = lines([...generateEdgeoneL7({ count: 2, seed: 'untyped' })]);
    const send = (body: string) => fetch(fx.url, { method: 'POST', headers: { [HEADER]: SECRET }, body: new Blob([body]) });
    const ok = await send(small);
    const big = await send(small.repeat(10));
    expect([ok.status, big.status]).toEqual([200, 413]);
    expect(pubsub.messages(TOPIC).map(dataOf)).toEqual([small]);
  });

  it('answers 500 while its secret is missing, says why in the log only, and recovers once it is set', async () => {
    await start({ EDGEONE_PUSH_SECRET: '' });
    const res = await push('[]');
    expect([res.status, res.text]).toEqual([500, 'receiver is not configured']);
    expect(fx.logs.some((l) => String(l.message).includes('EDGEONE_PUSH_SECRET is not set'))).toBe(true);
    process.env.EDGEONE_PUSH_SECRET = SECRET; // a failed start is retried on the next request
    expect((await push('[]')).status).toBe(200);
  });

  it('answers the test record EdgeOne sends when the task is created like any other batch', async () => {
    await start();
    const [record] = [...generateEdgeoneL7({ count: 1, seed: 'test-record' })];
    const res = await push(JSON.stringify([record]), { BatchSize: '1' });
    expect(res.status).toBe(200);
    expect(pubsub.messages(TOPIC).map(dataOf)).toEqual([JSON.stringify([record])]);
  });

  it('acknowledges an empty batch without publishing anything', async () => {
    await start();
    expect((await push('[]')).status).toBe(200);
    expect((await push('', { 'content-type': 'application/x-ndjson' })).status).toBe(200);
    expect(pubsub.publishCalls).toBe(0);
  });

  it('answers 401 and nothing else to a wrong or missing secret, and never logs the value', async () => {
    await start();
    const body = JSON.stringify([...generateEdgeoneL7({ count: 2, seed: 'auth' })]);
    const wrong = await push(body, { [HEADER]: 'not-the-secret-0123456789' });
    const missing = await fetch(fx.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const prefix = await push(body, { [HEADER]: SECRET.slice(0, -1) });
    expect([wrong.status, missing.status, prefix.status]).toEqual([401, 401, 401]);
    expect([wrong.text, await missing.text()]).toEqual(['unauthorized', 'unauthorized']);
    // Even a request that would be refused for another reason learns nothing before authenticating.
    expect((await push('x', { [HEADER]: 'nope', 'content-type': 'text/csv' }, 'PUT')).status).toBe(401);
    expect(pubsub.publishCalls).toBe(0);
    const refusals = fx.logs.filter((l) => l.status === 401);
    expect(refusals.map((l) => l.reason)).toEqual(['wrong secret', `no ${HEADER.toLowerCase()} header`, 'wrong secret', 'wrong secret']);
    expect(JSON.stringify(fx.logs)).not.toContain(SECRET.slice(0, 12));
  });

  it('accepts the current and the previous secret during a rotation, and no other', async () => {
    await start({ EDGEONE_PUSH_SECRET_PREVIOUS: PREVIOUS });
    const body = JSON.stringify([...generateEdgeoneL7({ count: 1, seed: 'rotate' })]);
    const statuses = [];
    for (const secret of [SECRET, PREVIOUS, 'an-older-secret-0123456789']) statuses.push((await push(body, { [HEADER]: secret })).status);
    expect(statuses).toEqual([200, 200, 401]);
    expect(pubsub.messages(TOPIC)).toHaveLength(2);
  });

  it('refuses other methods (405), unreadable content types (415) and bodies that are not JSON (400)', async () => {
    await start();
    const get = await push('', {}, 'GET');
    expect([get.status, get.allow]).toEqual([405, 'POST']);
    const csv = await push('a,b,c\n1,2,3\n', { 'content-type': 'text/csv' });
    expect(csv.status).toBe(415);
    expect(JSON.parse(csv.text).error).toContain('text/csv');
    const notJson = await push('RequestID,RequestTime\n1,2\n', { 'content-type': 'text/plain' });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.text).error).toContain('log format to JSON');
    const corrupt = await push(gzipSync(lines([{ a: 1 }])).subarray(0, 20), { 'content-type': 'application/octet-stream' });
    expect(corrupt.status).toBe(400);
    expect(pubsub.publishCalls).toBe(0);
  });

  it("JSON Lines labelled application/json is refused (400) by the framework's JSON parser before the function runs, as the README warns", async () => {
    await start();
    const body = lines([...generateEdgeoneL7({ count: 2, seed: 'label' })]);
    expect((await push(body, { 'content-type': 'application/json' })).status).toBe(400);
    expect((await push(body, { 'content-type': 'application/x-ndjson' })).status).toBe(200);
    expect(pubsub.messages(TOPIC)).toHaveLength(1);
  });

  it('answers 413 naming the limit for a request body over EDGEONE_PUSH_MAX_REQUEST_BYTES', async () => {
    await start({ EDGEONE_PUSH_MAX_REQUEST_BYTES: '4096' });
    const res = await push(JSON.stringify([...generateEdgeoneL7({ count: 20, seed: 'big' })]));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error).toBe('request body is larger than the limit of 4096 bytes');
    expect(pubsub.publishCalls).toBe(0);
  });

  it('answers 413 naming the limit for a gzip bomb, declared or not, without publishing', async () => {
    await start({ EDGEONE_PUSH_MAX_DECODED_BYTES: String(1024 * 1024) });
    const bomb = gzipSync(Buffer.alloc(48 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const undeclared = await push(bomb, { 'content-type': 'application/octet-stream' });
    const declared = await push(bomb, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
    expect([undeclared.status, declared.status]).toEqual([413, 413]);
    expect(JSON.parse(undeclared.text).error).toBe('decoded body is larger than the limit of 1048576 bytes');
    expect(pubsub.publishCalls).toBe(0);
  });

  it('answers 503 when Pub/Sub refuses the publish, so EdgeOne retries; nothing was acknowledged', async () => {
    await start();
    pubsub.failNext(1, grpcStatus.PERMISSION_DENIED);
    const body = JSON.stringify([...generateEdgeoneL7({ count: 5, seed: 'fail' })]);
    const res = await push(body);
    expect(res.status).toBe(503);
    expect(pubsub.messages(TOPIC)).toHaveLength(0);
    // EdgeOne's retry goes through.
    expect((await push(body)).status).toBe(200);
    expect(pubsub.messages(TOPIC).map(dataOf)).toEqual([body]);
  });

  it('rides out UNAVAILABLE inside the Pub/Sub client and answers 200', async () => {
    await start();
    pubsub.failNext(2, grpcStatus.UNAVAILABLE);
    expect((await push(JSON.stringify([...generateEdgeoneL7({ count: 3, seed: 'retry' })]))).status).toBe(200);
    expect(pubsub.messages(TOPIC)).toHaveLength(1);
  });

  it('splits a batch larger than a Pub/Sub message into JSON Lines parts of whole records', async () => {
    await start();
    const records = [...generateEdgeoneL7({ count: 11_000, seed: 'split' })];
    const body = JSON.stringify(records);
    expect(body.length).toBeGreaterThan(8 * 1024 * 1024);
    const res = await push(gzipSync(body), { 'content-encoding': 'gzip', BatchSize: '11000' });
    expect(res.status).toBe(200);
    // Pub/Sub keeps no order between messages: the parts say theirs.
    const published = pubsub.messages(TOPIC).sort((a, b) => Number(a.attributes.batchPart) - Number(b.attributes.batchPart));
    expect(published.length).toBeGreaterThan(1);
    for (const [i, m] of published.entries()) {
      expect(m.data.length).toBeLessThan(10_000_000);
      expect(m.attributes).toMatchObject({ batchSize: '11000', batchPart: String(i + 1), batchParts: String(published.length) });
    }
    const back = published.flatMap((m) =>
      dataOf(m)
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as object),
    );
    expect(back).toEqual(records);
  });
});

describe('edgeonePush → Pub/Sub → edgeoneLogs → the local BigQuery REST contract endpoint', () => {
  requireVmModules();
  withoutGoogleCredentials();

  /** The event_ids edgeoneLogs lands in a fresh warehouse while `deliver` runs. */
  async function landedEventIds(deliver: (fx: FunctionsHarness) => Promise<void>): Promise<string[]> {
    const fx = await startFunctions('edgeoneLogs', { UPLOAD_BUCKET: 'uploads' });
    try {
      await deliver(fx);
      return fx.bigquery
        .rows(ROWS_TABLE)
        .map((r) => String(r.event_id))
        .sort();
    } finally {
      await fx.close();
    }
  }

  it('lands pushed records (JSON array and gzip JSON Lines) with the same event_ids as the upload path', async () => {
    const l7 = [...generateEdgeoneL7({ count: 40, seed: 'e2e' })];
    const l4 = [...generateEdgeoneL4({ count: 25, seed: 'e2e' })];
    const pubsub = await startPubSubEndpoint({ topics: [TOPIC] });
    let published: PublishedMessage[];
    const receiver = await startFunctions('edgeonePush', { PUBSUB_EMULATOR_HOST: pubsub.url, EDGEONE_TOPIC: TOPIC_ID, EDGEONE_PUSH_SECRET: SECRET });
    try {
      const headers = { 'x-cdnlog-token': SECRET };
      const a = await fetch(receiver.url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', LogType: 'l7-access-logs' },
        body: JSON.stringify(l7),
      });
      const b = await fetch(receiver.url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip', LogType: 'application' },
        body: bodyInit(gzipSync(lines(l4))),
      });
      expect([a.status, b.status]).toEqual([200, 200]);
      published = pubsub.messages(TOPIC);
    } finally {
      await receiver.close();
      await pubsub.close();
    }

    // Each path into a fresh warehouse: the BigQuery endpoint, like BigQuery, drops repeated insertIds.
    const fromFile = await landedEventIds(async (fx) => {
      fx.storage.createBucket('uploads');
      const object = await fx.storage.putObject('uploads', 'edgeone/part-1.log.gz', gzipSync(lines([...l7, ...l4])));
      const attributes = {
        bucketId: 'uploads',
        objectId: object.name,
        objectGeneration: String(object.generation),
        eventType: 'OBJECT_FINALIZE',
        payloadFormat: 'JSON_API_V1',
      };
      const res = await fx.sendEvent(messagePublished({ data: JSON.stringify({ bucket: 'uploads', name: object.name }), messageId: 'file-1', attributes }));
      expect(res.status).toBe(204);
    });
    const fromPush = await landedEventIds(async (fx) => {
      for (const m of published) {
        const res = await fx.sendEvent(messagePublished({ data: m.data, attributes: m.attributes, messageId: `push-${m.messageId}` }));
        expect(res.status).toBe(204);
      }
      expect(fx.summaries().map((s) => [s.rows_inserted, s.dead_lettered])).toEqual([
        [40, 0],
        [25, 0],
      ]);
    });
    expect(fromFile).toEqual([...l7, ...l4].map(eventIdOf).sort());
    expect(fromPush).toEqual(fromFile);
  });

  it('dead-letters a message whose brotli data is corrupt, with its payload, and answers 2xx', async () => {
    const fx = await startFunctions('edgeoneLogs');
    try {
      const res = await fx.sendEvent(messagePublished({ data: Buffer.from('not brotli at all'), attributes: { contentEncoding: 'br' }, messageId: 'bad-br' }));
      expect(res.status).toBe(204);
      expect(fx.bigquery.rows(ROWS_TABLE)).toEqual([]);
      const [letter, ...others] = fx.bigquery.rows(ERRORS_TABLE);
      expect(others).toEqual([]);
      expect(letter).toMatchObject({ source: 'edgeone', message_id: 'bad-br', reason: expect.stringContaining('brotli stream is corrupt') });
    } finally {
      await fx.close();
    }
  });
});
