import type { BigQuery, Table } from '@google-cloud/bigquery';
import type { BigQueryTarget, GcpSettings } from '../config/settings';
import { createBigQuery } from '../gcp/clients';
import { createLogs, type Logs } from '../logging';
import { systemClock } from '../normalize/result';
import type { EdgeLogRow } from '../schema/edge-log';
import type { IngestErrorRow } from '../schema/ingest-error';
import { BatchingWriter, type BatchingWriterOptions, type ItemFate, type Serialized } from './batching-writer';
import { buildDeadLetter } from './dead-letter';
import { backoffDelay, classifyError, DEFAULT_RETRY, sleep, type RetryOptions } from './retry';
import { TransientSinkError, type RowOrigin, type RowSink, type WriteOutcome } from './types';

/**
 * The tabledata.insertAll request body, built from rows serialized once by the batching writer.
 * `table.insert()` would deep-copy every row, walk the body for project-id placeholders and
 * serialize it all again; at thousands of rows a second that is most of the CPU. The options are
 * the ones that keep BigQuery from skipping or dropping anything silently: one invalid row fails
 * the request (its neighbours come back `stopped` and are re-sent), and unknown fields are errors.
 */
export function insertAllBody(rows: readonly { insertId: string; json: string }[]): string {
  const parts = rows.map((row) => `{"insertId":${JSON.stringify(row.insertId)},"json":${row.json}}`);
  return `{"kind":"bigquery#tableDataInsertAllRequest","skipInvalidRows":false,"ignoreUnknownValues":false,"rows":[${parts.join(',')}]}`;
}

/** POSTs one insertAll request through the client (its endpoint, auth and project); returns insertErrors. */
async function insertAll(table: Table, rows: readonly { insertId: string; json: string }[]): Promise<InsertError[]> {
  const [response] = await table.request({
    method: 'POST',
    uri: '/insertAll',
    body: insertAllBody(rows),
    headers: { 'Content-Type': 'application/json' },
  });
  return (response as { insertErrors?: InsertError[] } | undefined)?.insertErrors ?? [];
}

export interface BigQuerySinkOptions {
  rowsTable: Table;
  errorsTable: Table;
  logs?: Logs;
  retry?: RetryOptions;
  /** Batching knobs shared by both writers (tests shrink the linger, benchmarks vary it). */
  batching?: Pick<BatchingWriterOptions<unknown>, 'maxRows' | 'maxBytes' | 'maxRowBytes' | 'lingerMs'>;
  now?: () => string;
}

interface InsertError {
  index: number;
  errors: Array<{ reason?: string; message?: string }>;
}

type Keyed = { insertId: string; json: string };

/**
 * RowSink over BigQuery insertAll (legacy streaming). Rows carry their event_id as insertId, so a
 * redelivered message is deduplicated by BigQuery (best effort) and by the views (always). The
 * client's own retries are off (see createBigQuery); this class owns them: `stopped` rows go out
 * again at once, transient failures back off with jitter, anything else is dead-lettered.
 */
export class BigQuerySink implements RowSink {
  private readonly logs: Logs;
  private readonly now: () => string;
  private readonly rows: BatchingWriter<EdgeLogRow>;
  private readonly errors: BatchingWriter<IngestErrorRow>;

