-- Predictive scaling: its rules, forecast_endpoint_load on stored history,
-- the forecast as a floor in the cycle (forecast_and_scale) and as a record
-- only (forecast_only), the simulator learning from its own demand, and
-- every bad input refused.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never
\set VERBOSITY default

---------------------------------------------------------------------------
-- rules
---------------------------------------------------------------------------

SELECT validate_scaling_rules('{"inference": {"predictive": {"mode": "forecast_and_scale", "lead_seconds": 900}}}');
SELECT validate_scaling_rules('{"inference": {"predictive": {"mode": "off"}}}');
SELECT validate_scaling_rules('{"inference": {"predictive": {"mode": "on"}}}');
SELECT validate_scaling_rules('{"inference": {"predictive": {"mode": true}}}');
SELECT validate_scaling_rules('{"inference": {"predictive": {"lead_seconds": 10801}}}');
SELECT validate_scaling_rules('{"inference": {"predictive": {"lead_seconds": -1}}}');
SELECT validate_scaling_rules('{"inference": {"predictive": {"horizon": 1}}}');
SELECT validate_scaling_rules('{"inference": {"predictive": "forecast_only"}}');

---------------------------------------------------------------------------
-- forecast_endpoint_load
---------------------------------------------------------------------------

INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, scaling_rules) VALUES
    ('7b000000-0000-0000-0000-000000000001', 'premium', true,
     '{"inference": {"predictive": {"mode": "forecast_and_scale"}}}'),
    ('7b000000-0000-0000-0000-000000000002', 'premium', true,
     '{"inference": {"predictive": {"mode": "forecast_only"}}}');
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, min_replicas,
                                 max_replicas, target_rps, replica_capacity_rps) VALUES
    ('pr-flat', '7b000000-0000-0000-0000-000000000001', 4, 4, 1, 40, 100, 50),
    ('pr-step', '7b000000-0000-0000-0000-000000000001', 2, 2, 1, 40, 100, 50),
    ('pr-only', '7b000000-0000-0000-0000-000000000002', 2, 2, 1, 40, 100, 50),
    ('pr-new', '7b000000-0000-0000-0000-000000000001', 2, 2, 1, 40, 100, NULL);

-- one transaction: now() and its five-minute bin are the same in every statement
BEGIN;
SELECT date_bin('5 minutes', now(), '2000-01-01 00:00+00') AS bin \gset
-- two days at 100 rps, a sample a minute
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT 'pr-flat', '7b000000-0000-0000-0000-000000000001', :'bin'::timestamptz - g * interval '1 minute', 60, 50, 80, 100
FROM generate_series(1, 2 * 1440) g;
-- two days at 50 rps, 400 in the hour that starts five minutes after now's bin, each day
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT ep, t, :'bin'::timestamptz - g * interval '1 minute', 50, 50, 80,
       CASE WHEN (2 * 1440 - g - 5) % 1440 < 60 THEN 400 ELSE 50 END
FROM generate_series(1, 2 * 1440) g,
     (VALUES ('pr-step', '7b000000-0000-0000-0000-000000000001'::uuid),
             ('pr-only', '7b000000-0000-0000-0000-000000000002'::uuid)) v(ep, t);
-- flat: 100 rps in every bin, 4 replicas of 50 rps at 60 %, a day checked with no error
SELECT phase, count(*) AS bins, min(forecast_rps) AS least, max(forecast_rps) AS most,
       min(replicas) AS replicas, max(error_percent) AS error_percent, min(at) = :'bin' AS from_now
FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', 'pr-flat', '1 hour')
GROUP BY phase ORDER BY phase;
-- the step: 50 now, 400 from the next bin on for an hour, then 50 again
SELECT (at - :'bin'::timestamptz) AS from_bin, forecast_rps, replicas
FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', 'pr-step', '90 minutes')
WHERE phase = 'forecast' ORDER BY at LIMIT 3;
SELECT count(*) FILTER (WHERE forecast_rps = 400) AS high_bins, count(*) AS bins
FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', 'pr-step', '24 hours') WHERE phase = 'forecast';
-- no history: no forecast, and a notice that says why
SELECT * FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', 'pr-new');

