/**
 * Entry points for Cloud Functions (gen2, CloudEvent signature). Thin on purpose: validate the
 * settings at module load, so a bad deployment fails at cold start with the variable's name,
 * then register the handlers; everything else lives in the modules they are built from.
 */
import * as functions from '@google-cloud/functions-framework';
import { loadSettings, type Settings } from '../shared/config/settings';
import { createLogs } from '../shared/logging';
import type { EntryPoint, HttpEntryPoint } from './entry-points';
import type { HttpHandler } from './edgeone-push';
import { createEntryPoints, type CloudEventHandler } from './runtime';

const logs = createLogs();

// The framework's express app, built after this module loads, answers a request it cannot parse
// with an HTML page carrying the stack trace (and a thrown error's message) unless NODE_ENV is
// production. A deployed function is production whatever its environment says.
if (process.env.NODE_ENV !== 'production') process.env.NODE_ENV = 'production';

function settingsOrDie(): Settings {
  try {
    return loadSettings(process.env);
  } catch (err) {
    logs.error('cdnlog cannot start', err);
    throw err;
  }
}

const entryPoints = createEntryPoints(settingsOrDie(), logs);

export const mediaCdnLogs: CloudEventHandler = entryPoints.mediaCdnLogs;
export const mediaCdnFiles: CloudEventHandler = entryPoints.mediaCdnFiles;
export const edgeoneLogs: CloudEventHandler = entryPoints.edgeoneLogs;

/** Not an entry point: closes the instance's sink (tests and benchmarks; see createEntryPoints). */
export const closeInstance = (): Promise<void> => entryPoints.close();

const handlers: Record<EntryPoint, CloudEventHandler> = { mediaCdnLogs, mediaCdnFiles, edgeoneLogs };
for (const [name, handler] of Object.entries(handlers)) functions.cloudEvent(name, handler);

export const edgeonePush: HttpHandler = entryPoints.edgeonePush;

const httpHandlers: Record<HttpEntryPoint, HttpHandler> = { edgeonePush };
for (const [name, handler] of Object.entries(httpHandlers)) functions.http(name, handler);
