import type { managedwriter } from '@google-cloud/bigquery-storage';
import { createLogs, type Logs } from '../../logging';
import { systemClock } from '../../normalizers/result';
import type { EdgeLogRow } from '../../schema/edge-log';
import { IngestErrorRow } from '../../schema/ingest-error';
import { BatchingWriter, type BatchingWriterOptions, type ItemFate, type Serialized } from '../batching-writer';
import type { RetryOptions } from '../retry';
import { refusedRowLetter } from '../dead-letter';
import type { RecordOrigin } from '../record-origin';
import type { WriteCounts } from '../counts';
import type { ObjectSink } from '../types';
import { appendBatch, MAX_APPEND_BYTES } from './append-rows';
import type { CommitLog } from './commit-log';
import { StreamAppender } from './connection';
import { createEdgeLogEncoder } from './edge-log-encoder';
import { createRowEncoder, EncodeError, type RowEncoder } from './encoder';
import { beginObjectLoad, type ObjectLoad } from './object-load';
import { defaultStream } from './table-path';

type WriterClient = managedwriter.WriterClient;

/** A row as the batching writer carries it on the default streams: encoded once, when written. */
type Encoded = Uint8Array | EncodeError;

/** A row that cannot be encoded weighs nothing: appendBatch refuses it without sending it. */
const measured = (encoded: Encoded[]) => encoded.map((data) => ({ data, bytes: data instanceof EncodeError ? 0 : data.length }));

export interface StorageWriteSinkOptions {
  /** One per instance: every stream of every table shares its gRPC channel. */
  client: WriterClient;
  /** `projects/P/datasets/D/tables/edge_logs` */
  rowsTable: string;
  /** `projects/P/datasets/D/tables/ingest_errors` */
  errorsTable: string;
  /** Record of committed object generations; needed only by beginObject. */
  commitLog?: CommitLog;
  logs?: Logs;
  retry?: RetryOptions;
  /** Batching of default-stream rows across concurrent invocations (as for insertAll). */
  batching?: Pick<BatchingWriterOptions<unknown>, 'maxRows' | 'maxBytes' | 'lingerMs'>;
  /** AppendRows requests in flight on an object's PENDING stream (default DEFAULT_APPENDS_IN_FLIGHT). */
  appendsInFlight?: number;
  now?: () => string;
}

/**
 * RowSink over the BigQuery Storage Write API.
 *
 * - `writeRows` / `writeErrors` append to each table's `_default` stream: at-least-once, with no
 *   insertId, so a redelivered message lands its rows again (`edge_logs_dedup` folds them by
 *   event_id). Rows of concurrent invocations share appends through the batching writer.
 * - `beginObject` loads one object generation through its own PENDING stream, committed at once
 *   (see object-load.ts): the object lands exactly once.
 *
 * Rows BigQuery refuses one by one become ingest_errors rows with the source record as payload
 * (refusedRowLetter, as for insertAll), so `cdnlog replay` can resend them; retryable
 * failures are retried with backoff and reconnect; the rest fail the invocation.
 */
export class StorageWriteSink implements ObjectSink {
  private readonly logs: Logs;
  private readonly now: () => string;
  private readonly rowEncoder: RowEncoder<EdgeLogRow> = createEdgeLogEncoder();
  private readonly errorEncoder: RowEncoder<IngestErrorRow> = createRowEncoder<IngestErrorRow>(IngestErrorRow, 'ingest_errors');
  private readonly rowsStream: StreamAppender;
  private readonly errorsStream: StreamAppender;
  private readonly rows: BatchingWriter<EdgeLogRow, Encoded>;
  private readonly errors: BatchingWriter<IngestErrorRow, Encoded>;

