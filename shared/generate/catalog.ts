/**
 * What clients ask a media CDN for: HLS/DASH manifests and segments of VOD titles and live
 * channels, images and web assets. Popularity is skewed (a few titles get most requests) and
 * sizes follow the content type, so cache keys repeat and byte counts look like real traffic.
 */
import { hash64Hex } from './format';
import { type Rng, type WeightedPicker, skewedIndex, weighted } from './random';

type ObjectKind = 'manifest' | 'segment' | 'image' | 'static' | 'page' | 'api';

export interface CdnObject {
  kind: ObjectKind;
  /** URL path, starting with "/". */
  path: string;
  /** Query string without "?", or "" for none. */
  query: string;
  /** Full size of the object body in bytes. */
  bytes: number;
  /** Text content the edge may compress (br/gzip). */
  compressible: boolean;
  /** Encoded bitrate (kbps) and duration (ms) for segments, for CMCD. */
  bitrateKbps?: number;
  durationMs?: number;
  /** Live objects change every few seconds, so they miss and revalidate more. */
  live: boolean;
}

interface Rendition {
  name: string;
  kbps: number;
}

const RENDITIONS: ReadonlyArray<readonly [Rendition, number]> = [
  [{ name: '240p', kbps: 400 }, 3],
  [{ name: '360p', kbps: 800 }, 8],
  [{ name: '480p', kbps: 1400 }, 14],
  [{ name: '720p', kbps: 2800 }, 30],
  [{ name: '1080p', kbps: 5000 }, 38],
  [{ name: '2160p', kbps: 14000 }, 7],
];
const pickRendition: WeightedPicker<Rendition> = weighted(RENDITIONS);

const SEGMENT_MS = 4000;
const VOD_TITLES = 4000;
const LIVE_CHANNELS = 24;
const IMAGES = 50000;

/** Stable opaque id for the i-th title/image, so the same index is the same URL in every run. */
function objectId(prefix: string, i: number): string {
  return hash64Hex(`${prefix}${i}`).slice(0, 10);
}

function segmentBytes(rng: Rng, kbps: number): number {
  // Variable-bitrate encodes: a segment's size scatters around bitrate x duration.
  return Math.max(2000, Math.round(((kbps * 1000) / 8) * (SEGMENT_MS / 1000) * rng.logNormal(1, 0.25)));
}

/** A VOD request: mostly segments of a popular title, some manifests. */
export function vodObject(rng: Rng): CdnObject {
  const title = objectId('vod', skewedIndex(rng, VOD_TITLES));
  const fmt = rng.chance(0.7) ? 'hls' : 'dash';
  if (rng.chance(0.06)) {
    const path =
      fmt === 'hls' ? (rng.chance(0.4) ? `/vod/${title}/master.m3u8` : `/vod/${title}/${pickRendition(rng).name}/index.m3u8`) : `/vod/${title}/manifest.mpd`;
    return { kind: 'manifest', path, query: '', bytes: Math.round(rng.logNormal(2400, 0.6)), compressible: true, live: false };
  }
  const r = pickRendition(rng);
  // Viewers start at the beginning and drop off, so early segments are hotter.
  const seg = skewedIndex(rng, 1500, 2);
  const path = fmt === 'hls' ? `/vod/${title}/${r.name}/seg_${String(seg).padStart(5, '0')}.ts` : `/vod/${title}/${r.name}/chunk-${seg}.m4s`;
  const query = rng.chance(0.15) ? `token=${rng.hex(16)}&exp=${1793000000 + rng.int(0, 9999999)}` : '';
  return { kind: 'segment', path, query, bytes: segmentBytes(rng, r.kbps), compressible: false, bitrateKbps: r.kbps, durationMs: SEGMENT_MS, live: false };
}

/** A live request at time `epochMs`: manifests are polled every segment, segment numbers follow the clock. */
export function liveObject(rng: Rng, epochMs: number): CdnObject {
  const channel = `ch${String(skewedIndex(rng, LIVE_CHANNELS, 2) + 1).padStart(2, '0')}`;
  const r = pickRendition(rng);
  if (rng.chance(0.3)) {
    return {
      kind: 'manifest',
      path: `/live/${channel}/${r.name}/index.m3u8`,
      query: '',
      bytes: Math.round(rng.logNormal(900, 0.3)),
      compressible: true,
      live: true,
    };
  }
  // Players sit one to three segments behind the live edge.
  const seq = Math.floor(epochMs / SEGMENT_MS) - rng.int(0, 2);
  return {
    kind: 'segment',
    path: `/live/${channel}/${r.name}/${seq}.m4s`,
    query: '',
    bytes: segmentBytes(rng, r.kbps),
    compressible: false,
    bitrateKbps: r.kbps,
    durationMs: SEGMENT_MS,
    live: true,
  };
}

const IMAGE_EXT = weighted([
  ['jpg', 5],
  ['webp', 4],
  ['png', 1],
  ['avif', 1],
] as const);

/** An image: Pareto-sized (most are thumbnails, a few are huge), some resized via query. */
export function imageObject(rng: Rng): CdnObject {
  const id = objectId('img', skewedIndex(rng, IMAGES, 4));
  const query = rng.chance(0.35) ? `w=${rng.pick([160, 320, 640, 1280])}&q=${rng.pick([70, 80, 90])}` : '';
  const bytes = Math.round(Math.min(20_000_000, rng.pareto(6000, 1.3)));
  return { kind: 'image', path: `/img/${id}.${IMAGE_EXT(rng)}`, query, bytes, compressible: false, live: false };
}

const STATIC_FILES = ['app', 'vendor', 'runtime', 'styles', 'player'] as const;

/** A web-site request (EdgeOne site acceleration): pages, static assets, images and dynamic API calls. */
export function siteObject(rng: Rng): CdnObject {
  const r = rng.float();
  if (r < 0.15) {
    const page = rng.pick(['/', '/en-us/about.html', '/products/', '/news/', '/support/faq.html', '/zh-cn/index.html']);
    return {
      kind: 'page',
      path: page,
      query: rng.chance(0.2) ? `utm_source=${rng.pick(['wechat', 'google', 'newsletter'])}` : '',
      bytes: Math.round(rng.logNormal(38000, 0.5)),
      compressible: true,
      live: false,
    };
  }
  if (r < 0.5) {
    const name = rng.pick(STATIC_FILES);
    const ext = name === 'styles' ? 'css' : 'js';
    return {
      kind: 'static',
      path: `/static/${ext}/${name}.${hash64Hex(name).slice(0, 8)}.${ext}`,
      query: '',
      bytes: Math.round(rng.logNormal(90000, 0.8)),
      compressible: true,
      live: false,
    };
  }
  if (r < 0.8) return imageObject(rng);
  if (r < 0.92) {
    const api = rng.pick(['/api/v1/user/profile', '/api/v1/feed', '/api/v1/search', '/api/v1/cart']);
    return {
      kind: 'api',
      path: api,
      query: rng.chance(0.6) ? `page=${rng.int(1, 20)}&t=${rng.hex(8)}` : '',
      bytes: Math.round(rng.logNormal(2500, 1)),
      compressible: true,
      live: false,
    };
  }
  return vodObject(rng);
}
