import type { BigQuery, Table } from '@google-cloud/bigquery';
import type { BigQueryTarget, GcpSettings } from '../config/settings';
import { createBigQuery } from '../gcp/clients';
import { createLogs, type Logs } from '../logging';
import { systemClock } from '../normalizers/result';
import type { EdgeLogRow } from '../schema/edge-log';
import type { IngestErrorRow } from '../schema/ingest-error';
import { BatchingWriter, type BatchingWriterOptions, type ItemFate, type Serialized } from './batching-writer';
import { refusedRowLetter } from './dead-letter';
import { insertAllBody, parseInsertAllAnswer, type InsertError, type KeyedRow } from './insert-all-request';
import { bigQueryTransport, DEFAULT_INSERT_DEADLINE_MS, type HttpAnswer, withDeadline, type InsertAllTransport } from './insert-all-transport';
import { RetryBudget, type RetryOptions } from './retry';
import type { RecordOrigin } from './record-origin';
import type { WriteCounts } from './counts';
import { SinkRefusedError, TransientSinkError, type RowSink } from './types';
import { classifyNoAnswer, classifyRowErrors, classifyStatus, parseGoogleError, type RequestFailure } from './write-failure';

export { insertAllBody } from './insert-all-request';

interface BigQuerySinkOptions {
  rowsTable: Table;
  errorsTable: Table;
  logs?: Logs;
  retry?: RetryOptions;
  /** Each insertAll request is aborted (and counted as a transient failure) after this long. */
  deadlineMs?: number;
  /** How requests are sent (default: fetch through the rows table's client). */
  transport?: InsertAllTransport;
  /** Batching knobs shared by both writers (tests shrink the linger, benchmarks vary it). */
  batching?: Pick<BatchingWriterOptions<unknown>, 'maxRows' | 'maxBytes' | 'maxRowBytes' | 'lingerMs'>;
  now?: () => string;
}

/** What one insertAll exchange came to. */
type Attempt = { ok: true; insertErrors: InsertError[] } | { ok: false; failure: RequestFailure };

/**
 * RowSink over BigQuery insertAll (legacy streaming). Rows carry their event_id as insertId, so a
 * redelivered message is deduplicated by BigQuery (best effort) and by the views (always). The
 * client's own retries are off (see createBigQuery); this class owns them. Its parts: the request
 * (insert-all-request.ts), the transport with a deadline per request (insert-all-transport.ts), the
 * retry budget (retry.ts), and what each failure means for the rows (write-failure.ts): `stopped`
 * rows go out again at once, transient failures back off with jitter and finally fail the
 * invocation, a too-large request is split, a refused request fails the invocation, and only rows
 * refused one by one are dead-lettered, with their source record.
 */
export class BigQuerySink implements RowSink {
  private readonly logs: Logs;
  private readonly now: () => string;
  private readonly transport: InsertAllTransport;
  private readonly deadlineMs: number;
  private readonly rows: BatchingWriter<EdgeLogRow>;
  private readonly errors: BatchingWriter<IngestErrorRow>;

  constructor(private readonly options: BigQuerySinkOptions) {
    this.logs = options.logs ?? createLogs();
    this.now = options.now ?? systemClock();
    this.transport = options.transport ?? bigQueryTransport(options.rowsTable.bigQuery);
    this.deadlineMs = options.deadlineMs ?? DEFAULT_INSERT_DEADLINE_MS;
    this.rows = new BatchingWriter<EdgeLogRow>({
      ...options.batching,
      send: (batch) => this.sendRows(batch),
      oversize: async (items, limit) => {
        await this.writeErrors(
          items.map((item) => this.deadLetter(item, `row is ${item.bytes} bytes of JSON, over the ${limit}-byte insertAll request limit`)),
        );
      },
    });
    this.errors = new BatchingWriter<IngestErrorRow>({
      ...options.batching,
      send: (batch) => this.sendErrors(batch),
      oversize: async (items) => {
        // Payloads are cut at 1 MB, so this means a bug: fail loudly rather than drop a dead letter.
        throw new Error(`${items.length} ingest_errors rows exceed the insertAll request limit`);
      },
    });
  }

  /** `origins[i]` describes `rows[i]` (optional; used only if the row has to be dead-lettered). */
  writeRows(rows: readonly EdgeLogRow[], origins?: readonly (RecordOrigin | undefined)[]): Promise<WriteCounts> {
    return this.rows.write(rows, origins);
  }

  async writeErrors(errors: readonly IngestErrorRow[]): Promise<void> {
    await this.errors.write(errors);
  }

  async close(): Promise<void> {
    await this.rows.flush();
    await this.errors.flush();
  }

  private async sendRows(batch: readonly Serialized<EdgeLogRow>[]): Promise<ItemFate[]> {
    const refused = await this.insert(
      this.options.rowsTable,
      batch.map((item) => ({ insertId: item.value.event_id, json: item.data })),
      batch,
    );
    const fates: ItemFate[] = batch.map(() => 'inserted');
    if (refused.size === 0) return fates;
    const letters: IngestErrorRow[] = [];
    for (const [index, reason] of refused) {
      fates[index] = 'dead_lettered';
      const item = batch[index]!;
      letters.push(this.deadLetter(item, reason));
      if (letters.length <= 5) {
        const origin = item.origin as RecordOrigin | undefined;
        this.logs.deadLettered({
          source: item.value.source,
          stage: 'insert',
          reason,
          message_id: origin?.messageId ?? null,
          object: origin?.object ?? null,
          payload: origin?.record ?? item.data,
        });
      }
    }
    await this.writeErrors(letters);
    return fates;
  }

