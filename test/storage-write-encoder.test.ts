import { adapt } from '@google-cloud/bigquery-storage';
import fc from 'fast-check';
import * as protobuf from 'protobufjs';
import { toBigQuerySchema } from '../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../shared/schema/edge-log';
import { IngestErrorRow } from '../shared/schema/ingest-error';
import { createEdgeLogEncoder, EDGE_LOG_SHORT_TAGS } from '../shared/sink/storage-write/edge-log-encoder';
import { createRowEncoder, EncodeError, timestampMicros } from '../shared/sink/storage-write/encoder';
import { sampleRows } from './contract/bigquery-write-endpoint-client';
import { NULL_ROW } from './support/null-row';

const PROTO_TYPE: Record<number, string> = { 1: 'double', 3: 'int64', 8: 'bool', 9: 'string' };

/** A protobufjs decoder for a descriptor: an independent reading of the bytes we produce. */
function decoderFor(descriptor: { name: string; field: Array<{ name: string; number: number; type: number; label: number }> }) {
  const type = new protobuf.Type(descriptor.name);
  for (const f of descriptor.field) type.add(new protobuf.Field(f.name, f.number, PROTO_TYPE[f.type]!, f.label === 2 ? 'required' : 'optional'));
  new protobuf.Root().add(type);
  return (bytes: Uint8Array) => type.toObject(type.decode(bytes), { longs: String }) as Record<string, unknown>;
}

const encoder = createRowEncoder<EdgeLogRow>(EdgeLogRow, 'edge_logs');
const decode = decoderFor(encoder.descriptor);

