-- Cost per tenant: the seed's cost view over running totals, prices, right-sizing.
SET search_path = tenant_scaling, public;

-- the seed's definition, computed directly over all usage, to compare the view with
CREATE VIEW pg_temp.seed_cost AS
SELECT tenant_id, scaling_tier,
       SUM(cpu_hours) AS total_cpu_hours, SUM(gpu_hours) AS total_gpu_hours,
       SUM(storage_gb_days) AS total_storage, SUM(network_gb) AS total_network,
       AVG(cpu_utilization) AS avg_cpu_util, AVG(memory_utilization) AS avg_memory_util,
       COUNT(DISTINCT training_jobs) AS training_jobs_count,
       COUNT(DISTINCT inference_endpoints) AS inference_endpoints_count,
       CASE
           WHEN AVG(cpu_utilization) < 0.4 AND AVG(memory_utilization) < 0.4 THEN 'over_provisioned'
           WHEN AVG(cpu_utilization) > 0.8 AND AVG(memory_utilization) > 0.8 THEN 'under_provisioned'
           ELSE 'appropriately_provisioned'
       END AS provisioning_status
FROM tenant_scaling.tenant_resource_usage
GROUP BY tenant_id, scaling_tier;
CREATE VIEW pg_temp.differences AS
SELECT count(*) AS rows_that_differ FROM (
    (SELECT * FROM pg_temp.seed_cost
     EXCEPT SELECT tenant_id, scaling_tier, total_cpu_hours, total_gpu_hours, total_storage, total_network,
                   avg_cpu_util, avg_memory_util, training_jobs_count, inference_endpoints_count, provisioning_status
            FROM tenant_scaling.tenant_cost_optimization)
    UNION ALL
    (SELECT tenant_id, scaling_tier, total_cpu_hours, total_gpu_hours, total_storage, total_network,
            avg_cpu_util, avg_memory_util, training_jobs_count, inference_endpoints_count, provisioning_status
     FROM tenant_scaling.tenant_cost_optimization
     EXCEPT SELECT * FROM pg_temp.seed_cost)) d;

-- the seed's columns, then total_cost
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'tenant_scaling.tenant_cost_optimization'::regclass AND attnum > 0 ORDER BY attnum;
SELECT * FROM resource_prices ORDER BY resource;

-- a year of daily usage for 30 tenants, some on two tiers, jobs and endpoints repeating
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, usage_date, cpu_hours, gpu_hours, storage_gb_days,
                                   network_gb, cpu_utilization, memory_utilization, training_jobs, inference_endpoints)
SELECT ('c5000000-0000-0000-0000-' || lpad((n % 30)::text, 12, '0'))::uuid,
       CASE WHEN n % 30 < 5 AND d % 2 = 0 THEN 'enterprise' ELSE (ARRAY['basic', 'standard', 'premium'])[1 + n % 3] END,
       date '2026-01-01' + d,
       (n * d) % 17 + 0.25, (n + d) % 5, (n * 3 + d) % 100 * 1.5, (d % 7) * 0.125,
       CASE WHEN (n + d) % 11 = 0 THEN NULL ELSE ((n * 7 + d * 3) % 100) / 100.0 END,
       CASE WHEN (n + d) % 13 = 0 THEN NULL ELSE ((n * 5 + d * 11) % 100) / 100.0 END,
       CASE WHEN d % 4 = 0 THEN NULL ELSE (n * 1000 + d / 10) END,
       CASE WHEN d % 3 = 0 THEN NULL ELSE 'ep-' || n || '-' || (d % 4) END
FROM generate_series(0, 29) n, generate_series(0, 364) d;
SELECT refresh_cost_optimization_view();
SELECT count(*) AS view_rows FROM tenant_cost_optimization;
SELECT * FROM pg_temp.differences;

-- a day more, in several statements, repeating some jobs and endpoints: still exact
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, usage_date, cpu_hours, cpu_utilization, memory_utilization,
                                   training_jobs, inference_endpoints)
SELECT ('c5000000-0000-0000-0000-' || lpad((n % 30)::text, 12, '0'))::uuid, (ARRAY['basic', 'standard', 'premium'])[1 + n % 3],
       date '2027-01-01', 3, 0.5, 0.5, n * 1000 + 1, 'ep-new-' || (n % 3)
FROM generate_series(0, 29) n;
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, training_jobs) VALUES
    ('c5000000-0000-0000-0000-000000000001', 'standard', 1001), ('c5000000-0000-0000-0000-000000000001', 'standard', 1001);
-- a new tenant, and one whose utilization is never reported
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, cpu_hours) VALUES
    ('c5000000-0000-0000-0000-0000000000ff', 'basic', 10);
