-- COPY of the peer (the seed's logic made runnable with the fewest changes; README, Benchmarks),
-- copied verbatim below this header so that the differential test runs from any clone.
-- Do not edit it here: refresh it from the shared file.

-- The seed document's PL/pgSQL and Python logic, made runnable with the fewest changes,
-- in its own schema so that it can sit beside the extension in one database.
-- It is the peer that the extension's benchmarks and differential tests compare against.
--
-- Changes from the seed's text, each needed to make it run at all:
--   * tables schema-qualified inside the functions, so they work whatever the search_path;
--   * column references qualified: the seed's "WHERE tenant_id = $1" is ambiguous
--     in PL/pgSQL (ERROR: column reference "tenant_id" is ambiguous) because the
--     parameter has the same name as the column;
--   * tenant_training_workers and tenant_resource_usage are used by the seed but never
--     defined: defined here with the columns the seed reads;
--   * the cost view gets the unique index that REFRESH ... CONCURRENTLY requires;
--   * the Python InferenceScaler and TenantResourceManager rules are written in PL/pgSQL.
-- Behaviour is otherwise the seed's, quirks included (for example a "scale out" to the
-- same worker count when already at 10 workers).

CREATE SCHEMA IF NOT EXISTS seed_baseline;
SET search_path = seed_baseline;

