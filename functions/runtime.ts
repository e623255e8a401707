import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Settings } from '../shared/config/settings';
import { createStorage } from '../shared/gcp/clients';
import { createLogs, type Logs } from '../shared/logging';
import { systemClock } from '../shared/normalizers/result';
import { createSink } from '../shared/sink/create';
import type { RowSink } from '../shared/sink/types';
import { createEdgeoneLogsHandler } from './edgeone-logs';
import { createMediaCdnFilesHandler } from './media-cdn-files';
import { createMediaCdnLogsHandler } from './media-cdn-logs';
import { createEdgeonePushHandler, type HttpHandler } from './edgeone-push';
import { createTopicPublisher } from '../shared/push/publish';
import { loadEdgeonePushSettings } from '../shared/push/settings';

export type CloudEventHandler = (event: CloudEvent<unknown>) => Promise<void>;

/**
 * Memoizes an async factory; a failed attempt is forgotten so the next invocation tries again
 * (a transient failure to create a client must not poison the instance).
 */
export function lazy<T>(factory: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | null = null;
  return () => {
    value ??= factory().catch((err: unknown) => {
      value = null;
      throw err;
    });
    return value;
  };
}

/**
 * A handler built on first use, so cold start does no I/O beyond validating the settings. Once
 * built it is called directly: an `await` per event costs promises, which the framework's
 * per-request domain makes dear (see shared/ingest/ingest-records.ts).
 */
function deferred(build: () => Promise<CloudEventHandler>): CloudEventHandler {
  const handler = lazy(build);
  let built: CloudEventHandler | null = null;
  return (event) => {
    if (built) return built(event);
    return handler().then((h) => {
      built = h;
      return h(event);
    });
  };
}

/**
 * An HTTP handler built on first use. A build that fails (a missing secret) answers 500, which
 * EdgeOne retries, and is tried again on the next request; the reason is logged, not sent.
 */
function deferredHttp(build: () => Promise<HttpHandler>, logs: Logs): HttpHandler {
  const handler = lazy(build);
  return async (req, res) => {
    let ready: HttpHandler;
    try {
      ready = await handler();
    } catch (err) {
      logs.error('edgeonePush cannot start', err);
      res.status(500).send('receiver is not configured');
      return;
    }
    await ready(req, res);
  };
}

/**
 * The entry points of one instance. `edgeonePush` reads its own settings from `env`
 * (shared/push/settings.ts: its secrets must never pass through parseEnv, which quotes values).
 * The others share one sink, and so one batching writer: rows of concurrent invocations travel in
 * the same insertAll requests.
 */
export function createEntryPoints(settings: Settings, logs: Logs = createLogs(), env: NodeJS.ProcessEnv = process.env) {
  const now = systemClock();
  // The receiver's settings fail the cold start only where it is the deployed target (the runtime
  // sets FUNCTION_TARGET): the other functions do not carry its secret.
  if (env.FUNCTION_TARGET === 'edgeonePush') {
    try {
      loadEdgeonePushSettings(env);
    } catch (err) {
      logs.error('cdnlog cannot start', err);
      throw err;
    }
  }
  let opened: Promise<RowSink> | null = null;
  const sink = lazy<RowSink>(() => (opened = createSink(settings, { logs })));
  // mediaCdnFiles may land its files with load jobs (MEDIA_CDN_FILES_LOAD): over the same sink,
  // which it falls back to and which alone is closed.
  const loadJob = settings.mediaCdnFilesLoadJob;
  const mediaCdnFilesSink = loadJob
    ? lazy<RowSink>(async () => {
        const parent = await sink();
        const { openLoadJobSink } = await import('../shared/sink/load-job/open');
        return openLoadJobSink(settings, loadJob, parent, { logs, now });
      })
    : sink;
  return {
    mediaCdnLogs: deferred(async () => createMediaCdnLogsHandler({ sink: await sink(), logs, now, bounds: settings.bounds })),
    mediaCdnFiles: deferred(async () =>
      createMediaCdnFilesHandler({
        sink: await mediaCdnFilesSink(),
        storage: createStorage(settings.gcp),
        trustedBucket: settings.buckets.mediaCdnFiles ?? null,
        logs,
        now,
        bounds: settings.bounds,
      }),
    ),
    edgeoneLogs: deferred(async () =>
      createEdgeoneLogsHandler({
        sink: await sink(),
        storage: createStorage(settings.gcp),
        trustedBucket: settings.buckets.edgeoneUploads ?? null,
        logs,
        now,
        bounds: settings.bounds,
      }),
    ),
    edgeonePush: deferredHttp(async () => {
      const pushSettings = loadEdgeonePushSettings(env);
      const { publish } = await createTopicPublisher(pushSettings);
      return createEdgeonePushHandler({ settings: pushSettings, publish, logs, now });
    }, logs),
    sink,
    /**
     * Flushes and closes the sink, if one was opened (its gRPC channel too). Cloud Run never calls
     * it (an instance is stopped with its process); tests and benchmarks end with it.
     */
    async close(): Promise<void> {
      const open = await opened?.catch(() => null);
      await open?.close();
    },
  };
}
