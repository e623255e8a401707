import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Settings } from '../shared/config/settings';
import { createStorage } from '../shared/gcp/clients';
import { createLogs, type Logs } from '../shared/logging';
import { systemClock } from '../shared/normalize/result';
import { createSink } from '../shared/sink/create';
import type { RowSink } from '../shared/sink/types';
import { createEdgeoneLogsHandler } from './edgeone-logs';
import { createMediaCdnLogsHandler } from './media-cdn-logs';

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

/** A handler built on first use, so cold start does no I/O beyond validating the settings. */
function deferred(build: () => Promise<CloudEventHandler>): CloudEventHandler {
  const handler = lazy(build);
  return async (event) => (await handler())(event);
}

/**
 * The two entry points of one instance. They share one sink (and so one batching writer: rows of
 * concurrent invocations of either function travel in the same insertAll requests).
 */
export function createEntryPoints(settings: Settings, logs: Logs = createLogs()) {
  const now = systemClock();
  let opened: Promise<RowSink> | null = null;
  const sink = lazy<RowSink>(() => (opened = createSink(settings, { logs })));
  return {
    mediaCdnLogs: deferred(async () => createMediaCdnLogsHandler({ sink: await sink(), logs, now, bounds: settings.bounds })),
    edgeoneLogs: deferred(async () =>
      createEdgeoneLogsHandler({ sink: await sink(), storage: createStorage(settings.gcp), uploadBucket: settings.uploadBucket ?? null, logs, now, bounds: settings.bounds }),
    ),
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
