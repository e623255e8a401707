import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { BigQuery, Table } from '@google-cloud/bigquery';

/** What came back for one request: the status and the whole body as text. */
export interface HttpAnswer {
  status: number;
  text: string;
}

/** Sends one insertAll body for a table; must stop (reject) when `signal` aborts. */
export type InsertAllTransport = (table: Table, body: string, signal: AbortSignal) => Promise<HttpAnswer>;

/** A request that got no (complete) answer within its deadline. */
class DeadlineExceededError extends Error {
  override name = 'DeadlineExceededError';
}

/** Per insertAll request: long enough for a 9 MB body on a slow link, short next to the function timeout. */
export const DEFAULT_INSERT_DEADLINE_MS = 30_000;

/**
 * insertAll over the BigQuery client's base URL, project and auth, sent with node:http(s) so that a
 * deadline can end it: the client's own HTTP layer (teeny-request over node-fetch 3) drops both
 * `timeout` and `signal`, so a BigQuery that never answers would hold the invocation until the
 * function timeout. With BIGQUERY_EMULATOR_HOST the client's base URL and pass-through auth are the
 * local endpoint's (see createBigQuery), so nothing here differs between tests and production.
 * Not fetch: undici turns each body into a web stream and back, about 1 ms of CPU for a request
 * of 100 Media CDN rows (12 µs an event, a tenth of what mediaCdnLogs adds to a no-op function).
 */
export function bigQueryTransport(bigquery: BigQuery): InsertAllTransport {
  let project: Promise<string> | null = null;
  // Asked once; a failed lookup (a metadata server hiccup) is forgotten so the next request asks again.
  const projectId = () =>
    (project ??= bigquery.getProjectId().catch((err: unknown) => {
      project = null;
      throw err;
    }));
  return async (table, body, signal) => {
    const path = ['projects', await projectId(), 'datasets', table.dataset.id!, 'tables', table.id!].map(encodeURIComponent).join('/');
    return bigQueryRequest(bigquery, 'POST', `${path}/insertAll`, body, signal);
  };
}

/**
 * One request to the BigQuery REST API at `path` (under the client's base URL, with its auth), its
 * whole answer read as text. Shared by insertAll and the load jobs' calls, for the reasons above.
 */
export async function bigQueryRequest(bigquery: BigQuery, method: 'GET' | 'POST', path: string, body: string | null, signal: AbortSignal): Promise<HttpAnswer> {
  const url = `${bigquery.baseUrl}/${path}`;
  const headers: Record<string, string> = {};
  new Headers(await bigquery.authClient.getRequestHeaders(url)).forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== null) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return send(new URL(url), method, headers, body, signal);
}

/** One request, its whole answer read as text; rejects on a network error, an abort, or an answer cut short. */
function send(url: URL, method: string, headers: Record<string, string>, body: string | null, signal: AbortSignal): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method, headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('close', () => {
        if (res.complete) resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        else reject(signal.aborted ? signal.reason : new Error(`${method} ${url.pathname}: the answer ended before its end`));
      });
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

/**
 * Runs one exchange with its own deadline: past `deadlineMs` the request is aborted (socket and all)
 * and a DeadlineExceededError is thrown, which the sink treats as transient.
 */
export async function withDeadline<T>(deadlineMs: number, exchange: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceededError(`no answer within ${deadlineMs} ms`)), deadlineMs);
  try {
    return await exchange(controller.signal);
  } catch (err) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
