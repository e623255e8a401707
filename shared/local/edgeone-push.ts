import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createEdgeonePushHandler } from '../../functions/edgeone-push';
import { createLogs } from '../logging';
import { systemClock } from '../normalizers/result';
import type { OutgoingMessage } from '../push/publish';
import { loadEdgeonePushSettings } from '../push/settings';
import type { HttpEvent } from './cloudevents';

/** The share of generated EdgeOne L7 records the local run pushes instead of uploading, and the batch size. */
export const PUSHED_L7_SHARE = 0.25;
export const PUSH_BATCH_RECORDS = 100;

interface LocalReceiver {
  url: string;
  /** The request EdgeOne's push task would send for these records (JSON array, gzip, the secret header). */
  request(records: object[]): HttpEvent;
  server: Server;
}

/**
 * The real `edgeonePush` handler under the functions framework, with a random secret. Its Pub/Sub
 * hop is `forward`: the local run has no Pub/Sub, and delivers each published message to
 * `edgeoneLogs` as the push subscription would; a message edgeoneLogs refuses fails the publish,
 * so the receiver answers 503 as it would to Pub/Sub failing.
 */
export async function serveLocalReceiver(
  project: string,
  topic: string,
  forward: (message: OutgoingMessage, messageId: string) => Promise<boolean>,
): Promise<LocalReceiver> {
  const secret = randomBytes(24).toString('hex');
  const settings = loadEdgeonePushSettings({ GOOGLE_CLOUD_PROJECT: project, EDGEONE_TOPIC: topic, EDGEONE_PUSH_SECRET: secret });
  let published = 0;
  const handler = createEdgeonePushHandler({
    settings,
    logs: createLogs(),
    now: systemClock(),
    publish: async (message) => {
      const messageId = `push-${++published}`;
      if (!(await forward(message, messageId))) throw new Error(`edgeoneLogs did not accept ${messageId}`);
      return messageId;
    },
  });
  // Required now, like the functions: the framework's registry must be the one they registered in.
  const functions = require('@google-cloud/functions-framework') as typeof import('@google-cloud/functions-framework');
  const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
  functions.http('edgeonePushLocal', handler);
  const server = getTestServer('edgeonePushLocal');
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    server,
    request: (records) => ({
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        [settings.header]: secret,
        BatchSize: String(records.length),
        LogType: 'l7-access-logs',
      },
      body: new Blob([new Uint8Array(gzipSync(JSON.stringify(records)))]),
    }),
  };
}
