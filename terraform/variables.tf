# --- Where -------------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "Google Cloud project that receives the logs and runs the pipeline."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id: a project id (6-30 lower-case letters, digits and hyphens), not a number or a name."
  }
}

variable "region" {
  type        = string
  description = "Region of the Cloud Functions, the buckets and the push subscriptions' endpoints."
  default     = "us-central1"
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (service account ids add about 15 characters, so keep it short)."
  default     = "cdnlog"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,12}$", var.name_prefix))
    error_message = "name_prefix: 2-13 characters, lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every resource that takes labels."
  default     = {}
}

# --- BigQuery ----------------------------------------------------------------------------------

variable "bq_location" {
  type        = string
  description = "BigQuery dataset location (multi-region such as US or EU, or a region)."
  default     = "US"
}

variable "dataset_id" {
  type        = string
  description = "BigQuery dataset holding edge_logs, ingest_errors and the analyst views."
  default     = "cdnlog"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]+$", var.dataset_id)) && length(var.dataset_id) <= 1024
    error_message = "dataset_id: letters, digits and underscores only (the functions validate BQ_DATASET the same way)."
  }
}

variable "edge_logs_partition_expiration_days" {
  type        = number
  description = "Days a daily edge_logs partition is kept; null keeps partitions forever."
  default     = null

  validation {
    condition     = var.edge_logs_partition_expiration_days == null ? true : var.edge_logs_partition_expiration_days >= 1
    error_message = "edge_logs_partition_expiration_days must be at least 1, or null."
  }
}

variable "ingest_errors_partition_expiration_days" {
  type        = number
  description = "Days a daily ingest_errors partition is kept; null keeps partitions forever."
  default     = 90

  validation {
    condition     = var.ingest_errors_partition_expiration_days == null ? true : var.ingest_errors_partition_expiration_days >= 1
    error_message = "ingest_errors_partition_expiration_days must be at least 1, or null."
  }
}

variable "require_partition_filter" {
  type        = bool
  description = "Require a filter on event_time in every edge_logs query (cost guard; the views then need one too)."
  default     = false
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the BigQuery tables from terraform destroy / replacement."
  default     = true
}

variable "kms_key_name" {
  type        = string
  description = "Customer-managed Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K) for the topics, both buckets and the dataset; null uses Google-managed keys. The key's location must suit each resource (the buckets' region, the dataset's location)."
  default     = null

  validation {
    condition     = var.kms_key_name == null ? true : can(regex("^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$", var.kms_key_name))
    error_message = "kms_key_name must look like projects/P/locations/L/keyRings/R/cryptoKeys/K, or be null."
  }
}

# --- Sources -----------------------------------------------------------------------------------

variable "media_cdn_project_id" {
  type        = string
  description = "Project whose Media CDN services log the requests, when not project_id: the log sink (and the optional _Default exclusion) is created there. The deployer needs roles/logging.configWriter in it."
  default     = null

  validation {
    condition     = var.media_cdn_project_id == null ? true : can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.media_cdn_project_id))
    error_message = "media_cdn_project_id: a project id (6-30 lower-case letters, digits and hyphens), or null."
  }
}

variable "exclude_media_cdn_from_default_bucket" {
  type        = bool
  description = "Exclude the Media CDN request logs from the _Default log bucket: they reach BigQuery through the sink either way, and otherwise are stored and billed by Cloud Logging too ($0.50/GiB). They then no longer show in the Logs Explorer; false keeps them there."
  default     = true
}

variable "media_cdn_delivery" {
  type        = string
  description = "How Media CDN logs reach the function: realtime (push per entry, seconds), batched (Pub/Sub Cloud Storage subscription files, minutes) or hourly (Logging's hourly files in Cloud Storage). See media-cdn-delivery.tf and `cdnlog cost`."
  default     = "batched"

  validation {
    condition     = contains(["realtime", "batched", "hourly"], var.media_cdn_delivery)
    error_message = "media_cdn_delivery must be realtime, batched or hourly."
  }
}

variable "media_cdn_realtime_billing" {
  type        = string
  description = "realtime: request (a gen2 function, billed per request) or instance (a Cloud Run service built from the same source with cpu_idle = false: no request fee, at least one instance always billed). See realtime-instance.tf."
  default     = "request"

  validation {
    condition     = contains(["request", "instance"], var.media_cdn_realtime_billing)
    error_message = "media_cdn_realtime_billing must be request or instance."
  }
}

