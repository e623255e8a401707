import { defaultContext, reject, type NormalizeContext, type NormalizeResult } from '../normalize/result';
import { normalizeEdgeone } from './edgeone';
import { normalizeMediaCdn } from './media-cdn';

export { normalizeEdgeone } from './edgeone';
export { normalizeMediaCdn } from './media-cdn';
export type { NormalizeContext, NormalizeResult } from '../normalize/result';

/** Input sources as the CLI and the functions name them. */
export const INPUT_SOURCES = ['media-cdn', 'edgeone'] as const;
export type InputSource = (typeof INPUT_SOURCES)[number];

export type Normalizer = (raw: unknown, ctx: NormalizeContext) => NormalizeResult;

export const normalizers: Record<InputSource, Normalizer> = {
  'media-cdn': normalizeMediaCdn,
  edgeone: normalizeEdgeone,
};

/** The `source` column value for each input source (for dead letters, before any row exists). */
export const SOURCE_COLUMN: Record<InputSource, 'media_cdn' | 'edgeone'> = {
  'media-cdn': 'media_cdn',
  edgeone: 'edgeone',
};

/** Parses one line of JSON text and normalizes it; a line that is not JSON is a rejection. */
export function normalizeText(
  source: InputSource,
  text: string,
  ctx: NormalizeContext = defaultContext,
): NormalizeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return reject(`not JSON: ${(err as Error).message}`);
  }
  return normalizers[source](value, ctx);
}
