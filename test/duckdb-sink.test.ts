import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EdgeLogRow } from '../shared/schema/edge-log';
import type { IngestErrorRow } from '../shared/schema/ingest-error';
import { type DuckDbSink, openDuckDbSink } from '../shared/sink/duckdb';
import { NULL_ROW } from './support/null-row';

function row(i: number, fields: Partial<EdgeLogRow> = {}): EdgeLogRow {
  return {
    ...NULL_ROW,
    event_id: `e-${i}`,
    source: 'media_cdn',
    log_type: 'http_request',
    event_time: `2026-11-01T10:00:${String(i % 60).padStart(2, '0')}.5Z`,
    ingest_time: '2026-11-01T12:00:00Z',
    ...fields,
  } as EdgeLogRow;
}

describe('DuckDB sink loads', () => {
  let sink: DuckDbSink;
  const count = async (sql: string) => Number(((await sink.connection.runAndReadAll(sql)).getRowsJson() as [[string]])[0][0]);

  beforeEach(async () => {
    sink = await openDuckDbSink({ path: join(mkdtempSync(join(tmpdir(), 'cdnlog-sink-')), 'w.duckdb') });
  });
  afterEach(() => sink.close());

  it('coalesces concurrent writes into one load and answers each caller for its own rows', async () => {
    const writes = [0, 1, 2].map((w) => sink.writeRows(Array.from({ length: 100 }, (_, i) => row(w * 100 + i))));
    expect(await Promise.all(writes)).toEqual([0, 1, 2].map(() => ({ inserted: 100, deadLettered: 0 })));
    expect(await count('SELECT COUNT(*) FROM edge_logs')).toBe(300);
    expect(sink.newRows).toBe(300);
  });

  it('retries a refused load caller by caller and dead-letters only the row DuckDB refuses', async () => {
    const good = sink.writeRows([row(1), row(2)]);
    const mixed = sink.writeRows(
      [row(3), row(4, { event_time: 'not a time' }), row(5)],
      [undefined, { source: 'media_cdn', messageId: 'm-4', object: 'gs://b/o#1', line: 7, attributes: null }, undefined],
    );
    expect(await good).toEqual({ inserted: 2, deadLettered: 0 });
    expect(await mixed).toEqual({ inserted: 2, deadLettered: 1 });
    expect(await count('SELECT COUNT(*) FROM edge_logs')).toBe(4);
    const [letter] = (await sink.connection.runAndReadAll('SELECT stage, reason, message_id, object, payload FROM ingest_errors')).getRowObjectsJson();
    expect(letter).toMatchObject({ stage: 'insert', message_id: 'm-4', object: 'gs://b/o#1:7' });
    expect(String(letter!.reason)).toMatch(/^DuckDB refused the row: /);
    expect(JSON.parse(String(letter!.payload))).toMatchObject({ event_id: 'e-4', event_time: 'not a time' });
  });

  it('rejects a write it cannot encode, leaving none of its rows in the load its neighbours share', async () => {
    const before = sink.writeRows([row(1)]);
    // Enough rows that the failed call had already put a piece on disk before it failed.
    const big = Array.from({ length: 300 }, (_, i) => row(100 + i, { user_agent: 'x'.repeat(500) }));
    const failed = sink.writeRows([...big, row(2, { port: 1n as unknown as number })]);
    const after = sink.writeRows([row(3)]);
    await expect(failed).rejects.toThrow(/BigInt/);
    expect(await Promise.all([before, after])).toEqual([
      { inserted: 1, deadLettered: 0 },
      { inserted: 1, deadLettered: 0 },
    ]);
    expect(await count('SELECT COUNT(*) FROM edge_logs')).toBe(2);
    expect(await count('SELECT COUNT(*) FROM ingest_errors')).toBe(0);
  });

  it('leaves no load files behind', async () => {
    await sink.writeRows([row(1)]);
    // A write resolves when its rows are in; the load file goes right after, in the same
    // serialized job. Error writes queue behind that job, so once this one is done, so is the delete.
    await sink.writeErrors([]);
    const dir = (sink as unknown as { tempDir: string }).tempDir;
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('DuckDB sink dead letters', () => {
  let sink: DuckDbSink;
  const letter = (i: number, fields: Partial<IngestErrorRow> = {}): IngestErrorRow => ({
    error_id: `err-${i}`,
    error_time: '2026-11-01T12:00:00.123456Z',
    source: 'edgeone',
    stage: 'validate',
    reason: `line ${i}: RequestTime: not a timestamp`,
    message_id: null,
    object: `/data/a.log:${i}`,
    payload: `{"RequestID":"r${i}","note":"quote \\" and newline \\n and 日本"}`,
    payload_truncated: false,
    attributes: i % 2 ? JSON.stringify({ bucketId: 'b', nested: { n: i } }) : null,
    ...fields,
  });

  beforeEach(async () => {
    sink = await openDuckDbSink({ path: join(mkdtempSync(join(tmpdir(), 'cdnlog-sink-')), 'e.duckdb') });
  });
  afterEach(() => sink.close());

  it('writes a batch in one load, values intact, and counts only the letters new to the table', async () => {
    const letters = Array.from({ length: 2500 }, (_, i) => letter(i));
    await sink.writeErrors(letters);
    expect(sink.newErrors).toBe(2500);
    // Repeats (a re-run), and a repeat inside the batch itself, add nothing.
    await sink.writeErrors([...letters.slice(0, 10), letter(9000), letter(9000)]);
    expect(sink.newErrors).toBe(2501);
    const stored = (
      await sink.connection.runAndReadAll(
        "SELECT error_id, strftime(error_time, '%Y-%m-%dT%H:%M:%S.%fZ') AS error_time, source, stage, reason, message_id, object, payload, payload_truncated, CAST(attributes AS VARCHAR) AS attributes FROM ingest_errors WHERE error_id IN ('err-7', 'err-8')  ORDER BY error_id",
      )
    ).getRowObjectsJson();
    expect(stored).toEqual([letter(7), letter(8)]);
  });

  it('falls back to letter by letter when DuckDB refuses the batch: the good letters land, the write fails naming the bad one', async () => {
    await expect(sink.writeErrors([letter(1), letter(2, { error_time: 'not a time' }), letter(3)])).rejects.toThrow(/DuckDB refused dead letter err-2/);
    const ids = (await sink.connection.runAndReadAll('SELECT error_id FROM ingest_errors ORDER BY error_id')).getRowsJson().flat();
    expect(ids).toEqual(['err-1', 'err-3']);
  });
});
