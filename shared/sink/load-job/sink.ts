import type { Storage } from '@google-cloud/storage';
import type { Logs } from '../../logging';
import type { BigQueryField } from '../../schema/bigquery-schema';
import type { EdgeLogRow } from '../../schema/edge-log';
import type { IngestErrorRow } from '../../schema/ingest-error';
import type { WriteCounts } from '../counts';
import type { RecordOrigin } from '../record-origin';
import type { ObjectLoad, ObjectSink } from '../types';
import { loadJobId, stagingObjectName } from './job-id';
import type { LoadJobs } from './jobs';
import { StagedLoadJob } from './object-load';
import { deleteStaged } from './staging';
import { waitForJob, type PollOptions } from './wait';

interface LoadJobSinkOptions {
  /**
   * The Storage Write API sink: rows outside objects go to it, and so does an object a load job
   * could not take (its PENDING stream is the other exactly-once path).
   */
  parent: ObjectSink;
  storage: Storage;
  jobs: LoadJobs;
  stagingBucket: string;
  table: { project: string; dataset: string; table: string };
  schema: readonly BigQueryField[];
  logs: Logs;
  poll?: PollOptions;
  now: () => string;
}

/**
 * An ObjectSink that lands each object generation with one free BigQuery load job (at most one:
 * its id is derived from the generation, see job-id.ts), and everything else through `parent`.
 *
 * beginObject decides from what BigQuery already holds, in this order:
 * 1. the generation's job is DONE without error: landed, nothing is read; RUNNING or PENDING (a
 *    delivery that died or is still at it): waited for, then the same;
 * 2. the job failed (it loaded nothing), or there is none: the parent's load is opened, which
 *    says whether a fallback already committed the generation;
 * 3. the job failed: the object goes into that PENDING stream; there is none: it is staged and
 *    loaded by a new job, with the PENDING stream kept as the fallback should the job fail.
 */
export class LoadJobSink implements ObjectSink {
  constructor(private readonly options: LoadJobSinkOptions) {}

  writeRows(rows: readonly EdgeLogRow[], origins?: readonly (RecordOrigin | undefined)[]): Promise<WriteCounts> {
    return this.options.parent.writeRows(rows, origins);
  }

  writeErrors(errors: readonly IngestErrorRow[]): Promise<void> {
    return this.options.parent.writeErrors(errors);
  }

  close(): Promise<void> {
    return this.options.parent.close();
  }

  async beginObject(object: string): Promise<ObjectLoad> {
    const { jobs, parent, logs } = this.options;
    const jobId = loadJobId(object);
    let job = await jobs.get(jobId);
    if (job && job.state !== 'DONE') job = await waitForJob(jobs, jobId, this.options.poll);
    if (job && !job.errorResult) {
      // A delivery that died waiting for its job left the staged copy behind; it has served.
      await deleteStaged(this.options.storage, this.options.stagingBucket, stagingObjectName(object)).catch((err: unknown) =>
        logs.error('could not delete a staged copy; the staging bucket lifecycle rule will', err, { object }),
      );
      return landed(job.outputRows ?? 0);
    }
    const fallback = await parent.beginObject(object);
    if (fallback.alreadyCommitted) return fallback;
    if (job?.errorResult) {
      // A job id is never reused: once this generation's job failed, only the fallback can land it.
      logs.loadJobFallback({ object, job_id: jobId, reason: `an earlier delivery's job failed: ${job.errorResult.reason}: ${job.errorResult.message}` });
      return fallback;
    }
    return new StagedLoadJob(
      {
        storage: this.options.storage,
        jobs,
        table: this.options.table,
        schema: this.options.schema,
        logs,
        poll: this.options.poll,
        now: this.options.now,
        writeErrors: (e) => parent.writeErrors(e),
      },
      object,
      jobId,
      this.options.stagingBucket,
      stagingObjectName(object),
      fallback,
    );
  }
}

/** A generation its load job already landed: nothing may be written, commit is a no-op. */
function landed(rows: number): ObjectLoad {
  const refuse = () => Promise.reject(new Error('this object generation was already loaded; nothing may be written'));
  return { alreadyCommitted: { rows }, writeRows: refuse, writeErrors: refuse, close: async () => {}, commit: async () => ({ rows }) };
}
