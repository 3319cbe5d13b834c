--------------------------------------------------------------------------
-- Metrics for Prometheus (README, Monitoring; monitoring/queries.yaml for
-- postgres_exporter): counters that retention does not take back, and
-- gauges of the desired state against what the actuator reports. Across
-- tenants, so for operators and pg_monitor only.
--------------------------------------------------------------------------

-- What retention pruned, folded in by the cycle's prune (the only writer,
-- one cycle at a time), so that the counters below never go down
CREATE TABLE tenant_scaling.pruned_event_totals (
    resource_kind text NOT NULL,
    action text NOT NULL,
    reason text NOT NULL,
    origin text NOT NULL,
    events bigint NOT NULL,
    PRIMARY KEY (resource_kind, action, reason, origin)
);
GRANT SELECT ON tenant_scaling.pruned_event_totals TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.pruned_event_totals', '');
COMMENT ON TABLE tenant_scaling.pruned_event_totals IS
'scaling_events that retention deleted, counted by kind, action, reason and origin';
COMMENT ON COLUMN tenant_scaling.pruned_event_totals.resource_kind IS 'resource_kind of the events counted';
COMMENT ON COLUMN tenant_scaling.pruned_event_totals.action IS 'action of the events counted';
COMMENT ON COLUMN tenant_scaling.pruned_event_totals.reason IS 'reason of the events counted';
COMMENT ON COLUMN tenant_scaling.pruned_event_totals.origin IS 'origin of the events counted';
COMMENT ON COLUMN tenant_scaling.pruned_event_totals.events IS 'events of this kind, action, reason and origin that retention deleted';
COMMENT ON INDEX tenant_scaling.pruned_event_totals_pkey IS 'one row per kind, action, reason and origin';

CREATE TABLE tenant_scaling.pruned_run_totals (
    status text PRIMARY KEY,
    runs bigint NOT NULL,
    seconds float8 NOT NULL,
    bucket_runs bigint[] NOT NULL
);
GRANT SELECT ON tenant_scaling.pruned_run_totals TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.pruned_run_totals', '');
COMMENT ON TABLE tenant_scaling.pruned_run_totals IS
'scheduler_runs that retention deleted, counted by status, with their duration and its histogram';
COMMENT ON COLUMN tenant_scaling.pruned_run_totals.status IS 'status of the runs counted';
COMMENT ON COLUMN tenant_scaling.pruned_run_totals.runs IS 'runs of this status that retention deleted';
COMMENT ON COLUMN tenant_scaling.pruned_run_totals.seconds IS 'their total duration, seconds';
COMMENT ON COLUMN tenant_scaling.pruned_run_totals.bucket_runs IS
'runs that took at most each of cycle_duration_buckets() seconds, in its order';
COMMENT ON INDEX tenant_scaling.pruned_run_totals_pkey IS 'one row per status';

CREATE FUNCTION tenant_scaling.cycle_duration_buckets() RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN '{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}'::float8[];
COMMENT ON FUNCTION tenant_scaling.cycle_duration_buckets() IS
'the upper bounds, in seconds, of the cycle duration histogram (metrics_cycle_duration)';

CREATE VIEW tenant_scaling.metrics_decisions AS
SELECT resource_kind, action, reason, origin, sum(events)::bigint AS total
FROM (SELECT resource_kind, action, reason, origin, events FROM tenant_scaling.pruned_event_totals
      UNION ALL
      -- an override's reason is an operator's free text: one label value for all of them
      SELECT resource_kind, action, CASE WHEN inputs ? 'overridden_by' THEN 'override' ELSE reason END, origin,
             count(*)
      FROM tenant_scaling.scaling_events GROUP BY 1, 2, 3, 4) d
GROUP BY resource_kind, action, reason, origin;
COMMENT ON VIEW tenant_scaling.metrics_decisions IS
'counter: applied decisions since the install, by kind, action, reason (override for a change by hand) and origin (retention does not lower it)';

CREATE VIEW tenant_scaling.metrics_cycles AS
SELECT status, sum(runs)::bigint AS runs, sum(seconds) AS duration_seconds
FROM (SELECT status, runs, seconds FROM tenant_scaling.pruned_run_totals
      UNION ALL
      SELECT status, count(*), coalesce(sum(extract(epoch FROM duration)), 0)::float8
      FROM tenant_scaling.scheduler_runs WHERE status <> 'running' GROUP BY status) r
