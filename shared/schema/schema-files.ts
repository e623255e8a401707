import { toBigQuerySchema, type BigQueryField } from './bigquery-schema';
import { EdgeLogRow } from './edge-log';
import { IngestCommitRow } from './ingest-commit';
import { IngestErrorRow } from './ingest-error';

/** The table schema files Terraform reads, by path relative to the repo root. */
export function schemaFiles(): Record<string, BigQueryField[]> {
  return {
    'terraform/schemas/edge_logs.json': toBigQuerySchema(EdgeLogRow),
    'terraform/schemas/ingest_errors.json': toBigQuerySchema(IngestErrorRow),
    'terraform/schemas/ingest_commits.json': toBigQuerySchema(IngestCommitRow),
  };
}

/** Serialized exactly as committed, so a byte comparison tells whether the files are stale. */
export function renderSchemaFile(fields: BigQueryField[]): string {
  return `${JSON.stringify(fields, null, 2)}\n`;
}
