/**
 * Entry points for Cloud Functions (gen2, CloudEvent signature). Thin on purpose: validate the
 * settings at module load, so a bad deployment fails at cold start with the variable's name,
 * then register the handlers; everything else lives in the modules they are built from.
 */
import * as functions from '@google-cloud/functions-framework';
import { createLogs } from '../shared/logging';
import { loadRuntimeConfig, type RuntimeConfig } from './config';
import type { EntryPoint, HttpEntryPoint } from './entry-points';
import type { HttpHandler } from './edgeone-push';
import { createEntryPoints, type CloudEventHandler } from './runtime';

const logs = createLogs();

function configOrDie(): RuntimeConfig {
  try {
    return loadRuntimeConfig(process.env);
  } catch (err) {
    logs.error('cdnlog cannot start', err);
    throw err;
  }
}

const entryPoints = createEntryPoints(configOrDie(), process.env, logs);

export const mediaCdnLogs: CloudEventHandler = entryPoints.mediaCdnLogs;
export const edgeoneLogs: CloudEventHandler = entryPoints.edgeoneLogs;

const handlers: Record<EntryPoint, CloudEventHandler> = { mediaCdnLogs, edgeoneLogs };
for (const [name, handler] of Object.entries(handlers)) functions.cloudEvent(name, handler);

export const edgeonePush: HttpHandler = entryPoints.edgeonePush;

const httpHandlers: Record<HttpEntryPoint, HttpHandler> = { edgeonePush };
for (const [name, handler] of Object.entries(httpHandlers)) functions.http(name, handler);
