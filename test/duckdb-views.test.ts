import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NULL_ROW } from './support/null-row';
import type { EdgeLogRow } from '../shared/schema/edge-log';
import { type DuckDbSink, openDuckDbSink } from '../shared/sink/duckdb';

/** A row with every column; tests set what they need. */
function row(fields: Partial<EdgeLogRow> & Pick<EdgeLogRow, 'event_id' | 'event_time'>): EdgeLogRow {
  return { ...NULL_ROW, source: 'media_cdn', log_type: 'http_request', ingest_time: '2026-11-01T12:00:00Z', ...fields } as EdgeLogRow;
}

/** Nearest-rank quantile (the value at rank ceil(q·n)), what APPROX_QUANTILES(x, 100)[OFFSET(k)] approximates. */
function nearestRank(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('DuckDB sink and views on a fixed dataset', () => {
  let sink: DuckDbSink;
  const latencies = Array.from({ length: 21 }, (_, i) => ((i * 37) % 101) + 0.5); // 21 distinct values, unordered

  // Hour 10: 21 US requests of service vod, cache_hit true ×14, false ×5, null ×2; one of them sent twice.
  const http = latencies.map((latency, i) =>
    row({
      event_id: `req-${i}`,
      event_time: `2026-11-01T10:${String(i).padStart(2, '0')}:00.250Z`,
      service: 'vod',
      client_country: 'US',
      cache_hit: i < 14 ? true : i < 19 ? false : null,
      latency_ms: latency,
      egress_bytes: 1000 + i,
    }),
  );
  const resent = { ...http[3]!, ingest_time: '2026-11-01T12:05:00Z', egress_bytes: 999_999 };
  // One L4 session of three periodic records: bytes add up, the closing record says who closed it.
  const l4 = (i: number, fields: Partial<EdgeLogRow>) =>
    row({
      event_id: `l4-${i}`,
      source: 'edgeone',
      log_type: 'l4_session',
      event_time: `2026-11-01T10:0${i}:00Z`,
      service: 'sid-1',
      session_id: 'sess-1',
      client_ip: '203.0.113.9',
      client_country: 'CN',
      protocol: 'TCP',
      port: 443,
      connect_time: '2026-11-01T09:59:30.500Z',
      egress_bytes: 100 * (i + 1),
      ingress_bytes: 10 * (i + 1),
      ...fields,
    });
  const session = [
    l4(0, {}),
    l4(1, {}),
    l4(2, { disconnect_time: '2026-11-01T10:02:00.750Z', disconnect_side: 'client', disconnect_reason: 'net_exception_peer_close' }),
  ];
  const openSession = [l4(3, { event_id: 'l4-open', session_id: 'sess-2', connect_time: '2026-11-01T10:00:00Z' })];

  const query = async (sql: string) => (await sink.connection.runAndReadAll(sql)).getRowObjectsJson();

  beforeAll(async () => {
    sink = await openDuckDbSink({ path: join(mkdtempSync(join(tmpdir(), 'cdnlog-views-')), 'w.duckdb') });
    await sink.writeRows([...http, ...session]);
    await sink.writeRows(openSession);
  });
  afterAll(() => sink.close());

  it('lands each event_id once: a re-sent row adds nothing, and the sink says so', async () => {
    const before = sink.newRows;
    expect(await sink.writeRows([resent, ...session])).toEqual({ inserted: 4, deadLettered: 0 });
    expect(sink.newRows).toBe(before);
    expect(await query('SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM edge_logs')).toEqual([{ n: '25', d: '25' }]);
  });

  it('edge_logs_dedup keeps the first copy ingested when the table does hold a duplicate', async () => {
    // Duplicates can reach BigQuery (insertId dedup is best effort); force one past the sink's check.
    await sink.connection.run(
      `INSERT INTO edge_logs SELECT * REPLACE (TIMESTAMP '2026-11-01 12:05:00' AS ingest_time, 999999 AS egress_bytes) FROM edge_logs WHERE event_id = 'req-3'`,
    );
    expect(await query(`SELECT COUNT(*) AS n FROM edge_logs WHERE event_id = 'req-3'`)).toEqual([{ n: '2' }]);
    expect(await query(`SELECT egress_bytes FROM edge_logs_dedup WHERE event_id = 'req-3'`)).toEqual([{ egress_bytes: '1003' }]);
    expect(await query('SELECT COUNT(*) AS n FROM edge_logs_dedup')).toEqual([{ n: '25' }]);
  });

  it('l4_sessions folds the periodic records of a session into one row', async () => {
    const rows = await query('SELECT * FROM l4_sessions ORDER BY session_id');
    expect(rows).toEqual([
      expect.objectContaining({
        session_id: 'sess-1',
        record_count: '3',
        egress_bytes: '600',
        ingress_bytes: '60',
        connect_time: '2026-11-01 09:59:30.5',
        disconnect_time: '2026-11-01 10:02:00.75',
        first_event_time: '2026-11-01 10:00:00',
        last_event_time: '2026-11-01 10:02:00',
        duration_ms: String(Date.parse('2026-11-01T10:02:00.750Z') - Date.parse('2026-11-01T09:59:30.500Z')),
        is_open: false,
        disconnect_side: 'client',
        disconnect_reason: 'net_exception_peer_close',
        client_country: 'CN',
        port: '443',
      }),
      expect.objectContaining({ session_id: 'sess-2', record_count: '1', is_open: true, disconnect_side: null, duration_ms: String(3 * 60_000) }),
    ]);
  });

  it('traffic_hourly: requests, bytes, cache-hit ratio over known outcomes, p50/p95 latency', async () => {
    const [vod] = await query(`SELECT * FROM traffic_hourly WHERE service = 'vod'`);
    expect(vod).toEqual(
      expect.objectContaining({
        hour: '2026-11-01 10:00:00',
        source: 'media_cdn',
        requests: '21',
        sessions: '0',
        egress_bytes: String(http.reduce((s, r) => s + r.egress_bytes!, 0)),
        cache_hits: '14',
        cache_hit_ratio: 14 / 19,
        p50_latency_ms: nearestRank(latencies, 0.5),
        p95_latency_ms: nearestRank(latencies, 0.95),
      }),
    );
    const l4 = await query(`SELECT hour, requests, sessions, egress_bytes, cache_hit_ratio, p95_latency_ms FROM traffic_hourly WHERE log_type = 'l4_session'`);
    expect(l4).toEqual([
      { hour: '2026-11-01 10:00:00', requests: '0', sessions: '2', egress_bytes: String(100 + 200 + 300 + 400), cache_hit_ratio: null, p95_latency_ms: null },
    ]);
  });

  it('dead-letters a row the warehouse refuses and lands the rest of its batch', async () => {
    const bad = { ...row({ event_id: 'bad-1', event_time: '2026-11-01T11:00:00Z' }), ingest_time: null } as unknown as EdgeLogRow;
    const good = row({ event_id: 'good-1', event_time: '2026-11-01T11:00:00Z' });
    expect(await sink.writeRows([bad, good])).toEqual({ inserted: 1, deadLettered: 1 });
    const errors = await query(`SELECT stage, source, payload_truncated, reason FROM ingest_errors`);
    expect(errors).toEqual([expect.objectContaining({ stage: 'insert', source: 'media_cdn', payload_truncated: false })]);
    expect(String(errors[0]!.reason)).toMatch(/ingest_time/);
  });
});