describe('row encoder generated from the zod schema', () => {
  it('describes the rows as the library’s adapt helpers describe the table', () => {
    for (const schema of [EdgeLogRow, IngestErrorRow]) {
      const fields = toBigQuerySchema(schema).map((f) => ({ name: f.name, type: f.type, mode: f.mode }));
      const theirs = adapt.convertStorageSchemaToProto2Descriptor(adapt.convertBigQuerySchemaToStorageTableSchema({ fields }), 'root');
      const ours = createRowEncoder(schema).descriptor;
      const simplify = (d: { field?: unknown[] | null }) =>
        (d.field as Array<{ name: string; number: number; type: unknown; label: unknown }>).map((f) => ({
          name: f.name,
          number: f.number,
          type: Number(f.type),
          label: Number(f.label),
        }));
      expect(simplify(ours)).toEqual(simplify(theirs as { field?: unknown[] | null }));
    }
  });

  it('numbers the edge_logs columns most rows carry 1–15 (one-byte tags), the rest after them, each number once', () => {
    const fields = createEdgeLogEncoder().descriptor.field;
    expect(fields.map((f) => f.name)).toEqual(toBigQuerySchema(EdgeLogRow).map((f) => f.name));
    expect(EDGE_LOG_SHORT_TAGS.map((name) => fields.find((f) => f.name === name)!.number)).toEqual([...Array(15).keys()].map((i) => i + 1));
    expect(fields.map((f) => f.number).sort((a, b) => a - b)).toEqual(fields.map((_, i) => i + 1));
    // Renumbered, a Media CDN row is no longer than by table position, and decodes to the same values.
    const rows = sampleRows(200);
    const byPosition = createRowEncoder<EdgeLogRow>(EdgeLogRow).encode(rows);
    const shortTagged = createEdgeLogEncoder().encode(rows);
    const decodeShort = decoderFor(createEdgeLogEncoder().descriptor);
    rows.forEach((_, i) => {
      expect((shortTagged[i] as Uint8Array).length).toBeLessThanOrEqual((byPosition[i] as Uint8Array).length);
      expect(decodeShort(shortTagged[i] as Uint8Array)).toEqual(decode(byPosition[i] as Uint8Array));
    });
  });

  it('encodes normalized rows so that a protobuf decoder reads every value back', () => {
    const rows = sampleRows(200);
    const encoded = encoder.encode(rows);
    rows.forEach((row, i) => {
      const bytes = encoded[i];
      expect(bytes).toBeInstanceOf(Uint8Array);
      const back = decode(bytes as Uint8Array);
      for (const [column, value] of Object.entries(row)) {
        if (value === null) expect(back[column]).toBeUndefined();
        else if (['event_time', 'receive_time', 'ingest_time', 'connect_time', 'disconnect_time'].includes(column))
          expect(back[column]).toBe(String(timestampMicros(value as string)));
        else if (typeof value === 'number' && Number.isInteger(value) && !['ttfb_ms', 'latency_ms'].includes(column)) expect(back[column]).toBe(String(value));
        else expect(back[column]).toEqual(value);
      }
    });
  });

  it('encodes INT64 beyond 2^53 from decimal text, negatives as two’s complement, and long UTF-8 strings', () => {
    const row = {
      ...NULL_ROW,
      event_id: 'é'.repeat(100),
      source: 'edgeone',
      log_type: 'l4_session',
      event_time: '2026-11-01T00:00:00Z',
      ingest_time: '2026-11-01T00:00:00Z',
      egress_bytes: '9223372036854775807',
      ingress_bytes: -5,
      attributes: '{"k":"✓"}',
    };
    const [bytes] = createRowEncoder<Record<string, unknown>>(EdgeLogRow).encode([row]);
    const back = decode(bytes as Uint8Array);
    expect(back).toMatchObject({ event_id: 'é'.repeat(100), egress_bytes: '9223372036854775807', ingress_bytes: '-5', attributes: '{"k":"✓"}' });
    // One arena serves every call: a row that does not fit the arena's buffer moves to a new one
    // (one bigger than a buffer gets its own), and rows handed out earlier, by this call or an
    // earlier one, stay valid.
    const big = { ...row, attributes: JSON.stringify({ long: 'x'.repeat(300 * 1024) }) };
    const shared = createRowEncoder<Record<string, unknown>>(EdgeLogRow);
    const earlier = shared.encode([row, row]);
    const many = shared.encode([row, big, ...Array.from({ length: 2000 }, () => row), big, row]);
    expect([...earlier, ...many].map((b) => decode(b as Uint8Array).attributes)).toEqual([
      row.attributes,
      row.attributes,
      row.attributes,
      big.attributes,
      ...Array.from({ length: 2000 }, () => row.attributes),
      big.attributes,
      row.attributes,
    ]);
  });

  it('turns values that do not fit their column into EncodeErrors, one per row, and keeps encoding the rest', () => {
    const good = {
      ...NULL_ROW,
      event_id: 'a',
      source: 'edgeone',
      log_type: 'l4_session',
      event_time: '2026-11-01T00:00:00Z',
      ingest_time: '2026-11-01T00:00:00Z',
    };
    const out = createRowEncoder<Record<string, unknown>>(EdgeLogRow).encode([
      { ...good, egress_bytes: 12.7 },
      { ...good, egress_bytes: '9223372036854775808' },
      { ...good, event_time: '2026-11-01 00:00:00' },
      { ...good, latency_ms: Infinity },
      good,
    ]);
    expect(out.slice(0, 4).map((o) => (o instanceof EncodeError ? o.reason.split(':')[0] : 'bytes'))).toEqual([
      'egress_bytes',
      'egress_bytes',
      'event_time',
      'latency_ms',
    ]);
    expect(decode(out[4] as Uint8Array)).toMatchObject({ event_id: 'a' });
  });

  it('converts every valid timestamp text to the microseconds Date.parse gives, fraction included', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 0, max: 6 }),
        (date, extraMicros, digits) => {
          const iso = date.toISOString().slice(0, 19);
          const micros = String(date.getUTCMilliseconds() * 1000 + extraMicros)
            .padStart(6, '0')
            .slice(0, digits);
          const text = `${iso}${digits ? `.${micros}` : ''}Z`;
          const expected = Math.floor(date.getTime() / 1000) * 1_000_000 + (digits ? Number(micros.padEnd(6, '0')) : 0);
          expect(timestampMicros(text)).toBe(expected);
        },
      ),
    );
    expect(timestampMicros('2026-02-30T00:00:00Z')).toBeNull();
  });
});
