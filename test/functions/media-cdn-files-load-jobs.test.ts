import { grpc } from 'google-gax';
import { generateMediaCdn } from '../../shared/generate/media-cdn';
import { normalizeMediaCdn } from '../../shared/normalizers';
import { loadJobId } from '../../shared/sink/load-job/job-id';
import { withoutGoogleCredentials } from '../contract/adc-guard';
import { requireVmModules } from '../contract/vm-modules-guard';
import { ERRORS_TABLE, ROWS_TABLE, startFunctions, type FunctionsHarness, storageNotification } from './harness';

const BUCKET = 'demo-project-cdnlog-media-cdn';
const STAGING = 'demo-project-cdnlog-load-staging';
/** What Terraform sets for media_cdn_delivery = "hourly" (terraform/functions.tf). */
const HOURLY_ENV = { MEDIA_CDN_BUCKET: BUCKET, MEDIA_CDN_FILES_LOAD: 'load_job', LOAD_STAGING_BUCKET: STAGING, BQ_LOCATION: 'europe-west1' };
const LOGGING_OBJECT = 'edgecache.googleapis.com/edge_cache_request/2026/11/01/08:00:00_08:59:59_S0.json';

function eventIdOf(entry: unknown): string {
  const r = normalizeMediaCdn(entry, { now: () => '2000-01-01T00:00:00Z' });
  if (!r.ok) throw new Error(r.error);
  return r.row.event_id;
}

const notification = (object: { name: string; generation: number }, messageId: string) =>
  storageNotification(BUCKET, object, { messageId, topic: 'cdnlog-media-cdn-files' });

