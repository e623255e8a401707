# Every optional feature of terraform/ switched on: the second plan of test/terraform.test.ts.
project_id                              = "demo-project"
region                                  = "europe-west1"
name_prefix                             = "cdnx"
labels                                  = { team = "edge" }
bq_location                             = "europe-west1" # one regional key fits the buckets and the dataset
dataset_id                              = "cdn_logs"
bq_write_method                         = "insertall"
edge_logs_partition_expiration_days     = 400
ingest_errors_partition_expiration_days = 30
require_partition_filter                = true
kms_key_name                            = "projects/demo-keys/locations/europe-west1/keyRings/cdnlog/cryptoKeys/logs"
media_cdn_project_id                    = "demo-media-cdn"
exclude_media_cdn_from_default_bucket   = true
media_cdn_extra_filter                  = "resource.labels.service_name=\"videos\""
upload_bucket_name                      = "demo-edgeone-uploads"
upload_retention_days                   = 14
upload_soft_delete_days                 = 30
edgeone_object_prefix                   = "edgeone/"
create_edgeone_hmac_key                 = true
function_memory                         = "1Gi"
function_max_heap_mb                    = 384
function_cpu                            = "2"
function_max_instances                  = 50
function_concurrency                    = 16
function_timeout_seconds                = 540
retry_minimum_backoff                   = "5s"
retry_maximum_backoff                   = "300s"
max_delivery_attempts                   = 20
alert_email                             = "oncall@example.com"
backlog_age_alert_seconds               = 900
log_metric_wait                         = "300s"
enable_edgeone_push                     = true
edgeone_push_secret                     = "all-options-secret-0123456789abcdef"
edgeone_push_previous_secret_version    = "1"
edgeone_push_header                     = "X-Edge-Token"
edgeone_push_max_instances              = 5
edgeone_push_401_alert_threshold        = 50
