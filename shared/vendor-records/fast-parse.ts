import type { z } from 'zod';

/**
 * zod's safeParse, with a plain-JS pass first. The vendor record schemas are objects of strings,
 * finite numbers, unions of those and nullish wrappers, and zod's object parse copies every
 * declared field into a new object on each call (a fifth of an EdgeOne L4 record's normalize
 * time, bench:normalize). So the schema itself is read once into an equivalent check: a record it
 * accepts is returned as it is (the normalizers read only declared fields, so the unknown keys zod
 * would strip are never looked at), and anything else is parsed by zod, which says what is wrong
 * in its own words. A schema using anything beyond those parts gets no check and is always parsed
 * by zod: the schema stays the one definition of a valid record.
 */
export function fastParser<T extends z.ZodType>(schema: T): (raw: unknown) => z.ZodSafeParseResult<z.output<T>> {
  const check = compileCheck(schema);
  if (check === null) return (raw) => schema.safeParse(raw);
  return (raw) => (check(raw) ? { success: true, data: raw as z.output<T> } : schema.safeParse(raw));
}

type Check = (value: unknown) => boolean;

interface Def {
  type: string;
  checks?: unknown[];
  coerce?: boolean;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
}

/** What zod accepts, as a plain function; null when the schema uses a part this does not know. */
export function compileCheck(schema: z.ZodType): Check | null {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  // Refinements, coercion and the like are left to zod.
  if ((def.checks?.length ?? 0) > 0 || def.coerce) return null;
  switch (def.type) {
    case 'string':
      return (v) => typeof v === 'string';
    case 'number':
      // z.number() refuses NaN and ±Infinity.
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'optional': {
      const inner = compileCheck(def.innerType!);
      return inner && ((v) => v === undefined || inner(v));
    }
    case 'nullable': {
      const inner = compileCheck(def.innerType!);
      return inner && ((v) => v === null || inner(v));
    }
    case 'union': {
      const options = def.options!.map(compileCheck);
      if (options.some((o) => o === null)) return null;
      const [a, b, ...rest] = options as Check[];
      if (rest.length === 0 && a && b) return (v) => a(v) || b(v);
      return (v) => (options as Check[]).some((o) => o(v));
    }
    case 'object': {
      if (def.catchall !== undefined) return null;
      const keys = Object.keys(def.shape!);
      const checks = keys.map((k) => compileCheck(def.shape![k]!));
      if (checks.some((c) => c === null)) return null;
      return (v) => {
        // zod's own test for an object: anything but null and arrays.
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
        const record = v as Record<string, unknown>;
        for (let i = 0; i < keys.length; i++) if (!checks[i]!(record[keys[i]!])) return false;
        return true;
      };
    }
    default:
      return null;
  }
}
