# Identities and grants, each on the narrowest resource that works. No primitive roles.

# --- Function runtime --------------------------------------------------------------------------

resource "google_service_account" "runtime" {
  account_id   = "${var.name_prefix}-runtime"
  display_name = "cdnlog functions runtime"
  description  = "Runs the cdnlog Cloud Functions: streams rows into one dataset, reads uploads"

  depends_on = [google_project_service.enabled]
}

# tabledata.insertAll (streaming inserts) needs only table write access; no job is run, so no
# roles/bigquery.jobUser and nothing at project level.
resource "google_bigquery_dataset_iam_member" "runtime_writes_dataset" {
  dataset_id = google_bigquery_dataset.logs.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.runtime.email}"
}

# The EdgeOne function reads the uploaded object named in each notification.
resource "google_storage_bucket_iam_member" "runtime_reads_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.runtime.email}"
}

# The dead_lettered alert (logging.tf) depends on the functions' structured log lines arriving.
# logging.logEntries.create exists only at project level (or above), so this is the narrowest
# grant; it allows writing log entries and nothing else.
resource "google_project_iam_member" "runtime_writes_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.runtime.email}"
}

# --- Push delivery -----------------------------------------------------------------------------

# One invoker identity per function: a subscription's token opens only its own function.
resource "google_service_account" "push_invoker" {
  for_each = local.functions

  account_id   = "${var.name_prefix}-push-${replace(each.key, "_", "-")}"
  display_name = "cdnlog Pub/Sub push to ${local.function_names[each.key]}"
  description  = "OIDC identity of the push subscription that invokes ${local.function_names[each.key]}"

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_run_service_iam_member" "push_invokes_function" {
  for_each = local.functions

  location = var.region
  service  = google_cloudfunctions2_function.ingest[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.push_invoker[each.key].email}"
}

# Pub/Sub's service agent signs the push OIDC tokens as the invoker account. Projects created
# after April 2021 already allow this through the agent's own role; the explicit grant, on the one
# account, covers older projects.
resource "google_service_account_iam_member" "pubsub_signs_push_tokens" {
  for_each = local.functions

  service_account_id = google_service_account.push_invoker[each.key].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# --- Dead letters ------------------------------------------------------------------------------

# Pub/Sub forwards undeliverable messages as its service agent: it needs publish on the
# dead-letter topic and subscribe (to acknowledge the original) on each source subscription.
resource "google_pubsub_topic_iam_member" "pubsub_publishes_dead_letters" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_subscription_iam_member" "pubsub_acks_dead_letters" {
  for_each = local.functions

  subscription = google_pubsub_subscription.push[each.key].id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# --- Log and object sources --------------------------------------------------------------------

# The sink's own writer identity may publish on the Media CDN topic and nowhere else.
resource "google_pubsub_topic_iam_member" "sink_publishes_media_cdn" {
  topic  = google_pubsub_topic.media_cdn_logs.id
  role   = "roles/pubsub.publisher"
  member = google_logging_project_sink.media_cdn.writer_identity
}

resource "google_pubsub_topic_iam_member" "gcs_publishes_uploads" {
  topic  = google_pubsub_topic.edgeone_logs.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

# Optional EdgeOne uploader (S3-compatible push with an HMAC key): create objects, nothing else.
resource "google_service_account" "edgeone_uploader" {
  count = var.create_edgeone_hmac_key ? 1 : 0

  account_id   = "${var.name_prefix}-edgeone-upload"
  display_name = "cdnlog EdgeOne log uploader"
  description  = "Owns the HMAC key EdgeOne uses to push log files into the upload bucket"

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_iam_member" "edgeone_uploader_creates_objects" {
  count = var.create_edgeone_hmac_key ? 1 : 0

  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.edgeone_uploader[0].email}"
}
