-- Tenant isolation: two tenant roles, an unmapped role and an operator try every
-- table and function; no role reads or changes a row of another tenant.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never

CREATE ROLE ts_tenant_a;
CREATE ROLE ts_tenant_b;
CREATE ROLE ts_unmapped;
CREATE ROLE ts_operator IN ROLE tenant_scaling_admin;
INSERT INTO tenant_roles VALUES ('ts_tenant_a', 'a0000000-0000-0000-0000-00000000000a'),
                                ('ts_tenant_b', 'b0000000-0000-0000-0000-00000000000b');

-- one of everything for each tenant
-- the seed's fixed step, whose cooldowns these attacks lean on
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, auto_scaling_enabled,
                                   scaling_rules)
VALUES ('a0000000-0000-0000-0000-00000000000a', 'premium', 2, 10, true, '{"inference": {"policy": "step"}}'),
       ('b0000000-0000-0000-0000-00000000000b', 'enterprise', 8, 500, true, '{"inference": {"policy": "step"}}');
INSERT INTO tenant_training_config (tenant_id, distributed_training_enabled, max_workers)
VALUES ('a0000000-0000-0000-0000-00000000000a', true, 4), ('b0000000-0000-0000-0000-00000000000b', true, 9);
-- a minute ahead (within the clock skew allowed), so that these stay the newest samples
-- after the cycle's own sample of the job queue
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
VALUES ('a0000000-0000-0000-0000-00000000000a', 1, 1, now() + interval '1 minute'),
       ('b0000000-0000-0000-0000-00000000000b', 30, 900, now() + interval '1 minute');
INSERT INTO tenant_training_workers (tenant_id, status)
VALUES ('a0000000-0000-0000-0000-00000000000a', 'active'), ('b0000000-0000-0000-0000-00000000000b', 'active'),
       ('b0000000-0000-0000-0000-00000000000b', 'active');
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, target_rps)
VALUES ('ep-a', 'a0000000-0000-0000-0000-00000000000a', 2, 2, 100),
       ('ep-b', 'b0000000-0000-0000-0000-00000000000b', 2, 2, 100);
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('ep-a', 'a0000000-0000-0000-0000-00000000000a', 95, 10, 10, 10),
       ('ep-b', 'b0000000-0000-0000-0000-00000000000b', 95, 10, 10, 10);
SELECT count(*) AS jobs FROM (SELECT submit_training_job('b0000000-0000-0000-0000-00000000000b', 'training_small', 1, 1)
                              FROM generate_series(1, 2)) j;
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, cpu_hours, training_jobs)
VALUES ('a0000000-0000-0000-0000-00000000000a', 'premium', 5, 1), ('b0000000-0000-0000-0000-00000000000b', 'enterprise', 7, 2);
SELECT errors FROM run_scaling_cycle();

-- the outcome of a statement, in a word: rows affected, or the SQLSTATE and message
CREATE FUNCTION public.ts_try(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE statement;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN 'ok, ' || n || ' rows';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- rows of each tenant each role sees, table by table
CREATE FUNCTION public.ts_visible() RETURNS TABLE (tbl text, tenant_a bigint, tenant_b bigint) LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenant_scaling_config', 'tenant_training_config', 'training_queue_stats',
                             'tenant_training_workers', 'tenant_training_inputs', 'tenant_training_state',
                             'inference_endpoints', 'endpoint_metrics', 'endpoint_metrics_latest',
                             'scaling_events', 'training_jobs', 'tenant_job_counts', 'tenant_roles',
                             'tenant_resource_usage', 'tenant_usage_totals', 'tenant_usage_distinct']
    LOOP
        tbl := t;
        EXECUTE format('SELECT count(*) FILTER (WHERE tenant_id = ''a0000000-0000-0000-0000-00000000000a''),'
                       '       count(*) FILTER (WHERE tenant_id = ''b0000000-0000-0000-0000-00000000000b'')'
                       '  FROM tenant_scaling.%I', t) INTO tenant_a, tenant_b;
        RETURN NEXT;
    END LOOP;
END $$;

