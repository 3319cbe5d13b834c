-- get_tenant_scaling_policy: the tenant's row, or the seed's default.
SET search_path = tenant_scaling, public;

INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb,
                                   max_training_duration_hours, auto_scaling_enabled)
VALUES ('b0000000-0000-0000-0000-000000000001', 'enterprise', 8, 250.5, 72, true),
       ('b0000000-0000-0000-0000-000000000002', 'premium', 4, 40, 48, false);
-- explicit NULL limits come back as NULL, as the seed returns the row as stored
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb,
                                   max_training_duration_hours, auto_scaling_enabled)
VALUES ('b0000000-0000-0000-0000-000000000003', 'basic', NULL, NULL, NULL, NULL);

SELECT * FROM get_tenant_scaling_policy('b0000000-0000-0000-0000-000000000001');
SELECT * FROM get_tenant_scaling_policy('b0000000-0000-0000-0000-000000000002');
SELECT * FROM get_tenant_scaling_policy('b0000000-0000-0000-0000-000000000003');
-- unknown tenant: ('basic', 1, 1, 24, false)
SELECT * FROM get_tenant_scaling_policy('b0000000-0000-0000-0000-0000000000ff');
-- NULL tenant: STRICT, no row
SELECT count(*) FROM get_tenant_scaling_policy(NULL);

-- set-based use, as an application would call it for many tenants
SELECT t.id, p.tier, p.max_jobs
FROM (VALUES ('b0000000-0000-0000-0000-000000000001'::uuid), ('b0000000-0000-0000-0000-000000000002'),
             ('b0000000-0000-0000-0000-0000000000ff')) AS t(id)
CROSS JOIN LATERAL get_tenant_scaling_policy(t.id) p
ORDER BY t.id;

-- it reads the statement's snapshot: an update in the same transaction is seen
BEGIN;
UPDATE tenant_scaling_config SET max_concurrent_jobs = 9 WHERE tenant_id = 'b0000000-0000-0000-0000-000000000001';
SELECT max_jobs FROM get_tenant_scaling_policy('b0000000-0000-0000-0000-000000000001');
ROLLBACK;
SELECT max_jobs FROM get_tenant_scaling_policy('b0000000-0000-0000-0000-000000000001');

-- a role not mapped to the tenant does not see its row (row-level security): the default policy
CREATE ROLE ts_policy_nobody;
GRANT USAGE ON SCHEMA tenant_scaling TO ts_policy_nobody;
SET ROLE ts_policy_nobody;
SELECT * FROM tenant_scaling.get_tenant_scaling_policy('b0000000-0000-0000-0000-000000000001');
RESET ROLE;
REVOKE USAGE ON SCHEMA tenant_scaling FROM ts_policy_nobody;
DROP ROLE ts_policy_nobody;

-- declared as the seed's signature, STABLE STRICT
SELECT pg_get_function_result('get_tenant_scaling_policy(uuid)'::regprocedure),
       provolatile, proisstrict
FROM pg_proc WHERE oid = 'get_tenant_scaling_policy(uuid)'::regprocedure;

DELETE FROM tenant_scaling_config;
