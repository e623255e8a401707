import { createRequire } from 'node:module';
import type { BigQuery } from '@google-cloud/bigquery';
import type { managedwriter } from '@google-cloud/bigquery-storage';
import type { Storage } from '@google-cloud/storage';
import type { GcpSettings } from '../config/settings';

/*
 * The client libraries load on first use, not at import: each costs a cold start 100-500 ms, and a
 * function instance may never need one (the Storage client only serves EdgeOne uploads). The
 * Pub/Sub client, which only the CLI uses, lives apart in ./pubsub.ts so the functions never ship it.
 * google-auth-library is the exact copy @google-cloud/bigquery resolves (10.x, hoisted), a direct
 * dependency for the PassThroughClient.
 */
const bigQueryLibrary = () => require('@google-cloud/bigquery') as typeof import('@google-cloud/bigquery');
const storageLibrary = () => require('@google-cloud/storage') as typeof import('@google-cloud/storage');
const writeLibrary = () => require('@google-cloud/bigquery-storage') as typeof import('@google-cloud/bigquery-storage');
const authLibrary = () => require('google-auth-library') as typeof import('google-auth-library');

/** Options shared by the factories. */
interface ClientFactoryOptions {
  /**
   * Let the client library retry 5xx/429/network errors itself.
   *
   * BigQuery default is false: @google-cloud/common sends every request, insertAll POST
   * included, through retry-request with 3 retries on 408/429/500/502/503/504 and
   * `rateLimitExceeded`, plus 3 retries on no-response network errors. That hides
   * failures (and their latency) from our writer, which owns retry, chunking and DLQ.
   */
  autoRetry?: boolean;
}

const BIGQUERY_PATH = /\/bigquery\/v2\/?$/;
const STORAGE_PATH = /\/storage\/v1\/?$/;

/**
 * BigQuery client. With BIGQUERY_EMULATOR_HOST (a base URL ending in /bigquery/v2, which the
 * library uses verbatim) requests go there unauthenticated: the library never sets
 * @google-cloud/common's `customEndpoint`, so auth is bypassed with a PassThroughClient
 * (adds no Authorization header, never touches ADC or the metadata server).
 */
export function createBigQuery(gcp: GcpSettings, options: ClientFactoryOptions = {}): BigQuery {
  const { BigQuery } = bigQueryLibrary();
  const projectId = gcp.project;
  const retryOptions = { autoRetry: options.autoRetry ?? false };
  const host = gcp.endpoints.bigquery;
  if (!host) return new BigQuery({ projectId, retryOptions });
  return new BigQuery({
    projectId,
    retryOptions,
    // The library builds baseUrl as `${apiEndpoint}/bigquery/v2` unless the env var is in
    // process.env, where it takes the var verbatim; stripping the suffix makes both agree.
    apiEndpoint: host.replace(BIGQUERY_PATH, ''),
    authClient: new (authLibrary().PassThroughClient)(),
  });
}

/**
 * Cloud Storage client. With STORAGE_EMULATOR_HOST (an origin, e.g. http://127.0.0.1:4443)
 * the library sets `customEndpoint`, which skips auth for JSON-API calls and for resumable
 * uploads to a non-googleapis host. Client retries are left on: they only retry idempotent
 * calls (reads, conditional writes). The functions download through shared/gcp/download.ts with
 * this client's endpoint and auth (the client's own download stream cannot be ended).
 */
export function createStorage(gcp: GcpSettings, options: ClientFactoryOptions = {}): Storage {
  const { Storage } = storageLibrary();
  const projectId = gcp.project;
  const retryOptions = { autoRetry: options.autoRetry ?? true };
  const host = gcp.endpoints.storage;
  if (!host) return new Storage({ projectId, retryOptions });
  const apiEndpoint = host.replace(STORAGE_PATH, '').replace(/\/+$/, '');
  const storage = new Storage({ projectId, retryOptions, apiEndpoint });
  // When STORAGE_EMULATOR_HOST is in process.env the library uses it verbatim as the JSON-API
  // base (no /storage/v1), while uploads use `${apiEndpoint}/upload/storage/v1`. Pin the JSON
  // API to the documented path so one endpoint serves both, like storage.googleapis.com does.
  storage.baseUrl = `${apiEndpoint}/storage/v1`;
  return storage;
}

/**
 * The Storage Write API client: one per instance (one gRPC channel that every stream shares; the
 * caller keeps it and closes it last). With BIGQUERY_STORAGE_EMULATOR_HOST (host:port) it talks to a
 * local endpoint over an insecure channel: `sslCreds` keeps it from looking for Google credentials,
 * and `universeDomain` from probing the metadata server first.
 */
export function createWriterClient(gcp: GcpSettings): managedwriter.WriterClient {
  const { managedwriter } = writeLibrary();
  const host = gcp.endpoints.bigqueryStorage;
  if (!host) return new managedwriter.WriterClient({ projectId: gcp.project });
  const at = host.lastIndexOf(':');
  return new managedwriter.WriterClient({
    projectId: gcp.project,
    apiEndpoint: host.slice(0, at),
    port: Number(host.slice(at + 1)),
    sslCreds: clientGrpc().credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  });
}

/**
 * The grpc-js instance the Write API client itself uses (through its own google-gax), so the
 * channel credentials are of the class it checks with instanceof. google-gax is the library's
 * dependency, not ours: it is required from the library's location. Only local endpoints need it.
 */
function clientGrpc(): typeof import('google-gax').grpc {
  const fromLibrary = createRequire(require.resolve('@google-cloud/bigquery-storage'));
  return (fromLibrary('google-gax') as typeof import('google-gax')).grpc;
}
