/* tenant_scaling--0.2.0--0.3.0.sql: target tracking for inference (issue 10) */

\echo Use "ALTER EXTENSION tenant_scaling UPDATE TO '0.3.0'" to load this file. \quit

--------------------------------------------------------------------------
-- Target tracking is the default inference policy from 0.3.0 on; the seed's
-- fixed step stays as {"inference": {"policy": "step"}} (README, Inference
-- policies). It needs one replica's capacity (configured, or estimated) and
-- keeps a little state per endpoint.
--------------------------------------------------------------------------

ALTER TABLE tenant_scaling.inference_endpoints
    ADD COLUMN replica_capacity_rps numeric CONSTRAINT replica_capacity_rps_finite_positive
        CHECK (replica_capacity_rps > 0 AND replica_capacity_rps < 'Infinity');
COMMENT ON COLUMN tenant_scaling.inference_endpoints.replica_capacity_rps IS
'requests per second one replica serves at 100 % cpu, for target tracking; NULL: estimated from the endpoint''s samples';

-- Derived, per endpoint: what target tracking keeps between decisions,
-- written by the cycle and scale_inference_endpoint while they hold the
-- endpoint's row. Not dumped: a restored endpoint learns its capacity again
-- in a few samples, and its window starts anew.
CREATE TABLE tenant_scaling.endpoint_scaling_state (
    tenant_id uuid NOT NULL,
    endpoint_id text NOT NULL,
    capacity_rps float8,
    capacity_samples int NOT NULL DEFAULT 0,
    capacity_sampled_at timestamptz,
    recommendations jsonb,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, endpoint_id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES tenant_scaling.inference_endpoints (tenant_id, endpoint_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
ALTER TABLE tenant_scaling.endpoint_scaling_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenant_scaling.endpoint_scaling_state TO PUBLIC
    USING (tenant_id = (SELECT tenant_scaling.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT tenant_scaling.current_tenant_id()));
CREATE POLICY operator_rows ON tenant_scaling.endpoint_scaling_state TO tenant_scaling_admin
    USING (true) WITH CHECK (true);
GRANT SELECT ON tenant_scaling.endpoint_scaling_state TO PUBLIC;
GRANT SELECT ON tenant_scaling.endpoint_scaling_state TO tenant_scaling_admin;
COMMENT ON TABLE tenant_scaling.endpoint_scaling_state IS
'what target tracking keeps of each endpoint between decisions: its capacity estimate and stabilization window';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.capacity_rps IS
'estimated requests per second of one replica at 100 % cpu, from samples with cpu between 10 % and 85 %';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.capacity_samples IS 'samples the estimate was learnt from';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.capacity_sampled_at IS 'the time of the last sample learnt: each is learnt once';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.recommendations IS
'the stabilization window: since when the recommendations have been below (down) or above (up) the desired count, and those that can still decide';

--------------------------------------------------------------------------
-- The inference policy in the open (README, Inference policies): simulated
-- on a demand trace, replayed on an endpoint's history, explained now
--------------------------------------------------------------------------

CREATE FUNCTION tenant_scaling.simulate_inference_scaling(
    demand_rps numeric[], replica_capacity_rps numeric,
    rules jsonb DEFAULT NULL, initial_replicas int DEFAULT 1, min_replicas int DEFAULT 1,
    max_replicas int DEFAULT 10, step interval DEFAULT '15 seconds',
    cold_start interval DEFAULT '90 seconds', start_at timestamptz DEFAULT now(),
    configured_capacity_rps numeric DEFAULT NULL)
RETURNS TABLE (step_no int, at timestamptz, demand numeric, desired_replicas int, ready_replicas int,
               cpu_percent numeric, latency_p95_ms numeric, action text, reason text)
AS 'MODULE_PATHNAME', 'ts_simulate_inference_scaling'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.simulate_inference_scaling(numeric[], numeric, jsonb, int, int, int, interval,
    interval, timestamptz, numeric) IS
'the scheduler''s inference policy in a closed loop with a modelled service, one row per element of demand_rps';

-- Under the caller's rights: row-level security decides whose history it reads.
CREATE FUNCTION tenant_scaling.backtest_endpoint_scaling(
    tenant_id uuid, endpoint_id text, "from" timestamptz, "to" timestamptz,
    rules jsonb DEFAULT NULL, cold_start interval DEFAULT '90 seconds')
RETURNS TABLE (step_no int, at timestamptz, demand numeric, desired_replicas int, ready_replicas int,
               cpu_percent numeric, latency_p95_ms numeric, action text, reason text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ep tenant_scaling.inference_endpoints;
    capacity numeric;
    chosen_rules jsonb := rules;
    demand numeric[];
    initial int;
BEGIN
    IF tenant_id IS NULL OR endpoint_id IS NULL OR "from" IS NULL OR "to" IS NULL THEN
        RAISE EXCEPTION 'tenant_id, endpoint_id, "from" and "to" must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF "to" <= "from" OR "to" - "from" > interval '31 days' THEN
        RAISE EXCEPTION 'the backtest period must be longer than zero and at most 31 days'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The period given is %s seconds long.', extract(epoch FROM "to" - "from")::bigint);
    END IF;
    SELECT * INTO ep FROM tenant_scaling.inference_endpoints e WHERE e.endpoint_id = backtest_endpoint_scaling.endpoint_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'inference endpoint "%" does not exist', endpoint_id USING ERRCODE = 'undefined_object';
    END IF;
    IF ep.tenant_id <> backtest_endpoint_scaling.tenant_id THEN
        RAISE EXCEPTION 'inference endpoint "%" does not belong to tenant %', endpoint_id, tenant_id
            USING ERRCODE = 'insufficient_privilege', HINT = 'Pass the tenant that owns the endpoint.';
    END IF;
    -- the service's capacity: configured, or the estimate the policy has learnt
    capacity := coalesce(ep.replica_capacity_rps,
        (SELECT s.capacity_rps::numeric FROM tenant_scaling.endpoint_scaling_state s
          WHERE s.tenant_id = ep.tenant_id AND s.endpoint_id = ep.endpoint_id AND s.capacity_samples >= 3));
    IF capacity IS NULL THEN
        RAISE EXCEPTION 'the capacity of one replica of endpoint "%" is not known', endpoint_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The backtest models the service from it.',
                  HINT = 'Set replica_capacity_rps on the endpoint, or let it report cpu and requests for a few cycles.';
    END IF;
    IF chosen_rules IS NULL THEN
        SELECT c.scaling_rules INTO chosen_rules FROM tenant_scaling.tenant_scaling_config c
         WHERE c.tenant_id = ep.tenant_id;
    END IF;
    -- the stored request rates in steps of 15 seconds, the last one carried over an empty step
    WITH steps AS (
        SELECT g AS step_at FROM pg_catalog.generate_series("from", "to" - interval '1 microsecond', interval '15 seconds') g
    ), samples AS (
        SELECT pg_catalog.date_bin(interval '15 seconds', m.ts, "from") AS step_at, avg(m.requests_per_second) AS rps
          FROM tenant_scaling.endpoint_metrics m
         WHERE m.tenant_id = ep.tenant_id AND m.endpoint_id = ep.endpoint_id
           AND m.ts >= "from" AND m.ts < "to" AND m.requests_per_second IS NOT NULL
         GROUP BY 1
    ), numbered AS (
        SELECT s.step_at, x.rps, count(x.rps) OVER (ORDER BY s.step_at) AS filled
          FROM steps s LEFT JOIN samples x USING (step_at)
    ), carried AS (
        SELECT n.step_at, first_value(n.rps) OVER (PARTITION BY n.filled ORDER BY n.step_at) AS rps
          FROM numbered n
    )
    SELECT pg_catalog.array_agg(coalesce(c.rps, 0) ORDER BY c.step_at) INTO demand FROM carried c;
    -- the count the endpoint had at the start, from its events
    initial := coalesce(
        (SELECT ev.new_count FROM tenant_scaling.scaling_events ev
          WHERE ev.tenant_id = ep.tenant_id AND ev.resource_kind = 'inference' AND ev.resource_id = ep.endpoint_id
            AND ev.created_at < "from" ORDER BY ev.created_at DESC LIMIT 1),
        (SELECT ev.previous_count FROM tenant_scaling.scaling_events ev
          WHERE ev.tenant_id = ep.tenant_id AND ev.resource_kind = 'inference' AND ev.resource_id = ep.endpoint_id
            AND ev.created_at >= "from" ORDER BY ev.created_at LIMIT 1),
        ep.desired_replicas);
    RETURN QUERY SELECT * FROM tenant_scaling.simulate_inference_scaling(
        demand, capacity, chosen_rules, initial, ep.min_replicas, ep.max_replicas,
        interval '15 seconds', cold_start, "from", ep.replica_capacity_rps);
END
$$;
COMMENT ON FUNCTION tenant_scaling.backtest_endpoint_scaling(uuid, text, timestamptz, timestamptz, jsonb, interval) IS
'what the rules (default: the tenant''s) would have done with the endpoint''s stored request rates, on the simulator';

CREATE FUNCTION tenant_scaling.explain_endpoint_scaling(tenant_id uuid, endpoint_id text)
RETURNS TABLE (step int, kind text, name text, value text, replicas_before int, replicas_after int, detail text)
AS 'MODULE_PATHNAME', 'ts_explain_endpoint_scaling'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.explain_endpoint_scaling(uuid, text) IS
'what the policy would decide for the endpoint now: inputs with their age, proposals, each constraint, the result; applies nothing';

--------------------------------------------------------------------------
-- Metrics for Prometheus (issue 14)
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
COMMENT ON COLUMN tenant_scaling.pruned_run_totals.bucket_runs IS
'runs that took at most each of cycle_duration_buckets() seconds, in its order';

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
      SELECT resource_kind, action, reason, origin, count(*) FROM tenant_scaling.scaling_events
      GROUP BY resource_kind, action, reason, origin) d
GROUP BY resource_kind, action, reason, origin;
COMMENT ON VIEW tenant_scaling.metrics_decisions IS
'counter: applied decisions since the install, by kind, action, reason and origin (retention does not lower it)';

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
