-- Scheduled scaling: recurring windows (cron, time zone, duration) in the
-- rules that set the bounds of endpoints and training workers; the cycle
-- applies them with their reasons, explain_endpoint_scaling shows them, the
-- simulators honour them on their clocks, and bad windows are refused.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never
\set VERBOSITY default

SELECT validate_scaling_rules('{"inference": {"schedule": [
  {"cron": "0 8 * * mon-fri", "timezone": "Europe/Berlin", "duration_minutes": 600, "min_replicas": 10},
  {"cron": "0 0 * * sat", "duration_minutes": 2880, "max_replicas": 2, "endpoint_id": "batch"}]},
  "training": {"schedule": [{"cron": "30 22 * * *", "timezone": "America/New_York", "duration_minutes": 480,
                             "min_workers": 4, "max_workers": 20}]}}');
-- refused, each with what is wrong
SELECT validate_scaling_rules('{"inference": {"schedule": [{"cron": "0 8 * *", "duration_minutes": 60, "min_replicas": 1}]}}');
SELECT validate_scaling_rules('{"inference": {"schedule": [{"cron": "0 8 * * fri-mon", "duration_minutes": 60, "min_replicas": 1}]}}');
SELECT validate_scaling_rules('{"inference": {"schedule": [{"cron": "61 8 * * *", "duration_minutes": 60, "min_replicas": 1}]}}');
SELECT validate_scaling_rules('{"inference": {"schedule": [{"cron": "0 8 * * *", "timezone": "Europe/Atlantis", "duration_minutes": 60, "min_replicas": 1}]}}');
SELECT validate_scaling_rules('{"training": {"schedule": [{"cron": "0 8 * * *", "timezone": "Nowhere/Else", "duration_minutes": 60, "min_workers": 1}]}}');
SELECT validate_scaling_rules('{"inference": {"schedule": [{"cron": "0 8 * * *", "duration_minutes": 60}]}}');
SELECT validate_scaling_rules('{"inference": {"schedule": [{"cron": "0 8 * * *", "min_replicas": 1}]}}');
SELECT validate_scaling_rules('{"inference": {"schedule": [{"cron": "0 8 * * *", "duration_minutes": 0, "min_replicas": 1}]}}');
SELECT validate_scaling_rules('{"inference": {"schedule": [{"cron": "0 8 * * *", "duration_minutes": 60, "min_replicas": 5, "max_replicas": 2}]}}');
SELECT validate_scaling_rules('{"inference": {"schedule": [{"cron": "0 8 * * *", "duration_minutes": 60, "min_workers": 5}]}}');
SELECT validate_scaling_rules('{"inference": {"schedule": []}}');
SELECT validate_scaling_rules('{"training": {"schedule": [{"cron": ["0 8 * * *"], "duration_minutes": 60, "min_workers": 1}]}}');
-- a tenant's stored rules are checked the same way, and nothing is stored
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, scaling_rules)
VALUES ('7d000000-0000-0000-0000-000000000009', 'basic', true,
        '{"inference": {"schedule": [{"cron": "0 8 * * *", "timezone": "Moon/Base", "duration_minutes": 60, "min_replicas": 1}]}}');
SELECT count(*) FROM tenant_scaling_config WHERE tenant_id = '7d000000-0000-0000-0000-000000000009';

-- the cycle: a window in force now (every minute starts one) raises the minimum of every
-- endpoint of the tenant; another, for one endpoint, lowers its maximum
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, scaling_rules)
VALUES ('7d000000-0000-0000-0000-000000000001', 'premium', true,
        '{"inference": {"schedule": [{"cron": "* * * * *", "duration_minutes": 5, "min_replicas": 6},
                                     {"cron": "* * * * *", "duration_minutes": 5, "max_replicas": 3, "endpoint_id": "sc-small"}]},
          "training": {"schedule": [{"cron": "* * * * *", "duration_minutes": 5, "min_workers": 3}]}}'),
       ('7d000000-0000-0000-0000-000000000002', 'premium', true,
        '{"inference": {"schedule": [{"cron": "0 0 1 1 *", "duration_minutes": 1, "min_replicas": 6}]}}');