GROUP BY status;
COMMENT ON VIEW tenant_scaling.metrics_cycles IS
'counters: scheduler cycles since the install by status (succeeded, failed, skipped), and their total duration';

CREATE VIEW tenant_scaling.metrics_cycle_duration AS
WITH buckets AS (
    SELECT b.le, b.i FROM unnest(tenant_scaling.cycle_duration_buckets()) WITH ORDINALITY AS b(le, i)
), live AS (
    SELECT extract(epoch FROM duration)::float8 AS seconds FROM tenant_scaling.scheduler_runs
    WHERE status <> 'running' AND duration IS NOT NULL
)
SELECT b.le::text AS le,
       ((SELECT count(*) FROM live WHERE seconds <= b.le)
        + coalesce((SELECT sum(t.bucket_runs[b.i]) FROM tenant_scaling.pruned_run_totals t), 0))::bigint AS runs
FROM buckets b
UNION ALL
SELECT '+Inf', ((SELECT count(*) FROM live)
                + coalesce((SELECT sum(t.runs) FROM tenant_scaling.pruned_run_totals t), 0))::bigint;
COMMENT ON VIEW tenant_scaling.metrics_cycle_duration IS
'counter: cycles that took at most le seconds (cumulative histogram buckets, Prometheus style)';

CREATE VIEW tenant_scaling.metrics_state AS
SELECT
    (SELECT count(*) FROM tenant_scaling.inference_endpoints) AS endpoints,
    (SELECT count(*) FROM tenant_scaling.inference_endpoints WHERE current_replicas <> desired_replicas)
        AS endpoints_converging,
    (SELECT coalesce(sum(desired_replicas), 0) FROM tenant_scaling.inference_endpoints) AS replicas_desired,
    (SELECT coalesce(sum(current_replicas), 0) FROM tenant_scaling.inference_endpoints) AS replicas_current,
    (SELECT coalesce(sum(abs(desired_replicas - current_replicas)), 0) FROM tenant_scaling.inference_endpoints)
        AS replicas_gap,
    -- the stale-actuator signal: how long the oldest unmet change has waited
    (SELECT coalesce(max(extract(epoch FROM now() - last_scaled_at)), 0)::float8
       FROM tenant_scaling.inference_endpoints WHERE current_replicas <> desired_replicas) AS actuator_lag_seconds,
    (SELECT coalesce(extract(epoch FROM now() - min(e.created_at)), 0)::float8
       FROM tenant_scaling.scaling_events e
      WHERE NOT EXISTS (SELECT FROM tenant_scaling.scaling_event_acks a WHERE a.event_id = e.event_id))
        AS oldest_unacknowledged_event_seconds,
    (SELECT coalesce(sum(s.desired_workers), 0) FROM tenant_scaling.tenant_training_state s) AS workers_desired,
    (SELECT coalesce(sum(i.active_workers + i.provisioning_workers), 0) FROM tenant_scaling.tenant_training_inputs i)
        AS workers_current,
    (SELECT count(*) FROM tenant_scaling.scaling_pauses p WHERE p.until IS NULL OR p.until > now()) AS pauses_active,
    (SELECT count(*) FROM tenant_scaling.training_jobs WHERE status = 'queued') AS jobs_queued,
    (SELECT count(*) FROM tenant_scaling.training_jobs WHERE status = 'running') AS jobs_running,
    (SELECT coalesce(extract(epoch FROM now() - max(started_at)), -1)::float8
       FROM tenant_scaling.scheduler_runs WHERE status = 'succeeded') AS seconds_since_last_cycle;
COMMENT ON VIEW tenant_scaling.metrics_state IS
'gauges: endpoints and replicas desired against reported, how long the actuator lags, unacknowledged events, workers, pauses, jobs, the last cycle';

-- operators and postgres_exporter's pg_monitor read them; they span tenants
GRANT SELECT ON tenant_scaling.metrics_decisions, tenant_scaling.metrics_cycles, tenant_scaling.metrics_cycle_duration,
    tenant_scaling.metrics_state TO tenant_scaling_admin, pg_monitor;
