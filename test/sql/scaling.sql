-- Applied decisions: scale_inference_endpoint, run_scaling_cycle, desired
-- state, cooldowns, reasons, events and the run history.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.t(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('f0000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;
CREATE FUNCTION pg_temp.metrics(ep text, cpu numeric, mem numeric, p95 numeric, rps numeric,
                                age interval DEFAULT '10 seconds') RETURNS void LANGUAGE sql
AS $$ INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, memory_avg,
                                                   latency_p95_ms, requests_per_second)
      SELECT ep, e.tenant_id, now() - age, cpu, mem, p95, rps
      FROM tenant_scaling.inference_endpoints e WHERE e.endpoint_id = ep $$;
-- events without their timestamps and run ids
CREATE VIEW pg_temp.events AS
SELECT resource_kind, resource_id, action, previous_count, new_count, reason, origin
FROM tenant_scaling.scaling_events ORDER BY event_id;

-- the seed's fixed-step policies, whose thresholds and cooldowns these decisions
-- follow; target tracking and the queue policy, the defaults, are tested in
-- target_tracking.sql and training_queue.sql
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, scaling_rules) VALUES
    (pg_temp.t(1), 'premium', true, '{"training": {"policy": "step"}, "inference": {"policy": "step"}}'),
    (pg_temp.t(2), 'standard', true, '{"training": {"policy": "step"}, "inference": {"policy": "step", "step": 2, "scale_out_cooldown_seconds": 0, "scale_in_cooldown_seconds": 0}}'),
    (pg_temp.t(3), 'basic', false, NULL);
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, min_replicas, max_replicas, target_rps) VALUES
    ('chat', pg_temp.t(1), 2, 2, 1, 4, 100),
    ('embed', pg_temp.t(1), 3, 3, 1, 10, 50),
    ('vision', pg_temp.t(2), 1, 1, 1, 10, 10),
    ('idle', pg_temp.t(3), 5, 5, 1, 10, 10);

---------------------------------------------------------------------------
-- scale_inference_endpoint
---------------------------------------------------------------------------

-- no metrics, or only old ones: nothing changes
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');
SELECT pg_temp.metrics('chat', 95, 40, 120, 80, '6 minutes');
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');
-- tenant_scaling.metrics_max_age moves the limit
SET tenant_scaling.metrics_max_age = '10min';
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');
RESET tenant_scaling.metrics_max_age;
SELECT endpoint_id, current_replicas, desired_replicas FROM inference_endpoints WHERE endpoint_id = 'chat';
SELECT * FROM pg_temp.events;
-- the event carries the inputs it used
SELECT inputs - 'metrics_at' - 'explanation' AS inputs, inputs ? 'metrics_at' AS has_time,
       jsonb_path_query_array(inputs->'explanation', '$[*].name') AS explained FROM scaling_events;

-- the newest recent sample decides; the next decision starts from desired_replicas (3),
-- and a scale-out within 60 s of the last one is refused
SELECT pg_temp.metrics('chat', 99, 40, 120, 80);
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');
UPDATE inference_endpoints SET last_scale_out_at = now() - interval '59 seconds' WHERE endpoint_id = 'chat';
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');
UPDATE inference_endpoints SET last_scale_out_at = now() - interval '61 seconds' WHERE endpoint_id = 'chat';
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');
-- at the endpoint's max_replicas (4): refused with the bound as reason
UPDATE inference_endpoints SET last_scale_out_at = now() - interval '1 hour' WHERE endpoint_id = 'chat';
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');

-- scale-in waits 300 s after any change
SELECT pg_temp.metrics('chat', 5, 5, 5, 5);
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');
UPDATE inference_endpoints SET last_scaled_at = now() - interval '299 seconds' WHERE endpoint_id = 'chat';
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');
UPDATE inference_endpoints SET last_scaled_at = now() - interval '301 seconds' WHERE endpoint_id = 'chat';
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');
-- a scale-in does not hold back a scale-out
SELECT pg_temp.metrics('chat', 90, 5, 5, 5);
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'chat');
SELECT * FROM pg_temp.events;

-- NULL metrics never scale in
SELECT pg_temp.metrics('embed', 5, 5, NULL, 5);
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'embed');

-- bad input: another tenant's endpoint, an unknown one; nothing is written
SELECT * FROM scale_inference_endpoint(pg_temp.t(2), 'chat');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM scale_inference_endpoint(pg_temp.t(1), 'no-such-endpoint');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM scale_inference_endpoint(NULL, 'chat');
SELECT count(*) AS events FROM scaling_events;

-- metrics must name the endpoint's own tenant
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg) VALUES ('chat', pg_temp.t(2), 50);

-- an error inside the function (a trigger rejecting the event) writes nothing
CREATE FUNCTION pg_temp.no_events() RETURNS trigger LANGUAGE plpgsql
AS $$ BEGIN RAISE EXCEPTION 'events are frozen'; END $$;
CREATE TRIGGER freeze_events BEFORE INSERT ON scaling_events FOR EACH ROW EXECUTE FUNCTION pg_temp.no_events();
UPDATE inference_endpoints SET last_scale_out_at = NULL, last_scaled_at = NULL WHERE endpoint_id = 'vision';
SELECT pg_temp.metrics('vision', 90, 10, 10, 1);
SELECT * FROM scale_inference_endpoint(pg_temp.t(2), 'vision');
SELECT desired_replicas FROM inference_endpoints WHERE endpoint_id = 'vision';
DROP TRIGGER freeze_events ON scaling_events;

-- the audit log is append-only
UPDATE scaling_events SET reason = 'rewritten';

