import { mkdtempSync, rmSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { createStagingSql, insertFromJsonLinesSql, insertFromStagingSql, stagingType, toDuckDbColumns, type DuckDbColumn, type KeyWindow } from '../duckdb/ddl';
import { EDGE_LOGS_TABLE, INGEST_ERRORS_TABLE, openWarehouse, type Warehouse } from '../duckdb/open';
import { EdgeLogRow } from '../schema/edge-log';
import { IngestErrorRow } from '../schema/ingest-error';
import { buildDeadLetter } from './dead-letter';
import type { RowOrigin, RowSink, WriteOutcome } from './types';

export interface DuckDbSinkOptions {
  /** The warehouse file; created with its tables and views when missing. */
  path: string;
}

const STAGING = 'edge_logs_staging';

/**
 * Concurrent writeRows() calls (invocations of the local functions) are coalesced into one load:
 * a load costs a temp file and a query whether it carries one row or thousands.
 */
const COALESCE_MS = 10;
const COALESCE_ROWS = 20_000;

/** The event_time range of a group of writes, widened to whole milliseconds (ISO text does not sort). */
function eventTimeWindow(group: readonly PendingWrite[]): KeyWindow {
  let min = Infinity;
  let max = -Infinity;
  for (const write of group) {
    for (const row of write.rows) {
      const ms = Date.parse(row.event_time);
      if (ms < min) min = ms;
      if (ms > max) max = ms;
    }
  }
  return { column: 'event_time', from: new Date(min).toISOString().replace('Z', ''), to: new Date(max + 1).toISOString().replace('Z', '') };
}

interface PendingWrite {
  rows: readonly EdgeLogRow[];
  text: string;
  origins?: readonly (RowOrigin | undefined)[];
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
}

type Append = (appender: DuckDBAppender, value: unknown) => void;

function appendFor(column: DuckDbColumn): Append {
  switch (stagingType(column)) {
    case 'DOUBLE':
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendDouble(v as number));
    case 'BOOLEAN':
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendBoolean(v as boolean));
    default:
      return (a, v) => (v === null || v === undefined ? a.appendNull() : a.appendVarchar(String(v)));
  }
}

/**
 * The local warehouse behind the RowSink contract. Each batch is written as JSON Lines to a temp file
 * and loaded with one `INSERT … SELECT … FROM read_json(…)` that skips event_ids already landed (the
 * same dedup the views apply in BigQuery; see insertFromJsonLinesSql). Measured against the Appender (one native call per
 * value on the JS thread), the file path leaves parsing, casting and storage to DuckDB's own threads,
 * so a caller that keeps a batch in flight normalizes the next one meanwhile (bench/ingest.ts).
 * A batch DuckDB refuses is retried row by row through an Appender-filled staging table, and the rows
 * it still refuses are dead-lettered. Writes are serialized (they share the staging table), and
 * concurrent writeRows() calls are coalesced into one load.
 */
export class DuckDbSink implements RowSink {
  /** Rows that were new to the table (the rest were duplicates of rows already there). */
  newRows = 0;
  private readonly columns = toDuckDbColumns(EdgeLogRow);
  private readonly appenders = this.columns.map(appendFor);
  private readonly errorColumns = toDuckDbColumns(IngestErrorRow);
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private batches = 0;
  private pending: PendingWrite[] = [];
  private pendingRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly tempDir = mkdtempSync(join(tmpdir(), 'cdnlog-duckdb-'));

  private constructor(
    readonly warehouse: Warehouse,
    private readonly appender: DuckDBAppender,
  ) {}

  static async open(options: DuckDbSinkOptions): Promise<DuckDbSink> {
    const warehouse = await openWarehouse(options.path);
    const columns = toDuckDbColumns(EdgeLogRow);
    await warehouse.connection.run(createStagingSql(STAGING, columns));
    await warehouse.connection.run(`DELETE FROM ${STAGING}`);
    const appender = await warehouse.connection.createAppender(STAGING, 'main', 'temp');
    return new DuckDbSink(warehouse, appender);
  }

  get connection(): DuckDBConnection {
    return this.warehouse.connection;
  }

