import type { Storage } from '@google-cloud/storage';
import type { Logs } from '../../logging';
import type { BigQueryField } from '../../schema/bigquery-schema';
import type { EdgeLogRow } from '../../schema/edge-log';
import type { IngestErrorRow } from '../../schema/ingest-error';
import { refusedRowLetter } from '../dead-letter';
import type { WriteCounts } from '../counts';
import type { RecordOrigin } from '../record-origin';
import type { CommitResult, ObjectLoad } from '../types';
import type { LoadJobs } from './jobs';
import { loadJsonLine } from './load-json';
import { deleteStaged, StagingUpload } from './staging';
import { waitForJob, type PollOptions } from './wait';

interface StagedLoadDeps {
  storage: Storage;
  jobs: LoadJobs;
  table: { project: string; dataset: string; table: string };
  schema: readonly BigQueryField[];
  logs: Logs;
  poll?: PollOptions;
  now: () => string;
  /** The parent sink's ingest_errors path. */
  writeErrors: (errors: readonly IngestErrorRow[]) => Promise<void>;
}

/**
 * The load of one object generation by one load job: rows are staged as NDJSON while the object is
 * read, and `commit()` inserts the job under the generation's id and waits for it. A load job is
 * all or nothing, so nothing is visible before it is DONE. If it fails (a row BigQuery refuses, a
 * backend error) or the per-table quota refuses it, `commit()` hands over `fallback`, a PENDING
 * stream opened for the same object, for the object to be read into again.
 */
export class StagedLoadJob implements ObjectLoad {
  readonly alreadyCommitted = null;
  private readonly upload: StagingUpload;
  /** Dead letters this read wrote (error_id), so that a read again into the fallback does not repeat them. */
  private readonly lettered = new Set<string>();

  constructor(
    private readonly deps: StagedLoadDeps,
    private readonly object: string,
    private readonly jobId: string,
    stagingBucket: string,
    stagingName: string,
    private readonly fallback: ObjectLoad,
  ) {
    this.upload = new StagingUpload(deps.storage, stagingBucket, stagingName);
  }

  async writeRows(rows: readonly EdgeLogRow[], origins?: readonly (RecordOrigin | undefined)[]): Promise<WriteCounts> {
    let lines = '';
    let staged = 0;
    const refused: IngestErrorRow[] = [];
    for (const [i, row] of rows.entries()) {
      try {
        lines += loadJsonLine(row);
        staged++;
      } catch (err) {
        // A JSON column whose text is not JSON: that row's fault, and no load can take it.
        refused.push(refusedRowLetter(row, origins?.[i], (err as Error).message, this.deps.now()));
      }
    }
    if (refused.length > 0) await this.deps.writeErrors(refused);
    if (staged > 0) await this.upload.write(lines, staged);
    return { inserted: staged, deadLettered: refused.length };
  }

  writeErrors(errors: readonly IngestErrorRow[]): Promise<void> {
    for (const e of errors) this.lettered.add(e.error_id);
    return this.deps.writeErrors(errors);
  }

  /** Gives up: the staged upload is dropped, the fallback stream left uncommitted (invisible). */
  async close(): Promise<void> {
    this.upload.abort();
    await this.fallback.close();
  }

  async commit(): Promise<CommitResult> {
    try {
      return await this.loadStaged();
    } catch (err) {
      // The invocation fails; the staged copy stays for a job that may still be running (the
      // redelivery finds it by its id), the unused fallback stream is let go.
      this.upload.abort();
      await this.fallback.close().catch(() => {});
      throw err;
    }
  }

  private async loadStaged(): Promise<CommitResult> {
    await this.upload.finish();
    const { jobs, table, schema, logs } = this.deps;
    if (this.upload.rows === 0) {
      // No row to load: no job spent against the quota. A redelivery reads the object again, cheaply.
      await this.cleanUp();
      return { rows: 0 };
    }
    const inserted = await jobs.insert({ jobId: this.jobId, sourceUri: this.upload.uri, table, schema });
    if (inserted.kind === 'quota') return this.fallBack(inserted.reason);
    // 'exists': another delivery inserted it first (or an earlier try of this insert got through);
    // either way it is this object's one job, and waiting for it is all that is left.
    const job = await waitForJob(jobs, this.jobId, this.deps.poll);
    if (job.errorResult) return this.fallBack(`${job.errorResult.reason}: ${job.errorResult.message}`);
    const rows = job.outputRows ?? this.upload.rows;
    logs.loadJobLanded({ object: this.object, job_id: this.jobId, rows });
    await this.cleanUp();
    return { rows };
  }

  private async fallBack(reason: string): Promise<CommitResult> {
    this.deps.logs.loadJobFallback({ object: this.object, job_id: this.jobId, reason });
    await this.deleteStaged();
    return { readAgainInto: withoutRepeats(this.fallback, this.lettered), reason };
  }

  private async cleanUp(): Promise<void> {
    await this.fallback.close();
    await this.deleteStaged();
  }

  /** The staged copy has served (the job is DONE, or there is none): the bucket's lifecycle rule is the backstop. */
  private async deleteStaged(): Promise<void> {
    try {
      await deleteStaged(this.deps.storage, this.upload.bucket, this.upload.name);
    } catch (err) {
      // The rows are landed (or will be, by the fallback): failing now would only re-read them.
      this.deps.logs.error(`could not delete ${this.upload.uri}; the staging bucket's lifecycle rule will`, err, { object: this.object });
    }
  }
}

/**
 * `load`, except that dead letters already written by the first read (lines the normalizer
 * rejected: the same lines give the same error_id) are not written again; they are still counted.
 */
function withoutRepeats(load: ObjectLoad, written: ReadonlySet<string>): ObjectLoad {
  return {
    alreadyCommitted: load.alreadyCommitted,
    writeRows: (rows, origins) => load.writeRows(rows, origins),
    writeErrors: async (errors) => {
      const fresh = errors.filter((e) => !written.has(e.error_id));
      if (fresh.length > 0) await load.writeErrors(fresh);
    },
    close: () => load.close(),
    commit: () => load.commit(),
  };
}
