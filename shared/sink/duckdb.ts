import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { createStagingSql, insertFromJsonLinesSql, insertFromStagingSql, stagingType, toDuckDbColumns, type DuckDbColumn, type KeyWindow } from '../duckdb/ddl';
import { EDGE_LOGS_TABLE, INGEST_ERRORS_TABLE, openWarehouse, type Warehouse } from '../duckdb/open';
import { EdgeLogRow } from '../schema/edge-log';
import { IngestErrorRow } from '../schema/ingest-error';
import { refusedRowLetter } from './dead-letter';
import type { RecordOrigin } from './record-origin';
import type { WriteCounts } from './counts';
import type { RowSink } from './types';

interface DuckDbSinkOptions {
  /** The warehouse file; created with its tables and views when missing. */
  path: string;
}

const STAGING = 'edge_logs_staging';

/**
 * Concurrent writeRows() calls (invocations of the local functions, writes of an ingest) are
 * coalesced into one load: a load costs a query and a dedup probe whether it carries one row or
 * thousands. Loads start at COALESCE_ROWS rows or COALESCE_MS after the first row came.
 */
const COALESCE_MS = 100;
const COALESCE_ROWS = 20_000;

/**
 * One caller's rows inside a load file: where its lines are, so a load DuckDB refuses can be retried
 * caller by caller.
 */
interface PendingWrite {
  count: number;
  offset: number;
  length: number;
  origins?: readonly (RecordOrigin | undefined)[];
  resolve: (outcome: WriteCounts) => void;
  reject: (error: unknown) => void;
}

/** Rows are encoded to disk in pieces of about this size, so no large string is ever built. */
const PIECE_CHARS = 64 * 1024;

/**
 * The JSON Lines temp file one load reads. Rows are appended as they are written, so the heap never
 * holds a batch: measured on 200,000 Media CDN rows, keeping rows and their text in memory until
 * the load tripled the time spent in GC.
 */
class LoadFile {
  rows = 0;
  bytes = 0;
  /** event_time range of the rows, in ms (widened to whole ms: ISO text does not sort). */
  minMs = Infinity;
  maxMs = -Infinity;
  readonly writes: PendingWrite[] = [];
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w+');
  }

  /** Appends rows; returns where their lines are. On a failed write none of them stays in the file. */
  append(rows: readonly EdgeLogRow[]): { offset: number; length: number } {
    const offset = this.bytes;
    try {
      let piece = '';
      for (const row of rows) {
        piece += `${JSON.stringify(row)}\n`;
        const ms = Date.parse(row.event_time);
        if (ms < this.minMs) this.minMs = ms;
        if (ms > this.maxMs) this.maxMs = ms;
        if (piece.length >= PIECE_CHARS) {
          this.write(piece);
          piece = '';
        }
      }
      if (piece !== '') this.write(piece);
    } catch (error) {
      this.bytes = offset;
      // If even this fails, the load trips on the stray bytes and retries caller by caller.
      try {
        ftruncateSync(this.fd, offset);
      } catch {}
      throw error;
    }
    this.rows += rows.length;
    return { offset, length: this.bytes - offset };
  }

  /** Undefined when no row had a readable event_time (DuckDB will refuse those rows anyway). */
  window(): KeyWindow | undefined {
    if (!Number.isFinite(this.minMs)) return undefined;
    const text = (ms: number) => new Date(ms).toISOString().replace('Z', '');
    return { column: 'event_time', from: text(this.minMs), to: text(this.maxMs + 1) };
  }

  /** The rows of one write, parsed back (only for the row-by-row retry). */
  read(write: PendingWrite): EdgeLogRow[] {
    const buffer = Buffer.alloc(write.length);
    readSync(this.fd, buffer, 0, write.length, write.offset);
    return buffer
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as EdgeLogRow);
  }

  close(): void {
    closeSync(this.fd);
  }

  private write(text: string): void {
    const buffer = Buffer.from(text);
    for (let done = 0; done < buffer.length; ) done += writeSync(this.fd, buffer, done, buffer.length - done, this.bytes + done);
    this.bytes += buffer.length;
  }
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
 * The local warehouse behind the RowSink contract. Rows are appended as JSON Lines to a temp file
 * as they are written, and each file is loaded with one `INSERT … SELECT … FROM read_json(…)` that
 * skips event_ids already landed (the same dedup the views apply in BigQuery; see
 * insertFromJsonLinesSql). Measured against the Appender (one native call per value on the JS
 * thread), the file path leaves parsing, casting and storage to DuckDB's own threads, so a caller
 * that keeps writes in flight normalizes the next rows meanwhile (bench/ingest.ts). A load DuckDB
 * refuses is retried row by row through an Appender-filled staging table, and the rows it still
 * refuses are dead-lettered. Loads are serialized (they share the staging table).
 */
export class DuckDbSink implements RowSink {
  /** Rows that were new to the table (the rest were duplicates of rows already there). */
  newRows = 0;
  /** Dead letters that were new to ingest_errors (the rest had been recorded before). */
  newErrors = 0;
  private readonly columns = toDuckDbColumns(EdgeLogRow);
  private readonly appenders = this.columns.map(appendFor);
  private readonly errorColumns = toDuckDbColumns(IngestErrorRow);
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private batches = 0;
  /** The load file concurrent writes are appended to until it is loaded. */
  private file: LoadFile | null = null;
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

