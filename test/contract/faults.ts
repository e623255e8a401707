import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendGoogleError } from './http-util';

/** One injected behaviour, consumed by the next request that reaches the endpoint. */
export type Fault =
  | { kind: 'fail'; status: number; message?: string; reason?: string }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  /** Never answer: the request is read and then held until the server closes. */
  | { kind: 'stall' }
  /** Answer with exactly this status and body (a proxy's HTML page, a cut body, odd JSON). */
  | { kind: 'answer'; status: number; body: string; contentType: string };

const DEFAULT_MESSAGE: Record<number, string> = {
  429: 'Exceeded rate limits: too many api requests per user per method for this user_method.',
  500: 'An internal error occurred and the request could not be completed.',
  502: 'Bad Gateway',
  503: 'The service is currently unavailable.',
  504: 'Deadline exceeded.',
};

/** FIFO of faults shared by the HTTP contract endpoints (`failNext`, `resetNext`, `delayNext`, `stallNext`, `answerNext`). */
export class FaultQueue {
  private readonly queue: Fault[] = [];

  failNext(n: number, status: number, opts: { message?: string; reason?: string } = {}): void {
    for (let i = 0; i < n; i++) this.queue.push({ kind: 'fail', status, ...opts });
  }

  resetNext(n: number): void {
    for (let i = 0; i < n; i++) this.queue.push({ kind: 'reset' });
  }

  delayNext(n: number, ms: number): void {
    for (let i = 0; i < n; i++) this.queue.push({ kind: 'delay', ms });
  }

  stallNext(n: number): void {
    for (let i = 0; i < n; i++) this.queue.push({ kind: 'stall' });
  }

  answerNext(n: number, status: number, body: string, contentType = 'text/html; charset=UTF-8'): void {
    for (let i = 0; i < n; i++) this.queue.push({ kind: 'answer', status, body, contentType });
  }

  get pending(): number {
    return this.queue.length;
  }

  /**
   * Applies the next fault, if any. Resolves to true when the request has been answered
   * (failed or reset) and must not be handled further; a delay resolves false after sleeping.
   */
  async apply(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const fault = this.queue.shift();
    if (!fault) return false;
    switch (fault.kind) {
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return false;
      case 'reset':
        // Drop the connection before any response byte: the client sees ECONNRESET / socket hang up.
        req.socket.destroy();
        return true;
      case 'fail':
        req.resume();
        sendGoogleError(res, fault.status, fault.message ?? DEFAULT_MESSAGE[fault.status] ?? `HTTP ${fault.status}`, fault.reason);
        return true;
      case 'stall':
        req.resume();
        return true;
      case 'answer':
        req.resume();
        res.writeHead(fault.status, { 'content-type': fault.contentType, 'content-length': Buffer.byteLength(fault.body) });
        res.end(fault.body);
        return true;
    }
  }
}
