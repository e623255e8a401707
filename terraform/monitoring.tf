# Alerts for the two ways a record can fail to reach edge_logs without being lost:
# its message went to the dead-letter topic, or the function wrote it to ingest_errors.

resource "google_monitoring_notification_channel" "email" {
  count = var.alert_email == null ? 0 : 1

  display_name = "cdnlog alerts"
  type         = "email"
  labels = {
    email_address = var.alert_email
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

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      A cdnlog function could not turn some records into edge_logs rows and wrote them to
      `${var.dataset_id}.ingest_errors` (stage and reason per row). Nothing was dropped; query the
      table for the latest error_time partitions to see why.
    EOT
  }
}