  writeRows(rows: readonly EdgeLogRow[], origins?: readonly (RowOrigin | undefined)[]): Promise<WriteOutcome> {
    if (rows.length === 0) return Promise.resolve({ inserted: 0, deadLettered: 0 });
    // Serialized now, on the caller's turn, so the rows may change after this returns.
    let text = '';
    for (const row of rows) text += `${JSON.stringify(row)}\n`;
    if (this.closed) return Promise.reject(new Error('the DuckDB sink is closed'));
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.pending.push({ rows, text, origins, resolve, reject });
      this.pendingRows += rows.length;
      if (this.pendingRows >= COALESCE_ROWS) this.flushPending();
      else this.timer ??= setTimeout(() => this.flushPending(), COALESCE_MS);
    });
  }

  private flushPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const group = this.pending;
    this.pending = [];
    this.pendingRows = 0;
    if (group.length > 0) void this.serialized(() => this.insertGroup(group));
  }

  /** One load for the whole group; if DuckDB refuses it, each caller's rows go in one by one. */
  private async insertGroup(group: PendingWrite[]): Promise<void> {
    try {
      await this.insertText(group.map((w) => w.text).join(''), eventTimeWindow(group));
    } catch {
      for (const write of group) {
        try {
          write.resolve(await this.insertOneByOne(write.rows, write.origins));
        } catch (error) {
          write.reject(error);
        }
      }
      return;
    }
    for (const write of group) write.resolve({ inserted: write.rows.length, deadLettered: 0 });
  }

  writeErrors(errors: readonly IngestErrorRow[]): Promise<void> {
    return this.serialized(() => this.insertErrors(errors));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushPending();
    this.closed = true;
    await this.queue.catch(() => {});
    this.appender.closeSync();
    rmSync(this.tempDir, { recursive: true, force: true });
    await this.warehouse.close();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the DuckDB sink is closed'));
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }

  private stage(rows: readonly EdgeLogRow[]): void {
    const { appender, appenders, columns } = this;
    for (const row of rows) {
      const record = row as unknown as Record<string, unknown>;
      for (let c = 0; c < columns.length; c++) appenders[c]!(appender, record[columns[c]!.name]);
      appender.endRow();
    }
    appender.flushSync();
  }

  private async moveStaged(): Promise<number> {
    try {
      const result = await this.connection.run(insertFromStagingSql(EDGE_LOGS_TABLE, STAGING, this.columns, 'event_id'));
      return result.rowsChanged;
    } finally {
      await this.connection.run(`DELETE FROM ${STAGING}`);
    }
  }

  /** Loads JSON Lines rows in one statement; throws when DuckDB refuses any of them. */
  private async insertText(text: string, window: KeyWindow): Promise<void> {
    const file = join(this.tempDir, `batch-${this.batches++}.jsonl`);
    try {
      await writeFile(file, text);
      const result = await this.connection.run(insertFromJsonLinesSql(EDGE_LOGS_TABLE, file, this.columns, 'event_id', window));
      this.newRows += result.rowsChanged;
    } finally {
      await unlink(file).catch(() => {});
    }
  }

  private async insertOneByOne(rows: readonly EdgeLogRow[], origins?: readonly (RowOrigin | undefined)[]): Promise<WriteOutcome> {
    let inserted = 0;
    const refused: IngestErrorRow[] = [];
    for (const [i, row] of rows.entries()) {
      try {
        this.stage([row]);
        this.newRows += await this.moveStaged();
        inserted++;
      } catch (error) {
        this.appender.clear();
        const origin = origins?.[i];
        refused.push(
          buildDeadLetter({
            source: row.source === 'edgeone' ? 'edgeone' : 'media_cdn',
            stage: 'insert',
            reason: `DuckDB refused the row: ${(error as Error).message}`,
            messageId: origin?.messageId,
            object: origin?.object,
            line: origin?.line,
            key: String(row.event_id),
            payload: JSON.stringify(row),
            attributes: origin?.attributes,
            now: new Date().toISOString(),
          }),
        );
      }
    }
    await this.insertErrors(refused);
    return { inserted, deadLettered: refused.length };
  }

  private async insertErrors(errors: readonly IngestErrorRow[]): Promise<void> {
    if (errors.length === 0) return;
    const columns = this.errorColumns;
    const placeholders = columns.map((c, i) => (c.type === 'VARCHAR' || c.type === 'BOOLEAN' ? `$${i + 1}` : `CAST($${i + 1} AS ${c.type})`));
    const statement = await this.connection.prepare(
      `INSERT INTO ${INGEST_ERRORS_TABLE} (${columns.map((c) => c.name).join(', ')}) VALUES (${placeholders.join(', ')}) ON CONFLICT DO NOTHING`,
    );
    try {
      for (const error of errors) {
        const record = error as unknown as Record<string, string | boolean | null>;
        statement.bind(columns.map((c) => record[c.name] ?? null));
        await statement.run();
      }
    } finally {
      statement.destroySync();
    }
  }
}

/** The RowSink factory createSink() calls. */
export async function openDuckDbSink(options: DuckDbSinkOptions): Promise<DuckDbSink> {
  return DuckDbSink.open(options);
}
