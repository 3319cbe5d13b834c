-- test/differential/differential.sql: the extension's C functions against the peer
-- (seed_baseline.sql, the seed's logic in PL/pgSQL) on the same generated data.
--
-- Run by run.sh in a fresh, empty database: psql -X -v ON_ERROR_STOP=1 -qAt -f differential.sql
-- Prints one line per check, "ok - <name> (<rows> rows)" or
-- "not ok - <name> (<count> mismatches of <rows>, sample ...)"; run.sh adds the summary.
--
-- Where the product departs from the seed (README, Departures) ("departs:"), the check asserts the departure
-- exactly (where it happens and what we answer instead); where our answer has no peer
-- (provisioning workers, tenant_training_config, scaling_rules), the check compares the
-- C function with the documented rule written independently in SQL (pg_temp.design_*).

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
-- deterministic generation: one backend, no parallel plans, a fixed seed
SET max_parallel_workers_per_gather = 0;

-- the checks' own results are printed at the end; nothing else goes to stdout
\o /dev/null

CREATE EXTENSION tenant_scaling;
\ir seed_baseline.sql

--------------------------------------------------------------------------
-- The check harness
--------------------------------------------------------------------------

CREATE TEMP TABLE check_results (
    id serial PRIMARY KEY,
    name text NOT NULL,
    total bigint NOT NULL,
    mismatches bigint NOT NULL,
    sample text
);

-- check(name, query): query returns one row per comparison, (ok boolean, info text);
-- a row whose ok is not true is a mismatch (info is shown as a sample). A check
-- that compares nothing fails, and so does one whose query raises an error.
CREATE FUNCTION pg_temp.check(p_name text, p_query text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    m bigint;
    s text;
BEGIN
    BEGIN
        EXECUTE format($q$
            SELECT count(*), count(*) FILTER (WHERE ok IS NOT TRUE),
                   array_to_string((array_agg(info) FILTER (WHERE ok IS NOT TRUE))[1:3], ' | ')
            FROM (%s) AS q(ok, info)$q$, p_query)
        INTO n, m, s;
    EXCEPTION WHEN OTHERS THEN
        n := 0;
        m := 1;
        s := format('ERROR %s: %s', SQLSTATE, SQLERRM);
    END;
    INSERT INTO check_results (name, total, mismatches, sample) VALUES (p_name, n, m, s);
END;
$$;

--------------------------------------------------------------------------
-- simulate_inference_scaling against the scheduler: the same decisions on
-- the same inputs. A real endpoint is driven through the simulator's steps
-- (the ready count and the metrics each step reports), alternately by
-- scale_inference_endpoint and by run_scaling_cycle, before the generated
-- tenants exist. Rules whose windows and rate limits do not depend on the
-- clock, so that the run's real time and the simulated time agree.
--------------------------------------------------------------------------

CREATE TEMP TABLE sim_rules AS
SELECT '{"inference": {"behavior": {
          "scale_up": {"policies": [{"type": "pods", "value": 10000, "period_seconds": 1}]},
          "scale_down": {"stabilization_window_seconds": 0,
                         "policies": [{"type": "percent", "value": 100, "period_seconds": 1}]}}}}'::jsonb AS doc;
CREATE TEMP TABLE sim_steps AS
SELECT s.*
FROM sim_rules r,
     tenant_scaling.simulate_inference_scaling(
         ARRAY[40, 40, 60, 90, 90, 300, 300, 300, 300, 300, 300, 300, 120, 120, 80, 80, 80, 500, 500, 500,
               500, 500, 500, 500, 30, 30, 30, 30, 200, 200, 200, 200, 200, 200, 45, 45]::numeric[],
         50, r.doc, initial_replicas => 2, min_replicas => 1, max_replicas => 40,
         cold_start => '45 seconds', start_at => '2026-01-01 00:00+00') s;
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled, scaling_rules)
SELECT '5100a000-0000-0000-0000-000000000001', 'premium', true, doc FROM sim_rules;
INSERT INTO tenant_scaling.inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas,
                                                min_replicas, max_replicas)
VALUES ('sim-ep', '5100a000-0000-0000-0000-000000000001', 2, 2, 1, 40);
CREATE TEMP TABLE driven (step_no int PRIMARY KEY, desired int, reason text, via text);
DO $$
DECLARE
    s record;
    r record;
    d int;
BEGIN
    FOR s IN SELECT * FROM sim_steps ORDER BY step_no LOOP
        UPDATE tenant_scaling.inference_endpoints SET current_replicas = s.ready_replicas WHERE endpoint_id = 'sim-ep';
        INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms,
                                                     requests_per_second)
        VALUES ('sim-ep', '5100a000-0000-0000-0000-000000000001', clock_timestamp(), s.cpu_percent, NULL,
                s.latency_p95_ms, s.demand);
        IF s.step_no % 2 = 1 THEN
            SELECT * INTO r FROM tenant_scaling.scale_inference_endpoint('5100a000-0000-0000-0000-000000000001', 'sim-ep');
            INSERT INTO driven VALUES (s.step_no, r.new_replicas, r.reason, 'scale_inference_endpoint');
        ELSE
            PERFORM tenant_scaling.run_scaling_cycle();
            SELECT desired_replicas INTO d FROM tenant_scaling.inference_endpoints WHERE endpoint_id = 'sim-ep';
            INSERT INTO driven VALUES (s.step_no, d, NULL, 'run_scaling_cycle');
        END IF;
    END LOOP;
END
$$;
SELECT pg_temp.check('simulate_inference_scaling: the scheduler decides as the simulator, step by step',
$$SELECT d.desired = s.desired_replicas AND (d.reason IS NULL OR d.reason = s.reason),
         format('step %s via %s: scheduler %s (%s), simulator %s (%s)', s.step_no, d.via, d.desired, d.reason,
                s.desired_replicas, s.reason)
  FROM sim_steps s JOIN driven d USING (step_no)$$);
SELECT pg_temp.check('simulate_inference_scaling: the driven trace scales out and in, with a learnt capacity',
$$SELECT count(*) FILTER (WHERE action = 'scale_out') >= 2 AND count(*) FILTER (WHERE action = 'scale_in') >= 2
         AND bool_or(reason = 'requests_above_target'),
         format('%s scale-outs, %s scale-ins', count(*) FILTER (WHERE action = 'scale_out'),
                count(*) FILTER (WHERE action = 'scale_in'))
  FROM sim_steps$$);
SELECT pg_temp.check('simulate_inference_scaling: the scheduler stored the capacity the simulator learnt',
$$SELECT capacity_samples >= 3 AND abs(capacity_rps - 50) < 1e-9, format('capacity %s from %s samples', capacity_rps, capacity_samples)
  FROM tenant_scaling.endpoint_scaling_state WHERE endpoint_id = 'sim-ep'$$);
DELETE FROM tenant_scaling.inference_endpoints WHERE endpoint_id = 'sim-ep';
DELETE FROM tenant_scaling.scaling_events WHERE tenant_id = '5100a000-0000-0000-0000-000000000001';
DELETE FROM tenant_scaling.scheduler_runs;
DELETE FROM tenant_scaling.tenant_scaling_config WHERE tenant_id = '5100a000-0000-0000-0000-000000000001';