/** A file as a Logging sink writes it to Cloud Storage: one LogEntry a line, hourly, sharded. */
const loggingWrittenFile = (entries: readonly unknown[]): Buffer => Buffer.from(`${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);

describe('mediaCdnFiles with MEDIA_CDN_FILES_LOAD=load_job (hourly delivery) against the BigQuery, Write API and Cloud Storage contract endpoints', () => {
  requireVmModules();
  withoutGoogleCredentials();
  let fx: FunctionsHarness;
  beforeEach(async () => {
    fx = await startFunctions('mediaCdnFiles', HOURLY_ENV, 'storage');
    fx.storage.createBucket(BUCKET);
    fx.storage.createBucket(STAGING);
  });
  afterEach(() => fx.close());

  const downloads = () => fx.storage.requests.filter((r) => r.method === 'GET' && r.query.alt === 'media' && !r.path.includes(STAGING)).length;
  const pendingCommits = () => fx.write!.streams().filter((s) => s.type === 'PENDING' && s.committed).length;
  const eventIds = () => fx.rows(ROWS_TABLE).map((r) => String(r.event_id));

  it('lands a 100,000-entry Logging-written file with one load job, once, whether its notification comes twice at once or again later', async () => {
    const COUNT = 100_000;
    const entries = [...generateMediaCdn({ count: COUNT, seed: 'hourly-load-job' })];
    const object = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, loggingWrittenFile(entries));
    const [first, concurrent] = await Promise.all([
      fx.sendEvent(notification(object, 'lj-1'), { id: 'lj-1' }),
      fx.sendEvent(notification(object, 'lj-1'), { id: 'lj-1' }),
    ]);
    const later = await fx.sendEvent(notification(object, 'lj-1'), { id: 'lj-1' });
    expect([first.status, concurrent.status, later.status]).toEqual([204, 204, 204]);

    const ids = eventIds();
    expect(ids).toHaveLength(COUNT);
    expect(new Set(ids).size).toBe(COUNT);
    const expected = new Set(entries.map(eventIdOf));
    expect(ids.every((id) => expected.has(id))).toBe(true);
    // All of them through the one load job, named after the generation; none through a stream.
    const gs = `gs://${BUCKET}/${LOGGING_OBJECT}#${object.generation}`;
    expect(fx.bigquery.jobs()).toEqual([{ jobId: loadJobId(gs), table: ROWS_TABLE, state: 'DONE', errorResult: null, outputRows: COUNT }]);
    expect(fx.bigquery.rows(ROWS_TABLE)).toHaveLength(COUNT);
    expect(pendingCommits()).toBe(0);
    expect(fx.rows(ERRORS_TABLE)).toEqual([]);
    // The delivery after completion reads nothing; the staged copy is gone.
    expect(downloads()).toBeLessThanOrEqual(2);
    expect(fx.storage.objects(STAGING)).toEqual([]);
    // JSON columns arrive as JSON values (stored as their text), not as strings of JSON.
    const byId = new Map(fx.bigquery.rows(ROWS_TABLE).map((r) => [r.event_id, r]));
    const sample = normalizeMediaCdn(entries[7], { now: () => '2000-01-01T00:00:00Z' });
    if (!sample.ok) throw new Error(sample.error);
    expect(byId.get(sample.row.event_id)?.attributes).toBe(sample.row.attributes);
  }, 600_000);

  it('a delivery that dies after inserting its job (jobs.get failing) answers non-2xx; the redelivery waits for that job and reads nothing', async () => {
    const entries = [...generateMediaCdn({ count: 500, seed: 'died-after-insert' })];
    const object = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, loggingWrittenFile(entries));
    fx.bigquery.holdNextJob(1);
    // More failures than the retry budget's tries: the first delivery gives up waiting.
    fx.bigquery.failNextJobPolls(5, 503);
    const first = await fx.sendEvent(notification(object, 'c-1'));
    expect(first.status).toBeGreaterThanOrEqual(500);
    expect(fx.bigquery.jobs()).toEqual([expect.objectContaining({ state: 'PENDING' })]);
    expect(fx.rows(ROWS_TABLE)).toEqual([]);

    const again = await fx.sendEvent(notification(object, 'c-1'));
    expect(again.status).toBe(204);
    expect(eventIds().sort()).toEqual(entries.map(eventIdOf).sort());
    expect(fx.bigquery.jobInserts.filter((i) => i.status === 200)).toHaveLength(1);
    expect(downloads()).toBe(1);
    expect(fx.summaries().at(-1)).toEqual(expect.objectContaining({ rows_inserted: 0 }));
    expect(fx.storage.objects(STAGING)).toEqual([]);
  }, 120_000);

  it('a job that fails on a row falls back to a PENDING stream: the good rows land, the bad one is dead-lettered with its line, and a redelivery lands nothing more', async () => {
    const entries = [...generateMediaCdn({ count: 300, seed: 'invalid-row' })];
    const badId = eventIdOf(entries[120]);
    const refuse = (_table: string, row: unknown) => ((row as { event_id?: unknown }).event_id === badId ? 'Timestamp field value is out of range' : null);
    fx.bigquery.refuseRows((table, row) => (table === ROWS_TABLE ? refuse(table, row) : null));
    fx.write!.refuseRows((table, row) => (table.endsWith('edge_logs') ? refuse(table, row) : null));
    const lines = entries.map((e) => JSON.stringify(e));
    lines.push('not json at all');
    const object = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, Buffer.from(`${lines.join('\n')}\n`));

    expect((await fx.sendEvent(notification(object, 'i-1'))).status).toBe(204);
    expect(fx.bigquery.jobs()).toEqual([expect.objectContaining({ state: 'DONE', errorResult: expect.objectContaining({ reason: 'invalid' }) })]);
    expect(fx.bigquery.rows(ROWS_TABLE)).toEqual([]);
    expect(eventIds().sort()).toEqual(
      entries
        .map(eventIdOf)
        .filter((id) => id !== badId)
        .sort(),
    );
    expect(pendingCommits()).toBe(1);
    const letters = fx.rows(ERRORS_TABLE).filter((e) => e.stage === 'insert');
    expect(letters).toEqual([
      expect.objectContaining({
        source: 'media_cdn',
        object: `gs://${BUCKET}/${LOGGING_OBJECT}#${object.generation}:121`,
        payload: JSON.stringify(entries[120]),
      }),
    ]);
    // The line the normalizer rejected is dead-lettered once, though the file was read twice.
    expect(fx.rows(ERRORS_TABLE).filter((e) => e.stage === 'parse')).toEqual([
      expect.objectContaining({ object: `gs://${BUCKET}/${LOGGING_OBJECT}#${object.generation}:301`, payload: 'not json at all' }),
    ]);
    expect(fx.summaries()).toEqual([expect.objectContaining({ rows_inserted: 299, dead_lettered: 2 })]);
    expect(fx.storage.objects(STAGING)).toEqual([]);

    expect((await fx.sendEvent(notification(object, 'i-1'))).status).toBe(204);
    expect(fx.rows(ROWS_TABLE)).toHaveLength(299);
    expect(downloads()).toBe(2);
    expect(fx.bigquery.jobInserts).toHaveLength(1);
  }, 120_000);

  it('a job that failed (backend error) and whose fallback died: the redelivery reads straight into a PENDING stream, inserting no second job', async () => {
    const entries = [...generateMediaCdn({ count: 120, seed: 'failed-then-died' })];
    const object = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, loggingWrittenFile(entries));
    fx.bigquery.failNextJob('backendError', 'Backend error. Job aborted.');
    fx.write!.failAppendsForever(grpc.status.UNAVAILABLE);
    expect((await fx.sendEvent(notification(object, 'f-1'))).status).toBeGreaterThanOrEqual(500);
    expect(fx.rows(ROWS_TABLE)).toEqual([]);
    fx.write!.failAppendsForever(null);
    expect((await fx.sendEvent(notification(object, 'f-1'))).status).toBe(204);
    expect(eventIds().sort()).toEqual(entries.map(eventIdOf).sort());
    expect(fx.bigquery.jobInserts).toHaveLength(1);
    expect(pendingCommits()).toBe(1);
    // Read for the job, again for the stream that died, once more by the redelivery.
    expect(downloads()).toBe(3);
  }, 120_000);

  it('the per-table load quota spent: the file lands through a PENDING stream instead, and its redelivery inserts no job', async () => {
    fx.bigquery.spendLoadQuota(ROWS_TABLE, 1_500);
    const entries = [...generateMediaCdn({ count: 200, seed: 'quota' })];
    const object = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, loggingWrittenFile(entries));
    expect((await fx.sendEvent(notification(object, 'q-1'))).status).toBe(204);
    expect(fx.bigquery.jobInserts.map((i) => i.status)).toEqual([403]);
    expect(eventIds().sort()).toEqual(entries.map(eventIdOf).sort());
    expect(pendingCommits()).toBe(1);
    expect(fx.logs.some((l) => String(l.message).includes('landing it through the Storage Write API instead'))).toBe(true);
    // Read once for the job, once more into the stream.
    expect(downloads()).toBe(2);

    expect((await fx.sendEvent(notification(object, 'q-1'))).status).toBe(204);
    expect(fx.rows(ROWS_TABLE)).toHaveLength(200);
    // The redelivery asked whether a job exists, found the fallback's commit, and read nothing.
    expect(fx.bigquery.jobInserts).toHaveLength(1);
    expect(downloads()).toBe(2);
  }, 120_000);

  it('jobs.insert failing transiently past the retry budget answers non-2xx and lands nothing; the redelivery lands the file once', async () => {
    const entries = [...generateMediaCdn({ count: 150, seed: 'transient' })];
    const object = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, loggingWrittenFile(entries));
    fx.bigquery.failNextJobsInsert(5, 503);
    expect((await fx.sendEvent(notification(object, 't-1'))).status).toBeGreaterThanOrEqual(500);
    expect(fx.rows(ROWS_TABLE)).toEqual([]);
    expect(fx.rows(ERRORS_TABLE)).toEqual([]);
    expect((await fx.sendEvent(notification(object, 't-1'))).status).toBe(204);
    expect(eventIds().sort()).toEqual(entries.map(eventIdOf).sort());
    expect(fx.storage.objects(STAGING)).toEqual([]);
  }, 120_000);

  it('jobs.insert refused (403 accessDenied) answers non-2xx and dead-letters nothing', async () => {
    const entries = [...generateMediaCdn({ count: 20, seed: 'refused' })];
    const object = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, loggingWrittenFile(entries));
    fx.bigquery.failNextJobsInsert(1, 403, {
      reason: 'accessDenied',
      message: 'Access Denied: Project test-project: User does not have bigquery.jobs.create permission',
    });
    expect((await fx.sendEvent(notification(object, 'a-1'))).status).toBeGreaterThanOrEqual(500);
    expect(fx.rows(ROWS_TABLE)).toEqual([]);
    expect(fx.rows(ERRORS_TABLE)).toEqual([]);
    expect(pendingCommits()).toBe(0);
  }, 120_000);

  it('lines the normalizer rejects are dead-lettered as with a stream, and the rest load in one job', async () => {
    const entries = [...generateMediaCdn({ count: 50, seed: 'bad-lines' })];
    const lines = entries.map((e) => JSON.stringify(e));
    lines.splice(10, 0, 'not json at all');
    const object = await fx.storage.putObject(BUCKET, LOGGING_OBJECT, Buffer.from(`${lines.join('\n')}\n`));
    expect((await fx.sendEvent(notification(object, 'b-1'))).status).toBe(204);
    expect(fx.bigquery.rows(ROWS_TABLE)).toHaveLength(50);
    expect(fx.rows(ERRORS_TABLE)).toEqual([expect.objectContaining({ stage: 'parse', object: `gs://${BUCKET}/${LOGGING_OBJECT}#${object.generation}:11` })]);
    expect(fx.summaries()).toEqual([expect.objectContaining({ rows_inserted: 50, dead_lettered: 1 })]);
  }, 120_000);
});
