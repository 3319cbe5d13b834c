-- Target tracking, the default inference policy: its rules, the simulator,
-- the policy applied to a real endpoint, its state, the explanation, the
-- backtest, and every bad input refused with nothing stored.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never
\set VERBOSITY default

---------------------------------------------------------------------------
-- rules
---------------------------------------------------------------------------

SELECT validate_scaling_rules('{"inference": {"policy": "target_tracking", "target_utilization": 0.5,
  "behavior": {"scale_up": {"stabilization_window_seconds": 30, "tolerance": 0, "select_policy": "min",
                            "policies": [{"type": "pods", "value": 2, "period_seconds": 60}]},
               "scale_down": {"select_policy": "disabled"}}}}');
SELECT validate_scaling_rules('{"inference": {"policy": "step"}}');
-- each refused with the path of the key
SELECT validate_scaling_rules('{"inference": {"policy": "proportional"}}');
SELECT validate_scaling_rules('{"inference": {"policy": 1}}');
SELECT validate_scaling_rules('{"inference": {"target_utilization": 0}}');
SELECT validate_scaling_rules('{"inference": {"target_utilization": 1.01}}');
SELECT validate_scaling_rules('{"inference": {"behavior": []}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"sideways": {}}}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"scale_down": {"stabilization_window_seconds": 3601}}}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"scale_up": {"tolerance": 1.5}}}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"scale_up": {"select_policy": "most"}}}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"scale_up": {"policies": []}}}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"scale_up": {"policies": {"type": "pods"}}}}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"scale_up": {"policies": [{"type": "pods", "value": 1}]}}}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"scale_up": {"policies":
  [{"type": "pods", "value": 1, "period_seconds": 15}, {"type": "replicas", "value": 1, "period_seconds": 15}]}}}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"scale_down": {"policies":
  [{"type": "percent", "value": 10, "period_seconds": 1801}]}}}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"scale_down": {"policies":
  [{"type": "percent", "value": 10, "period_seconds": 15, "jitter": 1}]}}}}');
SELECT validate_scaling_rules('{"inference": {"behavior": {"scale_down": {"policies":
  [{"type":"pods","value":1,"period_seconds":1},{"type":"pods","value":1,"period_seconds":1},
   {"type":"pods","value":1,"period_seconds":1},{"type":"pods","value":1,"period_seconds":1},
   {"type":"pods","value":1,"period_seconds":1}]}}}}');
-- a tenant's stored rules are checked the same way, and nothing is stored
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, scaling_rules)
VALUES ('7a000000-0000-0000-0000-000000000009', 'basic', true, '{"inference": {"policy": "fast"}}');
SELECT count(*) FROM tenant_scaling_config WHERE tenant_id = '7a000000-0000-0000-0000-000000000009';

---------------------------------------------------------------------------
-- the simulator
---------------------------------------------------------------------------

-- 50 rps, then a step to 400: sized from the request rate once the capacity
-- is learnt (cpu stops at 100 %), within the rate limits, ready after the cold start
SELECT step_no, at - '2026-01-01 00:00+00' AS t, demand, desired_replicas, ready_replicas, cpu_percent,
       latency_p95_ms, action, reason
FROM simulate_inference_scaling(array_cat(array_fill(50::numeric, ARRAY[6]), array_fill(400::numeric, ARRAY[10])),
                                50, initial_replicas => 2, max_replicas => 20, start_at => '2026-01-01 00:00+00');
-- the seed's step: one replica a minute, never below the load's need
SELECT step_no, desired_replicas, ready_replicas, action, reason
FROM simulate_inference_scaling(array_cat(array_fill(50::numeric, ARRAY[2]), array_fill(400::numeric, ARRAY[8])),
                                50, '{"inference": {"policy": "step"}}', initial_replicas => 2, max_replicas => 20,
                                start_at => '2026-01-01 00:00+00');
-- scale to zero: no requests for the scale-down window, then activation on the first request
SELECT step_no, demand, desired_replicas, ready_replicas, action, reason
FROM simulate_inference_scaling(array_cat(array_cat(array_fill(20::numeric, ARRAY[4]), array_fill(0::numeric, ARRAY[24])),
                                          array_fill(30::numeric, ARRAY[8])),
                                50, initial_replicas => 1, min_replicas => 0, max_replicas => 5,
                                start_at => '2026-01-01 00:00+00')
WHERE action <> 'none' OR step_no IN (1, 28, 36);
-- the scale-down window and rate limit are the rules'
SELECT step_no, desired_replicas, reason
FROM simulate_inference_scaling(array_cat(array_fill(300::numeric, ARRAY[8]), array_fill(30::numeric, ARRAY[12])), 50,
    '{"inference": {"behavior": {"scale_down": {"stabilization_window_seconds": 60,
       "policies": [{"type": "pods", "value": 2, "period_seconds": 15}]}}}}',
    initial_replicas => 10, max_replicas => 20, start_at => '2026-01-01 00:00+00')
