import { z } from 'zod';
import { nullable, required, requiredEnum } from './columns';

/** The vendors, as the `source` column of edge_logs and ingest_errors names them. */
export const Source = z.enum(['media_cdn', 'edgeone']);
export type Source = z.infer<typeof Source>;

/**
 * The unified row of the `edge_logs` table: one Media CDN request, one EdgeOne L7 request, or one
 * periodic record of an EdgeOne L4 session. Column order here is the table's column order.
 */
export const EdgeLogRow = z.object({
  event_id: required('STRING', 'Stable digest of the record identity; the same record always gets the same id'),
  source: requiredEnum(Source, 'Vendor: media_cdn or edgeone'),
  log_type: requiredEnum(z.enum(['http_request', 'l4_session']), 'http_request or l4_session'),
  event_time: required('TIMESTAMP', 'When the request (or L4 log record) happened, UTC'),
  receive_time: nullable('TIMESTAMP', 'When Cloud Logging received the entry (Media CDN only)'),
  ingest_time: required('TIMESTAMP', 'When cdnlog normalized the record'),
  service: nullable('STRING', 'Media CDN service name, or EdgeOne L4 ServiceID'),
  request_id: nullable('STRING', 'Vendor request id'),
  session_id: nullable('STRING', 'EdgeOne L4 SessionID (one TCP connection or UDP session)'),
  client_ip: nullable('STRING', 'Client IP address'),
  client_country: nullable('STRING', 'Client country or region code, upper-case (CLDR / ISO-3166 alpha-2)'),
  client_city: nullable('STRING', 'Client city (Media CDN only)'),
  client_asn: nullable('INT64', 'Client autonomous system number (Media CDN; EdgeOne L7 ClientISP when it is one)'),
  edge_ip: nullable('STRING', 'IP address of the edge server that served the client'),
  edge_location: nullable('STRING', 'Where the edge is: IATA metro code, upper-case (Media CDN); edge region (EdgeOne L7 EdgeSeverRegion)'),
  cache_id: nullable('STRING', 'Media CDN cacheId chain as given; the rightmost cache is nearest the user'),
  protocol: nullable('STRING', 'HTTP protocol, or L4 forwarding protocol (TCP/UDP)'),
  port: nullable('INT64', 'EdgeOne L4 forward port, or L7 client remote port'),
  http_method: nullable('STRING', 'HTTP request method'),
  http_status: nullable('INT64', 'HTTP response status code'),
  url: nullable('STRING', 'Full request URL'),
  host: nullable('STRING', 'Request host'),
  path: nullable('STRING', 'Request path'),
  query: nullable('STRING', 'Query string without the leading ?, null when there is none'),
  user_agent: nullable('STRING', 'User-Agent header'),
  referer: nullable('STRING', 'Referer header'),
  cache_status: nullable('STRING', 'Cache outcome nearest the user, lower-case (hit, miss, stale, ...)'),
  cache_hit: nullable('BOOL', 'Whether the response was served from cache'),
  ttfb_ms: nullable('FLOAT64', 'Time to first byte, milliseconds'),
  latency_ms: nullable('FLOAT64', 'Time until the response was fully sent, milliseconds'),
  egress_bytes: nullable('INT64', 'Bytes sent from the edge to the client (for L4: in this log interval)'),
  ingress_bytes: nullable('INT64', 'Bytes received by the edge from the client (for L4: in this log interval)'),
  tls_version: nullable('STRING', 'Negotiated TLS version'),
  tls_cipher_suite: nullable('STRING', 'Negotiated TLS cipher suite (IANA hex)'),
  tls_sni: nullable('STRING', 'TLS SNI host name'),
  connect_time: nullable('TIMESTAMP', 'EdgeOne L4 connection start'),
  disconnect_time: nullable('TIMESTAMP', 'EdgeOne L4 disconnection, null while still connected'),
  disconnect_side: nullable('STRING', 'Which side closed an L4 connection: origin (up) or client (down)'),
  disconnect_reason: nullable('STRING', 'Why an L4 connection closed (EdgeOne reason code)'),
  attributes: nullable('JSON', 'Every source field not mapped to a column, under its original name'),
});

export type EdgeLogRow = z.infer<typeof EdgeLogRow>;
