import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EdgeLogRow } from '../schema/edge-log';
import { IngestErrorRow } from '../schema/ingest-error';
import { createTableSql, toDuckDbColumns } from './ddl';
import { createViewSql, loadViewDefinitions } from './views';

export const EDGE_LOGS_TABLE = 'edge_logs';
export const INGEST_ERRORS_TABLE = 'ingest_errors';

export interface Warehouse {
  path: string;
  connection: DuckDBConnection;
  /** Checkpoints (folds the WAL into the file) and disconnects. */
  close(): Promise<void>;
}

/** DuckDB lets one process write a file; turn its lock error into advice. */
export class WarehouseLockedError extends Error {
  override name = 'WarehouseLockedError';
}

interface OpenOptions {
  /** Fail when the file does not exist instead of creating an empty warehouse (for queries). */
  mustExist?: boolean;
}

/**
 * One DuckDB instance per file per process, so the functions and the local runner share one writer
 * instead of fighting over the file lock. Our own map rather than DuckDBInstance.fromCache: asking
 * that cache for a file a second time while another connection had written to it hung at 100% CPU
 * (@duckdb/node-api 1.5.6-r.1, seen in the local run).
 */
const instances = new Map<string, { instance: Promise<DuckDBInstance>; users: number }>();

function instanceFor(absolute: string): Promise<DuckDBInstance> {
  let entry = instances.get(absolute);
  if (!entry) {
    entry = { instance: DuckDBInstance.create(absolute), users: 0 };
    instances.set(absolute, entry);
    entry.instance.catch(() => instances.delete(absolute));
  }
  entry.users++;
  return entry.instance;
}

/** Closes the instance, releasing the file lock for other processes, once its last user is done. */
async function release(absolute: string): Promise<void> {
  const entry = instances.get(absolute);
  if (!entry || --entry.users > 0) return;
  instances.delete(absolute);
  (await entry.instance).closeSync();
}

/**
 * Opens (creating when needed) the local warehouse file with the edge_logs and ingest_errors tables
 * and the analyst views.
 */
export async function openWarehouse(path: string, options: OpenOptions = {}): Promise<Warehouse> {
  const absolute = resolve(path);
  if (options.mustExist) {
    const { existsSync } = await import('node:fs');
    if (!existsSync(absolute)) throw new Error(`no local warehouse at ${path}: run 'npm start' or 'cdnlog ingest' first`);
  } else mkdirSync(dirname(absolute), { recursive: true });
  let instance: DuckDBInstance;
  try {
    instance = await instanceFor(absolute);
  } catch (error) {
    instances.delete(absolute);
    const message = (error as Error).message;
    const lock = /Could not set lock on file .*?Conflicting lock is held in (.*?)(?: \(PID (\d+)\))?[.\s]/.exec(message);
    if (lock || /lock/i.test(message)) {
      const holder = lock?.[2] ? `process ${lock[2]} (${lock[1]})` : 'another process';
      throw new WarehouseLockedError(
        `${path} is open for writing in ${holder}. DuckDB allows one writing process per file: ` +
          `wait for it to finish (npm start, cdnlog ingest) or point DUCKDB_PATH / --db at another file.`,
        { cause: error },
      );
    }
    throw error;
  }
  let connection: DuckDBConnection;
  try {
    connection = await instance.connect();
  } catch (error) {
    await release(absolute);
    throw error;
  }
  // The default (16 MB of WAL) checkpoints, i.e. compresses and rewrites, after nearly every batch of
  // a bulk load; measured, that doubled the load time. close() checkpoints once at the end instead.
  try {
    await connection.run(`SET checkpoint_threshold = '1GB'`);
    await ensureSchema(connection);
  } catch (error) {
    connection.closeSync();
    await release(absolute);
    throw error;
  }
  return {
    path,
    connection,
    close: async () => {
      try {
        await connection.run('CHECKPOINT');
      } finally {
        connection.closeSync();
        await release(absolute);
      }
    },
  };
}

/** Tables from the zod definitions, views from sql/views (translated); idempotent. */
export async function ensureSchema(connection: DuckDBConnection): Promise<void> {
  await connection.run(createTableSql(EDGE_LOGS_TABLE, toDuckDbColumns(EdgeLogRow)));
  await connection.run(createTableSql(INGEST_ERRORS_TABLE, toDuckDbColumns(IngestErrorRow), 'error_id'));
  for (const view of loadViewDefinitions()) await connection.run(createViewSql(view));
}
