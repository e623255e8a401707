/**
 * Synthetic Google Media CDN request logs: Cloud Logging LogEntry objects shaped like the
 * example entry in the Media CDN logging docs (edge_cache_request, EdgeCacheLogEntry payload).
 *
 * One seeded random stream drives everything in request order and nothing depends on
 * `count`, so a longer run's output starts with a shorter run's output.
 */
import { type CdnObject, imageObject, liveObject, vodObject } from './catalog';
import { pickClient } from './clients';
import { durationFromNanos, hash64Hex, rfc3339Nanos, uuidFromKey, uuidV4 } from './format';
import { type Country, clientIp, pickCity, pickMediaCountry } from './geo';
import { DEFAULT_START, type GenerateOptions, diurnalFactor } from './options';
import { type Rng, createRng, weighted } from './random';

interface MediaCdnHttpRequest {
  requestMethod: string;
  requestUrl: string;
  /** int64 as a decimal string, as Cloud Logging's JSON encodes it. */
  requestSize: string;
  status: number;
  responseSize: string;
  userAgent: string;
  remoteIp: string;
  serverIp?: string;
  referer?: string;
  protocol: string;
}

interface Cmcd {
  br?: number;
  bl?: number;
  bs?: boolean;
  cid?: string;
  d?: number;
  mtp?: number;
  pr?: number;
  sid?: string;
  st?: string;
}

interface SecurityPolicy {
  name: string;
  priority: number;
  configuredAction: string;
  outcome: string;
}

export interface EdgeCacheLogEntry {
  '@type': 'type.googleapis.com/google.cloud.edgecache.v1.EdgeCacheLogEntry';
  tlsVersion?: string;
  tlsCipherSuite: string;
  cacheId: string;
  clientAsn: string;
  origin: string;
  clientRegionCode: string;
  metroIataCode: string;
  clientCity: string;
  latency: string;
  proxyStatus: string;
  httpTtfb: string;
  cacheMode: string;
  cacheKeyFingerprint: string;
  cacheStatus?: string;
  compressionAlgorithmApplied?: string;
  enforcedSecurityPolicy?: SecurityPolicy;
  originalRequestId?: string;
  proxyRegionCode: string;
  requestId: string;
  originIp?: string;
  tlsSniHostname?: string;
  rangeHeader?: string;
  cmcd?: Cmcd;
}

export interface MediaCdnLogEntry {
  insertId: string;
  jsonPayload: EdgeCacheLogEntry;
  httpRequest: MediaCdnHttpRequest;
  resource: {
    type: 'edgecache.googleapis.com/EdgeCacheRouteRule';
    labels: {
      matched_path: string;
      path_matcher_name: string;
      service_name: string;
      resource_container: string;
      location: string;
      route_destination: string;
      route_type: string;
    };
  };
  timestamp: string;
  logName: string;
  receiveTimestamp: string;
}

const PROJECT_ID = 'cdnlog-demo';
const PROJECT_NUMBER = '123456789012';
const LOG_NAME = `projects/${PROJECT_ID}/logs/edgecache.googleapis.com%2Fedge_cache_request`;

interface Service {
  name: string;
  host: string;
  matchedPath: string;
  origin: string;
  originIp: string;
  cacheMode: string;
  policy?: string;
  object: (rng: Rng, epochMs: number) => CdnObject;
  cacheStatus: (rng: Rng) => string;
}

// Edge-served (rightmost hit/stale/revalidated) shares: VOD 93%, live 85%, images 92%.
const vodCache = weighted([
  ['hit', 90],
  ['hit,stale', 0.5],
  ['revalidated', 2.5],
  ['hit, miss', 4.5],
  ['fetch, miss, miss', 2.5],
] as const);
const liveCache = weighted([
  ['hit', 80],
  ['hit,stale', 1],
  ['revalidated', 4],
  ['hit, miss', 10],
  ['fetch, miss, miss', 5],
] as const);
const imageCache = weighted([
  ['hit', 89],
  ['hit,stale', 1],
  ['revalidated', 2],
  ['hit, miss', 5],
  ['fetch, miss, miss', 3],
] as const);

