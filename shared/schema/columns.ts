import { z } from 'zod';

/** BigQuery column types this project uses (GoogleSQL names, as the tables API accepts them). */
export type BigQueryType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP' | 'JSON';

interface ColumnMeta {
  type: BigQueryType;
  description: string;
}

/**
 * Column metadata lives in a zod registry beside the schema itself, so one zod object is the single
 * source of the TypeScript type, the runtime validator and the BigQuery table schema.
 */
export const columnRegistry = z.registry<ColumnMeta>();

/** Timestamps travel as UTC ISO-8601 with `Z` and at most 6 fractional digits (BigQuery's precision). */
export const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

const base = {
  STRING: () => z.string(),
  INT64: () => z.number().int(),
  FLOAT64: () => z.number(),
  BOOL: () => z.boolean(),
  TIMESTAMP: () => z.string().regex(TIMESTAMP_PATTERN),
  // insertAll takes JSON columns as a string of JSON text.
  JSON: () => z.string(),
} satisfies Record<BigQueryType, () => z.ZodType>;

type Base<T extends BigQueryType> = ReturnType<(typeof base)[T]>;

/** A REQUIRED column. */
export function required<T extends BigQueryType>(type: T, description: string): Base<T> {
  const schema = base[type]() as unknown as Base<T>;
  columnRegistry.add(schema as z.ZodType, { type, description });
  return schema;
}

/** A NULLABLE column: the value may be null (never undefined: rows always carry every column). */
export function nullable<T extends BigQueryType>(type: T, description: string): z.ZodNullable<Base<T>> {
  const schema = base[type]() as unknown as Base<T>;
  const column = schema.nullable() as z.ZodNullable<Base<T>>;
  columnRegistry.add(column as z.ZodType, { type, description });
  return column;
}

/**
 * A REQUIRED STRING column that holds one of an enum's values, so the row's type is their union.
 * A clone per column: the registry keeps one description per schema object, and an enum such as
 * Source serves several tables.
 */
export function requiredEnum<T extends z.ZodEnum>(values: T, description: string): T {
  const schema = values.clone() as T;
  columnRegistry.add(schema as z.ZodType, { type: 'STRING', description });
  return schema;
}