-- what each write does, table by table: a row for tenant b, every row, every row gone
CREATE FUNCTION public.ts_writes() RETURNS TABLE (tbl text, insert_b text, update_all text, delete_all text)
LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenant_scaling_config', 'tenant_training_config', 'training_queue_stats',
                             'tenant_training_workers', 'tenant_training_inputs', 'tenant_training_state',
                             'inference_endpoints', 'endpoint_metrics', 'endpoint_metrics_latest',
                             'scaling_events', 'training_jobs', 'tenant_job_counts', 'tenant_roles',
                             'tenant_resource_usage', 'tenant_usage_totals', 'tenant_usage_distinct']
    LOOP
        tbl := t;
        -- a copy of one of b's rows as the insert (the owner reads it for us below)
        insert_b := public.ts_try(format('INSERT INTO tenant_scaling.%I OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_record(NULL::tenant_scaling.%I, %L)',
                                         t, t, (SELECT r FROM public.ts_sample_rows r WHERE r.tbl = t)));
        update_all := public.ts_try(format('UPDATE tenant_scaling.%I SET tenant_id = tenant_id', t));
        delete_all := public.ts_try(format('DELETE FROM tenant_scaling.%I', t));
        RETURN NEXT;
    END LOOP;
END $$;
-- one of tenant b's rows of each table, with its key changed so that only the policy can refuse it
CREATE TABLE public.ts_sample_rows (tbl text, r json);
GRANT SELECT ON public.ts_sample_rows TO PUBLIC;
DO $$
DECLARE
    t text;
    row json;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenant_scaling_config', 'tenant_training_config', 'training_queue_stats',
                             'tenant_training_workers', 'tenant_training_inputs', 'tenant_training_state',
                             'inference_endpoints', 'endpoint_metrics', 'endpoint_metrics_latest',
                             'scaling_events', 'training_jobs', 'tenant_job_counts', 'tenant_roles',
                             'tenant_resource_usage', 'tenant_usage_totals', 'tenant_usage_distinct']
    LOOP
        EXECUTE format('SELECT to_json(x) FROM tenant_scaling.%I x WHERE tenant_id = ''b0000000-0000-0000-0000-00000000000b'' LIMIT 1', t)
            INTO row;
        INSERT INTO public.ts_sample_rows VALUES (t, row);
    END LOOP;
END $$;

-- the owner sees everything
SELECT * FROM ts_visible();

