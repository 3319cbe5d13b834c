--------------------------------------------------------------------------
-- Tiers and workload profiles (operators' configuration, readable by all)
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.tiers (
    tier text PRIMARY KEY CONSTRAINT tier_length CHECK (pg_catalog.length(tier) BETWEEN 1 AND 63),
    tier_rank int NOT NULL UNIQUE,
    resource_multiplier numeric NOT NULL DEFAULT 1.0
        CONSTRAINT tiers_resource_multiplier_finite_positive
        CHECK (resource_multiplier > 0 AND resource_multiplier < 'Infinity'),
    max_cpu int NOT NULL DEFAULT 16 CONSTRAINT tiers_max_cpu_not_negative CHECK (max_cpu >= 0),
    max_gpu int NOT NULL DEFAULT 4 CONSTRAINT tiers_max_gpu_not_negative CHECK (max_gpu >= 0),
    description text,
    max_queued_jobs int NOT NULL DEFAULT 1000
        CONSTRAINT tiers_max_queued_jobs_not_negative CHECK (max_queued_jobs >= 0)
);
COMMENT ON TABLE tenant_scaling.tiers IS
'scaling tiers: the resource multiplier and default cpu and gpu caps of each tier';
COMMENT ON COLUMN tenant_scaling.tiers.tier IS 'the tier''s name, 1 to 63 characters';
COMMENT ON COLUMN tenant_scaling.tiers.tier_rank IS 'order of the tiers, smallest first';
COMMENT ON COLUMN tenant_scaling.tiers.resource_multiplier IS
'allocate_resources multiplies a workload''s base requirements by this, then truncates';
COMMENT ON COLUMN tenant_scaling.tiers.max_cpu IS 'cpu cores cap of a tenant of this tier without its own max_cpu';
COMMENT ON COLUMN tenant_scaling.tiers.max_gpu IS 'gpu cap of a tenant of this tier without its own max_gpu';
COMMENT ON COLUMN tenant_scaling.tiers.max_queued_jobs IS
'training jobs a tenant of this tier may have queued at once, without its own max_queued_jobs';
COMMENT ON COLUMN tenant_scaling.tiers.description IS 'what the tier is for, free text';
COMMENT ON INDEX tenant_scaling.tiers_pkey IS 'tiers by name';
COMMENT ON INDEX tenant_scaling.tiers_tier_rank_key IS 'no two tiers share a rank';

INSERT INTO tenant_scaling.tiers (tier, tier_rank, resource_multiplier, max_cpu, max_gpu, description, max_queued_jobs)
VALUES
    ('basic', 1, 1.0, 16, 4, 'fixed allocation for small tenants', 100),
    ('standard', 2, 1.0, 16, 4, 'auto-scaling for growing tenants', 1000),
    ('premium', 3, 2.0, 16, 4, 'twice the base resources', 10000),
    ('enterprise', 4, 4.0, 16, 4, 'four times the base resources', 100000);
CREATE TRIGGER tiers_merge_seed_row BEFORE INSERT ON tenant_scaling.tiers
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
GRANT SELECT ON tenant_scaling.tiers TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.tiers TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tiers', '');

CREATE TABLE tenant_scaling.workload_profiles (
    workload_type text PRIMARY KEY
        CONSTRAINT workload_type_length CHECK (pg_catalog.length(workload_type) BETWEEN 1 AND 63),
    cpu int NOT NULL CONSTRAINT workload_profiles_cpu_not_negative CHECK (cpu >= 0),
    gpu int NOT NULL CONSTRAINT workload_profiles_gpu_not_negative CHECK (gpu >= 0),
    memory_gb int NOT NULL CONSTRAINT workload_profiles_memory_gb_not_negative CHECK (memory_gb >= 0),
    storage_gb int NOT NULL CONSTRAINT workload_profiles_storage_gb_not_negative CHECK (storage_gb >= 0),
    network_mbps int NOT NULL CONSTRAINT workload_profiles_network_mbps_not_negative CHECK (network_mbps >= 0)
);
COMMENT ON TABLE tenant_scaling.workload_profiles IS
'base resource requirements of each workload type, before the tier multiplier';
COMMENT ON COLUMN tenant_scaling.workload_profiles.workload_type IS 'the workload type''s name, 1 to 63 characters';
COMMENT ON COLUMN tenant_scaling.workload_profiles.cpu IS 'base cpu cores';
COMMENT ON COLUMN tenant_scaling.workload_profiles.gpu IS 'base gpus';
COMMENT ON COLUMN tenant_scaling.workload_profiles.memory_gb IS 'base memory, GB';
COMMENT ON COLUMN tenant_scaling.workload_profiles.storage_gb IS 'base storage, GB';
COMMENT ON COLUMN tenant_scaling.workload_profiles.network_mbps IS 'base network bandwidth, Mbit/s';
COMMENT ON INDEX tenant_scaling.workload_profiles_pkey IS 'profiles by workload type';

INSERT INTO tenant_scaling.workload_profiles VALUES
    ('training_small', 4, 1, 16, 100, 100),
    ('training_medium', 8, 2, 32, 500, 500),
    ('training_large', 16, 4, 64, 2000, 1000),
    ('inference_small', 2, 0, 8, 50, 50),
    ('inference_medium', 4, 1, 16, 100, 100),
    ('inference_large', 8, 2, 32, 500, 500),
    ('feature_computation', 4, 0, 16, 100, 100);
CREATE TRIGGER workload_profiles_merge_seed_row BEFORE INSERT ON tenant_scaling.workload_profiles
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
GRANT SELECT ON tenant_scaling.workload_profiles TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.workload_profiles TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.workload_profiles', '');
