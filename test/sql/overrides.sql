-- A desired count changed by hand is audited like a decision: an event with
-- origin manual, the reason and who changed it; the extension's own
-- decisions are not logged twice.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never

CREATE ROLE ts_ovr_operator IN ROLE tenant_scaling_admin;
CREATE ROLE ts_ovr_tenant;
INSERT INTO tenant_roles VALUES ('ts_ovr_tenant', '0e000000-0000-0000-0000-000000000001');
-- the seed's fixed step, whose cooldowns these tests lean on
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, scaling_rules)
VALUES ('0e000000-0000-0000-0000-000000000001', 'premium', true, '{"inference": {"policy": "step"}}');
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, min_replicas, max_replicas,
                                 target_rps)
VALUES ('ovr-1', '0e000000-0000-0000-0000-000000000001', 2, 2, 1, 6, 100);
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('ovr-1', '0e000000-0000-0000-0000-000000000001', 95, 10, 10, 10);
CREATE VIEW pg_temp.ovr_events AS
SELECT resource_kind, resource_id, action, previous_count, new_count, reason, origin, inputs ->> 'overridden_by' AS by
  FROM tenant_scaling.scaling_events WHERE tenant_id = '0e000000-0000-0000-0000-000000000001' ORDER BY event_id;

-- the cycle's decision is one event, logged by the cycle only
SELECT inference_decisions FROM run_scaling_cycle();
SELECT * FROM pg_temp.ovr_events;

SET ROLE ts_ovr_operator;
-- an override with a reason, within the bounds; it starts the cooldowns as a decision does
SELECT set_desired_replicas('0e000000-0000-0000-0000-000000000001', 'ovr-1', 5, 'launch of the new model');
SELECT set_desired_replicas('0e000000-0000-0000-0000-000000000001', 'ovr-1', 7, 'too many');
SELECT set_desired_replicas('0e000000-0000-0000-0000-000000000001', 'ovr-1', 0, 'too few');
SELECT set_desired_replicas('0e000000-0000-0000-0000-000000000001', 'nope', 2, 'missing');
SELECT set_desired_replicas('0e000000-0000-0000-0000-000000000001', 'ovr-1', 3, NULL);
-- a direct UPDATE is audited too, with the default reason; an unchanged count logs nothing
UPDATE inference_endpoints SET desired_replicas = 4 WHERE endpoint_id = 'ovr-1';
UPDATE inference_endpoints SET desired_replicas = 4, min_replicas = 1 WHERE endpoint_id = 'ovr-1';
-- the training workers the same way, first set and then changed
SELECT set_desired_workers('0e000000-0000-0000-0000-000000000001', 3, 'nightly batch');
SELECT set_desired_workers('0e000000-0000-0000-0000-000000000001', 1, 'batch done');
SELECT set_desired_workers('0e000000-0000-0000-0000-000000000001', -1, 'negative');
RESET ROLE;
SELECT * FROM pg_temp.ovr_events;
SELECT desired_replicas, last_scaled_at IS NOT NULL AS cooldown_started FROM inference_endpoints WHERE endpoint_id = 'ovr-1';
-- the override holds: the next cycle meets the cooldown it started
SELECT inference_decisions FROM run_scaling_cycle();
SELECT not_scaled ? 'scale_out_cooldown' AS in_cooldown FROM scheduler_runs ORDER BY run_id DESC LIMIT 1;
-- the reason is the override's own, not left for the next statement of the transaction
SELECT current_setting('tenant_scaling.override_reason') AS reason_after;

-- a tenant may do neither
SET ROLE ts_ovr_tenant;
SELECT set_desired_replicas('0e000000-0000-0000-0000-000000000001', 'ovr-1', 6, 'more for me');
UPDATE inference_endpoints SET desired_replicas = 6 WHERE endpoint_id = 'ovr-1';
RESET ROLE;

