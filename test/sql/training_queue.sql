-- The training queue policy, the default for applied training decisions:
-- workers sized to the jobs queued and running, within the ceiling, through
-- the rate limits and the scale-down window; the seed's reading stays in
-- check_training_scaling_trigger and in "policy": "step".
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never
\set VERBOSITY default

SELECT validate_scaling_rules('{"training": {"policy": "queue", "jobs_per_worker": 2,
  "behavior": {"scale_up": {"policies": [{"type": "pods", "value": 5, "period_seconds": 60}]},
               "scale_down": {"stabilization_window_seconds": 60, "select_policy": "min"}}}}');
SELECT validate_scaling_rules('{"training": {"policy": "fifo"}}');
SELECT validate_scaling_rules('{"training": {"jobs_per_worker": 0}}');
SELECT validate_scaling_rules('{"training": {"jobs_per_worker": 1.5}}');
SELECT validate_scaling_rules('{"training": {"behavior": {"scale_up": {"tolerance": 0.1}}}}');
SELECT validate_scaling_rules('{"training": {"behavior": {"scale_down": {"stabilization_window_seconds": 3601}}}}');

CREATE FUNCTION pg_temp.t(n int) RETURNS uuid LANGUAGE sql
AS $$ SELECT ('7c000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;
CREATE VIEW pg_temp.events AS
SELECT resource_id::uuid = pg_temp.t(1) AS tenant_1, action, previous_count, new_count, reason,
       inputs->>'policy' AS policy, (inputs->>'queued_jobs')::int AS queued, (inputs->>'running_jobs')::int AS running,
       (inputs->>'recommendation')::int AS recommendation
FROM tenant_scaling.scaling_events WHERE resource_kind = 'training' AND tenant_id::text LIKE '7c000000-%'
ORDER BY event_id;

-- tenant 1: the default policy, a ceiling of 30 (distributed training); tenant 2: the seed's
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, max_concurrent_jobs, scaling_rules)
VALUES (pg_temp.t(1), 'enterprise', true, 100,
        '{"training": {"behavior": {"scale_down": {"stabilization_window_seconds": 1}}}}'),
       (pg_temp.t(2), 'enterprise', true, 100, '{"training": {"policy": "step"}}');
INSERT INTO tenant_training_config (tenant_id, distributed_training_enabled, max_workers)
VALUES (pg_temp.t(1), true, 30), (pg_temp.t(2), true, 30);
INSERT INTO tenant_training_workers (tenant_id, status) VALUES (pg_temp.t(1), 'active'), (pg_temp.t(2), 'active');

-- a backlog of 40 jobs arrives at once, 2 of them running
SELECT count(*) FROM (SELECT submit_training_job(pg_temp.t(n), 'training_small', 1, 1)
                      FROM generate_series(1, 40), generate_series(1, 2) n) s;
SELECT count(start_next_training_job(pg_temp.t(n))) FROM generate_series(1, 2), generate_series(1, 2) n;
SELECT tenant_id = pg_temp.t(1) AS tenant_1, queued_jobs, running_jobs FROM tenant_job_counts
WHERE tenant_id::text LIKE '7c000000-%' ORDER BY tenant_id;

-- the queue policy orders tenfold at once (1 -> 11, the default rate limit); the seed's rule
-- waits until the average wait passes 300 s
SELECT training_decisions FROM run_scaling_cycle();
SELECT * FROM pg_temp.events;
-- the workers ordered are counted while they start: the same backlog is not ordered again,
-- the next decision goes on to the ceiling of 30 once the rate-limit period has passed (the
-- changes are read only when the last one is within the longest period)
SELECT training_decisions FROM run_scaling_cycle();
SELECT desired_workers FROM tenant_training_state WHERE tenant_id = pg_temp.t(1);
UPDATE tenant_training_state SET last_scale_out_at = last_scale_out_at - interval '61 seconds',
                                 last_scaled_at = last_scaled_at - interval '61 seconds'
WHERE tenant_id = pg_temp.t(1);
SELECT training_decisions FROM run_scaling_cycle();
SELECT * FROM pg_temp.events WHERE tenant_1;
-- the seed's reading is unchanged: +2 on the queue sample
SELECT * FROM check_training_scaling_trigger(pg_temp.t(1));

-- the queue drains: held by the scale-down window (1 s in these rules), then down to
-- what the jobs still running need, never below min_workers
UPDATE training_jobs SET status = 'cancelled', finished_at = now()
WHERE tenant_id = pg_temp.t(1) AND status = 'queued';
SELECT finish_training_job(job_id, true) FROM training_jobs
WHERE tenant_id = pg_temp.t(1) AND status = 'running' AND job_id = (SELECT min(job_id) FROM training_jobs
                                                                   WHERE tenant_id = pg_temp.t(1) AND status = 'running');
