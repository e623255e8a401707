import { z } from 'zod';
import { id, int64, num, str } from './types';

/**
 * Tencent EdgeOne log records (offline files and real-time push: one JSON object per line). Empty
 * values are `"-"` for strings and `-1` for integers. Keys are spelled exactly as EdgeOne spells them,
 * including `DisconnetReason` and `DisconnetTimeStamp`.
 */

/** L4 proxy log: one record per log interval of a TCP connection or UDP session. */
export const EdgeoneL4Record = z.object({
  ServiceID: id,
  SessionID: id,
  LogTimeStamp: str,
  ClientRealIP: str,
  ClientRegion: str,
  ConnectTimeStamp: str,
  /** "up:reason" (origin side) or "down:reason" (client side); "-" while still connected. */
  DisconnetReason: str,
  /** "-" while still connected. */
  DisconnetTimeStamp: str,
  EdgeIP: str,
  ForwardPort: int64,
  /** TCP or UDP. */
  ForwardProtocol: str,
  /** Documented as outbound (edge → client) bytes since the previous record. */
  ReceivedBytes: int64,
  /** Documented as inbound (client → edge) bytes since the previous record. */
  SentBytes: int64,
});

/** L7 (site acceleration) access log: one record per HTTP request. */
export const EdgeoneL7Record = z.object({
  RequestID: id,
  RequestTime: str,
  ClientIP: str,
  ClientRegion: str,
  RequestHost: str,
  /** The path only; the query string is logged apart. */
  RequestUrl: str,
  RequestUrlQueryString: str,
  RequestMethod: str,
  RequestProtocol: str,
  /** "TLS 1.3" etc., or "-" for plain HTTP. */
  RequestSSLProtocol: str,
  RequestUA: str,
  RequestReferer: str,
  RequestBytes: int64,
  RemotePort: int64,
  /** hit | miss | dynamic | other. */
  EdgeCacheStatus: str,
  EdgeResponseStatusCode: int64,
  EdgeResponseBytes: int64,
  /** Milliseconds until the client received the whole response. */
  EdgeResponseTime: num,
  /** Milliseconds to the first byte. */
  EdgeInternalTime: num,
  EdgeServerIP: str,
  /** http | https (the URL's scheme when present). */
  RequestScheme: str,
  /** The edge's region, as the vendor documents it (sic) and as it may be fixed one day. */
  EdgeSeverRegion: str,
  EdgeServerRegion: str,
  /** The client's network: an AS number outside mainland China, an ISP name inside it. */
  ClientISP: id,
});

export type EdgeoneL4Record = z.output<typeof EdgeoneL4Record>;
export type EdgeoneL7Record = z.output<typeof EdgeoneL7Record>;

/** Fields consumed into columns; everything else is kept in `attributes`. */
export const L4_MAPPED: ReadonlySet<string> = new Set(Object.keys(EdgeoneL4Record.shape));
export const L7_MAPPED: ReadonlySet<string> = new Set(Object.keys(EdgeoneL7Record.shape));

/** Which kind of EdgeOne record this is, told per record by its identity fields. */
export function edgeoneKind(record: Record<string, unknown>): 'l4' | 'l7' | null {
  if ('SessionID' in record || 'LogTimeStamp' in record) return 'l4';
  if ('RequestID' in record || 'RequestTime' in record) return 'l7';
  return null;
}
