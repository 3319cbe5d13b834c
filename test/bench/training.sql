-- test/bench/training.sql: the training-queue benchmark (run by training.sh). Jobs go through
-- simulate_training_scaling with the default queue policy and with the seed's step rule; each run
-- is scored on the minutes until the backlog is served (every job started), until every job is
-- done, the mean wait, the worker-hours paid (ready and provisioning) against the work done, and
-- the most workers. Workers are ready 3 minutes after they are ordered; one decision a minute.

SET client_min_messages = warning;
SELECT clock_timestamp() AS script_t0 \gset

-- uniform in [0, 1), deterministic
CREATE FUNCTION pg_temp.u(seed int, i int) RETURNS float8 IMMUTABLE LANGUAGE sql
AS $$ SELECT (hashint8(seed::bigint * 1000003 + i)::float8 + 2147483648) / 4294967296 $$;

-- backlog: 200 jobs at once, 10 to 60 minutes; waves: four waves of 50 jobs three hours apart,
-- 10 to 60 minutes, spread over 10 minutes each
CREATE TEMP TABLE scenario AS
SELECT 1 AS ord, 'backlog_200, ceiling 50' AS name, 50 AS ceiling,
       (SELECT array_agg(round((10 + 50 * pg_temp.u(1, i))::numeric, 1) ORDER BY i) FROM generate_series(1, 200) i) AS minutes,
       NULL::numeric[] AS submitted
UNION ALL
SELECT 2, 'backlog_200, ceiling 10', 10,
       (SELECT array_agg(round((10 + 50 * pg_temp.u(1, i))::numeric, 1) ORDER BY i) FROM generate_series(1, 200) i), NULL
UNION ALL
SELECT 3, 'waves_4x50, ceiling 50', 50,
       (SELECT array_agg(round((10 + 50 * pg_temp.u(2, i))::numeric, 1) ORDER BY i) FROM generate_series(1, 200) i),
       (SELECT array_agg(round((180 * ((i - 1) / 50) + 10 * pg_temp.u(3, i))::numeric, 1) ORDER BY i)
        FROM generate_series(1, 200) i);

CREATE TEMP TABLE policy (ord int, name text, rules jsonb);
INSERT INTO policy VALUES (1, 'queue (default)', NULL), (2, 'seed step', '{"training": {"policy": "step"}}');

CREATE TEMP TABLE run AS
SELECT s.ord AS scenario_ord, s.name AS scenario, p.ord AS policy_ord, p.name AS policy, r.*,
       (SELECT sum(m) FROM unnest(s.minutes) m) / 60 AS work_hours, cardinality(s.minutes) AS jobs
FROM scenario s, policy p,
     LATERAL tenant_scaling.simulate_training_scaling(s.minutes, p.rules, s.ceiling, 1, interval '1 minute',
         interval '3 minutes', s.submitted, timestamptz '2024-01-01 00:00:00+00') r;

CREATE TEMP TABLE score AS
SELECT scenario_ord, scenario, policy_ord, policy,
       min(step_no) FILTER (WHERE queued = 0 AND running + finished = jobs) AS served_minute,
       max(step_no) AS done_minute,
       -- each queued job waits a step per step it is queued
       sum(queued)::numeric / max(jobs) AS mean_wait_minutes,
       sum(workers) / 60.0 AS worker_hours, max(work_hours) AS work_hours, max(workers) AS most_workers
FROM run GROUP BY 1, 2, 3, 4;

\echo
\echo 'Training queue: minutes until every job has started and until all are done, mean wait, worker-hours'
SELECT scenario, policy, served_minute, done_minute, round(mean_wait_minutes, 1) AS mean_wait_min,
       round(worker_hours, 1) AS worker_hours, round(work_hours, 1) AS work_hours,
       round(worker_hours / work_hours, 2) AS paid_per_work, most_workers
FROM score ORDER BY scenario_ord, policy_ord;

WITH q AS (SELECT * FROM score WHERE policy_ord = 1), s AS (SELECT * FROM score WHERE policy_ord = 2),
goal(ord, name, detail, ok) AS (
    SELECT q.scenario_ord, format('%s: served sooner than the seed, worker-hours <= 1.05x', q.scenario),
           format('%s vs %s minutes, %s vs %s worker-hours', q.served_minute, s.served_minute,
                  round(q.worker_hours, 1), round(s.worker_hours, 1)),
           q.served_minute < s.served_minute AND q.worker_hours <= 1.05 * s.worker_hours
    FROM q JOIN s USING (scenario_ord))
SELECT name AS goal, detail, CASE WHEN ok THEN 'PASS' ELSE 'FAIL' END AS result FROM goal ORDER BY ord;

SELECT round(extract(epoch FROM clock_timestamp() - :'script_t0'::timestamptz)::numeric, 1) AS training_bench_seconds;
