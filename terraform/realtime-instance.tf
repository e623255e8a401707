# Realtime without the request fee: media_cdn_delivery = "realtime" with
# media_cdn_realtime_billing = "instance". The same function code and framework, deployed as a Cloud
# Run service built from the same source zip (build_config with a function target, google provider
# >= 6.18) instead of a gen2 function, because only a Cloud Run service can turn on instance-based
# billing (cpu_idle = false): no $0.40 per million requests, the instance's whole life billed instead
# (at least 1 vCPU, at least one instance kept). `cdnlog cost` prices it as realtime-instance.
# Its push subscription, invoker grant and alerts are the same as a function's (local.function_uri,
# local.function_service in functions.tf).

locals {
  instance_billed_functions = var.media_cdn_delivery == "realtime" && var.media_cdn_realtime_billing == "instance" ? { media_cdn = local.media_cdn_function["media_cdn"] } : {}
}

resource "google_cloud_run_v2_service" "instance_billed" {
  for_each = local.instance_billed_functions

  name        = local.function_names[each.key]
  location    = var.region
  description = "cdnlog: ${each.value.entry_point} (Pub/Sub push from ${each.value.topic_name}), instance-based billing"
  labels      = local.labels
  # function_ingress in Cloud Run's words.
  ingress = {
    ALLOW_ALL               = "INGRESS_TRAFFIC_ALL"
    ALLOW_INTERNAL_ONLY     = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    ALLOW_INTERNAL_AND_GCLB = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
  }[var.function_ingress]

  deletion_protection = false

  # Cloud Build builds the zip with Google's Node.js 22 buildpack and the functions framework target,
  # as Cloud Functions would; the image below is replaced by the build's.
  build_config {
    source_location = "gs://${google_storage_bucket.function_source.name}/${google_storage_bucket_object.function_source.name}"
    function_target = each.value.entry_point
    base_image      = "${var.region}-docker.pkg.dev/serverless-runtimes/google-22-full/runtimes/nodejs22"
    service_account = google_service_account.build.id
  }

  template {
    service_account                  = google_service_account.runtime.email
    timeout                          = "${var.function_timeout_seconds}s"
    max_instance_request_concurrency = var.function_concurrency

    scaling {
      # A CDN is never idle: keep one instance, so the per-instance bill is what `cdnlog cost` says.
      min_instance_count = 1
      max_instance_count = var.function_max_instances
    }

    containers {
      image          = "us-docker.pkg.dev/cloudrun/container/hello"
      base_image_uri = "${var.region}-docker.pkg.dev/serverless-runtimes/google-22-full/runtimes/nodejs22"

      resources {
        # Instance-based billing: CPU allocated for the instance's whole life, no per-request fee.
        cpu_idle          = false
        startup_cpu_boost = true
        limits = {
          # Instance-based billing needs at least 1 vCPU (function_cpu's validation allows below 1
          # only with concurrency 1).
          cpu    = tonumber(var.function_cpu) < 1 ? "1" : var.function_cpu
          memory = var.function_memory
        }
      }

      dynamic "env" {
        for_each = local.function_env
        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }

  depends_on = [google_project_service.enabled, time_sleep.build_roles_propagate]
}