const SERVICES: ReadonlyArray<readonly [Service, number]> = [
  [
    {
      name: 'vod-service',
      host: 'vod.example.com',
      matchedPath: '/vod/',
      origin: 'vod-origin',
      originIp: '74.125.128.128',
      cacheMode: 'CACHE_ALL_STATIC',
      object: (rng) => vodObject(rng),
      cacheStatus: vodCache,
    },
    55,
  ],
  [
    {
      name: 'live-service',
      host: 'live.example.com',
      matchedPath: '/live/',
      origin: 'live-origin',
      originIp: '35.186.220.14',
      cacheMode: 'USE_ORIGIN_HEADERS',
      policy: 'live-edge-policy',
      object: liveObject,
      cacheStatus: liveCache,
    },
    25,
  ],
  [
    {
      name: 'img-service',
      host: 'images.example.com',
      matchedPath: '/img/',
      origin: 'img-origin',
      originIp: '74.125.128.207',
      cacheMode: 'FORCE_CACHE_ALL',
      object: (rng) => imageObject(rng),
      cacheStatus: imageCache,
    },
    20,
  ],
];
const pickService = weighted(SERVICES);

const pickProtocol = weighted([
  ['HTTP/2', 60],
  ['HTTP/3', 25],
  ['HTTP/1.1', 15],
] as const);
const TLS13_SUITES = ['1301', '1302', '1303'] as const;
const TLS12_SUITES = ['C02F', 'C030', 'C02B', 'CCA8', '009C'] as const;
const pickServerError = weighted([
  [[502, 'Google-Edge-Cache; error=connection_refused'], 3],
  [[503, 'Google-Edge-Cache; error=destination_unavailable'], 2],
  [[504, 'Google-Edge-Cache; error=http_response_timeout'], 4],
  [[500, 'Google-Edge-Cache; error=proxy_internal_error'], 1],
] as const);

/** Origin shield a country's misses go through (the middle of a cacheId chain). */
const SHIELD: Readonly<Record<string, string>> = {
  US: 'iad',
  CA: 'ord',
  MX: 'dfw',
  BR: 'gru',
  DE: 'fra',
  GB: 'lhr',
  FR: 'fra',
  IN: 'bom',
  JP: 'nrt',
  KR: 'nrt',
  ID: 'sin',
  PH: 'sin',
  SG: 'sin',
  AU: 'syd',
  CN: 'hkg',
};
/** The cache nearest the origins (all in us-east): the leftmost entry of a full-miss chain. */
const ORIGIN_SHIELD = 'iad';

/** "maa-132eed13faa13": IATA code plus one of a few stable 13-hex-digit cache instance ids. */
function cacheInstance(rng: Rng, iata: string): string {
  return `${iata}-${hash64Hex(`${iata}#${rng.int(0, 3)}`).slice(0, 13)}`;
}

function cacheIdChain(rng: Rng, hops: number, edge: string, country: Country): string {
  const shield = SHIELD[country.code] ?? ORIGIN_SHIELD;
  const tiers = hops === 1 ? [edge] : hops === 2 ? [shield, edge] : [ORIGIN_SHIELD, shield, edge];
  return tiers.map((iata) => cacheInstance(rng, iata)).join(', ');
}

/** Requests per second: a daily cycle around a 40 req/s mean. */
function ratePerSecond(epochMs: number): number {
  return 40 * diurnalFactor(epochMs);
}

function formatUrl(scheme: string, host: string, obj: CdnObject): string {
  return `${scheme}://${host}${obj.path}${obj.query ? `?${obj.query}` : ''}`;
}

