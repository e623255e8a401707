# Alerts for every way a record can be late or miss edge_logs: a push backlog that ages (messages
# past retention expire without reaching the dead-letter topic), the dead-letter backlog, records
# written to ingest_errors, the Media CDN sink failing to export, and function 5xx (each one is a
# retried delivery). Each alert carries documentation and closes itself once the condition clears.

resource "google_monitoring_notification_channel" "email" {
  count = var.alert_email == null ? 0 : 1

  display_name = "cdnlog alerts"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }

  depends_on = [google_project_service.enabled]
}

locals {
  # The filter clause selecting the push subscriptions (and, batched, the Cloud Storage subscription
  # writing the Media CDN files: if it cannot write, its backlog ages the same way) / the functions'
  # Cloud Run services.
  push_subscription_ids = "one_of(${join(", ", [for s in concat(values(google_pubsub_subscription.push), google_pubsub_subscription.media_cdn_to_files) : "\"${s.name}\""])})"
  function_service_ids  = "one_of(${join(", ", [for name in values(local.function_names) : "\"${name}\""])})"

  alert_auto_close = "1800s"
}

resource "google_monitoring_alert_policy" "push_backlog_age" {
  display_name          = "cdnlog: push backlog older than ${var.backlog_age_alert_seconds}s"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id

  conditions {
    display_name = "Oldest unacked message age on a push subscription > ${var.backlog_age_alert_seconds}s"

    condition_threshold {
      filter = join(" AND ", [
        "resource.type=\"pubsub_subscription\"",
        "resource.labels.subscription_id=${local.push_subscription_ids}",
        "metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = var.backlog_age_alert_seconds
      duration        = "300s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  alert_strategy {
    auto_close = local.alert_auto_close
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      A cdnlog push subscription holds a message older than ${var.backlog_age_alert_seconds}s: the
      function keeps failing it (retried with backoff until ${var.max_delivery_attempts} attempts, then
      dead-lettered), or cannot keep up (raise `function_max_instances`). Messages are kept 7 days;
      a message still undelivered then **expires without reaching the dead-letter topic**. Check the
      functions' logs and the 5xx alert.
    EOT
  }

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "dead_letters" {
  display_name          = "cdnlog: messages in the dead-letter subscription"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id

  conditions {
    display_name = "Undelivered messages in ${google_pubsub_subscription.dead_letter.name} > 0"

    condition_threshold {
      filter = join(" AND ", [
        "resource.type=\"pubsub_subscription\"",
        "resource.labels.subscription_id=\"${google_pubsub_subscription.dead_letter.name}\"",
        "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  alert_strategy {
    auto_close = local.alert_auto_close
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      Pub/Sub gave up delivering a message to a cdnlog function after ${var.max_delivery_attempts}
      attempts and moved it to `${google_pubsub_topic.dead_letter.name}`. The message is kept for
      7 days in the subscription `${google_pubsub_subscription.dead_letter.name}`; its attribute
      `CloudPubSubDeadLetterSourceSubscription` names the source. See terraform/README.md, "Dead letters".
    EOT
  }

  depends_on = [google_project_service.enabled]
}

# Cloud Monitoring refuses an alert on a log-based metric it does not know yet ("Cannot find
# metric(s)"), which lasts up to ten minutes after the metric is created: wait once, on create.
resource "time_sleep" "log_metric_known" {
  create_duration = var.log_metric_wait

  triggers = {
    metric = google_logging_metric.dead_lettered.id
  }
}

resource "google_monitoring_alert_policy" "ingest_errors" {
  display_name          = "cdnlog: records written to ingest_errors"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id

  conditions {
    display_name = "Function log entries with dead_lettered > 0"

    condition_threshold {
      filter = join(" AND ", [
        "resource.type=\"cloud_run_revision\"",
        "metric.type=\"logging.googleapis.com/user/${google_logging_metric.dead_lettered.name}\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  alert_strategy {
    auto_close = local.alert_auto_close
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      A cdnlog function could not turn some records into edge_logs rows and wrote them to
      `${var.dataset_id}.ingest_errors` (stage and reason per row). Nothing was dropped; query the
      table for the latest error_time partitions to see why, fix, and `cdnlog replay`.
    EOT
  }

  depends_on = [time_sleep.log_metric_known]
}

resource "google_monitoring_alert_policy" "sink_export_errors" {
  display_name          = "cdnlog: Media CDN log sink export errors"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id

  conditions {
    display_name = "Export errors of sink ${google_logging_project_sink.media_cdn.name} > 0"

    condition_threshold {
      filter = join(" AND ", [
        "resource.type=\"logging_sink\"",
        "resource.labels.name=\"${google_logging_project_sink.media_cdn.name}\"",
        "metric.type=\"logging.googleapis.com/exports/error_count\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  alert_strategy {
    auto_close = local.alert_auto_close
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      The log sink `${google_logging_project_sink.media_cdn.name}` (project ${local.media_cdn_project})
      failed to export Media CDN request logs to the ${local.media_cdn_via_topic ? "topic `${google_pubsub_topic.media_cdn_logs[0].name}`" : "bucket `${local.media_cdn_bucket}`"}. Those
      entries are **not** retried by Logging. Usual cause: the sink's writer identity lost
      `roles/pubsub.publisher` on the topic (`roles/storage.objectCreator` on the bucket), or the
      destination is gone. See the sink's errors in the
      Logs Router page.
    EOT
  }

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "function_errors" {
  display_name          = "cdnlog: functions answering 5xx"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id

  conditions {
    display_name = "5xx responses from a cdnlog function, for 10 minutes"

    condition_threshold {
      filter = join(" AND ", [
        "resource.type=\"cloud_run_revision\"",
        "resource.labels.service_name=${local.function_service_ids}",
        "metric.type=\"run.googleapis.com/request_count\"",
        "metric.labels.response_code_class=\"5xx\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "600s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  alert_strategy {
    auto_close = local.alert_auto_close
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      A cdnlog function has answered 5xx for 10 minutes: a transient failure (BigQuery or Cloud
      Storage unavailable, throttled) that Pub/Sub keeps retrying, or a deployment problem (bad
      configuration fails every cold start). Check the function logs. Undelivered messages go to
      the dead-letter topic after ${var.max_delivery_attempts} attempts.
    EOT
  }

  depends_on = [google_project_service.enabled]
}
