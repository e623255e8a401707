import { attributesJson, isEmptyObject, isPlainObject, remainder } from '../values/attributes';
import { eventId } from '../values/event-id';
import { describeIssues, reject, type NormalizeContext, type NormalizeResult } from './result';
import { splitUrl } from '../values/url';
import { duration, integer, requiredId, text, timestamp, upper, type Issues } from '../values/values';
import { fastParser } from '../vendor-records/fast-parse';
import { MAPPED_FIELDS, MediaCdnLogEntry } from '../vendor-records/media-cdn';

const parseEntry = fastParser(MediaCdnLogEntry);

// Rows are written out column by column, in table order, rather than spread from a template: a
// fixed-shape object literal is an order of magnitude cheaper to build, and each normalizer reads
// as the complete mapping of its source.

/** Statuses that mean the nearest cache answered from its copy. */
const CACHE_HITS = new Set(['hit', 'stale', 'revalidated']);

/** The status nearest the user: the last element of a chain like "fetch, miss, miss" or "hit,stale". */
export function nearestCacheStatus(chain: string | null): string | null {
  if (chain === null) return null;
  const last = chain
    .slice(chain.lastIndexOf(',') + 1)
    .trim()
    .toLowerCase();
  return last || null;
}

/**
 * Unmapped LogEntry content, keeping the LogEntry's own nesting so names stay unambiguous
 * (`resource.labels.location` is not `jsonPayload.location`).
 */
function mediaCdnAttributes(raw: Record<string, unknown>, usedHttpLatency: boolean): Record<string, unknown> {
  const attrs = remainder(raw, MAPPED_FIELDS.entry);
  const nested = [
    ['httpRequest', usedHttpLatency ? MAPPED_FIELDS.httpRequestWithLatency : MAPPED_FIELDS.httpRequest],
    ['jsonPayload', MAPPED_FIELDS.jsonPayload],
  ] as const;
  for (const [key, mapped] of nested) {
    const value = raw[key];
    if (!isPlainObject(value)) continue;
    const rest = remainder(value, mapped);
    if (!isEmptyObject(rest)) attrs[key] = rest;
  }
  if (isPlainObject(raw.resource)) {
    const resource = remainder(raw.resource, MAPPED_FIELDS.resource);
    if (isPlainObject(raw.resource.labels)) {
      const labels = remainder(raw.resource.labels, MAPPED_FIELDS.resourceLabels);
      if (!isEmptyObject(labels)) resource.labels = labels;
    }
    if (!isEmptyObject(resource)) attrs.resource = resource;
  }
  return attrs;
}

/** Normalizes one Media CDN LogEntry (already JSON-parsed) into a unified row, or a rejection. */
export function normalizeMediaCdn(raw: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isPlainObject(raw)) return reject('not a JSON object');
  const parsed = parseEntry(raw);
  if (!parsed.success) return reject(describeIssues(parsed.error));
  const entry = parsed.data;
  const http = entry.httpRequest ?? {};
  const payload = entry.jsonPayload ?? {};
  const issues: Issues = [];
  // The entry's identity as Cloud Logging defines it (entries of one log with the same timestamp
  // and insertId are one entry). Logging gives every entry an insertId; without one, two requests
  // in the same instant could not be told apart, so the entry is rejected rather than guessed at.
  const logName = requiredId(entry.logName, 'logName', issues);
  const insertId = requiredId(entry.insertId, 'insertId', issues);
  const time = timestamp(entry.timestamp, 'timestamp', issues, true);
  const receive = timestamp(entry.receiveTimestamp, 'receiveTimestamp', issues);
  const requestSize = integer(http.requestSize, 'httpRequest.requestSize', issues, { nonNegative: true });
  const responseSize = integer(http.responseSize, 'httpRequest.responseSize', issues, { nonNegative: true });
  const status = integer(http.status, 'httpRequest.status', issues);
  const asn = integer(payload.clientAsn, 'jsonPayload.clientAsn', issues);
  const ttfb = duration(payload.httpTtfb, 'jsonPayload.httpTtfb', issues);
  const payloadLatency = duration(payload.latency, 'jsonPayload.latency', issues);
  const httpLatency = payloadLatency === null ? duration(http.latency, 'httpRequest.latency', issues) : null;
  const attributes = attributesJson(mediaCdnAttributes(raw, httpLatency !== null), issues);
  if (issues.length > 0 || time === null) return reject(issues.join('; '));

  const url = text(http.requestUrl);
  const parts = url === null ? null : splitUrl(url);
  const cacheStatus = nearestCacheStatus(text(payload.cacheStatus));
  return {
    ok: true,
    row: {
      event_id: eventId('media_cdn', logName, insertId, time.canonical),
      source: 'media_cdn',
      log_type: 'http_request',
      event_time: time.iso,
      receive_time: receive?.iso ?? null,
      ingest_time: ctx.now(),
      service: text(entry.resource?.labels?.service_name),
      request_id: text(payload.requestId),
      session_id: null,
      client_ip: text(http.remoteIp),
      client_country: upper(text(payload.clientRegionCode)),
      client_city: text(payload.clientCity),
      client_asn: asn,
      edge_ip: text(http.serverIp),
      edge_location: upper(text(payload.metroIataCode)),
      cache_id: text(payload.cacheId),
      protocol: text(http.protocol),
      port: null,
      http_method: text(http.requestMethod),
      http_status: status,
      url,
      host: parts?.host ?? null,
      path: parts?.path ?? null,
      query: parts?.query ?? null,
      user_agent: text(http.userAgent),
      referer: text(http.referer),
      cache_status: cacheStatus,
      cache_hit: cacheStatus === null ? null : CACHE_HITS.has(cacheStatus),
      ttfb_ms: ttfb,
      latency_ms: payloadLatency ?? httpLatency,
      egress_bytes: responseSize,
      ingress_bytes: requestSize,
      tls_version: text(payload.tlsVersion),
      tls_cipher_suite: text(payload.tlsCipherSuite),
      tls_sni: text(payload.tlsSniHostname),
      connect_time: null,
      disconnect_time: null,
      disconnect_side: null,
      disconnect_reason: null,
      attributes,
    },
  };
}