INSERT INTO tenant_training_workers (tenant_id, status) VALUES ('7d000000-0000-0000-0000-000000000001', 'active');
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
VALUES ('7d000000-0000-0000-0000-000000000001', 0, 0);
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, min_replicas,
                                 max_replicas, target_rps, replica_capacity_rps) VALUES
    ('sc-big', '7d000000-0000-0000-0000-000000000001', 2, 2, 1, 20, 100, 50),
    ('sc-small', '7d000000-0000-0000-0000-000000000001', 5, 5, 1, 20, 100, 50),
    ('sc-other', '7d000000-0000-0000-0000-000000000002', 2, 2, 1, 20, 100, 50);
SELECT training_decisions, inference_decisions, errors FROM run_scaling_cycle();
SELECT resource_kind, resource_id, previous_count, new_count, reason, inputs->>'schedule_window' AS schedule_window
FROM scaling_events WHERE tenant_id::text LIKE '7d000000-%' ORDER BY resource_kind, resource_id;
SELECT endpoint_id, desired_replicas FROM inference_endpoints WHERE tenant_id::text LIKE '7d000000-%' ORDER BY 1;
-- the explanation names the window in force
SELECT name, value, detail FROM explain_endpoint_scaling('7d000000-0000-0000-0000-000000000001', 'sc-small')
WHERE name = 'bounds';
SELECT name, value, detail FROM explain_endpoint_scaling('7d000000-0000-0000-0000-000000000002', 'sc-other')
WHERE name = 'bounds';

-- the simulators honour a window on their clocks, in its time zone: 08:00-10:00 in Berlin
-- is 07:00-09:00 UTC in winter and 06:00-08:00 in summer; after it, the scale-down window
SELECT (s.day AT TIME ZONE 'UTC')::date AS day, (min(at) FILTER (WHERE desired_replicas >= 6) AT TIME ZONE 'UTC')::time AS first_six_utc,
       (max(at) FILTER (WHERE desired_replicas >= 6) AT TIME ZONE 'UTC')::time AS last_six_utc
FROM (VALUES ('2024-01-15 00:00+00'::timestamptz), ('2024-07-15 00:00+00')) s(day),
     LATERAL simulate_inference_scaling(array_fill(50::numeric, ARRAY[5760]), 50,
         '{"inference": {"schedule": [{"cron": "0 8 * * *", "timezone": "Europe/Berlin", "duration_minutes": 120,
                                       "min_replicas": 6}]}}', 2, 1, 10, start_at => s.day)
GROUP BY s.day ORDER BY s.day;
-- a window for one endpoint applies to a simulation of that endpoint only
SELECT e.id, max(desired_replicas) AS most
FROM (VALUES ('chat'), ('embed'), (NULL)) e(id),
     LATERAL simulate_inference_scaling(array_fill(50::numeric, ARRAY[8]), 50,
         '{"inference": {"schedule": [{"cron": "* * * * *", "duration_minutes": 5, "min_replicas": 7,
                                       "endpoint_id": "chat"}]}}', 2, 1, 10,
         start_at => '2024-01-01 00:00+00', endpoint_id => e.id)
GROUP BY e.id ORDER BY e.id;
-- training: at least 8 workers from 00:10 for 30 minutes, then the queue's 2 after the 5-minute window
SELECT min(step_no) FILTER (WHERE desired_workers = 8) AS from_minute, max(step_no) FILTER (WHERE desired_workers = 8) AS to_minute
FROM simulate_training_scaling(array_fill(90::numeric, ARRAY[2]), '{"training": {"schedule": [
    {"cron": "10 0 * * *", "duration_minutes": 30, "min_workers": 8}]}}', 10, start_at => '2024-01-01 00:00+00');

DELETE FROM inference_endpoints WHERE tenant_id::text LIKE '7d000000-%';
DELETE FROM scaling_events WHERE tenant_id::text LIKE '7d000000-%';
DELETE FROM tenant_training_workers WHERE tenant_id::text LIKE '7d000000-%';
DELETE FROM tenant_training_state WHERE tenant_id::text LIKE '7d000000-%';
DELETE FROM training_queue_stats WHERE tenant_id::text LIKE '7d000000-%';
DELETE FROM tenant_training_inputs WHERE tenant_id::text LIKE '7d000000-%';
DELETE FROM tenant_scaling_config WHERE tenant_id::text LIKE '7d000000-%';
