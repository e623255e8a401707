import type { z } from 'zod';
import { toBigQuerySchema } from '../../schema/bigquery-schema';
import type { BigQueryType } from '../../schema/columns';

/** google.protobuf.FieldDescriptorProto.Type / Label values this project needs. */
const TYPE_DOUBLE = 1;
const TYPE_INT64 = 3;
const TYPE_BOOL = 8;
const TYPE_STRING = 9;
const LABEL_OPTIONAL = 1;
const LABEL_REQUIRED = 2;

/**
 * The proto type each BigQuery column travels as, per the Write API's type mapping ("Data type
 * conversions", cloud.google.com/bigquery/docs/write-api#data_type_conversions): TIMESTAMP as int64
 * microseconds since the epoch, JSON as a string.
 */
const PROTO_TYPE: Record<BigQueryType, number> = {
  STRING: TYPE_STRING,
  INT64: TYPE_INT64,
  FLOAT64: TYPE_DOUBLE,
  BOOL: TYPE_BOOL,
  TIMESTAMP: TYPE_INT64,
  JSON: TYPE_STRING,
};

/** One column as the encoder sees it (its proto field number: see protoColumns). */
export interface ProtoColumn {
  name: string;
  number: number;
  type: BigQueryType;
  required: boolean;
}

/** A self-contained proto2 DescriptorProto, the shape AppendRowsRequest.ProtoSchema carries. */
export interface RowDescriptor {
  name: string;
  field: Array<{ name: string; number: number; label: number; type: number }>;
}

/**
 * Columns of a zod row schema (built with required()/nullable()), in table order. Field numbers
 * 1–15 take a one-byte tag on the wire, higher ones two, and every row pays its tags: the columns
 * named in `shortTags` (those most rows carry) get 1, 2, … in that order, the rest follow in table
 * order. Any numbering is valid: BigQuery matches proto fields to columns by name (the
 * `column_name` annotation of storage/v1/annotations.proto exists for names a field cannot have).
 */
export function protoColumns(row: z.ZodObject, shortTags: readonly string[] = []): ProtoColumn[] {
  const fields = toBigQuerySchema(row);
  for (const name of shortTags) if (!fields.some((f) => f.name === name)) throw new Error(`shortTags names ${name}, not a column`);
  const first = new Map(shortTags.map((name, i) => [name, i + 1]));
  let next = shortTags.length;
  return fields.map((field) => ({
    name: field.name,
    number: first.get(field.name) ?? ++next,
    type: field.type,
    required: field.mode === 'REQUIRED',
  }));
}

/**
 * The descriptor the server decodes our rows with. REQUIRED columns are proto2 `required`, so a
 * missing value is refused by BigQuery as a row error rather than landing as NULL.
 */
export function rowDescriptor(columns: readonly ProtoColumn[], name = 'root'): RowDescriptor {
  return {
    name,
    field: columns.map((c) => ({
      name: c.name,
      number: c.number,
      label: c.required ? LABEL_REQUIRED : LABEL_OPTIONAL,
      type: PROTO_TYPE[c.type],
    })),
  };
}
