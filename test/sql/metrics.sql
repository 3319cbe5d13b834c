-- The metrics views (README, Monitoring): counters that retention does not
-- take back, the cycle histogram, the gauges, and who may read them.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never
-- from a clean history: what earlier suites left would count too
DELETE FROM scaling_events;
DELETE FROM scheduler_runs;

INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, scaling_rules)
VALUES ('6e000000-0000-0000-0000-000000000001', 'premium', true, NULL);
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, max_replicas)
VALUES ('met-1', '6e000000-0000-0000-0000-000000000001', 2, 2, 10),
       ('met-2', '6e000000-0000-0000-0000-000000000001', 3, 3, 10);
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('met-1', '6e000000-0000-0000-0000-000000000001', 95, 50, 90, 40);
SELECT inference_decisions FROM run_scaling_cycle();
-- a change by hand: its free-text reason is not a label value
SELECT set_desired_replicas('6e000000-0000-0000-0000-000000000001', 'met-2', 5, 'launch of the new model');
SELECT * FROM metrics_decisions WHERE resource_kind = 'inference' ORDER BY reason;
SELECT status, runs, duration_seconds >= 0 AS timed FROM metrics_cycles;
SELECT le, runs FROM metrics_cycle_duration WHERE le IN ('60', '+Inf');
-- the actuator has not caught up: the gap, and an unacknowledged event
SELECT endpoints, endpoints_converging, replicas_desired, replicas_current, replicas_gap,
       actuator_lag_seconds >= 0 AS lagging, oldest_unacknowledged_event_seconds >= 0 AS unacknowledged,
       seconds_since_last_cycle >= 0 AS cycled
FROM metrics_state;

-- retention deletes the history; the counters stay where they were
UPDATE scheduler_runs SET started_at = started_at - interval '30 days', finished_at = finished_at - interval '30 days';
SELECT count(*) AS before FROM scaling_events \gset
ALTER TABLE scaling_events DISABLE TRIGGER scaling_events_append_only;
UPDATE scaling_events SET created_at = created_at - interval '30 days';
ALTER TABLE scaling_events ENABLE TRIGGER scaling_events_append_only;
SELECT sum(total) AS decisions_before FROM metrics_decisions WHERE resource_kind = 'inference' \gset
SELECT runs AS cycles_before FROM metrics_cycles WHERE status = 'succeeded' \gset
SELECT runs AS histogram_before FROM metrics_cycle_duration WHERE le = '+Inf' \gset
SELECT inference_decisions FROM run_scaling_cycle();
SELECT count(*) AS events_left FROM scaling_events WHERE created_at < now() - interval '7 days';
SELECT reason, events FROM pruned_event_totals WHERE resource_kind = 'inference' ORDER BY reason;
SELECT sum(total) = :decisions_before AS decisions_kept FROM metrics_decisions WHERE resource_kind = 'inference';
SELECT runs = :cycles_before + 1 AS cycles_counted FROM metrics_cycles WHERE status = 'succeeded';
SELECT runs = :histogram_before + 1 AS histogram_counted FROM metrics_cycle_duration WHERE le = '+Inf';
SELECT status, runs, cardinality(bucket_runs) = cardinality(cycle_duration_buckets()) AS buckets
FROM pruned_run_totals;
-- the buckets are cumulative
SELECT bool_and(runs <= next) AS cumulative
FROM (SELECT runs, lead(runs) OVER (ORDER BY CASE le WHEN '+Inf' THEN 'Infinity' ELSE le END::float8) AS next
      FROM metrics_cycle_duration) b WHERE next IS NOT NULL;

-- operators and pg_monitor read them; a tenant does not
CREATE ROLE ts_met_monitor IN ROLE pg_monitor;
CREATE ROLE ts_met_tenant;
SET ROLE ts_met_monitor;
SELECT count(*) > 0 AS readable FROM metrics_decisions;
SELECT endpoints FROM metrics_state;
SET ROLE ts_met_tenant;
SELECT count(*) FROM metrics_state;
SELECT count(*) FROM pruned_event_totals;
RESET ROLE;
DROP ROLE ts_met_monitor;
DROP ROLE ts_met_tenant;

DELETE FROM inference_endpoints WHERE tenant_id = '6e000000-0000-0000-0000-000000000001';
DELETE FROM scaling_events WHERE tenant_id = '6e000000-0000-0000-0000-000000000001';
DELETE FROM tenant_scaling_config WHERE tenant_id = '6e000000-0000-0000-0000-000000000001';
DELETE FROM scheduler_runs;
DELETE FROM pruned_event_totals;
DELETE FROM pruned_run_totals;
