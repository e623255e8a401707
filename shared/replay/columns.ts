/** ingest_errors columns replay reads, with timestamps and JSON as text on both engines. */
export const INGEST_ERRORS_COLUMNS_SQL = {
  duckdb:
    "error_id, strftime(error_time, '%Y-%m-%dT%H:%M:%S.%fZ') AS error_time, source, stage, reason, message_id, object, payload, payload_truncated, CAST(attributes AS VARCHAR) AS attributes",
  bigquery:
    "error_id, FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E6SZ', error_time) AS error_time, source, stage, reason, message_id, object, payload, payload_truncated, TO_JSON_STRING(attributes) AS attributes",
} as const;
