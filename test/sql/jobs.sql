-- The training job queue: limits enforced at submit and at start, finish, queue sampling.
SET search_path = tenant_scaling, public;

INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb,
                                   max_training_duration_hours, auto_scaling_enabled) VALUES
    ('b1000000-0000-0000-0000-000000000001', 'premium', 2, 50, 48, true),
    ('b1000000-0000-0000-0000-000000000002', 'basic', 0, 10, 10, false),
    ('b1000000-0000-0000-0000-000000000003', 'basic', NULL, NULL, NULL, false);

-- submit: within the limits a job is queued; the limits are inclusive
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_small', 50, 48) > 0 AS queued;
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_large', 12.5, 1.5) > 0 AS queued;
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_medium', 0, 0.25) > 0 AS queued;
SELECT tenant_id, workload_type, model_size_gb, expected_duration_hours, status, started_at, finished_at
FROM training_jobs ORDER BY job_id;

-- over a limit: its own SQLSTATE, the limit and the value in the message, nothing written
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_small', 50.001, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_small', 1, 48.5);
\echo :LAST_ERROR_SQLSTATE
-- an unknown tenant and NULL limits get the seed's defaults (1 GB, 24 h)
SELECT submit_training_job('b1000000-0000-0000-0000-0000000000ff', 'training_small', 2, 1);
SELECT submit_training_job('b1000000-0000-0000-0000-000000000003', 'training_small', 1, 25);
SELECT submit_training_job('b1000000-0000-0000-0000-000000000003', 'training_small', 1, 24) > 0 AS queued;
-- bad input
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_xl', 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_small', -1, 1);
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_small', 1, 0);
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_small', 'NaN', 1);
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_small', 1, 'Infinity');
SELECT submit_training_job(NULL, 'training_small', 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', NULL, 1, 1);
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_small', NULL, 1);
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_small', 1, NULL);
SELECT count(*) AS jobs FROM training_jobs;

-- start: the oldest queued job, while fewer than max_concurrent_jobs (2) run
CREATE TEMP TABLE started (n serial, job_id bigint);
INSERT INTO started (job_id) SELECT start_next_training_job('b1000000-0000-0000-0000-000000000001');
INSERT INTO started (job_id) SELECT start_next_training_job('b1000000-0000-0000-0000-000000000001');
INSERT INTO started (job_id) SELECT start_next_training_job('b1000000-0000-0000-0000-000000000001');
SELECT s.n, j.workload_type, j.status, j.started_at IS NOT NULL AS has_start
FROM started s LEFT JOIN training_jobs j USING (job_id) ORDER BY s.n;
SELECT queued_jobs, running_jobs FROM tenant_job_counts WHERE tenant_id = 'b1000000-0000-0000-0000-000000000001';
-- a limit of 0 starts nothing; a tenant without jobs or unknown gets NULL
SELECT submit_training_job('b1000000-0000-0000-0000-000000000002', 'inference_small', 1, 1) > 0 AS queued;
SELECT start_next_training_job('b1000000-0000-0000-0000-000000000002');
SELECT start_next_training_job('b1000000-0000-0000-0000-0000000000ee');
SELECT start_next_training_job(NULL);

-- finish: a running job ends; the freed slot starts the next one
SELECT finish_training_job((SELECT job_id FROM started WHERE n = 1), true);
SELECT status, finished_at >= started_at AS ordered FROM training_jobs WHERE job_id = (SELECT job_id FROM started WHERE n = 1);
SELECT workload_type FROM training_jobs WHERE job_id = start_next_training_job('b1000000-0000-0000-0000-000000000001');
SELECT finish_training_job((SELECT job_id FROM started WHERE n = 2), false);
SELECT status FROM training_jobs WHERE job_id = (SELECT job_id FROM started WHERE n = 2);
-- finishing a job that is not running is an error that changes nothing
SELECT finish_training_job((SELECT job_id FROM started WHERE n = 1), true);
\echo :LAST_ERROR_SQLSTATE
SELECT finish_training_job((SELECT min(job_id) FROM training_jobs WHERE status = 'queued'), true);
SELECT finish_training_job(-1, true);
\echo :LAST_ERROR_SQLSTATE
SELECT finish_training_job(NULL, true);
SELECT status, count(*) FROM training_jobs GROUP BY status ORDER BY status;

-- lowering the limit: running jobs go on, nothing starts until under it
SELECT submit_training_job('b1000000-0000-0000-0000-000000000001', 'training_small', 1, 1) > 0 AS queued;
SELECT start_next_training_job('b1000000-0000-0000-0000-000000000001') > 0 AS started;
UPDATE tenant_scaling_config SET max_concurrent_jobs = 1 WHERE tenant_id = 'b1000000-0000-0000-0000-000000000001';
SELECT running_jobs FROM tenant_job_counts WHERE tenant_id = 'b1000000-0000-0000-0000-000000000001';
SELECT start_next_training_job('b1000000-0000-0000-0000-000000000001');

-- the counts follow direct changes to training_jobs too
UPDATE training_jobs SET status = 'cancelled' WHERE status = 'queued' AND tenant_id = 'b1000000-0000-0000-0000-000000000002';
SELECT c.tenant_id, c.queued_jobs = q.queued AS queued_ok, c.running_jobs = q.running AS running_ok
FROM tenant_job_counts c
JOIN (SELECT tenant_id, count(*) FILTER (WHERE status = 'queued') AS queued,
             count(*) FILTER (WHERE status = 'running') AS running
      FROM training_jobs GROUP BY tenant_id) q USING (tenant_id)
ORDER BY 1;

-- a cycle samples the queues: one training_queue_stats row per tenant with queued or
-- recently finished jobs
UPDATE training_jobs SET submitted_at = now() - interval '10 minutes' WHERE status = 'queued';
SELECT errors FROM run_scaling_cycle();
SELECT tenant_id, queue_size, avg_wait_time_seconds >= 600 AS waited, max_wait_time_seconds >= 600 AS max_waited,
       processing_rate_per_minute
FROM training_queue_stats ORDER BY tenant_id;
SELECT queue_size, stats_at IS NOT NULL AS sampled FROM tenant_training_inputs
WHERE tenant_id = 'b1000000-0000-0000-0000-000000000001';

DELETE FROM training_queue_stats;
DELETE FROM training_jobs;
DELETE FROM scheduler_runs;
DELETE FROM scaling_events;
DELETE FROM tenant_training_state;
DELETE FROM tenant_scaling_config;