variable "media_cdn_batch_seconds" {
  type        = number
  description = "batched: the Cloud Storage subscription starts a new file at least this often (Pub/Sub's max_duration, 60 to 600)."
  default     = 300

  validation {
    condition     = var.media_cdn_batch_seconds >= 60 && var.media_cdn_batch_seconds <= 600
    error_message = "media_cdn_batch_seconds must be between 60 and 600 (Pub/Sub's max_duration limits)."
  }
}

variable "media_cdn_bucket_name" {
  type        = string
  description = "batched and hourly: the bucket Media CDN log files land in; null derives <project>-<prefix>-media-cdn."
  default     = null
}

variable "media_cdn_file_retention_days" {
  type        = number
  description = "batched and hourly: days a landed Media CDN log file is kept before lifecycle deletes it."
  default     = 1

  validation {
    condition     = var.media_cdn_file_retention_days >= 1
    error_message = "media_cdn_file_retention_days must be at least 1."
  }
}

variable "media_cdn_extra_filter" {
  type        = string
  description = "Optional extra Cloud Logging filter ANDed to the Media CDN sink filter, e.g. resource.labels.service_name=\"my-svc\"."
  default     = ""
}

variable "upload_bucket_name" {
  type        = string
  description = "Name of the bucket EdgeOne uploads to; null derives <project>-<prefix>-uploads."
  default     = null
}

variable "upload_retention_days" {
  type        = number
  description = "Days an uploaded log object stays in the upload bucket (it is in BigQuery by then)."
  default     = 30

  validation {
    condition     = var.upload_retention_days >= 1
    error_message = "upload_retention_days must be at least 1."
  }
}

variable "upload_soft_delete_days" {
  type        = number
  description = "Days a deleted or overwritten upload stays recoverable (Cloud Storage soft delete): 0 turns it off, else 7 to 90."
  default     = 7

  validation {
    condition     = var.upload_soft_delete_days == 0 || (var.upload_soft_delete_days >= 7 && var.upload_soft_delete_days <= 90)
    error_message = "upload_soft_delete_days must be 0 or between 7 and 90 (Cloud Storage's limits)."
  }
}

variable "edgeone_object_prefix" {
  type        = string
  description = "Only objects under this prefix notify the EdgeOne function, and the optional HMAC key may create objects only there; null means the whole bucket."
  default     = null
}

variable "create_edgeone_hmac_key" {
  type        = bool
  description = "Create a service account with objectCreator on the upload bucket and an HMAC key for EdgeOne's S3-compatible push."
  default     = false
}

# --- Functions ---------------------------------------------------------------------------------

variable "function_source_dir" {
  type        = string
  description = "Staged function source (package.json, package-lock.json, dist/); null means terraform/.build/function-source, which terraform/stage-function-source.sh fills."
  default     = null
}

variable "function_memory" {
  type        = string
  description = "Memory per function instance (Cloud Run quantity, e.g. 512Mi, 1Gi)."
  default     = "512Mi"

  validation {
    # Not local.function_memory_mib: a variable's own validation cannot go through a local.
    condition = try(
      length(regex("^[0-9]+(Mi|Gi)$", var.function_memory)) > 0 &&
      tonumber(regex("^[0-9]+", var.function_memory)) * (endswith(var.function_memory, "Gi") ? 1024 : 1) >= 128 &&
      tonumber(regex("^[0-9]+", var.function_memory)) * (endswith(var.function_memory, "Gi") ? 1024 : 1) <= 32768,
      false,
    )
    error_message = "function_memory must be a quantity in Mi or Gi between 128Mi and 32Gi, e.g. 512Mi or 2Gi."
  }
}

variable "function_max_heap_mb" {
  type        = number
  description = "V8 old-space cap per instance, MB (NODE_OPTIONS=--max-old-space-size). Keep it near 40% of function_memory: concurrent invocations, socket buffers and native memory need the rest. Memory stays flat whatever the upload size."
  default     = 192

  validation {
    condition     = var.function_max_heap_mb >= 64 && var.function_max_heap_mb < local.function_memory_mib
    error_message = "function_max_heap_mb must be at least 64 and below function_memory."
  }
}

