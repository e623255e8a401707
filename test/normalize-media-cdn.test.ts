import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeMediaCdn, nearestCacheStatus } from '../shared/normalizers/media-cdn';
import { EdgeLogRow } from '../shared/schema/edge-log';

const ctx = { now: () => '2026-11-21T00:00:00Z' };
/** The example entry of Google's Media CDN logging page (its invalid `0:` array index fixed). */
const example = JSON.parse(readFileSync(join(__dirname, 'fixtures/media-cdn-doc-example.json'), 'utf8'));

function normalized(entry: unknown) {
  const result = normalizeMediaCdn(entry, ctx);
  if (!result.ok) throw new Error(`rejected: ${result.error}`);
  expect(EdgeLogRow.safeParse(result.row).success).toBe(true);
  return result.row;
}

function rejection(entry: unknown): string {
  const result = normalizeMediaCdn(entry, ctx);
  if (result.ok) throw new Error('expected a rejection');
  return result.error;
}

const clone = () => JSON.parse(JSON.stringify(example));

describe('Media CDN normalizer: the example entry from the logging docs', () => {
  const row = normalized(example);

  it('maps every column', () => {
    expect(row).toEqual({
      event_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      source: 'media_cdn',
      log_type: 'http_request',
      event_time: '2022-11-19T00:24:13.695328Z',
      receive_time: '2022-11-19T00:24:16.715871Z',
      ingest_time: '2026-11-21T00:00:00Z',
      service: 'example_service',
      request_id: '4bde6381-cd17-47e1-8c2a-1aaa424a1156',
      session_id: null,
      client_ip: '62.36.0.43',
      client_country: 'IN',
      client_city: 'Mumbai',
      client_asn: 9299,
      edge_ip: null,
      edge_location: 'BOM',
      cache_id: 'maa-132eed13faa13',
      protocol: 'HTTP/2',
      port: null,
      http_method: 'GET',
      http_status: 200,
      url: 'https://example.com/image.jpg',
      host: 'example.com',
      path: '/image.jpg',
      query: null,
      user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/107.0.0.0 Safari/537.36',
      referer: null,
      cache_status: 'stale',
      cache_hit: true,
      ttfb_ms: expect.closeTo(5.05608, 9),
      latency_ms: expect.closeTo(5.1052, 9),
      egress_bytes: 3716,
      ingress_bytes: 3545,
      tls_version: 'TLS 1.3',
      tls_cipher_suite: '009C',
      tls_sni: null,
      connect_time: null,
      disconnect_time: null,
      disconnect_side: null,
      disconnect_reason: null,
      attributes: expect.any(String),
    });
  });

  it('keeps every unmapped field in attributes, under its original name and nesting', () => {
    expect(JSON.parse(row.attributes!)).toEqual({
      insertId: '617fa16e-0000-2ac9-9993-d4f547fe67d4@a1',
      logName: 'projects/my-project/logs/edgecache.googleapis.com%2Fedge_cache_request',
      jsonPayload: {
        '@type': 'type.googleapis.com/google.cloud.edgecache.v1.EdgeCacheLogEntry',
        origin: 'example_origin',
        proxyStatus: 'Google-Edge-Cache',
        cacheMode: 'FORCE_CACHE_ALL',
        cacheKeyFingerprint: 'c360ac18849b6336',
        compressionAlgorithmApplied: 'br',
        enforcedSecurityPolicy: example.jsonPayload.enforcedSecurityPolicy,
        originalRequestId: '19d92668-3948-49d8-9244-25f8252043e5',
        proxyRegionCode: 'IN',
        originIp: '74.125.128.128',
      },
      resource: {
        type: 'edgecache.googleapis.com/EdgeCacheRouteRule',
        labels: {
          matched_path: '/',
          path_matcher_name: 'routes',
          resource_container: 'projects/123456789',
          location: 'global',
          route_destination: 'projects/123456789/locations/global/edgeCacheOrigins/example_origin',
          route_type: 'ORIGIN',
        },
      },
    });
  });

  it('gives the same event_id every time, and a different one for another entry', () => {
    expect(normalized(clone()).event_id).toBe(row.event_id);
    const other = clone();
    other.insertId = 'another@a1';
    expect(normalized(other).event_id).not.toBe(row.event_id);
    // The same instant written with a different precision is the same record.
    const padded = clone();
    padded.timestamp = '2022-11-19T00:24:13.6953282Z';
    expect(normalized(padded).event_id).toBe(row.event_id);
  });
});

