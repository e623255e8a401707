# How Media CDN request logs reach a function: var.media_cdn_delivery. Each mode creates only what it
# needs (the README's "Media CDN delivery modes" and `cdnlog cost` compare them):
#
#   realtime  sink -> topic media-cdn-logs -> push -> mediaCdnLogs, one request per entry
#   batched   sink -> topic media-cdn-logs -> Cloud Storage subscription (a file every
#             media_cdn_batch_seconds, one LogEntry a line) -> bucket -> OBJECT_FINALIZE ->
#             topic media-cdn-files -> push -> mediaCdnFiles, one request per file
#   hourly    sink -> bucket (Logging writes hourly files) -> OBJECT_FINALIZE -> topic
#             media-cdn-files -> push -> mediaCdnFiles -> one BigQuery load job per file (free),
#             its rows staged in the load-staging bucket
#
# Load jobs are free but BigQuery allows 1,500 per table per day, so only hourly uses them: Logging
# writes one file per hour (more shards only at high volume), tens a day. batched writes a file per
# media_cdn_batch_seconds per Pub/Sub writer, which can pass 1,500 a day: it keeps the Write API's
# PENDING streams, as do EdgeOne uploads. A file a load job cannot take (the quota after all, a
# refused row) falls back to a PENDING stream (README, "Media CDN delivery modes").
#
# Landed files are deleted after media_cdn_file_retention_days (the rows are in BigQuery by then,
# and a record that could not land is in ingest_errors with its raw line).

locals {
  media_cdn_files     = var.media_cdn_delivery != "realtime" # the file modes
  media_cdn_via_topic = var.media_cdn_delivery != "hourly"   # the sink publishes to Pub/Sub
  media_cdn_bucket    = coalesce(var.media_cdn_bucket_name, "${var.project_id}-${var.name_prefix}-media-cdn")
  # mediaCdnFiles lands each hourly file with a load job; the fallback needs the Write API.
  media_cdn_load_jobs    = var.media_cdn_delivery == "hourly" && var.bq_write_method == "storage"
  media_cdn_load_staging = "${var.project_id}-${var.name_prefix}-load-staging"

  # The function fed by Media CDN logs in this mode (merged into local.functions, main.tf).
  media_cdn_function = local.media_cdn_files ? {
    media_cdn_files = {
      entry_point = "mediaCdnFiles"
      topic_id    = google_pubsub_topic.media_cdn_files[0].id
      topic_name  = google_pubsub_topic.media_cdn_files[0].name
    }
    } : {
    media_cdn = {
      entry_point = "mediaCdnLogs"
      topic_id    = google_pubsub_topic.media_cdn_logs[0].id
      topic_name  = google_pubsub_topic.media_cdn_logs[0].name
    }
  }

  # Where the sink writes (logging.tf), as Logging names destinations.
  media_cdn_sink_destination = local.media_cdn_via_topic ? "pubsub.googleapis.com/${google_pubsub_topic.media_cdn_logs[0].id}" : "storage.googleapis.com/${local.media_cdn_bucket}"
}

# The file modes' bucket: written by the Cloud Storage subscription (batched) or by Logging (hourly).
resource "google_storage_bucket" "media_cdn_files" {
  count = local.media_cdn_files ? 1 : 0

  name     = local.media_cdn_bucket
  location = var.region
  labels   = local.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # A file is landed once its notification is acknowledged, minutes (batched) or an hour (hourly)
  # after it was written: a day leaves room for retries and a redeployment.
  lifecycle_rule {
    condition {
      age = var.media_cdn_file_retention_days
    }
    action {
      type = "Delete"
    }
  }

  # A transit copy: its rows are in BigQuery and its bad lines in ingest_errors. Nothing to recover.
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }

  depends_on = [google_project_service.enabled, google_kms_crypto_key_iam_member.agents_use_key]
}

# The topic the bucket notifies; mediaCdnFiles' push subscription (pubsub.tf) reads it.
resource "google_pubsub_topic" "media_cdn_files" {
  count = local.media_cdn_files ? 1 : 0

  name   = "${var.name_prefix}-media-cdn-files"
  labels = local.labels

  kms_key_name = var.kms_key_name

  depends_on = [google_project_service.enabled, google_kms_crypto_key_iam_member.agents_use_key]
}

resource "google_storage_notification" "media_cdn_files" {
  count = local.media_cdn_files ? 1 : 0

  bucket         = google_storage_bucket.media_cdn_files[0].name
  topic          = google_pubsub_topic.media_cdn_files[0].id
  payload_format = "JSON_API_V1"
  event_types    = ["OBJECT_FINALIZE"]

  depends_on = [google_pubsub_topic_iam_member.gcs_publishes_media_cdn_files]
}

