/**
 * Synthetic Tencent EdgeOne L4 proxy logs. EdgeOne logs a long TCP/UDP session periodically
 * and once more when it ends: records share SessionID and ConnectTimeStamp, byte counts cover
 * only the interval since the previous record, and DisconnetReason/DisconnetTimeStamp (EdgeOne's
 * spelling) stay "-" until the final record.
 *
 * Sessions start as a Poisson process; a time-ordered queue interleaves their records. Records
 * come out in LogTimeStamp order and nothing depends on `count`, so output is prefix-stable.
 */
import { isoSeconds } from './format';
import { type Country, clientIp, pickEdgeoneCountry } from './geo';
import { DEFAULT_START, type GenerateOptions, diurnalFactor } from './options';
import { type Rng, createRng, weighted } from './random';
import { TimeQueue } from './time-queue';

export interface EdgeoneL4Record {
  ClientRealIP: string;
  ClientRegion: string;
  ConnectTimeStamp: string;
  DisconnetReason: string;
  DisconnetTimeStamp: string;
  EdgeIP: string;
  ForwardPort: number;
  ForwardProtocol: 'TCP' | 'UDP';
  LogTimeStamp: string;
  ReceivedBytes: number;
  SentBytes: number;
  ServiceID: string;
  SessionID: string;
}

/** How often EdgeOne writes a record for a session that is still open. */
const L4_LOG_INTERVAL_MS = 60_000;

interface L4Service {
  id: string;
  protocol: 'TCP' | 'UDP';
  ports: readonly number[];
  /** Median bytes/s towards the client and from the client. */
  downRate: number;
  upRate: number;
  /** Mean session length in seconds for short / medium / long sessions. */
  durations: readonly [number, number, number];
}

const SERVICES = weighted<L4Service>([
  // TLS pass-through for an app API: mostly short connections.
  [{ id: 'sid-2ma6jwnq1kxz', protocol: 'TCP', ports: [443], downRate: 20_000, upRate: 3_000, durations: [8, 240, 1800] }, 40],
  // Game traffic: UDP, long sessions, small steady packets both ways.
  [{ id: 'sid-3f8k2p9d7wqa', protocol: 'UDP', ports: [7777, 27015], downRate: 6_000, upRate: 2_500, durations: [30, 900, 3600] }, 20],
  // Realtime chat / WebSocket gateway over TCP.
  [{ id: 'sid-1x7c5v0b3nhe', protocol: 'TCP', ports: [8443, 9000], downRate: 800, upRate: 300, durations: [20, 600, 7200] }, 30],
  // RTMP ingest: long sessions uploading video.
  [{ id: 'sid-4r2t6y8u0ipq', protocol: 'TCP', ports: [1935], downRate: 2_000, upRate: 500_000, durations: [60, 1200, 5400] }, 10],
]);

const pickDisconnect = weighted([
  ['down:net_exception_peer_close', 50],
  ['up:net_exception_peer_close', 14],
  ['down:net_exception_timeout', 8],
  ['up:net_exception_timeout', 4],
  ['down:net_exception_peer_error', 6],
  ['up:net_exception_peer_error', 2],
  ['up:channel_eof_exception', 5],
  ['down:channel_eof_exception', 2],
  ['down:net_exception_closed', 5],
  ['up:net_exception_closed', 2],
  ['up:create_peer_channel_exception', 2],
] as const);

const EDGE_PREFIXES = ['43.152', '43.159', '43.175', '101.33', '150.109'] as const;

interface Session {
  service: L4Service;
  id: string;
  country: Country;
  ip: string;
  edgeIp: string;
  port: number;
  connectMs: number;
  endMs: number;
  reason: string;
  downRate: number;
  upRate: number;
  lastLogMs: number;
}

function newSession(rng: Rng, connectMs: number): Session {
  const service = SERVICES(rng);
  const country = pickEdgeoneCountry(rng);
  const reason = pickDisconnect(rng);
  const [short, medium, long] = service.durations;
  const u = rng.float();
  // A failed upstream channel ends the session almost at once.
  const seconds = reason.endsWith('create_peer_channel_exception') ? rng.float() * 3 : rng.exponential(u < 0.55 ? short : u < 0.88 ? medium : long);
  return {
    service,
    // The SessionID format is not documented; an opaque 32-hex-digit id is assumed.
    id: rng.hex(32),
    country,
    ip: clientIp(rng, country),
    edgeIp: `${rng.pick(EDGE_PREFIXES)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    port: rng.pick(service.ports),
    connectMs,
    endMs: connectMs + Math.max(50, Math.round(seconds * 1000)),
    reason,
    downRate: rng.logNormal(service.downRate, 1),
    upRate: rng.logNormal(service.upRate, 1),
    lastLogMs: connectMs,
  };
}

/** Yields `count` L4 records (not sessions) in LogTimeStamp order, starting at `start`. */
export function* generateEdgeoneL4(opts: GenerateOptions): Iterable<EdgeoneL4Record> {
  const rng = createRng(opts.seed);
  const queue = new TimeQueue<Session>();
  let nextArrivalMs = (opts.start ?? DEFAULT_START).getTime();

  for (let emitted = 0; emitted < opts.count; ) {
    // Open every session that starts before the next due record, so records stay time-ordered.
    if (nextArrivalMs <= queue.peekTime()) {
      const s = newSession(rng, nextArrivalMs);
      queue.push(Math.min(s.connectMs + L4_LOG_INTERVAL_MS, s.endMs), s);
      // Mean of 0.4 s between new sessions, scaled by the daily cycle.
      nextArrivalMs += Math.max(1, Math.round(rng.exponential(400 / diurnalFactor(nextArrivalMs))));
      continue;
    }
    const due = queue.pop();
    if (due === undefined) break; // unreachable: an arrival is always pending
    const s = due.item;
    const at = due.at;
    const final = at >= s.endMs;
    const seconds = (at - s.lastLogMs) / 1000;
    yield {
      ClientRealIP: s.ip,
      ClientRegion: s.country.code,
      ConnectTimeStamp: isoSeconds(s.connectMs),
      DisconnetReason: final ? s.reason : '-',
      DisconnetTimeStamp: final ? isoSeconds(s.endMs) : '-',
      EdgeIP: s.edgeIp,
      ForwardPort: s.port,
      ForwardProtocol: s.service.protocol,
      LogTimeStamp: isoSeconds(at),
      // Per-interval traffic; idle intervals of long-lived connections legitimately log 0.
      // As documented (and as the normalizer maps them): ReceivedBytes is outbound (edge → client),
      // SentBytes is inbound (client → edge), even though the names read the other way round.
      ReceivedBytes: intervalBytes(rng, s.downRate, seconds),
      SentBytes: intervalBytes(rng, s.upRate, seconds),
      ServiceID: s.service.id,
      SessionID: s.id,
    };
    emitted++;
    if (!final) {
      s.lastLogMs = at;
      queue.push(Math.min(at + L4_LOG_INTERVAL_MS, s.endMs), s);
    }
  }
}

function intervalBytes(rng: Rng, rate: number, seconds: number): number {
  if (rng.chance(0.03)) return 0;
  return Math.round(rate * seconds * rng.logNormal(1, 0.5));
}
