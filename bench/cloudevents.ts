/**
 * The load the function benches put on a function served by the functions framework: Pub/Sub
 * messages as Eventarc delivers them (CloudEvents, binary content mode), POSTed over keep-alive
 * connections. One copy for bench:functions, bench:paths and bench:cold-start.
 */
import { Agent, request } from 'node:http';

const PROJECT = 'bench-project';

/** A MessagePublishedData body for `data`. */
export function messageBody(data: string, messageId: string, attributes: Record<string, string> = {}): string {
  return JSON.stringify({
    message: { data: Buffer.from(data).toString('base64'), messageId, attributes },
    subscription: `projects/${PROJECT}/subscriptions/bench`,
  });
}

/** POSTs one event; resolves to the HTTP status. Without `agent`, on a connection of its own. */
export function postEvent(port: number, id: string, body: string, agent?: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'ce-id': id,
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': `//pubsub.googleapis.com/projects/${PROJECT}/topics/bench`,
    };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends every body once, `concurrency` at a time over keep-alive connections; events/s. Throws if any failed. */
export async function driveEvents(port: number, bodies: readonly string[], concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        if ((await postEvent(port, `e-${i}`, bodies[i]!, agent)) >= 300) failed++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  if (failed > 0) throw new Error(`${failed} of ${bodies.length} events failed`);
  return bodies.length / seconds;
}
