import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FaultQueue } from './faults';
import { closeServer, listen, readBody, sendGoogleError, sendJson } from './http-util';
import { STOPPED, validateRow, type BigQuerySchemaField, type InsertError } from './bigquery-row-validator';
import { createLoadJobs } from './bigquery-load-jobs';

export type { BigQuerySchemaField } from './bigquery-row-validator';

/** insertAll's documented request size cap (tabledata.insertAll, "Maximum HTTP request size"). */
export const INSERT_ALL_MAX_BYTES = 10 * 1024 * 1024;

export interface BigQueryEndpointOptions {
  /** Tables keyed `${dataset}.${table}`; any project id is accepted. */
  tables: Record<string, BigQuerySchemaField[]>;
  /** Status for a body over 10 MB. BigQuery has been seen answering both 400 and 413. */
  oversizeStatus?: 400 | 413;
  /** Request size limit (default insertAll's 10 MB); tests lower it to exercise splitting cheaply. */
  maxRequestBytes?: number;
  /**
   * Keep accepted rows and insertIds (default true). Benchmarks streaming gigabytes turn it off:
   * rows are then validated and counted, not stored, and insertId dedup is off.
   */
  keepRows?: boolean;
  /** Where load jobs read their gs:// sources: the Cloud Storage contract endpoint's `read`. */
  readObject?: (bucket: string, name: string) => Promise<Buffer | null>;
  /** Load jobs per table before jobs.insert answers quotaExceeded (default BigQuery's 1,500). */
  loadJobsPerTable?: number;
}

/** A row error a test makes the endpoint report (a string means reason `invalid`). */
export interface RowRefusal {
  reason: string;
  message: string;
}

/** One insertAll call as the endpoint saw it (after fault injection). */
export interface InsertAllRecord {
  table: string;
  bytes: number;
  rows: number;
  status: number;
  insertErrors: number;
}

interface InsertAllRequest {
  skipInvalidRows?: boolean;
  ignoreUnknownValues?: boolean;
  templateSuffix?: string;
  rows?: Array<{ insertId?: string; json?: unknown }>;
}

/** One jobs.query call: the statement and its named parameters, as the client sent them. */
export interface QueryRecord {
  project: string;
  query: string;
  useLegacySql: unknown;
  params: Record<string, { type: string; value: string | null }>;
}

/**
 * What a jobs.query call returns. No SQL engine runs here: the test answers (for instance with rows
 * it inserted), and the endpoint encodes the answer as BigQuery does (rows of `f`/`v` cells, every
 * scalar as a string, NULL as null), so the client's own row conversion is what gets tested.
 */
export type QueryAnswer = (query: QueryRecord) => { fields: BigQuerySchemaField[]; rows: Record<string, unknown>[] };

interface QueryRequest {
  query?: string;
  useLegacySql?: unknown;
  queryParameters?: Array<{ name?: string; parameterType?: { type?: string }; parameterValue?: { value?: string } }>;
}

const INSERT_ALL = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)\/insertAll$/;
const QUERIES = /^\/bigquery\/v2\/projects\/([^/]+)\/queries$/;
const TABLE = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/;
const JOBS = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs$/;
const JOB = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)$/;

/**
 * Local HTTP endpoint speaking the BigQuery v2 REST contract for tabledata.insertAll, tables.get,
 * jobs.query (answered by the test, see QueryAnswer), and jobs.insert/jobs.get for load jobs
 * (bigquery-load-jobs.ts), so tests run the real @google-cloud/bigquery client against it.
 */
