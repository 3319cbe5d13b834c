-- test/bench/bench.sql: the measurements, run by run.sh after setup.sql (psql -v reps=N).
-- Each measurement is one query over every tenant of bench_tenants, timed with
-- clock_timestamp() around EXECUTE inside PL/pgSQL, repeated :reps times (after one
-- warm-up run); the median is kept. Prints "name|median_ms|rows|all_ms" lines.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SET jit = off;

CREATE FUNCTION pg_temp.bench(p_name text, p_query text, p_reps int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    ms double precision[] := '{}';
    result bigint;
    i int;
BEGIN
    EXECUTE p_query INTO result;    -- warm-up: caches, plans, buffers
    FOR i IN 1 .. p_reps LOOP
        t0 := clock_timestamp();
        EXECUTE p_query INTO result;
        ms := ms || (extract(epoch FROM clock_timestamp() - t0) * 1000);
    END LOOP;
    RETURN format('%s|%s|%s|%s', p_name,
                  (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(ms) AS x),
                  result, array_to_string(ARRAY(SELECT round(x::numeric, 1) FROM unnest(ms) AS x), ' '));
END;
$$;

CREATE FUNCTION pg_temp.plan(p_query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    line text;
    lines text[] := '{}';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || p_query LOOP
        lines := lines || trim(line);
    END LOOP;
    RETURN array_to_string(lines, ' / ');
END;
$$;

-- every query returns one bigint that depends on every output column it reads

SELECT pg_temp.bench('policy_peer', $q$
    SELECT count(p.tier) + sum(p.max_jobs) + sum(p.max_duration) + count(*) FILTER (WHERE p.auto_scaling)
    FROM bench_tenants AS t
    CROSS JOIN LATERAL seed_baseline.get_tenant_scaling_policy(t.tenant_id) AS p$q$, :reps);

SELECT pg_temp.bench('policy_ours', $q$
    SELECT count(p.tier) + sum(p.max_jobs) + sum(p.max_duration) + count(*) FILTER (WHERE p.auto_scaling)
    FROM bench_tenants AS t
    CROSS JOIN LATERAL tenant_scaling.get_tenant_scaling_policy(t.tenant_id) AS p$q$, :reps);

-- the same rows read by a plain join, with the same defaults
\set plain_policy 'SELECT count(p.tier) + sum(p.max_jobs) + sum(p.max_duration) + count(*) FILTER (WHERE p.auto_scaling) FROM (SELECT COALESCE(c.scaling_tier, $$basic$$) AS tier, CASE WHEN c.tenant_id IS NULL THEN 1 ELSE c.max_concurrent_jobs END AS max_jobs, CASE WHEN c.tenant_id IS NULL THEN 1 ELSE c.max_model_size_gb END AS max_model_size, CASE WHEN c.tenant_id IS NULL THEN 24 ELSE c.max_training_duration_hours END AS max_duration, CASE WHEN c.tenant_id IS NULL THEN false ELSE c.auto_scaling_enabled END AS auto_scaling FROM bench_tenants AS t LEFT JOIN tenant_scaling.tenant_scaling_config AS c ON c.tenant_id = t.tenant_id) AS p'

SELECT pg_temp.bench('policy_plain_join_planner', :'plain_policy', :reps);
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT pg_temp.bench('policy_plain_join_nestloop', :'plain_policy', :reps);
-- the plans, for the record
SELECT 'plan_nestloop|' || pg_temp.plan(:'plain_policy');
RESET enable_hashjoin;
RESET enable_mergejoin;
SELECT 'plan_planner|' || pg_temp.plan(:'plain_policy');

SELECT pg_temp.bench('training_peer', $q$
    SELECT count(*) FILTER (WHERE d.should_scale_out) + count(*) FILTER (WHERE d.should_scale_in) + sum(d.target_workers)
    FROM bench_tenants AS t
    CROSS JOIN LATERAL seed_baseline.check_training_scaling_trigger(t.tenant_id) AS d$q$, :reps);

SELECT pg_temp.bench('training_ours', $q$
    SELECT count(*) FILTER (WHERE d.should_scale_out) + count(*) FILTER (WHERE d.should_scale_in) + sum(d.target_workers)
    FROM bench_tenants AS t
    CROSS JOIN LATERAL tenant_scaling.check_training_scaling_trigger(t.tenant_id) AS d$q$, :reps);

-- for reference: the rows ours reads, read by plain SQL (three primary-key lookups: the
-- configuration, the training configuration and the derived training inputs), as a
-- nested loop over the same indexes
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT pg_temp.bench('training_plain_reads', $q$
    SELECT count(i.queue_size) + sum(i.active_workers + i.provisioning_workers) + count(c.tenant_id) + count(ttc.tenant_id)
    FROM bench_tenants AS t
    LEFT JOIN tenant_scaling.tenant_scaling_config AS c ON c.tenant_id = t.tenant_id
    LEFT JOIN tenant_scaling.tenant_training_config AS ttc ON ttc.tenant_id = t.tenant_id
    LEFT JOIN tenant_scaling.tenant_training_inputs AS i ON i.tenant_id = t.tenant_id$q$, :reps);
RESET enable_hashjoin;
RESET enable_mergejoin;