---------------------------------------------------------------------------
-- run_scaling_cycle
---------------------------------------------------------------------------
DELETE FROM scaling_events;
SELECT pg_temp.metrics('vision', 90, 10, 10, 1);
SELECT pg_temp.metrics('idle', 1, 1, 1, 1);   -- tenant 3 does not auto-scale
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp) VALUES
    (pg_temp.t(1), 30, 900, now() - interval '5 seconds'),
    (pg_temp.t(2), 0, 0, now() - interval '5 seconds'),
    (pg_temp.t(3), 30, 900, now() - interval '5 seconds');
INSERT INTO tenant_training_workers (tenant_id, status)
SELECT pg_temp.t(n), 'active' FROM generate_series(1, 3) n, generate_series(1, 2);

SELECT tenants_evaluated, training_decisions, inference_decisions, errors FROM run_scaling_cycle();
SELECT * FROM pg_temp.events;
SELECT status, origin, tenants_evaluated, training_decisions, inference_decisions, errors, not_scaled,
       failed_tenants, finished_at >= started_at AS finished
FROM scheduler_runs ORDER BY run_id DESC LIMIT 1;
SELECT count(*) = 3 AS events_name_their_run FROM scaling_events e JOIN scheduler_runs r USING (run_id);
SELECT tenant_id = pg_temp.t(1) AS tenant_1, desired_workers FROM tenant_training_state;

-- the backlog persists until the actuator acts: no new order within the cooldown,
-- and the next one starts from the desired count, not from the workers that exist
SELECT tenants_evaluated, training_decisions, inference_decisions, errors FROM run_scaling_cycle();
SELECT not_scaled FROM scheduler_runs ORDER BY run_id DESC LIMIT 1;
UPDATE tenant_training_state SET last_scale_out_at = now() - interval '301 seconds';
SELECT training_decisions FROM run_scaling_cycle();
SELECT desired_workers FROM tenant_training_state ORDER BY tenant_id;
SELECT * FROM pg_temp.events WHERE resource_kind = 'training';

-- a tenant whose decisions cannot be written is skipped and named; the others are applied
CREATE FUNCTION pg_temp.reject_tenant_2() RETURNS trigger LANGUAGE plpgsql
AS $$ BEGIN
    IF NEW.tenant_id = 'f0000000-0000-0000-0000-000000000002' THEN RAISE EXCEPTION 'tenant 2 is frozen'; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reject_2 BEFORE INSERT ON scaling_events FOR EACH ROW EXECUTE FUNCTION pg_temp.reject_tenant_2();
UPDATE tenant_training_state SET last_scale_out_at = now() - interval '1 hour';
SELECT desired_replicas AS vision_before FROM inference_endpoints WHERE endpoint_id = 'vision';
SELECT tenants_evaluated, training_decisions, inference_decisions, errors FROM run_scaling_cycle();
SELECT errors, failed_tenants FROM scheduler_runs ORDER BY run_id DESC LIMIT 1;
SELECT desired_replicas AS vision_after FROM inference_endpoints WHERE endpoint_id = 'vision';
DROP TRIGGER reject_2 ON scaling_events;

-- a cycle prunes history older than tenant_scaling.history_retention
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp) VALUES
    (pg_temp.t(1), 1, 1, now() - interval '40 days'), (pg_temp.t(1), 1, 1, now() - interval '2 days');
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg) VALUES
    ('chat', pg_temp.t(1), now() - interval '40 days', 1), ('chat', pg_temp.t(1), now() - interval '2 days', 1);
SET tenant_scaling.history_retention = '30d';
SELECT errors FROM run_scaling_cycle();
SELECT pruned_rows FROM scheduler_runs ORDER BY run_id DESC LIMIT 1;
SELECT count(*) FILTER (WHERE timestamp < now() - interval '30 days') AS old_stats, count(*) AS stats
FROM training_queue_stats;
SELECT count(*) FILTER (WHERE ts < now() - interval '30 days') AS old_metrics FROM endpoint_metrics;
RESET tenant_scaling.history_retention;
SET tenant_scaling.history_retention = 0;
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
VALUES (pg_temp.t(1), 1, 1, now() - interval '400 days');
SELECT errors FROM run_scaling_cycle();
SELECT pruned_rows FROM scheduler_runs ORDER BY run_id DESC LIMIT 1;
RESET tenant_scaling.history_retention;

-- run_scaling_cycle is for operators: not granted to PUBLIC
SELECT has_function_privilege('public', 'run_scaling_cycle()', 'execute');

-- the cycle passes over the endpoints of tenants that do not auto-scale,
-- wherever they fall between those that do
DELETE FROM inference_endpoints;
DELETE FROM tenant_scaling_config;
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled) VALUES
    ('10000000-0000-0000-0000-000000000001', 'premium', true), ('20000000-0000-0000-0000-000000000001', 'premium', false),
    ('30000000-0000-0000-0000-000000000001', 'premium', true), ('40000000-0000-0000-0000-000000000001', 'premium', false);
INSERT INTO inference_endpoints (endpoint_id, tenant_id, replica_capacity_rps)
SELECT 'mix-' || left(tenant_id::text, 1) || '-' || k, tenant_id, 100 FROM tenant_scaling_config, generate_series(1, 3) k;
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT endpoint_id, tenant_id, 95, 50, 200, 190 FROM inference_endpoints;
SELECT tenants_evaluated, inference_decisions FROM run_scaling_cycle();
SELECT left(tenant_id::text, 1) AS tenant, count(*) FILTER (WHERE desired_replicas > 1) AS scaled_out, count(*) AS endpoints
FROM inference_endpoints GROUP BY 1 ORDER BY 1;

DELETE FROM scaling_events;
DELETE FROM scheduler_runs;
DELETE FROM tenant_training_state;
DELETE FROM tenant_training_workers;
DELETE FROM training_queue_stats;
DELETE FROM inference_endpoints;
DELETE FROM tenant_scaling_config;
