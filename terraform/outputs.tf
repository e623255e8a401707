output "media_cdn_topic" {
  description = "Topic the Media CDN log sink publishes to (realtime and batched delivery; null when hourly)."
  value       = one(google_pubsub_topic.media_cdn_logs[*].id)
}

output "media_cdn_bucket" {
  description = "Bucket the Media CDN log files land in (batched and hourly delivery; null when realtime)."
  value       = one(google_storage_bucket.media_cdn_files[*].name)
}

output "edgeone_topic" {
  description = "Topic the upload bucket notifies about new EdgeOne log files."
  value       = google_pubsub_topic.edgeone_logs.id
}

output "dead_letter_subscription" {
  description = "Pull subscription holding messages no function accepted (7 days)."
  value       = google_pubsub_subscription.dead_letter.id
}

output "sink_writer_identity" {
  description = "Identity the Media CDN sink writes as (publisher on the Media CDN topic only)."
  value       = google_logging_project_sink.media_cdn.writer_identity
}

output "upload_bucket" {
  description = "Bucket EdgeOne uploads log files to."
  value       = google_storage_bucket.uploads.name
}

output "dataset" {
  description = "BigQuery dataset, as project.dataset."
  value       = "${var.project_id}.${google_bigquery_dataset.logs.dataset_id}"
}

output "functions" {
  description = "Function name and URL per source."
  value = {
    for key, fn in google_cloudfunctions2_function.ingest : key => {
      name = fn.name
      uri  = fn.service_config[0].uri
    }
  }
}

output "runtime_service_account" {
  description = "Service account the functions run as."
  value       = google_service_account.runtime.email
}

output "edgeone_hmac_access_id" {
  description = "HMAC access id for EdgeOne's S3-compatible push (null unless create_edgeone_hmac_key)."
  value       = one(google_storage_hmac_key.edgeone[*].access_id)
}

output "edgeone_hmac_secret" {
  description = "HMAC secret for EdgeOne's S3-compatible push (null unless create_edgeone_hmac_key)."
  value       = one(google_storage_hmac_key.edgeone[*].secret)
  sensitive   = true
}

output "edgeone_push_url" {
  description = "URL to enter as the EdgeOne push task's destination address (null unless enable_edgeone_push)."
  value       = one(google_cloudfunctions2_function.edgeone_push[*].service_config[0].uri)
}

output "edgeone_push_header" {
  description = "Custom header to add in the EdgeOne push task: its name, and the command that prints its value (null unless enable_edgeone_push)."
  value = var.enable_edgeone_push ? {
    name          = var.edgeone_push_header
    value_command = "gcloud secrets versions access ${google_secret_manager_secret_version.edgeone_push[0].version} --secret=${google_secret_manager_secret.edgeone_push[0].secret_id} --project=${var.project_id}"
    version       = google_secret_manager_secret_version.edgeone_push[0].version
  } : null
}
