/**
 * The MessagePack subset the offline provider stand-in speaks (test/terraform/tfplan/msgpack.js):
 * byte-exact against the MessagePack spec's encodings, and round trips of the shapes cty sends.
 */
import fc from 'fast-check';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { encode, decode, ExtData } = require('./terraform/tfplan/msgpack') as {
  encode(v: unknown): Buffer;
  decode(b: Uint8Array): unknown;
  ExtData: new (type: number, data: Uint8Array) => { type: number; data: Uint8Array };
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('msgpack subset', () => {
  test.each([
    [null, 'c0'],
    [true, 'c3'],
    [false, 'c2'],
    [0, '00'],
    [127, '7f'],
    [-1, 'ff'],
    [-32, 'e0'],
    [128, 'd30000000000000080'],
    [-33, 'd3ffffffffffffffdf'],
    [1.5, 'cb3ff8000000000000'],
    ['', 'a0'],
    ['abc', 'a3616263'],
    ['x'.repeat(32), `d920${'78'.repeat(32)}`],
    [[], '90'],
    [[1, 'a'], '9201a161'],
    [{ a: 1 }, '81a16101'],
  ])('encode(%j) is %s', (value, bytes) => {
    expect(hex(encode(value))).toBe(bytes);
    expect(decode(Buffer.from(bytes, 'hex'))).toEqual(value);
  });

  test("cty's unknown value (ext 0, one zero byte) and a refined unknown (ext 12) re-encode byte for byte", () => {
    for (const bytes of ['d40000', 'c7030c010203']) {
      const v = decode(Buffer.from(bytes, 'hex')) as InstanceType<typeof ExtData>;
      expect(v).toBeInstanceOf(ExtData);
      expect(hex(encode(v))).toBe(bytes);
    }
  });

  test('decodes the other integer, float, string, array and map widths', () => {
    expect(decode(Buffer.from('cc80', 'hex'))).toBe(128);
    expect(decode(Buffer.from('cd0100', 'hex'))).toBe(256);
    expect(decode(Buffer.from('ce00010000', 'hex'))).toBe(65536);
    expect(decode(Buffer.from('d0df', 'hex'))).toBe(-33);
    expect(decode(Buffer.from('d1ff7f', 'hex'))).toBe(-129);
    expect(decode(Buffer.from('ca3fc00000', 'hex'))).toBe(1.5);
    expect(decode(Buffer.from('da000178', 'hex'))).toBe('x');
    expect(decode(Buffer.from('dc000101', 'hex'))).toEqual([1]);
    expect(decode(Buffer.from('de0001a16101', 'hex'))).toEqual({ a: 1 });
    expect(() => decode(Buffer.from('c1', 'hex'))).toThrow(/unsupported type byte 0xc1/);
    expect(() => decode(Buffer.from('92', 'hex'))).toThrow(/truncated/);
  });

  test('round-trips the JSON-like values cty sends (objects, lists, strings, numbers, null)', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
        fc.string({ maxLength: 300 }),
      ),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 20 }),
        fc.dictionary(fc.string({ maxLength: 8 }), tie('node'), { maxKeys: 20 }),
      ),
    })).node;
    fc.assert(fc.property(value, (v) => expect(decode(encode(v))).toEqual(v)));
  });
});