  constructor(private readonly options: BigQuerySinkOptions) {
    this.logs = options.logs ?? createLogs();
    this.now = options.now ?? systemClock();
    this.rows = new BatchingWriter<EdgeLogRow>({
      ...options.batching,
      send: (batch) => this.sendRows(batch),
      oversize: async (items, limit) => {
        await this.deadLetterRows(items, `row is ${items[0]?.bytes} bytes of JSON, over the ${limit}-byte insertAll request limit`);
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
  async writeRows(rows: readonly EdgeLogRow[], origins?: readonly (RowOrigin | undefined)[]): Promise<WriteOutcome> {
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
    const table = this.options.rowsTable;
    const result = await this.insertWithRetries(table, batch.map((item) => ({ insertId: item.value.event_id, json: item.json })), batch);
    const fates: ItemFate[] = batch.map(() => 'inserted');
    const rejected: Array<{ item: Serialized<EdgeLogRow>; reason: string }> = [];
    for (const [index, reason] of result.rejected) {
      fates[index] = 'dead_lettered';
      rejected.push({ item: batch[index]!, reason });
    }
    if (rejected.length > 0) {
      await this.writeErrors(rejected.map(({ item, reason }) => this.insertDeadLetter(item, reason)));
      for (const { item, reason } of rejected.slice(0, 5)) {
        const origin = item.origin as RowOrigin | undefined;
        this.logs.deadLettered({ source: item.value.source, stage: 'insert', reason, message_id: origin?.messageId ?? null, object: origin?.object ?? null, payload: item.json });
      }
    }
    return fates;
  }

  private async sendErrors(batch: readonly Serialized<IngestErrorRow>[]): Promise<ItemFate[]> {
    const table = this.options.errorsTable;
    const result = await this.insertWithRetries(table, batch.map((item) => ({ insertId: item.value.error_id, json: item.json })), batch);
    if (result.rejected.size > 0) {
      // A dead letter BigQuery will not take cannot itself be dead-lettered; failing the invocation
      // keeps the message in Pub/Sub (its dead-letter topic, if any) instead of dropping it.
      const [index, reason] = [...result.rejected][0]!;
      this.logs.error('ingest_errors row refused', new Error(reason), { error_id: batch[index]!.value.error_id });
      throw new Error(`ingest_errors refused ${result.rejected.size} rows: ${reason}`);
    }
    return batch.map(() => 'inserted');
  }

  private async deadLetterRows(items: readonly Serialized<EdgeLogRow>[], reason: string): Promise<void> {
    await this.writeErrors(items.map((item) => this.insertDeadLetter(item, reason)));
  }

  private insertDeadLetter(item: Serialized<EdgeLogRow>, reason: string): IngestErrorRow {
    const origin = (item.origin ?? {}) as RowOrigin;
    return buildDeadLetter({
      source: item.value.source as 'media_cdn' | 'edgeone',
      stage: 'insert',
      reason,
      messageId: origin.messageId,
      object: origin.object,
      line: origin.line,
      key: item.value.event_id,
      payload: item.json,
      attributes: origin.attributes,
      now: this.now(),
    });
  }

  /**
   * Sends raw rows until each is inserted or rejected for good. Returns the rejected ones by batch
   * index with BigQuery's reason; throws TransientSinkError when transient failures outlast the
   * retry budget.
   */
  private async insertWithRetries(
    table: Table,
    rawRows: Keyed[],
    batch: readonly Serialized<unknown>[],
  ): Promise<{ rejected: Map<number, string> }> {
    const retry = { ...DEFAULT_RETRY, ...this.options.retry };
    const rejected = new Map<number, string>();
    const tableName = `${table.dataset.id}.${table.id}`;
    // Indices (into the batch) still to be inserted.
    let pending = rawRows.map((_, i) => i);
    let failures = 0;
    let requests = 0;
    const started = Date.now();
    while (pending.length > 0) {
      requests++;
      try {
        const insertErrors = await insertAll(table, pending.map((i) => rawRows[i]!));
        if (insertErrors.length === 0) {
          pending = [];
          break;
        }
        const stopped: number[] = [];
        for (const { index, errors } of insertErrors) {
          const batchIndex = pending[index];
          if (batchIndex === undefined) continue;
          const refusals = errors.filter((e) => e.reason !== 'stopped');
          if (refusals.length === 0) stopped.push(batchIndex);
          else rejected.set(batchIndex, refusals.map((e) => `${e.reason ?? 'invalid'}: ${e.message ?? ''}`.trim()).join('; '));
        }
        // Rows not listed were inserted. `stopped` rows were valid but held back because a
        // neighbour was not: they go straight out again, without the neighbour.
        if (stopped.length === 0) {
          pending = [];
          break;
        }
        const progressed = stopped.length < pending.length;
        pending = stopped;
        if (progressed) continue;
        // Everything stopped and nothing refused: odd, so count it against the retry budget.
        failures++;
        if (failures >= retry.attempts) {
          throw new TransientSinkError(`insertAll into ${tableName}: every row came back stopped ${failures} times`);
        }
        await (retry.sleep ?? sleep)(backoffDelay(failures - 1, retry));
      } catch (err) {
        if (err instanceof TransientSinkError) throw err;
        const kind = classifyError(err);
        if (kind.kind === 'permanent') {
          const reason = `HTTP ${kind.status ?? '?'}: ${errorMessage(err)}`;
          this.logs.insertRejected({ table: tableName, status: kind.status, rows: pending.length, error: errorMessage(err) });
          for (const i of pending) rejected.set(i, reason);
          pending = [];
          break;
        }
        failures++;
        if (failures >= retry.attempts) {
          this.logs.insertGaveUp({ table: tableName, attempts: failures, rows: pending.length, error: errorMessage(err) });
          throw new TransientSinkError(`insertAll into ${tableName} failed ${failures} times: ${errorMessage(err)}`, { cause: err });
        }
        const delay = backoffDelay(failures - 1, retry);
        this.logs.insertRetry({ table: tableName, attempt: failures, delay_ms: delay, rows: pending.length, error: errorMessage(err) });
        await (retry.sleep ?? sleep)(delay);
      }
    }
    this.logs.batchInserted({
      table: tableName,
      rows: rawRows.length - rejected.size,
      bytes: batch.reduce((sum, item) => sum + item.bytes, 0),
      requests,
      duration_ms: Date.now() - started,
    });
    return { rejected };
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
