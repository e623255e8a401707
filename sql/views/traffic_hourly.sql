-- Traffic per hour, source, log type, service and client country. HTTP rows count as requests,
-- L4 rows as sessions (distinct session ids active in the hour).
SELECT
  TIMESTAMP_TRUNC(event_time, HOUR) AS hour,
  source,
  log_type,
  service,
  client_country,
  COUNTIF(log_type = 'http_request') AS requests,
  COUNT(DISTINCT IF(log_type = 'l4_session', session_id, NULL)) AS sessions,
  SUM(egress_bytes) AS egress_bytes,
  SUM(ingress_bytes) AS ingress_bytes,
  COUNTIF(cache_hit) AS cache_hits,
  -- Requests whose cache outcome is unknown stay out of the denominator.
  SAFE_DIVIDE(COUNTIF(cache_hit), COUNTIF(cache_hit IS NOT NULL)) AS cache_hit_ratio,
  -- NULL latencies are ignored; a group with none yields NULL.
  APPROX_QUANTILES(latency_ms, 100)[OFFSET(50)] AS p50_latency_ms,
  APPROX_QUANTILES(latency_ms, 100)[OFFSET(95)] AS p95_latency_ms
FROM `${project}.${dataset}.edge_logs_dedup`
GROUP BY hour, source, log_type, service, client_country