  constructor(private readonly options: StorageWriteSinkOptions) {
    this.logs = options.logs ?? createLogs();
    this.now = options.now ?? systemClock();
    const appender = (table: string, descriptor: RowEncoder<unknown>['descriptor']) =>
      new StreamAppender({ client: options.client, stream: defaultStream(table), table, descriptor, logs: this.logs, retry: options.retry });
    this.rowsStream = appender(options.rowsTable, this.rowEncoder.descriptor);
    this.errorsStream = appender(options.errorsTable, this.errorEncoder.descriptor);
    const batching = { ...options.batching, maxRowBytes: MAX_APPEND_BYTES, rowOverheadBytes: 4 };
    this.rows = new BatchingWriter<EdgeLogRow, Encoded>({
      ...batching,
      serialize: (rows) => measured(this.rowEncoder.encode(rows)),
      send: (batch) => this.sendRows(batch),
      oversize: (items, limit) =>
        this.refuse(
          items.map((item) => ({
            row: item.value,
            origin: item.origin as RecordOrigin | undefined,
            reason: `row is ${item.bytes} bytes encoded, over the ${limit}-byte AppendRows request budget`,
          })),
        ),
    });
    this.errors = new BatchingWriter<IngestErrorRow, Encoded>({
      ...batching,
      serialize: (errors) => measured(this.errorEncoder.encode(errors)),
      send: (batch) => this.sendErrors(batch),
      oversize: async (items) => {
        // Payloads are cut at 1 MB, so this means a bug: fail loudly rather than drop a dead letter.
        throw new Error(`${items.length} ingest_errors rows exceed the AppendRows request budget`);
      },
    });
  }

  writeRows(rows: readonly EdgeLogRow[], origins?: readonly (RecordOrigin | undefined)[]): Promise<WriteCounts> {
    return this.rows.write(rows, origins);
  }

  async writeErrors(errors: readonly IngestErrorRow[]): Promise<void> {
    await this.errors.write(errors);
  }

  /** Opens the exactly-once load of one object generation (`gs://bucket/object#generation`). */
  beginObject(object: string): Promise<ObjectLoad> {
    const commitLog = this.options.commitLog;
    if (!commitLog) return Promise.reject(new Error('StorageWriteSink.beginObject needs a commitLog'));
    return beginObjectLoad(
      {
        client: this.options.client,
        table: this.options.rowsTable,
        encoder: this.rowEncoder,
        commitLog,
        logs: this.logs,
        retry: this.options.retry,
        now: this.now,
        refuse: (rows) => this.refuse(rows),
        writeErrors: (errors) => this.writeErrors(errors),
        appendsInFlight: this.options.appendsInFlight,
      },
      object,
    );
  }

  async close(): Promise<void> {
    await this.rows.flush();
    await this.errors.flush();
    this.rowsStream.close();
    this.errorsStream.close();
    this.options.commitLog?.close();
  }

  private async sendRows(batch: readonly Serialized<EdgeLogRow, Encoded>[]): Promise<ItemFate[]> {
    const started = Date.now();
    const outcome = await appendBatch(
      this.rowsStream,
      batch.map((item) => item.data),
    );
    const fates: ItemFate[] = batch.map((_, i) => (outcome.refused.has(i) ? 'dead_lettered' : 'inserted'));
    if (outcome.refused.size > 0) {
      await this.refuse([...outcome.refused].map(([i, reason]) => ({ row: batch[i]!.value, origin: batch[i]!.origin as RecordOrigin | undefined, reason })));
    }
    this.logs.batchInserted({
      table: this.options.rowsTable,
      rows: outcome.appended,
      bytes: batch.reduce((n, item) => n + item.bytes, 0),
      requests: outcome.requests,
      duration_ms: Date.now() - started,
    });
    return fates;
  }

  private async sendErrors(batch: readonly Serialized<IngestErrorRow, Encoded>[]): Promise<ItemFate[]> {
    const outcome = await appendBatch(
      this.errorsStream,
      batch.map((item) => item.data),
    );
    if (outcome.refused.size > 0) {
      // A dead letter BigQuery will not take cannot itself be dead-lettered; failing the invocation
      // keeps the message in Pub/Sub (its dead-letter topic, if any) instead of dropping it.
      const [index, reason] = [...outcome.refused][0]!;
      this.logs.error('ingest_errors row refused', new Error(reason), { error_id: batch[index]!.value.error_id });
      throw new Error(`ingest_errors refused ${outcome.refused.size} rows: ${reason}`);
    }
    return batch.map(() => 'inserted');
  }

  /** Dead-letters refused rows (the source record as payload), logging the first few. */
  private async refuse(rows: Array<{ row: EdgeLogRow; origin: RecordOrigin | undefined; reason: string }>): Promise<void> {
    if (rows.length === 0) return;
    const now = this.now();
    const letters = rows.map(({ row, origin, reason }) => refusedRowLetter(row, origin, reason, now));
    await this.writeErrors(letters);
    for (const [i, { row, origin, reason }] of rows.slice(0, 5).entries()) {
      this.logs.deadLettered({
        source: row.source,
        stage: 'insert',
        reason,
        message_id: origin?.messageId ?? null,
        object: origin?.object ?? null,
        payload: letters[i]!.payload,
      });
    }
  }
}
