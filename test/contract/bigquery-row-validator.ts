/** Column types the BigQuery contract endpoint understands (legacy and GoogleSQL spellings). */
export type BigQueryFieldType = 'STRING' | 'INT64' | 'INTEGER' | 'FLOAT64' | 'FLOAT' | 'BOOL' | 'BOOLEAN' | 'TIMESTAMP' | 'JSON';

export interface BigQuerySchemaField {
  name: string;
  type: BigQueryFieldType;
  mode?: 'REQUIRED' | 'NULLABLE';
}

/** One entry of `insertErrors[].errors[]` in a tabledata.insertAll response. */
export interface InsertError {
  reason: string;
  location: string;
  debugInfo: string;
  message: string;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;
// Canonical BigQuery timestamp text: date, optional time with up to 6 fractional digits, optional zone.
const TIMESTAMP_TEXT = /^\d{4}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(\s*(Z|UTC|[+-]\d{1,2}(:\d{2})?))?$/i;

function invalid(location: string, message: string): InsertError {
  return { reason: 'invalid', location, debugInfo: '', message };
}

function isInt64(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value);
  if (typeof value !== 'string' || !INTEGER_TEXT.test(value)) return false;
  const n = BigInt(value);
  return n >= INT64_MIN && n <= INT64_MAX;
}

function isTimestamp(value: unknown): boolean {
  // insertAll accepts epoch seconds as a JSON number, or timestamp text.
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'string' || !TIMESTAMP_TEXT.test(value.trim())) return false;
  const iso = value
    .trim()
    .replace(' ', 'T')
    .replace(/\s*UTC$/i, 'Z');
  return !Number.isNaN(Date.parse(/[zZ]|[+-]\d{1,2}(:\d{2})?$/.test(iso.slice(10)) ? iso : `${iso}Z`));
}

function isJsonText(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a non-null JSON value fits the column type. STRING accepts only JSON strings: stricter
 * than BigQuery (which coerces numbers/booleans) so tests catch rows we built with the wrong type.
 */
function fits(type: BigQueryFieldType, value: unknown): boolean {
  switch (type) {
    case 'STRING':
      return typeof value === 'string';
    case 'INT64':
    case 'INTEGER':
      return isInt64(value);
    case 'FLOAT64':
    case 'FLOAT':
      return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && FLOAT_TEXT.test(value));
    case 'BOOL':
    case 'BOOLEAN':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'TIMESTAMP':
      return isTimestamp(value);
    case 'JSON':
      // Legacy streaming takes JSON columns as a string holding the JSON document.
      return isJsonText(value);
  }
}

/** Validates one insertAll `json` object against a table schema; empty array = row is valid. */
export function validateRow(schema: readonly BigQuerySchemaField[], row: unknown, ignoreUnknownValues: boolean): InsertError[] {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    return [invalid('', 'Row is not a JSON object.')];
  }
  const record = row as Record<string, unknown>;
  const errors: InsertError[] = [];
  const byName = new Map(schema.map((f) => [f.name.toLowerCase(), f]));
  if (!ignoreUnknownValues) {
    for (const key of Object.keys(record)) {
      if (!byName.has(key.toLowerCase())) errors.push(invalid(key, `no such field: ${key}.`));
    }
  }
  // Field names are case-insensitive; one lower-cased index per row keeps this linear.
  const keys = new Map<string, string>();
  for (const k of Object.keys(record)) if (!keys.has(k.toLowerCase())) keys.set(k.toLowerCase(), k);
  for (const field of schema) {
    const key = keys.get(field.name.toLowerCase());
    const value = key === undefined ? undefined : record[key];
    if (value === undefined || value === null) {
      if (field.mode === 'REQUIRED') errors.push(invalid(field.name, `Missing required field: ${field.name}.`));
      continue;
    }
    if (!fits(field.type, value)) {
      errors.push(
        invalid(field.name, `Cannot convert value to ${field.type.toLowerCase()}: ${JSON.stringify(value)}. Field: ${field.name}; Value: ${String(value)}`),
      );
    }
  }
  return errors;
}

/** The error BigQuery attaches to valid rows it refused because another row was invalid. */
export const STOPPED: InsertError = { reason: 'stopped', location: '', debugInfo: '', message: '' };
