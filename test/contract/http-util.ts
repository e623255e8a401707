import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Google API error statuses keyed by HTTP code, as the JSON error body spells them. */
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Per-error `reason` a Google JSON API reports for a status (what client retry predicates read). */
const GOOGLE_REASON: Record<number, string> = {
  400: 'invalid',
  404: 'notFound',
  413: 'badRequest',
  429: 'rateLimitExceeded',
  500: 'backendError',
  502: 'backendError',
  503: 'backendError',
  504: 'backendError',
};

/** The error envelope every Google JSON API returns: `{error: {code, message, status, errors[]}}`. */
export function googleErrorBody(code: number, message: string, reason?: string): string {
  return JSON.stringify({
    error: {
      code,
      message,
      status: GOOGLE_STATUS[code] ?? 'UNKNOWN',
      errors: [{ message, domain: 'global', reason: reason ?? GOOGLE_REASON[code] ?? 'unknown' }],
    },
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendGoogleError(res: ServerResponse, code: number, message: string, reason?: string): void {
  sendJson(res, code, googleErrorBody(code, message, reason));
}

/** Reads a request body; bytes beyond `limit` are counted but dropped so huge bodies can't exhaust memory. */
export async function readBody(req: IncomingMessage, limit = Infinity): Promise<{ body: Buffer; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= limit) chunks.push(chunk);
  }
  return { body: bytes <= limit ? Buffer.concat(chunks) : Buffer.alloc(0), bytes };
}

/** Listens on an ephemeral loopback port; resolves to the base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Closes the server, cutting keep-alive sockets the client pools would otherwise hold open. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}
