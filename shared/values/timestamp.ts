/**
 * RFC 3339 / ISO-8601 timestamps as the vendors write them: 0 to 9 fractional digits, `Z`, a numeric
 * offset, or (EdgeOne) no zone at all, which EdgeOne documents as UTC.
 */
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export interface ParsedTimestamp {
  /** UTC, `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`: fraction truncated (never rounded) to 6 digits, trailing zeros dropped. */
  iso: string;
  /** UTC with all 9 fractional digits: a canonical form for identity digests. */
  canonical: string;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function parseUncached(text: string): ParsedTimestamp | null {
  const m = PATTERN.exec(text);
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac = '', , sign, oh, om] = m as unknown as string[];
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = Number(ss);
  if (year < 1 || month < 1 || month > 12 || day < 1) return null;
  const maxDay = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day > maxDay || hour > 23 || minute > 59 || second > 59) return null;
  const nanosText = frac.padEnd(9, '0');
  let head: string;
  if (!sign) {
    // Already UTC: keep the digits as written (the common case, and no Date round trip).
    head = `${ys}-${mos}-${ds}T${hs}:${mis}:${ss}`;
  } else {
    const h = Number(oh);
    const mm = Number(om);
    if (h > 23 || mm > 59) return null;
    const offsetMinutes = (sign === '-' ? -1 : 1) * (h * 60 + mm);
    // Whole seconds through Date (exact for integers); the fraction stays text so no digit is rounded.
    // (setUTCFullYear, not Date.UTC, which maps years 0-99 to 1900-1999.)
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    d.setUTCHours(hour, minute - offsetMinutes, second, 0);
    const y = d.getUTCFullYear();
    if (y < 1 || y > 9999) return null;
    head =
      `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
      `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  }
  const micros = nanosText.slice(0, 6).replace(/0+$/, '');
  return {
    iso: micros ? `${head}.${micros}Z` : `${head}Z`,
    canonical: `${head}.${nanosText}Z`,
  };
}

// Second-resolution timestamps (EdgeOne) repeat a lot: a session's ConnectTimeStamp on each of its
// records, many records a second. A small memo saves most of their parses; nanosecond timestamps
// (Media CDN) are unique per record, so they skip it. Results are frozen: callers share them.
const MEMO_LIMIT = 4096;
const MEMO_MAX_LENGTH = 25;
const memo = new Map<string, ParsedTimestamp | null>();

/** Parses a timestamp; returns null when it does not parse or names an impossible date. */
export function parseTimestamp(text: string): ParsedTimestamp | null {
  if (text.length > MEMO_MAX_LENGTH) return parseUncached(text);
  const hit = memo.get(text);
  if (hit !== undefined) return hit;
  const parsed = parseUncached(text);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(text, parsed === null ? null : Object.freeze(parsed));
  return parsed;
}