--------------------------------------------------------------------------
-- Generated data: 5000 tenants, the same rows in both schemas
--------------------------------------------------------------------------

SELECT setseed(0.20240601);

-- one row of random draws per tenant, drawn in order of i
CREATE TEMP TABLE gen_tenant AS
SELECT i,
       md5('tenant-' || i)::uuid AS tenant_id,
       random() AS r_config, random() AS r_tier, random() AS r_jobs, random() AS r_size,
       random() AS r_dur, random() AS r_auto, random() AS r_rules, random() AS r_rules_pick,
       random() AS r_caps, random() AS r_ttc, random() AS r_ttc_dist, random() AS r_ttc_max,
       random() AS r_nstats, random() AS r_active, random() AS r_prov, random() AS r_other
FROM generate_series(1, 5000) AS i
ORDER BY i;

-- scaling_rules documents (all valid); the training ones change the rule, the others not
CREATE TEMP TABLE gen_rules (k int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO gen_rules VALUES
    (1, '{"training": {"max_workers": 4}}'),
    (2, '{"training": {"min_workers": 2}}'),
    (3, '{"training": {"min_workers": 0}}'),
    (4, '{"training": {"scale_out_queue_size": 5, "scale_out_wait_seconds": 120.5}}'),
    (5, '{"training": {"scale_in_queue_size": 5, "scale_in_wait_seconds": 100}}'),
    (6, '{"training": {"scale_out_step": 3, "scale_in_step": 2}}'),
    (7, '{"training": {"min_workers": 3, "max_workers": 6, "scale_out_step": 1}}'),
    (8, '{"training": {"max_workers": 20}}'),
    (9, '{"inference": {"cpu_high": 0.9, "cpu_low": 0.1}}'),
    (10, '{}'),
    (11, '{"training": {}}'),
    (12, '{"training": {"scale_out_queue_size": 0, "scale_in_queue_size": 0, "scale_out_wait_seconds": 0, "scale_in_wait_seconds": 0}}'),
    (13, '{"training": {"scale_in_queue_size": 11, "scale_out_queue_size": 11, "scale_in_wait_seconds": 300, "scale_out_wait_seconds": 300}}'),
    (14, '{"training": {"scale_out_wait_seconds": 300.25, "scale_in_wait_seconds": 59.5}}'),
    (15, '{"training": {"max_workers": 1, "min_workers": 1}}'),
    (16, '{"training": {"min_workers": 12}}');

-- tenants with a config row (95%); the rest are known only by their stats and workers
CREATE TEMP TABLE gen_config AS
SELECT tenant_id,
       (ARRAY['basic', 'standard', 'premium', 'enterprise'])[1 + floor(r_tier * 4)::int] AS scaling_tier,
       CASE WHEN r_jobs < 0.05 THEN NULL ELSE floor(r_jobs * 20)::int END AS max_concurrent_jobs,
       CASE WHEN r_size < 0.05 THEN NULL
            WHEN r_size < 0.20 THEN round((r_size * 100)::numeric, 0) + 0.50   -- keeps scale 2
            ELSE round((r_size * 1000)::numeric, 3) END AS max_model_size_gb,
       CASE WHEN r_dur < 0.05 THEN NULL ELSE floor(r_dur * 200)::int END AS max_training_duration_hours,
       CASE WHEN r_auto < 0.05 THEN NULL ELSE r_auto < 0.6 END AS auto_scaling_enabled,
       CASE WHEN r_rules < 0.25 THEN (SELECT doc FROM gen_rules WHERE k = 1 + floor(r_rules_pick * 16)::int) END
           AS scaling_rules,
       CASE WHEN r_caps < 0.08 THEN floor(r_caps * 100)::int END AS max_cpu,
       CASE WHEN r_caps BETWEEN 0.04 AND 0.12 THEN floor(r_caps * 30)::int END AS max_gpu
FROM gen_tenant
WHERE r_config >= 0.05;

-- tenant_training_config for 20% of the tenants
CREATE TEMP TABLE gen_ttc AS
SELECT tenant_id,
       CASE WHEN r_ttc_dist < 0.05 THEN NULL ELSE r_ttc_dist < 0.6 END AS distributed_training_enabled,
       1 + floor(r_ttc_max * 16)::int AS max_workers
FROM gen_tenant
WHERE r_ttc < 0.20;

-- 0 to 6 queue samples per tenant (about 14% have none), timestamps distinct per tenant
-- and inserted out of order, values at and around the thresholds
CREATE TEMP TABLE gen_stats AS
SELECT t.tenant_id,
       (ARRAY[0, 1, 2, 3, 9, 10, 11, 12, 40])[1 + floor(random() * 9)::int] AS queue_size,
       (ARRAY[0, 30, 59, 59.5, 60, 60.5, 100, 299, 299.99, 300, 300.25, 300.5, 301, 900, NULL]::numeric[])
           [1 + floor(random() * 15)::int] AS avg_wait_time_seconds,
       floor(random() * 2000)::int AS max_wait_time_seconds,
       round((random() * 10)::numeric, 2) AS processing_rate_per_minute,
       timestamptz '2024-06-01 00:00:00+00' + make_interval(secs => k * 600 + floor(random() * 599)::int)
           AS "timestamp"
FROM gen_tenant AS t
CROSS JOIN LATERAL generate_series(1, floor(t.r_nstats * 7)::int) AS k
ORDER BY t.i, k;

-- workers: mostly 0..10 active (about 10% none), 8% above 10; some provisioning; draining
-- and terminated workers that neither side counts
CREATE TEMP TABLE gen_workers AS
SELECT row_number() OVER (ORDER BY t.i, w.status, w.n) AS worker_id, t.tenant_id, w.status
FROM gen_tenant AS t
CROSS JOIN LATERAL (
    SELECT 'active'::text AS status, n FROM generate_series(1,
        CASE WHEN t.r_active < 0.10 THEN 0
             WHEN t.r_active < 0.92 THEN 1 + floor((t.r_active - 0.10) / 0.82 * 10)::int
             ELSE 11 + floor((t.r_active - 0.92) / 0.08 * 4)::int END) AS n
    UNION ALL
    SELECT 'provisioning', n FROM generate_series(1, CASE WHEN t.r_prov < 0.15 THEN 1 + floor(t.r_prov * 20)::int ELSE 0 END) AS n
    UNION ALL
    SELECT 'draining', n FROM generate_series(1, CASE WHEN t.r_other < 0.10 THEN 2 ELSE 0 END) AS n
    UNION ALL
    SELECT 'terminated', n FROM generate_series(1, CASE WHEN t.r_other > 0.85 THEN 3 ELSE 0 END) AS n
) AS w;

-- the same rows into both schemas
INSERT INTO tenant_scaling.tenant_scaling_config
    (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, max_training_duration_hours,
     auto_scaling_enabled, scaling_rules, max_cpu, max_gpu)
SELECT tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, max_training_duration_hours,
       auto_scaling_enabled, scaling_rules, max_cpu, max_gpu
FROM gen_config;
INSERT INTO seed_baseline.tenant_scaling_config
    (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, max_training_duration_hours,
     auto_scaling_enabled, scaling_rules)
SELECT tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, max_training_duration_hours,
       auto_scaling_enabled, scaling_rules
FROM gen_config;

INSERT INTO tenant_scaling.tenant_training_config (tenant_id, distributed_training_enabled, max_workers)
SELECT tenant_id, distributed_training_enabled, max_workers FROM gen_ttc;
INSERT INTO seed_baseline.tenant_training_config (tenant_id, distributed_training_enabled, max_workers)
SELECT tenant_id, distributed_training_enabled, max_workers FROM gen_ttc;

INSERT INTO tenant_scaling.training_queue_stats
    (tenant_id, queue_size, avg_wait_time_seconds, max_wait_time_seconds, processing_rate_per_minute, "timestamp")
SELECT tenant_id, queue_size, avg_wait_time_seconds, max_wait_time_seconds, processing_rate_per_minute, "timestamp"
FROM gen_stats ORDER BY md5(tenant_id::text || "timestamp"::text);
INSERT INTO seed_baseline.training_queue_stats
    (tenant_id, queue_size, avg_wait_time_seconds, max_wait_time_seconds, processing_rate_per_minute, "timestamp")
SELECT tenant_id, queue_size, avg_wait_time_seconds, max_wait_time_seconds, processing_rate_per_minute, "timestamp"
FROM gen_stats ORDER BY md5(tenant_id::text || "timestamp"::text);

INSERT INTO tenant_scaling.tenant_training_workers (worker_id, tenant_id, status)
SELECT worker_id, tenant_id, status FROM gen_workers;
INSERT INTO seed_baseline.tenant_training_workers (worker_id, tenant_id, status)
SELECT worker_id, tenant_id, status FROM gen_workers;

ANALYZE;

-- every tenant of the data, and 1000 tenants nobody knows
CREATE TEMP TABLE all_tenants AS SELECT tenant_id FROM gen_tenant;
CREATE TEMP TABLE unknown_tenants AS
SELECT md5('nobody-' || i)::uuid AS tenant_id FROM generate_series(1, 1000) AS i;

--------------------------------------------------------------------------
-- 3.1 get_tenant_scaling_policy
--------------------------------------------------------------------------

SELECT pg_temp.check('get_tenant_scaling_policy: identical to the peer for every configured tenant',
$$SELECT ours IS NOT DISTINCT FROM peer AND ours::text IS NOT DISTINCT FROM peer::text,
         format('%s ours=%s peer=%s', c.tenant_id, ours, peer)
  FROM tenant_scaling.tenant_scaling_config AS c
  LEFT JOIN LATERAL (SELECT p FROM tenant_scaling.get_tenant_scaling_policy(c.tenant_id) AS p) AS o(ours) ON true
  LEFT JOIN LATERAL (SELECT p FROM seed_baseline.get_tenant_scaling_policy(c.tenant_id) AS p) AS b(peer) ON true$$);

SELECT pg_temp.check('get_tenant_scaling_policy: identical to the peer for every tenant of the data (with and without config)',
$$SELECT ours IS NOT DISTINCT FROM peer AND ours::text IS NOT DISTINCT FROM peer::text,
         format('%s ours=%s peer=%s', t.tenant_id, ours, peer)
  FROM all_tenants AS t
  LEFT JOIN LATERAL (SELECT p FROM tenant_scaling.get_tenant_scaling_policy(t.tenant_id) AS p) AS o(ours) ON true
  LEFT JOIN LATERAL (SELECT p FROM seed_baseline.get_tenant_scaling_policy(t.tenant_id) AS p) AS b(peer) ON true$$);

SELECT pg_temp.check('get_tenant_scaling_policy: unknown tenants get (basic,1,1,24,f), as the peer',
$$SELECT ours::text = '(basic,1,1,24,f)' AND peer::text = '(basic,1,1,24,f)',
         format('%s ours=%s peer=%s', u.tenant_id, ours, peer)
  FROM (SELECT tenant_id FROM unknown_tenants
        UNION ALL
        SELECT tenant_id FROM all_tenants
        WHERE tenant_id NOT IN (SELECT tenant_id FROM tenant_scaling.tenant_scaling_config)) AS u
  LEFT JOIN LATERAL (SELECT p FROM tenant_scaling.get_tenant_scaling_policy(u.tenant_id) AS p) AS o(ours) ON true
  LEFT JOIN LATERAL (SELECT p FROM seed_baseline.get_tenant_scaling_policy(u.tenant_id) AS p) AS b(peer) ON true$$);

SELECT pg_temp.check('get_tenant_scaling_policy: one row per call',
$$SELECT count(*) = 1, format('%s returned %s rows', t.tenant_id, count(*))
  FROM (SELECT tenant_id FROM all_tenants UNION ALL SELECT tenant_id FROM unknown_tenants) AS t
  LEFT JOIN LATERAL tenant_scaling.get_tenant_scaling_policy(t.tenant_id) AS p ON true
  GROUP BY t.tenant_id$$);

SELECT pg_temp.check('get_tenant_scaling_policy: NULL tenant returns no row (STRICT, README, SQL API), where the peer answers the default row',
$$SELECT (SELECT count(*) FROM tenant_scaling.get_tenant_scaling_policy(NULL)) = 0
         AND (SELECT p::text FROM seed_baseline.get_tenant_scaling_policy(NULL) AS p) = '(basic,1,1,24,f)',
         'NULL tenant'$$);

--------------------------------------------------------------------------
-- 3.2 check_training_scaling_trigger
--------------------------------------------------------------------------

-- result rows as named types, so that they can be stored and compared field by field
CREATE TYPE pg_temp.training_decision AS (should_scale_out boolean, should_scale_in boolean, target_workers int);
CREATE TYPE pg_temp.inference_ours AS (action text, delta int, new_replicas int, reason text);
CREATE TYPE pg_temp.inference_peer AS (action text, delta int, min_replicas int, max_replicas int, new_replicas int);
CREATE TYPE pg_temp.inference_design AS (action text, delta int, new_replicas int);

-- the README's training rule (with the scaling_rules overrides) as plain SQL, independent of the C code.
-- A comparison with NULL is false: a CASE branch whose condition is NULL is not taken.
CREATE FUNCTION pg_temp.design_training(
    cur int, qs int, wait numeric, tr jsonb, has_ttc boolean, dist boolean, ttc_max int,
    default_ceiling int)
RETURNS pg_temp.training_decision
LANGUAGE sql IMMUTABLE AS $$
SELECT ROW(target > cur, target < cur, target)::pg_temp.training_decision
FROM (
    SELECT CASE
               WHEN cur > ceiling THEN ceiling
               WHEN qs > out_q AND wait > out_w THEN LEAST(cur + out_step, ceiling)
               WHEN qs < in_q AND wait < in_w AND cur > floor THEN GREATEST(cur - in_step, floor)
               ELSE cur
           END AS target
    FROM (
        SELECT COALESCE(LEAST((tr ->> 'max_workers')::int,
                              CASE WHEN has_ttc THEN CASE WHEN dist THEN ttc_max ELSE 1 END END),
                        default_ceiling) AS ceiling,
               COALESCE((tr ->> 'min_workers')::int, 1) AS floor,
               COALESCE((tr ->> 'scale_out_queue_size')::int, 10) AS out_q,
               COALESCE((tr ->> 'scale_out_wait_seconds')::numeric, 300) AS out_w,
               COALESCE((tr ->> 'scale_in_queue_size')::int, 2) AS in_q,
               COALESCE((tr ->> 'scale_in_wait_seconds')::numeric, 60) AS in_w,
               COALESCE((tr ->> 'scale_out_step')::int, 2) AS out_step,
               COALESCE((tr ->> 'scale_in_step')::int, 1) AS in_step
    ) AS params
) AS decision
$$;

-- the inputs of each tenant, read with plain SQL, and the three answers
CREATE TEMP TABLE training_cmp AS
SELECT t.tenant_id,
       c.tenant_id IS NOT NULL AS has_config,
       c.scaling_rules,
       ttc.tenant_id IS NOT NULL AS has_ttc, ttc.distributed_training_enabled AS dist, ttc.max_workers AS ttc_max,
       s.queue_size, s.avg_wait_time_seconds AS wait,
       coalesce(w.active, 0)::int AS active, coalesce(w.provisioning, 0)::int AS provisioning,
       o AS ours, p AS peer
FROM (SELECT tenant_id FROM all_tenants UNION ALL SELECT tenant_id FROM unknown_tenants) AS t
LEFT JOIN tenant_scaling.tenant_scaling_config AS c ON c.tenant_id = t.tenant_id
LEFT JOIN tenant_scaling.tenant_training_config AS ttc ON ttc.tenant_id = t.tenant_id
LEFT JOIN LATERAL (
    SELECT queue_size, avg_wait_time_seconds FROM tenant_scaling.training_queue_stats AS s
    WHERE s.tenant_id = t.tenant_id ORDER BY s."timestamp" DESC LIMIT 1) AS s ON true
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE status = 'active') AS active,
           count(*) FILTER (WHERE status = 'provisioning') AS provisioning
    FROM tenant_scaling.tenant_training_workers AS w WHERE w.tenant_id = t.tenant_id) AS w ON true
