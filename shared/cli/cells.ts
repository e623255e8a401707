import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import type { Cell } from './table';

/**
 * DuckDB's JSON form of a value, made to read as the warehouse means it: 64-bit and wider integers
 * (counts, bytes) as JSON numbers when they fit a double exactly (|n| ≤ 2^53), as strings beyond;
 * timestamps as ISO 8601 with their zone, `Z` (the warehouse holds UTC). DuckDB's own JSON form
 * gives every BIGINT as a string and timestamps without a zone.
 */
export function toCell(value: unknown, type: DuckDBType): Cell {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return exactNumber(String(value));
    case DuckDBTypeId.DECIMAL: {
      const n = Number(value);
      // A decimal is exact in a double only while it has at most 15 significant digits.
      return String(value).replace(/[-.]/g, '').replace(/^0+/, '').length <= 15 ? n : String(value);
    }
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return isoTimestamp(String(value));
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const valueType = (type as DuckDBType & { valueType: DuckDBType }).valueType;
      return (value as unknown[]).map((v) => toCell(v, valueType));
    }
    case DuckDBTypeId.STRUCT: {
      const struct = type as DuckDBType & { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
      const record = value as Record<string, unknown>;
      return Object.fromEntries(struct.entryNames.map((name, i) => [name, toCell(record[name], struct.entryTypes[i]!)]));
    }
    default:
      return value as Cell;
  }
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

function exactNumber(text: string): number | string {
  const n = BigInt(text);
  return n <= MAX_EXACT && n >= -MAX_EXACT ? Number(n) : text;
}

/** "2026-11-01 10:00:00.5" (zone-less, UTC) or "… +00" / "…+05:30" → "2026-11-01T10:00:00.5Z" / "…+05:30". */
function isoTimestamp(text: string): string {
  const match = /^(-?\d+-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-])(\d\d)(?::?(\d\d))?)?$/.exec(text);
  if (!match) return text; // infinity, or a year DuckDB prints in another form: leave it as DuckDB says it
  const [, date, time, sign, hours, minutes] = match;
  const zone = sign === undefined || (hours === '00' && (minutes ?? '00') === '00') ? 'Z' : `${sign}${hours}:${minutes ?? '00'}`;
  return `${date}T${time}${zone}`;
}
