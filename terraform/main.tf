# Project-level pieces every other file uses: the APIs, the project number (service agent
# addresses) and the names derived from var.name_prefix.

locals {
  # One Cloud Function per CloudEvent entry point exported by dist/functions/index.js
  # (functions/entry-points.ts), each fed by its own topic. The key names the function.
  # The Media CDN one depends on var.media_cdn_delivery (media-cdn-delivery.tf).
  functions = merge(local.media_cdn_function, {
    edgeone = {
      entry_point = "edgeoneLogs"
      topic_id    = google_pubsub_topic.edgeone_logs.id
      topic_name  = google_pubsub_topic.edgeone_logs.name
    }
  })

  # Cloud Run service names equal function names; the log-based metric filters on them.
  function_names = { for key, _ in local.functions : key => "${var.name_prefix}-${replace(key, "_", "-")}" }

  upload_bucket_name = coalesce(var.upload_bucket_name, "${var.project_id}-${var.name_prefix}-uploads")
  function_source    = coalesce(var.function_source_dir, "${path.module}/.build/function-source")

  # The project whose Media CDN services log the requests (the log sink lives there).
  media_cdn_project = coalesce(var.media_cdn_project_id, var.project_id)

  # function_memory in MiB, for the variable validations (0 when it is not a Mi/Gi quantity).
  function_memory_mib = try(tonumber(regex("^[0-9]+", var.function_memory)) * (endswith(var.function_memory, "Gi") ? 1024 : 1), 0)

  # Pub/Sub's service agent: it writes to the dead-letter topic and mints push OIDC tokens.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  labels = merge({ app = "cdnlog" }, var.labels)
}

data "google_project" "this" {
  project_id = var.project_id

  # Reading a project needs the Cloud Resource Manager API, which a new project may not have on.
  depends_on = [google_project_service.enabled]
}

# Eventarc is deliberately absent: delivery uses our own push subscriptions (see README, Design).
resource "google_project_service" "enabled" {
  for_each = toset(concat([
    "artifactregistry.googleapis.com", # function container images
    "bigquery.googleapis.com",
    "cloudbuild.googleapis.com", # builds the function source
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com", # data.google_project, project-level grants
    "iam.googleapis.com",                  # service accounts, custom role, HMAC key owner
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com", # gen2 functions are Cloud Run services
    "storage.googleapis.com",
  ], var.kms_key_name == null ? [] : ["cloudkms.googleapis.com"]))

  project = var.project_id
  service = each.value
  # Destroying this module must not switch APIs off for everything else in the project.
  disable_on_destroy = false
}
