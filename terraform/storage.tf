# The bucket EdgeOne uploads log files to, and the notification that hands each new object to
# the EdgeOne function through its topic.

resource "google_storage_bucket" "uploads" {
  name     = local.upload_bucket_name
  location = var.region
  labels   = local.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # The rows are in BigQuery once the function acknowledged the notification.
  lifecycle_rule {
    condition {
      age = var.upload_retention_days
    }
    action {
      type = "Delete"
    }
  }

  # A deleted or overwritten upload can be restored for a while (and replayed by re-finalizing it).
  soft_delete_policy {
    retention_duration_seconds = var.upload_soft_delete_days * 86400
  }

  dynamic "encryption" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      default_kms_key_name = encryption.value
    }
  }

  depends_on = [google_project_service.enabled, google_kms_crypto_key_iam_member.agents_use_key]
}

resource "google_storage_notification" "edgeone_uploads" {
  bucket             = google_storage_bucket.uploads.name
  topic              = google_pubsub_topic.edgeone_logs.id
  payload_format     = "JSON_API_V1"
  event_types        = ["OBJECT_FINALIZE"]
  object_name_prefix = var.edgeone_object_prefix

  # GCS checks that its service agent may publish when the notification is created.
  depends_on = [google_pubsub_topic_iam_member.gcs_publishes_uploads]
}

# Cloud Storage's service agent publishes the notifications.
data "google_storage_project_service_account" "gcs" {
  project = var.project_id

  depends_on = [google_project_service.enabled]
}

# Optional: credentials for EdgeOne's S3-compatible push (storage.googleapis.com interoperability).
resource "google_storage_hmac_key" "edgeone" {
  count = var.create_edgeone_hmac_key ? 1 : 0

  service_account_email = google_service_account.edgeone_uploader[0].email
}
