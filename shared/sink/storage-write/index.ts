import type { BigQuery } from '@google-cloud/bigquery';
import type { managedwriter } from '@google-cloud/bigquery-storage';
import { createLogs, type Logs } from '../../logging';
import type { RetryOptions } from '../retry';
import { bigQueryCommitLog } from './commit-log';
import { StorageWriteSink, type StorageWriteSinkOptions } from './sink';
import { tablePath } from './table-path';

export { StorageWriteSink } from './sink';
export type { ObjectLoad } from './object-load';
export { IngestCommitRow, type CommitLog } from './commit-log';
export { StorageWriteError } from '../write-failure';
export { tablePath } from './table-path';

interface StorageWriteSinkDeps {
  /** One WriterClient per instance (one gRPC channel); the sink never closes it. */
  client: managedwriter.WriterClient;
  /** The REST client, for the commit log's lookups (jobs.query). */
  bigquery: BigQuery;
  project: string;
  dataset: string;
  tables: { rows: string; errors: string; commits: string };
  logs?: Logs;
  retry?: RetryOptions;
  batching?: StorageWriteSinkOptions['batching'];
  appendsInFlight?: number;
  now?: () => string;
}

/** The Write API sink with its commit log in `tables.commits`, all in one dataset. */
export function createStorageWriteSink(deps: StorageWriteSinkDeps): StorageWriteSink {
  const logs = deps.logs ?? createLogs();
  const path = (table: string) => tablePath(deps.project, deps.dataset, table);
  return new StorageWriteSink({
    client: deps.client,
    rowsTable: path(deps.tables.rows),
    errorsTable: path(deps.tables.errors),
    commitLog: bigQueryCommitLog({ bigquery: deps.bigquery, client: deps.client, table: path(deps.tables.commits), logs, retry: deps.retry }),
    logs,
    retry: deps.retry,
    batching: deps.batching,
    appendsInFlight: deps.appendsInFlight,
    now: deps.now,
  });
}
