/**
 * Entry points for Cloud Functions (gen2, CloudEvent signature). Thin on purpose: validate the
 * settings at module load, so a bad deployment fails at cold start with the variable's name,
 * then register the handlers; everything else lives in the modules they are built from.
 */
import * as functions from '@google-cloud/functions-framework';
import { loadSettings, type Settings } from '../shared/config/settings';
import { createLogs } from '../shared/logging';
import type { EntryPoint } from './entry-points';
import { createEntryPoints, type CloudEventHandler } from './runtime';

const logs = createLogs();

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

const handlers: Record<EntryPoint, CloudEventHandler> = { mediaCdnLogs, mediaCdnFiles, edgeoneLogs };
for (const [name, handler] of Object.entries(handlers)) functions.cloudEvent(name, handler);
