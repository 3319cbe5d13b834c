--------------------------------------------------------------------------
-- Tenants: who acts for which tenant, and what each tenant may use (seed
-- tables, with checks)
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.tenant_roles (
    role_name name PRIMARY KEY,
    tenant_id uuid NOT NULL
);
COMMENT ON TABLE tenant_scaling.tenant_roles IS
'which database role acts for which tenant; row-level security shows a mapped role only its tenant''s rows';
COMMENT ON COLUMN tenant_scaling.tenant_roles.role_name IS 'a database role; current_tenant_id() looks current_user up here';
COMMENT ON COLUMN tenant_scaling.tenant_roles.tenant_id IS 'the tenant the role acts for';
COMMENT ON INDEX tenant_scaling.tenant_roles_pkey IS 'a role acts for one tenant at most';
ALTER TABLE tenant_scaling.tenant_roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_mapping ON tenant_scaling.tenant_roles TO PUBLIC USING (role_name = current_user);
CREATE POLICY operator_rows ON tenant_scaling.tenant_roles TO tenant_scaling_admin USING (true) WITH CHECK (true);
GRANT SELECT ON tenant_scaling.tenant_roles TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.tenant_roles TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_roles', '');

CREATE FUNCTION tenant_scaling.check_tenant_scaling_config()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_check_tenant_scaling_config'
LANGUAGE C;
COMMENT ON FUNCTION tenant_scaling.check_tenant_scaling_config() IS
'BEFORE INSERT OR UPDATE trigger: rejects an unknown tier or a negative limit with an error that names the value';
REVOKE EXECUTE ON FUNCTION tenant_scaling.check_tenant_scaling_config() FROM PUBLIC;

CREATE TABLE tenant_scaling.tenant_scaling_config (
    tenant_id uuid PRIMARY KEY,
    scaling_tier text NOT NULL REFERENCES tenant_scaling.tiers (tier) ON UPDATE CASCADE,
    max_concurrent_jobs int DEFAULT 1
        CONSTRAINT max_concurrent_jobs_not_negative CHECK (max_concurrent_jobs >= 0),
    max_model_size_gb numeric DEFAULT 1
        CONSTRAINT max_model_size_gb_not_negative CHECK (max_model_size_gb >= 0),
    max_training_duration_hours int DEFAULT 24
        CONSTRAINT max_training_duration_hours_not_negative CHECK (max_training_duration_hours >= 0),
    auto_scaling_enabled boolean DEFAULT false,
    scaling_rules jsonb CONSTRAINT scaling_rules_valid CHECK (tenant_scaling.validate_scaling_rules(scaling_rules)),
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    max_cpu int CONSTRAINT max_cpu_not_negative CHECK (max_cpu >= 0),
    max_gpu int CONSTRAINT max_gpu_not_negative CHECK (max_gpu >= 0),
    max_queued_jobs int CONSTRAINT max_queued_jobs_not_negative CHECK (max_queued_jobs >= 0)
);
CREATE INDEX idx_tenant_scaling_tier ON tenant_scaling.tenant_scaling_config (scaling_tier);
CREATE INDEX idx_tenant_scaling_auto ON tenant_scaling.tenant_scaling_config (auto_scaling_enabled);
CREATE TRIGGER tenant_scaling_config_checks
    BEFORE INSERT OR UPDATE ON tenant_scaling.tenant_scaling_config
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.check_tenant_scaling_config();
CREATE TRIGGER tenant_scaling_config_updated_at
    BEFORE UPDATE ON tenant_scaling.tenant_scaling_config
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.touch_updated_at();
SELECT pg_temp.check_shard_of_rows('tenant_scaling_config');
SELECT pg_temp.isolate_tenant_rows('tenant_scaling_config');
GRANT SELECT ON tenant_scaling.tenant_scaling_config TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.tenant_scaling_config TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_scaling_config', '');
COMMENT ON TABLE tenant_scaling.tenant_scaling_config IS
'what each tenant may use: tier, job limits, auto-scaling switch and scaling_rules overrides';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.scaling_tier IS 'a tier of tenant_scaling.tiers';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_concurrent_jobs IS 'training jobs the tenant may run at once';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_model_size_gb IS 'largest model a training job may have';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_training_duration_hours IS 'longest a training job may run';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.auto_scaling_enabled IS 'whether the scheduler scales this tenant';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.scaling_rules IS
'per-tenant threshold overrides ({"training": {...}, "inference": {...}}); validated on write';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.created_at IS 'when the configuration was created';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.updated_at IS 'kept by a trigger';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_cpu IS 'cpu cores cap; NULL takes the tier''s';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_gpu IS 'gpu cap; NULL takes the tier''s';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_queued_jobs IS
'training jobs the tenant may have queued at once; NULL takes the tier''s';
COMMENT ON INDEX tenant_scaling.tenant_scaling_config_pkey IS 'one configuration per tenant';
COMMENT ON INDEX tenant_scaling.idx_tenant_scaling_tier IS 'tenants by tier (the seed''s index)';
COMMENT ON INDEX tenant_scaling.idx_tenant_scaling_auto IS 'tenants by auto_scaling_enabled (the seed''s index)';