  writeRows(rows: readonly EdgeLogRow[], origins?: readonly (RecordOrigin | undefined)[]): Promise<WriteCounts> {
    if (rows.length === 0) return Promise.resolve({ inserted: 0, deadLettered: 0 });
    if (this.closed) return Promise.reject(new Error('the DuckDB sink is closed'));
    // Encoded now, on the caller's turn, so the rows may change (or be collected) after this returns.
    let file: LoadFile;
    let offset: number;
    let length: number;
    try {
      file = this.file ??= new LoadFile(join(this.tempDir, `batch-${this.batches++}.jsonl`));
      ({ offset, length } = file.append(rows));
    } catch (error) {
      // A full disk, say: none of the caller's rows is in the file.
      return Promise.reject(error);
    }
    return new Promise<WriteCounts>((resolve, reject) => {
      file.writes.push({ count: rows.length, offset, length, origins, resolve, reject });
      if (file.rows >= COALESCE_ROWS) this.flushPending();
      else this.timer ??= setTimeout(() => this.flushPending(), COALESCE_MS);
    });
  }

  private flushPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const file = this.file;
    this.file = null;
    if (file) void this.serialized(() => this.insertFile(file));
  }

  /**
   * One load for the whole file; if DuckDB refuses it, each caller's rows go in one by one. Callers
   * hear back only once the file is gone, so a finished write leaves nothing behind.
   */
  private async insertFile(file: LoadFile): Promise<void> {
    const settle: Array<() => void> = [];
    try {
      const result = await this.connection.run(insertFromJsonLinesSql(EDGE_LOGS_TABLE, file.path, this.columns, 'event_id', file.window()));
      this.newRows += result.rowsChanged;
      for (const write of file.writes) settle.push(() => write.resolve({ inserted: write.count, deadLettered: 0 }));
    } catch {
      for (const write of file.writes) {
        try {
          const outcome = await this.insertOneByOne(file.read(write), write.origins);
          settle.push(() => write.resolve(outcome));
        } catch (error) {
          settle.push(() => write.reject(error));
        }
      }
    } finally {
      try {
        file.close();
        await unlink(file.path).catch(() => {});
      } finally {
        for (const done of settle) done();
      }
    }
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

  private async insertOneByOne(rows: readonly EdgeLogRow[], origins?: readonly (RecordOrigin | undefined)[]): Promise<WriteCounts> {
    let inserted = 0;
    const refused: IngestErrorRow[] = [];
    for (const [i, row] of rows.entries()) {
      try {
        this.stage([row]);
        this.newRows += await this.moveStaged();
        inserted++;
      } catch (error) {
        this.appender.clear();
        refused.push(refusedRowLetter(row, origins?.[i], `DuckDB refused the row: ${(error as Error).message}`, new Date().toISOString()));
      }
    }
    await this.insertErrors(refused);
    return { inserted, deadLettered: refused.length };
  }

  /**
   * Dead letters load like rows: one JSON Lines file, one `INSERT … SELECT … FROM read_json(…)` that
   * skips error_ids already there. A prepared INSERT per letter ran about 100× slower than rows
   * (issue #13: 100,000 letters took 13 minutes). Should DuckDB refuse the file, the letters go in
   * one by one, so one bad letter cannot take its neighbours down with it.
   */
  private async insertErrors(errors: readonly IngestErrorRow[]): Promise<void> {
    if (errors.length === 0) return;
    const path = join(this.tempDir, `errors-${this.batches++}.jsonl`);
    try {
      writeFileSync(path, errors.map((e) => `${JSON.stringify(e)}\n`).join(''));
      const result = await this.connection.run(insertFromJsonLinesSql(INGEST_ERRORS_TABLE, path, this.errorColumns, 'error_id'));
      this.newErrors += result.rowsChanged;
    } catch {
      await this.insertErrorsOneByOne(errors);
    } finally {
      await unlink(path).catch(() => {});
    }
  }

  private async insertErrorsOneByOne(errors: readonly IngestErrorRow[]): Promise<void> {
    const columns = this.errorColumns;
    const placeholders = columns.map((c, i) => (c.type === 'VARCHAR' || c.type === 'BOOLEAN' ? `$${i + 1}` : `CAST($${i + 1} AS ${c.type})`));
    const statement = await this.connection.prepare(
      `INSERT INTO ${INGEST_ERRORS_TABLE} (${columns.map((c) => c.name).join(', ')}) VALUES (${placeholders.join(', ')}) ON CONFLICT DO NOTHING`,
    );
    let refused: { id: string; error: unknown } | undefined;
    try {
      for (const error of errors) {
        const record = error as unknown as Record<string, string | boolean | null>;
        try {
          statement.bind(columns.map((c) => record[c.name] ?? null));
          this.newErrors += (await statement.run()).rowsChanged;
        } catch (cause) {
          refused ??= { id: error.error_id, error: cause };
        }
      }
    } finally {
      statement.destroySync();
    }
    // A letter has nowhere further to go: fail the write, so the caller fails (and is retried).
    if (refused) throw new Error(`DuckDB refused dead letter ${refused.id}: ${(refused.error as Error).message}`, { cause: refused.error });
  }
}

/** The RowSink factory createSink() calls. */
export async function openDuckDbSink(options: DuckDbSinkOptions): Promise<DuckDbSink> {
  return DuckDbSink.open(options);
}