SET ROLE ts_tenant_a;
SELECT current_tenant_id();
SELECT * FROM ts_visible();
-- no write reaches another tenant's rows, or rows whose limits a tenant may not set
SELECT * FROM ts_writes();
-- shared configuration is readable, not writable
SELECT count(*) AS tiers FROM tiers;
SELECT ts_try($$UPDATE tenant_scaling.tiers SET resource_multiplier = 100$$);
SELECT ts_try($$INSERT INTO tenant_scaling.workload_profiles VALUES ('free_gpu', 1, 8, 1, 1, 1)$$);
-- a tenant cannot raise its own limits or tier, nor touch another tenant's
SELECT ts_try($$UPDATE tenant_scaling.tenant_scaling_config SET max_concurrent_jobs = 100$$);
SELECT ts_try($$UPDATE tenant_scaling.tenant_scaling_config SET scaling_tier = 'enterprise'$$);
SELECT ts_try($$INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier) VALUES ('c0000000-0000-0000-0000-00000000000c', 'enterprise')$$);
SELECT ts_try($$DELETE FROM tenant_scaling.tenant_scaling_config$$);
SELECT ts_try($$UPDATE tenant_scaling.tenant_training_config SET max_workers = 100$$);
SELECT ts_try($$INSERT INTO tenant_scaling.tenant_roles VALUES ('ts_tenant_a', 'b0000000-0000-0000-0000-00000000000b')$$);
SELECT ts_try($$UPDATE tenant_scaling.tenant_roles SET tenant_id = 'b0000000-0000-0000-0000-00000000000b'$$);
-- its own measurements it may write; another tenant's it may not
SELECT ts_try($$INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size) VALUES ('a0000000-0000-0000-0000-00000000000a', 3)$$);
SELECT ts_try($$INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size) VALUES ('b0000000-0000-0000-0000-00000000000b', 0)$$);
SELECT ts_try($$INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, cpu_avg) VALUES ('ep-b', 'b0000000-0000-0000-0000-00000000000b', 1)$$);
SELECT ts_try($$UPDATE tenant_scaling.training_queue_stats SET queue_size = 0$$);
SELECT ts_try($$DELETE FROM tenant_scaling.endpoint_metrics$$);
-- everything that enforces limits is written only through the functions
SELECT ts_try($$INSERT INTO tenant_scaling.training_jobs (tenant_id, workload_type, model_size_gb, expected_duration_hours) VALUES ('a0000000-0000-0000-0000-00000000000a', 'training_small', 999, 1)$$);
SELECT ts_try($$UPDATE tenant_scaling.training_jobs SET status = 'running'$$);
SELECT ts_try($$UPDATE tenant_scaling.tenant_job_counts SET running_jobs = 0$$);
SELECT ts_try($$UPDATE tenant_scaling.inference_endpoints SET desired_replicas = 100$$);
SELECT ts_try($$INSERT INTO tenant_scaling.tenant_training_workers (tenant_id) VALUES ('a0000000-0000-0000-0000-00000000000a')$$);
SELECT ts_try($$UPDATE tenant_scaling.tenant_training_state SET desired_workers = 100$$);
SELECT ts_try($$INSERT INTO tenant_scaling.scaling_events (tenant_id, resource_kind, resource_id, action, previous_count, new_count, reason, inputs, origin) VALUES ('a0000000-0000-0000-0000-00000000000a', 'inference', 'ep-a', 'scale_out', 1, 99, 'x', '{}', 'manual')$$);
SELECT ts_try($$UPDATE tenant_scaling.tenant_training_inputs SET active_workers = 0$$);
SELECT ts_try($$SELECT count(*) FROM tenant_scaling.scheduler_runs$$);

-- the functions answer for another tenant as for an unknown one: nothing leaks
SELECT * FROM get_tenant_scaling_policy('a0000000-0000-0000-0000-00000000000a');
SELECT * FROM get_tenant_scaling_policy('b0000000-0000-0000-0000-00000000000b');
SELECT * FROM check_training_scaling_trigger('a0000000-0000-0000-0000-00000000000a');
SELECT * FROM check_training_scaling_trigger('b0000000-0000-0000-0000-00000000000b');
SELECT cpu_cores, memory_gb FROM allocate_resources('a0000000-0000-0000-0000-00000000000a', 'training_large');
SELECT cpu_cores, memory_gb FROM allocate_resources('b0000000-0000-0000-0000-00000000000b', 'training_large');
-- and act only for its own tenant
SELECT ts_try($$SELECT * FROM tenant_scaling.scale_inference_endpoint('b0000000-0000-0000-0000-00000000000b', 'ep-b')$$);
SELECT ts_try($$SELECT * FROM tenant_scaling.scale_inference_endpoint('a0000000-0000-0000-0000-00000000000a', 'ep-b')$$);
SELECT action, reason FROM scale_inference_endpoint('a0000000-0000-0000-0000-00000000000a', 'ep-a');
SELECT ts_try($$SELECT tenant_scaling.submit_training_job('b0000000-0000-0000-0000-00000000000b', 'training_small', 1, 1)$$);
SELECT submit_training_job('a0000000-0000-0000-0000-00000000000a', 'training_small', 1, 1) > 0 AS submitted;
SELECT ts_try($$SELECT tenant_scaling.submit_training_job('a0000000-0000-0000-0000-00000000000a', 'training_small', 11, 1)$$);
SELECT ts_try($$SELECT tenant_scaling.start_next_training_job('b0000000-0000-0000-0000-00000000000b')$$);
SELECT start_next_training_job('a0000000-0000-0000-0000-00000000000a') > 0 AS started;
SELECT regexp_replace(ts_try(format('SELECT tenant_scaling.finish_training_job(%s, true)',
                     (SELECT max(job_id) + 1 FROM training_jobs))), 'job \d+', 'job N');
