import { z } from 'zod';
import { int64, str } from './types';

/** google.logging.type.HttpRequest: sizes are int64, so JSON carries them as strings. */
export const HttpRequest = z.object({
  requestMethod: str,
  requestUrl: str,
  requestSize: int64,
  status: int64,
  responseSize: int64,
  userAgent: str,
  remoteIp: str,
  serverIp: str,
  referer: str,
  /** Duration string, e.g. "0.157s"; used only when jsonPayload.latency is absent. */
  latency: str,
  protocol: str,
});

/** type.googleapis.com/google.cloud.edgecache.v1.EdgeCacheLogEntry (the fields cdnlog maps). */
export const EdgeCacheLogEntry = z.object({
  requestId: str,
  clientRegionCode: str,
  clientCity: str,
  /** An ASN as a string, e.g. "9299". */
  clientAsn: int64,
  metroIataCode: str,
  /** Chain like "del-234567, bom-345678"; the rightmost cache is nearest the user. */
  cacheId: str,
  /** Chain like "fetch, miss, miss" or "hit,stale"; the rightmost status is nearest the user. */
  cacheStatus: str,
  /** Duration strings like "0.157228207s". */
  httpTtfb: str,
  latency: str,
  tlsVersion: str,
  tlsCipherSuite: str,
  tlsSniHostname: str,
});

const MonitoredResource = z.object({
  type: str,
  labels: z.object({ service_name: str }).nullish(),
});

/**
 * A Cloud Logging LogEntry written by Media CDN (log `edgecache.googleapis.com/edge_cache_request`,
 * resource `edgecache.googleapis.com/EdgeCacheRouteRule`). Only the fields cdnlog maps are declared;
 * the normalizer keeps every other field in `attributes`.
 */
export const MediaCdnLogEntry = z.object({
  /** RFC 3339 with 0 to 9 fractional digits; the record's identity. */
  timestamp: str,
  receiveTimestamp: str,
  insertId: str,
  logName: str,
  resource: MonitoredResource.nullish(),
  httpRequest: HttpRequest.nullish(),
  jsonPayload: EdgeCacheLogEntry.nullish(),
});

export type MediaCdnLogEntry = z.output<typeof MediaCdnLogEntry>;

const httpRequestMapped = Object.keys(HttpRequest.shape).filter((k) => k !== 'latency');

/**
 * Fields consumed into columns, per object; everything else is kept in `attributes`.
 * httpRequest.latency is mapped only when jsonPayload.latency is absent.
 */
export const MAPPED_FIELDS = {
  entry: new Set(['timestamp', 'receiveTimestamp', 'resource', 'httpRequest', 'jsonPayload']),
  httpRequest: new Set(httpRequestMapped),
  httpRequestWithLatency: new Set([...httpRequestMapped, 'latency']),
  jsonPayload: new Set(Object.keys(EdgeCacheLogEntry.shape)),
  resource: new Set(['labels']),
  resourceLabels: new Set(['service_name']),
} as const;
