import { attributesJson, isPlainObject, remainder } from '../values/attributes';
import { eventId } from '../values/event-id';
import { describeIssues, reject, type NormalizeContext, type NormalizeResult } from './result';
import { decimal, integer, optionalId, requiredId, text, timestamp, upper, type Issues } from '../values/values';
import { edgeoneKind, EdgeoneL4Record, EdgeoneL7Record, L4_MAPPED, L7_MAPPED } from '../vendor-records/edgeone';
import { fastParser } from '../vendor-records/fast-parse';

const parseL4 = fastParser(EdgeoneL4Record);
const parseL7 = fastParser(EdgeoneL7Record);

/** EdgeOne's empty placeholders become null in attributes too, so "-" never reads as a value. */
function cleanPlaceholder(value: unknown): unknown {
  return value === '-' || value === '' || value === -1 ? null : value;
}

const SIDES: Record<string, string> = { up: 'origin', down: 'client' };

/** "up:net_exception_peer_close" → side origin, reason net_exception_peer_close. */
export function splitDisconnectReason(value: string | null): { side: string | null; reason: string | null } {
  if (value === null) return { side: null, reason: null };
  const colon = value.indexOf(':');
  if (colon < 0) return { side: null, reason: value.trim() || null };
  const direction = value.slice(0, colon).trim().toLowerCase();
  return { side: SIDES[direction] ?? null, reason: value.slice(colon + 1).trim() || null };
}

// Rows are written out column by column, in table order, rather than spread from a template: a
// fixed-shape object literal is an order of magnitude cheaper to build, and each normalizer reads
// as the complete mapping of its source.

const BYTES = { nonNegative: true, minusOneIsNull: true };
const INT = { minusOneIsNull: true };

function normalizeL4(raw: Record<string, unknown>, ctx: NormalizeContext): NormalizeResult {
  const parsed = parseL4(raw);
  if (!parsed.success) return reject(`L4 record: ${describeIssues(parsed.error)}`);
  const r = parsed.data;
  const issues: Issues = [];
  const service = optionalId(r.ServiceID, 'ServiceID', issues);
  const sessionId = requiredId(r.SessionID, 'SessionID', issues);
  const time = timestamp(r.LogTimeStamp, 'LogTimeStamp', issues, true);
  const connect = timestamp(r.ConnectTimeStamp, 'ConnectTimeStamp', issues);
  const disconnect = timestamp(r.DisconnetTimeStamp, 'DisconnetTimeStamp', issues);
  const port = integer(r.ForwardPort, 'ForwardPort', issues, INT);
  const egress = integer(r.ReceivedBytes, 'ReceivedBytes', issues, BYTES);
  const ingress = integer(r.SentBytes, 'SentBytes', issues, BYTES);
  const attributes = attributesJson(remainder(raw, L4_MAPPED, cleanPlaceholder), issues);
  if (issues.length > 0 || time === null) return reject(`L4 record: ${issues.join('; ')}`);

  const reasonText = text(r.DisconnetReason);
  const reason = splitDisconnectReason(reasonText);
  // A session logs periodically and once more when it closes, possibly in the same second: its
  // identity is the session plus every value that changes from record to record, as normalized
  // values, so the same record reads the same whatever its spelling (key order, "0" or 0, a zone).
  const id = eventId(
    'edgeone_l4',
    service ?? '',
    sessionId,
    time.canonical,
    disconnect?.canonical ?? '',
    reasonText ?? '',
    egress === null ? '' : String(egress),
    ingress === null ? '' : String(ingress),
  );
  return {
    ok: true,
    row: {
      event_id: id,
      source: 'edgeone',
      log_type: 'l4_session',
      event_time: time.iso,
      receive_time: null,
      ingest_time: ctx.now(),
      service,
      request_id: null,
      session_id: sessionId,
      client_ip: text(r.ClientRealIP),
      client_country: upper(text(r.ClientRegion)),
      client_city: null,
      client_asn: null,
      edge_ip: text(r.EdgeIP),
      edge_location: null,
      cache_id: null,
      protocol: text(r.ForwardProtocol),
      port,
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
      egress_bytes: egress,
      ingress_bytes: ingress,
      tls_version: null,
      tls_cipher_suite: null,
      tls_sni: null,
      connect_time: connect?.iso ?? null,
      disconnect_time: disconnect?.iso ?? null,
      disconnect_side: reason.side,
      disconnect_reason: reason.reason,
      attributes,
    },
  };
}