-- pauses: one endpoint, or the whole tenant, until resumed or until a time
-- the seed's fixed step, whose cooldowns these tests lean on
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, scaling_rules)
VALUES ('0e000000-0000-0000-0000-000000000002', 'premium', true, '{"inference": {"policy": "step"}}');
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, target_rps)
VALUES ('pause-1', '0e000000-0000-0000-0000-000000000002', 2, 2, 100),
       ('pause-2', '0e000000-0000-0000-0000-000000000002', 2, 2, 100);
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('pause-1', '0e000000-0000-0000-0000-000000000002', 95, 10, 10, 10),
       ('pause-2', '0e000000-0000-0000-0000-000000000002', 95, 10, 10, 10);
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
VALUES ('0e000000-0000-0000-0000-000000000002', 50, 900, now() + interval '1 minute');
SET ROLE ts_ovr_operator;
SELECT pause_scaling('0e000000-0000-0000-0000-000000000002', 'pause-1', reason => 'model being replaced');
SELECT pause_scaling('0e000000-0000-0000-0000-000000000002', 'nope');
-- (the message names the time: only its SQLSTATE here)
\set VERBOSITY sqlstate
SELECT pause_scaling('0e000000-0000-0000-0000-000000000002', until => now() - interval '1 hour');
\set VERBOSITY default
RESET ROLE;
SELECT r.training_decisions, r.inference_decisions FROM run_scaling_cycle() r;
SELECT not_scaled ? 'paused' AS reported_paused FROM scheduler_runs ORDER BY run_id DESC LIMIT 1;
SELECT resource_id, reason FROM scaling_events WHERE tenant_id = '0e000000-0000-0000-0000-000000000002'
 ORDER BY resource_id;
SELECT * FROM scale_inference_endpoint('0e000000-0000-0000-0000-000000000002', 'pause-1');
-- the whole tenant, for an hour: nothing of it is scaled, and the pause shows why
SET ROLE ts_ovr_operator;
SELECT pause_scaling('0e000000-0000-0000-0000-000000000002', until => now() + interval '1 hour', reason => 'migration');
RESET ROLE;
UPDATE inference_endpoints SET last_scaled_at = NULL, last_scale_out_at = NULL
 WHERE tenant_id = '0e000000-0000-0000-0000-000000000002';
UPDATE tenant_training_state SET last_scaled_at = NULL, last_scale_out_at = NULL
 WHERE tenant_id = '0e000000-0000-0000-0000-000000000002';
SELECT r.training_decisions, r.inference_decisions FROM run_scaling_cycle() r;
SELECT not_scaled -> 'paused' AS paused FROM scheduler_runs ORDER BY run_id DESC LIMIT 1;
SELECT endpoint_id, until IS NOT NULL AS until_set, reason, paused_by FROM scaling_pauses
 WHERE tenant_id = '0e000000-0000-0000-0000-000000000002' ORDER BY endpoint_id NULLS FIRST;
-- resumed, it scales again
SET ROLE ts_ovr_operator;
SELECT resume_scaling('0e000000-0000-0000-0000-000000000002') AS resumed_tenant,
       resume_scaling('0e000000-0000-0000-0000-000000000002', 'pause-1') AS resumed_endpoint,
       resume_scaling('0e000000-0000-0000-0000-000000000002', 'pause-1') AS again;
RESET ROLE;
SELECT r.inference_decisions FROM run_scaling_cycle() r;
-- a tenant sees its pauses and may not pause or resume
SET ROLE ts_ovr_tenant;
SELECT resume_scaling('0e000000-0000-0000-0000-000000000001');
RESET ROLE;

DELETE FROM scaling_events WHERE tenant_id = '0e000000-0000-0000-0000-000000000002';
DELETE FROM tenant_training_state WHERE tenant_id = '0e000000-0000-0000-0000-000000000002';
DELETE FROM training_queue_stats WHERE tenant_id = '0e000000-0000-0000-0000-000000000002';
DELETE FROM tenant_training_inputs WHERE tenant_id = '0e000000-0000-0000-0000-000000000002';
DELETE FROM inference_endpoints WHERE tenant_id = '0e000000-0000-0000-0000-000000000002';
DELETE FROM tenant_scaling_config WHERE tenant_id = '0e000000-0000-0000-0000-000000000002';
DELETE FROM scaling_events WHERE tenant_id = '0e000000-0000-0000-0000-000000000001';
DELETE FROM tenant_training_state WHERE tenant_id = '0e000000-0000-0000-0000-000000000001';
DELETE FROM inference_endpoints WHERE tenant_id = '0e000000-0000-0000-0000-000000000001';
DELETE FROM tenant_scaling_config WHERE tenant_id = '0e000000-0000-0000-0000-000000000001';
DELETE FROM tenant_roles WHERE tenant_id = '0e000000-0000-0000-0000-000000000001';
DROP ROLE ts_ovr_operator, ts_ovr_tenant;
