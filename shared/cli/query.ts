import { parseArgs } from 'node:util';
import { openWarehouse } from '../duckdb/open';
import { DEFAULT_DUCKDB_PATH } from '../sink/create';
import { EXIT, UsageError, type Command } from './io';
import { toCell } from './cells';
import { QUERY_FORMATS, render, type QueryFormat } from './table';

export const queryHelp = `Usage: cdnlog query "SQL" [--format table|csv|json] [--db PATH]

Runs SQL against the local DuckDB warehouse. Tables: edge_logs, ingest_errors. Views (the same
definitions as in BigQuery, translated from sql/views/*.sql): edge_logs_dedup, l4_sessions,
traffic_hourly. Timestamps are UTC, printed as ISO 8601 with Z; integers are JSON numbers up to
2^53 and strings beyond.

  --format F   table (default), csv (RFC 4180, with header) or json (JSON Lines, one object per row)
  --db PATH    DuckDB file (default DUCKDB_PATH, else ${DEFAULT_DUCKDB_PATH})
  -h, --help   Show this help.

Example:
  cdnlog query "SELECT source, log_type, COUNT(*) AS n FROM edge_logs_dedup GROUP BY ALL"`;

export const query: Command = async (args, io) => {
  const { values, positionals } = parseArgs({
    args,
    options: { format: { type: 'string' }, db: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout.write(`${queryHelp}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one SQL statement (quote it)');
  const format = (values.format ?? 'table') as QueryFormat;
  if (!(QUERY_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${QUERY_FORMATS.join(', ')}`);
  const warehouse = await openWarehouse(values.db ?? (io.env.DUCKDB_PATH || DEFAULT_DUCKDB_PATH), { mustExist: true });
  try {
    const reader = await warehouse.connection.runAndReadAll(positionals[0]!);
    const columns = reader.columnNames();
    const types = reader.columnTypes();
    const rows = (reader.getRowsJson() as unknown[][]).map((row) => row.map((value, i) => toCell(value, types[i]!)));
    io.stdout.write(render(format, columns, rows));
  } finally {
    await warehouse.close();
  }
  return EXIT.ok;
};
