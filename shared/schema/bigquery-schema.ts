import type { z } from 'zod';
import { columnRegistry, type BigQueryType } from './columns';

/** One field of a BigQuery table schema, in the JSON form the tables API and Terraform take. */
export interface BigQueryField {
  name: string;
  type: BigQueryType;
  mode: 'REQUIRED' | 'NULLABLE';
  description: string;
}

/** Derives the BigQuery table schema from a zod object built with `required()` / `nullable()`. */
export function toBigQuerySchema(row: z.ZodObject): BigQueryField[] {
  return Object.entries(row.shape).map(([name, field]) => {
    const meta = columnRegistry.get(field as z.ZodType);
    if (!meta) throw new Error(`column ${name} was not declared with required() or nullable()`);
    const mode = (field as z.ZodType).safeParse(null).success ? 'NULLABLE' : 'REQUIRED';
    return { name, type: meta.type, mode, description: meta.description };
  });
}