LEFT JOIN LATERAL (SELECT ROW(x.*)::pg_temp.training_decision
                   FROM tenant_scaling.check_training_scaling_trigger(t.tenant_id) AS x) AS o(o) ON true
LEFT JOIN LATERAL (SELECT ROW(x.*)::pg_temp.training_decision
                   FROM seed_baseline.check_training_scaling_trigger(t.tenant_id) AS x) AS p(p) ON true;

-- plain: where the seed and the documented rule read the same inputs
ALTER TABLE training_cmp ADD COLUMN plain boolean;
UPDATE training_cmp SET plain = NOT has_ttc AND scaling_rules IS NULL AND provisioning = 0 AND active <= 10;

CREATE TEMP VIEW training_ref AS
SELECT tc.*,
       pg_temp.design_training(active + provisioning, queue_size, wait, scaling_rules -> 'training',
                               has_ttc, dist, ttc_max, 10) AS design,
       COALESCE((peer).should_scale_out AND (peer).target_workers = active, false) AS departure
FROM training_cmp AS tc;

SELECT pg_temp.check('check_training_scaling_trigger: equals the peer on plain tenants (no training config, no rules, only active workers, <= 10), away from the ceiling',
$$SELECT ours IS NOT DISTINCT FROM peer, format('%s ours=%s peer=%s q=%s w=%s active=%s', tenant_id, ours, peer, queue_size, wait, active)
  FROM training_ref WHERE plain AND NOT departure$$);

