-- A desired count changed by hand is audited like a decision: an event with
-- origin manual, the reason and who changed it; the extension's own
-- decisions are not logged twice.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never

CREATE ROLE ts_ovr_operator IN ROLE tenant_scaling_admin;
CREATE ROLE ts_ovr_tenant;
INSERT INTO tenant_roles VALUES ('ts_ovr_tenant', '0e000000-0000-0000-0000-000000000001');
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
VALUES ('0e000000-0000-0000-0000-000000000001', 'premium', true);
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

DELETE FROM scaling_events WHERE tenant_id = '0e000000-0000-0000-0000-000000000001';
DELETE FROM tenant_training_state WHERE tenant_id = '0e000000-0000-0000-0000-000000000001';
DELETE FROM inference_endpoints WHERE tenant_id = '0e000000-0000-0000-0000-000000000001';
DELETE FROM tenant_scaling_config WHERE tenant_id = '0e000000-0000-0000-0000-000000000001';
DELETE FROM tenant_roles WHERE tenant_id = '0e000000-0000-0000-0000-000000000001';
DROP ROLE ts_ovr_operator, ts_ovr_tenant;
