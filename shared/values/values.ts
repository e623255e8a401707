import { durationToMs } from './duration';
import { parseTimestamp, type ParsedTimestamp } from './timestamp';

/**
 * Readers for vendor field values. Each returns the clean value or null, and appends a precise reason
 * to `issues` when the value is present but wrong, so one pass reports every problem of a record.
 */
export type Issues = string[];

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `"-"` and `""` are how vendors write "no value". */
function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || value === '-';
}

/** A string field; empty placeholders become null. */
export function text(value: string | null | undefined): string | null {
  return isEmpty(value) ? null : (value as string);
}

/** Codes (countries, IATA metros) in upper case, whatever case the vendor logged. */
export function upper(value: string | null): string | null {
  return value === null ? null : value.toUpperCase();
}

/**
 * An identity string; empty is an issue. A number keeps its decimal text, unless it is an integer
 * beyond 2^53: JSON.parse has already rounded it, so two different ids could read the same.
 */
export function requiredId(value: string | number | null | undefined, path: string, issues: Issues): string {
  if (isEmpty(value)) {
    issues.push(`${path}: is required`);
    return '';
  }
  return optionalId(value, path, issues) ?? '';
}

/** An identity string that may be absent (null); see requiredId. */
export function optionalId(value: string | number | null | undefined, path: string, issues: Issues): string | null {
  if (isEmpty(value)) return null;
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    issues.push(`${path}: a number too large to be exact in JSON (${show(value)}): send it as a string`);
    return null;
  }
  return String(value);
}

interface IntegerOptions {
  /** Byte counts: a negative value is an issue. */
  nonNegative?: boolean;
  /** EdgeOne writes -1 for an empty integer. */
  minusOneIsNull?: boolean;
}

const INT_TEXT = /^-?\d{1,16}$/;

/** An integer from a JSON number or an int64 decimal string. */
export function integer(value: number | string | null | undefined, path: string, issues: Issues, options: IntegerOptions = {}): number | null {
  if (isEmpty(value)) return null;
  const n = typeof value === 'number' ? value : INT_TEXT.test(value!) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    issues.push(`${path}: expected an integer, got ${show(value)}`);
    return null;
  }
  if (n === -1 && options.minusOneIsNull) return null;
  if (n < 0 && options.nonNegative) {
    issues.push(`${path}: byte count must not be negative, got ${show(value)}`);
    return null;
  }
  return n;
}

/** A finite number from a JSON number or decimal string (EdgeOne's -1 is empty). */
export function decimal(value: number | string | null | undefined, path: string, issues: Issues): number | null {
  if (isEmpty(value)) return null;
  const n = typeof value === 'number' ? value : value!.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) {
    issues.push(`${path}: expected a number, got ${show(value)}`);
    return null;
  }
  return n === -1 ? null : n;
}

/** An RFC 3339 / ISO-8601 timestamp; empty is null, or an issue when `required`. */
export function timestamp(value: string | null | undefined, path: string, issues: Issues, required = false): ParsedTimestamp | null {
  if (isEmpty(value)) {
    if (required) issues.push(`${path}: is required`);
    return null;
  }
  const parsed = parseTimestamp(value!);
  if (!parsed) issues.push(`${path}: not a valid timestamp: ${show(value)}`);
  return parsed;
}

/** A protobuf Duration string (`"0.157228207s"`) in milliseconds. */
export function duration(value: string | null | undefined, path: string, issues: Issues): number | null {
  if (isEmpty(value)) return null;
  const ms = durationToMs(value!);
  if (ms === null) issues.push(`${path}: not a Duration like "0.157s": ${show(value)}`);
  return ms;
}
