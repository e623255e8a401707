import type { BigQuery } from '@google-cloud/bigquery';
import type { Logs } from '../../logging';
import type { BigQueryField } from '../../schema/bigquery-schema';
import { bigQueryRequest, DEFAULT_INSERT_DEADLINE_MS, withDeadline, type HttpAnswer } from '../insert-all-transport';
import { RetryBudget, type RetryOptions } from '../retry';
import { SinkRefusedError, TransientSinkError } from '../types';
import { classifyNoAnswer, classifyStatus, parseGoogleError, type RequestFailure } from '../write-failure';

/** What jobs.get says about a job (the fields this module reads). */
export interface JobState {
  state: 'PENDING' | 'RUNNING' | 'DONE';
  /** Set when a DONE job failed: it loaded nothing (a load job is all or nothing). */
  errorResult: { reason: string; message: string } | null;
  /** Rows the job appended (statistics.load.outputRows), once DONE. */
  outputRows: number | null;
}

/** The load of one staged NDJSON object into one table. */
interface LoadRequest {
  jobId: string;
  sourceUri: string;
  table: { project: string; dataset: string; table: string };
  schema: readonly BigQueryField[];
}

/** What came of jobs.insert. */
type InsertOutcome =
  | { kind: 'inserted' }
  /** 409: a job with this id exists (another delivery's, or an earlier try of this call that got through). */
  | { kind: 'exists' }
  /** The table's load-job quota (or rate limit) says no: no job was made. */
  | { kind: 'quota'; reason: string };

/** Sends one request to the BigQuery REST API; must stop (reject) when `signal` aborts. */
type JobsTransport = (method: 'GET' | 'POST', path: string, body: string | null, signal: AbortSignal) => Promise<HttpAnswer>;

/** Reasons a jobs.insert refusal means the per-table load quota, not a broken request. */
const QUOTA_REASONS = new Set(['quotaExceeded', 'rateLimitExceeded']);

/**
 * jobs.insert and jobs.get for load jobs. Transient failures (5xx, 429, no answer, a garbled 2xx)
 * are retried with the sink's retry budget, then thrown as TransientSinkError; a refusal (404
 * dataset or table, 403 accessDenied, 400) as SinkRefusedError: either way the invocation fails
 * and nothing is dead-lettered (write-failure.ts's rule).
 */
export class LoadJobs {
  constructor(
    private readonly options: {
      transport: JobsTransport;
      project: string;
      location: string;
      logs: Logs;
      retry?: RetryOptions;
      deadlineMs?: number;
    },
  ) {}

  /** The job, or null when there is none with this id. */
  async get(jobId: string): Promise<JobState | null> {
    const path = `projects/${encodeURIComponent(this.options.project)}/jobs/${encodeURIComponent(jobId)}?location=${encodeURIComponent(this.options.location)}`;
    const answer = await this.exchange('jobs.get', jobId, 'GET', path, null, (a) => a.status === 404);
    if (answer.status === 404) return null;
    return parseJob(answer.text, jobId);
  }

  async insert(request: LoadRequest): Promise<InsertOutcome> {
    const body = JSON.stringify({
      jobReference: { projectId: this.options.project, jobId: request.jobId, location: this.options.location },
      configuration: {
        load: {
          sourceUris: [request.sourceUri],
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          destinationTable: { projectId: request.table.project, datasetId: request.table.dataset, tableId: request.table.table },
          // The table exists (Terraform made it): never create one, only append to it.
          createDisposition: 'CREATE_NEVER',
          writeDisposition: 'WRITE_APPEND',
          schema: { fields: request.schema.map(({ name, type, mode }) => ({ name, type, mode })) },
          // One bad row fails the whole job, which then falls back to the pending stream: a row is
          // never skipped silently, and every refused row gets its own dead letter there.
          maxBadRecords: 0,
          ignoreUnknownValues: false,
        },
      },
    });
    let quota: string | null = null;
    const answer = await this.exchange('jobs.insert', request.jobId, 'POST', `projects/${encodeURIComponent(this.options.project)}/jobs`, body, (a) => {
      if (a.status === 409) return true;
      const error = parseGoogleError(a.text);
      if ((a.status === 403 || a.status === 429) && error.reasons.some((r) => QUOTA_REASONS.has(r))) {
        quota = `HTTP ${a.status} ${error.reasons.join(',')}: ${error.message}`;
        return true;
      }
      return false;
    });
    if (quota !== null) return { kind: 'quota', reason: quota };
    if (answer.status === 409) return { kind: 'exists' };
    parseJob(answer.text, request.jobId);
    return { kind: 'inserted' };
  }

