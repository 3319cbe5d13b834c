-- The scale-out test, run by test/proxy/run.sh on the proxy database ts_proxy with
-- shards ts_shard0 and ts_shard1 (psql variables shard0 and shard1 hold their conninfo).
\set ON_ERROR_STOP 1
\set QUIET on
SET client_min_messages = warning;
CREATE EXTENSION plproxy;
CREATE EXTENSION tenant_scaling_proxy;
CREATE SERVER tenant_scaling FOREIGN DATA WRAPPER plproxy OPTIONS (p0 :'shard0', p1 :'shard1');
CREATE USER MAPPING FOR PUBLIC SERVER tenant_scaling;
CREATE EXTENSION dblink;

CREATE TEMP TABLE results (n serial, ok boolean, what text);
-- the checks' own output is not the report
\o /dev/null
CREATE FUNCTION pg_temp.check(ok boolean, what text) RETURNS void LANGUAGE sql
AS $$ INSERT INTO results (ok, what) VALUES (coalesce(ok, false), what) $$;

-- 2,000 tenants written through the proxy
CREATE TEMP TABLE tenants AS
SELECT n, md5('proxy-tenant-' || n)::uuid AS tenant_id FROM generate_series(1, 2000) n;
SELECT count(tenant_scaling.set_tenant_config(tenant_id, (ARRAY['basic', 'premium'])[1 + n % 2], 1 + n % 7, 10,
                                              24, true)) FROM tenants \gset

-- what each shard holds, read directly
CREATE TEMP TABLE shard_rows AS
SELECT 0 AS shard, * FROM dblink(:'shard0', 'SELECT tenant_id, max_concurrent_jobs FROM tenant_scaling.tenant_scaling_config')
     AS t(tenant_id uuid, max_jobs int)
UNION ALL
SELECT 1, * FROM dblink(:'shard1', 'SELECT tenant_id, max_concurrent_jobs FROM tenant_scaling.tenant_scaling_config')
     AS t(tenant_id uuid, max_jobs int);

SELECT pg_temp.check((SELECT count(*) FROM shard_rows) = 2000, 'the 2000 tenants written through the proxy are on the shards');
SELECT pg_temp.check((SELECT count(*) FROM shard_rows s JOIN tenants t USING (tenant_id)
                      WHERE (tenant_scaling.tenant_hash(t.tenant_id) & 1) = s.shard) = 2000,
                     'each tenant landed on the shard its hash names');
SELECT pg_temp.check((SELECT min(c) > 800 FROM (SELECT count(*) c FROM shard_rows GROUP BY shard) x),
                     'the hash spreads tenants over both shards');
SELECT pg_temp.check((SELECT count(*) FROM tenants t
                      CROSS JOIN LATERAL tenant_scaling.get_tenant_scaling_policy(t.tenant_id) p
                      WHERE p.max_jobs = 1 + t.n % 7 AND p.tier = (ARRAY['basic', 'premium'])[1 + t.n % 2]) = 2000,
                     'every read through the proxy routes back to the tenant''s row');
SELECT pg_temp.check((SELECT count(*) FROM tenants t
                      CROSS JOIN LATERAL tenant_scaling.allocate_resources(t.tenant_id, 'training_large') a
                      WHERE t.n <= 200 AND a.memory_gb = CASE WHEN t.n % 2 = 1 THEN 128 ELSE 64 END) = 200,
                     'allocate_resources routes with the tenant');

-- the job queue through the proxy
SELECT count(*) AS submitted FROM tenants t, LATERAL tenant_scaling.submit_training_job(t.tenant_id, 'training_small', 1, 1) j
WHERE t.n <= 100 \gset
SELECT pg_temp.check(:submitted = 100, 'jobs are submitted through the proxy');
CREATE TEMP TABLE started AS
SELECT t.tenant_id, tenant_scaling.start_next_training_job(t.tenant_id) AS job_id FROM tenants t WHERE t.n <= 100;
SELECT pg_temp.check((SELECT count(job_id) FROM started) = 100, 'and started on their shards');
SELECT pg_temp.check((SELECT count(*) FROM started s, LATERAL tenant_scaling.finish_training_job(s.tenant_id, s.job_id, true) f) = 100,
                     'and finished, routed by tenant');
SELECT pg_temp.check((SELECT running_jobs FROM tenant_scaling.scaling_overview()) = 0
                     AND (SELECT queued_jobs FROM tenant_scaling.scaling_overview()) = 0,
                     'no job is left queued or running on any shard');

