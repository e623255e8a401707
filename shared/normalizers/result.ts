import type { z } from 'zod';
import type { EdgeLogRow } from '../schema/edge-log';

/** What a normalizer returns for one record: never throws, always one of these. */
export type NormalizeResult = { ok: true; row: EdgeLogRow } | { ok: false; error: string };

export interface NormalizeContext {
  /** ingest_time of the rows; a function so long runs stamp each row when it is normalized. */
  now: () => string;
}

/** A wall clock as ISO text, formatted at most once per millisecond (it runs once per record). */
export function systemClock(): () => string {
  let lastMs = -1;
  let lastText = '';
  return () => {
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastText = new Date(ms).toISOString();
    }
    return lastText;
  };
}

export const defaultContext: NormalizeContext = { now: systemClock() };

export function reject(error: string): NormalizeResult {
  return { ok: false, error };
}

/** zod issues as one line: `httpRequest.status: Invalid input: expected number, received boolean`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