function normalizeL7(raw: Record<string, unknown>, ctx: NormalizeContext): NormalizeResult {
  const parsed = parseL7(raw);
  if (!parsed.success) return reject(`L7 record: ${describeIssues(parsed.error)}`);
  const r = parsed.data;
  const issues: Issues = [];
  const requestId = requiredId(r.RequestID, 'RequestID', issues);
  const time = timestamp(r.RequestTime, 'RequestTime', issues, true);
  const requestBytes = integer(r.RequestBytes, 'RequestBytes', issues, BYTES);
  const responseBytes = integer(r.EdgeResponseBytes, 'EdgeResponseBytes', issues, BYTES);
  const port = integer(r.RemotePort, 'RemotePort', issues, INT);
  const status = integer(r.EdgeResponseStatusCode, 'EdgeResponseStatusCode', issues, INT);
  const latency = decimal(r.EdgeResponseTime, 'EdgeResponseTime', issues);
  const ttfb = decimal(r.EdgeInternalTime, 'EdgeInternalTime', issues);
  const asn = asNumber(r.ClientISP);
  const unmapped = remainder(raw, L7_MAPPED, cleanPlaceholder);
  // ClientISP is a column only when it is an AS number; an ISP name stays in attributes.
  if (asn === null && r.ClientISP != null) unmapped.ClientISP = cleanPlaceholder(r.ClientISP);
  const attributes = attributesJson(unmapped, issues);
  if (issues.length > 0 || time === null) return reject(`L7 record: ${issues.join('; ')}`);

  const host = text(r.RequestHost);
  const path = text(r.RequestUrl);
  const query = text(r.RequestUrlQueryString)?.replace(/^\?/, '') || null;
  const tls = text(r.RequestSSLProtocol);
  // EdgeOne logs scheme, host, path and query apart; without RequestScheme, the scheme follows from
  // whether TLS was negotiated.
  const scheme = urlScheme(text(r.RequestScheme)) ?? (tls ? 'https' : 'http');
  const url = host === null ? null : `${scheme}://${host}${path ?? '/'}${query ? `?${query}` : ''}`;
  const cacheStatus = text(r.EdgeCacheStatus)?.toLowerCase() ?? null;
  return {
    ok: true,
    row: {
      event_id: eventId('edgeone_l7', requestId, time.canonical),
      source: 'edgeone',
      log_type: 'http_request',
      event_time: time.iso,
      receive_time: null,
      ingest_time: ctx.now(),
      service: null,
      request_id: requestId,
      session_id: null,
      client_ip: text(r.ClientIP),
      client_country: upper(text(r.ClientRegion)),
      client_city: null,
      client_asn: asn,
      edge_ip: text(r.EdgeServerIP),
      edge_location: text(r.EdgeSeverRegion) ?? text(r.EdgeServerRegion),
      cache_id: null,
      protocol: text(r.RequestProtocol),
      port,
      http_method: text(r.RequestMethod),
      http_status: status,
      url,
      host,
      path,
      query,
      user_agent: text(r.RequestUA),
      referer: text(r.RequestReferer),
      cache_status: cacheStatus,
      cache_hit: cacheStatus === null ? null : cacheStatus === 'hit',
      ttfb_ms: ttfb,
      latency_ms: latency,
      egress_bytes: responseBytes,
      ingress_bytes: requestBytes,
      tls_version: tls,
      tls_cipher_suite: null,
      tls_sni: null,
      connect_time: null,
      disconnect_time: null,
      disconnect_side: null,
      disconnect_reason: null,
      attributes,
    },
  };
}

/** A URL scheme as RFC 3986 spells it, lower-cased; anything else is no scheme. */
function urlScheme(value: string | null): string | null {
  const scheme = value?.toLowerCase() ?? null;
  return scheme !== null && /^[a-z][a-z0-9+.-]*$/.test(scheme) ? scheme : null;
}

/** ClientISP as an AS number (13335, "13335" or "AS13335"), or null for an ISP name or a placeholder. */
function asNumber(value: string | number | null | undefined): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  const match = typeof value === 'string' ? /^\s*(?:AS)?(\d{1,10})\s*$/i.exec(value) : null;
  const n = match ? Number(match[1]) : 0;
  return n > 0 && n < 2 ** 32 ? n : null;
}

/** Normalizes one EdgeOne record (L4 or L7, told apart per record) into a unified row, or a rejection. */
export function normalizeEdgeone(raw: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isPlainObject(raw)) return reject('not a JSON object');
  switch (edgeoneKind(raw)) {
    case 'l4':
      return normalizeL4(raw, ctx);
    case 'l7':
      return normalizeL7(raw, ctx);
    default:
      return reject('neither an EdgeOne L4 record (SessionID, LogTimeStamp) nor an L7 record (RequestID, RequestTime)');
  }
}
