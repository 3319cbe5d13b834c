--------------------------------------------------------------------------
-- The inference policy in the open (README, Inference policies): simulated
-- on a demand trace, replayed on an endpoint's history, explained now
--------------------------------------------------------------------------

CREATE FUNCTION tenant_scaling.simulate_inference_scaling(
    demand_rps numeric[], replica_capacity_rps numeric,
    rules jsonb DEFAULT NULL, initial_replicas int DEFAULT 1, min_replicas int DEFAULT 1,
    max_replicas int DEFAULT 10, step interval DEFAULT '15 seconds',
    cold_start interval DEFAULT '90 seconds', start_at timestamptz DEFAULT now(),
    configured_capacity_rps numeric DEFAULT NULL, warm_pool_size int DEFAULT 0,
    warm_start interval DEFAULT '10 seconds', endpoint_id text DEFAULT NULL)
RETURNS TABLE (step_no int, at timestamptz, demand numeric, desired_replicas int, ready_replicas int,
               cpu_percent numeric, latency_p95_ms numeric, action text, reason text,
               forecast_rps double precision, forecast_replicas int, warm_replicas int)
AS 'MODULE_PATHNAME', 'ts_simulate_inference_scaling'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.simulate_inference_scaling(numeric[], numeric, jsonb, int, int, int, interval,
    interval, timestamptz, numeric, int, interval, text) IS
'the scheduler''s inference policy in a closed loop with a modelled service, one row per element of demand_rps';

-- Under the caller's rights: row-level security decides whose history it reads.
CREATE FUNCTION tenant_scaling.backtest_endpoint_scaling(
    tenant_id uuid, endpoint_id text, "from" timestamptz, "to" timestamptz,
    rules jsonb DEFAULT NULL, cold_start interval DEFAULT '90 seconds')
RETURNS TABLE (step_no int, at timestamptz, demand numeric, desired_replicas int, ready_replicas int,
               cpu_percent numeric, latency_p95_ms numeric, action text, reason text,
               forecast_rps double precision, forecast_replicas int, warm_replicas int)
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
        interval '15 seconds', cold_start, "from", ep.replica_capacity_rps, ep.warm_pool_size,
        endpoint_id => ep.endpoint_id);
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

-- Under the caller's rights: row-level security decides whose history it reads.
CREATE FUNCTION tenant_scaling.forecast_endpoint_load(tenant_id uuid, endpoint_id text,
                                                      horizon interval DEFAULT '24 hours')
RETURNS TABLE (phase text, at timestamptz, forecast_rps double precision, replicas int,
               error_percent double precision)
AS 'MODULE_PATHNAME', 'ts_forecast_endpoint_load'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.forecast_endpoint_load(uuid, text, interval) IS
'the endpoint''s request-rate forecast per five-minute bin up to now + horizon with the replicas it implies (phase forecast), and the error of a day-ahead forecast on each of the last days it can check (phase error)';
