import { MAX_ATTRIBUTE_DEPTH, tooDeep } from '../shared/values/attributes';
import { contained, normalizeText } from '../shared/normalizers';

const ctx = { now: () => '2026-11-30T00:00:00Z' };
const L7 = { RequestID: '1', RequestTime: '2022-07-01T02:37:13Z', RequestHost: 'www.tencent.com' };

/** `{"a":{"a":…1…}}`, `levels` objects deep, built as text (no recursion anywhere). */
function nested(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

describe('attributes: a depth bound instead of a stack overflow', () => {
  it('rejects a record whose unmapped field nests 6,000 levels deep (40 KB), naming the field and the bound', () => {
    const text = JSON.stringify(L7).replace('{', `{"Deep":${nested(6000)},`);
    expect(text.length).toBeGreaterThan(30_000);
    for (const source of ['edgeone', 'media_cdn'] as const) {
      const line = source === 'edgeone' ? text : `{"insertId":"i","logName":"l","timestamp":"2022-07-01T02:37:13Z","Deep":${nested(6000)}}`;
      const result = normalizeText(source, line, ctx);
      expect(result).toEqual({ ok: false, error: expect.stringContaining(`Deep: nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`) });
    }
  });

  it('keeps nesting up to the bound, counting the attributes object as level 1', () => {
    const atBound = normalizeText('edgeone', JSON.stringify(L7).replace('{', `{"Deep":${nested(MAX_ATTRIBUTE_DEPTH - 1)},`), ctx);
    expect(atBound.ok).toBe(true);
    const past = normalizeText('edgeone', JSON.stringify(L7).replace('{', `{"Deep":${nested(MAX_ATTRIBUTE_DEPTH)},`), ctx);
    expect(past.ok).toBe(false);
  });

  it('finds depth through arrays and objects alike, and names the top-level key', () => {
    expect(tooDeep({ a: 1, b: [[[1]]] }, 4)).toBeNull();
    expect(tooDeep({ a: 1, b: [[[[1]]]] }, 4)).toBe('b');
    expect(tooDeep({ a: { b: [{ c: {} }] } }, 4)).toBe('a');
    expect(tooDeep({ a: { b: [{ c: 1 }] } }, 4)).toBeNull();
  });

  it('turns a normalizer that throws into a rejection of that record alone', () => {
    let calls = 0;
    const flaky = contained(() => {
      if (calls++ === 0) throw new RangeError('Maximum call stack size exceeded');
      return { ok: false, error: 'second' };
    });
    expect(flaky({}, ctx)).toEqual({ ok: false, error: 'the normalizer failed on this record: Maximum call stack size exceeded' });
    expect(flaky({}, ctx)).toEqual({ ok: false, error: 'second' });
  });
});
