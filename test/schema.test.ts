import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBigQuerySchema } from '../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../shared/schema/edge-log';
import { renderSchemaFile, schemaFiles } from '../shared/schema/schema-files';
import { NULL_ROW } from './support/null-row';

const root = join(__dirname, '..');

describe('edge_logs schema', () => {
  it('has the columns the issue fixes, in order, with their BigQuery types and modes', () => {
    const fields = toBigQuerySchema(EdgeLogRow);
    const byName = Object.fromEntries(fields.map((f) => [f.name, `${f.type} ${f.mode}`]));
    expect(byName).toMatchObject({
      event_id: 'STRING REQUIRED',
      source: 'STRING REQUIRED',
      log_type: 'STRING REQUIRED',
      event_time: 'TIMESTAMP REQUIRED',
      receive_time: 'TIMESTAMP NULLABLE',
      ingest_time: 'TIMESTAMP REQUIRED',
      client_asn: 'INT64 NULLABLE',
      port: 'INT64 NULLABLE',
      http_status: 'INT64 NULLABLE',
      cache_hit: 'BOOL NULLABLE',
      ttfb_ms: 'FLOAT64 NULLABLE',
      latency_ms: 'FLOAT64 NULLABLE',
      egress_bytes: 'INT64 NULLABLE',
      ingress_bytes: 'INT64 NULLABLE',
      connect_time: 'TIMESTAMP NULLABLE',
      disconnect_time: 'TIMESTAMP NULLABLE',
      attributes: 'JSON NULLABLE',
    });
    expect(fields.map((f) => f.name)).toEqual(Object.keys(EdgeLogRow.shape));
    expect(fields.every((f) => f.description.length > 10)).toBe(true);
  });

  it('committed Terraform schema files equal the ones generated from zod now (run npm run schema:generate)', () => {
    for (const [file, fields] of Object.entries(schemaFiles())) {
      expect(readFileSync(join(root, file), 'utf8')).toBe(renderSchemaFile(fields));
    }
  });

  it('NULL_ROW carries every column in table order', () => {
    expect(Object.keys(NULL_ROW)).toEqual(Object.keys(EdgeLogRow.shape));
    expect(Object.values(NULL_ROW).every((v) => v === null)).toBe(true);
  });

  it('rejects rows that break the column types', () => {
    const row = { ...NULL_ROW, event_id: 'x', source: 'edgeone', log_type: 'l4_session', ingest_time: '2026-01-01T00:00:00Z' };
    expect(EdgeLogRow.safeParse({ ...row, event_time: '2026-01-01T00:00:00Z' }).success).toBe(true);
    expect(EdgeLogRow.safeParse({ ...row, event_time: '2026-01-01T00:00:00.1234567Z' }).success).toBe(false);
    expect(EdgeLogRow.safeParse({ ...row, event_time: '2026-01-01T00:00:00Z', port: 1.5 }).success).toBe(false);
  });
});