/** Yields `count` Media CDN LogEntries in timestamp order, starting at `start`. */
export function* generateMediaCdn(opts: GenerateOptions): Iterable<MediaCdnLogEntry> {
  const rng = createRng(opts.seed);
  // Microseconds since the epoch fit a double exactly; nanoseconds would not.
  let clockUs = (opts.start ?? DEFAULT_START).getTime() * 1000;
  // insertIds stay unique because their tail is a bijective scramble of the index.
  const insertSalt = rng.uint32();

  for (let i = 0; i < opts.count; i++) {
    if (i > 0) clockUs += Math.round(rng.exponential(1_000_000 / ratePerSecond(clockUs / 1000)));
    const epochMs = clockUs / 1000;
    const seconds = Math.floor(clockUs / 1_000_000);
    const nanos = (clockUs % 1_000_000) * 1000 + rng.int(0, 999);

    const service = pickService(rng);
    const obj = service.object(rng, epochMs);
    const country = pickMediaCountry(rng);
    const city = pickCity(rng, country);
    const client = pickClient(rng);
    const protocol = pickProtocol(rng);
    const plaintext = protocol === 'HTTP/1.1' && rng.chance(0.05);
    const tlsVersion = plaintext ? undefined : protocol === 'HTTP/3' || rng.chance(0.85) ? 'TLS 1.3' : 'TLS 1.2';
    const tlsCipherSuite = plaintext ? '' : tlsVersion === 'TLS 1.3' ? rng.pick(TLS13_SUITES) : rng.pick(TLS12_SUITES);
    const method = rng.chance(0.985) ? 'GET' : 'HEAD';
    // Mostly the nearest metro; sometimes traffic is steered to a neighbouring one.
    const edge = rng.chance(0.9) ? city.iata : pickCity(rng, country).iata;

    // Outcome: security-policy denial, origin/server error, not found, not modified, range, or OK.
    const denied = service.policy !== undefined && rng.chance(0.004);
    let status = 200;
    let proxyStatus = 'Google-Edge-Cache';
    let cacheStatus: string | undefined = service.cacheStatus(rng);
    let bodyBytes = obj.bytes;
    let rangeHeader: string | undefined;
    const r = rng.float();
    if (denied) {
      status = 403;
      cacheStatus = undefined;
      bodyBytes = rng.int(150, 400);
    } else if (r < 0.004) {
      const [code, ps] = pickServerError(rng);
      status = code;
      proxyStatus = ps;
      cacheStatus = 'fetch, miss, miss';
      bodyBytes = rng.int(100, 600);
    } else if (r < 0.016) {
      status = 404;
      bodyBytes = rng.int(200, 1600);
    } else if (r < 0.046) {
      status = 304;
      bodyBytes = 0;
    } else if (obj.kind !== 'manifest' && r < 0.046 + 0.08) {
      // Progressive download and some players fetch byte ranges.
      status = 206;
      const from = rng.chance(0.5) ? 0 : rng.int(0, Math.max(0, obj.bytes - 1));
      const to = Math.min(obj.bytes - 1, from + rng.pick([65535, 524287, 1048575, 2097151]));
      rangeHeader = `bytes=${from}-${to}`;
      bodyBytes = to - from + 1;
    }
    if (method === 'HEAD') bodyBytes = 0;

    const compression = obj.compressible && bodyBytes > 0 && status === 200 && rng.chance(0.85) ? (rng.chance(0.6) ? 'br' : 'gzip') : undefined;
    if (compression) bodyBytes = Math.max(100, Math.round(bodyBytes * (compression === 'br' ? 0.2 : 0.26)));
    const headerBytes = rng.int(280, 720);
    const responseSize = bodyBytes + headerBytes;
    const requestSize = Math.round(rng.logNormal(protocol === 'HTTP/1.1' ? 520 : 260, 0.45)) + obj.query.length;

    // Latency: edge TTFB of a few ms, plus a shield round trip on partial misses, plus the origin on
    // full misses; transfer time from a log-normal client throughput (median 25 Mbit/s).
    const tokens = cacheStatus === undefined ? ['miss'] : cacheStatus.split(',').map((t) => t.trim());
    let ttfbMs = rng.logNormal(3, 0.8);
    if (tokens.length >= 2) ttfbMs += rng.logNormal(25, 0.6);
    if (tokens.length >= 3) ttfbMs += rng.logNormal(120, 0.7);
    if (status === 504) ttfbMs += 30_000;
    if (tokens[tokens.length - 1] === 'revalidated') ttfbMs += rng.logNormal(40, 0.6);
    const transferMs = (responseSize * 8) / (rng.logNormal(25, 0.9) * 1000);
    const ttfbNs = Math.round(ttfbMs * 1e6);
    const latencyNs = Math.min(120e9, ttfbNs + Math.round(transferMs * 1e6) + rng.int(1000, 90_000));

    const scheme = plaintext ? 'http' : 'https';
    const browser = client.userAgent.startsWith('Mozilla/') && client.device !== 'Other';
    const cacheKey = `${service.host}${obj.path}`;
    const edgeHit = cacheStatus !== undefined && tokens[tokens.length - 1] !== 'miss';
    const video = obj.kind === 'segment' || obj.kind === 'manifest';

    const httpRequest: MediaCdnHttpRequest = {
      requestMethod: method,
      requestUrl: formatUrl(scheme, service.host, obj),
      requestSize: String(requestSize),
      status,
      responseSize: String(responseSize),
      userAgent: client.userAgent,
      remoteIp: clientIp(rng, country),
      protocol,
    };
    if (rng.chance(0.3)) httpRequest.serverIp = `34.${rng.pick([104, 110, 111, 149])}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
    if (browser && rng.chance(0.45)) httpRequest.referer = `https://www.example.com/${video ? `watch/${obj.path.split('/')[2]}` : ''}`;

    const payload: EdgeCacheLogEntry = {
      '@type': 'type.googleapis.com/google.cloud.edgecache.v1.EdgeCacheLogEntry',
      tlsVersion,
      tlsCipherSuite,
      cacheId: cacheIdChain(rng, tokens.length, edge, country),
      clientAsn: rng.pick(country.asns),
      origin: service.origin,
      clientRegionCode: country.code,
      metroIataCode: edge,
      clientCity: city.name,
      latency: durationFromNanos(latencyNs),
      proxyStatus,
      httpTtfb: durationFromNanos(ttfbNs),
      cacheMode: service.cacheMode,
      cacheKeyFingerprint: hash64Hex(cacheKey),
      cacheStatus,
      compressionAlgorithmApplied: compression,
      enforcedSecurityPolicy:
        service.policy === undefined
          ? undefined
          : denied
            ? { name: service.policy, priority: 100, configuredAction: 'DENY', outcome: 'DENY' }
            : { name: service.policy, priority: 1000, configuredAction: 'ACCEPT', outcome: 'ACCEPT' },
      // Set only for responses served from cache: the id of the request that filled it, stable per object.
      originalRequestId: edgeHit ? uuidFromKey(cacheKey) : undefined,
      proxyRegionCode: country.code,
      requestId: uuidV4(rng),
      originIp: denied ? undefined : service.originIp,
      tlsSniHostname: plaintext ? undefined : service.host,
      rangeHeader,
    };
    // Players with CMCD enabled send it on media requests; Media CDN logs only some keys.
    if (video && !browser && rng.chance(0.6)) payload.cmcd = cmcd(rng, obj);

    const receiveUs = clockUs + Math.round(rng.logNormal(2_500_000, 0.3));
    yield {
      insertId: `${rng.hex(8)}-0000-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}${scramble32(i ^ insertSalt)
        .toString(16)
        .padStart(8, '0')}@a1`,
      jsonPayload: payload,
      httpRequest,
      resource: {
        type: 'edgecache.googleapis.com/EdgeCacheRouteRule',
        labels: {
          matched_path: service.matchedPath,
          path_matcher_name: 'routes',
          service_name: service.name,
          resource_container: `projects/${PROJECT_NUMBER}`,
          location: 'global',
          route_destination: `projects/${PROJECT_NUMBER}/locations/global/edgeCacheOrigins/${service.origin}`,
          route_type: 'ORIGIN',
        },
      },
      timestamp: rfc3339Nanos(seconds, nanos),
      logName: LOG_NAME,
      receiveTimestamp: rfc3339Nanos(Math.floor(receiveUs / 1_000_000), (receiveUs % 1_000_000) * 1000 + rng.int(0, 999)),
    };
  }
}

/** Invertible 32-bit mix (xor-shifts and odd multipliers), so distinct inputs give distinct outputs. */
function scramble32(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 13), 0x85ebca6b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** CMCD keys Media CDN keeps (br, bl, bs, cid, d, mtp, pr, sid, st), typed as the CMCD spec defines them. */
function cmcd(rng: Rng, obj: CdnObject): Cmcd {
  const out: Cmcd = {};
  if (obj.kind === 'segment' && obj.bitrateKbps !== undefined) {
    out.br = obj.bitrateKbps;
    out.bl = Math.round((rng.float() * 30000) / 100) * 100;
    if (rng.chance(0.02)) out.bs = true;
    out.d = obj.durationMs;
    out.mtp = Math.round(rng.logNormal(obj.bitrateKbps * 3, 0.6) / 100) * 100;
  }
  out.cid = obj.path.split('/')[2];
  if (rng.chance(0.02)) out.pr = rng.pick([1.25, 1.5, 2]);
  out.sid = uuidV4(rng);
  out.st = obj.live ? 'l' : 'v';
  return out;
}
