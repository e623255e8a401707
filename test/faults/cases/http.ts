/**
 * What the functions answer and log when things go wrong (#9.12), through the deployed entry point
 * (functions/index.ts) whatever NODE_ENV the test process has.
 */
import { generateMediaCdn } from '../../../shared/generate/media-cdn';
import { startFunctions, type FunctionsHarness } from '../../functions/harness';
import { observe, type FaultCase } from '../catalogue';
import { messagePublished } from '../messages';
import { longestInvocationMs } from '../rig';

/** Stack frames, file paths, or the parser's error: what a caller must never be shown. */
const LEAKS = /\bat [\w.<>]+ \(|node_modules|\.js:\d+|SyntaxError|JSON at position/i;

/** An answer as a reader sees it (HTML tags dropped). */
const shown = (text: string) =>
  JSON.stringify(
    text
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 60),
  );

async function withFunctions<T>(fn: (fx: FunctionsHarness) => Promise<T>): Promise<T> {
  const fx = await startFunctions('mediaCdnLogs');
  try {
    return await fn(fx);
  } finally {
    await fx.close();
  }
}

async function post(fx: FunctionsHarness, body: string) {
  const res = await fetch(fx.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-id': 'x',
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': 'x',
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

export const httpCases: FaultCase[] = [
  {
    name: 'request body that is not JSON',
    issue: '#9.12',
    expected: '4xx with no stack trace or input in the answer',
    run: () =>
      withFunctions(async (fx) => {
        const secret = 'Bearer not-for-your-eyes';
        const res = await post(fx, `{"message": {"data": "${secret}", `);
        return observe(
          { observed: `${res.status} ${shown(res.text)}`, sent: 1, landed: 0, deadLettered: 0, redelivered: 0, waiting: 1 },
          { '4xx': res.status >= 400 && res.status < 500, 'no stack trace': !LEAKS.test(res.text), 'no input echoed': !res.text.includes(secret) },
        );
      }),
  },
  {
    name: 'invocation that fails (table dropped)',
    issue: '#9.12',
    expected: '5xx with no input in the answer; no log line carries the record whole',
    run: () =>
      withFunctions(async (fx) => {
        const [entry] = [...generateMediaCdn({ count: 1, seed: 'leak' })];
        const marker = `leak-${'Z'.repeat(400)}`;
        const record = JSON.stringify({ ...entry, httpRequest: { ...entry!.httpRequest, userAgent: marker } });
        fx.bigquery.failNext(1, 404, { message: 'Not found: Table test-project:cdnlog.edge_logs', reason: 'notFound' });
        const res = await fx.sendEvent(messagePublished(record, 'leak-1'));
        const logged = JSON.stringify(fx.logs);
        return observe(
          {
            observed: `${res.status} ${shown(res.text)}`,
            sent: 1,
            landed: 0,
            deadLettered: 0,
            redelivered: 0,
            waiting: 1,
            longestMs: longestInvocationMs(fx.logs),
          },
          {
            '5xx': res.status >= 500,
            'no stack trace': !LEAKS.test(res.text),
            'no input echoed': !res.text.includes('leak-'),
            'record never logged whole': !logged.includes(marker),
          },
        );
      }),
  },
];