SELECT pg_temp.check('check_training_scaling_trigger: departs (3.2) exactly where the peer scales out to the current count, answering (f,f,current)',
$$SELECT (ours IS DISTINCT FROM peer) = departure
         AND (NOT departure OR (ours).should_scale_out = false AND (ours).should_scale_in = false
                               AND (ours).target_workers = active),
         format('%s ours=%s peer=%s departure=%s active=%s', tenant_id, ours, peer, departure, active)
  FROM training_ref WHERE plain
  UNION ALL
  -- the departure must actually occur in the data
  SELECT count(*) > 0, 'no departure row in the data' FROM training_ref WHERE plain AND departure$$);

SELECT pg_temp.check('check_training_scaling_trigger: the SQL transcription of the documented rule reproduces the peer on plain tenants (except the departure)',
$$SELECT design IS NOT DISTINCT FROM peer, format('%s design=%s peer=%s', tenant_id, design, peer)
  FROM training_ref WHERE plain AND NOT departure$$);

SELECT pg_temp.check('check_training_scaling_trigger: equals the documented rule for every tenant (known, unconfigured, unknown)',
$$SELECT ours IS NOT DISTINCT FROM design, format('%s ours=%s design=%s', tenant_id, ours, design)
  FROM training_ref$$);

SELECT pg_temp.check('check_training_scaling_trigger: tenants with provisioning workers (counted as capacity) follow the documented rule',
$$SELECT ours IS NOT DISTINCT FROM design,
         format('%s ours=%s design=%s active=%s provisioning=%s', tenant_id, ours, design, active, provisioning)
  FROM training_ref WHERE provisioning > 0$$);

SELECT pg_temp.check('check_training_scaling_trigger: provisioning workers change the answer from the peer''s somewhere',
$$SELECT count(*) FILTER (WHERE (ours).target_workers IS DISTINCT FROM (peer).target_workers) > 0,
         'ours never differs from the peer where workers are provisioning'
  FROM training_ref WHERE provisioning > 0 AND NOT has_ttc AND scaling_rules IS NULL$$);

SELECT pg_temp.check('check_training_scaling_trigger: tenants with a tenant_training_config row (ceiling max_workers or 1) follow the documented rule',
$$SELECT ours IS NOT DISTINCT FROM design,
         format('%s ours=%s design=%s dist=%s max=%s active=%s prov=%s', tenant_id, ours, design, dist, ttc_max, active, provisioning)
  FROM training_ref WHERE has_ttc$$);

SELECT pg_temp.check('check_training_scaling_trigger: tenants with scaling_rules follow the documented rule with the overrides',
$$SELECT ours IS NOT DISTINCT FROM design,
         format('%s ours=%s design=%s rules=%s q=%s w=%s cur=%s', tenant_id, ours, design, scaling_rules, queue_size, wait, active + provisioning)
  FROM training_ref WHERE scaling_rules IS NOT NULL$$);

SELECT pg_temp.check('check_training_scaling_trigger: every scaling_rules document of the data is exercised',
$$SELECT count(tc.tenant_id) > 0, format('rules %s: no tenant', r.doc)
  FROM gen_rules AS r LEFT JOIN training_cmp AS tc ON tc.scaling_rules = r.doc
  GROUP BY r.doc$$);

SELECT pg_temp.check('check_training_scaling_trigger: tenants above their ceiling are scaled in to it (README, check_training_scaling_trigger)',
$$SELECT ours IS NOT DISTINCT FROM design AND (ours).should_scale_in AND (ours).target_workers = (design).target_workers,
         format('%s ours=%s design=%s cur=%s', tenant_id, ours, design, active + provisioning)
  FROM training_ref
  WHERE active + provisioning > COALESCE(LEAST((scaling_rules -> 'training' ->> 'max_workers')::int,
                                               CASE WHEN has_ttc THEN CASE WHEN dist THEN ttc_max ELSE 1 END END), 10)$$);

