import { toBigQuerySchema } from '../../schema/bigquery-schema';
import { EdgeLogRow } from '../../schema/edge-log';

/** Columns of type JSON: rows carry them as JSON text (insertAll's and the Write API's form). */
const JSON_COLUMNS: readonly string[] = toBigQuerySchema(EdgeLogRow)
  .filter((f) => f.type === 'JSON')
  .map((f) => f.name);

/**
 * One row as a line of the NDJSON a load job reads. A load job takes a JSON column's value as the
 * JSON value itself (a string would land as a JSON string), so the column's text is embedded as is
 * rather than quoted, and not re-serialized, which would round large integers through doubles.
 * TIMESTAMP text (`2026-11-01T09:00:00.123Z`) is accepted by loads as by insertAll; a NULL column
 * is left out, which a load reads as NULL.
 */
export function loadJsonLine(row: EdgeLogRow): string {
  const plain: Record<string, unknown> = { ...row };
  let tail = '';
  for (const column of JSON_COLUMNS) {
    const text = plain[column];
    delete plain[column];
    if (typeof text === 'string') tail += `,${JSON.stringify(column)}:${jsonValue(text, column)}`;
  }
  const head = JSON.stringify(plain);
  return `${head.length > 2 ? head.slice(0, -1) + tail : `{${tail.slice(1)}`}}\n`;
}

/**
 * The JSON text, checked to be exactly one JSON value (so it cannot end the line's object early or
 * add fields), on one line: a raw line break can only be whitespace between tokens in valid JSON.
 */
function jsonValue(text: string, column: string): string {
  try {
    JSON.parse(text);
  } catch {
    throw new Error(`column ${column} holds text that is not JSON`);
  }
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, ' ') : text;
}
