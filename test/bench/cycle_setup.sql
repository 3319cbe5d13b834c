-- test/bench/cycle_setup.sql: the scheduler benchmark's data, in the extension's schema
-- and, for the training part the peer reads, in the peer's. psql -v tenants=N.
--
-- Every tenant auto-scales, has 20 queue samples a minute apart, 1 to 4 active
-- workers and one endpoint with 3 metrics samples. The newest sample sends 1 tenant
-- in 10 over the scale-out thresholds and 1 in 10 under the scale-in ones; 1 endpoint
-- in 10 runs hot. So a first cycle changes 30 % of the resources, as after a burst,
-- and a second one finds them in their cooldowns, as in a steady state.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION tenant_scaling;
-- the partitions a running scheduler has made ahead: rows land in their day's partition
SELECT count(*) FROM tenant_scaling.maintain_history_partitions();
\ir ../differential/seed_baseline.sql

CREATE TABLE bench_tenants (n int PRIMARY KEY, tenant_id uuid NOT NULL);
INSERT INTO bench_tenants SELECT i, md5('cycle-tenant-' || i)::uuid FROM generate_series(1, :tenants) i;

INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
SELECT tenant_id, (ARRAY['basic', 'standard', 'premium', 'enterprise'])[1 + n % 4], true FROM bench_tenants;
INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
SELECT t.tenant_id,
       CASE WHEN k = 20 AND t.n % 10 = 0 THEN 15 WHEN k = 20 AND t.n % 10 = 1 THEN 0 ELSE 5 END,
       CASE WHEN k = 20 AND t.n % 10 = 0 THEN 400 WHEN k = 20 AND t.n % 10 = 1 THEN 10 ELSE 120 END,
       now() - make_interval(mins => 21 - k)
FROM bench_tenants t, generate_series(1, 20) k;
INSERT INTO tenant_scaling.tenant_training_workers (tenant_id, status)
SELECT t.tenant_id, 'active' FROM bench_tenants t, LATERAL generate_series(1, 1 + t.n % 4) g;
INSERT INTO tenant_scaling.inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, target_rps)
SELECT 'ep-' || n, tenant_id, 3, 3, 100 FROM bench_tenants;
INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT 'ep-' || n, tenant_id, now() - make_interval(secs => 30 * k),
       CASE WHEN n % 10 = 2 THEN 90 ELSE 50 END, 40, 100, 90
FROM bench_tenants, generate_series(1, 3) k;

INSERT INTO seed_baseline.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
SELECT tenant_id, scaling_tier, auto_scaling_enabled FROM tenant_scaling.tenant_scaling_config;
INSERT INTO seed_baseline.training_queue_stats SELECT * FROM tenant_scaling.training_queue_stats;
INSERT INTO seed_baseline.tenant_training_workers (tenant_id, status)
SELECT tenant_id, status FROM tenant_scaling.tenant_training_workers;
VACUUM ANALYZE;
