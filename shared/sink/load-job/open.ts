import type { GcpSettings, SinkSettings } from '../../config/settings';
import { createBigQuery, createStorage } from '../../gcp/clients';
import type { Logs } from '../../logging';
import { toBigQuerySchema } from '../../schema/bigquery-schema';
import { EdgeLogRow } from '../../schema/edge-log';
import { isObjectSink, type RowSink } from '../types';
import { bigQueryJobsTransport, LoadJobs } from './jobs';
import type { LoadJobSettings } from './settings';
import { LoadJobSink } from './sink';
import type { PollOptions } from './wait';

/**
 * The load-job sink for the settings' BigQuery target over `parent`, the process's Storage Write
 * API sink (loadSettings makes sure that is what it is). Closing it closes the parent, so a process
 * that also uses the parent directly (functions/runtime.ts) closes only the parent, once.
 */
export function openLoadJobSink(
  settings: { gcp: GcpSettings; sink: SinkSettings },
  loadJob: LoadJobSettings,
  parent: RowSink,
  options: { logs: Logs; now: () => string; poll?: PollOptions },
): LoadJobSink {
  const { gcp, sink } = settings;
  if (sink.kind !== 'bigquery' || !isObjectSink(parent)) throw new Error('load jobs need the BigQuery Storage Write API sink to fall back to');
  return new LoadJobSink({
    parent,
    storage: createStorage(gcp),
    jobs: new LoadJobs({ transport: bigQueryJobsTransport(createBigQuery(gcp)), project: sink.project, location: loadJob.location, logs: options.logs }),
    stagingBucket: loadJob.stagingBucket,
    table: { project: sink.project, dataset: sink.dataset, table: sink.table },
    schema: toBigQuerySchema(EdgeLogRow),
    logs: options.logs,
    poll: options.poll,
    now: options.now,
  });
}
