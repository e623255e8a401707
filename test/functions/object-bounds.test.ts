import { gzipSync } from 'node:zlib';
import { generateEdgeoneL7 } from '../../shared/generate/edgeone-l7';
import { normalizeEdgeone } from '../../shared/normalizers';
import { withoutGoogleCredentials } from '../contract/adc-guard';
import { requireVmModules } from '../contract/vm-modules-guard';
import { ERRORS_TABLE, messagePublished, ROWS_TABLE, startFunctions, type FunctionsHarness, storageNotification } from './harness';

const BUCKET = 'edgeone-uploads';
const MiB = 1024 * 1024;

function eventIdOf(record: unknown): string {
  const r = normalizeEdgeone(record, { now: () => '2000-01-01T00:00:00Z' });
  if (!r.ok) throw new Error(r.error);
  return r.row.event_id;
}

const notification = (object: { name: string; generation: number }, messageId: string) => storageNotification(BUCKET, object, { messageId });

/** Resolves once `done()` holds, checking once per event-loop turn (an order, never a time). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

describe('edgeoneLogs (real function, local BigQuery and Cloud Storage contract endpoints): one record or object cannot hold up the rest', () => {
  requireVmModules();
  withoutGoogleCredentials();
  let fx: FunctionsHarness | undefined;
  const start = async (env: Record<string, string> = {}) => {
    fx = await startFunctions('edgeoneLogs', { UPLOAD_BUCKET: BUCKET, ...env });
    fx.storage.createBucket(BUCKET);
    return fx;
  };
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('lands the good records of a message that holds a field nested 6,000 levels deep, and dead-letters that record with the reason', async () => {
    const fx = await start();
    const good = [...generateEdgeoneL7({ count: 4, seed: 'deep' })];
    const deep = JSON.stringify(good[0]).replace('{', `{"Deep":${'{"a":'.repeat(6000)}1${'}'.repeat(6000)},`);
    const lines = [JSON.stringify(good[1]), deep, JSON.stringify(good[2]), JSON.stringify(good[3])];
    const res = await fx.sendEvent(messagePublished({ data: lines.join('\n'), messageId: 'deep-1' }));
    expect(res.status).toBe(204);
    expect(
      fx.bigquery
        .rows(ROWS_TABLE)
        .map((r) => r.event_id)
        .sort(),
    ).toEqual(good.slice(1).map(eventIdOf).sort());
    const errors = fx.bigquery.rows(ERRORS_TABLE);
    expect(errors).toEqual([expect.objectContaining({ stage: 'validate', message_id: 'deep-1', payload: deep, payload_truncated: false })]);
    expect(errors[0]!.reason).toMatch(/Deep: nested deeper than 100 levels/);
  });

  it('reads a gzip of 16 MiB of newlines to its last record while a concurrent one-record delivery is served first', async () => {
    const fx = await start();
    const [last, single] = [...generateEdgeoneL7({ count: 2, seed: 'newlines' })];
    const object = await fx.storage.putObject(
      BUCKET,
      'newlines.log.gz',
      gzipSync(Buffer.concat([Buffer.alloc(16 * MiB, 0x0a), Buffer.from(JSON.stringify(last))])),
    );
    const finished: string[] = [];
    const big = fx.sendEvent(notification(object, 'big')).then((r) => {
      finished.push('big');
      return r;
    });
    // Once the big object is being downloaded, the one-record message arrives.
    await until(() => fx.storage.requests.some((r) => r.query.alt === 'media'));
    const small = fx.sendEvent(messagePublished({ data: JSON.stringify(single), messageId: 'small' })).then((r) => {
      finished.push('small');
      return r;
    });
    const [bigRes, smallRes] = await Promise.all([big, small]);
    expect([bigRes.status, smallRes.status]).toEqual([204, 204]);
    expect(finished).toEqual(['small', 'big']);
    expect(
      fx.bigquery
        .rows(ROWS_TABLE)
        .map((r) => r.event_id)
        .sort(),
    ).toEqual([last, single].map(eventIdOf).sort());
    expect(fx.bigquery.rows(ERRORS_TABLE)).toEqual([]);
  });

  it('stops an object at INGEST_MAX_OBJECT_LINES and a message at INGEST_MAX_DEAD_LETTERS, with a dead letter saying where and why', async () => {
    const fx = await start({ INGEST_MAX_OBJECT_LINES: '100', INGEST_MAX_DEAD_LETTERS: '5' });
    const records = [...generateEdgeoneL7({ count: 150, seed: 'bounds' })];
    const object = await fx.storage.putObject(BUCKET, 'long.log', Buffer.from(records.map((r) => JSON.stringify(r)).join('\n')));
    expect((await fx.sendEvent(notification(object, 'lines'))).status).toBe(204);
    expect(fx.bigquery.rows(ROWS_TABLE)).toHaveLength(100);
    const [letter] = fx.bigquery.rows(ERRORS_TABLE);
    expect(letter).toMatchObject({ stage: 'parse', message_id: 'lines', object: `gs://${BUCKET}/long.log#${object.generation}:101` });
    expect(letter!.reason).toMatch(/more than the bound of 100 lines: it was read up to here, not beyond; land the whole input with `cdnlog ingest`/);

    const garbage = [...Array.from({ length: 20 }, (_, i) => `not json ${i}`), JSON.stringify(records[0])];
    expect((await fx.sendEvent(messagePublished({ data: garbage.join('\n'), messageId: 'junk' }))).status).toBe(204);
    const letters = fx.bigquery.rows(ERRORS_TABLE).filter((e) => e.message_id === 'junk');
    expect(letters).toHaveLength(6);
    expect(letters.filter((e) => /more than the bound of 5 records of this input were rejected/.test(String(e.reason)))).toEqual([
      expect.objectContaining({ stage: 'parse', payload: null }),
    ]);
    expect(fx.summaries().find((s) => s.message_id === 'junk')).toMatchObject({ rows_inserted: 0, dead_lettered: 6 });
  });
});