variable "function_cpu" {
  type        = string
  description = "vCPUs per function instance: below 1 (e.g. 0.5) only with function_concurrency = 1 and at most 512Mi, else 1, 2, 4, 6 or 8 (more memory needs more CPU: over 4Gi 2, over 8Gi 4, over 16Gi 6, over 24Gi 8)."
  default     = "1"

  validation {
    # try(): a non-numeric value makes tonumber fail, which must read as "invalid", not as an error.
    condition = try(
      tonumber(var.function_cpu) < 1
      ? tonumber(var.function_cpu) >= 0.08 && var.function_concurrency == 1 && local.function_memory_mib <= 512
      : contains([1, 2, 4, 6, 8], tonumber(var.function_cpu)) && tonumber(var.function_cpu) >= (
        local.function_memory_mib > 24576 ? 8 : local.function_memory_mib > 16384 ? 6 : local.function_memory_mib > 8192 ? 4 : local.function_memory_mib > 4096 ? 2 : 1
      ),
      false,
    )
    error_message = "function_cpu: below 1 needs function_concurrency = 1 and function_memory <= 512Mi; otherwise 1, 2, 4, 6 or 8, and at least 2 over 4Gi, 4 over 8Gi, 6 over 16Gi, 8 over 24Gi."
  }
}

variable "function_max_instances" {
  type        = number
  description = "Upper bound on instances per function (caps BigQuery insert rate and cost)."
  default     = 20

  validation {
    condition     = var.function_max_instances >= 1 && var.function_max_instances <= 1000 && floor(var.function_max_instances) == var.function_max_instances
    error_message = "function_max_instances must be a whole number between 1 and 1000."
  }
}

variable "function_concurrency" {
  type        = number
  description = "Requests one function instance serves at once (max_instance_request_concurrency)."
  default     = 8

  validation {
    condition     = var.function_concurrency >= 1 && var.function_concurrency <= 1000
    error_message = "function_concurrency must be between 1 and 1000."
  }
}

variable "function_timeout_seconds" {
  type        = number
  description = "Function request timeout; the push subscriptions' ack deadline equals it, so at most 600."
  default     = 300

  validation {
    condition     = var.function_timeout_seconds >= 10 && var.function_timeout_seconds <= 600
    error_message = "function_timeout_seconds must be between 10 and 600 (the Pub/Sub ack deadline maximum)."
  }
}

variable "function_ingress" {
  type        = string
  description = "Ingress setting of the functions. Pub/Sub push from the same project is internal traffic, so nothing else needs to reach them; requests also need an OIDC token from the push service account."
  default     = "ALLOW_INTERNAL_ONLY"

  validation {
    condition     = contains(["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.function_ingress)
    error_message = "function_ingress must be ALLOW_ALL, ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB."
  }
}

# --- Delivery ----------------------------------------------------------------------------------

variable "retry_minimum_backoff" {
  type        = string
  description = "Shortest wait before Pub/Sub redelivers a message the function rejected (duration, e.g. 10s)."
  default     = "10s"

  validation {
    condition = try(
      length(regex("^[0-9]+(\\.[0-9]+)?s$", var.retry_minimum_backoff)) >= 0 && length(regex("^[0-9]+(\\.[0-9]+)?s$", var.retry_maximum_backoff)) >= 0 &&
      tonumber(trimsuffix(var.retry_minimum_backoff, "s")) <= tonumber(trimsuffix(var.retry_maximum_backoff, "s")),
      false,
    )
    error_message = "retry_minimum_backoff and retry_maximum_backoff are durations in seconds (e.g. 10s), the minimum not above the maximum."
  }
}

variable "retry_maximum_backoff" {
  type        = string
  description = "Longest wait between redeliveries (duration, at most 600s)."
  default     = "600s"

  validation {
    condition     = try(length(regex("^[0-9]+(\\.[0-9]+)?s$", var.retry_maximum_backoff)) >= 0 && tonumber(trimsuffix(var.retry_maximum_backoff, "s")) <= 600, false)
    error_message = "retry_maximum_backoff is a duration in seconds (e.g. 600s), at most 600s (Pub/Sub's limit)."
  }
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of one message before Pub/Sub moves it to the dead-letter topic."
  default     = 10

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub's limits)."
  }
}

# --- Alerting ----------------------------------------------------------------------------------

variable "alert_email" {
  type        = string
  description = "Email notified by every alert; null creates the alerts without a channel (they still open incidents in the console)."
  default     = null

  validation {
    condition     = var.alert_email == null ? true : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be one email address, or null."
  }
}

variable "backlog_age_alert_seconds" {
  type        = number
  description = "Alert when a push subscription's oldest unacknowledged message is older than this. Messages past the 7-day retention expire without reaching the dead-letter topic."
  default     = 3600

  validation {
    condition     = var.backlog_age_alert_seconds >= 60 && var.backlog_age_alert_seconds < 604800
    error_message = "backlog_age_alert_seconds must be at least 60 and below 604800 (the 7-day retention)."
  }
}

variable "log_metric_wait" {
  type        = string
  description = "How long the first apply waits between creating the dead_lettered log-based metric and the alert on it: Cloud Monitoring answers \"Cannot find metric(s)\" for a new metric for up to ten minutes."
  default     = "600s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.log_metric_wait))
    error_message = "log_metric_wait is a duration in whole seconds, e.g. 600s."
  }
}