CREATE TABLE tenant_scaling_config (
    tenant_id UUID PRIMARY KEY,
    scaling_tier TEXT NOT NULL,
    max_concurrent_jobs INT DEFAULT 1,
    max_model_size_gb NUMERIC DEFAULT 1,
    max_training_duration_hours INT DEFAULT 24,
    auto_scaling_enabled BOOLEAN DEFAULT FALSE,
    scaling_rules JSONB,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX idx_tenant_scaling_tier ON tenant_scaling_config(scaling_tier);
CREATE INDEX idx_tenant_scaling_auto ON tenant_scaling_config(auto_scaling_enabled);

CREATE OR REPLACE FUNCTION get_tenant_scaling_policy(tenant_id UUID)
RETURNS TABLE (tier TEXT, max_jobs INT, max_model_size NUMERIC, max_duration INT, auto_scaling BOOLEAN)
AS $$
DECLARE
    config RECORD;
BEGIN
    SELECT * INTO config FROM seed_baseline.tenant_scaling_config c WHERE c.tenant_id = $1;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'basic'::TEXT, 1::INT, 1::NUMERIC, 24::INT, false::BOOLEAN;
    ELSE
        RETURN QUERY SELECT config.scaling_tier, config.max_concurrent_jobs, config.max_model_size_gb,
                            config.max_training_duration_hours, config.auto_scaling_enabled;
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE tenant_training_config (
    tenant_id UUID PRIMARY KEY,
    distributed_training_enabled BOOLEAN DEFAULT FALSE,
    max_workers INT DEFAULT 1,
    worker_type TEXT DEFAULT 'm5.2xlarge',
    gpu_per_worker INT DEFAULT 1,
    network_bandwidth_mbps INT DEFAULT 1000,
    checkpoint_frequency_minutes INT DEFAULT 30,
    fault_tolerance_enabled BOOLEAN DEFAULT TRUE
);

CREATE TABLE training_queue_stats (
    tenant_id UUID NOT NULL,
    queue_size INT NOT NULL,
    avg_wait_time_seconds NUMERIC,
    max_wait_time_seconds INT,
    processing_rate_per_minute NUMERIC,
    timestamp TIMESTAMPTZ DEFAULT NOW()
);
CREATE INDEX ON training_queue_stats (tenant_id, timestamp DESC);

CREATE TABLE tenant_training_workers (
    worker_id BIGSERIAL PRIMARY KEY,
    tenant_id UUID NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX ON tenant_training_workers (tenant_id, status);

CREATE OR REPLACE FUNCTION check_training_scaling_trigger(tenant_id UUID)
RETURNS TABLE (should_scale_out BOOLEAN, should_scale_in BOOLEAN, target_workers INT)
AS $$
DECLARE
    stats RECORD;
    current_workers INT;
    target INT;
BEGIN
    SELECT * INTO stats FROM seed_baseline.training_queue_stats s
    WHERE s.tenant_id = $1 ORDER BY s.timestamp DESC LIMIT 1;

    SELECT COUNT(*) INTO current_workers FROM seed_baseline.tenant_training_workers w
    WHERE w.tenant_id = $1 AND w.status = 'active';

    IF stats.queue_size > 10 AND stats.avg_wait_time_seconds > 300 THEN
        target := LEAST(current_workers + 2, 10);
        RETURN QUERY SELECT true, false, target;
    ELSIF stats.queue_size < 2 AND stats.avg_wait_time_seconds < 60 AND current_workers > 1 THEN
        target := GREATEST(current_workers - 1, 1);
        RETURN QUERY SELECT false, true, target;
    ELSE
        RETURN QUERY SELECT false, false, current_workers;
    END IF;
END;
$$ LANGUAGE plpgsql;

-- InferenceScaler._calculate_scaling_decision and the replica arithmetic of
-- scale_inference_endpoints: cpu_avg and memory_avg are percentages (0-100).
CREATE OR REPLACE FUNCTION inference_scaling_decision(
    cpu_avg NUMERIC, memory_avg NUMERIC, latency_p95 NUMERIC,
    requests_per_second NUMERIC, target_rps NUMERIC, current_replicas INT)
RETURNS TABLE (action TEXT, delta INT, min_replicas INT, max_replicas INT, new_replicas INT)
AS $$
DECLARE
    cpu NUMERIC := cpu_avg / 100.0;
    mem NUMERIC := memory_avg / 100.0;
BEGIN
    IF cpu > 0.8 OR mem > 0.8 OR latency_p95 > 200 OR requests_per_second > target_rps * 1.2 THEN
        RETURN QUERY SELECT 'scale_out'::TEXT, 1, 1, 10, LEAST(current_replicas + 1, 10);
    ELSIF cpu < 0.3 AND mem < 0.3 AND latency_p95 < 50 AND requests_per_second < target_rps * 0.5 THEN
        RETURN QUERY SELECT 'scale_in'::TEXT, 1, 1, 10, GREATEST(current_replicas - 1, 1);
    ELSE
        RETURN QUERY SELECT 'none'::TEXT, 0, 1, 10, current_replicas;
    END IF;
END;
$$ LANGUAGE plpgsql;

-- TenantResourceManager.allocate_resources: tier multiplier, then the hard limits.
CREATE OR REPLACE FUNCTION allocate_resources(tenant UUID, workload_type TEXT,
    max_cpu INT DEFAULT 16, max_gpu INT DEFAULT 4)
RETURNS TABLE (cpu_cores INT, gpu_count INT, memory_gb INT, storage_gb INT, network_mbps INT)
AS $$
DECLARE
    tier TEXT;
    m NUMERIC;
    r INT[];
BEGIN
    SELECT p.tier INTO tier FROM seed_baseline.get_tenant_scaling_policy(tenant) p;
    m := CASE tier WHEN 'premium' THEN 2.0 WHEN 'enterprise' THEN 4.0 ELSE 1.0 END;
    r := CASE workload_type
        WHEN 'training_small'      THEN ARRAY[4, 1, 16, 100, 100]
        WHEN 'training_medium'     THEN ARRAY[8, 2, 32, 500, 500]
        WHEN 'training_large'      THEN ARRAY[16, 4, 64, 2000, 1000]
        WHEN 'inference_small'     THEN ARRAY[2, 0, 8, 50, 50]
        WHEN 'inference_medium'    THEN ARRAY[4, 1, 16, 100, 100]
        WHEN 'inference_large'     THEN ARRAY[8, 2, 32, 500, 500]
        WHEN 'feature_computation' THEN ARRAY[4, 0, 16, 100, 100]
        ELSE ARRAY[4, 1, 16, 100, 100] END;
    RETURN QUERY SELECT LEAST(trunc(r[1] * m)::INT, max_cpu), LEAST(trunc(r[2] * m)::INT, max_gpu),
                        trunc(r[3] * m)::INT, trunc(r[4] * m)::INT, trunc(r[5] * m)::INT;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE tenant_resource_usage (
    tenant_id UUID NOT NULL,
    scaling_tier TEXT NOT NULL,
    usage_date DATE NOT NULL DEFAULT CURRENT_DATE,
    cpu_hours NUMERIC NOT NULL DEFAULT 0,
    gpu_hours NUMERIC NOT NULL DEFAULT 0,
    storage_gb_days NUMERIC NOT NULL DEFAULT 0,
    network_gb NUMERIC NOT NULL DEFAULT 0,
    cpu_utilization NUMERIC,
    memory_utilization NUMERIC,
    training_jobs BIGINT,
    inference_endpoints BIGINT
);

CREATE MATERIALIZED VIEW tenant_cost_optimization AS
SELECT
    tenant_id,
    scaling_tier,
    SUM(cpu_hours) as total_cpu_hours,
    SUM(gpu_hours) as total_gpu_hours,
    SUM(storage_gb_days) as total_storage,
    SUM(network_gb) as total_network,
    AVG(cpu_utilization) as avg_cpu_util,
    AVG(memory_utilization) as avg_memory_util,
    COUNT(DISTINCT training_jobs) as training_jobs_count,
    COUNT(DISTINCT inference_endpoints) as inference_endpoints_count,
    CASE
        WHEN AVG(cpu_utilization) < 0.4 AND AVG(memory_utilization) < 0.4 THEN 'over_provisioned'
        WHEN AVG(cpu_utilization) > 0.8 AND AVG(memory_utilization) > 0.8 THEN 'under_provisioned'
        ELSE 'appropriately_provisioned'
    END as provisioning_status
FROM tenant_resource_usage
GROUP BY tenant_id, scaling_tier;
CREATE UNIQUE INDEX ON tenant_cost_optimization (tenant_id, scaling_tier);

CREATE OR REPLACE FUNCTION refresh_cost_optimization_view()
RETURNS VOID AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY seed_baseline.tenant_cost_optimization;
END;
$$ LANGUAGE plpgsql;

-- The seed's loop, as an application would run it: every auto-scaling tenant, one call each.
CREATE OR REPLACE FUNCTION apply_training_scaling_all()
RETURNS BIGINT AS $$
DECLARE
    t UUID;
    n BIGINT := 0;
    d RECORD;
BEGIN
    FOR t IN SELECT c.tenant_id FROM seed_baseline.tenant_scaling_config c WHERE c.auto_scaling_enabled LOOP
        SELECT * INTO d FROM seed_baseline.check_training_scaling_trigger(t);
        IF d.should_scale_out OR d.should_scale_in THEN
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END;
$$ LANGUAGE plpgsql;

RESET search_path;
