import type { BigQuery } from '@google-cloud/bigquery';
import { IngestCommitRow } from '../../schema/ingest-commit';
import type { managedwriter } from '@google-cloud/bigquery-storage';
import type { Logs } from '../../logging';
import type { RetryOptions } from '../retry';
import { StreamAppender } from './connection';
import { defaultStream, parseTablePath } from './table-path';
import { withRetries } from './retry-loop';
import { createRowEncoder } from './encoder';
import { appendBatch } from './append-rows';

type WriterClient = managedwriter.WriterClient;

export { IngestCommitRow };

/** Where committed object generations are recorded; passed in, so tests and the CLI can choose. */
export interface CommitLog {
  /** Every record for this object generation, in no particular order. */
  lookup(object: string): Promise<Pick<IngestCommitRow, 'stream' | 'state' | 'rows'>[]>;
  record(row: IngestCommitRow): Promise<void>;
  close(): void;
}

/** The commit log as a BigQuery table: read with a parameterized query, written to its `_default` stream. */
export function bigQueryCommitLog(options: {
  bigquery: BigQuery;
  client: WriterClient;
  /** `projects/P/datasets/D/tables/T` */
  table: string;
  logs: Logs;
  retry?: RetryOptions;
}): CommitLog {
  const encoder = createRowEncoder<IngestCommitRow>(IngestCommitRow, 'ingest_commits');
  const { project, dataset, table } = parseTablePath(options.table);
  const appender = new StreamAppender({
    client: options.client,
    stream: defaultStream(options.table),
    table: options.table,
    descriptor: encoder.descriptor,
    logs: options.logs,
    retry: options.retry,
  });
  const query = `SELECT stream, state, rows FROM \`${project}.${dataset}.${table}\` WHERE object = @object`;
  return {
    async lookup(object) {
      const [rows] = await withRetries('query', () => options.bigquery.query({ query, params: { object }, useLegacySql: false }), {
        logs: options.logs,
        retry: options.retry,
        table: options.table,
      });
      return (rows as Array<{ stream: string; state: string; rows: number | string }>).map((r) => ({
        stream: String(r.stream),
        state: String(r.state),
        rows: Number(r.rows),
      }));
    },
    async record(row) {
      const outcome = await appendBatch(appender, encoder.encode([row]));
      if (outcome.refused.size > 0) throw new Error(`${table} refused a commit record: ${[...outcome.refused.values()][0]}`);
    },
    close: () => appender.close(),
  };
}
