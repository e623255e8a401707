import { PassThrough } from 'node:stream';
import { generate, generateHelp, parseGenerateArgs } from '../shared/cli/generate';
import { type CliIo, EXIT, UsageError } from '../shared/cli/io';
import { generateEdgeoneL4, type EdgeoneL4Record } from '../shared/generate/edgeone-l4';
import { generateEdgeoneL7, type EdgeoneL7Record } from '../shared/generate/edgeone-l7';
import { generateMediaCdn, type MediaCdnLogEntry } from '../shared/generate/media-cdn';
import type { GenerateOptions } from '../shared/generate/options';
import { createRng, hashSeed, weighted } from '../shared/generate/random';

const take = <T>(it: Iterable<T>): T[] => Array.from(it);
const jsonl = (records: object[]): string => records.map((r) => `${JSON.stringify(r)}\n`).join('');

const RFC3339_NANOS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DURATION = /^\d+\.\d{9}s$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const IPV6 = /^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){7}$/;
const CACHE_ID = /^[a-z]{3}-[0-9a-f]{13}$/;
const DISCONNECT =
  /^(up|down):(net_exception_peer_error|net_exception_peer_close|create_peer_channel_exception|channel_eof_exception|net_exception_closed|net_exception_timeout)$/;

const SOURCES: ReadonlyArray<readonly [string, (opts: GenerateOptions) => Iterable<object>]> = [
  ['media-cdn', generateMediaCdn],
  ['edgeone-l4', generateEdgeoneL4],
  ['edgeone-l7', generateEdgeoneL7],
];

describe('random', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng('abc');
    const b = createRng('abc');
    const c = createRng('abd');
    const seqA = Array.from({ length: 20 }, () => a.uint32());
    expect(Array.from({ length: 20 }, () => b.uint32())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.uint32())).not.toEqual(seqA);
    // "1" and 1 are different seeds, on purpose: the CLI always passes strings.
    expect(hashSeed('1')).not.toBe(hashSeed(1));
  });

  it('keeps helpers within their ranges and weighted picks near their weights', () => {
    const rng = createRng(7);
    const pick = weighted([
      ['a', 9],
      ['b', 1],
    ] as const);
    let a = 0;
    const bad: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const v = rng.int(3, 5);
      if (!(v >= 3 && v <= 5 && Number.isInteger(v))) bad.push(v);
      const p = rng.pareto(10, 1.5);
      if (!(p >= 10)) bad.push(p);
      const x = rng.exponential(2);
      if (!(x >= 0)) bad.push(x);
      if (pick(rng) === 'a') a++;
    }
    expect(bad).toEqual([]);
    expect(a / 20000).toBeGreaterThan(0.88);
    expect(a / 20000).toBeLessThan(0.92);
    expect(rng.hex(13)).toMatch(/^[0-9a-f]{13}$/);
  });
});

describe.each(SOURCES)('%s generator', (_name, gen) => {
  const generateLines = (count: number, seed: string | number, start?: Date): string => jsonl(take(gen({ count, seed, start })));

  it('yields exactly count records', () => {
    expect(take(gen({ count: 0, seed: 1 }))).toHaveLength(0);
    expect(take(gen({ count: 1234, seed: 1 }))).toHaveLength(1234);
  });

  it('is byte-identical for the same seed, different for another seed', () => {
    expect(generateLines(500, 'same')).toBe(generateLines(500, 'same'));
    expect(generateLines(500, 'same')).not.toBe(generateLines(500, 'other'));
  });

  it('is prefix-stable: a larger count starts with the smaller count output', () => {
    const small = generateLines(300, 's');
    const big = generateLines(3000, 's');
    expect(big.startsWith(small)).toBe(true);
  });

  it('honours start', () => {
    const later = generateLines(5, 's', new Date('2030-01-02T03:04:05Z'));
    expect(later).toContain('2030-01-02T03:04');
    expect(later).not.toContain('2026-11-01');
  });
});