export async function startBigQueryEndpoint(options: BigQueryEndpointOptions) {
  const tables = new Map(Object.entries(options.tables));
  const stored = new Map<string, Record<string, unknown>[]>([...tables.keys()].map((t) => [t, []]));
  const seenInsertIds = new Map<string, Set<string>>([...tables.keys()].map((t) => [t, new Set()]));
  const requests: InsertAllRecord[] = [];
  const faults = new FaultQueue();
  // Extra row refusals on top of schema validation, for rows that are schema-valid but that a
  // test wants BigQuery to refuse (e.g. a value outside a column's range), or to fail one by one
  // with another reason (backendError, timeout).
  const refusals: Array<(table: string, json: unknown) => RowRefusal | string | null> = [];
  const oversizeStatus = options.oversizeStatus ?? 400;
  const maxRequestBytes = options.maxRequestBytes ?? INSERT_ALL_MAX_BYTES;
  const keepRows = options.keepRows ?? true;
  let accepted = 0;
  const queries: QueryRecord[] = [];
  let answer: QueryAnswer | null = null;
  const loadJobs = createLoadJobs({
    tables,
    readObject: options.readObject,
    loadJobsPerTable: options.loadJobsPerTable,
    refuse: (table, json) => {
      for (const refuse of refusals) {
        const refusal = refuse(table, json);
        if (refusal !== null) return typeof refusal === 'string' ? refusal : refusal.message;
      }
      return null;
    },
    append: (table, rows) => {
      accepted += rows.length;
      if (keepRows) stored.get(table)!.push(...rows);
    },
  });

  function insertAll(res: ServerResponse, project: string, table: string, body: Buffer, bytes: number): void {
    const record: InsertAllRecord = { table, bytes, rows: 0, status: 200, insertErrors: 0 };
    requests.push(record);
    const answerError = (status: number, message: string, reason: string) => {
      record.status = status;
      sendGoogleError(res, status, message, reason);
    };
    if (bytes > maxRequestBytes) {
      answerError(oversizeStatus, `Request payload size exceeds the limit: ${maxRequestBytes} bytes.`, 'badRequest');
      return;
    }
    const schema = tables.get(table);
    if (!schema) {
      answerError(404, `Not found: Table ${project}:${table}`, 'notFound');
      return;
    }
    let request: InsertAllRequest;
    try {
      request = JSON.parse(body.toString('utf8')) as InsertAllRequest;
    } catch {
      answerError(400, 'Invalid JSON payload received.', 'invalid');
      return;
    }
    if (request.templateSuffix) {
      answerError(400, 'templateSuffix is not supported by the contract endpoint', 'invalid');
      return;
    }
    const rows = request.rows ?? [];
    record.rows = rows.length;
    if (rows.length === 0) {
      answerError(400, 'No rows present in the request.', 'invalid');
      return;
    }

    const rowErrors = rows.map((r) => {
      const errors = validateRow(schema, r.json, request.ignoreUnknownValues === true);
      for (const refuse of refusals) {
        const refusal = refuse(table, r.json);
        if (refusal === null) continue;
        const { reason, message } = typeof refusal === 'string' ? { reason: 'invalid', message: refusal } : refusal;
        errors.push({ reason, location: '', debugInfo: '', message });
      }
      return errors;
    });
    const anyInvalid = rowErrors.some((e) => e.length > 0);
    const insertErrors: Array<{ index: number; errors: InsertError[] }> = [];
    rows.forEach((row, index) => {
      const errors = rowErrors[index] ?? [];
      if (errors.length > 0) {
        insertErrors.push({ index, errors });
        return;
      }
      // skipInvalidRows=false is all-or-nothing: valid rows are reported as "stopped", not stored.
      if (anyInvalid && request.skipInvalidRows !== true) {
        insertErrors.push({ index, errors: [STOPPED] });
        return;
      }
      accepted++;
      if (!keepRows) return;
      const seen = seenInsertIds.get(table)!;
      if (row.insertId !== undefined) {
        if (seen.has(row.insertId)) return; // best-effort dedup: a repeat is acknowledged, not stored
        seen.add(row.insertId);
      }
      stored.get(table)!.push(row.json as Record<string, unknown>);
    });
    record.insertErrors = insertErrors.length;
    sendJson(res, 200, {
      kind: 'bigquery#tableDataInsertAllResponse',
      ...(insertErrors.length > 0 ? { insertErrors } : {}),
    });
  }

  function getTable(res: ServerResponse, project: string, dataset: string, tableId: string): void {
    const schema = tables.get(`${dataset}.${tableId}`);
    if (!schema) {
      sendGoogleError(res, 404, `Not found: Table ${project}:${dataset}.${tableId}`, 'notFound');
      return;
    }
    sendJson(res, 200, {
      kind: 'bigquery#table',
      id: `${project}:${dataset}.${tableId}`,
      tableReference: { projectId: project, datasetId: dataset, tableId },
      type: 'TABLE',
      schema: { fields: schema.map((f) => ({ name: f.name, type: f.type, mode: f.mode ?? 'NULLABLE' })) },
      numRows: String(stored.get(`${dataset}.${tableId}`)?.length ?? 0),
    });
  }

  function cell(value: unknown): { v: string | null } {
    if (value === null || value === undefined) return { v: null };
    return { v: typeof value === 'object' ? JSON.stringify(value) : String(value) };
  }

  function runQuery(res: ServerResponse, project: string, body: Buffer): void {
    let request: QueryRequest;
    try {
      request = JSON.parse(body.toString('utf8')) as QueryRequest;
    } catch {
      sendGoogleError(res, 400, 'Request body is not JSON', 'invalid');
      return;
    }
    if (typeof request.query !== 'string') {
      sendGoogleError(res, 400, 'Required parameter is missing: query', 'required');
      return;
    }
    const params: QueryRecord['params'] = {};
    for (const p of request.queryParameters ?? []) {
      if (!p.name) {
        sendGoogleError(res, 400, 'Positional parameters are not part of this contract endpoint', 'invalidQuery');
        return;
      }
      params[p.name] = { type: p.parameterType?.type ?? '', value: p.parameterValue?.value ?? null };
    }
    const record: QueryRecord = { project, query: request.query, useLegacySql: request.useLegacySql, params };
    queries.push(record);
    if (!answer) {
      sendGoogleError(res, 400, 'No answer registered for jobs.query', 'invalidQuery');
      return;
    }
    const { fields, rows } = answer(record);
    const jobId = `job_${queries.length}`;
    sendJson(res, 200, {
      kind: 'bigquery#queryResponse',
      schema: { fields: fields.map((f) => ({ name: f.name, type: f.type, mode: f.mode ?? 'NULLABLE' })) },
      jobReference: { projectId: project, jobId, location: 'US' },
      totalRows: String(rows.length),
      rows: rows.map((row) => ({ f: fields.map((f) => cell(row[f.name])) })),
      totalBytesProcessed: '0',
      jobComplete: true,
      cacheHit: false,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await faults.apply(req, res)) return;
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const insert = INSERT_ALL.exec(path);
    if (insert && req.method === 'POST') {
      const [, project, dataset, table] = insert as unknown as [string, string, string, string];
      const { body, bytes } = await readBody(req, INSERT_ALL_MAX_BYTES);
      return insertAll(res, project, `${dataset}.${table}`, body, bytes);
    }
    const query = QUERIES.exec(path);
    if (query && req.method === 'POST') {
      const { body } = await readBody(req, INSERT_ALL_MAX_BYTES);
      return runQuery(res, query[1]!, body);
    }
    const jobs = JOBS.exec(path);
    if (jobs && req.method === 'POST') {
      if (await loadJobs.insertFaults.apply(req, res)) return;
      const { body } = await readBody(req, INSERT_ALL_MAX_BYTES);
      return loadJobs.insert(res, jobs[1]!, body);
    }
    const job = JOB.exec(path);
    if (job && req.method === 'GET') {
      if (await loadJobs.getFaults.apply(req, res)) return;
      return loadJobs.get(req, res, job[1]!, job[2]!, new URL(req.url ?? '/', 'http://localhost').searchParams.get('location') ?? 'US');
    }
    const table = TABLE.exec(path);
    if (table && req.method === 'GET') {
      const [, project, dataset, tableId] = table as unknown as [string, string, string, string];
      return getTable(res, project, dataset, tableId);
    }
    req.resume();
    sendGoogleError(res, 404, `Not found: ${req.method} ${path} is not part of this contract endpoint`, 'notFound');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendGoogleError(res, 500, String(err));
    });
  });
  const origin = await listen(server);

  return {
    /** Base URL for BIGQUERY_EMULATOR_HOST (the client uses it verbatim, so it ends in /bigquery/v2). */
    url: `${origin}/bigquery/v2`,
    origin,
    requests,
    /** Rows accepted over all tables (counted even when keepRows is false; repeats included). */
    accepted: () => accepted,
    /** Rows accepted into `${dataset}.${table}`, in arrival order, duplicates removed. */
    rows: (table: string): Record<string, unknown>[] => [...(stored.get(table) ?? [])],
    /**
     * Makes rows for which `refuse` returns something come back with that error (a string: reason
     * `invalid`); returns a function that stops it.
     */
    refuseRows: (refuse: (table: string, json: unknown) => RowRefusal | string | null) => {
      refusals.push(refuse);
      return () => void refusals.splice(refusals.indexOf(refuse), 1);
    },
    /** jobs.query calls so far. */
    queries,
    /** Sets what jobs.query returns (see QueryAnswer). */
    answerQueries: (fn: QueryAnswer) => {
      answer = fn;
    },
    ...loadJobs.controls,
    failNext: faults.failNext.bind(faults),
    resetNext: faults.resetNext.bind(faults),
    delayNext: faults.delayNext.bind(faults),
    stallNext: faults.stallNext.bind(faults),
    answerNext: faults.answerNext.bind(faults),
    close: () => closeServer(server),
  };
}

export type BigQueryEndpoint = Awaited<ReturnType<typeof startBigQueryEndpoint>>;