WHERE action <> 'none' OR step_no = 9;
-- one row per step, and 50,000 steps in one call
SELECT count(*), count(DISTINCT step_no), min(step_no), max(step_no)
FROM simulate_inference_scaling(array_fill(120::numeric, ARRAY[50000]), 50);
SELECT count(*) FROM simulate_inference_scaling('{}', 50);
-- bad input: a clear error
SELECT * FROM simulate_inference_scaling(NULL, 50);
SELECT * FROM simulate_inference_scaling('{1, NULL, 3}', 50);
SELECT * FROM simulate_inference_scaling('{1, -3}', 50);
SELECT * FROM simulate_inference_scaling('{1, NaN}', 50);
SELECT * FROM simulate_inference_scaling('{{1, 2}, {3, 4}}', 50);
SELECT * FROM simulate_inference_scaling('{1}', 0);
SELECT * FROM simulate_inference_scaling('{1}', NULL);
SELECT * FROM simulate_inference_scaling('{1}', 50, '{"inference": {"step": 0}}');
SELECT * FROM simulate_inference_scaling('{1}', 50, initial_replicas => -1);
SELECT * FROM simulate_inference_scaling('{1}', 50, min_replicas => 5, max_replicas => 4);
SELECT * FROM simulate_inference_scaling('{1}', 50, step => '0 seconds');
SELECT * FROM simulate_inference_scaling('{1}', 50, step => '1 month');
SELECT * FROM simulate_inference_scaling('{1}', 50, cold_start => '-1 second');
SELECT * FROM simulate_inference_scaling('{1, 1}', 50, step => '300 days', start_at => '294276-06-01 00:00+00');

---------------------------------------------------------------------------
-- the policy on an endpoint: scale_inference_endpoint and the cycle
---------------------------------------------------------------------------

CREATE FUNCTION pg_temp.metrics(ep text, cpu numeric, p95 numeric, rps numeric) RETURNS void LANGUAGE sql
AS $$ INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms,
                                                   requests_per_second)
      SELECT ep, e.tenant_id, cpu, 50, p95, rps FROM tenant_scaling.inference_endpoints e WHERE e.endpoint_id = ep $$;
CREATE VIEW pg_temp.events AS
SELECT resource_id, action, previous_count, new_count, reason, inputs->>'policy' AS policy
FROM tenant_scaling.scaling_events WHERE tenant_id::text LIKE '7a000000-%' ORDER BY event_id;

INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, scaling_rules) VALUES
    ('7a000000-0000-0000-0000-000000000001', 'premium', true, NULL),
    ('7a000000-0000-0000-0000-000000000002', 'premium', true,
     '{"inference": {"behavior": {"scale_down": {"stabilization_window_seconds": 1}}}}');
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, min_replicas,
                                 max_replicas, target_rps, replica_capacity_rps) VALUES
    ('tt-cap', '7a000000-0000-0000-0000-000000000001', 2, 2, 1, 40, 100, 50),
    ('tt-learn', '7a000000-0000-0000-0000-000000000001', 2, 2, 1, 40, 100, NULL),
    ('tt-down', '7a000000-0000-0000-0000-000000000002', 8, 8, 1, 40, 100, 50);
-- the capacity must be above zero and finite
\set VERBOSITY terse
UPDATE inference_endpoints SET replica_capacity_rps = 0 WHERE endpoint_id = 'tt-cap';
UPDATE inference_endpoints SET replica_capacity_rps = 'Infinity' WHERE endpoint_id = 'tt-cap';
\set VERBOSITY default

-- a burst, with the capacity configured: sized from the request rate in one step
SELECT pg_temp.metrics('tt-cap', 100, 2000, 400);
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000001', 'tt-cap');
-- the same burst and no capacity known: cpu alone, as an HPA would
SELECT pg_temp.metrics('tt-learn', 100, 2000, 400);
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000001', 'tt-learn');
-- the capacity is learnt from unsaturated samples (rps per replica against cpu)
UPDATE inference_endpoints SET current_replicas = 4, desired_replicas = 4 WHERE endpoint_id = 'tt-learn';
SELECT pg_temp.metrics('tt-learn', 50, 80, 100);
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000001', 'tt-learn');
SELECT pg_temp.metrics('tt-learn', 50, 80, 100);
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000001', 'tt-learn');
SELECT pg_temp.metrics('tt-learn', 50, 80, 100);
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000001', 'tt-learn');
SELECT endpoint_id, capacity_rps, capacity_samples FROM endpoint_scaling_state WHERE endpoint_id = 'tt-learn';
-- now a burst is sized from the request rate, and the explanation says which estimate
SELECT pg_temp.metrics('tt-learn', 100, 2000, 1000);
SELECT kind, name, value, replicas_before, replicas_after,
       CASE WHEN kind = 'input' AND detail LIKE 'sampled %' THEN 'sampled' ELSE detail END AS detail
FROM explain_endpoint_scaling('7a000000-0000-0000-0000-000000000001', 'tt-learn') ORDER BY step;
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000001', 'tt-learn');

