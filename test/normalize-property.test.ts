import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeText, normalizers } from '../shared/normalizers';
import { EdgeLogRow, Source } from '../shared/schema/edge-log';

const ctx = { now: () => '2026-11-21T00:00:00Z' };
const example = JSON.parse(readFileSync(join(__dirname, 'fixtures/media-cdn-doc-example.json'), 'utf8'));
const l4 = JSON.parse(readFileSync(join(__dirname, 'fixtures/edgeone-l4-session.jsonl'), 'utf8').split('\n')[0]!);
const l7 = JSON.parse(readFileSync(join(__dirname, 'fixtures/edgeone-l7-placeholders.jsonl'), 'utf8').split('\n')[0]!);

/** Any JSON value, with the vendors' own keys mixed in so the schemas' branches are reached. */
const keys = fc.constantFrom(
  'timestamp',
  'receiveTimestamp',
  'insertId',
  'logName',
  'httpRequest',
  'jsonPayload',
  'resource',
  'labels',
  'requestSize',
  'responseSize',
  'status',
  'latency',
  'httpTtfb',
  'cacheStatus',
  'clientAsn',
  'requestUrl',
  'SessionID',
  'LogTimeStamp',
  'ConnectTimeStamp',
  'DisconnetReason',
  'ReceivedBytes',
  'SentBytes',
  'ForwardPort',
  'RequestID',
  'RequestTime',
  'EdgeResponseBytes',
  'EdgeResponseTime',
  'RequestUrlQueryString',
  'RequestHost',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
);
const leaf = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant('-'),
  fc.constant(-1),
  fc.constantFrom('2022-11-19T00:24:13.695328200Z', '0.157s', '-5', '9007199254740993', '2026-02-30T00:00:00Z'),
);
const { value: vendorish } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), fc.array(tie('value'), { maxLength: 3 })),
  object: fc.dictionary(fc.oneof(keys, fc.string()), tie('value'), { maxKeys: 8 }),
}));

/** Mutations of real records: each field replaced by an arbitrary value. */
function mutated(base: Record<string, unknown>) {
  return fc.tuple(fc.constantFrom(...Object.keys(base)), vendorish).map(([key, value]) => ({ ...base, [key]: value }));
}

describe('normalizers never throw (property)', () => {
  it.each(Source.options)('%s: arbitrary JSON values give a valid row or a rejection with a reason', (source) => {
    fc.assert(
      fc.property(fc.oneof(vendorish, fc.jsonValue(), mutated(example), mutated(l4), mutated(l7)), (value) => {
        const result = normalizers[source](value, ctx);
        if (result.ok) expect(EdgeLogRow.safeParse(result.row).success).toBe(true);
        else expect(result.error.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });

  it.each(Source.options)('%s: arbitrary text gives a row or a rejection', (source) => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), (text) => {
        const result = normalizeText(source, text, ctx);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('a __proto__ key stays data and pollutes nothing', () => {
    const text = JSON.stringify(l7).replace('{', '{"__proto__":{"polluted":true},');
    const result = normalizeText('edgeone', text, ctx);
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // An own data property named __proto__, as JSON.parse makes it (not the prototype accessor).
    if (result.ok) expect(Object.getOwnPropertyDescriptor(JSON.parse(result.row.attributes!), '__proto__')?.value).toEqual({ polluted: true });
  });

  it('event_id is a function of the record identity only', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        const one = normalizers.edgeone({ ...l7, RequestID: a, ClientIP: b }, ctx);
        const two = normalizers.edgeone({ ...l7, RequestID: a, ClientIP: `${b}x` }, ctx);
        const other = normalizers.edgeone({ ...l7, RequestID: `${a}x` }, ctx);
        if (!one.ok || !two.ok || !other.ok) return;
        expect(one.row.event_id).toBe(two.row.event_id);
        expect(other.row.event_id).not.toBe(one.row.event_id);
      }),
    );
  });
});
