# --- Where -------------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "Google Cloud project that receives the logs and runs the pipeline."
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
}

variable "ingest_errors_partition_expiration_days" {
  type        = number
  description = "Days a daily ingest_errors partition is kept; null keeps partitions forever."
  default     = 90
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

# --- Sources -----------------------------------------------------------------------------------

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

variable "edgeone_object_prefix" {
  type        = string
  description = "Only objects under this prefix notify the EdgeOne function; null notifies for every object."
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
}

variable "function_max_heap_mb" {
  type        = number
  description = "V8 old-space cap per instance, MB (NODE_OPTIONS=--max-old-space-size). Keep it near 40% of function_memory: concurrent invocations, socket buffers and native memory need the rest. Memory stays flat whatever the upload size."
  default     = 192

  validation {
    condition     = var.function_max_heap_mb >= 64
    error_message = "function_max_heap_mb must be at least 64."
  }
}

variable "function_cpu" {
  type        = string
  description = "vCPUs per function instance; per-instance concurrency above 1 needs at least 1."
  default     = "1"
}

variable "function_max_instances" {
  type        = number
  description = "Upper bound on instances per function (caps BigQuery insert rate and cost)."
  default     = 20
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
  description = "Ingress setting of the functions. Requests still need an OIDC token from the push service account."
  default     = "ALLOW_ALL"

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
}

variable "retry_maximum_backoff" {
  type        = string
  description = "Longest wait between redeliveries (duration, at most 600s)."
  default     = "600s"
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
  description = "Email notified by the dead-letter and ingest-error alerts; null creates the alerts without a channel."
  default     = null
}
