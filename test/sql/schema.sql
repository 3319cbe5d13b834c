-- Schema: tables, seed defaults, constraints and triggers.
SET search_path = tenant_scaling, public;
\set VERBOSITY default

-- the extension's tables and their comments
SELECT c.relname, obj_description(c.oid, 'pg_class') IS NOT NULL AS commented
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'tenant_scaling' AND c.relkind IN ('r', 'p')
  AND (NOT c.relispartition OR c.relname LIKE '%\_default')   -- a day's partition is named by its day
ORDER BY 1;

-- every function is commented
SELECT p.proname, obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'tenant_scaling'
ORDER BY 1;

-- every object of the extension has a comment (issue 14): its schema, its
-- tables, views, materialized view and sequences, the indexes of its tables
-- and materialized view, every column of those, its functions; none is listed
WITH member AS (
    SELECT d.classid, d.objid
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'tenant_scaling'
), relation AS (
    SELECT m.objid AS oid FROM member m WHERE m.classid = 'pg_class'::regclass
    UNION
    SELECT i.indexrelid FROM pg_index i JOIN member m ON m.classid = 'pg_class'::regclass AND m.objid = i.indrelid
)
SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index'
                      WHEN 'I' THEN 'index' ELSE 'relation ' || c.relkind::text END AS kind,
       c.oid::regclass::text AS object
FROM relation r JOIN pg_class c ON c.oid = r.oid
WHERE obj_description(c.oid, 'pg_class') IS NULL
UNION ALL
SELECT 'column', c.oid::regclass::text || '.' || quote_ident(a.attname)
FROM relation r JOIN pg_class c ON c.oid = r.oid
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p', 'm') AND col_description(c.oid, a.attnum) IS NULL
UNION ALL
SELECT 'function', p.oid::regprocedure::text
FROM member m JOIN pg_proc p ON p.oid = m.objid
WHERE m.classid = 'pg_proc'::regclass AND obj_description(p.oid, 'pg_proc') IS NULL
UNION ALL
SELECT 'schema', n.nspname::text
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'tenant_scaling' AND obj_description(n.oid, 'pg_namespace') IS NULL
ORDER BY 1, 2;

-- the seed's columns and defaults of tenant_scaling_config, in order, then ours
SELECT attname, format_type(atttypid, atttypmod), attnotnull, pg_get_expr(d.adbin, d.adrelid) AS default
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE attrelid = 'tenant_scaling.tenant_scaling_config'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;

SELECT attname, format_type(atttypid, atttypmod), pg_get_expr(d.adbin, d.adrelid) AS default
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE attrelid = 'tenant_scaling.tenant_training_config'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;

SELECT attname, format_type(atttypid, atttypmod), attnotnull
FROM pg_attribute
WHERE attrelid = 'tenant_scaling.training_queue_stats'::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum;

-- the seed's indexes are kept; queue stats are indexed newest first per tenant
SELECT indexrelid::regclass, pg_get_indexdef(indexrelid)
FROM pg_index
WHERE indrelid IN ('tenant_scaling.tenant_scaling_config'::regclass,
                   'tenant_scaling.training_queue_stats_default'::regclass,
                   'tenant_scaling.tenant_training_workers'::regclass)
ORDER BY indexrelid::regclass::text;

-- tiers and workload profiles as the seed has them
SELECT tier, tier_rank, resource_multiplier, max_cpu, max_gpu FROM tiers ORDER BY tier_rank;
SELECT * FROM workload_profiles ORDER BY workload_type;

-- a row gets the seed's defaults
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier)
VALUES ('a0000000-0000-0000-0000-000000000001', 'standard');
SELECT scaling_tier, max_concurrent_jobs, max_model_size_gb, max_training_duration_hours,
       auto_scaling_enabled, scaling_rules, max_cpu, max_gpu,
       created_at = updated_at AS fresh
FROM tenant_scaling_config WHERE tenant_id = 'a0000000-0000-0000-0000-000000000001';

-- updated_at is kept by a trigger: a later transaction moves it, whatever the client sets
UPDATE tenant_scaling_config SET updated_at = '2000-01-01', created_at = now() - interval '1 hour'
WHERE tenant_id = 'a0000000-0000-0000-0000-000000000001';
SELECT updated_at > '2000-01-02' AS touched, updated_at > created_at AS after_creation
FROM tenant_scaling_config WHERE tenant_id = 'a0000000-0000-0000-0000-000000000001';

