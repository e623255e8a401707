# The dataset, the two tables (schemas generated from the zod rows, never hand-edited) and the
# analyst views (SQL in sql/views at the repo root, shared with the local DuckDB runner).

resource "google_bigquery_dataset" "logs" {
  dataset_id  = var.dataset_id
  location    = var.bq_location
  description = "CDN logs from Google Media CDN and Tencent EdgeOne, one schema (cdnlog)"
  labels      = local.labels

  # Tables created in the dataset are encrypted with this key unless they name their own.
  dynamic "default_encryption_configuration" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      kms_key_name = default_encryption_configuration.value
    }
  }

  depends_on = [google_project_service.enabled, google_kms_crypto_key_iam_member.agents_use_key]
}

resource "google_bigquery_table" "edge_logs" {
  dataset_id  = google_bigquery_dataset.logs.dataset_id
  table_id    = "edge_logs"
  description = "One row per CDN request or EdgeOne L4 session record (see sql/views for deduplicated views)"
  labels      = local.labels

  schema = file("${path.module}/schemas/edge_logs.json")

  time_partitioning {
    type          = "DAY"
    field         = "event_time"
    expiration_ms = var.edge_logs_partition_expiration_days == null ? null : var.edge_logs_partition_expiration_days * 86400000
  }
  require_partition_filter = var.require_partition_filter

  # The columns analysts filter on first.
  clustering = ["source", "log_type", "service", "client_country"]

  deletion_protection = var.deletion_protection
}

resource "google_bigquery_table" "ingest_errors" {
  dataset_id  = google_bigquery_dataset.logs.dataset_id
  table_id    = "ingest_errors"
  description = "Payloads the functions could not turn into edge_logs rows, with the reason"
  labels      = local.labels

  schema = file("${path.module}/schemas/ingest_errors.json")

  time_partitioning {
    type          = "DAY"
    field         = "error_time"
    expiration_ms = var.ingest_errors_partition_expiration_days == null ? null : var.ingest_errors_partition_expiration_days * 86400000
  }

  deletion_protection = var.deletion_protection
}

# The Storage Write API's record of committed object generations: one row when an uploaded
# object's PENDING stream is finalized, one when it is committed. A redelivered notification looks
# here first, so an object lands once (shared/sink/storage-write/commit-log.ts). A few rows per
# uploaded object; the schema is generated like the others (npm run schema:generate).
resource "google_bigquery_table" "ingest_commits" {
  dataset_id  = google_bigquery_dataset.logs.dataset_id
  table_id    = "ingest_commits"
  description = "Uploaded object generations landed through the Storage Write API, with their streams"
  labels      = local.labels

  schema = file("${path.module}/schemas/ingest_commits.json")

  deletion_protection = var.deletion_protection
}

locals {
  view_template_vars = {
    project = var.project_id
    dataset = google_bigquery_dataset.logs.dataset_id
  }
}

resource "google_bigquery_table" "edge_logs_dedup" {
  dataset_id  = google_bigquery_dataset.logs.dataset_id
  table_id    = "edge_logs_dedup"
  description = "edge_logs with one row per event_id (the first copy ingested)"
  labels      = local.labels

  view {
    query          = templatefile("${path.module}/../sql/views/edge_logs_dedup.sql", local.view_template_vars)
    use_legacy_sql = false
  }

  # Views hold no data; recreating one loses nothing.
  deletion_protection = false

  depends_on = [google_bigquery_table.edge_logs]
}

resource "google_bigquery_table" "l4_sessions" {
  dataset_id  = google_bigquery_dataset.logs.dataset_id
  table_id    = "l4_sessions"
  description = "One row per EdgeOne L4 session, folded from its periodic records"
  labels      = local.labels

  view {
    query          = templatefile("${path.module}/../sql/views/l4_sessions.sql", local.view_template_vars)
    use_legacy_sql = false
  }

  deletion_protection = false

  depends_on = [google_bigquery_table.edge_logs_dedup]
}

resource "google_bigquery_table" "traffic_hourly" {
  dataset_id  = google_bigquery_dataset.logs.dataset_id
  table_id    = "traffic_hourly"
  description = "Requests, sessions, bytes, cache hit ratio and latency percentiles per hour"
  labels      = local.labels

  view {
    query          = templatefile("${path.module}/../sql/views/traffic_hourly.sql", local.view_template_vars)
    use_legacy_sql = false
  }

  deletion_protection = false

  depends_on = [google_bigquery_table.edge_logs_dedup]
}