-- the cycle: with forecast_and_scale the coming hour is provisioned now,
-- with forecast_only it is only said; the forecast is kept with the state
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT e.endpoint_id, e.tenant_id, 42, 50, 80, 50 FROM inference_endpoints e
WHERE e.endpoint_id IN ('pr-step', 'pr-only');
SELECT inference_decisions, errors FROM run_scaling_cycle();
SELECT resource_id, previous_count, new_count, reason FROM scaling_events
WHERE tenant_id::text LIKE '7b000000-%' ORDER BY event_id;
SELECT e.value->>'name' AS name, e.value->>'before' AS before, e.value->>'after' AS after, e.value->>'detail' AS detail
FROM scaling_events ev, jsonb_array_elements(ev.inputs->'explanation') e
WHERE ev.resource_id = 'pr-step' AND e.value->>'name' = 'forecast';
SELECT endpoint_id, forecast_made_at IS NOT NULL AS made, forecast_from - :'bin' IN ('0', '5 minutes') AS from_bin,
       cardinality(forecast_rps) AS bins
FROM endpoint_scaling_state WHERE endpoint_id IN ('pr-step', 'pr-only') ORDER BY 1;
SELECT name, replicas_before, replicas_after, detail
FROM explain_endpoint_scaling('7b000000-0000-0000-0000-000000000002', 'pr-only') WHERE name = 'forecast';
SELECT desired_replicas FROM inference_endpoints WHERE endpoint_id = 'pr-only';
COMMIT;

-- under row-level security a tenant forecasts its own endpoints only
CREATE ROLE ts_pr_tenant;
INSERT INTO tenant_roles VALUES ('ts_pr_tenant', '7b000000-0000-0000-0000-000000000002');
SET ROLE ts_pr_tenant;
SELECT count(*) > 0 AS forecast FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000002', 'pr-only');
SELECT * FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', 'pr-step');
RESET ROLE;

-- bad input
SELECT * FROM forecast_endpoint_load(NULL, 'pr-step');
SELECT * FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', NULL);
SELECT * FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', 'pr-step', NULL);
SELECT * FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', 'pr-step', '0 seconds');
SELECT * FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', 'pr-step', '8 days');
SELECT * FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', 'pr-step', '1 month');
SELECT * FROM forecast_endpoint_load('7b000000-0000-0000-0000-000000000001', 'pr-none');

---------------------------------------------------------------------------
-- the simulator learns from the earlier part of its demand
---------------------------------------------------------------------------

-- eight days of a daily step (50 rps, 400 from 09:00 to 17:00), scored on the
-- eighth: reactive scaling breaches at the step, prediction has the replicas ready
WITH trace AS (
    SELECT array_agg(CASE WHEN i * 15 % 86400 >= 9 * 3600 AND i * 15 % 86400 < 17 * 3600 THEN 400 ELSE 50 END::numeric
                     ORDER BY i) AS demand
    FROM generate_series(0, 8 * 5760 - 1) i)
SELECT m.mode,
       count(*) FILTER (WHERE s.ready_replicas = 0 OR s.latency_p95_ms > 200) / 4.0 AS breach_minutes,
       round(sum(s.desired_replicas) / 240.0, 1) AS replica_hours,
       count(s.forecast_rps) > 0 AS forecast_seen, max(s.forecast_replicas) AS most_forecast_replicas
FROM trace, (VALUES (1, 'off'), (2, 'forecast_only'), (3, 'forecast_and_scale')) m(ord, mode),
     LATERAL simulate_inference_scaling(trace.demand, 50,
         jsonb_build_object('inference', jsonb_build_object('predictive', jsonb_build_object('mode', m.mode))),
         1, 1, 40, start_at => '2024-01-01 00:00+00') s
WHERE s.step_no > 7 * 5760
GROUP BY m.ord, m.mode ORDER BY m.ord;

-- nothing left behind for the tests after this one
DELETE FROM inference_endpoints WHERE tenant_id::text LIKE '7b000000-%';
SELECT count(*) FROM endpoint_scaling_state WHERE tenant_id::text LIKE '7b000000-%';
DELETE FROM scaling_events WHERE tenant_id::text LIKE '7b000000-%';
DELETE FROM tenant_roles WHERE role_name = 'ts_pr_tenant';
DELETE FROM tenant_scaling_config WHERE tenant_id::text LIKE '7b000000-%';
DROP ROLE ts_pr_tenant;
