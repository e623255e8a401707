# EdgeOne real-time log push, received directly (functions/edgeone-push.ts): EdgeOne's push task
# POSTs each batch to the `edgeonePush` function, which checks a secret header and publishes the
# batch to the EdgeOne topic, where `edgeoneLogs` lands it like any other message. Off unless
# enable_edgeone_push. EdgeOne cannot mint Google identity tokens, so the service admits every
# caller (allUsers may invoke) and the secret header is the only authentication.

locals {
  edgeone_push = var.enable_edgeone_push ? 1 : 0
  # Its Cloud Run service has the same name; the alert filters on it.
  edgeone_push_function_name = "${var.name_prefix}-edgeone-push"
}

# Apart from the project's API list (main.tf): only this optional piece needs Secret Manager.
resource "google_project_service" "secret_manager" {
  count = local.edgeone_push

  project            = var.project_id
  service            = "secretmanager.googleapis.com"
  disable_on_destroy = false
}

# --- The secret ---------------------------------------------------------------------------------

resource "google_secret_manager_secret" "edgeone_push" {
  count = local.edgeone_push

  secret_id = "${var.name_prefix}-edgeone-push-secret"
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.secret_manager]
}

# The current value. A new var.edgeone_push_secret replaces this resource with a new version; the
# old version is abandoned, not destroyed, so it stays valid while a rotation is under way (README,
# "Rotating the secret"). The value is in the Terraform state, as the HMAC secret is: keep the
# state private.
resource "google_secret_manager_secret_version" "edgeone_push" {
  count = local.edgeone_push

  secret          = google_secret_manager_secret.edgeone_push[0].id
  secret_data     = var.edgeone_push_secret
  deletion_policy = "ABANDON"

  lifecycle {
    precondition {
      condition     = var.edgeone_push_secret != null
      error_message = "enable_edgeone_push needs edgeone_push_secret (e.g. -var edgeone_push_secret=\"$(openssl rand -hex 32)\")."
    }
  }
}

# --- Identity: publish on the EdgeOne topic and read the one secret; nothing else ----------------

resource "google_service_account" "edgeone_push" {
  count = local.edgeone_push

  account_id   = "${var.name_prefix}-edgeone-push"
  display_name = "cdnlog EdgeOne push receiver"
  description  = "Runs edgeonePush: reads its secret, publishes pushed batches to the EdgeOne topic"

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic_iam_member" "edgeone_push_publishes" {
  count = local.edgeone_push

  topic  = google_pubsub_topic.edgeone_logs.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.edgeone_push[0].email}"
}

resource "google_secret_manager_secret_iam_member" "edgeone_push_reads_secret" {
  count = local.edgeone_push

  secret_id = google_secret_manager_secret.edgeone_push[0].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.edgeone_push[0].email}"
}

# --- The function -------------------------------------------------------------------------------

resource "google_cloudfunctions2_function" "edgeone_push" {
  count = local.edgeone_push

  name        = local.edgeone_push_function_name
  location    = var.region
  description = "cdnlog: edgeonePush (EdgeOne real-time log push over HTTPS, to ${google_pubsub_topic.edgeone_logs.name})"
  labels      = local.labels

  build_config {
    runtime         = "nodejs22"
    entry_point     = "edgeonePush"
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
    max_instance_count               = var.edgeone_push_max_instances
    max_instance_request_concurrency = var.function_concurrency
    # A publish is acknowledged in milliseconds; the client's own retries give up well before this.
    timeout_seconds                = 60
    ingress_settings               = "ALLOW_ALL" # EdgeOne's edge nodes call from the internet
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.edgeone_push[0].email

    environment_variables = {
      # The same package serves every function, and it checks these settings at load
      # (shared/config/settings.ts); this function never writes to BigQuery nor reads the bucket,
      # and has no role on either.
      # NODE_ENV: Express answers errors without a stack trace (functions.tf).
      GOOGLE_CLOUD_PROJECT = var.project_id
      BQ_DATASET           = google_bigquery_dataset.logs.dataset_id
      BQ_TABLE             = google_bigquery_table.edge_logs.table_id
      BQ_ERRORS_TABLE      = google_bigquery_table.ingest_errors.table_id
      UPLOAD_BUCKET        = google_storage_bucket.uploads.name
      NODE_OPTIONS         = "--max-old-space-size=${var.function_max_heap_mb}"
      NODE_ENV             = "production"
      # EdgeonePushEnv (shared/config/env.ts)
      EDGEONE_TOPIC       = google_pubsub_topic.edgeone_logs.id
      EDGEONE_PUSH_HEADER = var.edgeone_push_header
    }

    # Pinned versions, not "latest": a rotation is a Terraform change that rolls out a revision
    # knowing both values, never a value that changes under running instances.
    secret_environment_variables {
      key        = "EDGEONE_PUSH_SECRET"
      project_id = var.project_id
      secret     = google_secret_manager_secret.edgeone_push[0].secret_id
      version    = google_secret_manager_secret_version.edgeone_push[0].version
    }

    dynamic "secret_environment_variables" {
      for_each = var.edgeone_push_previous_secret_version == null ? [] : [var.edgeone_push_previous_secret_version]
      content {
        key        = "EDGEONE_PUSH_SECRET_PREVIOUS"
        project_id = var.project_id
        secret     = google_secret_manager_secret.edgeone_push[0].secret_id
        version    = secret_environment_variables.value
      }
    }
  }

  depends_on = [
    google_project_service.enabled,
    time_sleep.build_roles_propagate,
    google_secret_manager_secret_iam_member.edgeone_push_reads_secret,
  ]
}

# EdgeOne sends no Google identity token: anyone may invoke the service, and the function answers
# 401 to every request without the secret header.
resource "google_cloud_run_service_iam_member" "edgeone_push_public" {
  count = local.edgeone_push

  location = var.region
  service  = google_cloudfunctions2_function.edgeone_push[0].service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# --- Alert: someone without the secret keeps trying, or batches are being refused -----------------

resource "google_monitoring_alert_policy" "edgeone_push" {
  count = local.edgeone_push

  display_name          = "cdnlog: EdgeOne push receiver refusing or failing requests"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id

  conditions {
    display_name = "401 responses from ${local.edgeone_push_function_name} > ${var.edgeone_push_401_alert_threshold} in 5 min"

    condition_threshold {
      filter = join(" AND ", [
        "resource.type=\"cloud_run_revision\"",
        "resource.labels.service_name=\"${local.edgeone_push_function_name}\"",
        "metric.type=\"run.googleapis.com/request_count\"",
        "metric.labels.response_code=\"401\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = var.edgeone_push_401_alert_threshold
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  conditions {
    display_name = "5xx responses from ${local.edgeone_push_function_name} > 0 in 5 min"

    condition_threshold {
      filter = join(" AND ", [
        "resource.type=\"cloud_run_revision\"",
        "resource.labels.service_name=\"${local.edgeone_push_function_name}\"",
        "metric.type=\"run.googleapis.com/request_count\"",
        "metric.labels.response_code_class=\"5xx\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  alert_strategy {
    auto_close = local.alert_auto_close
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      `${local.edgeone_push_function_name}` answers 401 to requests without the secret header (a
      rotation that reached EdgeOne before Terraform, or someone probing the public URL) and 503 when
      Pub/Sub refused the batch (EdgeOne retries it). Its WARNING/ERROR log lines say which; the
      secret itself is never logged. See README, "EdgeOne real-time log push".
    EOT
  }

  depends_on = [google_project_service.enabled]
}
