import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendGoogleError } from './http-util';

/** One injected behaviour, consumed by the next request that reaches the endpoint. */
export type Fault =
  | { kind: 'fail'; status: number; message?: string; reason?: string }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number };

const DEFAULT_MESSAGE: Record<number, string> = {
  429: 'Exceeded rate limits: too many api requests per user per method for this user_method.',
  500: 'An internal error occurred and the request could not be completed.',
  502: 'Bad Gateway',
  503: 'The service is currently unavailable.',
  504: 'Deadline exceeded.',
};

/** FIFO of faults shared by the HTTP contract endpoints (`failNext`, `resetNext`, `delayNext`). */
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
        await new Promise(resolve => setTimeout(resolve, fault.ms));
        return false;
      case 'reset':
        // Drop the connection before any response byte: the client sees ECONNRESET / socket hang up.
        req.socket.destroy();
        return true;
      case 'fail':
        req.resume();
        sendGoogleError(res, fault.status, fault.message ?? DEFAULT_MESSAGE[fault.status] ?? `HTTP ${fault.status}`, fault.reason);
        return true;
    }
  }
}