CREATE TABLE tenant_scaling.tenant_training_config (
    tenant_id uuid PRIMARY KEY,
    distributed_training_enabled boolean DEFAULT false,
    max_workers int DEFAULT 1 CONSTRAINT max_workers_positive CHECK (max_workers >= 1),
    worker_type text DEFAULT 'm5.2xlarge',
    gpu_per_worker int DEFAULT 1 CONSTRAINT gpu_per_worker_not_negative CHECK (gpu_per_worker >= 0),
    network_bandwidth_mbps int DEFAULT 1000
        CONSTRAINT network_bandwidth_mbps_positive CHECK (network_bandwidth_mbps > 0),
    checkpoint_frequency_minutes int DEFAULT 30
        CONSTRAINT checkpoint_frequency_minutes_positive CHECK (checkpoint_frequency_minutes > 0),
    fault_tolerance_enabled boolean DEFAULT true
);
SELECT pg_temp.check_shard_of_rows('tenant_training_config');
SELECT pg_temp.isolate_tenant_rows('tenant_training_config');
GRANT SELECT ON tenant_scaling.tenant_training_config TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.tenant_training_config TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_training_config', '');
COMMENT ON TABLE tenant_scaling.tenant_training_config IS
'distributed training settings of a tenant; bounds its training workers';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.distributed_training_enabled IS
'whether the tenant trains on more than one worker; off caps its training workers at 1';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.max_workers IS
'worker ceiling when distributed_training_enabled; otherwise the ceiling is 1';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.worker_type IS
'instance type of a training worker (the seed''s setting: stored, not read by the extension)';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.gpu_per_worker IS
'gpus of a training worker (the seed''s setting: stored, not read by the extension)';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.network_bandwidth_mbps IS
'network bandwidth for training, Mbit/s (the seed''s setting: stored, not read by the extension)';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.checkpoint_frequency_minutes IS
'minutes between training checkpoints (the seed''s setting: stored, not read by the extension)';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.fault_tolerance_enabled IS
'whether training is to be fault tolerant (the seed''s setting: stored, not read by the extension)';
COMMENT ON INDEX tenant_scaling.tenant_training_config_pkey IS 'one training configuration per tenant';

-- Writing a tenant's configuration through the proxy: an upsert the proxy routes.
CREATE FUNCTION tenant_scaling.set_tenant_config(tenant_id uuid, scaling_tier text,
    max_concurrent_jobs int DEFAULT 1, max_model_size_gb numeric DEFAULT 1,
    max_training_duration_hours int DEFAULT 24, auto_scaling_enabled boolean DEFAULT false,
    scaling_rules jsonb DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO tenant_scaling.tenant_scaling_config AS c
           (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, max_training_duration_hours,
            auto_scaling_enabled, scaling_rules)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT ON CONSTRAINT tenant_scaling_config_pkey DO UPDATE
       SET scaling_tier = excluded.scaling_tier, max_concurrent_jobs = excluded.max_concurrent_jobs,
           max_model_size_gb = excluded.max_model_size_gb,
           max_training_duration_hours = excluded.max_training_duration_hours,
           auto_scaling_enabled = excluded.auto_scaling_enabled, scaling_rules = excluded.scaling_rules
$$;
COMMENT ON FUNCTION tenant_scaling.set_tenant_config(uuid, text, int, numeric, int, boolean, jsonb) IS
'insert or replace a tenant''s configuration (operators; tenant-keyed, so the proxy routes it to the tenant''s shard)';
REVOKE EXECUTE ON FUNCTION tenant_scaling.set_tenant_config(uuid, text, int, numeric, int, boolean, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.set_tenant_config(uuid, text, int, numeric, int, boolean, jsonb) TO tenant_scaling_admin;
