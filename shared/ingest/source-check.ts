import type { RawRecord } from '../input/records';
import { normalizeText, SOURCE_FLAGS, type NormalizeContext } from '../normalizers';
import { Source, type EdgeLogRow } from '../schema/edge-log';

/** Records looked at before an input is let through: enough to be sure, few enough to cost nothing. */
export const SOURCE_SAMPLE = 20;

/** The first records of an input fail as the chosen source and all fit another one. */
interface SourceMismatch {
  source: Source;
  looksLike: Source;
  /** What the records look like, for people: "EdgeOne L7 records". */
  looksLikeKinds: string;
  /** How the chosen source refused the first of them. */
  firstError: string;
  sampled: number;
}

function describeKind(row: EdgeLogRow): string {
  if (row.source === 'media_cdn') return 'Media CDN LogEntries';
  return row.log_type === 'l4_session' ? 'EdgeOne L4 records' : 'EdgeOne L7 records';
}

/**
 * Says whether the sampled records were meant for another source: none normalizes as `source`, and
 * every one normalizes as the same other source. A file with even one record of its own source, or
 * with records no source takes (plain garbage), is let through: those are dead letters, not a mix-up.
 */
export function checkSource(sample: readonly RawRecord[], source: Source, ctx: NormalizeContext): SourceMismatch | null {
  const head = sample.slice(0, SOURCE_SAMPLE);
  // An oversized record among them says nothing about the source: let the input through.
  if (head.length === 0 || head.some((r) => !('text' in r))) return null;
  const texts = head.flatMap((r) => ('text' in r ? [r.text] : []));
  const own = texts.map((t) => normalizeText(source, t, ctx));
  if (own.some((r) => r.ok)) return null;
  for (const other of Source.options) {
    if (other === source) continue;
    const rows: EdgeLogRow[] = [];
    for (const text of texts) {
      const result = normalizeText(other, text, ctx);
      if (!result.ok) break;
      rows.push(result.row);
    }
    if (rows.length < texts.length) continue;
    const kinds = [...new Set(rows.map(describeKind))].join(' and ');
    return { source, looksLike: other, looksLikeKinds: kinds, firstError: own[0]!.ok ? '' : own[0]!.error, sampled: texts.length };
  }
  return null;
}

/** Stops an ingest before it writes anything for an input that was given the wrong --source. */
export class WrongSourceError extends Error {
  override name = 'WrongSourceError';
  constructor(
    readonly input: string,
    readonly mismatch: SourceMismatch,
  ) {
    super(
      `${input}: none of the first ${mismatch.sampled} records is a ${SOURCE_FLAGS[mismatch.source]} record (${mismatch.firstError}); ` +
        `they look like ${mismatch.looksLikeKinds}: --source ${SOURCE_FLAGS[mismatch.looksLike]}? Nothing was written for this file.`,
    );
  }
}