describe('media-cdn entries', () => {
  const entries: MediaCdnLogEntry[] = take(generateMediaCdn({ count: 10000, seed: 'shape' }));
  // Per-record expect() calls are slow in jest: formats are checked on a sample, distributions on all.
  const sample = entries.slice(0, 2500);

  it('have the LogEntry envelope of the documented example', () => {
    const ids = new Set(entries.map((e) => e.insertId));
    expect(ids.size).toBe(entries.length);
    let previous = '';
    for (const e of sample) {
      expect(e.insertId).toMatch(/^[0-9a-f]{8}-0000-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@a1$/);
      expect(e.logName).toMatch(/^projects\/[a-z0-9-]+\/logs\/edgecache\.googleapis\.com%2Fedge_cache_request$/);
      expect(e.timestamp).toMatch(RFC3339_NANOS);
      expect(e.receiveTimestamp).toMatch(RFC3339_NANOS);
      // Fixed-width RFC 3339 strings compare in time order.
      expect(e.timestamp >= previous).toBe(true);
      expect(e.receiveTimestamp > e.timestamp).toBe(true);
      previous = e.timestamp;
      expect(e.resource.type).toBe('edgecache.googleapis.com/EdgeCacheRouteRule');
      const l = e.resource.labels;
      expect(l.resource_container).toMatch(/^projects\/\d+$/);
      expect(l.location).toBe('global');
      expect(l.route_type).toBe('ORIGIN');
      expect(l.route_destination).toBe(`${l.resource_container}/locations/global/edgeCacheOrigins/${e.jsonPayload.origin}`);
      for (const k of ['service_name', 'path_matcher_name', 'matched_path'] as const) expect(typeof l[k]).toBe('string');
    }
    expect(new Set(entries.map((e) => e.resource.labels.service_name)).size).toBeGreaterThanOrEqual(3);
  });

  it('have httpRequest with int64 sizes as strings and the right types', () => {
    const seen = { v6: 0, query: 0, serverIp: 0, referer: 0, protocols: new Set<string>(), statuses: new Set<number>() };
    for (const { httpRequest: h } of sample) {
      expect(['GET', 'HEAD']).toContain(h.requestMethod);
      expect(h.requestUrl).toMatch(/^https?:\/\/[a-z.]+\/\S*$/);
      expect(h.requestSize).toMatch(/^\d+$/);
      expect(h.responseSize).toMatch(/^\d+$/);
      expect(Number.isInteger(h.status)).toBe(true);
      expect(typeof h.userAgent).toBe('string');
      expect(IPV4.test(h.remoteIp) || IPV6.test(h.remoteIp)).toBe(true);
      if (IPV6.test(h.remoteIp)) seen.v6++;
      if (h.requestUrl.includes('?')) seen.query++;
      if (h.serverIp !== undefined) seen.serverIp++;
      if (h.referer !== undefined) seen.referer++;
      seen.protocols.add(h.protocol);
      seen.statuses.add(h.status);
    }
    expect([...seen.protocols].sort()).toEqual(['HTTP/1.1', 'HTTP/2', 'HTTP/3']);
    for (const s of [200, 206, 304, 404]) expect(seen.statuses).toContain(s);
    expect([...seen.statuses].some((s) => s >= 500)).toBe(true);
    for (const n of [seen.v6, seen.query, seen.serverIp, seen.referer]) {
      expect(n).toBeGreaterThan(sample.length * 0.01);
      expect(n).toBeLessThan(sample.length * 0.99);
    }
  });

  it('have an EdgeCacheLogEntry payload with documented value formats', () => {
    let cmcd = 0;
    let policy = 0;
    let chains = 0;
    for (const { jsonPayload: p, httpRequest: h } of sample) {
      expect(p['@type']).toBe('type.googleapis.com/google.cloud.edgecache.v1.EdgeCacheLogEntry');
      const plaintext = h.requestUrl.startsWith('http:');
      expect(p.tlsCipherSuite).toMatch(plaintext ? /^$/ : /^[0-9A-F]{4}$/);
      if (!plaintext) expect(['TLS 1.2', 'TLS 1.3']).toContain(p.tlsVersion);
      if (!plaintext) expect(p.tlsSniHostname).toBe(new URL(h.requestUrl).hostname);
      for (const id of p.cacheId.split(', ')) expect(id).toMatch(CACHE_ID);
      if (p.cacheId.includes(',')) chains++;
      expect(p.clientAsn).toMatch(/^\d+$/);
      expect(p.clientRegionCode).toMatch(/^[A-Z]{2}$/);
      expect(p.proxyRegionCode).toMatch(/^[A-Z]{2}$/);
      expect(p.metroIataCode).toMatch(/^[a-z]{3}$/);
      // The rightmost cache is the one nearest the user, i.e. the metro serving the request.
      expect(p.cacheId.split(', ').at(-1)?.slice(0, 3)).toBe(p.metroIataCode);
      expect(typeof p.clientCity).toBe('string');
      expect(p.latency).toMatch(DURATION);
      expect(p.httpTtfb).toMatch(DURATION);
      expect(parseFloat(p.httpTtfb)).toBeLessThanOrEqual(parseFloat(p.latency));
      expect(p.proxyStatus.startsWith('Google-Edge-Cache')).toBe(true);
      expect(['USE_ORIGIN_HEADERS', 'CACHE_ALL_STATIC', 'FORCE_CACHE_ALL', 'BYPASS_CACHE']).toContain(p.cacheMode);
      expect(p.cacheKeyFingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(p.requestId).toMatch(UUID);
      if (p.originalRequestId !== undefined) {
        expect(p.originalRequestId).toMatch(UUID);
        expect(p.originalRequestId).not.toBe(p.requestId);
      }
      if (p.cacheStatus !== undefined) {
        expect(p.cacheStatus).toMatch(/^(hit|miss|fetch|stale|revalidated)(, ?(hit|miss|fetch|stale|revalidated))*$/);
        expect(p.cacheStatus.split(',')).toHaveLength(p.cacheId.split(',').length);
      } else {
        expect(h.status).toBe(403);
      }
      if (p.compressionAlgorithmApplied !== undefined) expect(['br', 'gzip']).toContain(p.compressionAlgorithmApplied);
      if (p.cmcd !== undefined) {
        cmcd++;
        for (const k of Object.keys(p.cmcd)) expect(['br', 'bl', 'bs', 'cid', 'd', 'mtp', 'pr', 'sid', 'st']).toContain(k);
      }
      if (p.enforcedSecurityPolicy !== undefined) {
        policy++;
        const sp = p.enforcedSecurityPolicy;
        expect(typeof sp.name).toBe('string');
        expect(Number.isInteger(sp.priority)).toBe(true);
        expect(['ACCEPT', 'DENY']).toContain(sp.configuredAction);
        expect(sp.outcome === 'DENY').toBe(h.status === 403);
      }
    }
    for (const n of [cmcd, policy, chains]) {
      expect(n).toBeGreaterThan(sample.length * 0.02);
      expect(n).toBeLessThan(sample.length * 0.9);
    }
  });

  it('has a realistic mix: ~90% served from the edge, mostly 2xx, US the top country', () => {
    const edgeServed =
      entries.filter((e) => {
        const s = e.jsonPayload.cacheStatus;
        return s !== undefined && ['hit', 'stale', 'revalidated'].includes(s.split(',').at(-1)?.trim() ?? '');
      }).length / entries.length;
    expect(edgeServed).toBeGreaterThan(0.85);
    expect(edgeServed).toBeLessThan(0.95);
    const ok = entries.filter((e) => e.httpRequest.status < 300).length / entries.length;
    expect(ok).toBeGreaterThan(0.9);
    const byCountry = new Map<string, number>();
    for (const e of entries) byCountry.set(e.jsonPayload.clientRegionCode, (byCountry.get(e.jsonPayload.clientRegionCode) ?? 0) + 1);
    const ranked = [...byCountry].sort((a, b) => b[1] - a[1]).map(([c]) => c);
    expect(ranked[0]).toBe('US');
    expect(ranked.slice(0, 4)).toContain('IN');
    // Latency is skewed: median in milliseconds, tail in seconds.
    const lat = entries.map((e) => parseFloat(e.jsonPayload.latency)).sort((a, b) => a - b);
    expect(lat[Math.floor(lat.length / 2)]).toBeLessThan(0.5);
    expect(lat[Math.floor(lat.length * 0.99)]).toBeGreaterThan(1);
    // Segment sizes dwarf manifests.
    const size = (re: RegExp): number[] =>
      entries.filter((e) => re.test(e.httpRequest.requestUrl) && e.httpRequest.status === 200).map((e) => Number(e.httpRequest.responseSize));
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    expect(median(size(/\.(ts|m4s)(\?|$)/))).toBeGreaterThan(50 * median(size(/\.(m3u8|mpd)(\?|$)/)));
  });
});

describe('edgeone-l4 records', () => {
  const records: EdgeoneL4Record[] = take(generateEdgeoneL4({ count: 20000, seed: 'l4' }));
  const KEYS = [
    'ClientRealIP',
    'ClientRegion',
    'ConnectTimeStamp',
    'DisconnetReason',
    'DisconnetTimeStamp',
    'EdgeIP',
    'ForwardPort',
    'ForwardProtocol',
    'LogTimeStamp',
    'ReceivedBytes',
    'SentBytes',
    'ServiceID',
    'SessionID',
  ];

  it('have exactly the EdgeOne fields with the right formats, in log-time order', () => {
    let previous = '';
    for (const r of records.slice(0, 3000)) {
      expect(Object.keys(r).sort()).toEqual(KEYS);
      expect(r.ConnectTimeStamp).toMatch(ISO_SECONDS);
      expect(r.LogTimeStamp).toMatch(ISO_SECONDS);
      expect(r.LogTimeStamp >= r.ConnectTimeStamp).toBe(true);
      expect(r.LogTimeStamp >= previous).toBe(true);
      previous = r.LogTimeStamp;
      expect(r.ServiceID).toMatch(/^sid-[a-z0-9]{12}$/);
      expect(['TCP', 'UDP']).toContain(r.ForwardProtocol);
      expect(Number.isInteger(r.ForwardPort)).toBe(true);
      expect(Number.isInteger(r.ReceivedBytes) && r.ReceivedBytes >= 0).toBe(true);
      expect(Number.isInteger(r.SentBytes) && r.SentBytes >= 0).toBe(true);
      expect(IPV4.test(r.ClientRealIP) || IPV6.test(r.ClientRealIP)).toBe(true);
      expect(r.EdgeIP).toMatch(IPV4);
      expect(r.ClientRegion).toMatch(/^[A-Z]{2}$/);
    }
    const udp = records.filter((r) => r.ForwardProtocol === 'UDP').length / records.length;
    expect(udp).toBeGreaterThan(0.02);
    expect(udp).toBeLessThan(0.5);
  });

  it('log long sessions periodically: "-" until one final record that carries direction:reason', () => {
    const sessions = new Map<string, EdgeoneL4Record[]>();
    for (const r of records) sessions.set(r.SessionID, [...(sessions.get(r.SessionID) ?? []), r]);
    let multi = 0;
    let finals = 0;
    for (const recs of sessions.values()) {
      expect(new Set(recs.map((r) => r.ConnectTimeStamp)).size).toBe(1);
      expect(new Set(recs.map((r) => r.ServiceID)).size).toBe(1);
      expect(new Set(recs.map((r) => r.ClientRealIP)).size).toBe(1);
      expect(recs.slice(0, -1).filter((r) => r.DisconnetReason !== '-' || r.DisconnetTimeStamp !== '-')).toEqual([]);
      const last = recs[recs.length - 1] as EdgeoneL4Record;
      if (last.DisconnetReason !== '-') {
        finals++;
        expect(last.DisconnetReason).toMatch(DISCONNECT);
        expect(last.DisconnetTimeStamp).toBe(last.LogTimeStamp);
        if (recs.length >= 3) multi++;
      } else {
        expect(last.DisconnetTimeStamp).toBe('-');
      }
    }
    expect(finals).toBeGreaterThan(sessions.size / 2);
    expect(multi).toBeGreaterThan(50);
    // Periodic records of one session are a log interval apart.
    const long = [...sessions.values()].find((recs) => recs.length >= 4) as EdgeoneL4Record[];
    const gap = Date.parse((long[2] as EdgeoneL4Record).LogTimeStamp) - Date.parse((long[1] as EdgeoneL4Record).LogTimeStamp);
    expect(gap).toBeGreaterThanOrEqual(59_000);
    expect(gap).toBeLessThanOrEqual(61_000);
  });

  it('interleave concurrent sessions', () => {
    const firstTwoHundred = new Set(records.slice(0, 200).map((r) => r.SessionID));
    expect(firstTwoHundred.size).toBeGreaterThan(100);
    const reasons = new Set(records.map((r) => r.DisconnetReason));
    expect(reasons.size).toBeGreaterThan(6);
  });
});

describe('edgeone-l7 records', () => {
  const records: EdgeoneL7Record[] = take(generateEdgeoneL7({ count: 10000, seed: 'l7' }));

  it('have the documented fields and formats', () => {
    let previous = '';
    for (const r of records.slice(0, 2500)) {
      expect(r.RequestID).toMatch(/^\d{19,20}$/);
      expect(BigInt(r.RequestID) < 2n ** 64n).toBe(true);
      expect(r.RequestTime).toMatch(ISO_SECONDS);
      expect(r.LogTime).toMatch(ISO_SECONDS);
      expect(r.RequestTime >= previous).toBe(true);
      previous = r.RequestTime;
      expect(IPV4.test(r.ClientIP) || IPV6.test(r.ClientIP)).toBe(true);
      expect(r.ClientRegion).toMatch(/^[A-Z]{2}$/);
      expect(r.RequestUrl.startsWith('/')).toBe(true);
      expect(r.RequestUrlQueryString === '-' || !r.RequestUrlQueryString.startsWith('?')).toBe(true);
      expect(['TLS 1.2', 'TLS 1.3', '-']).toContain(r.RequestSSLProtocol);
      expect(['HTTP/1.0', 'HTTP/1.1', 'HTTP/2.0', 'HTTP/3', 'WebSocket']).toContain(r.RequestProtocol);
      expect(['hit', 'miss', 'dynamic', 'other', '-']).toContain(r.EdgeCacheStatus);
      expect(['TV', 'Tablet', 'Mobile', 'Desktop', 'Other']).toContain(r.ClientDeviceType);
      expect([0, 1, 2]).toContain(r.RequestStatus);
      expect(r.ParentRequestID === '-' || /^\d{19,20}$/.test(r.ParentRequestID)).toBe(true);
      for (const k of ['RequestBytes', 'RemotePort', 'EdgeResponseStatusCode', 'EdgeResponseBytes', 'EdgeResponseTime', 'EdgeInternalTime'] as const) {
        expect(Number.isInteger(r[k]) && r[k] >= -1).toBe(true);
      }
      if (r.EdgeResponseTime >= 0 && r.EdgeInternalTime >= 0) expect(r.EdgeInternalTime).toBeLessThanOrEqual(r.EdgeResponseTime);
      expect(r.RemotePort).toBe(r.RequestSSLProtocol === '-' ? 80 : 443);
    }
  });

  it('use the "-" and -1 placeholders in some records but not most', () => {
    const share = (pred: (r: EdgeoneL7Record) => boolean): number => records.filter(pred).length / records.length;
    for (const p of [share((r) => r.RequestUrlQueryString === '-'), share((r) => r.RequestReferer === '-'), share((r) => r.RequestRange === '-')]) {
      expect(p).toBeGreaterThan(0.3);
      expect(p).toBeLessThan(1);
    }
    for (const p of [
      share((r) => r.ClientState === '-'),
      share((r) => r.RequestSSLProtocol === '-'),
      share((r) => r.EdgeResponseTime === -1),
      share((r) => r.EdgeResponseBytes === -1),
      share((r) => r.ParentRequestID !== '-'),
      share((r) => r.SecurityAction !== '-'),
    ]) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(0.2);
    }
    const hits = share((r) => r.EdgeCacheStatus === 'hit');
    expect(hits).toBeGreaterThan(0.5);
    expect(hits).toBeLessThan(0.9);
    expect(share((r) => r.ClientRegion === 'CN')).toBeGreaterThan(0.25);
  });
});

