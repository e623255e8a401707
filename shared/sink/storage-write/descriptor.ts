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

/** One column as the encoder sees it: proto field number = table position + 1. */
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

/** Columns of a zod row schema (built with required()/nullable()), in table order. */
export function protoColumns(row: z.ZodObject): ProtoColumn[] {
  return toBigQuerySchema(row).map((field, i) => ({
    name: field.name,
    number: i + 1,
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