-- the fan-out report equals the sum of the shards
SELECT pg_temp.check((SELECT shards = 2 AND tenants = 2000 AND auto_scaling_tenants = 2000 FROM tenant_scaling.scaling_overview()),
                     'the fan-out report covers both shards');
SELECT pg_temp.check((SELECT tenants FROM tenant_scaling.scaling_overview()) =
                     (SELECT a + b FROM dblink(:'shard0', 'SELECT tenants FROM tenant_scaling.shard_overview()') AS x(a bigint),
                                        dblink(:'shard1', 'SELECT tenants FROM tenant_scaling.shard_overview()') AS y(b bigint)),
                     'and equals the sum of what each shard reports');
SELECT pg_temp.check((SELECT action FROM tenant_scaling.inference_scaling_decision(95, 10, 10, 10, 100, 2)) = 'scale_out',
                     'pure functions are answered by any shard');

-- a misrouted write is refused by the shard
SELECT t.tenant_id AS stray FROM tenants t WHERE (tenant_scaling.tenant_hash(t.tenant_id) & 1) = 1 AND t.n % 2 = 1 LIMIT 1 \gset
CREATE FUNCTION pg_temp.remote_error(conn text, statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dblink_exec(conn, statement);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END $$;
SELECT pg_temp.check(
    pg_temp.remote_error(:'shard0', format('INSERT INTO tenant_scaling.tenant_training_config (tenant_id) VALUES (%L)', :'stray'))
        LIKE '%does not belong on shard 0 of 2%',
    'a row written on the wrong shard is refused');
SELECT pg_temp.check(
    pg_temp.remote_error(:'shard0', format('INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier) VALUES (%L, %L)', :'stray', 'basic'))
        LIKE '%does not belong on shard 0 of 2%',
    'so is a configuration row, which would otherwise read back as a silent default');

-- one shard down: its tenants get a clear error, the other shard's tenants go on
-- a premium tenant: its policy differs from the default row an unknown (misrouted) tenant would get
SELECT t.tenant_id AS on_shard0 FROM tenants t WHERE (tenant_scaling.tenant_hash(t.tenant_id) & 1) = 0 AND t.n % 2 = 1
 LIMIT 1 \gset
-- the policy a tenant was configured with, as get_tenant_scaling_policy returns it
CREATE FUNCTION pg_temp.configured(tenant uuid) RETURNS text LANGUAGE sql AS
$$ SELECT (ARRAY['basic', 'premium'])[1 + n % 2] || '/' || (1 + n % 7) FROM tenants WHERE tenant_id = tenant $$;
ALTER DATABASE ts_shard1 ALLOW_CONNECTIONS false;
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'ts_shard1' \gset
CREATE FUNCTION pg_temp.error_of(tenant uuid) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM * FROM tenant_scaling.get_tenant_scaling_policy(tenant);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END $$;
-- the first call may meet the pooled connection the shard just closed; the next one says why
SELECT pg_temp.error_of(:'stray') AS first_error \gset
SELECT pg_temp.error_of(:'stray') AS down_error \gset
SELECT pg_temp.check(:'down_error' LIKE '%ts_shard1%' AND :'down_error' LIKE '%not currently accepting connections%',
                     'a tenant of the unavailable shard gets a clear error: ' || :'down_error');
SELECT pg_temp.check((SELECT tier || '/' || max_jobs FROM tenant_scaling.get_tenant_scaling_policy(:'on_shard0'))
                     = pg_temp.configured(:'on_shard0'),
                     'the other shard''s tenants keep working (their own policy, not a default)');
ALTER DATABASE ts_shard1 ALLOW_CONNECTIONS true;
SELECT pg_temp.check((SELECT tier || '/' || max_jobs FROM tenant_scaling.get_tenant_scaling_policy(:'stray'))
                     = pg_temp.configured(:'stray'),
                     'the shard''s tenants work again once it is back (their own policy)');

\o
\set QUIET off
\pset tuples_only on
\pset format unaligned
SELECT CASE WHEN ok THEN 'ok - ' ELSE 'not ok - ' END || what FROM results ORDER BY n;
SELECT count(*) FILTER (WHERE ok) || ' passed, ' || count(*) FILTER (WHERE NOT ok) || ' failed' FROM results;
