/**
 * The fault catalogue: every silent-loss, hang and poison case found by fault injection (issue #9),
 * each run against the real handlers and client libraries in front of the contract endpoints. A
 * case says what it expects, does it, and reports what it saw; `npm run faults` runs them all and
 * prints one table. Adding a case: append it to one of the lists in cases/ (or a new file there,
 * listed below).
 */
import { bigqueryCases } from './cases/bigquery';
import { httpCases } from './cases/http';
import { storageCases } from './cases/storage';

/** What a case saw: one table row, plus the checks that failed (none when the case held). */
export interface Observation {
  observed: string;
  /** Records in the input. */
  sent: number;
  /** Distinct records in edge_logs at the end. */
  landed: number;
  /** Rows in ingest_errors at the end. */
  deadLettered: number;
  /** Deliveries after the first (Pub/Sub redelivering a non-2xx). */
  redelivered: number;
  /** Records still kept by Pub/Sub at the end (redelivered later, or on its dead-letter topic). */
  waiting?: number;
  /** The longest invocation, ms (shown, never asserted: a busy machine is slow, not wrong). */
  longestMs?: number;
  problems: string[];
}

export interface FaultCase {
  name: string;
  /** Issue item(s) it covers, e.g. "#9.3". */
  issue: string;
  expected: string;
  run(): Promise<Observation>;
}

/** Builds an Observation from figures and named checks; a failed check becomes a problem. */
export function observe(figures: Omit<Observation, 'problems'>, checks: Record<string, boolean>): Observation {
  return {
    ...figures,
    problems: Object.entries(checks)
      .filter(([, held]) => !held)
      .map(([what]) => what),
  };
}

export const CATALOGUE: readonly FaultCase[] = [...bigqueryCases, ...storageCases, ...httpCases];

/** The one table: case, expected, observed, and the record counts. */
export function faultTable(results: ReadonlyArray<{ fault: FaultCase; observation: Observation | null; error?: string }>): string {
  const header = ['case', 'issue', 'expected', 'observed', 'sent', 'landed', 'dead-lettered', 'in Pub/Sub', 'redelivered', 'longest ms', 'held'];
  const rows = results.map(({ fault, observation: o, error }) => [
    fault.name,
    fault.issue,
    fault.expected,
    o ? o.observed : `threw: ${error ?? '?'}`,
    o ? String(o.sent) : '',
    o ? String(o.landed) : '',
    o ? String(o.deadLettered) : '',
    o ? String(o.waiting ?? 0) : '',
    o ? String(o.redelivered) : '',
    o?.longestMs === undefined ? '' : String(Math.round(o.longestMs)),
    o && o.problems.length === 0 ? 'yes' : `NO${o ? ` (${o.problems.join('; ')})` : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const lost = results.reduce(
    (sum, r) => sum + (r.observation ? Math.max(0, r.observation.sent - r.observation.landed - r.observation.deadLettered - (r.observation.waiting ?? 0)) : 0),
    0,
  );
  const held = results.filter((r) => r.observation && r.observation.problems.length === 0).length;
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${held} of ${results.length} cases held; records lost: ${lost}`,
    '',
  ].join('\n');
}