-- no scale-in without cpu, the utilisation the target is about
SELECT pg_temp.metrics('tt-down', NULL, 45, 20);
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000002', 'tt-down');
-- scale-in waits for the stabilization window (1 s in these rules)
SELECT pg_temp.metrics('tt-down', 10, 45, 20);
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000002', 'tt-down');
SELECT recommendations->>'direction' AS direction, jsonb_array_length(recommendations->'entries') AS entries
FROM endpoint_scaling_state WHERE endpoint_id = 'tt-down';
SELECT pg_sleep(1.1);
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000002', 'tt-down');
-- the next decision starts from the new count
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000002', 'tt-down');
-- a desired count outside the bounds comes back at once
UPDATE inference_endpoints SET max_replicas = 1, min_replicas = 1 WHERE endpoint_id = 'tt-cap';
SELECT * FROM scale_inference_endpoint('7a000000-0000-0000-0000-000000000001', 'tt-cap');
-- the cycle applies the same policy
UPDATE inference_endpoints SET max_replicas = 40, current_replicas = 1 WHERE endpoint_id = 'tt-cap';
SELECT pg_temp.metrics('tt-cap', 100, 2000, 300);
SELECT inference_decisions, errors FROM run_scaling_cycle();
SELECT * FROM pg_temp.events;
-- every applied decision carries its explanation
SELECT count(*) AS events, count(*) FILTER (WHERE inputs->'explanation' @> '[{"kind": "result"}]') AS explained
FROM scaling_events WHERE tenant_id::text LIKE '7a000000-%';

---------------------------------------------------------------------------
-- explain_endpoint_scaling and backtest_endpoint_scaling under row-level security
---------------------------------------------------------------------------

CREATE ROLE ts_tt_tenant;
INSERT INTO tenant_roles VALUES ('ts_tt_tenant', '7a000000-0000-0000-0000-000000000002');
SELECT count(*) AS states, max(updated_at) AS stored_at FROM endpoint_scaling_state \gset
SET ROLE ts_tt_tenant;
SELECT count(*) > 10 AS explained FROM explain_endpoint_scaling('7a000000-0000-0000-0000-000000000002', 'tt-down');
SELECT * FROM explain_endpoint_scaling('7a000000-0000-0000-0000-000000000001', 'tt-cap');
SELECT * FROM explain_endpoint_scaling('7a000000-0000-0000-0000-000000000002', 'tt-cap');
SELECT * FROM backtest_endpoint_scaling('7a000000-0000-0000-0000-000000000001', 'tt-cap', now() - interval '1 hour', now());
RESET ROLE;
-- explaining stores nothing
SELECT count(*) = :states AND max(updated_at) = :'stored_at' AS unchanged FROM endpoint_scaling_state;

-- an hour of stored request rates, replayed with the tenant's rules and with the seed's
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT 'tt-cap', '7a000000-0000-0000-0000-000000000001', now() - interval '1 hour'::interval + g * '30 seconds'::interval,
       50, 50, 80, CASE WHEN g BETWEEN 40 AND 80 THEN 400 ELSE 40 END
FROM generate_series(0, 119) g;
SELECT count(*) AS steps, max(desired_replicas) AS peak, min(desired_replicas) AS least,
       count(*) FILTER (WHERE action <> 'none') AS changes
FROM backtest_endpoint_scaling('7a000000-0000-0000-0000-000000000001', 'tt-cap', now() - interval '1 hour', now());
SELECT count(*) AS steps, max(desired_replicas) AS peak, min(desired_replicas) AS least
FROM backtest_endpoint_scaling('7a000000-0000-0000-0000-000000000001', 'tt-cap', now() - interval '1 hour', now(),
                               '{"inference": {"policy": "step"}}');
-- bad input
SELECT * FROM backtest_endpoint_scaling('7a000000-0000-0000-0000-000000000001', 'tt-cap', '2026-01-01 01:00+00', '2026-01-01 00:00+00');
SELECT * FROM backtest_endpoint_scaling('7a000000-0000-0000-0000-000000000001', 'tt-cap', '2026-01-01 00:00+00', '2026-03-01 00:00+00');
SELECT * FROM backtest_endpoint_scaling('7a000000-0000-0000-0000-000000000001', 'tt-none', now() - interval '1 hour', now());
SELECT * FROM backtest_endpoint_scaling('7a000000-0000-0000-0000-000000000002', 'tt-cap', now() - interval '1 hour', now());
SELECT * FROM backtest_endpoint_scaling(NULL, 'tt-cap', now() - interval '1 hour', now());
INSERT INTO inference_endpoints (endpoint_id, tenant_id) VALUES ('tt-blank', '7a000000-0000-0000-0000-000000000001');
SELECT * FROM backtest_endpoint_scaling('7a000000-0000-0000-0000-000000000001', 'tt-blank', now() - interval '1 hour', now());

-- an endpoint's state goes with it
DELETE FROM inference_endpoints WHERE tenant_id::text LIKE '7a000000-%';
SELECT count(*) FROM endpoint_scaling_state;
DELETE FROM scaling_events WHERE tenant_id::text LIKE '7a000000-%';
DELETE FROM tenant_roles WHERE role_name = 'ts_tt_tenant';
DELETE FROM tenant_scaling_config WHERE tenant_id::text LIKE '7a000000-%';
DROP ROLE ts_tt_tenant;
