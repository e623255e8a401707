import fc from 'fast-check';
import { z } from 'zod';
import { compileCheck, fastParser } from '../shared/vendor-records/fast-parse';
import { EdgeoneL4Record, EdgeoneL7Record } from '../shared/vendor-records/edgeone';
import { MediaCdnLogEntry } from '../shared/vendor-records/media-cdn';

const schemas = { EdgeoneL4Record, EdgeoneL7Record, MediaCdnLogEntry };

/** Values of every JS type the checks tell apart, JSON's and a few beyond it. */
const leaf = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, undefined, true, false, Number.NaN, Number.POSITIVE_INFINITY, -0, '', '-', [], {}, new Date(0)),
);

/** Records shaped like `schema` (each field present or not, of the right type or any other). */
function near(schema: z.ZodType): fc.Arbitrary<unknown> {
  const def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType> } } })._zod.def;
  if (def.type === 'optional' || def.type === 'nullable') return fc.oneof(near(def.innerType!), leaf);
  if (def.type !== 'object') return leaf;
  const fields = Object.fromEntries(Object.entries(def.shape!).map(([k, s]) => [k, near(s)]));
  return fc.oneof({ weight: 5, arbitrary: fc.record(fields, { requiredKeys: [] }) }, { weight: 1, arbitrary: leaf });
}

describe('fastParser', () => {
  for (const [name, schema] of Object.entries(schemas)) {
    it(`${name}: the plain check accepts exactly what zod accepts`, () => {
      const check = compileCheck(schema);
      expect(check).not.toBeNull();
      fc.assert(
        fc.property(near(schema), (value) => {
          expect(check!(value)).toBe(schema.safeParse(value).success);
        }),
        { numRuns: 3000 },
      );
    });
  }

  it('a record zod accepts is returned as it is; one it refuses gets zod’s own error', () => {
    const parse = fastParser(EdgeoneL4Record);
    const ok = { SessionID: 's', LogTimeStamp: '2026-11-01T00:00:00Z', Extra: 1 };
    const accepted = parse(ok);
    expect(accepted.success && accepted.data).toBe(ok);
    const refused = parse({ SessionID: true });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues).toEqual(EdgeoneL4Record.safeParse({ SessionID: true }).error?.issues);
  });

  it('a schema with parts it does not know (checks, records, enums) is left to zod', () => {
    expect(compileCheck(z.string().min(1))).toBeNull();
    expect(compileCheck(z.object({ a: z.record(z.string(), z.string()) }))).toBeNull();
    expect(compileCheck(z.object({ a: z.enum(['x']) }))).toBeNull();
    expect(compileCheck(z.object({}).catchall(z.string()))).toBeNull();
    const parse = fastParser(z.object({ a: z.string().min(2) }));
    expect(parse({ a: 'x' }).success).toBe(false);
  });
});
