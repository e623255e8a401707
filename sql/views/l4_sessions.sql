-- One row per EdgeOne L4 session (service, session_id), folded from the periodic records EdgeOne
-- writes while a connection is open. Per-record byte counts cover one log interval, so they add up.
WITH session_records AS (
  SELECT
    service,
    session_id,
    MIN(connect_time) AS connect_time,
    MAX(disconnect_time) AS disconnect_time,
    MIN(event_time) AS first_event_time,
    MAX(event_time) AS last_event_time,
    SUM(egress_bytes) AS egress_bytes,
    SUM(ingress_bytes) AS ingress_bytes,
    -- Only the closing record carries these; MAX skips the NULLs of the others.
    MAX(IF(disconnect_time IS NOT NULL, disconnect_side, NULL)) AS disconnect_side,
    MAX(IF(disconnect_time IS NOT NULL, disconnect_reason, NULL)) AS disconnect_reason,
    -- Constant within a session; MAX picks the same value on every engine (ANY_VALUE need not).
    MAX(client_ip) AS client_ip,
    MAX(client_country) AS client_country,
    MAX(edge_ip) AS edge_ip,
    MAX(protocol) AS protocol,
    MAX(port) AS port,
    COUNT(*) AS record_count
  FROM `${project}.${dataset}.edge_logs_dedup`
  WHERE log_type = 'l4_session'
  GROUP BY service, session_id
)
SELECT
  service,
  session_id,
  connect_time,
  disconnect_time,
  first_event_time,
  last_event_time,
  -- Until the connection closes, the session lasts at least until its latest record.
  TIMESTAMP_DIFF(COALESCE(disconnect_time, last_event_time), connect_time, MILLISECOND) AS duration_ms,
  disconnect_time IS NULL AS is_open,
  disconnect_side,
  disconnect_reason,
  egress_bytes,
  ingress_bytes,
  client_ip,
  client_country,
  edge_ip,
  protocol,
  port,
  record_count
FROM session_records
