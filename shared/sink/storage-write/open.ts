import { configError } from '../../config/env';
import type { BigQueryTarget, GcpSettings } from '../../config/settings';
import { createBigQuery, createWriterClient } from '../../gcp/clients';
import { createLogs, type Logs } from '../../logging';
import { createStorageWriteSink, type StorageWriteSink } from './index';

/**
 * The Storage Write sink for the settings' BigQuery target, with its own WriterClient: one per
 * sink, and the product opens one sink per process (functions/runtime.ts, the CLI), so one gRPC
 * channel per instance. Closing the sink closes the client too, last, so a CLI run can exit.
 */
export function openStorageWriteSink(gcp: GcpSettings, target: BigQueryTarget, options: { logs?: Logs } = {}): StorageWriteSink {
  // Commit lookups on a local endpoint and rows in Google's cloud is never what was meant: the Write
  // API would look for credentials and write to a real table.
  if (gcp.endpoints.bigquery && !gcp.endpoints.bigqueryStorage) {
    throw configError(
      [{ name: 'BIGQUERY_STORAGE_EMULATOR_HOST', problem: 'is not set' }],
      'BIGQUERY_EMULATOR_HOST is set and BQ_WRITE_METHOD is storage: give the local Write API endpoint too, or BQ_WRITE_METHOD=insertall',
    );
  }
  const client = createWriterClient(gcp);
  const sink = createStorageWriteSink({
    client,
    // The commit log's lookups only (jobs.query); rows never go through it.
    bigquery: createBigQuery(gcp),
    project: target.project,
    dataset: target.dataset,
    tables: { rows: target.table, errors: target.errorsTable, commits: target.commitsTable },
    logs: options.logs ?? createLogs(),
  });
  const close = sink.close.bind(sink);
  sink.close = async () => {
    try {
      await close();
    } finally {
      client.close();
      await client.getClient().close();
    }
  };
  return sink;
}
