import { createGzip, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { generateEdgeoneL4 } from '../../shared/generate/edgeone-l4';
import { generateEdgeoneL7 } from '../../shared/generate/edgeone-l7';
import { normalizeEdgeone } from '../../shared/normalizers';
import { withoutGoogleCredentials } from '../contract/adc-guard';
import { requireVmModules } from '../contract/vm-modules-guard';
import {
  COMMITS_TABLE,
  ERRORS_TABLE,
  messagePublished,
  ROWS_TABLE,
  startFunctions,
  WRITE_METHODS,
  type FunctionsHarness,
  storageNotification,
} from './harness';

const BUCKET = 'edgeone-uploads';

function eventIdOf(record: unknown): string {
  const r = normalizeEdgeone(record, { now: () => '2000-01-01T00:00:00Z' });
  if (!r.ok) throw new Error(r.error);
  return r.row.event_id;
}

const notification = (object: { name: string; generation: number }, eventType = 'OBJECT_FINALIZE', messageId = 'n-1') =>
  storageNotification(BUCKET, object, { messageId, eventType });

async function gzipStream(chunks: Iterable<Buffer> | AsyncIterable<Buffer>, level = 6): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(createGzip({ level }))) out.push(c as Buffer);
  return Buffer.concat(out);
}

/** Peak of heap + array buffers while `fn` runs, sampled every 5 ms (what the input could blow up). */
async function peakMemoryDuring(fn: () => Promise<unknown>): Promise<number> {
  global.gc?.();
  const base = process.memoryUsage();
  const baseline = base.heapUsed + base.arrayBuffers;
  let peak = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.heapUsed + m.arrayBuffers - baseline);
  }, 5);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return peak;
}

