-- edge_logs with one row per event_id: the first copy ingested. Copies come from Pub/Sub
-- redelivery and replays; BigQuery's insertId dedup is best effort only.
-- event_id is derived from the record identity including its event time, so all copies share
-- event_time too; partitioning the window by it as well changes nothing in the result but lets
-- a filter on event_time reach the partitioned table (partition pruning, require_partition_filter).
SELECT
  *
FROM `${project}.${dataset}.edge_logs`
WHERE TRUE -- QUALIFY needs a WHERE, GROUP BY or HAVING clause in BigQuery
QUALIFY ROW_NUMBER() OVER (PARTITION BY event_id, event_time ORDER BY ingest_time) = 1
