-- test/bench/capacity_setup.sql: GPU jobs for the cycle benchmark's tenants
-- (after cycle_setup.sql). psql -v jobs=N: the first N tenants queue one
-- job of training_medium each and try to start it on pools of 1,280 GPUs;
-- what does not fit waits, premium and enterprise tenants within their
-- guarantee, which the next cycle serves by preempting borrowed work.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
UPDATE tenant_scaling.capacity_pools SET capacity = CASE pool WHEN 'on_demand' THEN 512 WHEN 'spot' THEN 256 ELSE 512 END;
UPDATE tenant_scaling.tenant_scaling_config c SET max_concurrent_jobs = 4, max_model_size_gb = 100
  FROM bench_tenants t WHERE t.tenant_id = c.tenant_id AND t.n <= :jobs;
SELECT count(tenant_scaling.submit_training_job(tenant_id, 'training_medium', 1, 1, n % 3 = 0))
  FROM bench_tenants WHERE n <= :jobs;
SELECT count(tenant_scaling.start_next_training_job(tenant_id)) AS started FROM bench_tenants WHERE n <= :jobs;
SELECT wait_reason, count(*) FROM tenant_scaling.training_jobs GROUP BY 1 ORDER BY 1;