-- an unknown tier is refused, naming the tier and listing the valid ones
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier)
VALUES ('a0000000-0000-0000-0000-000000000002', 'gold');
\echo :LAST_ERROR_SQLSTATE
UPDATE tenant_scaling_config SET scaling_tier = 'Premium'
WHERE tenant_id = 'a0000000-0000-0000-0000-000000000001';
\set VERBOSITY terse
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier)
VALUES ('a0000000-0000-0000-0000-000000000002', NULL);
\set VERBOSITY default

-- negative limits are refused, naming the limit and the value
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs)
VALUES ('a0000000-0000-0000-0000-000000000002', 'basic', -1);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_model_size_gb)
VALUES ('a0000000-0000-0000-0000-000000000002', 'basic', -0.5);
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_model_size_gb)
VALUES ('a0000000-0000-0000-0000-000000000002', 'basic', 'NaN');
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_training_duration_hours)
VALUES ('a0000000-0000-0000-0000-000000000002', 'basic', -24);
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_cpu)
VALUES ('a0000000-0000-0000-0000-000000000002', 'basic', -1);
UPDATE tenant_scaling_config SET max_gpu = -2
WHERE tenant_id = 'a0000000-0000-0000-0000-000000000001';
-- zero is a limit too (a suspended tenant)
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_cpu, max_gpu)
VALUES ('a0000000-0000-0000-0000-000000000002', 'basic', 0, 0, 0);

-- an invalid scaling_rules document is refused by the CHECK, with its path
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, scaling_rules)
VALUES ('a0000000-0000-0000-0000-000000000003', 'basic', '{"training": {"scale_out_step": 0}}');
\echo :LAST_ERROR_SQLSTATE
UPDATE tenant_scaling_config SET scaling_rules = '{"inference": {"cpu_high": 2}}'
WHERE tenant_id = 'a0000000-0000-0000-0000-000000000001';

-- a failed multi-row statement writes nothing
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_cpu) VALUES
    ('a0000000-0000-0000-0000-000000000004', 'basic', 8),
    ('a0000000-0000-0000-0000-000000000005', 'basic', -8);
SELECT count(*) FROM tenant_scaling_config
WHERE tenant_id IN ('a0000000-0000-0000-0000-000000000004', 'a0000000-0000-0000-0000-000000000005');

-- the other tables' limits (terse: the failing rows hold timestamps)
\set VERBOSITY terse
INSERT INTO tenant_training_config (tenant_id, max_workers) VALUES ('a0000000-0000-0000-0000-000000000001', 0);
INSERT INTO tenant_training_config (tenant_id, gpu_per_worker) VALUES ('a0000000-0000-0000-0000-000000000001', -1);
INSERT INTO training_queue_stats (tenant_id, queue_size) VALUES ('a0000000-0000-0000-0000-000000000001', -1);
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
VALUES ('a0000000-0000-0000-0000-000000000001', 1, -5);
INSERT INTO training_queue_stats (tenant_id, queue_size, timestamp)
VALUES ('a0000000-0000-0000-0000-000000000001', 1, NULL);
INSERT INTO tenant_training_workers (tenant_id, status) VALUES ('a0000000-0000-0000-0000-000000000001', 'running');
INSERT INTO tiers (tier, tier_rank, resource_multiplier) VALUES ('free', 0, 0);
INSERT INTO workload_profiles VALUES ('tiny', -1, 0, 1, 1, 1);
\set VERBOSITY default

-- workers default to provisioning and keep updated_at
INSERT INTO tenant_training_workers (tenant_id) VALUES ('a0000000-0000-0000-0000-000000000001');
SELECT status FROM tenant_training_workers WHERE tenant_id = 'a0000000-0000-0000-0000-000000000001';

-- renaming a tier follows into the tenants that use it
UPDATE tiers SET tier = 'standard_v2' WHERE tier = 'standard';
SELECT scaling_tier FROM tenant_scaling_config WHERE tenant_id = 'a0000000-0000-0000-0000-000000000001';
UPDATE tiers SET tier = 'standard' WHERE tier = 'standard_v2';
-- a tier in use cannot be deleted
DELETE FROM tiers WHERE tier = 'standard';

DELETE FROM tenant_training_workers;
DELETE FROM tenant_scaling_config;

-- the extension re-created and used in one session: the first statement after it
-- opens the tables while the creation's invalidations arrive
DROP EXTENSION tenant_scaling CASCADE;
CREATE EXTENSION tenant_scaling;
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier)
VALUES ('a0000000-0000-0000-0000-000000000009', 'basic');
SELECT tier FROM tenant_scaling.get_tenant_scaling_policy('a0000000-0000-0000-0000-000000000009');
DELETE FROM tenant_scaling.tenant_scaling_config;