SELECT pg_temp.check('check_training_scaling_trigger: tenants without queue stats keep their count',
$$SELECT ours IS NOT DISTINCT FROM design AND (ours).should_scale_out = false,
         format('%s ours=%s design=%s', tenant_id, ours, design)
  FROM training_ref WHERE queue_size IS NULL$$);

-- the GUC is the ceiling of a tenant with no bound of its own
SET tenant_scaling.max_training_workers = 4;
SELECT pg_temp.check('check_training_scaling_trigger: tenant_scaling.max_training_workers = 4 is the default ceiling',
$$SELECT o IS NOT DISTINCT FROM pg_temp.design_training(active + provisioning, queue_size, wait,
             scaling_rules -> 'training', has_ttc, dist, ttc_max, 4),
         format('%s ours=%s', tenant_id, o)
  FROM training_cmp AS tc
  LEFT JOIN LATERAL (SELECT ROW(x.*)::pg_temp.training_decision
                     FROM tenant_scaling.check_training_scaling_trigger(tc.tenant_id) AS x) AS o(o) ON true$$);
RESET tenant_scaling.max_training_workers;

SELECT pg_temp.check('check_training_scaling_trigger: NULL tenant returns no row (STRICT, README, SQL API)',
$$SELECT count(*) = 0, format('%s rows', count(*)) FROM tenant_scaling.check_training_scaling_trigger(NULL)$$);

--------------------------------------------------------------------------
-- 3.3 inference_scaling_decision
--------------------------------------------------------------------------

-- the README's rule as plain SQL; COALESCE(..., false) makes a comparison with NULL false.
CREATE FUNCTION pg_temp.design_inference(
    cpu numeric, mem numeric, lat numeric, rps numeric, target numeric, cur int, minr int, maxr int)
RETURNS pg_temp.inference_design
LANGUAGE sql IMMUTABLE AS $$
SELECT ROW(CASE WHEN n > cur THEN 'scale_out' WHEN n < cur THEN 'scale_in' ELSE 'none' END, abs(n - cur), n)
           ::pg_temp.inference_design
FROM (
    SELECT CASE
               WHEN COALESCE(cpu > 0.8 * 100, false) OR COALESCE(mem > 0.8 * 100, false)
                    OR COALESCE(lat > 200, false) OR COALESCE(rps > target * 1.2, false)
                   THEN LEAST(cur + 1, maxr)
               WHEN COALESCE(cpu < 0.3 * 100 AND mem < 0.3 * 100 AND lat < 50 AND rps < target * 0.5, false)
                   THEN GREATEST(cur - 1, minr)
               ELSE cur
           END AS n
) AS d
$$;

-- metric tuples: a grid at and around every threshold, and random decimals
CREATE TEMP TABLE inf_tuples AS
SELECT cpu, mem, lat, rps, target, cur
FROM unnest(ARRAY[NULL, 0, 29.99, 30, 30.01, 50, 79.99, 80, 80.01, 100]::numeric[]) AS cpu
CROSS JOIN unnest(ARRAY[NULL, 0, 29.99, 30, 50, 80, 80.01, 100]::numeric[]) AS mem
CROSS JOIN unnest(ARRAY[NULL, 0, 49.99, 50, 120, 200, 200.01]::numeric[]) AS lat
CROSS JOIN unnest(ARRAY[NULL, 0, 0.7, 3.3, 10]::numeric[]) AS target
CROSS JOIN LATERAL unnest(ARRAY[NULL, 0, GREATEST(target * 0.5 - 0.001, 0), target * 0.5, target,
                                target * 1.2, target * 1.2 + 0.001]) AS rps
CROSS JOIN unnest(ARRAY[1, 2, 5, 9, 10]) AS cur;
INSERT INTO inf_tuples
SELECT round((random() * 100)::numeric, (random() * 3)::int),
       round((random() * 100)::numeric, (random() * 3)::int),
       round((random() * 400)::numeric, (random() * 2)::int),
       round((random() * 20)::numeric, (random() * 4)::int),
       (ARRAY[0.7, 1.5, 3.3, 10, 12.25])[1 + floor(random() * 5)::int],
       1 + floor(random() * 10)::int
FROM generate_series(1, 20000);

CREATE TEMP TABLE inference_cmp AS
SELECT i.*, num_nulls(cpu, mem, lat, rps, target) > 0 AS has_null,
       ours, peer, pg_temp.design_inference(cpu, mem, lat, rps, target, cur, 1, 10) AS design
FROM inf_tuples AS i
LEFT JOIN LATERAL (SELECT ROW(x.*)::pg_temp.inference_ours
                   FROM tenant_scaling.inference_scaling_decision(i.cpu, i.mem, i.lat, i.rps, i.target, i.cur) AS x) AS o(ours) ON true
LEFT JOIN LATERAL (SELECT ROW(x.*)::pg_temp.inference_peer
                   FROM seed_baseline.inference_scaling_decision(i.cpu, i.mem, i.lat, i.rps, i.target, i.cur) AS x) AS p(peer) ON true;

CREATE TEMP VIEW inference_ref AS
SELECT ic.*,
       ((peer).action = 'scale_out' AND cur = 10) OR ((peer).action = 'scale_in' AND cur = 1) AS departure
FROM inference_cmp AS ic;

SELECT pg_temp.check('inference_scaling_decision: agrees with the peer on action, delta and new_replicas away from the bounds (no NULL metric)',
$$SELECT (ours).action = (peer).action AND (ours).new_replicas = (peer).new_replicas AND (ours).delta = (peer).delta,
         format('cpu=%s mem=%s lat=%s rps=%s target=%s cur=%s ours=%s peer=%s', cpu, mem, lat, rps, target, cur, ours, peer)
  FROM inference_ref WHERE NOT has_null AND NOT departure$$);

SELECT pg_temp.check('inference_scaling_decision: departs (3.3) exactly at the bounds: none, delta 0, at_max_replicas / at_min_replicas',
$$SELECT ((ours).action IS DISTINCT FROM (peer).action) = departure
         AND (NOT departure OR ((ours).action = 'none' AND (ours).delta = 0 AND (ours).new_replicas = cur
                                AND (ours).reason = CASE WHEN cur = 10 THEN 'at_max_replicas' ELSE 'at_min_replicas' END)),
         format('cpu=%s mem=%s lat=%s rps=%s target=%s cur=%s ours=%s peer=%s', cpu, mem, lat, rps, target, cur, ours, peer)
  FROM inference_ref
  UNION ALL
  SELECT count(*) FILTER (WHERE cur = 10) > 0 AND count(*) FILTER (WHERE cur = 1) > 0,
         'a departure at one of the bounds never occurs in the data'
  FROM inference_ref WHERE departure$$);