  private async sendErrors(batch: readonly Serialized<IngestErrorRow>[]): Promise<ItemFate[]> {
    const refused = await this.insert(
      this.options.errorsTable,
      batch.map((item) => ({ insertId: item.value.error_id, json: item.data })),
      batch,
    );
    if (refused.size > 0) {
      // A dead letter BigQuery will not take cannot itself be dead-lettered; failing the invocation
      // keeps the message in Pub/Sub (its dead-letter topic, if any) instead of dropping it.
      const [index, reason] = [...refused][0]!;
      this.logs.error('ingest_errors row refused', new Error(reason), { error_id: batch[index]!.value.error_id });
      throw new SinkRefusedError(`ingest_errors refused ${refused.size} rows: ${reason}`);
    }
    return batch.map(() => 'inserted');
  }

  private deadLetter(item: Serialized<EdgeLogRow>, reason: string): IngestErrorRow {
    return refusedRowLetter(item.value, item.origin as RecordOrigin | undefined, reason, this.now(), item.data);
  }

  /** One insertAll exchange, within its deadline, read into rows' errors or a request failure. */
  private async attempt(table: Table, rows: readonly KeyedRow[]): Promise<Attempt> {
    let answer: HttpAnswer;
    try {
      answer = await withDeadline(this.deadlineMs, (signal) => this.transport(table, insertAllBody(rows), signal));
    } catch (err) {
      return { ok: false, failure: classifyNoAnswer(err) };
    }
    if (answer.status < 200 || answer.status > 299) return { ok: false, failure: classifyStatus(answer.status, parseGoogleError(answer.text)) };
    const parsed = parseInsertAllAnswer(answer.text, rows.length);
    if (!parsed.ok) return { ok: false, failure: { kind: 'transient', status: answer.status, reason: parsed.problem } };
    return { ok: true, insertErrors: parsed.insertErrors };
  }

  /**
   * Sends rows until each is inserted or refused one by one. Returns the refused ones by batch
   * index with BigQuery's reason; throws TransientSinkError when transient failures outlast the
   * retry budget, SinkRefusedError when BigQuery refuses a whole request.
   */
  private async insert(table: Table, rows: KeyedRow[], batch: readonly Serialized<unknown>[]): Promise<Map<number, string>> {
    const budget = new RetryBudget(this.options.retry);
    const refused = new Map<number, string>();
    const tableName = `${table.dataset.id}.${table.id}`;
    // Groups of batch indices still to be sent, each group one request.
    const groups: number[][] = [rows.map((_, i) => i)];
    let requests = 0;
    const started = Date.now();
    const backOff = async (failure: string, pending: number) => {
      const delay = budget.fail();
      if (delay === null) {
        this.logs.insertGaveUp({ table: tableName, attempts: budget.failures, rows: pending, error: failure });
        throw new TransientSinkError(`insertAll into ${tableName} failed ${budget.failures} times: ${failure}`);
      }
      this.logs.insertRetry({ table: tableName, attempt: budget.failures, delay_ms: delay, rows: pending, error: failure });
      await budget.wait(delay);
    };
    while (groups.length > 0) {
      const group = groups.shift()!;
      requests++;
      const result = await this.attempt(
        table,
        group.map((i) => rows[i]!),
      );
      if (!result.ok) {
        const { failure } = result;
        if (failure.kind === 'refused') {
          this.logs.insertRejected({ table: tableName, status: failure.status, rows: group.length, error: failure.reason });
          throw new SinkRefusedError(`insertAll into ${tableName} refused: ${failure.reason}`);
        }
        if (failure.kind === 'too-large') {
          // Halve until it fits; a single row refused for its size is that row's fault.
          if (group.length === 1) refused.set(group[0]!, failure.reason);
          else groups.unshift(group.slice(0, group.length >> 1), group.slice(group.length >> 1));
          continue;
        }
        await backOff(failure.reason, group.length);
        groups.unshift(group);
        continue;
      }
      // Rows not listed were inserted.
      const again: number[] = [];
      let transient: string | null = null;
      for (const { index, errors } of result.insertErrors) {
        const batchIndex = group[index]!;
        const verdict = classifyRowErrors(errors);
        if (verdict.kind === 'refused') refused.set(batchIndex, verdict.reason);
        else {
          again.push(batchIndex);
          if (verdict.kind === 'transient') transient ??= verdict.reason;
        }
      }
      if (again.length === 0) continue;
      // `stopped` rows were valid but held back because a neighbour was not: they go straight out
      // again without it. Rows BigQuery could not take just now, or a request where every row
      // came back stopped (odd), count against the retry budget.
      if (transient !== null || again.length === group.length) await backOff(transient ?? 'every row came back stopped', again.length);
      groups.unshift(again.sort((a, b) => a - b));
    }
    this.logs.batchInserted({
      table: tableName,
      rows: rows.length - refused.size,
      bytes: batch.reduce((sum, item) => sum + item.bytes, 0),
      requests,
      duration_ms: Date.now() - started,
    });
    return refused;
  }
}

/** Builds the sink for `target`; the BigQuery client talks to the local endpoint when one is set. */
export async function createBigQuerySink(
  gcp: GcpSettings,
  target: BigQueryTarget,
  options: Omit<BigQuerySinkOptions, 'rowsTable' | 'errorsTable'> & { bigquery?: BigQuery } = {},
): Promise<BigQuerySink> {
  const bigquery = options.bigquery ?? createBigQuery(gcp);
  const dataset = bigquery.dataset(target.dataset);
  return new BigQuerySink({
    ...options,
    rowsTable: dataset.table(target.table),
    errorsTable: dataset.table(target.errorsTable),
  });
}
