import { z } from 'zod';

/**
 * Structural types of vendor fields, as vendors really send them. zod checks the shape and the JSON
 * types in one compiled pass; the meaning of values (`"-"` for empty, int64 strings, timestamps,
 * Durations) is read by the normalizers with the helpers in `values/values.ts`.
 */

/** A string field; may be absent or null. */
export const str = z.string().nullish();
/** An integer field: a JSON number, or an int64 carried as a decimal string (proto3 JSON). */
export const int64 = z.union([z.number(), z.string()]).nullish();
/** A numeric field (milliseconds and the like): number or decimal string. */
export const num = z.union([z.number(), z.string()]).nullish();
/** An identity field that some producers write as a number. */
export const id = z.union([z.string(), z.number()]).nullish();
