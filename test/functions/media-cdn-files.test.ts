import { generateMediaCdn } from '../../shared/generate/media-cdn';
import { normalizeMediaCdn } from '../../shared/normalizers';
import { withoutGoogleCredentials } from '../contract/adc-guard';
import { requireVmModules } from '../contract/vm-modules-guard';
import { ERRORS_TABLE, messagePublished, ROWS_TABLE, startFunctions, type FunctionsHarness, storageNotification } from './harness';

const BUCKET = 'demo-project-cdnlog-media-cdn';

function eventIdOf(entry: unknown): string {
  const r = normalizeMediaCdn(entry, { now: () => '2000-01-01T00:00:00Z' });
  if (!r.ok) throw new Error(r.error);
  return r.row.event_id;
}

const notification = (object: { name: string; generation: number }, messageId: string, eventType = 'OBJECT_FINALIZE') =>
  storageNotification(BUCKET, object, { messageId, eventType, topic: 'cdnlog-media-cdn-files' });

/**
 * A file as a Pub/Sub Cloud Storage subscription writes it in text format: each message's data
 * followed by a newline. A Logging sink publishes each LogEntry as one message of compact JSON.
 */
const pubsubWrittenFile = (entries: readonly unknown[]): Buffer => Buffer.from(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
/** A file as a Logging sink writes it to Cloud Storage: one LogEntry a line, hourly, sharded. */
const loggingWrittenFile = (entries: readonly unknown[]): Buffer => Buffer.from(`${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
const LOGGING_OBJECT = 'edgecache.googleapis.com/edge_cache_request/2026/11/01/08:00:00_08:59:59_S0.json';

describe('mediaCdnFiles (batched and hourly delivery) against the local BigQuery and Cloud Storage contract endpoints', () => {
  requireVmModules();
  withoutGoogleCredentials();
  let fx: FunctionsHarness;
  beforeEach(async () => {
    fx = await startFunctions('mediaCdnFiles', { MEDIA_CDN_BUCKET: BUCKET });
    fx.storage.createBucket(BUCKET);
  });
  afterEach(() => fx.close());

  it('lands a Pub/Sub-written file: every good entry a row, each bad line a dead letter naming its line', async () => {
    const entries = [...generateMediaCdn({ count: 300, seed: 'pubsub-file' })];
    const withoutInsertId = { ...entries[0]!, insertId: undefined };
    const lines = entries.map((e) => JSON.stringify(e));
    lines.splice(100, 0, 'not json at all');
    lines.splice(200, 0, JSON.stringify(withoutInsertId));
    const object = await fx.storage.putObject(BUCKET, 'media-cdn/2026-11-01T09:00:00+00:00_a1b2.jsonl', Buffer.from(`${lines.join('\n')}\n`));
    const res = await fx.sendEvent(notification(object, 'f-1'));
    expect(res.status).toBe(204);
    expect(
      fx.bigquery
        .rows(ROWS_TABLE)
        .map((r) => r.event_id)
        .sort(),
    ).toEqual(entries.map(eventIdOf).sort());
    const errors = fx.bigquery.rows(ERRORS_TABLE);
    expect(errors.map((e) => [e.source, e.stage, e.object]).sort()).toEqual(
      [
        ['media_cdn', 'parse', `gs://${BUCKET}/${object.name}#${object.generation}:101`],
        ['media_cdn', 'validate', `gs://${BUCKET}/${object.name}#${object.generation}:201`],
      ].sort(),
    );
    expect(errors.find((e) => e.stage === 'parse')!.payload).toBe('not json at all');
    expect(fx.summaries()).toEqual([expect.objectContaining({ source: 'media_cdn', message_id: 'f-1', rows_inserted: 300, dead_lettered: 2 })]);
  });

  it('lands a Logging-written hourly file, with the same event ids as the same entries by any other path', async () => {
    const entries = [...generateMediaCdn({ count: 250, seed: 'logging-file' })];
    const hourly = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, loggingWrittenFile(entries));
    expect((await fx.sendEvent(notification(hourly, 'h-1'))).status).toBe(204);
    expect(
      fx.bigquery
        .rows(ROWS_TABLE)
        .map((r) => r.event_id)
        .sort(),
    ).toEqual(entries.map(eventIdOf).sort());
    // The same entries delivered in a Pub/Sub-written file add nothing: one identity per entry.
    const batched = await fx.storage.putObject(BUCKET, 'media-cdn/2026-11-01T08:05:00+00:00_c3d4.jsonl', pubsubWrittenFile(entries));
    expect((await fx.sendEvent(notification(batched, 'h-2'))).status).toBe(204);
    expect(fx.bigquery.rows(ROWS_TABLE)).toHaveLength(250);
    expect(fx.bigquery.rows(ERRORS_TABLE)).toEqual([]);
  });

  it('a redelivered notification lands nothing twice: the rows go again with the same insertIds', async () => {
    const entries = [...generateMediaCdn({ count: 400, seed: 'redelivered' })];
    const object = await fx.storage.putObject(BUCKET, 'media-cdn/2026-11-01T09:10:00+00:00_e5f6.jsonl', pubsubWrittenFile(entries));
    const first = await fx.sendEvent(notification(object, 'r-1'), { id: 'r-1' });
    const again = await fx.sendEvent(notification(object, 'r-1'), { id: 'r-1' });
    expect([first.status, again.status]).toEqual([204, 204]);
    const sent = fx.bigquery.requests.filter((r) => r.table === ROWS_TABLE).reduce((n, r) => n + r.rows, 0);
    expect(sent).toBe(800);
    expect(
      fx.bigquery
        .rows(ROWS_TABLE)
        .map((r) => r.event_id)
        .sort(),
    ).toEqual(entries.map(eventIdOf).sort());
  });

  it('a file that grew (a newer generation repeating the older lines) lands only the new entries; each notification reads its own generation', async () => {
    const entries = [...generateMediaCdn({ count: 700, seed: 'grew' })];
    const v1 = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, loggingWrittenFile(entries.slice(0, 450)));
    expect((await fx.sendEvent(notification(v1, 'g-1'))).status).toBe(204);
    expect(fx.bigquery.rows(ROWS_TABLE)).toHaveLength(450);
    const v2 = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, loggingWrittenFile(entries));
    expect(v2.generation).not.toBe(v1.generation);
    expect((await fx.sendEvent(notification(v2, 'g-2'))).status).toBe(204);
    expect(
      fx.bigquery
        .rows(ROWS_TABLE)
        .map((r) => r.event_id)
        .sort(),
    ).toEqual(entries.map(eventIdOf).sort());
    const read = fx.storage.requests.filter((r) => r.query.alt === 'media').map((r) => r.query.generation);
    expect(read).toEqual([String(v1.generation), String(v2.generation)]);
    expect(fx.summaries().map((s) => s.object)).toEqual([
      `gs://${BUCKET}/${LOGGING_OBJECT}#${v1.generation}`,
      `gs://${BUCKET}/${LOGGING_OBJECT}#${v2.generation}`,
    ]);
  });

  it('acknowledges other event types without reading; dead-letters a message that is no notification', async () => {
    const object = await fx.storage.putObject(BUCKET, 'media-cdn/x.jsonl', pubsubWrittenFile([...generateMediaCdn({ count: 3, seed: 'x' })]));
    expect((await fx.sendEvent(notification(object, 'd-1', 'OBJECT_DELETE'))).status).toBe(204);
    expect(fx.storage.requests.filter((r) => r.query.alt === 'media')).toEqual([]);
    expect((await fx.sendEvent(messagePublished({ data: '{"hello":1}', messageId: 'd-2' }))).status).toBe(204);
    expect(fx.bigquery.rows(ROWS_TABLE)).toEqual([]);
    expect(fx.bigquery.rows(ERRORS_TABLE)).toEqual([expect.objectContaining({ source: 'media_cdn', stage: 'decode', message_id: 'd-2' })]);
  });

  it('a 100,000-entry file lands every entry exactly once, also when its notification is delivered twice', async () => {
    const COUNT = 100_000;
    const entries = [...generateMediaCdn({ count: COUNT, seed: 'hundred-thousand' })];
    const object = await fx.storage.putObject(BUCKET, 'media-cdn/2026-11-01T10:00:00+00:00_big.jsonl', pubsubWrittenFile(entries));
    const first = await fx.sendEvent(notification(object, 'big-1'), { id: 'big-1' });
    const again = await fx.sendEvent(notification(object, 'big-1'), { id: 'big-1' });
    expect([first.status, again.status]).toEqual([204, 204]);
    const ids = fx.bigquery.rows(ROWS_TABLE).map((r) => String(r.event_id));
    expect(ids).toHaveLength(COUNT);
    expect(new Set(ids).size).toBe(COUNT);
    const expected = new Set(entries.map(eventIdOf));
    expect(ids.every((id) => expected.has(id))).toBe(true);
    expect(fx.bigquery.rows(ERRORS_TABLE)).toEqual([]);
    expect(fx.bigquery.requests.filter((r) => r.table === ROWS_TABLE).every((r) => r.rows <= 500)).toBe(true);
    expect(fx.summaries().map((s) => s.rows_inserted)).toEqual([COUNT, COUNT]);
  }, 600_000);
});