describe.each(WRITE_METHODS)('edgeoneLogs with BQ_WRITE_METHOD=%s against the local BigQuery contract endpoints', (method) => {
  requireVmModules();
  withoutGoogleCredentials();
  let fx: FunctionsHarness;
  beforeEach(async () => {
    fx = await startFunctions('edgeoneLogs', { UPLOAD_BUCKET: BUCKET }, method);
    fx.storage.createBucket(BUCKET);
  });
  afterEach(() => fx.close());

  it('lands EdgeOne JSON Lines published straight to the topic, plain and gzip', async () => {
    const l7 = [...generateEdgeoneL7({ count: 20, seed: 'direct' })];
    const l4 = [...generateEdgeoneL4({ count: 20, seed: 'direct' })];
    const plain = await fx.sendEvent(messagePublished({ data: l7.map((r) => JSON.stringify(r)).join('\n'), messageId: 'd-1' }));
    const gz = await fx.sendEvent(messagePublished({ data: gzipSync(`${l4.map((r) => JSON.stringify(r)).join('\n')}\n`), messageId: 'd-2' }));
    expect([plain.status, gz.status]).toEqual([204, 204]);
    expect(
      fx
        .rows(ROWS_TABLE)
        .map((r) => r.event_id)
        .sort(),
    ).toEqual([...l7, ...l4].map(eventIdOf).sort());
    expect(fx.summaries().map((s) => [s.message_id, s.rows_inserted, s.dead_lettered])).toEqual(
      expect.arrayContaining([
        ['d-1', 20, 0],
        ['d-2', 20, 0],
      ]),
    );
  });

  it('streams a large gzip upload from a storage notification: good lines inserted, bad lines dead-lettered, one summary', async () => {
    const COUNT = 100_000;
    const bad = new Map<number, string>([
      [10, '{"not": "an edgeone record"}'],
      [5_000, 'this is not json'],
      [77_777, '{"__proto__": {"polluted": true}}'],
    ]);
    const good: string[] = [];
    const lines: string[] = [];
    for (const record of generateEdgeoneL7({ count: COUNT, seed: 'upload' })) {
      const b = bad.get(lines.length + 1);
      if (b !== undefined) lines.push(b);
      const text = JSON.stringify(record);
      lines.push(text);
      good.push(text);
    }
    const object = await fx.storage.putObject(BUCKET, 'logs/2026/11/01/part-0001.log.gz', await gzipStream([Buffer.from(`${lines.join('\n')}\n`)]));
    const res = await fx.sendEvent(notification(object, 'OBJECT_FINALIZE', 'big-1'));
    expect(res.status).toBe(204);
    expect(fx.rows(ROWS_TABLE)).toHaveLength(COUNT);
    const errors = fx.rows(ERRORS_TABLE);
    expect(errors.map((e) => [e.stage, e.object]).sort()).toEqual(
      [
        ['validate', `gs://${BUCKET}/${object.name}#${object.generation}:10`],
        ['parse', `gs://${BUCKET}/${object.name}#${object.generation}:5000`],
        ['validate', `gs://${BUCKET}/${object.name}#${object.generation}:77777`],
      ].sort(),
    );
    expect(errors.every((e) => e.message_id === 'big-1' && JSON.parse(String(e.attributes)).bucketId === BUCKET)).toBe(true);
    if (fx.write) {
      // One PENDING stream for the object, committed once; appends of whole chunks.
      const appends = fx.write.appends.filter((a) => a.stream.includes('/tables/edge_logs/'));
      expect(new Set(appends.map((a) => a.stream)).size).toBe(1);
      expect(appends.length).toBeLessThan(COUNT / 400);
      expect(fx.write.streams().filter((s) => s.type === 'PENDING')).toEqual([expect.objectContaining({ rows: COUNT, finalized: true, committed: true })]);
    } else {
      // Batched: ≤ 500 rows a request.
      const requests = fx.bigquery.requests.filter((r) => r.table === ROWS_TABLE);
      expect(requests.every((r) => r.rows <= 500)).toBe(true);
      expect(requests.length).toBeLessThan(COUNT / 400);
    }
    expect(fx.summaries()).toEqual([expect.objectContaining({ source: 'edgeone', rows_inserted: COUNT, dead_lettered: 3, severity: 'WARNING' })]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads a JSON array object and pins the notified generation', async () => {
    const records = [...generateEdgeoneL4({ count: 30, seed: 'array' })];
    const object = await fx.storage.putObject(BUCKET, 'l4.json', Buffer.from(JSON.stringify(records, null, 2)));
    expect((await fx.sendEvent(notification(object))).status).toBe(204);
    expect(fx.rows(ROWS_TABLE)).toHaveLength(30);
    expect(fx.storage.requests.some((r) => r.query.generation === String(object.generation) && r.query.alt === 'media')).toBe(true);
  });

  it('survives a gzip bomb (200 MB of zeros) in flat memory: one dead letter, 2xx', async () => {
    const MB = Buffer.alloc(1024 * 1024);
    const bomb = await gzipStream(
      (function* () {
        for (let i = 0; i < 200; i++) yield MB;
      })(),
      9,
    );
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const object = await fx.storage.putObject(BUCKET, 'bomb.gz', bomb);
    let status = 0;
    const peak = await peakMemoryDuring(async () => {
      status = (await fx.sendEvent(notification(object, 'OBJECT_FINALIZE', 'bomb'))).status;
    });
    expect(status).toBe(204);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
    const errors = fx.rows(ERRORS_TABLE);
    expect(errors).toEqual([expect.objectContaining({ stage: 'parse', object: `gs://${BUCKET}/bomb.gz#${object.generation}:1` })]);
    expect(errors[0]!.reason).toMatch(/larger than the limit/);
  });

  it('dead-letters an overlong line without losing its neighbours', async () => {
    const [a, b] = [...generateEdgeoneL7({ count: 2, seed: 'long' })];
    const long = JSON.stringify({ ...a, RequestUrl: 'x'.repeat(2 * 1024 * 1024) });
    const object = await fx.storage.putObject(BUCKET, 'long.log', Buffer.from([JSON.stringify(a), long, JSON.stringify(b)].join('\n')));
    expect((await fx.sendEvent(notification(object))).status).toBe(204);
    expect(
      fx
        .rows(ROWS_TABLE)
        .map((r) => r.event_id)
        .sort(),
    ).toEqual([a, b].map(eventIdOf).sort());
    const errors = fx.rows(ERRORS_TABLE);
    // Only the head of the line is kept, and the row says so.
    expect(errors).toEqual([expect.objectContaining({ stage: 'parse', object: `gs://${BUCKET}/long.log#${object.generation}:2`, payload_truncated: true })]);
    expect(Buffer.byteLength(String(errors[0]!.payload))).toBeLessThanOrEqual(4096);
  });

  it('dead-letters a corrupt gzip after landing what came before it', async () => {
    const records = [...generateEdgeoneL7({ count: 50, seed: 'corrupt' })];
    const gz = gzipSync(records.map((r) => JSON.stringify(r)).join('\n'));
    const truncated = gz.subarray(0, gz.length - 20);
    const object = await fx.storage.putObject(BUCKET, 'cut.gz', truncated);
    expect((await fx.sendEvent(notification(object))).status).toBe(204);
    const errors = fx.rows(ERRORS_TABLE);
    expect(errors).toEqual([expect.objectContaining({ stage: 'decode', object: `gs://${BUCKET}/cut.gz#${object.generation}` })]);
  });

  it('acknowledges other storage event types without reading anything', async () => {
    for (const [i, type] of ['OBJECT_DELETE', 'OBJECT_ARCHIVE', 'OBJECT_METADATA_UPDATE'].entries()) {
      const res = await fx.sendEvent(notification({ name: 'gone.log', generation: 1 }, type, `o-${i}`));
      expect(res.status).toBe(204);
    }
    expect(fx.storage.requests).toEqual([]);
    expect(fx.bigquery.requests).toEqual([]);
    expect(fx.write?.appends ?? []).toEqual([]);
    expect(fx.logs.filter((l) => /ignored OBJECT_/.test(String(l.message)))).toHaveLength(3);
    expect(fx.summaries().every((s) => s.dead_lettered === 0)).toBe(true);
  });

  it('dead-letters a finalize notification for an object that is already gone (404) and answers 2xx', async () => {
    const res = await fx.sendEvent(notification({ name: 'deleted.log', generation: 42 }, 'OBJECT_FINALIZE', 'gone'));
    expect(res.status).toBe(204);
    const errors = fx.rows(ERRORS_TABLE);
    expect(errors).toEqual([expect.objectContaining({ stage: 'decode', message_id: 'gone', object: `gs://${BUCKET}/deleted.log#42` })]);
    expect(errors[0]!.reason).toMatch(/not found/);
  });

  it("answers non-2xx when the object cannot be read (403: not the input's fault), so Pub/Sub redelivers", async () => {
    const object = await fx.storage.putObject(BUCKET, 'locked.log', Buffer.from(JSON.stringify([...generateEdgeoneL7({ count: 1, seed: 'f' })][0])));
    fx.storage.failNext(1, 403, { message: 'caller does not have storage.objects.get access', reason: 'forbidden' });
    const res = await fx.sendEvent(notification(object, 'OBJECT_FINALIZE', 'locked'));
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(fx.rows(ROWS_TABLE)).toEqual([]);
    expect(fx.rows(ERRORS_TABLE)).toEqual([]);
    expect(fx.logs).toContainEqual(expect.objectContaining({ severity: 'ERROR', message_id: 'locked' }));
    // The redelivery reads it.
    expect((await fx.sendEvent(notification(object, 'OBJECT_FINALIZE', 'locked'))).status).toBe(204);
    expect(fx.rows(ROWS_TABLE)).toHaveLength(1);
  });

  it('lands a redelivered object once (a second OBJECT_FINALIZE for the same generation)', async () => {
    const records = [...generateEdgeoneL7({ count: 40, seed: 'again' })];
    const object = await fx.storage.putObject(BUCKET, 'again.log', Buffer.from(records.map((r) => JSON.stringify(r)).join('\n')));
    expect((await fx.sendEvent(notification(object, 'OBJECT_FINALIZE', 'again-1'))).status).toBe(204);
    expect((await fx.sendEvent(notification(object, 'OBJECT_FINALIZE', 'again-2'))).status).toBe(204);
    expect(
      fx
        .rows(ROWS_TABLE)
        .map((r) => r.event_id)
        .sort(),
    ).toEqual(records.map(eventIdOf).sort());
    if (fx.write) {
      // The commit log answered: the second delivery did not even read the object.
      expect(fx.storage.requests.filter((r) => r.query.alt === 'media')).toHaveLength(1);
      expect(fx.rows(COMMITS_TABLE).map((r) => [r.object, r.state, r.rows])).toEqual([
        [`gs://${BUCKET}/again.log#${object.generation}`, 'finalized', 40],
        [`gs://${BUCKET}/again.log#${object.generation}`, 'committed', 40],
      ]);
      expect(fx.logs).toContainEqual(
        expect.objectContaining({ message_id: 'again-2', rows: 40, message: expect.stringMatching(/committed by an earlier delivery/) }),
      );
    }
  });

  it('an invocation that dies before the commit lands nothing of the object; the redelivery lands all of it', async () => {
    const records = [...generateEdgeoneL7({ count: 10_000, seed: 'crash' })];
    const object = await fx.storage.putObject(BUCKET, 'crash.log.gz', gzipSync(records.map((r) => JSON.stringify(r)).join('\n')));
    // The download is cut part-way: rows before the cut were already handed to the sink.
    fx.storage.faultNextDownload({ kind: 'cut', afterBytes: Math.floor(object.size / 2) });
    const first = await fx.sendEvent(notification(object, 'OBJECT_FINALIZE', 'crash-1'));
    expect(first.status).toBeGreaterThanOrEqual(500);
    if (fx.write) {
      // Appended to a PENDING stream that was never committed: invisible.
      expect(fx.write.appends.some((a) => a.stream.includes('/tables/edge_logs/streams/') && !a.stream.endsWith('_default') && a.rows > 0)).toBe(true);
      expect(fx.rows(ROWS_TABLE)).toEqual([]);
    }
    expect((await fx.sendEvent(notification(object, 'OBJECT_FINALIZE', 'crash-1'))).status).toBe(204);
    // Every record once: the Write API committed only the redelivery's stream; insertAll's repeats
    // carried the same insertIds.
    expect(
      fx
        .rows(ROWS_TABLE)
        .map((r) => r.event_id)
        .sort(),
    ).toEqual(records.map(eventIdOf).sort());
  });
});