SELECT pg_temp.check('inference_scaling_decision: never scales in with a NULL metric',
$$SELECT (ours).action <> 'scale_in', format('cpu=%s mem=%s lat=%s rps=%s target=%s cur=%s ours=%s', cpu, mem, lat, rps, target, cur, ours)
  FROM inference_ref WHERE has_null$$);

SELECT pg_temp.check('inference_scaling_decision: with NULL metrics agrees with the peer''s SQL NULL semantics (same departure at the bounds)',
$$SELECT CASE WHEN departure THEN (ours).action = 'none' AND (ours).new_replicas = cur
              ELSE (ours).action = (peer).action AND (ours).new_replicas = (peer).new_replicas AND (ours).delta = (peer).delta END,
         format('cpu=%s mem=%s lat=%s rps=%s target=%s cur=%s ours=%s peer=%s', cpu, mem, lat, rps, target, cur, ours, peer)
  FROM inference_ref WHERE has_null$$);

SELECT pg_temp.check('inference_scaling_decision: a NULL metric alone never causes a scale-out',
$$SELECT (ours).action <> 'scale_out', format('cpu=%s mem=%s lat=%s rps=%s target=%s cur=%s ours=%s', cpu, mem, lat, rps, target, cur, ours)
  FROM inference_ref
  WHERE has_null AND NOT COALESCE(cpu > 80, false) AND NOT COALESCE(mem > 80, false)
    AND NOT COALESCE(lat > 200, false) AND NOT COALESCE(rps > target * 1.2, false)$$);

SELECT pg_temp.check('inference_scaling_decision: equals the documented rule on every tuple (defaults 1..10)',
$$SELECT (ours).action = (design).action AND (ours).delta = (design).delta AND (ours).new_replicas = (design).new_replicas,
         format('cpu=%s mem=%s lat=%s rps=%s target=%s cur=%s ours=%s design=%s', cpu, mem, lat, rps, target, cur, ours, design)
  FROM inference_cmp$$);

SELECT pg_temp.check('inference_scaling_decision: equals the documented rule with other min/max replicas (2..5, 3..3, 0..20)',
$$SELECT (o).action = (d).action AND (o).delta = (d).delta AND (o).new_replicas = (d).new_replicas,
         format('cpu=%s mem=%s lat=%s rps=%s target=%s cur=%s min=%s max=%s ours=%s design=%s', cpu, mem, lat, rps, target, c, b.minr, b.maxr, o, d)
  FROM (SELECT * FROM inf_tuples TABLESAMPLE BERNOULLI (10) REPEATABLE (7)) AS i
  CROSS JOIN (VALUES (2, 5), (3, 3), (0, 20)) AS b(minr, maxr)
  CROSS JOIN LATERAL generate_series(b.minr, b.maxr, GREATEST((b.maxr - b.minr) / 4, 1)) AS c
  CROSS JOIN LATERAL (SELECT ROW(x.*)::pg_temp.inference_ours
                      FROM tenant_scaling.inference_scaling_decision(i.cpu, i.mem, i.lat, i.rps, i.target, c, b.minr, b.maxr) AS x) AS o(o)
  CROSS JOIN LATERAL pg_temp.design_inference(i.cpu, i.mem, i.lat, i.rps, i.target, c, b.minr, b.maxr) AS d$$);

SELECT pg_temp.check('inference_scaling_decision: exact decimals at the thresholds (cpu/mem 80 and 30, latency 200 and 50, rps = target*1.2 and target*0.5)',
$$SELECT (ours).action = expected, format('%s ours=%s expected %s', label, ours, expected)
  FROM (VALUES
      ('cpu 80 is not high',            80::numeric, 50::numeric, 100::numeric, 5::numeric, 10::numeric, 5, 'none'),
      ('cpu 80.0001 is high',           80.0001, 50, 100, 5, 10, 5, 'scale_out'),
      ('memory 80 is not high',         50, 80, 100, 5, 10, 5, 'none'),
      ('latency 200 is not high',       50, 50, 200, 5, 10, 5, 'none'),
      ('latency 200.0001 is high',      50, 50, 200.0001, 5, 10, 5, 'scale_out'),
      ('rps 0.84 = 0.7*1.2 is not high', 50, 50, 100, 0.84, 0.7, 5, 'none'),
      ('rps 0.8400001 is high',         50, 50, 100, 0.8400001, 0.7, 5, 'scale_out'),
      ('rps 3.96 = 3.3*1.2 is not high', 50, 50, 100, 3.96, 3.3, 5, 'none'),
      ('cpu 30 is not low',             30, 10, 10, 1, 10, 5, 'none'),
      ('cpu 29.9999 is low',            29.9999, 10, 10, 1, 10, 5, 'scale_in'),
      ('memory 30 is not low',          10, 30, 10, 1, 10, 5, 'none'),
      ('latency 50 is not low',         10, 10, 50, 1, 10, 5, 'none'),
      ('rps 0.35 = 0.7*0.5 is not low', 10, 10, 10, 0.35, 0.7, 5, 'none'),
      ('rps 0.3499999 is low',          10, 10, 10, 0.3499999, 0.7, 5, 'scale_in'),
      ('rps 1.65 = 3.3*0.5 is not low', 10, 10, 10, 1.65, 3.3, 5, 'none')
  ) AS v(label, cpu, mem, lat, rps, target, cur, expected)
  CROSS JOIN LATERAL (SELECT ROW(x.*)::pg_temp.inference_ours
                      FROM tenant_scaling.inference_scaling_decision(v.cpu, v.mem, v.lat, v.rps, v.target, v.cur) AS x) AS o(ours)$$);

--------------------------------------------------------------------------
-- 3.4 allocate_resources
--------------------------------------------------------------------------

CREATE TEMP TABLE workload_types AS
SELECT unnest(ARRAY['training_small', 'training_medium', 'training_large', 'inference_small',
                    'inference_medium', 'inference_large', 'feature_computation']) AS workload_type;

SELECT pg_temp.check('allocate_resources: identical to the peer for every tenant without max_cpu/max_gpu x the 7 workload types',
$$SELECT ours IS NOT DISTINCT FROM peer, format('%s %s ours=%s peer=%s', t.tenant_id, w.workload_type, ours, peer)
  FROM (SELECT tenant_id FROM all_tenants UNION ALL (SELECT tenant_id FROM unknown_tenants LIMIT 200)) AS t
  LEFT JOIN tenant_scaling.tenant_scaling_config AS c ON c.tenant_id = t.tenant_id
  CROSS JOIN workload_types AS w
  LEFT JOIN LATERAL (SELECT x FROM tenant_scaling.allocate_resources(t.tenant_id, w.workload_type) AS x) AS o(ours) ON true
  LEFT JOIN LATERAL (SELECT x FROM seed_baseline.allocate_resources(t.tenant_id, w.workload_type) AS x) AS p(peer) ON true
  WHERE c.max_cpu IS NULL AND c.max_gpu IS NULL$$);

