import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultQueue } from './faults';
import { sendGoogleError, sendJson } from './http-util';
import { validateRow, type BigQuerySchemaField, type InsertError } from './bigquery-row-validator';

/** BigQuery's documented daily limit of load jobs per table ("Load jobs per table per day"). */
export const LOAD_JOBS_PER_TABLE_PER_DAY = 1_500;

const JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;
const GS_URI = /^gs:\/\/([^/]+)\/(.+)$/;

interface LoadConfiguration {
  sourceUris?: unknown;
  sourceFormat?: unknown;
  destinationTable?: { projectId?: unknown; datasetId?: unknown; tableId?: unknown };
  createDisposition?: unknown;
  writeDisposition?: unknown;
  schema?: { fields?: Array<{ name?: unknown; type?: unknown; mode?: unknown }> };
  maxBadRecords?: unknown;
  ignoreUnknownValues?: unknown;
}

interface JobRecord {
  project: string;
  jobId: string;
  location: string;
  table: string;
  source: { bucket: string; name: string };
  load: LoadConfiguration;
  state: 'PENDING' | 'RUNNING' | 'DONE';
  /** jobs.get answers still to say RUNNING before the job runs. */
  runningPolls: number;
  /** A failure the test asked for, applied when the job runs. */
  forcedError: { reason: string; message: string } | null;
  errorResult: { reason: string; message: string } | null;
  errors: Array<{ reason: string; message: string; location?: string }>;
  outputRows: number | null;
}

/** One jobs.insert as the endpoint answered it. */
export interface JobInsertRecord {
  jobId: string;
  table: string;
  status: number;
}

export interface LoadJobsOptions {
  tables: Map<string, BigQuerySchemaField[]>;
  /** Appends rows a DONE job loaded (all of them, or none: a load is atomic). */
  append: (table: string, rows: Record<string, unknown>[]) => void;
  /** Reads a staged object from the Cloud Storage contract endpoint in this process. */
  readObject?: (bucket: string, name: string) => Promise<Buffer | null>;
  /** Extra row refusals (the endpoint's refuseRows), applied to loaded rows as to inserted ones. */
  refuse?: (table: string, json: unknown) => string | null;
  /** Load jobs allowed per table before jobs.insert answers 403 quotaExceeded. */
  loadJobsPerTable?: number;
}

/**
 * jobs.insert (load configuration) and jobs.get for the BigQuery contract endpoint. A job is PENDING
 * when inserted, RUNNING at the next jobs.get (for as many more as `holdNextJob` says), and runs at
 * the get after that: it reads its NDJSON source from the storage endpoint, checks every line
 * against the table's schema as insertAll does (a JSON column takes any JSON value, which is stored
 * as its JSON text), and appends all rows or, with maxBadRecords 0 and any bad line, none, ending
 * DONE with an errorResult. A second insert of an existing job id is refused with 409.
 */
