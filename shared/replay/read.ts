import type { DuckDBConnection } from '@duckdb/node-api';
import type { BigQuery } from '@google-cloud/bigquery';
import { INGEST_ERRORS_COLUMNS_SQL } from './columns';
import type { DeadLetter, ReplayFilter } from './plan';

/** WHERE clause and named parameters shared by both warehouses (same column names and meaning). */
function filterSql(filter: ReplayFilter): { where: string; params: Record<string, string> } {
  const clauses: string[] = [];
  const params: Record<string, string> = {};
  if (filter.since) {
    clauses.push('error_time >= CAST($since AS TIMESTAMP)');
    params.since = filter.since.toISOString();
  }
  if (filter.source) {
    clauses.push('source = $source');
    params.source = filter.source;
  }
  if (filter.reason) {
    clauses.push('STRPOS(LOWER(reason), LOWER($reason)) > 0');
    params.reason = filter.reason;
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export async function readDeadLettersDuckDb(connection: DuckDBConnection, filter: ReplayFilter): Promise<DeadLetter[]> {
  const { where, params } = filterSql(filter);
  const sql = `SELECT ${INGEST_ERRORS_COLUMNS_SQL.duckdb} FROM ingest_errors ${where} ORDER BY error_time, error_id`;
  const reader = await connection.runAndReadAll(sql, params);
  return reader.getRowObjectsJson() as unknown as DeadLetter[];
}

export async function readDeadLettersBigQuery(bigquery: BigQuery, table: string, filter: ReplayFilter): Promise<DeadLetter[]> {
  const { where, params } = filterSql(filter);
  // GoogleSQL names parameters @name; the clause text is otherwise the same.
  const query = `SELECT ${INGEST_ERRORS_COLUMNS_SQL.bigquery} FROM \`${table}\` ${where.replace(/\$(\w+)/g, '@$1')} ORDER BY error_time, error_id`;
  const [rows] = await bigquery.query({ query, params });
  return rows as DeadLetter[];
}
