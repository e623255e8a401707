/**
 * Synthetic Tencent EdgeOne L7 (site acceleration) access logs, shaped like the sample record
 * in the EdgeOne docs. EdgeOne writes "-" for an empty string field and -1 for an empty
 * integer field; both placeholders appear here in the situations where EdgeOne would use them
 * (unknown geo, plaintext, unfinished or aborted requests, dynamic content).
 *
 * One seeded stream drives the records in request order and nothing depends on `count`,
 * so output is prefix-stable.
 */
import { type CdnObject, siteObject } from './catalog';
import { pickClient } from './clients';
import { hash64Hex, isoSeconds } from './format';
import { type Country, clientIp, pickCity, pickEdgeoneCountry } from './geo';
import { DEFAULT_START, type GenerateOptions, diurnalFactor } from './options';
import { type Rng, createRng, weighted } from './random';

export interface EdgeoneL7Record {
  RequestID: string;
  RequestTime: string;
  ClientIP: string;
  ClientRegion: string;
  ClientState: string;
  ClientISP: string;
  RequestHost: string;
  RequestUrl: string;
  RequestUrlQueryString: string;
  RequestMethod: string;
  RequestProtocol: string;
  RequestSSLProtocol: string;
  RequestUA: string;
  RequestReferer: string;
  RequestRange: string;
  RequestBytes: number;
  RemotePort: number;
  EdgeCacheStatus: string;
  EdgeResponseStatusCode: number;
  EdgeResponseBytes: number;
  EdgeResponseTime: number;
  EdgeInternalTime: number;
  EdgeServerIP: string;
  EdgeServerID: string;
  ClientDeviceType: string;
  RequestStatus: number;
  LogTime: string;
  SecurityAction: string;
  ParentRequestID: string;
}

/** EdgeOne's placeholders for an empty string and an empty integer. */
const EMPTY_STRING = '-';
const EMPTY_INT = -1;

const HOST_BY_KIND: Readonly<Record<CdnObject['kind'], string>> = {
  page: 'www.example.com',
  api: 'api.example.com',
  static: 'static.example.com',
  image: 'img.example.com',
  manifest: 'video.example.com',
  segment: 'video.example.com',
};

const pickProtocol = weighted([
  ['HTTP/2.0', 55],
  ['HTTP/1.1', 27],
  ['HTTP/3', 16],
  ['HTTP/1.0', 2],
] as const);
const pickCacheStatus = weighted([
  ['hit', 86],
  ['miss', 12],
  ['other', 1.5],
  ['-', 0.5],
] as const);
// Inside mainland China EdgeOne reports the ISP; elsewhere the ASN. The CN labels are assumed.
const CN_ISPS = ['电信', '联通', '移动'] as const;

/** Requests per second: a daily cycle around a 60 req/s mean. */
function ratePerSecond(epochMs: number): number {
  return 60 * diurnalFactor(epochMs);
}

/** A 19-20 digit decimal id below 2^64, like "13515444256055847385" in the docs' sample. */
function requestId(rng: Rng): string {
  const tail = `${String(rng.uint32()).padStart(10, '0')}${String(rng.uint32()).padStart(10, '0')}`;
  return rng.chance(0.5) ? `${rng.int(1, 9)}${tail.slice(0, 18)}` : `1${rng.int(0, 7)}${tail.slice(0, 18)}`;
}

const EDGE_PREFIXES = ['43.152', '43.159', '43.175', '101.33'] as const;

/** One of a few edge servers per country, stable across runs: [IP, server id]. */
function edgeServer(rng: Rng, country: Country): [string, string] {
  const h = hash64Hex(`${country.code}#${rng.int(0, 7)}`);
  const prefix = EDGE_PREFIXES[parseInt(h.slice(4, 6), 16) % EDGE_PREFIXES.length] as string;
  const ip = `${prefix}.${parseInt(h.slice(0, 2), 16)}.${(parseInt(h.slice(2, 4), 16) % 254) + 1}`;
  // EdgeServerID's format is not documented; an opaque hex id is assumed.
  return [ip, h];
}