SELECT finish_training_job(max(job_id), true) FROM training_jobs WHERE status = 'running';
SELECT ts_try($$SELECT * FROM tenant_scaling.run_scaling_cycle()$$);
RESET ROLE;
-- tenant b's jobs were never touched by tenant a
SELECT tenant_id, status, count(*) FROM training_jobs GROUP BY 1, 2 ORDER BY 1, 2;
SELECT min(job_id) AS b_job FROM training_jobs WHERE tenant_id = 'b0000000-0000-0000-0000-00000000000b' \gset
SET ROLE ts_tenant_a;
-- another tenant's job does not exist for it
SELECT regexp_replace(ts_try('SELECT tenant_scaling.finish_training_job(' || :b_job || ', true)'), 'job \d+', 'job N');
RESET ROLE;

-- a role with no mapping sees no tenant rows and acts for no tenant
SET ROLE ts_unmapped;
SELECT current_tenant_id();
SELECT * FROM ts_visible();
SELECT * FROM get_tenant_scaling_policy('a0000000-0000-0000-0000-00000000000a');
SELECT ts_try($$SELECT tenant_scaling.submit_training_job('a0000000-0000-0000-0000-00000000000a', 'training_small', 1, 1)$$);
SELECT ts_try($$SELECT * FROM tenant_scaling.scale_inference_endpoint('a0000000-0000-0000-0000-00000000000a', 'ep-a')$$);
SELECT ts_try($$INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size) VALUES ('a0000000-0000-0000-0000-00000000000a', 3)$$);
SELECT * FROM ts_writes();
RESET ROLE;
-- nothing of tenant b changed
SELECT * FROM ts_visible();

-- an operator sees every tenant and changes configuration
SET ROLE ts_operator;
SELECT * FROM ts_visible();
SELECT ts_try($$UPDATE tenant_scaling.tenant_scaling_config SET max_concurrent_jobs = 3 WHERE tenant_id = 'a0000000-0000-0000-0000-00000000000a'$$);
SELECT * FROM get_tenant_scaling_policy('b0000000-0000-0000-0000-00000000000b');
SELECT tenants_evaluated, errors FROM run_scaling_cycle();
SELECT count(*) > 0 AS sees_runs FROM scheduler_runs;
RESET ROLE;

-- the functions' privileges and security
SELECT p.proname, p.prosecdef, p.proconfig
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'tenant_scaling' AND (p.prosecdef OR p.proconfig IS NOT NULL)
ORDER BY 1;
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'tenant_scaling' AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity AND NOT c.relispartition
ORDER BY 1;
-- partitions have none, but no grant either: tenants, operators and actuators
-- reach their rows only through their table, under its policies
SELECT count(DISTINCT c.oid) > 4 AS partitions,
       count(*) FILTER (WHERE has_table_privilege(r, c.oid, 'SELECT, INSERT, UPDATE, DELETE')) AS granted
FROM pg_class c, unnest(ARRAY['public', 'tenant_scaling_admin', 'tenant_scaling_actuator']) r
WHERE c.relnamespace = 'tenant_scaling'::regnamespace AND c.relispartition;

DROP FUNCTION public.ts_writes();
DROP TABLE public.ts_sample_rows;
DROP FUNCTION public.ts_try(text);
DROP FUNCTION public.ts_visible();
TRUNCATE tenant_resource_usage;
DELETE FROM tenant_roles;
DELETE FROM training_jobs;
DELETE FROM tenant_job_counts;
DELETE FROM scaling_events;
DELETE FROM scheduler_runs;
DELETE FROM tenant_training_state;
DELETE FROM inference_endpoints;
DELETE FROM training_queue_stats;
DELETE FROM tenant_training_workers;
DELETE FROM tenant_training_inputs;
DELETE FROM tenant_training_config;
DELETE FROM tenant_scaling_config;
DROP ROLE ts_tenant_a, ts_tenant_b, ts_unmapped, ts_operator;