SELECT pg_temp.check('allocate_resources: tenants with max_cpu/max_gpu equal the peer called with those limits',
$$SELECT ours IS NOT DISTINCT FROM peer, format('%s %s cpu<=%s gpu<=%s ours=%s peer=%s', c.tenant_id, w.workload_type, c.max_cpu, c.max_gpu, ours, peer)
  FROM tenant_scaling.tenant_scaling_config AS c
  CROSS JOIN workload_types AS w
  LEFT JOIN LATERAL (SELECT x FROM tenant_scaling.allocate_resources(c.tenant_id, w.workload_type) AS x) AS o(ours) ON true
  LEFT JOIN LATERAL (SELECT x FROM seed_baseline.allocate_resources(c.tenant_id, w.workload_type,
                         COALESCE(c.max_cpu, 16), COALESCE(c.max_gpu, 4)) AS x) AS p(peer) ON true
  WHERE c.max_cpu IS NOT NULL OR c.max_gpu IS NOT NULL$$);

-- the error of an unknown workload type, caught
CREATE FUNCTION pg_temp.allocate_error(tenant uuid, workload text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    hint text;
BEGIN
    PERFORM * FROM tenant_scaling.allocate_resources(tenant, workload);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, hint = PG_EXCEPTION_HINT;
    RETURN state || ': ' || hint;
END;
$$;

SELECT pg_temp.check('allocate_resources: an unknown workload type is an error 22023 listing the valid types (departs 3.4), where the peer answers training_small',
$$SELECT e LIKE '22023: %'
         AND (SELECT bool_and(strpos(e, w.workload_type) > 0) FROM workload_types AS w)
         AND peer IS NOT DISTINCT FROM peer_small,
         format('%s %L ours=%s peer=%s', t.tenant_id, u.workload_type, e, peer)
  FROM (SELECT tenant_id FROM all_tenants LIMIT 200) AS t
  CROSS JOIN unnest(ARRAY['', 'training_xl', 'TRAINING_SMALL', 'training_small ', 'inference']) AS u(workload_type)
  CROSS JOIN LATERAL pg_temp.allocate_error(t.tenant_id, u.workload_type) AS e
  LEFT JOIN LATERAL (SELECT x FROM seed_baseline.allocate_resources(t.tenant_id, u.workload_type) AS x) AS p(peer) ON true
  LEFT JOIN LATERAL (SELECT x FROM seed_baseline.allocate_resources(t.tenant_id, 'training_small') AS x) AS s(peer_small) ON true$$);

SELECT pg_temp.check('allocate_resources: NULL workload type returns no row (STRICT, README, SQL API), where the peer answers training_small',
$$SELECT (SELECT count(*) FROM tenant_scaling.allocate_resources(md5('tenant-1')::uuid, NULL)) = 0
         AND (SELECT p::text FROM seed_baseline.allocate_resources(md5('tenant-1')::uuid, NULL) AS p)
             = (SELECT p::text FROM seed_baseline.allocate_resources(md5('tenant-1')::uuid, 'training_small') AS p),
         'NULL workload type'$$);

DO $$
BEGIN
    PERFORM * FROM tenant_scaling.allocate_resources(md5('tenant-1')::uuid, 'no_such_workload');
    RAISE EXCEPTION 'allocate_resources accepted an unknown workload type';
EXCEPTION WHEN invalid_parameter_value THEN
    NULL;  -- SQLSTATE 22023, as documented
END;
$$;

--------------------------------------------------------------------------
-- Lookups kept open across the calls of one query (src/catalog.c, TsLookups).
-- The checks above already call the functions once per row of one query; these
-- add the other shapes of call and the states the open scans must get right.
--------------------------------------------------------------------------

SELECT pg_temp.check('open lookups: get_tenant_scaling_policy in the target list, at two call sites of one query, equals the peer',
$$SELECT o1 IS NOT DISTINCT FROM peer AND o2 IS NOT DISTINCT FROM peer AND o1::text = peer::text,
         format('%s ours=%s,%s peer=%s', tenant_id, o1, o2, peer)
  FROM (SELECT t.tenant_id,
               tenant_scaling.get_tenant_scaling_policy(t.tenant_id) AS o1,
               tenant_scaling.get_tenant_scaling_policy(t.tenant_id) AS o2,
               seed_baseline.get_tenant_scaling_policy(t.tenant_id) AS peer
        FROM (SELECT tenant_id FROM all_tenants UNION ALL SELECT tenant_id FROM unknown_tenants) AS t) AS s$$);

-- a cursor's FETCHes run under the snapshot it was opened with, also after an UPDATE
-- of the rows it reads in the same transaction; the next statement sees the UPDATE.
-- (Not against the peer: its PL/pgSQL is VOLATILE and takes a new snapshot.)
CREATE TEMP TABLE policy_before AS
SELECT t.tenant_id, p::text AS p
FROM tenant_scaling.tenant_scaling_config AS t
CROSS JOIN LATERAL seed_baseline.get_tenant_scaling_policy(t.tenant_id) AS p
WHERE t.max_concurrent_jobs IS NOT NULL;

CREATE FUNCTION pg_temp.cursor_over_update() RETURNS TABLE (ok boolean, info text)
LANGUAGE plpgsql AS $$
DECLARE
    c CURSOR FOR SELECT b.tenant_id, p::text AS p, b.p AS before
        FROM policy_before AS b
        CROSS JOIN LATERAL tenant_scaling.get_tenant_scaling_policy(b.tenant_id) AS p
        ORDER BY b.tenant_id;
    r record;
    now_jobs int;
BEGIN
    OPEN c;
    FETCH c INTO r;
    ok := r.p = r.before;
    info := format('first row %s ours=%s before=%s', r.tenant_id, r.p, r.before);
    RETURN NEXT;
    UPDATE tenant_scaling.tenant_scaling_config SET max_concurrent_jobs = max_concurrent_jobs + 1000
    WHERE max_concurrent_jobs IS NOT NULL;
    SELECT max_jobs INTO now_jobs FROM tenant_scaling.get_tenant_scaling_policy(r.tenant_id);
    ok := now_jobs >= 1000;
    info := format('a new statement sees the update: %s max_jobs=%s', r.tenant_id, now_jobs);
    RETURN NEXT;
    LOOP
        FETCH c INTO r;
        EXIT WHEN NOT FOUND;
        ok := r.p = r.before;
        info := format('after the update %s ours=%s before=%s', r.tenant_id, r.p, r.before);
        RETURN NEXT;
    END LOOP;
    CLOSE c;
    UPDATE tenant_scaling.tenant_scaling_config SET max_concurrent_jobs = max_concurrent_jobs - 1000
    WHERE max_concurrent_jobs IS NOT NULL;
END;
$$;

SELECT pg_temp.check('open lookups: a cursor keeps its snapshot across FETCHes and an UPDATE between them',
$$SELECT * FROM pg_temp.cursor_over_update()$$);

-- an error in the middle of a query (an unknown workload type at one tenant), caught by
-- a savepoint, many times over: the next queries answer as before (and no leak warning)
CREATE FUNCTION pg_temp.errors_mid_query() RETURNS TABLE (ok boolean, info text)
LANGUAGE plpgsql AS $$
DECLARE
    i int;
    caught int := 0;
BEGIN
    FOR i IN 1 .. 50 LOOP
        BEGIN
            PERFORM count(*)
            FROM (SELECT tenant_id, row_number() OVER (ORDER BY tenant_id) AS k FROM all_tenants) AS t
            CROSS JOIN LATERAL tenant_scaling.allocate_resources(
                t.tenant_id, CASE WHEN t.k = 100 * i THEN 'no_such_workload' ELSE 'training_small' END) AS a;
        EXCEPTION WHEN invalid_parameter_value THEN
            caught := caught + 1;
        END;
    END LOOP;
    ok := caught = 50;
    info := format('%s of 50 errors caught', caught);
    RETURN NEXT;
END;
$$;

SELECT pg_temp.check('open lookups: errors mid-query rolled back to a savepoint, 50 times',
$$SELECT * FROM pg_temp.errors_mid_query()$$);

SELECT pg_temp.check('open lookups: allocate_resources equals the peer after the errors (every tenant x training_large)',
$$SELECT ours IS NOT DISTINCT FROM peer, format('%s ours=%s peer=%s', t.tenant_id, ours, peer)
  FROM all_tenants AS t
  LEFT JOIN tenant_scaling.tenant_scaling_config AS c ON c.tenant_id = t.tenant_id
  LEFT JOIN LATERAL (SELECT x FROM tenant_scaling.allocate_resources(t.tenant_id, 'training_large') AS x) AS o(ours) ON true
  LEFT JOIN LATERAL (SELECT x FROM seed_baseline.allocate_resources(t.tenant_id, 'training_large') AS x) AS p(peer) ON true
  WHERE c.max_cpu IS NULL AND c.max_gpu IS NULL$$);

-- updates that change nothing but leave every configuration row's old version behind,
-- outside its page (non-HOT): the scans step over the dead index entries (and mark
-- them dead, which has btree allocate memory in the middle of the scan)
CREATE TEMP TABLE training_before AS
SELECT t.tenant_id, d::text AS d
FROM all_tenants AS t CROSS JOIN LATERAL tenant_scaling.check_training_scaling_trigger(t.tenant_id) AS d;
UPDATE tenant_scaling.tenant_scaling_config SET max_concurrent_jobs = max_concurrent_jobs;
UPDATE tenant_scaling.tenant_scaling_config SET max_concurrent_jobs = max_concurrent_jobs;
UPDATE seed_baseline.tenant_scaling_config SET max_concurrent_jobs = max_concurrent_jobs;

SELECT pg_temp.check('open lookups: get_tenant_scaling_policy equals the peer over dead index entries',
$$SELECT ours IS NOT DISTINCT FROM peer AND ours::text IS NOT DISTINCT FROM peer::text,
         format('%s ours=%s peer=%s', t.tenant_id, ours, peer)
  FROM all_tenants AS t
  LEFT JOIN LATERAL (SELECT p FROM tenant_scaling.get_tenant_scaling_policy(t.tenant_id) AS p) AS o(ours) ON true
  LEFT JOIN LATERAL (SELECT p FROM seed_baseline.get_tenant_scaling_policy(t.tenant_id) AS p) AS b(peer) ON true$$);

SELECT pg_temp.check('open lookups: check_training_scaling_trigger unchanged over dead index entries',
$$SELECT b.d = a::text, format('%s before=%s after=%s', b.tenant_id, b.d, a)
  FROM training_before AS b
  CROSS JOIN LATERAL tenant_scaling.check_training_scaling_trigger(b.tenant_id) AS a$$);

--------------------------------------------------------------------------
-- Optional (TS_DIFF_PRECISION=1): metrics with more than 18 significant digits.
-- The peer compares in numeric, exactly; the C code rounds each input to 18
-- significant digits first (ts_decimal.h), so a value within 1e-18 (relative) of
-- a threshold can land on the other side. Known to fail; off by default.
--------------------------------------------------------------------------

\if :precision
SELECT pg_temp.check('inference_scaling_decision: equals the peer for metrics with 19+ significant digits next to a threshold',
$$SELECT (ours).action = (peer).action AND (ours).new_replicas = (peer).new_replicas,
         format('cpu=%s mem=%s lat=%s rps=%s target=%s ours=%s peer=%s', cpu, mem, lat, rps, target, ours, peer)
  FROM (VALUES
      (80.00000000000000001::numeric, 50::numeric, 100::numeric, 5::numeric, 10::numeric),
      (50, 80.000000000000000001, 100, 5, 10),
      (50, 50, 200.0000000000000000001, 5, 10),
      (50, 50, 100, 12.00000000000000001, 10),
      (50, 50, 100, 4.200000000000000000001, 3.5),
      (29.99999999999999999, 10, 10, 1, 10),
      (10, 29.999999999999999999, 10, 1, 10),
      (10, 10, 49.999999999999999999, 1, 10),
      (10, 10, 10, 4.9999999999999999999, 10)
  ) AS v(cpu, mem, lat, rps, target)
  CROSS JOIN LATERAL (SELECT ROW(x.*)::pg_temp.inference_ours
                      FROM tenant_scaling.inference_scaling_decision(v.cpu, v.mem, v.lat, v.rps, v.target, 5) AS x) AS o(ours)
  CROSS JOIN LATERAL (SELECT ROW(x.*)::pg_temp.inference_peer
                      FROM seed_baseline.inference_scaling_decision(v.cpu, v.mem, v.lat, v.rps, v.target, 5) AS x) AS p(peer)$$);

CREATE TEMP TABLE precision_tenants AS
SELECT i, md5('precision-' || i)::uuid AS tenant_id, w
FROM unnest(ARRAY[300.0000000000000000001, 300.00000000000000001, 59.999999999999999999]::numeric[])
     WITH ORDINALITY AS u(w, i);
INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
SELECT tenant_id, CASE WHEN w > 100 THEN 20 ELSE 0 END, w FROM precision_tenants;
INSERT INTO seed_baseline.training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
SELECT tenant_id, CASE WHEN w > 100 THEN 20 ELSE 0 END, w FROM precision_tenants;
INSERT INTO tenant_scaling.tenant_training_workers (worker_id, tenant_id, status)
SELECT 10000000 + 4 * i + n, tenant_id, 'active' FROM precision_tenants CROSS JOIN generate_series(1, 4) AS n;
INSERT INTO seed_baseline.tenant_training_workers (worker_id, tenant_id, status)
SELECT 10000000 + 4 * i + n, tenant_id, 'active' FROM precision_tenants CROSS JOIN generate_series(1, 4) AS n;
SELECT pg_temp.check('check_training_scaling_trigger: equals the peer for avg_wait_time_seconds with 19+ significant digits next to a threshold',
$$SELECT o::text = p::text, format('wait=%s ours=%s peer=%s', w, o, p)
  FROM precision_tenants AS t
  CROSS JOIN LATERAL tenant_scaling.check_training_scaling_trigger(t.tenant_id) AS o
  CROSS JOIN LATERAL seed_baseline.check_training_scaling_trigger(t.tenant_id) AS p$$);
\endif

--------------------------------------------------------------------------
-- The report
--------------------------------------------------------------------------

\o

SELECT CASE WHEN total > 0 AND mismatches = 0 THEN format('ok - %s (%s rows)', name, total)
            ELSE format('not ok - %s (%s mismatches of %s, sample %s)', name, mismatches, total,
                        COALESCE(sample, 'none')) END
FROM check_results ORDER BY id;