describe('cdnlog generate', () => {
  interface Run {
    code: number;
    out: string;
    err: string;
  }

  async function run(args: string[]): Promise<Run> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const io: CliIo = { stdin: new PassThrough(), stdout, stderr, env: {} };
    const outChunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => outChunks.push(c));
    stderr.on('data', (c: Buffer) => errChunks.push(c));
    const code = await generate(args, io);
    return { code, out: Buffer.concat(outChunks).toString('utf8'), err: Buffer.concat(errChunks).toString('utf8') };
  }

  it.each(['media-cdn', 'edgeone-l4', 'edgeone-l7'])('streams --count JSON lines of %s, identical to the generator', async (source) => {
    const { code, out } = await run(['--source', source, '--count', '2500', '--seed', 'cli']);
    expect(code).toBe(EXIT.ok);
    const lines = out.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(2500);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const gen = SOURCES.find(([n]) => n === source)?.[1];
    expect(out).toBe(jsonl(take(gen!({ count: 2500, seed: 'cli' }))));
  });

  it('waits for drain: a slow reader still gets every line', async () => {
    const stdout = new PassThrough({ highWaterMark: 1024 });
    const io: CliIo = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env: {} };
    let writes = 0;
    const realWrite = stdout.write.bind(stdout);
    stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
      writes++;
      return (realWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stdout.write;
    let text = '';
    const reading = (async () => {
      for await (const chunk of stdout) {
        text += (chunk as Buffer).toString('utf8');
        await new Promise((r) => setImmediate(r));
      }
    })();
    const code = await generate(['--source', 'edgeone-l7', '--count', '3000'], io);
    stdout.end();
    await reading;
    expect(code).toBe(EXIT.ok);
    expect(text.split('\n')).toHaveLength(3001);
    // Batched: far fewer writes than lines.
    expect(writes).toBeLessThan(100);
  });

  it('is deterministic, seed-sensitive and honours --start', async () => {
    const a = await run(['--source', 'media-cdn', '--count', '200', '--seed', 'x', '--start', '2027-03-04T05:06:07Z']);
    const b = await run(['--source', 'media-cdn', '--count', '200', '--seed', 'x', '--start', '2027-03-04T05:06:07Z']);
    const c = await run(['--source', 'media-cdn', '--count', '200', '--seed', 'y', '--start', '2027-03-04T05:06:07Z']);
    expect(a.out).toBe(b.out);
    expect(a.out).not.toBe(c.out);
    expect(JSON.parse(a.out.split('\n')[0] as string).timestamp).toMatch(/^2027-03-04T05:06:07\./);
    const noSeed = await run(['--source', 'media-cdn', '--count', '200', '--start', '2027-03-04T05:06:07Z']);
    expect(noSeed.out).not.toBe(a.out);
  });

  it('prints help with every option', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(EXIT.ok);
    expect(out).toBe(generateHelp);
    for (const opt of ['--source', '--count', '--seed', '--start', 'media-cdn', 'edgeone-l4', 'edgeone-l7']) expect(generateHelp).toContain(opt);
  });

  it.each([
    [[], /--source is required/],
    [['--count', '5'], /--source is required/],
    [['--source', 'cloudfront', '--count', '5'], /unknown --source "cloudfront"/],
    [['--source', 'media-cdn'], /--count is required/],
    [['--source', 'media-cdn', '--count', '-3'], /--count/],
    [['--source', 'media-cdn', '--count', '1.5'], /--count must be a whole number/],
    [['--source', 'media-cdn', '--count', 'ten'], /--count must be a whole number/],
    [['--source', 'media-cdn', '--count', '5', '--start', 'yesterday'], /--start must be an ISO 8601/],
    [['--source', 'media-cdn', '--count', '5', '--start', '2026-13-45T00:00:00Z'], /--start must be an ISO 8601/],
    [['--source', 'media-cdn', '--count', '5', '--seed', ''], /--seed must not be empty/],
    [['--source', 'media-cdn', '--count', '5', '--bogus'], /bogus/],
    [['--source', 'media-cdn', '--count', '5', 'extra'], /extra/],
  ])('rejects %j with a UsageError (exit 2 via main)', async (args, message) => {
    expect(() => parseGenerateArgs(args)).toThrow(UsageError);
    expect(() => parseGenerateArgs(args)).toThrow(message);
    await expect(run(args)).rejects.toBeInstanceOf(UsageError);
    expect(EXIT.usage).toBe(2);
  });
});