SELECT queued_jobs, running_jobs FROM tenant_job_counts WHERE tenant_id = pg_temp.t(1);
SELECT training_decisions FROM run_scaling_cycle();
SELECT not_scaled->'scale_down_stabilized' AS stabilized FROM scheduler_runs ORDER BY run_id DESC LIMIT 1;
SELECT recommendations->>'direction' AS direction, jsonb_array_length(recommendations->'entries') AS entries
FROM training_scaling_state WHERE tenant_id = pg_temp.t(1);
SELECT pg_sleep(1.1);
SELECT training_decisions FROM run_scaling_cycle();
SELECT * FROM pg_temp.events WHERE tenant_1 OFFSET 2;
SELECT desired_workers FROM tenant_training_state WHERE tenant_id = pg_temp.t(1);

-- the simulator: 20 jobs of 30 minutes at once, at most 10 workers, ready 3 minutes after ordered;
-- the queue policy orders all 10 at once, the seed +2 every 5 minutes once the wait passes 300 s
SELECT policy, max(step_no) AS done_minute, min(step_no) FILTER (WHERE queued = 0) AS served_minute,
       max(workers) AS most_workers, sum(workers) AS worker_minutes,
       bool_and(running <= ready_workers AND queued + running + finished = 20) AS consistent
FROM (VALUES ('queue', NULL::jsonb), ('step', '{"training": {"policy": "step"}}')) p(policy, rules),
     LATERAL simulate_training_scaling(array_fill(30::numeric, ARRAY[20]), p.rules, 10,
                                       start_at => '2024-01-01 00:00+00') s
GROUP BY policy ORDER BY policy;
SELECT step_no, queued, running, desired_workers, ready_workers, action, reason
FROM simulate_training_scaling(array_fill(30::numeric, ARRAY[20]), NULL, 10, start_at => '2024-01-01 00:00+00')
WHERE step_no <= 5 OR action <> 'none' ORDER BY step_no;
-- jobs submitted later wait for their minute; the order is by submission
SELECT min(step_no) FILTER (WHERE running > 0) AS first_running, max(step_no) AS done_minute
FROM simulate_training_scaling('{10, 10}', NULL, 2, submitted_minute => '{30, 5}', start_at => '2024-01-01 00:00+00');
-- bad input
SELECT * FROM simulate_training_scaling(NULL);
SELECT * FROM simulate_training_scaling('{10, NULL}');
SELECT * FROM simulate_training_scaling('{10, 0}');
SELECT * FROM simulate_training_scaling('{{10}, {20}}');
SELECT * FROM simulate_training_scaling('{10}', max_workers => 0);
SELECT * FROM simulate_training_scaling('{10}', step => '0 seconds');
SELECT * FROM simulate_training_scaling('{10}', provisioning => '1 month');
SELECT * FROM simulate_training_scaling('{10, 20}', submitted_minute => '{1}');
SELECT * FROM simulate_training_scaling('{10}', submitted_minute => '{-1}');
SELECT * FROM simulate_training_scaling('{10}', '{"training": {"policy": "lifo"}}');
-- no job: nothing to do, no row
SELECT count(*) FROM simulate_training_scaling('{}');

-- a tenant reads its own window only
CREATE ROLE ts_tq_tenant;
INSERT INTO tenant_roles VALUES ('ts_tq_tenant', pg_temp.t(2));
SET ROLE ts_tq_tenant;
SELECT count(*) AS visible FROM tenant_scaling.training_scaling_state;
RESET ROLE;

DELETE FROM tenant_roles WHERE role_name = 'ts_tq_tenant';
DROP ROLE ts_tq_tenant;
DELETE FROM training_jobs WHERE tenant_id::text LIKE '7c000000-%';
DELETE FROM tenant_training_workers WHERE tenant_id::text LIKE '7c000000-%';
DELETE FROM tenant_training_state WHERE tenant_id::text LIKE '7c000000-%';
DELETE FROM training_queue_stats WHERE tenant_id::text LIKE '7c000000-%';
DELETE FROM tenant_training_inputs WHERE tenant_id::text LIKE '7c000000-%';
DELETE FROM tenant_job_counts WHERE tenant_id::text LIKE '7c000000-%';
DELETE FROM scaling_events WHERE tenant_id::text LIKE '7c000000-%';
DELETE FROM tenant_training_config WHERE tenant_id::text LIKE '7c000000-%';
DELETE FROM tenant_scaling_config WHERE tenant_id::text LIKE '7c000000-%';
-- a deleted tenant's window stays (no foreign key to wait on) until a retention has passed
SELECT count(*) AS states_left FROM training_scaling_state WHERE tenant_id::text LIKE '7c000000-%';
UPDATE training_scaling_state SET updated_at = now() - interval '8 days' WHERE tenant_id::text LIKE '7c000000-%';
SELECT errors FROM run_scaling_cycle();
SELECT count(*) AS states_left FROM training_scaling_state WHERE tenant_id::text LIKE '7c000000-%';