/** Yields `count` L7 access records in RequestTime order, starting at `start`. */
export function* generateEdgeoneL7(opts: GenerateOptions): Iterable<EdgeoneL7Record> {
  const rng = createRng(opts.seed);
  let clockMs = (opts.start ?? DEFAULT_START).getTime();
  let previousId = EMPTY_STRING;

  for (let i = 0; i < opts.count; i++) {
    if (i > 0) clockMs += rng.exponential(1000 / ratePerSecond(clockMs));
    const obj = siteObject(rng);
    const country = pickEdgeoneCountry(rng);
    const city = pickCity(rng, country);
    const client = pickClient(rng);
    const protocol = pickProtocol(rng);
    const plaintext = protocol !== 'HTTP/3' && rng.chance(0.05);
    const dynamic = obj.kind === 'api';
    const method = dynamic ? rng.pick(['GET', 'GET', 'POST', 'POST', 'OPTIONS'] as const) : rng.chance(0.99) ? 'GET' : 'HEAD';

    // Outcome: security block, server error, not found, not modified, range, or OK.
    let status = 200;
    let security = EMPTY_STRING;
    let bodyBytes = obj.bytes;
    let range = EMPTY_STRING;
    const r = rng.float();
    if (r < 0.003) {
      status = 403;
      security = 'Deny';
      bodyBytes = rng.int(500, 2000);
    } else if (r < 0.008) {
      status = rng.pick([500, 502, 504] as const);
      bodyBytes = rng.int(150, 600);
    } else if (r < 0.02) {
      status = 404;
      bodyBytes = rng.int(300, 4000);
    } else if (!dynamic && r < 0.05) {
      status = 304;
      bodyBytes = 0;
    } else if (obj.kind === 'segment' && r < 0.3) {
      status = 206;
      const to = Math.min(obj.bytes - 1, rng.pick([100, 65535, 1048575]));
      range = `0-${to}/${obj.bytes}`;
      bodyBytes = to + 1;
    } else if (rng.chance(0.004)) {
      // A rule in observe-only mode matched: logged, but the request goes through.
      security = 'Monitor';
    }
    if (method === 'HEAD' || method === 'OPTIONS') bodyBytes = 0;
    if (method === 'OPTIONS') status = 204;
    if (obj.compressible && bodyBytes > 0) bodyBytes = Math.round(bodyBytes * 0.25);

    const cacheStatus = dynamic || method === 'POST' ? 'dynamic' : pickCacheStatus(rng);
    let internalMs = rng.logNormal(4, 0.7);
    if (cacheStatus === 'miss' || cacheStatus === 'dynamic') internalMs += rng.logNormal(dynamic ? 150 : 80, 0.8);
    const transferMs = (bodyBytes * 8) / (rng.logNormal(20, 0.9) * 1000);
    let internal = Math.max(0, Math.round(internalMs));
    let responseTime = Math.max(internal, Math.round(internalMs + transferMs));
    let responseBytes = bodyBytes + rng.int(250, 650);

    // RequestStatus: 1 ended normally, 2 ended abnormally (client gave up), 0 still running at log time.
    let requestStatus = 1;
    const s = rng.float();
    if (s < 0.015) {
      requestStatus = 2;
      responseBytes = rng.int(0, responseBytes);
    } else if (s < 0.02) {
      requestStatus = 0;
      responseTime = EMPTY_INT;
      internal = rng.chance(0.5) ? internal : EMPTY_INT;
      responseBytes = EMPTY_INT;
    }

    const [edgeIp, edgeId] = edgeServer(rng, country);
    const id = requestId(rng);
    const query = obj.query === '' ? EMPTY_STRING : obj.query;
    const browser = client.userAgent.startsWith('Mozilla/');
    const doneMs = clockMs + Math.max(0, responseTime);
    yield {
      RequestID: id,
      RequestTime: isoSeconds(clockMs),
      ClientIP: clientIp(rng, country),
      ClientRegion: country.code,
      ClientState: rng.chance(0.03) ? EMPTY_STRING : city.state,
      ClientISP: rng.chance(0.02) ? EMPTY_STRING : country.code === 'CN' ? rng.pick(CN_ISPS) : rng.pick(country.asns),
      RequestHost: HOST_BY_KIND[obj.kind],
      RequestUrl: obj.path,
      RequestUrlQueryString: query,
      RequestMethod: method,
      RequestProtocol: protocol,
      RequestSSLProtocol: plaintext ? EMPTY_STRING : protocol === 'HTTP/3' || rng.chance(0.85) ? 'TLS 1.3' : 'TLS 1.2',
      RequestUA: rng.chance(0.005) ? EMPTY_STRING : client.userAgent,
      RequestReferer: browser && rng.chance(0.5) ? `https://www.example.com${rng.pick(['/', '/products/', '/news/'])}` : EMPTY_STRING,
      RequestRange: range,
      RequestBytes: Math.round(rng.logNormal(protocol === 'HTTP/1.1' ? 480 : 240, 0.45)) + (method === 'POST' ? rng.int(50, 4000) : 0),
      RemotePort: plaintext ? 80 : 443,
      EdgeCacheStatus: cacheStatus,
      EdgeResponseStatusCode: status,
      EdgeResponseBytes: responseBytes,
      EdgeResponseTime: responseTime,
      EdgeInternalTime: internal,
      EdgeServerIP: edgeIp,
      EdgeServerID: edgeId,
      ClientDeviceType: client.device,
      RequestStatus: requestStatus,
      LogTime: isoSeconds(doneMs + rng.int(0, 2000)),
      SecurityAction: security,
      // Edge-function subrequests point at the request that spawned them.
      ParentRequestID: previousId !== EMPTY_STRING && rng.chance(0.005) ? previousId : EMPTY_STRING,
    };
    previousId = id;
  }
}