describe('Media CDN normalizer: field rules', () => {
  it.each([
    ['hit', 'hit', true],
    ['fetch, miss, miss', 'miss', false],
    ['hit,stale', 'stale', true],
    ['miss, REVALIDATED ', 'revalidated', true],
    ['miss,hit', 'hit', true],
    ['uncacheable', 'uncacheable', false],
  ])('cacheStatus %j → %s (hit: %s)', (chain, status, hit) => {
    const entry = clone();
    entry.jsonPayload.cacheStatus = chain;
    const row = normalized(entry);
    expect(row.cache_status).toBe(status);
    expect(row.cache_hit).toBe(hit);
  });

  it('has no cache outcome when the entry has no cacheStatus', () => {
    const entry = clone();
    delete entry.jsonPayload.cacheStatus;
    expect(normalized(entry)).toMatchObject({ cache_status: null, cache_hit: null });
    expect(nearestCacheStatus(' , ')).toBeNull();
  });

  it('splits the URL into host, path and query (query without ?, null when none)', () => {
    const entry = clone();
    entry.httpRequest.requestUrl = 'https://cdn.example.com:8443/v/seg-1.m4s?token=abc&x=1#frag';
    expect(normalized(entry)).toMatchObject({
      url: 'https://cdn.example.com:8443/v/seg-1.m4s?token=abc&x=1#frag',
      host: 'cdn.example.com:8443',
      path: '/v/seg-1.m4s',
      query: 'token=abc&x=1',
    });
    entry.httpRequest.requestUrl = 'https://cdn.example.com?';
    expect(normalized(entry)).toMatchObject({ host: 'cdn.example.com', path: '/', query: null });
  });

  it('falls back to httpRequest.latency when jsonPayload.latency is absent, and keeps it in attributes otherwise', () => {
    const entry = clone();
    entry.httpRequest.latency = '0.250s';
    const both = normalized(entry);
    expect(both.latency_ms).toBeCloseTo(5.1052, 9);
    expect(JSON.parse(both.attributes!).httpRequest).toEqual({ latency: '0.250s' });
    delete entry.jsonPayload.latency;
    const fallback = normalized(entry);
    expect(fallback.latency_ms).toBe(250);
    expect(JSON.parse(fallback.attributes!).httpRequest).toBeUndefined();
  });

  it('maps the optional HttpRequest fields and numeric int64s, and turns "" into null', () => {
    const entry = clone();
    Object.assign(entry.httpRequest, { serverIp: '34.104.0.1', referer: 'https://example.com/', requestSize: 10, cacheHit: true });
    entry.jsonPayload.tlsSniHostname = 'example.com';
    entry.jsonPayload.tlsCipherSuite = '';
    entry.jsonPayload.clientAsn = 15169;
    const row = normalized(entry);
    expect(row).toMatchObject({
      edge_ip: '34.104.0.1',
      referer: 'https://example.com/',
      ingress_bytes: 10,
      tls_sni: 'example.com',
      tls_cipher_suite: null,
      client_asn: 15169,
    });
    expect(JSON.parse(row.attributes!).httpRequest).toEqual({ cacheHit: true });
  });

  it('accepts a minimal entry with only its identity: logName, insertId and timestamp', () => {
    const row = normalized({ timestamp: '2026-01-02T03:04:05Z', insertId: 'a@1', logName: 'projects/p/logs/x' });
    expect(row).toMatchObject({ event_time: '2026-01-02T03:04:05Z', url: null, service: null });
  });
});

describe('Media CDN normalizer: rejections', () => {
  it.each([
    ['not an object', [1, 2], 'not a JSON object'],
    ['null', null, 'not a JSON object'],
    ['a string', 'hello', 'not a JSON object'],
    ['no timestamp', { insertId: 'x' }, 'timestamp: is required'],
    [
      'no insertId (two requests in one instant would share an id)',
      { timestamp: '2022-01-01T00:00:00Z', logName: 'projects/p/logs/x' },
      'insertId: is required',
    ],
    ['an empty insertId', { timestamp: '2022-01-01T00:00:00Z', logName: 'projects/p/logs/x', insertId: '' }, 'insertId: is required'],
    ['no logName', { timestamp: '2022-01-01T00:00:00Z', insertId: 'x' }, 'logName: is required'],
    ['an empty timestamp', { timestamp: '' }, 'timestamp: is required'],
    ['a bad timestamp', { timestamp: '2022-02-30T00:00:00Z' }, 'timestamp: not a valid timestamp'],
    ['a numeric timestamp', { timestamp: 1668817453 }, 'timestamp: Invalid input'],
    ['a bad receiveTimestamp', { timestamp: '2022-01-01T00:00:00Z', receiveTimestamp: 'soon' }, 'receiveTimestamp: not a valid timestamp'],
    ['a non-numeric size', { timestamp: '2022-01-01T00:00:00Z', httpRequest: { responseSize: '12kb' } }, 'httpRequest.responseSize: expected an integer'],
    ['a negative size', { timestamp: '2022-01-01T00:00:00Z', httpRequest: { requestSize: '-3' } }, 'httpRequest.requestSize: byte count must not be negative'],
    ['a fractional status', { timestamp: '2022-01-01T00:00:00Z', httpRequest: { status: 200.5 } }, 'httpRequest.status: expected an integer'],
    ['a bad Duration', { timestamp: '2022-01-01T00:00:00Z', jsonPayload: { httpTtfb: '157ms' } }, 'jsonPayload.httpTtfb: not a Duration'],
    ['a non-numeric ASN', { timestamp: '2022-01-01T00:00:00Z', jsonPayload: { clientAsn: 'AS9299' } }, 'jsonPayload.clientAsn: expected an integer'],
    ['httpRequest not an object', { timestamp: '2022-01-01T00:00:00Z', httpRequest: 'GET /' }, 'httpRequest: Invalid input'],
  ])('rejects %s', (_name, entry, reason) => {
    expect(rejection(entry)).toContain(reason);
  });

  it('reports every problem of a record at once', () => {
    const error = rejection({ timestamp: 'x', httpRequest: { requestSize: '-1', responseSize: 'big' } });
    expect(error).toContain('timestamp');
    expect(error).toContain('requestSize');
    expect(error).toContain('responseSize');
  });
});
