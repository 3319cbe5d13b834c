/* tenant_scaling_proxy--0.1.0.sql: the tenant-keyed tenant_scaling API on a proxy database,
 * each call routed by PL/Proxy to the shard that holds the tenant (DESIGN 9) */

\echo Use "CREATE EXTENSION tenant_scaling_proxy" to load this file. \quit

-- The cluster is the foreign server tenant_scaling, which the operator creates:
--   CREATE SERVER tenant_scaling FOREIGN DATA WRAPPER plproxy
--       OPTIONS (p0 'dbname=... host=... port=...', p1 '...');   -- a power of two of them
--   CREATE USER MAPPING FOR PUBLIC SERVER tenant_scaling;
-- Each shard runs the full tenant_scaling extension with its row in shard_identity.

-- Pinned, and the same body as on the shards: never PL/Proxy's hashtext by accident.
CREATE FUNCTION tenant_scaling.tenant_hash(tenant_id uuid)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ('x' || pg_catalog.left(pg_catalog.replace($1::text, '-', ''), 8))::bit(32)::integer $$;
COMMENT ON FUNCTION tenant_scaling.tenant_hash(uuid) IS
'the tenant''s shard hash, as on the shards: the call goes to partition tenant_hash & (N - 1)';

CREATE FUNCTION tenant_scaling.get_tenant_scaling_policy(tenant_id uuid)
RETURNS TABLE (tier text, max_jobs int, max_model_size numeric, max_duration int, auto_scaling boolean)
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON tenant_scaling.tenant_hash(tenant_id);
$$;

CREATE FUNCTION tenant_scaling.check_training_scaling_trigger(tenant_id uuid)
RETURNS TABLE (should_scale_out boolean, should_scale_in boolean, target_workers int)
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON tenant_scaling.tenant_hash(tenant_id);
$$;

CREATE FUNCTION tenant_scaling.allocate_resources(tenant_id uuid, workload_type text)
RETURNS TABLE (cpu_cores int, gpu_count int, memory_gb int, storage_gb int, network_mbps int)
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON tenant_scaling.tenant_hash(tenant_id);
$$;

CREATE FUNCTION tenant_scaling.scale_inference_endpoint(tenant_id uuid, endpoint_id text)
RETURNS TABLE (action text, previous_replicas int, new_replicas int, reason text)
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON tenant_scaling.tenant_hash(tenant_id);
$$;

CREATE FUNCTION tenant_scaling.submit_training_job(tenant_id uuid, workload_type text, model_size_gb numeric,
                                                   expected_duration_hours numeric)
RETURNS bigint
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON tenant_scaling.tenant_hash(tenant_id);
$$;

CREATE FUNCTION tenant_scaling.start_next_training_job(tenant_id uuid)
RETURNS bigint
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON tenant_scaling.tenant_hash(tenant_id);
$$;

CREATE FUNCTION tenant_scaling.finish_training_job(tenant_id uuid, job_id bigint, succeeded boolean)
RETURNS void
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON tenant_scaling.tenant_hash(tenant_id);
$$;

CREATE FUNCTION tenant_scaling.set_tenant_config(tenant_id uuid, scaling_tier text,
    max_concurrent_jobs int DEFAULT 1, max_model_size_gb numeric DEFAULT 1,
    max_training_duration_hours int DEFAULT 24, auto_scaling_enabled boolean DEFAULT false,
    scaling_rules jsonb DEFAULT NULL)
RETURNS void
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON tenant_scaling.tenant_hash(tenant_id);
$$;

-- pure functions: any shard answers
CREATE FUNCTION tenant_scaling.inference_scaling_decision(
    cpu_avg numeric, memory_avg numeric, latency_p95 numeric, requests_per_second numeric,
    target_rps numeric, current_replicas int, min_replicas int DEFAULT 1, max_replicas int DEFAULT 10,
    rules jsonb DEFAULT NULL)
RETURNS TABLE (action text, delta int, new_replicas int, reason text)
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON ANY;
$$;

CREATE FUNCTION tenant_scaling.validate_scaling_rules(rules jsonb)
RETURNS boolean
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON ANY;
$$;

-- fan-out: every shard's counts, and their sum
CREATE FUNCTION tenant_scaling.shard_overview(
    OUT tenants bigint, OUT auto_scaling_tenants bigint, OUT endpoints bigint, OUT desired_replicas bigint,
    OUT queued_jobs bigint, OUT running_jobs bigint, OUT scaling_events bigint)
RETURNS SETOF record
LANGUAGE plproxy AS $$
    CLUSTER 'tenant_scaling';
    RUN ON ALL;
$$;

CREATE FUNCTION tenant_scaling.scaling_overview(
    OUT shards bigint, OUT tenants bigint, OUT auto_scaling_tenants bigint, OUT endpoints bigint,
    OUT desired_replicas bigint, OUT queued_jobs bigint, OUT running_jobs bigint, OUT scaling_events bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT count(*), sum(tenants), sum(auto_scaling_tenants), sum(endpoints), sum(desired_replicas),
           sum(queued_jobs), sum(running_jobs), sum(scaling_events)
    FROM tenant_scaling.shard_overview()
$$;

COMMENT ON FUNCTION tenant_scaling.get_tenant_scaling_policy(uuid) IS 'routed to the tenant''s shard';
COMMENT ON FUNCTION tenant_scaling.check_training_scaling_trigger(uuid) IS 'routed to the tenant''s shard';
COMMENT ON FUNCTION tenant_scaling.allocate_resources(uuid, text) IS 'routed to the tenant''s shard';
COMMENT ON FUNCTION tenant_scaling.scale_inference_endpoint(uuid, text) IS 'routed to the tenant''s shard';
COMMENT ON FUNCTION tenant_scaling.submit_training_job(uuid, text, numeric, numeric) IS 'routed to the tenant''s shard';
COMMENT ON FUNCTION tenant_scaling.start_next_training_job(uuid) IS 'routed to the tenant''s shard';
COMMENT ON FUNCTION tenant_scaling.finish_training_job(uuid, bigint, boolean) IS 'routed to the tenant''s shard';
COMMENT ON FUNCTION tenant_scaling.set_tenant_config(uuid, text, int, numeric, int, boolean, jsonb) IS
'write a tenant''s configuration on its shard';
COMMENT ON FUNCTION tenant_scaling.inference_scaling_decision(numeric, numeric, numeric, numeric, numeric, int, int, int, jsonb) IS
'pure: answered by any shard';
COMMENT ON FUNCTION tenant_scaling.validate_scaling_rules(jsonb) IS 'pure: answered by any shard';
COMMENT ON FUNCTION tenant_scaling.shard_overview() IS 'each shard''s counts (RUN ON ALL; all shards must answer)';
COMMENT ON FUNCTION tenant_scaling.scaling_overview() IS 'the sum over the shards of shard_overview()';
REVOKE EXECUTE ON FUNCTION tenant_scaling.set_tenant_config(uuid, text, int, numeric, int, boolean, jsonb) FROM PUBLIC;
