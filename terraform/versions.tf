# Provider pins. google 7.x is the current major (7.0 moved service_config.service to an
# output-only attribute, which is how functions.tf and iam.tf use it); archive 2.x zips the staged
# function source; time 0.x waits for Cloud Monitoring to learn a new log-based metric.
terraform {
  # 1.9: variable validations that refer to other variables (CPU against concurrency, backoff order).
  required_version = ">= 1.9"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.13"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
