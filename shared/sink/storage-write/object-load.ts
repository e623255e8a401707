import type { managedwriter } from '@google-cloud/bigquery-storage';
import type { Logs } from '../../logging';
import type { EdgeLogRow } from '../../schema/edge-log';
import type { IngestErrorRow } from '../../schema/ingest-error';
import type { RetryOptions } from '../retry';
import type { RecordOrigin } from '../record-origin';
import type { WriteCounts } from '../counts';
import type { ObjectLoad } from '../types';
import { planRequests } from './append-rows';
import { AppendWindow, DEFAULT_APPENDS_IN_FLIGHT } from './append-window';
import type { CommitLog } from './commit-log';
import { StreamAppender } from './connection';
import type { RowEncoder } from './encoder';
import { GrpcCode, StorageWriteError } from '../write-failure';
import { NO_GAX_RETRY, withRetries } from './retry-loop';

type WriterClient = managedwriter.WriterClient;

/**
 * google.cloud.bigquery.storage.v1.StorageError.StorageErrorCode.STREAM_ALREADY_COMMITTED; gax
 * hands enums over as their names, the number is there for any other decoding.
 */
const ALREADY_COMMITTED = new Set<unknown>([2, 'STREAM_ALREADY_COMMITTED']);

/**
 * The load of one object generation through one PENDING stream: `commit()` finalizes and commits
 * it, so every row becomes visible at once.
 */
export type { ObjectLoad };

interface ObjectLoadDeps {
  client: WriterClient;
  /** `projects/P/datasets/D/tables/edge_logs` */
  table: string;
  encoder: RowEncoder<EdgeLogRow>;
  commitLog: CommitLog;
  logs: Logs;
  retry?: RetryOptions;
  now: () => string;
  /** Dead-letters rows BigQuery refused (the parent sink's ingest_errors path). */
  refuse: (rows: Array<{ row: EdgeLogRow; origin: RecordOrigin | undefined; reason: string }>) => Promise<void>;
  writeErrors: (errors: readonly IngestErrorRow[]) => Promise<void>;
  /** AppendRows requests in flight on the stream (default DEFAULT_APPENDS_IN_FLIGHT). */
  appendsInFlight?: number;
}

/**
 * Opens the load of `object` (`gs://bucket/object#generation`, or a file's label). Looks in the
 * commit log first: a generation recorded as committed, or whose recorded stream BigQuery says was
 * committed, is not loaded again; a recorded stream that was finalized but never committed holds
 * every row already, so it is committed now instead of re-read.
 */
export async function beginObjectLoad(deps: ObjectLoadDeps, object: string): Promise<ObjectLoad> {
  const records = await deps.commitLog.lookup(object);
  const committed = records.find((r) => r.state === 'committed');
  if (committed) return landed(committed.rows);
  for (const record of records.filter((r) => r.state === 'finalized')) {
    const state = await streamState(deps, record.stream);
    if (state === 'committed') {
      await deps.commitLog.record({ object, stream: record.stream, state: 'committed', rows: record.rows, record_time: deps.now() });
      return landed(record.rows);
    }
    if (state === 'finalized') {
      await commitStream(deps, object, record.stream, record.rows, { finalized: true });
      return landed(record.rows);
    }
  }
  const stream = await withRetries(
    'CreateWriteStream',
    async () => {
      const [created] = await deps.client.getClient().createWriteStream({ parent: deps.table, writeStream: { type: 'PENDING' } }, NO_GAX_RETRY);
      if (!created.name) throw new StorageWriteError('CreateWriteStream returned no stream name', null);
      return created.name;
    },
    { logs: deps.logs, retry: deps.retry, table: deps.table },
  );
  return new PendingObjectLoad(deps, object, stream);
}

function landed(rows: number): ObjectLoad {
  const refuse = () => Promise.reject(new Error('this object generation was already committed; nothing may be written'));
  return {
    alreadyCommitted: { rows },
    writeRows: refuse,
    writeErrors: refuse,
    close: async () => {},
    commit: async () => ({ rows }),
  };
}

/**
 * What became of a stream recorded as finalized: committed, still finalized (every row in, not
 * committed), or gone (NOT_FOUND: an uncommitted stream BigQuery has since dropped).
 */
async function streamState(deps: ObjectLoadDeps, stream: string): Promise<'committed' | 'finalized' | 'gone'> {
  try {
    const info = await withRetries('GetWriteStream', async () => (await deps.client.getClient().getWriteStream({ name: stream }, NO_GAX_RETRY))[0], {
      logs: deps.logs,
      retry: deps.retry,
      table: deps.table,
    });
    // The API's own record of the stream: commit_time is set once it has been committed.
    if (info.commitTime) return 'committed';
    return 'finalized';
  } catch (err) {
    if (err instanceof StorageWriteError && err.code === GrpcCode.NOT_FOUND) return 'gone';
    throw err;
  }
}