# --- EdgeOne real-time log push (terraform/edgeone-push.tf) ---------------------------------------

variable "enable_edgeone_push" {
  type        = bool
  description = "Deploy edgeonePush, the public HTTPS endpoint EdgeOne's real-time log push task sends batches to (authenticated by a secret header)."
  default     = false
}

variable "edgeone_push_secret" {
  type        = string
  description = "The value EdgeOne sends in the edgeone_push_header header (at least 16 printable ASCII characters; e.g. openssl rand -hex 32). Required when enable_edgeone_push; stored in Secret Manager and in the Terraform state. A new value adds a new secret version."
  default     = null
  sensitive   = true

  validation {
    condition     = var.edgeone_push_secret == null || can(regex("^[!-~]{16,}$", var.edgeone_push_secret))
    error_message = "edgeone_push_secret: at least 16 printable ASCII characters, no spaces."
  }
}

variable "edgeone_push_previous_secret_version" {
  type        = string
  description = "During a rotation, the Secret Manager version number of the value being replaced: it stays accepted until this is set back to null."
  default     = null

  validation {
    condition     = var.edgeone_push_previous_secret_version == null || can(regex("^[0-9]+$", var.edgeone_push_previous_secret_version))
    error_message = "edgeone_push_previous_secret_version: a version number such as \"3\", or null."
  }
}

variable "edgeone_push_header" {
  type        = string
  description = "Name of the custom HTTP header that carries the secret (set it in the EdgeOne task)."
  default     = "X-Cdnlog-Token"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,64}$", var.edgeone_push_header))
    error_message = "edgeone_push_header: letters, digits and hyphens, at most 64."
  }
}

variable "edgeone_push_max_instances" {
  type        = number
  description = "Upper bound on edgeonePush instances (caps what a flood of requests can cost)."
  default     = 10

  validation {
    condition     = var.edgeone_push_max_instances >= 1 && var.edgeone_push_max_instances <= 1000
    error_message = "edgeone_push_max_instances must be between 1 and 1000."
  }
}

variable "edgeone_push_401_alert_threshold" {
  type        = number
  description = "401 responses in 5 minutes above which the EdgeOne push alert fires."
  default     = 20

  validation {
    condition     = var.edgeone_push_401_alert_threshold >= 0
    error_message = "edgeone_push_401_alert_threshold must not be negative."
  }
}

variable "bq_write_method" {
  type        = string
  description = "How the functions write rows: \"storage\" (the Storage Write API over gRPC: half insertAll's price, the first 2 TiB a month free, uploaded objects committed exactly once; redelivered Pub/Sub messages can repeat rows, which the edge_logs_dedup view folds) or \"insertall\" (legacy tabledata.insertAll: best-effort insertId dedup of redelivered messages)."
  default     = "storage"

  validation {
    condition     = contains(["storage", "insertall"], var.bq_write_method)
    error_message = "bq_write_method must be \"storage\" or \"insertall\"."
  }
}