SELECT * FROM pg_temp.differences;          -- not yet refreshed: the view is behind
SELECT refresh_cost_optimization_view();
SELECT * FROM pg_temp.differences;
SELECT avg_cpu_util IS NULL AS no_utilization, provisioning_status FROM tenant_cost_optimization
WHERE tenant_id = 'c5000000-0000-0000-0000-0000000000ff';

-- the provisioning rule at its thresholds: strictly below 0.4, strictly above 0.8
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, cpu_utilization, memory_utilization, cpu_hours) VALUES
    ('c5000000-0000-0000-0000-000000000101', 'basic', 0.4, 0.1, 10),
    ('c5000000-0000-0000-0000-000000000102', 'basic', 0.39, 0.39, 10),
    ('c5000000-0000-0000-0000-000000000103', 'premium', 0.8, 0.9, 10),
    ('c5000000-0000-0000-0000-000000000104', 'premium', 0.81, 0.81, 10),
    ('c5000000-0000-0000-0000-000000000105', 'basic', 0.2, NULL, 10),
    ('c5000000-0000-0000-0000-000000000106', 'enterprise', 0.3, 0.3, 10),
    ('c5000000-0000-0000-0000-000000000107', 'enterprise', 0.99, 0.9, 10);
-- averages of several rows: 0.3 and 0.5 average exactly 0.4, which is not below it
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, cpu_utilization, memory_utilization) VALUES
    ('c5000000-0000-0000-0000-000000000108', 'basic', 0.3, 0.3), ('c5000000-0000-0000-0000-000000000108', 'basic', 0.5, 0.5);
SELECT refresh_cost_optimization_view();
SELECT tenant_id, avg_cpu_util, avg_memory_util, provisioning_status FROM tenant_cost_optimization
WHERE tenant_id::text LIKE 'c5000000-0000-0000-0000-0000000001%' ORDER BY 1;
SELECT * FROM pg_temp.differences;

-- total_cost at current prices; a price change shows at the next refresh
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, usage_date, cpu_hours, gpu_hours, storage_gb_days, network_gb)
VALUES ('c5000000-0000-0000-0000-000000000200', 'premium', '2026-11-01', 100, 10, 1000, 50);
SELECT refresh_cost_optimization_view();
SELECT total_cost FROM tenant_cost_optimization WHERE tenant_id = 'c5000000-0000-0000-0000-000000000200';
UPDATE resource_prices SET unit_price = 3.00 WHERE resource = 'gpu_hour';
SELECT refresh_cost_optimization_view();
SELECT total_cost FROM tenant_cost_optimization WHERE tenant_id = 'c5000000-0000-0000-0000-000000000200';
UPDATE resource_prices SET unit_price = 2.48 WHERE resource = 'gpu_hour';
\set VERBOSITY terse
UPDATE resource_prices SET unit_price = -1 WHERE resource = 'cpu_hour';
INSERT INTO resource_prices VALUES ('tpu_hour', 4);
\set VERBOSITY default

-- right-sizing: the next tier down or up and the monthly saving or extra cost
SELECT tenant_id, current_tier, provisioning_status, recommendation, suggested_tier, monthly_cost, monthly_change
FROM cost_right_sizing WHERE tenant_id::text LIKE 'c5000000-0000-0000-0000-0000000001%' ORDER BY 1;

-- a refused statement in a word: its SQLSTATE and the constraint or column
-- that refused it (the message names the partition, which holds the day)
CREATE FUNCTION pg_temp.refused(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    c text;
    col text;
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS c = CONSTRAINT_NAME, col = COLUMN_NAME;
    RETURN SQLSTATE || ' ' || coalesce(nullif(c, ''), nullif(col, ''), SQLERRM);
END $$;

-- bad input changes nothing; the ledger is append-only (terse: the failing rows hold today's date)
\set VERBOSITY terse
SELECT pg_temp.refused($$INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, cpu_hours)
                         VALUES ('c5000000-0000-0000-0000-000000000001', 'basic', -1)$$);
SELECT pg_temp.refused($$INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, cpu_utilization)
                         VALUES ('c5000000-0000-0000-0000-000000000001', 'basic', 1.5)$$);
SELECT pg_temp.refused($$INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, gpu_hours)
                         VALUES ('c5000000-0000-0000-0000-000000000001', 'basic', NULL)$$);
UPDATE tenant_resource_usage SET cpu_hours = 0 WHERE tenant_id = 'c5000000-0000-0000-0000-000000000001';
\echo :LAST_ERROR_SQLSTATE
DELETE FROM tenant_resource_usage WHERE tenant_id = 'c5000000-0000-0000-0000-000000000001';
\set VERBOSITY default
SELECT * FROM pg_temp.differences;

-- TRUNCATE clears usage and totals together
TRUNCATE tenant_resource_usage;
SELECT count(*) AS totals FROM tenant_usage_totals;
SELECT refresh_cost_optimization_view();
SELECT count(*) AS view_rows FROM tenant_cost_optimization;
