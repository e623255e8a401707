/**
 * Ingestion billing by each method's documented rule (https://cloud.google.com/bigquery/pricing#data_ingestion_pricing),
 * shared by bench/storage-write.ts and bench/functions.ts:
 * - insertAll ("legacy streaming", "Storage Write API (REST)"): $0.05 per GiB (listed as $0.01 per
 *   200 MiB), "rows that are successfully inserted", "individual rows are calculated using a 1 KB
 *   minimum size". A row's size is its logical size by BigQuery's data size calculation
 *   (https://cloud.google.com/bigquery/docs/storage_overview#data_size_calculation): STRING and JSON
 *   2 bytes + UTF-8 length, INT64/FLOAT64/TIMESTAMP 8, BOOL 1, NULL 0.
 * - Storage Write API (gRPC): $0.025 per GiB, the first 2 TiB a month free per billing account.
 *   Google documents no size rule for it: the pricing page gives only the price, and
 *   INFORMATION_SCHEMA.WRITE_API_TIMELINE's total_input_bytes is "total bytes from all rows"
 *   (https://cloud.google.com/bigquery/docs/information-schema-write-api). Taken here as the
 *   serialized protobuf rows the function appended (what AppendRows carries): one tag and one
 *   length byte more than the logical size per string over field 15 or of 128+ bytes, one more
 *   per TIMESTAMP, FLOAT64 and BOOL, and fewer for small INT64s (varints). For Media CDN rows that
 *   is 0.4% above the logical size (conservative); for EdgeOne rows 0.6–2% below it, so were
 *   Google to bill logical size, EdgeOne's figure would rise by that much (still no 1 KB floor).
 */
import { toBigQuerySchema, type BigQueryField } from '../shared/schema/bigquery-schema';
import { EdgeLogRow } from '../shared/schema/edge-log';

export const GiB = 2 ** 30;
export const TiB = 2 ** 40;
const PRICE_PER_GIB = { insertall: 0.05, storage: 0.025 } as const;
const FREE_STORAGE_WRITE_BYTES_A_MONTH = 2 * TiB;
/** The monthly volume at which "with the free tier" is priced. */
export const MONTHLY_SOURCE_TIB = 10;

const FIELDS = toBigQuerySchema(EdgeLogRow);

/** BigQuery's logical size of a row (data size calculation). */
export function logicalSize(row: Record<string, unknown>, fields: readonly BigQueryField[] = FIELDS): number {
  let size = 0;
  for (const f of fields) {
    const v = row[f.name];
    if (v === null || v === undefined) continue;
    if (f.type === 'STRING' || f.type === 'JSON') size += 2 + Buffer.byteLength(String(v));
    else if (f.type === 'BOOL') size += 1;
    else size += 8;
  }
  return size;
}

/** insertAll's billed bytes for a row: its logical size, at least 1 KB. */
export function insertAllBilled(row: Record<string, unknown>): number {
  return Math.max(1024, logicalSize(row));
}

/**
 * Ingestion $ per TiB of source logs, from billed bytes per source byte: at list price, and for the
 * Write API also with the 2 TiB monthly free tier, at MONTHLY_SOURCE_TIB a month.
 */
export function costPerSourceTiB(method: 'insertall' | 'storage', billedPerSourceByte: number): { list: number; withFreeTier: number } {
  const billedPerTiB = billedPerSourceByte * TiB;
  const list = (billedPerTiB / GiB) * PRICE_PER_GIB[method];
  if (method === 'insertall') return { list, withFreeTier: list };
  const billedAMonth = billedPerTiB * MONTHLY_SOURCE_TIB;
  const paid = Math.max(0, billedAMonth - FREE_STORAGE_WRITE_BYTES_A_MONTH);
  return { list, withFreeTier: ((paid / GiB) * PRICE_PER_GIB.storage) / MONTHLY_SOURCE_TIB };
}