resource "google_pubsub_topic_iam_member" "gcs_publishes_media_cdn_files" {
  count = local.media_cdn_files ? 1 : 0

  topic  = google_pubsub_topic.media_cdn_files[0].id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

# The function reads the file named in each notification.
resource "google_storage_bucket_iam_member" "runtime_reads_media_cdn_files" {
  count = local.media_cdn_files ? 1 : 0

  bucket = google_storage_bucket.media_cdn_files[0].name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.runtime.email}"
}

# --- batched: a Pub/Sub Cloud Storage subscription writes the files --------------------------

# Text format (no avro_config): each file holds the messages' data, one message a line; a Logging
# sink publishes one LogEntry (single-line JSON) per message. Pub/Sub starts a new file every
# max_duration or max_bytes, whichever comes first.
resource "google_pubsub_subscription" "media_cdn_to_files" {
  count = var.media_cdn_delivery == "batched" ? 1 : 0

  name   = "${var.name_prefix}-media-cdn-to-files"
  topic  = google_pubsub_topic.media_cdn_logs[0].id
  labels = local.labels

  # max_duration may not exceed the ack deadline.
  ack_deadline_seconds       = 600
  message_retention_duration = "604800s"

  cloud_storage_config {
    bucket          = google_storage_bucket.media_cdn_files[0].name
    filename_prefix = "media-cdn/"
    filename_suffix = ".jsonl"
    max_duration    = "${var.media_cdn_batch_seconds}s"
    max_bytes       = 1073741824 # 1 GiB: one function invocation reads it well within its timeout
  }

  expiration_policy {
    ttl = ""
  }

  # Pub/Sub checks it may write to the bucket when the subscription is created.
  depends_on = [google_storage_bucket_iam_member.pubsub_writes_media_cdn_files]
}

# What Pub/Sub's service agent needs on the bucket to write a Cloud Storage subscription's files.
resource "google_storage_bucket_iam_member" "pubsub_writes_media_cdn_files" {
  for_each = var.media_cdn_delivery == "batched" ? toset(["roles/storage.objectCreator", "roles/storage.legacyBucketReader"]) : toset([])

  bucket = google_storage_bucket.media_cdn_files[0].name
  role   = each.value
  member = local.pubsub_service_agent
}

# --- hourly: the sink writes the files --------------------------------------------------------

resource "google_storage_bucket_iam_member" "sink_writes_media_cdn_files" {
  count = var.media_cdn_delivery == "hourly" ? 1 : 0

  bucket = google_storage_bucket.media_cdn_files[0].name
  role   = "roles/storage.objectCreator"
  member = google_logging_project_sink.media_cdn.writer_identity
}

# --- hourly: load jobs, their rows staged as NDJSON -------------------------------------------

# Apart from the files bucket, which notifies mediaCdnFiles of every object: a staged object must
# never look like a new log file. In the dataset's location, where a load job may read it.
resource "google_storage_bucket" "media_cdn_load_staging" {
  count = local.media_cdn_load_jobs ? 1 : 0

  name     = local.media_cdn_load_staging
  location = var.bq_location
  labels   = local.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # The function deletes each staged object once its job is done; this catches what a crash left.
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "Delete"
    }
  }

  # Copies of rows that are in BigQuery or will be staged again: nothing to recover.
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }

  depends_on = [google_project_service.enabled, google_kms_crypto_key_iam_member.agents_use_key]
}

# Stage (create, overwrite), let the load job read (get, as the function's identity) and delete:
# those three permissions, on this bucket only. No predefined role is that narrow (objectUser also
# lists and updates). jobs.create, which a load job needs, is the project-wide roles/bigquery.jobUser
# the commit lookups already have (iam.tf): BigQuery grants it on no narrower resource. Appending
# to edge_logs is the table_writer role the functions already hold on that table.
resource "google_project_iam_custom_role" "media_cdn_load_stager" {
  count = local.media_cdn_load_jobs ? 1 : 0

  role_id     = "${replace(var.name_prefix, "-", "_")}_load_stager"
  title       = "cdnlog load-job staging"
  description = "Writes, reads and deletes the objects a BigQuery load job reads; cannot list the bucket or change its settings"
  permissions = ["storage.objects.create", "storage.objects.delete", "storage.objects.get"]

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_iam_member" "runtime_stages_media_cdn_loads" {
  count = local.media_cdn_load_jobs ? 1 : 0

  bucket = google_storage_bucket.media_cdn_load_staging[0].name
  role   = google_project_iam_custom_role.media_cdn_load_stager[0].id
  member = "serviceAccount:${google_service_account.runtime.email}"
}
