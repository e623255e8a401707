import { defaultContext, reject, type NormalizeContext, type NormalizeResult } from './result';
import { normalizeEdgeone } from './edgeone';
import { normalizeMediaCdn } from './media-cdn';
import type { Source } from '../schema/edge-log';

export { normalizeEdgeone } from './edgeone';
export { normalizeMediaCdn } from './media-cdn';
export type { NormalizeContext, NormalizeResult } from './result';

/** Input sources as the CLI and the functions name them. */
export const INPUT_SOURCES = ['media-cdn', 'edgeone'] as const;
export type InputSource = (typeof INPUT_SOURCES)[number];

type Normalizer = (raw: unknown, ctx: NormalizeContext) => NormalizeResult;

/**
 * A normalizer that cannot fail its neighbours: should it throw on some input nobody foresaw, that
 * one record is rejected with the reason, and the rest of its message or file goes on.
 */
export function contained(normalize: Normalizer): Normalizer {
  return (raw, ctx) => {
    try {
      return normalize(raw, ctx);
    } catch (err) {
      return reject(`the normalizer failed on this record: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

export const normalizers: Record<InputSource, Normalizer> = {
  'media-cdn': contained(normalizeMediaCdn),
  edgeone: contained(normalizeEdgeone),
};

/** The `source` column value for each input source (for dead letters, before any row exists). */
export const SOURCE_COLUMN: Record<InputSource, Source> = {
  'media-cdn': 'media_cdn',
  edgeone: 'edgeone',
};

/** Parses one line of JSON text and normalizes it; a line that is not JSON is a rejection. */
export function normalizeText(source: InputSource, text: string, ctx: NormalizeContext = defaultContext): NormalizeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return reject(`not JSON: ${(err as Error).message}`);
  }
  return normalizers[source](value, ctx);
}
