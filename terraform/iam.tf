# Identities and grants, each on the narrowest resource that works. No primitive roles.

# --- Function runtime --------------------------------------------------------------------------

resource "google_service_account" "runtime" {
  account_id   = "${var.name_prefix}-runtime"
  display_name = "cdnlog functions runtime"
  description  = "Runs the cdnlog Cloud Functions: streams rows into one dataset, reads uploads"

  depends_on = [google_project_service.enabled]
}

# The functions write rows (the Storage Write API, or tabledata.insertAll), which needs
# bigquery.tables.updateData on the table and nothing else: the same permission creates, appends
# to, finalizes and commits write streams. Predefined roles that include it (dataEditor) can also
# delete the table, so the role is this one permission, granted per table.
resource "google_project_iam_custom_role" "table_writer" {
  role_id     = "${replace(var.name_prefix, "-", "_")}_table_writer"
  title       = "cdnlog table writer"
  description = "Writes rows into a BigQuery table (Storage Write API, tabledata.insertAll); cannot read, alter or delete it"
  permissions = ["bigquery.tables.updateData"]

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_table_iam_member" "runtime_writes_tables" {
  for_each = {
    edge_logs     = google_bigquery_table.edge_logs.table_id
    ingest_errors = google_bigquery_table.ingest_errors.table_id
    # The record of committed objects, written to its _default stream.
    ingest_commits = google_bigquery_table.ingest_commits.table_id
  }

  dataset_id = google_bigquery_dataset.logs.dataset_id
  table_id   = each.value
  role       = google_project_iam_custom_role.table_writer.id
  member     = "serviceAccount:${google_service_account.runtime.email}"
}

# Before loading an uploaded object, the functions ask whether an earlier delivery already committed
# it: a SELECT on ingest_commits (shared/sink/storage-write/commit-log.ts). A query is a job, so the
# account needs bigquery.jobs.create on the project (roles/bigquery.jobUser: run jobs, read none of
# their data) and bigquery.tables.getData on that one table (the one-permission role below). No
# other table can be read.
resource "google_project_iam_member" "runtime_runs_commit_lookups" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.runtime.email}"
}

resource "google_project_iam_custom_role" "table_reader" {
  role_id     = "${replace(var.name_prefix, "-", "_")}_table_reader"
  title       = "cdnlog table reader"
  description = "Reads the rows of a BigQuery table in a query; cannot write, alter or delete it"
  permissions = ["bigquery.tables.getData"]

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_table_iam_member" "runtime_reads_commits" {
  dataset_id = google_bigquery_dataset.logs.dataset_id
  table_id   = google_bigquery_table.ingest_commits.table_id
  role       = google_project_iam_custom_role.table_reader.id
  member     = "serviceAccount:${google_service_account.runtime.email}"
}

# The EdgeOne function reads the uploaded object named in each notification.
resource "google_storage_bucket_iam_member" "runtime_reads_uploads" {
  bucket = google_storage_bucket.uploads.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.runtime.email}"
}

# No logging role: Cloud Run collects the functions' stdout/stderr itself, and the code calls no
# Logging API.

# --- Function builds ---------------------------------------------------------------------------

# Cloud Build builds each function as this account instead of the project's default build account,
# which new projects no longer give the roles a build needs. The roles are the ones Google
# documents for a function's build account: build logs, the image in Artifact Registry, and the
# source Cloud Functions copies to its own gcf-v2-sources-* bucket (hence project level).
resource "google_service_account" "build" {
  account_id   = "${var.name_prefix}-build"
  display_name = "cdnlog function builds"
  description  = "Cloud Build runs the cdnlog function builds as this account"

  depends_on = [google_project_service.enabled]
}

resource "google_project_iam_member" "build" {
  for_each = toset([
    "roles/logging.logWriter",
    "roles/artifactregistry.writer",
    "roles/storage.objectAdmin",
  ])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.build.email}"
}

# IAM changes take up to a couple of minutes to reach every service; a build that starts before
# its account's roles do fails. Functions wait for this after the grants.
resource "time_sleep" "build_roles_propagate" {
  create_duration = "60s"

  triggers = {
    account = google_service_account.build.email
  }

  depends_on = [google_project_iam_member.build]
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
  service  = local.function_service[each.key]
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
  count = local.media_cdn_via_topic ? 1 : 0

  topic  = google_pubsub_topic.media_cdn_logs[0].id
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

  # With a prefix, only object names under it (the bucket has uniform access, so conditions apply).
  dynamic "condition" {
    for_each = var.edgeone_object_prefix == null ? [] : [var.edgeone_object_prefix]
    content {
      title       = "edgeone-prefix-only"
      description = "Create objects under ${condition.value} only"
      expression  = "resource.name.startsWith(\"projects/_/buckets/${local.upload_bucket_name}/objects/${condition.value}\")"
    }
  }
}

# --- Customer-managed encryption (optional) ----------------------------------------------------

# The service agents that encrypt on our behalf: Pub/Sub (topics), Cloud Storage (buckets) and
# BigQuery (the dataset's tables). Each resource waits for its grant.
data "google_bigquery_default_service_account" "bq" {
  count   = var.kms_key_name == null ? 0 : 1
  project = var.project_id

  depends_on = [google_project_service.enabled]
}

resource "google_kms_crypto_key_iam_member" "agents_use_key" {
  for_each = var.kms_key_name == null ? {} : {
    pubsub   = local.pubsub_service_agent
    storage  = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
    bigquery = "serviceAccount:${data.google_bigquery_default_service_account.bq[0].email}"
  }

  crypto_key_id = var.kms_key_name
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = each.value
}
