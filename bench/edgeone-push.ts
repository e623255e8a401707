/**
 * npm run bench (or node dist/bench/edgeone-push.js) — the EdgeOne push receiver, locally: EdgeOne-
 * shaped requests (1,000 L7 records a batch, a JSON array, gzip, the secret and BatchSize headers)
 * sent BENCH_PUSH_CONCURRENCY (20) at a time over keep-alive connections to
 *  (a) a no-op HTTP function on the same functions framework (which parses the same bodies), and
 *  (b) edgeonePush publishing to the local Pub/Sub gRPC contract endpoint,
 * in the same run: requests/s and records/s of each, their ratio (target ≥ 0.6), and both
 * functions' peak RSS. Each function runs in a child process of its own, with the V8 heap cap it
 * is deployed with, so its RSS is not mixed with the endpoint's or the load generator's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { DEFAULT_MAX_HEAP_MB } from '../shared/config/env';
import { generateEdgeoneL7 } from '../shared/generate/edgeone-l7';
import { startPubSubEndpoint } from '../test/contract/pubsub-endpoint';
import { emit } from './report';

const RECORDS = 1000;
const CONCURRENCY = Number(process.env.BENCH_PUSH_CONCURRENCY ?? 20);
const REQUESTS = Number(process.env.BENCH_PUSH_REQUESTS ?? 600);
const DISTINCT_BATCHES = 20;
const PROJECT = 'bench-project';
const TOPIC = 'cdnlog-edgeone-logs';
const SECRET = 'bench-secret-0123456789abcdef0123';
const MB = 1024 * 1024;
const CHILD_NODE_ARGS = [`--max-old-space-size=${DEFAULT_MAX_HEAP_MB}`];

interface Served {
  port: number;
}
interface Finished {
  maxRssBytes: number;
}

/** Starts this file as a child serving `target`; resolves once it listens. */
function serve(target: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['child', target], {
      execArgv: [...process.execArgv, ...CHILD_NODE_ARGS],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve({ child, port: (m as Served).port }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${target} child exited with ${code}`)));
  });
}

/** Asks a child for its peak RSS and lets it exit. */
function finish(child: ChildProcess): Promise<Finished> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('message', (m) => resolve(m as Finished));
    child.send('finish');
  });
}

function post(agent: Agent, port: number, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'content-length': body.length,
      'x-cdnlog-token': SECRET,
      BatchSize: String(RECORDS),
    };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `count` requests, CONCURRENCY at a time; requests/s. Any non-2xx fails the benchmark. */
async function drive(port: number, bodies: Buffer[], count: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const statuses = new Map<number, number>();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const status = await post(agent, port, bodies[next++ % bodies.length]!);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  const failed = [...statuses].filter(([s]) => s >= 300);
  if (failed.length) throw new Error(`responses ${JSON.stringify(Object.fromEntries(statuses))}`);
  return count / seconds;
}

async function main(): Promise<void> {
  const bodies = Array.from({ length: DISTINCT_BATCHES }, (_, i) => gzipSync(JSON.stringify([...generateEdgeoneL7({ count: RECORDS, seed: `push-${i}` })])));
  const pubsub = await startPubSubEndpoint({ topics: [`projects/${PROJECT}/topics/${TOPIC}`], keepMessages: false });
  const env = {
    GOOGLE_CLOUD_PROJECT: PROJECT,
    SINK: 'duckdb', // never created: neither function writes rows
    PUBSUB_EMULATOR_HOST: pubsub.url,
    EDGEONE_TOPIC: TOPIC,
    EDGEONE_PUSH_SECRET: SECRET,
  };
  const noop = await serve('noop', env);
  const push = await serve('edgeonePush', env);
  try {
    // Warm-up (JIT, the Pub/Sub channel), then interleaved rounds: best of two each.
    await drive(noop.port, bodies, 2 * CONCURRENCY);
    await drive(push.port, bodies, 2 * CONCURRENCY);
    let noopRate = 0;
    let pushRate = 0;
    for (let round = 0; round < 2; round++) {
      noopRate = Math.max(noopRate, await drive(noop.port, bodies, REQUESTS));
      pushRate = Math.max(pushRate, await drive(push.port, bodies, REQUESTS));
    }
    const expected = 2 * CONCURRENCY + 2 * REQUESTS;
    if (pubsub.messageCount !== expected) throw new Error(`the Pub/Sub endpoint received ${pubsub.messageCount} messages, expected ${expected}`);
    const { maxRssBytes } = await finish(push.child);
    const noopRss = (await finish(noop.child)).maxRssBytes;
    const ratio = pushRate / noopRate;
    const gzKb = Math.round(bodies.reduce((s, b) => s + b.length, 0) / bodies.length / 1024);
    const label = `${RECORDS}-record gzip batches (~${gzKb} KB), ${CONCURRENCY} concurrent`;
    emit([
      { benchmark: 'edgeone-push', metric: `no-op HTTP function, ${label}`, value: noopRate, unit: 'requests/s' },
      { benchmark: 'edgeone-push', metric: `edgeonePush → Pub/Sub endpoint, ${label}`, value: pushRate, unit: 'requests/s' },
      { benchmark: 'edgeone-push', metric: 'edgeonePush records', value: pushRate * RECORDS, unit: 'records/s' },
      { benchmark: 'edgeone-push', metric: 'edgeonePush / no-op', value: ratio, unit: 'ratio', target: '≥ 0.6', met: ratio >= 0.6 },
      { benchmark: 'edgeone-push', metric: `edgeonePush peak RSS (node ${CHILD_NODE_ARGS.join(' ')}, as deployed)`, value: maxRssBytes / MB, unit: 'MB' },
      // Most of it is the framework's: it inflates and JSON-parses every body before any function runs.
      { benchmark: 'edgeone-push', metric: 'no-op HTTP function peak RSS, same load', value: noopRss / MB, unit: 'MB' },
    ]);
  } finally {
    push.child.kill();
    noop.child.kill();
    await pubsub.close();
  }
}

/** Child: serves one function on the functions framework until told to finish. */
async function child(target: string): Promise<void> {
  process.stdout.write = (() => true) as typeof process.stdout.write;
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('../functions/index');
  const framework = require('@google-cloud/functions-framework') as typeof import('@google-cloud/functions-framework');
  const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
  framework.http('noop', (_req, res) => {
    res.status(200).send('ok');
  });
  const server = getTestServer(target);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.on('message', () => {
    process.send!({ maxRssBytes: process.resourceUsage().maxRSS * 1024 } satisfies Finished, () => process.exit(0));
  });
  process.send!({ port: (server.address() as AddressInfo).port } satisfies Served);
}

const entry = process.argv[2] === 'child' ? child(process.argv[3]!) : main();
entry.catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
