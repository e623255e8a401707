import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeEdgeone, splitDisconnectReason } from '../shared/normalizers/edgeone';
import { EdgeLogRow, type EdgeLogRow as Row } from '../shared/schema/edge-log';

const ctx = { now: () => '2026-11-21T00:00:00Z' };
const fixture = (name: string) =>
  readFileSync(join(__dirname, 'fixtures', name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

function normalized(record: unknown): Row {
  const result = normalizeEdgeone(record, ctx);
  if (!result.ok) throw new Error(`rejected: ${result.error}`);
  expect(EdgeLogRow.safeParse(result.row).success).toBe(true);
  return result.row;
}

function rejection(record: unknown): string {
  const result = normalizeEdgeone(record, ctx);
  if (result.ok) throw new Error('expected a rejection');
  return result.error;
}

describe('EdgeOne L4: a long TCP session logged periodically', () => {
  const records = fixture('edgeone-l4-session.jsonl');
  const rows = records.map(normalized);

  it('maps every column of an interval record', () => {
    expect(rows[0]).toEqual({
      event_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      source: 'edgeone',
      log_type: 'l4_session',
      event_time: '2026-11-01T08:01:00Z',
      receive_time: null,
      ingest_time: '2026-11-21T00:00:00Z',
      service: 'sid-2ma6jwnq1kxz',
      request_id: null,
      session_id: '7f3c1a2b9d4e5f60',
      client_ip: '203.0.113.7',
      client_country: 'SG',
      client_city: null,
      client_asn: null,
      edge_ip: '43.152.0.10',
      edge_location: null,
      cache_id: null,
      protocol: 'TCP',
      port: 443,
      http_method: null,
      http_status: null,
      url: null,
      host: null,
      path: null,
      query: null,
      user_agent: null,
      referer: null,
      cache_status: null,
      cache_hit: null,
      ttfb_ms: null,
      latency_ms: null,
      egress_bytes: 1048576,
      ingress_bytes: 2048,
      tls_version: null,
      tls_cipher_suite: null,
      tls_sni: null,
      connect_time: '2026-11-01T08:00:00Z',
      disconnect_time: null,
      disconnect_side: null,
      disconnect_reason: null,
      attributes: null,
    });
  });

  it('keeps one session id, per-interval bytes, and the disconnect only on the final record', () => {
    expect(new Set(rows.map((r) => r.session_id)).size).toBe(1);
    expect(rows.map((r) => r.egress_bytes)).toEqual([1048576, 524288, 4096]);
    expect(rows.map((r) => r.ingress_bytes)).toEqual([2048, 1024, 512]);
    expect(rows.map((r) => r.disconnect_time)).toEqual([null, null, '2026-11-01T08:02:31Z']);
    expect(rows[2]).toMatchObject({ disconnect_side: 'client', disconnect_reason: 'net_exception_peer_close' });
  });

  it('gives each record of the session its own stable event_id', () => {
    const ids = rows.map((r) => r.event_id);
    expect(new Set(ids).size).toBe(3);
    expect(records.map((r) => normalized(r).event_id)).toEqual(ids);
  });

  it.each([
    ['up:net_exception_timeout', 'origin', 'net_exception_timeout'],
    ['down: channel_eof_exception', 'client', 'channel_eof_exception'],
    ['sideways:net_exception_closed', null, 'net_exception_closed'],
    ['create_peer_channel_exception', null, 'create_peer_channel_exception'],
    [null, null, null],
  ])('DisconnetReason %j → side %s, reason %s', (value, side, reason) => {
    expect(splitDisconnectReason(value)).toEqual({ side, reason });
  });

  it('keeps unmapped fields in attributes, with "-" and -1 as null', () => {
    const row = normalized({ ...records[0], Extra: 'x', Pending: '-', Count: -1 });
    expect(JSON.parse(row.attributes!)).toEqual({ Extra: 'x', Pending: null, Count: null });
  });

  it('reads -1 integers and "-" strings as null', () => {
    const row = normalized({ ...records[0], ForwardPort: -1, SentBytes: -1, EdgeIP: '-', ClientRegion: '' });
    expect(row).toMatchObject({ port: null, ingress_bytes: null, edge_ip: null, client_country: null });
  });
});

describe('EdgeOne L7: access records with placeholders', () => {
  const [tencent, plain] = fixture('edgeone-l7-placeholders.jsonl').map(normalized);

  it('maps the documented sample record', () => {
    expect(tencent).toMatchObject({
      source: 'edgeone',
      log_type: 'http_request',
      event_time: '2022-07-01T02:37:13Z',
      request_id: '13515444256055847385',
      client_ip: '119.29.0.1',
      client_country: 'CN',
      edge_ip: null,
      protocol: 'HTTP/2.0',
      port: 443,
      http_method: 'GET',
      http_status: 200,
      url: 'https://www.tencent.com/en-us/about.html',
      host: 'www.tencent.com',
      path: '/en-us/about.html',
      query: null,
      user_agent: 'Mozilla/5.0',
      referer: null,
      cache_status: null,
      cache_hit: null,
      ttfb_ms: 334,
      latency_ms: 366,
      egress_bytes: 39430,
      ingress_bytes: 237,
      tls_version: 'TLS 1.3',
      service: null,
      session_id: null,
    });
    expect(JSON.parse(tencent!.attributes!)).toEqual({
      ClientState: 'CH-AH',
      RequestRange: '0-100/200',
      ClientISP: null,
      ClientDeviceType: 'Desktop',
      SecurityAction: null,
      RequestStatus: 1,
    });
  });

  it('builds an http URL with the query for a plaintext request, and maps -1 to null', () => {
    expect(plain).toMatchObject({
      url: 'http://static.example.com/img/logo.png?v=3&w=200',
      query: 'v=3&w=200',
      tls_version: null,
      ingress_bytes: null,
      port: null,
      ttfb_ms: null,
      latency_ms: 12,
      cache_status: 'hit',
      cache_hit: true,
      event_time: '2022-07-01T02:37:14.5Z',
      client_country: 'US',
    });
  });

  it.each([
    ['MISS', 'miss', false],
    ['dynamic', 'dynamic', false],
    ['Hit', 'hit', true],
  ])('EdgeCacheStatus %s → %s', (status, normalizedStatus, hit) => {
    const row = normalized({ RequestID: '1', RequestTime: '2022-07-01T00:00:00Z', EdgeCacheStatus: status });
    expect(row).toMatchObject({ cache_status: normalizedStatus, cache_hit: hit, url: null });
  });

  const base = { RequestID: '9', RequestTime: '2026-11-01T10:00:00Z', RequestHost: 'a.example', RequestUrl: '/x' };

  it('takes the URL scheme from RequestScheme when present, and guesses from TLS only when it is absent', () => {
    expect(normalized({ ...base, RequestScheme: 'HTTP', RequestSSLProtocol: 'TLS 1.3' }).url).toBe('http://a.example/x');
    expect(normalized({ ...base, RequestScheme: 'https', RequestSSLProtocol: '-' }).url).toBe('https://a.example/x');
    expect(normalized({ ...base, RequestScheme: '-', RequestSSLProtocol: 'TLS 1.2' }).url).toBe('https://a.example/x');
    expect(normalized({ ...base, RequestSSLProtocol: '-' }).url).toBe('http://a.example/x');
    expect(normalized({ ...base, RequestScheme: 'not a scheme' }).url).toBe('http://a.example/x');
    expect(normalized({ ...base, RequestScheme: 'https' }).attributes).toBeNull();
  });

  it('maps the edge region to edge_location, spelled as documented (EdgeSeverRegion) or corrected', () => {
    expect(normalized({ ...base, EdgeSeverRegion: 'HK' })).toMatchObject({ edge_location: 'HK', attributes: null });
    expect(normalized({ ...base, EdgeServerRegion: 'SG' })).toMatchObject({ edge_location: 'SG', attributes: null });
    expect(normalized({ ...base, EdgeSeverRegion: '-' }).edge_location).toBeNull();
  });

  it.each([
    [13335, 13335],
    ['13335', 13335],
    ['AS4134', 4134],
    ['as 1', null],
    ['CTCC', null],
    ['-', null],
    [-1, null],
    [0, null],
    ['99999999999', null],
  ])('ClientISP %p → client_asn %p, and an ISP name stays in attributes', (isp, asn) => {
    const row = normalized({ ...base, ClientISP: isp });
    expect(row.client_asn).toBe(asn);
    expect(row.attributes === null ? {} : JSON.parse(row.attributes)).toEqual(asn === null ? { ClientISP: isp === '-' || isp === -1 ? null : isp } : {});
  });

  it('tells L4 from L7 per record in one stream', () => {
    const l4 = fixture('edgeone-l4-session.jsonl')[0];
    const l7 = fixture('edgeone-l7-placeholders.jsonl')[0];
    expect([l4, l7, l4].map((r) => normalized(r).log_type)).toEqual(['l4_session', 'http_request', 'l4_session']);
  });

  it('event_id differs between L7 records and is stable', () => {
    expect(tencent!.event_id).not.toBe(plain!.event_id);
    expect(normalized(fixture('edgeone-l7-placeholders.jsonl')[0]).event_id).toBe(tencent!.event_id);
  });
});

describe('EdgeOne rejections', () => {
  const l4 = { SessionID: 's1', LogTimeStamp: '2026-11-01T00:00:00Z', ServiceID: 'svc' };
  const l7 = { RequestID: 'r1', RequestTime: '2026-11-01T00:00:00Z' };
  it.each([
    ['not an object', 'text', 'not a JSON object'],
    ['an array', [l4], 'not a JSON object'],
    ['neither kind', { ClientIP: '1.2.3.4' }, 'neither an EdgeOne L4 record'],
    ['L4 without SessionID', { LogTimeStamp: '2026-11-01T00:00:00Z' }, 'SessionID: is required'],
    ['L4 without LogTimeStamp', { SessionID: 's1' }, 'LogTimeStamp: is required'],
    ['L4 with "-" SessionID', { ...l4, SessionID: '-' }, 'SessionID: is required'],
    ['L4 bad LogTimeStamp', { ...l4, LogTimeStamp: '2026-11-31T00:00:00Z' }, 'LogTimeStamp: not a valid timestamp'],
    ['L4 bad ConnectTimeStamp', { ...l4, ConnectTimeStamp: 'then' }, 'ConnectTimeStamp: not a valid timestamp'],
    ['L4 non-numeric bytes', { ...l4, SentBytes: '1,024' }, 'SentBytes: expected an integer'],
    ['L4 negative bytes', { ...l4, ReceivedBytes: -20 }, 'ReceivedBytes: byte count must not be negative'],
    ['L4 boolean port', { ...l4, ForwardPort: true }, 'ForwardPort: Invalid input'],
    ['L7 without RequestID', { RequestTime: '2026-11-01T00:00:00Z' }, 'RequestID: is required'],
    ['L7 without RequestTime', { RequestID: 'r1' }, 'RequestTime: is required'],
    ['L7 bad RequestTime', { ...l7, RequestTime: '01/11/2026' }, 'RequestTime: not a valid timestamp'],
    ['L7 non-numeric status', { ...l7, EdgeResponseStatusCode: 'OK' }, 'EdgeResponseStatusCode: expected an integer'],
    ['L7 negative bytes', { ...l7, EdgeResponseBytes: -5 }, 'EdgeResponseBytes: byte count must not be negative'],
    ['L7 non-numeric time', { ...l7, EdgeResponseTime: 'slow' }, 'EdgeResponseTime: expected a number'],
  ])('rejects %s', (_name, record, reason) => {
    expect(rejection(record)).toContain(reason);
  });
});