/** Finalizes (unless already done), records the stream, commits it, records the commit. */
async function commitStream(deps: ObjectLoadDeps, object: string, stream: string, rows: number, options: { finalized: boolean }): Promise<void> {
  const { logs, retry, table } = deps;
  if (!options.finalized) {
    const [finalized] = await withRetries('FinalizeWriteStream', () => deps.client.getClient().finalizeWriteStream({ name: stream }, NO_GAX_RETRY), {
      logs,
      retry,
      table,
      rows,
    });
    // The service's count of the stream's rows: a gap or a repeat in the appends would show here,
    // and the stream is left uncommitted (invisible) rather than landed wrong.
    if (finalized.rowCount !== undefined && finalized.rowCount !== null && Number(finalized.rowCount) !== rows) {
      throw new StorageWriteError(`FinalizeWriteStream counts ${finalized.rowCount} rows in ${stream}, ${rows} were appended`, null);
    }
    // Recorded before the commit: if this invocation dies after BatchCommitWriteStreams, the next
    // delivery finds the stream here and asks BigQuery whether it was committed.
    await deps.commitLog.record({ object, stream, state: 'finalized', rows, record_time: deps.now() });
  }
  await withRetries(
    'BatchCommitWriteStreams',
    async () => {
      const [response] = await deps.client.getClient().batchCommitWriteStreams({ parent: table, writeStreams: [stream] }, NO_GAX_RETRY);
      // Already committed: an earlier try of this call went through and its answer got lost.
      const errors = (response.streamErrors ?? []).filter((e) => !ALREADY_COMMITTED.has(e.code));
      if (errors.length > 0) {
        throw new StorageWriteError(`BatchCommitWriteStreams refused ${stream}: ${errors.map((e) => `${e.code}: ${e.errorMessage}`).join('; ')}`, null);
      }
    },
    { logs, retry, table, rows },
  );
  await deps.commitLog.record({ object, stream, state: 'committed', rows, record_time: deps.now() });
}

class PendingObjectLoad implements ObjectLoad {
  readonly alreadyCommitted = null;
  private readonly appender: StreamAppender;
  private readonly window: AppendWindow;
  private done = false;

  constructor(
    private readonly deps: ObjectLoadDeps,
    private readonly object: string,
    readonly stream: string,
  ) {
    const { client, table, logs, retry } = deps;
    this.appender = new StreamAppender({ client, stream, table, descriptor: deps.encoder.descriptor, logs, retry });
    this.window = new AppendWindow(this.appender, deps.appendsInFlight ?? DEFAULT_APPENDS_IN_FLIGHT, { logs, retry, table });
  }

  async writeRows(rows: readonly EdgeLogRow[], origins?: readonly (RecordOrigin | undefined)[]): Promise<WriteCounts> {
    if (this.done) throw new Error(`the load of ${this.object} is already committed`);
    const encoded = this.deps.encoder.encode(rows);
    const { requests, refused } = planRequests(encoded);
    // Queued at once, in order (the offsets follow the call order); in the stream when they settle.
    const appends = requests.map((keys) =>
      this.window.append(
        keys.map((i) => encoded[i] as Uint8Array),
        keys,
      ),
    );
    for (const rowErrors of await Promise.all(appends)) for (const [i, reason] of rowErrors) refused.set(i, reason);
    if (refused.size > 0) await this.deps.refuse([...refused].map(([i, reason]) => ({ row: rows[i]!, origin: origins?.[i], reason })));
    return { inserted: rows.length - refused.size, deadLettered: refused.size };
  }

  writeErrors(errors: readonly IngestErrorRow[]): Promise<void> {
    return this.deps.writeErrors(errors);
  }

  /** Waits for the appends; does not commit (an uncommitted load stays invisible). */
  async close(): Promise<void> {
    await this.window.drain();
    this.appender.close();
  }

  async commit(): Promise<{ rows: number }> {
    await this.window.drain();
    // Every append is settled: the call is not needed, whatever comes next.
    this.appender.close();
    // After a failed append the stream's end is unknown: the load is lost (uncommitted, so
    // invisible) and the invocation fails, so the redelivery starts over.
    if (this.window.failed) throw this.window.failed.err;
    this.done = true;
    const rows = this.window.rows;
    await commitStream(this.deps, this.object, this.stream, rows, { finalized: false });
    return { rows };
  }
}
