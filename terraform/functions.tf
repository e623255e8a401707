# The two CloudEvent functions, built by Cloud Build from a zip of the staged source
# (terraform/stage-function-source.sh: package.json, package-lock.json, the compiled dist/).

resource "google_storage_bucket" "function_source" {
  # Separate from the upload bucket: the upload bucket notifies the EdgeOne topic on every object.
  name     = "${var.project_id}-${var.name_prefix}-function-source"
  location = var.region
  labels   = local.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # Cloud Functions copies the zip at deploy time; old builds are only clutter. If the current one
  # ages out, the next plan re-uploads it under the same name and the functions stay as they are.
  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type = "Delete"
    }
  }

  # Every object here can be rebuilt from the repository: nothing to recover.
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

data "archive_file" "function_source" {
  type        = "zip"
  source_dir  = local.function_source
  output_path = "${path.module}/.build/function-source.zip"
  # Fixed modes: the same code zips to the same hash (object name) whatever the checkout's umask.
  output_file_mode = "0644"
}

resource "google_storage_bucket_object" "function_source" {
  # Content-addressed name: a changed build gives a new object, and the functions redeploy.
  name   = "function-source-${data.archive_file.function_source.output_md5}.zip"
  bucket = google_storage_bucket.function_source.name
  source = data.archive_file.function_source.output_path
}

locals {
  # DEPLOYED_ENV_VARS and RUNTIME_ENV_VARS of shared/config/env.ts, plus NODE_ENV
  # (test/terraform.test.ts checks the plan against those lists). The same for every handler.
  function_env = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    BQ_DATASET           = google_bigquery_dataset.logs.dataset_id
    BQ_TABLE             = google_bigquery_table.edge_logs.table_id
    BQ_ERRORS_TABLE      = google_bigquery_table.ingest_errors.table_id
    BQ_COMMITS_TABLE     = google_bigquery_table.ingest_commits.table_id
    BQ_WRITE_METHOD      = var.bq_write_method
    UPLOAD_BUCKET        = google_storage_bucket.uploads.name
    MEDIA_CDN_BUCKET     = local.media_cdn_files ? local.media_cdn_bucket : ""
    # hourly: mediaCdnFiles lands each file with a free load job (media-cdn-delivery.tf says why only hourly).
    MEDIA_CDN_FILES_LOAD = local.media_cdn_load_jobs ? "load_job" : "stream"
    LOAD_STAGING_BUCKET  = local.media_cdn_load_jobs ? local.media_cdn_load_staging : ""
    BQ_LOCATION          = google_bigquery_dataset.logs.location
    # V8 sizes its heap from the host, not from the instance's memory: cap it (see variables.tf).
    NODE_OPTIONS = "--max-old-space-size=${var.function_max_heap_mb}"
    # Express (under the functions framework) answers an error with an HTML stack trace unless
    # it runs in production mode.
    NODE_ENV = "production"
  }

  # Handlers deployed as gen2 functions (billed per request); the rest run as Cloud Run services
  # billed per instance (realtime-instance.tf).
  request_billed_functions = { for key, fn in local.functions : key => fn if !contains(keys(local.instance_billed_functions), key) }

  # Each handler's URL and Cloud Run service name, whichever way it is deployed.
  function_uri     = merge({ for key, fn in google_cloudfunctions2_function.ingest : key => fn.service_config[0].uri }, { for key, svc in google_cloud_run_v2_service.instance_billed : key => svc.uri })
  function_service = merge({ for key, fn in google_cloudfunctions2_function.ingest : key => fn.service_config[0].service }, { for key, svc in google_cloud_run_v2_service.instance_billed : key => svc.name })
}

resource "google_cloudfunctions2_function" "ingest" {
  for_each = local.request_billed_functions

  name        = local.function_names[each.key]
  location    = var.region
  description = "cdnlog: ${each.value.entry_point} (Pub/Sub push from ${each.value.topic_name})"
  labels      = local.labels

  build_config {
    runtime         = "nodejs22"
    entry_point     = each.value.entry_point
    service_account = google_service_account.build.id

    source {
      storage_source {
        bucket = google_storage_bucket.function_source.name
        object = google_storage_bucket_object.function_source.name
      }
    }
  }

  service_config {
    available_memory                 = var.function_memory
    available_cpu                    = var.function_cpu
    max_instance_count               = var.function_max_instances
    max_instance_request_concurrency = var.function_concurrency
    timeout_seconds                  = var.function_timeout_seconds
    ingress_settings                 = var.function_ingress
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.runtime.email

    environment_variables = local.function_env
  }

  # No event_trigger: google_pubsub_subscription.push delivers (see pubsub.tf for why).

  depends_on = [google_project_service.enabled, time_sleep.build_roles_propagate]
}
