-- test/bench/setup.sql: the benchmark's data, the same rows in the extension's schema and
-- in the peer's (seed_baseline, the seed's logic in PL/pgSQL). Run by run.sh in a fresh
-- database with psql -v tenants=N -v stats=M.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE EXTENSION tenant_scaling;
\ir ../differential/seed_baseline.sql

-- the tenant list every measurement walks, in a fixed pseudo-random order
CREATE TABLE bench_tenants (n int PRIMARY KEY, tenant_id uuid NOT NULL);
INSERT INTO bench_tenants
SELECT i, md5('bench-tenant-' || i)::uuid FROM generate_series(1, :tenants) AS i;

-- policy rows: all four tiers, varied limits, no scaling_rules (so both sides apply the
-- seed's training rule)
INSERT INTO tenant_scaling.tenant_scaling_config
    (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, max_training_duration_hours,
     auto_scaling_enabled, scaling_rules)
SELECT tenant_id,
       (ARRAY['basic', 'standard', 'premium', 'enterprise'])[1 + n % 4],
       1 + n % 16,
       round((n % 1000) / 10.0, 1),
       1 + n % 72,
       n % 3 <> 0,
       NULL
FROM bench_tenants;

-- :stats queue samples per tenant, one minute apart, values around the thresholds
INSERT INTO tenant_scaling.training_queue_stats
    (tenant_id, queue_size, avg_wait_time_seconds, max_wait_time_seconds, processing_rate_per_minute, "timestamp")
SELECT t.tenant_id,
       (t.n * 7 + k * 13) % 25,
       ((t.n * 11 + k * 17) % 700)::numeric + 0.5,
       (t.n * 11 + k * 17) % 1400,
       ((t.n + k) % 50) / 10.0,
       timestamptz '2024-06-01 00:00:00+00' + make_interval(mins => k)
FROM bench_tenants AS t
CROSS JOIN generate_series(1, :stats) AS k;

-- 0 to 8 active workers per tenant, and terminated ones that neither side counts
INSERT INTO tenant_scaling.tenant_training_workers (worker_id, tenant_id, status)
SELECT row_number() OVER (), t.tenant_id, w.status
FROM bench_tenants AS t
CROSS JOIN LATERAL (
    SELECT 'active'::text AS status FROM generate_series(1, t.n % 9)
    UNION ALL
    SELECT 'terminated' FROM generate_series(1, CASE WHEN t.n % 10 = 0 THEN 2 ELSE 0 END)
) AS w;

INSERT INTO seed_baseline.tenant_scaling_config
    (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, max_training_duration_hours,
     auto_scaling_enabled, scaling_rules, created_at, updated_at)
SELECT tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, max_training_duration_hours,
       auto_scaling_enabled, scaling_rules, created_at, updated_at
FROM tenant_scaling.tenant_scaling_config;
INSERT INTO seed_baseline.training_queue_stats
SELECT tenant_id, queue_size, avg_wait_time_seconds, max_wait_time_seconds, processing_rate_per_minute, "timestamp"
FROM tenant_scaling.training_queue_stats;
INSERT INTO seed_baseline.tenant_training_workers (worker_id, tenant_id, status)
SELECT worker_id, tenant_id, status FROM tenant_scaling.tenant_training_workers;

VACUUM ANALYZE;
