# Media CDN request logs: a Cloud Logging sink to Pub/Sub (one LogEntry per message) or, in the
# hourly mode, to a bucket (media-cdn-delivery.tf).

locals {
  # Both terms: the resource type selects Media CDN, the log name selects the request log
  # (logName carries the URL-encoded log id edgecache.googleapis.com%2Fedge_cache_request).
  media_cdn_filter = join(" AND ", compact([
    "resource.type=\"edgecache.googleapis.com/EdgeCacheRouteRule\"",
    "logName=\"projects/${local.media_cdn_project}/logs/edgecache.googleapis.com%2Fedge_cache_request\"",
    var.media_cdn_extra_filter == "" ? "" : "(${var.media_cdn_extra_filter})",
  ]))
}

# In the project that serves the Media CDN traffic (by default, this one).
resource "google_logging_project_sink" "media_cdn" {
  project     = local.media_cdn_project
  name        = "${var.name_prefix}-media-cdn-requests"
  description = "Media CDN request logs to cdnlog (${var.media_cdn_delivery} delivery)"
  destination = local.media_cdn_sink_destination
  filter      = local.media_cdn_filter

  # A dedicated writer identity, granted publish on this one topic only (iam.tf).
  unique_writer_identity = true
}

# By default, keep the same entries out of the _Default log bucket, where they would be stored and
# billed a second time ($0.50/GiB: more than the rest of the pipeline). A project exclusion applies to the _Default sink only: the export above is
# unaffected.
resource "google_logging_project_exclusion" "media_cdn_from_default" {
  count = var.exclude_media_cdn_from_default_bucket ? 1 : 0

  project     = local.media_cdn_project
  name        = "${var.name_prefix}-media-cdn-requests"
  description = "Media CDN request logs go to BigQuery through the ${google_logging_project_sink.media_cdn.name} sink"
  filter      = local.media_cdn_filter
}

# Counts the functions' structured log lines that report dead-lettered records (records that
# went to ingest_errors). The functions log JSON with a numeric field dead_lettered.
resource "google_logging_metric" "dead_lettered" {
  name        = "${var.name_prefix}_dead_lettered"
  description = "cdnlog function log entries reporting records written to ingest_errors"
  filter = join(" AND ", [
    "resource.type=\"cloud_run_revision\"",
    "resource.labels.service_name=(${join(" OR ", [for name in values(local.function_names) : "\"${name}\""])})",
    "jsonPayload.dead_lettered>0",
  ])

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }

  depends_on = [google_project_service.enabled]
}
