import { defaultContext, reject, type NormalizeContext, type NormalizeResult } from './result';
import { normalizeEdgeone } from './edgeone';
import { normalizeMediaCdn } from './media-cdn';
import type { Source } from '../schema/edge-log';

export { normalizeEdgeone } from './edgeone';
export { normalizeMediaCdn } from './media-cdn';
export type { NormalizeContext, NormalizeResult } from './result';

/** How the CLI's `--source` names each source (the column value is accepted too). */
export const SOURCE_FLAGS: Record<Source, string> = { media_cdn: 'media-cdn', edgeone: 'edgeone' };

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

export const normalizers: Record<Source, Normalizer> = {
  media_cdn: contained(normalizeMediaCdn),
  edgeone: contained(normalizeEdgeone),
};

/** Parses one line of JSON text and normalizes it; a line that is not JSON is a rejection. */
export function normalizeText(source: Source, text: string, ctx: NormalizeContext = defaultContext): NormalizeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return reject(`not JSON: ${(err as Error).message}`);
  }
  return normalizers[source](value, ctx);
}
