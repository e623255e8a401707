# Topics and subscriptions. Every message ends in exactly one of: acknowledged by a function
# (rows or ingest_errors rows written), or the dead-letter topic, whose subscription keeps it 7 days.

# The sink publishes here in the realtime and batched modes (media-cdn-delivery.tf).
resource "google_pubsub_topic" "media_cdn_logs" {
  count = local.media_cdn_via_topic ? 1 : 0

  name   = "${var.name_prefix}-media-cdn-logs"
  labels = local.labels

  kms_key_name = var.kms_key_name

  depends_on = [google_project_service.enabled, google_kms_crypto_key_iam_member.agents_use_key]
}

resource "google_pubsub_topic" "edgeone_logs" {
  name   = "${var.name_prefix}-edgeone-logs"
  labels = local.labels

  kms_key_name = var.kms_key_name

  depends_on = [google_project_service.enabled, google_kms_crypto_key_iam_member.agents_use_key]
}

resource "google_pubsub_topic" "dead_letter" {
  name   = "${var.name_prefix}-dead-letter"
  labels = local.labels

  kms_key_name = var.kms_key_name

  depends_on = [google_project_service.enabled, google_kms_crypto_key_iam_member.agents_use_key]
}

# One push subscription per function, instead of the function's own event_trigger: Eventarc's
# managed subscription takes no dead-letter policy, so a message that keeps failing would expire
# silently. The path /projects/P/topics/T is how the functions framework learns the CloudEvent
# source when it converts the raw push body into a messagePublished CloudEvent.
resource "google_pubsub_subscription" "push" {
  for_each = local.functions

  name   = "${var.name_prefix}-${replace(each.key, "_", "-")}-push"
  topic  = each.value.topic_id
  labels = local.labels

  # Pub/Sub waits this long for the HTTP response; never shorter than the function may run.
  ack_deadline_seconds       = var.function_timeout_seconds
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = "${local.function_uri[each.key]}/projects/${var.project_id}/topics/${each.value.topic_name}"

    oidc_token {
      service_account_email = google_service_account.push_invoker[each.key].email
      # Cloud Run checks the token audience against the service URL, not the URL with our path.
      audience = local.function_uri[each.key]
    }
  }

  retry_policy {
    minimum_backoff = var.retry_minimum_backoff
    maximum_backoff = var.retry_maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  # Subscriptions without traffic expire after 31 days by default; a quiet CDN must not lose its subscription.
  expiration_policy {
    ttl = ""
  }

  # Pub/Sub checks the service agent's rights when the policy is set; grant them first.
  depends_on = [
    google_pubsub_topic_iam_member.pubsub_publishes_dead_letters,
    google_cloud_run_service_iam_member.push_invokes_function,
  ]
}

# Where dead letters rest until someone looks (alert in monitoring.tf) and replays them.
resource "google_pubsub_subscription" "dead_letter" {
  name   = "${var.name_prefix}-dead-letter"
  topic  = google_pubsub_topic.dead_letter.id
  labels = local.labels

  message_retention_duration = "604800s"
  retain_acked_messages      = true
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}