export function createLoadJobs(options: LoadJobsOptions) {
  const jobs = new Map<string, JobRecord>();
  const perTable = new Map<string, number>();
  const inserts: JobInsertRecord[] = [];
  const insertFaults = new FaultQueue();
  const getFaults = new FaultQueue();
  const pollFaults = new FaultQueue();
  const forced: Array<{ reason: string; message: string }> = [];
  const holds: number[] = [];
  const quota = options.loadJobsPerTable ?? LOAD_JOBS_PER_TABLE_PER_DAY;

  function jobResource(job: JobRecord) {
    return {
      kind: 'bigquery#job',
      id: `${job.project}:${job.location}.${job.jobId}`,
      jobReference: { projectId: job.project, jobId: job.jobId, location: job.location },
      configuration: { load: job.load, jobType: 'LOAD' },
      status: {
        state: job.state,
        ...(job.errorResult ? { errorResult: job.errorResult } : {}),
        ...(job.errors.length > 0 ? { errors: job.errors } : {}),
      },
      statistics: {
        creationTime: '1764500000000',
        ...(job.state === 'DONE' && job.outputRows !== null ? { load: { outputRows: String(job.outputRows), inputFiles: '1' } } : {}),
      },
    };
  }

  /** Runs a job: reads the source, validates each line, appends all or nothing. */
  async function run(job: JobRecord) {
    const fail = (reason: string, message: string, errors: JobRecord['errors'] = []) => {
      job.errorResult = { reason, message };
      job.errors = [{ reason, message }, ...errors];
    };
    job.state = 'DONE';
    if (job.forcedError) return fail(job.forcedError.reason, job.forcedError.message);
    const schema = options.tables.get(job.table)!;
    const given = (job.load.schema?.fields ?? []).map((f) => `${String(f.name)}:${String(f.type)}:${String(f.mode ?? 'NULLABLE')}`);
    const expected = schema.map((f) => `${f.name}:${f.type}:${f.mode ?? 'NULLABLE'}`);
    if (given.join(',') !== expected.join(',')) return fail('invalid', `Provided Schema does not match Table ${job.table}.`);
    const data = options.readObject ? await options.readObject(job.source.bucket, job.source.name) : null;
    if (data === null) return fail('notFound', `Not found: URI gs://${job.source.bucket}/${job.source.name}`);
    const jsonColumns = new Set(schema.filter((f) => f.type === 'JSON').map((f) => f.name));
    const rows: Record<string, unknown>[] = [];
    const rowErrors: JobRecord['errors'] = [];
    const lines = data.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    lines.forEach((line, i) => {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        rowErrors.push({
          reason: 'invalid',
          location: `gs://${job.source.bucket}/${job.source.name}`,
          message: `Error while reading data, error message: JSON parsing error in row starting at position ${i}`,
        });
        return;
      }
      const record = row as Record<string, unknown>;
      // A load takes a JSON column's value as the JSON value itself; kept as text, as insertAll's are.
      if (record && typeof record === 'object' && !Array.isArray(record)) {
        for (const column of jsonColumns) if (record[column] !== undefined && record[column] !== null) record[column] = JSON.stringify(record[column]);
      }
      const errors: InsertError[] = validateRow(schema, row, job.load.ignoreUnknownValues === true);
      const refusal = options.refuse?.(job.table, row) ?? null;
      if (refusal !== null) errors.push({ reason: 'invalid', location: '', debugInfo: '', message: refusal });
      if (errors.length > 0) {
        rowErrors.push(
          ...errors.map((e) => ({ reason: 'invalid', location: `row ${i + 1}`, message: `Error while reading data, error message: ${e.message}` })),
        );
        return;
      }
      rows.push(record);
    });
    const maxBad = typeof job.load.maxBadRecords === 'number' ? job.load.maxBadRecords : 0;
    if (rowErrors.length > maxBad) {
      return fail(
        'invalid',
        `Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${lines.length}; errors: ${rowErrors.length}. Please look into the errors[] collection for more details.`,
        rowErrors.slice(0, 5),
      );
    }
    options.append(job.table, rows);
    job.outputRows = rows.length;
  }

  function insert(res: ServerResponse, project: string, body: Buffer) {
    const record: JobInsertRecord = { jobId: '', table: '', status: 200 };
    inserts.push(record);
    const refuse = (status: number, message: string, reason: string) => {
      record.status = status;
      sendGoogleError(res, status, message, reason);
    };
    let request: { jobReference?: { jobId?: unknown; location?: unknown }; configuration?: { load?: LoadConfiguration } };
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(400, 'Invalid JSON payload received.', 'invalid');
    }
    const jobId = request.jobReference?.jobId;
    const load = request.configuration?.load;
    if (typeof jobId !== 'string' || !JOB_ID.test(jobId)) return refuse(400, `Invalid job ID "${String(jobId)}".`, 'invalid');
    record.jobId = jobId;
    if (!load) return refuse(400, 'Only load jobs are part of this contract endpoint.', 'invalid');
    const uris = Array.isArray(load.sourceUris) ? load.sourceUris : [];
    const source = uris.length === 1 && typeof uris[0] === 'string' ? GS_URI.exec(uris[0]) : null;
    if (!source) return refuse(400, 'Load jobs here take exactly one gs://bucket/object source URI.', 'invalid');
    if (source[2]!.includes('#')) return refuse(400, 'A generation number in a Cloud Storage URI is not supported.', 'invalid');
    if (load.sourceFormat !== 'NEWLINE_DELIMITED_JSON')
      return refuse(400, `sourceFormat ${String(load.sourceFormat)} is not part of this contract endpoint.`, 'invalid');
    if (load.writeDisposition !== 'WRITE_APPEND') return refuse(400, 'writeDisposition must be WRITE_APPEND here.', 'invalid');
    const table = `${String(load.destinationTable?.datasetId)}.${String(load.destinationTable?.tableId)}`;
    record.table = table;
    if (!options.tables.has(table)) return refuse(404, `Not found: Table ${project}:${table}`, 'notFound');
    const location = typeof request.jobReference?.location === 'string' ? request.jobReference.location : 'US';
    if (jobs.has(`${project}:${location}.${jobId}`)) return refuse(409, `Already Exists: Job ${project}:${location}.${jobId}`, 'duplicate');
    if ((perTable.get(table) ?? 0) >= quota) {
      return refuse(403, `Quota exceeded: Your table exceeded quota for imports or query appends per table.`, 'quotaExceeded');
    }
    perTable.set(table, (perTable.get(table) ?? 0) + 1);
    const job: JobRecord = {
      project,
      jobId,
      location,
      table,
      source: { bucket: source[1]!, name: source[2]! },
      load,
      state: 'PENDING',
      runningPolls: holds.shift() ?? 0,
      forcedError: forced.shift() ?? null,
      errorResult: null,
      errors: [],
      outputRows: null,
    };
    jobs.set(`${project}:${location}.${jobId}`, job);
    sendJson(res, 200, jobResource(job));
  }

  async function get(req: IncomingMessage, res: ServerResponse, project: string, jobId: string, location: string) {
    const job = jobs.get(`${project}:${location}.${jobId}`);
    if (!job) return sendGoogleError(res, 404, `Not found: Job ${project}:${location}.${jobId}`, 'notFound');
    if (await pollFaults.apply(req, res)) return;
    if (job.state === 'PENDING') job.state = 'RUNNING';
    else if (job.state === 'RUNNING' && job.runningPolls > 0) job.runningPolls--;
    else if (job.state === 'RUNNING') await run(job);
    sendJson(res, 200, jobResource(job));
  }

  return {
    insert,
    get,
    insertFaults,
    getFaults,
    controls: {
      /** jobs.insert calls so far, as answered. */
      jobInserts: inserts,
      /** Every job: id, table, state and outcome. */
      jobs: () => [...jobs.values()].map((j) => ({ jobId: j.jobId, table: j.table, state: j.state, errorResult: j.errorResult, outputRows: j.outputRows })),
      /** The next inserted job fails when it runs, with this error (a backend error, say). */
      failNextJob: (reason: string, message: string) => void forced.push({ reason, message }),
      /** The next inserted job answers RUNNING to `polls` more jobs.get calls before it runs. */
      holdNextJob: (polls: number) => void holds.push(polls),
      /** The next `n` jobs.insert calls fail with `status` (before anything is made). */
      failNextJobsInsert: insertFaults.failNext.bind(insertFaults),
      /** The next `n` jobs.get calls fail with `status`. */
      failNextJobsGet: getFaults.failNext.bind(getFaults),
      /** The next `n` jobs.get calls of a job that exists (polls, not lookups) fail with `status`. */
      failNextJobPolls: pollFaults.failNext.bind(pollFaults),
      /** Spends a table's load quota as if `n` jobs had already loaded into it today. */
      spendLoadQuota: (table: string, n: number) => void perTable.set(table, (perTable.get(table) ?? 0) + n),
    },
  };
}