  /**
   * One call with retries. `expected` marks error answers the caller reads itself (404 on get, 409
   * and quota on insert); other non-2xx answers are classified, a garbled 2xx counts as transient.
   */
  private async exchange(
    what: string,
    jobId: string,
    method: 'GET' | 'POST',
    path: string,
    body: string | null,
    expected: (a: HttpAnswer) => boolean,
  ): Promise<HttpAnswer> {
    const budget = new RetryBudget(this.options.retry);
    const deadline = this.options.deadlineMs ?? DEFAULT_INSERT_DEADLINE_MS;
    for (;;) {
      let failure: RequestFailure;
      try {
        const answer = await withDeadline(deadline, (signal) => this.options.transport(method, path, body, signal));
        if (expected(answer)) return answer;
        if (answer.status >= 200 && answer.status <= 299) {
          if (isJobResource(answer.text)) return answer;
          failure = { kind: 'transient', status: answer.status, reason: `2xx answer is not a job resource (${answer.text.length} chars)` };
        } else failure = classifyStatus(answer.status, parseGoogleError(answer.text));
      } catch (err) {
        failure = classifyNoAnswer(err);
      }
      if (failure.kind !== 'transient') {
        this.options.logs.loadJobCall({ job_id: jobId, call: what, outcome: 'refused', error: failure.reason });
        throw new SinkRefusedError(`${what} ${jobId} refused: ${failure.reason}`);
      }
      const delay = budget.fail();
      if (delay === null) {
        this.options.logs.loadJobCall({ job_id: jobId, call: what, outcome: 'gave_up', error: failure.reason });
        throw new TransientSinkError(`${what} ${jobId} failed ${budget.failures} times: ${failure.reason}`);
      }
      this.options.logs.loadJobCall({ job_id: jobId, call: what, outcome: 'retry', error: failure.reason, delay_ms: delay });
      await budget.wait(delay);
    }
  }
}

function isJobResource(text: string): boolean {
  try {
    const body = JSON.parse(text) as { kind?: unknown };
    return body?.kind === 'bigquery#job';
  } catch {
    return false;
  }
}

/** Reads a job resource; only the fields LoadJobs needs, each checked. */
export function parseJob(text: string, jobId: string): JobState {
  const body = JSON.parse(text) as {
    status?: { state?: unknown; errorResult?: { reason?: unknown; message?: unknown } };
    statistics?: { load?: { outputRows?: unknown } };
  };
  const state = body.status?.state;
  if (state !== 'PENDING' && state !== 'RUNNING' && state !== 'DONE')
    throw new TransientSinkError(`job ${jobId} has no known state (${JSON.stringify(state)})`);
  const error = body.status?.errorResult;
  const rows = body.statistics?.load?.outputRows;
  return {
    state,
    errorResult: error ? { reason: String(error.reason ?? 'unknown'), message: String(error.message ?? '') } : null,
    outputRows: rows === undefined || rows === null ? null : Number(rows),
  };
}

/** jobs.insert and jobs.get over the same requests as insertAll (bigQueryRequest): a deadline can end each one. */
export function bigQueryJobsTransport(bigquery: BigQuery): JobsTransport {
  return (method, path, body, signal) => bigQueryRequest(bigquery, method, path, body, signal);
}
