-- tenant_scaling: the scaling control plane of a multi-tenant AI/ML platform
-- (README). Built by the Makefile from the parts in sql/, in name order, one
-- part per group of objects: each table with its indexes, triggers, row-level
-- security, grants, comments and dump registration. After a release the
-- schema changes only through upgrade scripts (tenant_scaling--X--Y.sql);
-- test/t/004_upgrade.pl checks that they end where this script does.

\echo Use "CREATE EXTENSION tenant_scaling" to load this file. \quit

-- Operators: members of tenant_scaling_admin see and change every row they
-- may (README, Security). The role is created here when missing; the
-- operator grants it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tenant_scaling_admin') THEN
        CREATE ROLE tenant_scaling_admin NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA tenant_scaling TO PUBLIC;

-- Row-level security on a table of tenant rows: a tenant's own rows, and every
-- row for operators.
CREATE FUNCTION pg_temp.isolate_tenant_rows(t text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE tenant_scaling.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_rows ON tenant_scaling.%I TO PUBLIC'
                   ' USING (tenant_id = (SELECT tenant_scaling.current_tenant_id()))'
                   ' WITH CHECK (tenant_id = (SELECT tenant_scaling.current_tenant_id()))', t);
    EXECUTE format('CREATE POLICY operator_rows ON tenant_scaling.%I TO tenant_scaling_admin'
                   ' USING (true) WITH CHECK (true)', t);
END
$$;

-- Misrouting is an error, never a silently empty default: rows of a tenant
-- that hashes to another shard are refused (15_shards.sql).
CREATE FUNCTION pg_temp.check_shard_of_rows(t text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON tenant_scaling.%I REFERENCING NEW TABLE AS new_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.check_tenant_shard()',
                   t || '_shard_insert', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON tenant_scaling.%I REFERENCING NEW TABLE AS new_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.check_tenant_shard()',
                   t || '_shard_update', t);
END
$$;

-- The four statement triggers that keep derived state from a source (with
-- transition tables, so a bulk insert costs one statement); ENABLE ALWAYS, so
-- that logical replication and session_replication_role = replica still keep it.
CREATE FUNCTION pg_temp.create_derived_triggers(source text, arg text, suffix text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    event record;
BEGIN
    FOR event IN SELECT * FROM (VALUES ('insert', 'INSERT', 'REFERENCING NEW TABLE AS new_rows'),
                                       ('update', 'UPDATE', 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'),
                                       ('delete', 'DELETE', 'REFERENCING OLD TABLE AS old_rows'),
                                       ('truncate', 'TRUNCATE', '')) AS e(name, verb, transition)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER %s ON tenant_scaling.%I %s FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION tenant_scaling.maintain_derived_state(%L)',
                       source || '_' || event.name || '_' || suffix, event.verb, source, event.transition, arg);
        EXECUTE format('ALTER TABLE tenant_scaling.%I ENABLE ALWAYS TRIGGER %I',
                       source, source || '_' || event.name || '_' || suffix);
    END LOOP;
END
$$;
--------------------------------------------------------------------------
-- Functions the tables below use in their checks, triggers and policies
--------------------------------------------------------------------------

CREATE FUNCTION tenant_scaling.validate_scaling_rules(rules jsonb)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ts_validate_scaling_rules'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tenant_scaling.validate_scaling_rules(jsonb) IS
'true for a valid scaling_rules document; otherwise raises SQLSTATE 22023 naming the JSON path and the rule';

CREATE FUNCTION tenant_scaling.sample_time_valid(ts timestamptz)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ts_sample_time_valid'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tenant_scaling.sample_time_valid(timestamptz) IS
'true for a finite sample time at most tenant_scaling.max_clock_skew ahead of the clock; otherwise raises 22008';

CREATE FUNCTION tenant_scaling.current_tenant_id()
RETURNS uuid
AS 'MODULE_PATHNAME', 'ts_current_tenant_id'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.current_tenant_id() IS
'the tenant mapped to current_user in tenant_roles, else NULL';

-- Trigger functions: nobody attaches them to a table of their own (no
-- EXECUTE for PUBLIC), and the C ones refuse any relation but the
-- extension's own (README, Security).
CREATE FUNCTION tenant_scaling.touch_updated_at()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_touch_updated_at'
LANGUAGE C;
COMMENT ON FUNCTION tenant_scaling.touch_updated_at() IS
'BEFORE UPDATE trigger: sets updated_at to the transaction time';
REVOKE EXECUTE ON FUNCTION tenant_scaling.touch_updated_at() FROM PUBLIC;

CREATE FUNCTION tenant_scaling.reject_update()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_reject_update'
LANGUAGE C;
COMMENT ON FUNCTION tenant_scaling.reject_update() IS
'BEFORE UPDATE trigger of append-only tables: history is not rewritten';
REVOKE EXECUTE ON FUNCTION tenant_scaling.reject_update() FROM PUBLIC;

-- The derived state is written by its triggers whoever writes the source: they
-- run as the extension's owner, with search_path pinned (every name in them is
-- qualified anyway).
CREATE FUNCTION tenant_scaling.maintain_derived_state()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_maintain_derived_state'
LANGUAGE C SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.maintain_derived_state() IS
'AFTER statement trigger: keeps tenant_training_inputs and endpoint_metrics_latest in step with their sources';
REVOKE EXECUTE ON FUNCTION tenant_scaling.maintain_derived_state() FROM PUBLIC;

-- A desired count changed by hand is audited like a decision (an event with
-- origin manual, and its NOTIFY); it runs as the owner, since operators may
-- not write events.
CREATE FUNCTION tenant_scaling.audit_desired_change()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_audit_desired_change'
LANGUAGE C SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.audit_desired_change() IS
'AFTER UPDATE statement trigger of inference_endpoints and tenant_training_state: a desired count changed by hand becomes a scaling_events row (origin manual) and a NOTIFY';
REVOKE EXECUTE ON FUNCTION tenant_scaling.audit_desired_change() FROM PUBLIC;

-- Tiers, workload profiles and prices are dumped whole, edited seed rows
-- included: at restore, an insert of a seed key (which CREATE EXTENSION has
-- just inserted) replaces that row instead of failing.
CREATE FUNCTION tenant_scaling.merge_seed_row()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    merged boolean := false;
BEGIN
    -- NEW's fields are read only for the table that has them
    IF TG_TABLE_NAME = 'tiers' THEN
        IF NEW.tier IN ('basic', 'standard', 'premium', 'enterprise') THEN
            UPDATE tenant_scaling.tiers
               SET tier_rank = NEW.tier_rank, resource_multiplier = NEW.resource_multiplier,
                   max_cpu = NEW.max_cpu, max_gpu = NEW.max_gpu, description = NEW.description,
                   max_queued_jobs = NEW.max_queued_jobs
             WHERE tier = NEW.tier;
            merged := FOUND;
        END IF;
    ELSIF TG_TABLE_NAME = 'resource_prices' THEN
        UPDATE tenant_scaling.resource_prices SET unit_price = NEW.unit_price, currency = NEW.currency
         WHERE resource = NEW.resource;
        merged := FOUND;
    ELSIF NEW.workload_type IN ('training_small', 'training_medium', 'training_large', 'inference_small',
                                'inference_medium', 'inference_large', 'feature_computation') THEN
        UPDATE tenant_scaling.workload_profiles
           SET cpu = NEW.cpu, gpu = NEW.gpu, memory_gb = NEW.memory_gb, storage_gb = NEW.storage_gb,
               network_mbps = NEW.network_mbps
         WHERE workload_type = NEW.workload_type;
        merged := FOUND;
    END IF;
    IF merged THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION tenant_scaling.merge_seed_row() IS
'BEFORE INSERT trigger of tiers, workload_profiles and resource_prices: an insert of a seed row''s key replaces that row (pg_restore)';
REVOKE EXECUTE ON FUNCTION tenant_scaling.merge_seed_row() FROM PUBLIC;
--------------------------------------------------------------------------
-- Scale-out over shards with PL/Proxy (README, Scale-out; the proxy side is
-- the extension tenant_scaling_proxy): the tenant hash, the shard's identity,
-- and the check that refuses another shard's tenants
--------------------------------------------------------------------------

-- The tenant hash the proxy routes by and the shards check, pinned here and in
-- tenant_scaling_proxy with the same body: the first 32 bits of the uuid, which
-- do not depend on the server's version or hashtext().
CREATE FUNCTION tenant_scaling.tenant_hash(tenant_id uuid)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ('x' || pg_catalog.left(pg_catalog.replace($1::text, '-', ''), 8))::bit(32)::integer $$;
COMMENT ON FUNCTION tenant_scaling.tenant_hash(uuid) IS
'the tenant''s shard hash: a shard of N (a power of two) holds the tenants with tenant_hash & (N - 1) = its index';

CREATE TABLE tenant_scaling.shard_identity (
    singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT one_row CHECK (singleton),
    shard_index int NOT NULL,
    shard_count int NOT NULL,
    CONSTRAINT shard_count_power_of_two CHECK (shard_count >= 1 AND (shard_count & (shard_count - 1)) = 0),
    CONSTRAINT shard_index_in_range CHECK (shard_index >= 0 AND shard_index < shard_count)
);
COMMENT ON TABLE tenant_scaling.shard_identity IS
'which shard this database is, when tenants are sharded (one row); empty on a single server';
GRANT SELECT ON tenant_scaling.shard_identity TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.shard_identity TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.shard_identity', '');

-- Misrouting is an error, never a silently empty default: a row whose tenant
-- belongs to another shard is refused, one check per statement.
CREATE FUNCTION tenant_scaling.check_tenant_shard()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    me tenant_scaling.shard_identity;
    stray uuid;
BEGIN
    SELECT * INTO me FROM tenant_scaling.shard_identity;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT n.tenant_id INTO stray FROM new_rows n
     WHERE (tenant_scaling.tenant_hash(n.tenant_id) & (me.shard_count - 1)) <> me.shard_index
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'TS002',
            MESSAGE = format('tenant %s does not belong on shard %s of %s', stray, me.shard_index, me.shard_count),
            DETAIL = format('Its shard is %s (tenant_hash & %s).',
                            tenant_scaling.tenant_hash(stray) & (me.shard_count - 1), me.shard_count - 1),
            HINT = 'Write through the proxy (tenant_scaling_proxy), which routes each tenant to its shard.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tenant_scaling.check_tenant_shard() IS
'AFTER INSERT OR UPDATE statement trigger: refuses rows of tenants that hash to another shard';
REVOKE EXECUTE ON FUNCTION tenant_scaling.check_tenant_shard() FROM PUBLIC;
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
COMMENT ON COLUMN tenant_scaling.tiers.tier_rank IS 'order of the tiers, smallest first';
COMMENT ON COLUMN tenant_scaling.tiers.resource_multiplier IS
'allocate_resources multiplies a workload''s base requirements by this, then truncates';
COMMENT ON COLUMN tenant_scaling.tiers.max_cpu IS 'cpu cores cap of a tenant of this tier without its own max_cpu';
COMMENT ON COLUMN tenant_scaling.tiers.max_gpu IS 'gpu cap of a tenant of this tier without its own max_gpu';
COMMENT ON COLUMN tenant_scaling.tiers.max_queued_jobs IS
'training jobs a tenant of this tier may have queued at once, without its own max_queued_jobs';

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
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.scaling_tier IS 'a tier of tenant_scaling.tiers';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_concurrent_jobs IS 'training jobs the tenant may run at once';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_model_size_gb IS 'largest model a training job may have';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_training_duration_hours IS 'longest a training job may run';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.auto_scaling_enabled IS 'whether the scheduler scales this tenant';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.scaling_rules IS
'per-tenant threshold overrides ({"training": {...}, "inference": {...}}); validated on write';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.updated_at IS 'kept by a trigger';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_cpu IS 'cpu cores cap; NULL takes the tier''s';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_gpu IS 'gpu cap; NULL takes the tier''s';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_queued_jobs IS
'training jobs the tenant may have queued at once; NULL takes the tier''s';

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
COMMENT ON COLUMN tenant_scaling.tenant_training_config.max_workers IS
'worker ceiling when distributed_training_enabled; otherwise the ceiling is 1';

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
--------------------------------------------------------------------------
-- Training: queue samples, workers, the derived inputs and desired state of
-- each tenant, and the job queue with admission control (README, The
-- training job queue)
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.training_queue_stats (
    tenant_id uuid NOT NULL,
    queue_size int NOT NULL CONSTRAINT queue_size_not_negative CHECK (queue_size >= 0),
    avg_wait_time_seconds numeric
        CONSTRAINT avg_wait_time_finite_not_negative
        CHECK (avg_wait_time_seconds >= 0 AND avg_wait_time_seconds < 'Infinity'),
    max_wait_time_seconds int CONSTRAINT max_wait_time_not_negative CHECK (max_wait_time_seconds >= 0),
    processing_rate_per_minute numeric
        CONSTRAINT processing_rate_finite_not_negative
        CHECK (processing_rate_per_minute >= 0 AND processing_rate_per_minute < 'Infinity'),
    timestamp timestamptz NOT NULL DEFAULT now()
        CONSTRAINT timestamp_valid CHECK (tenant_scaling.sample_time_valid(timestamp))
);
CREATE INDEX training_queue_stats_tenant_time_idx
    ON tenant_scaling.training_queue_stats (tenant_id, timestamp DESC);
CREATE INDEX training_queue_stats_time_idx ON tenant_scaling.training_queue_stats (timestamp);
SELECT pg_temp.create_derived_triggers('training_queue_stats', 'stats', 'latest');
SELECT pg_temp.check_shard_of_rows('training_queue_stats');
SELECT pg_temp.isolate_tenant_rows('training_queue_stats');
-- a tenant may write its own measurements
GRANT SELECT, INSERT ON tenant_scaling.training_queue_stats TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.training_queue_stats TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.training_queue_stats', '');
COMMENT ON TABLE tenant_scaling.training_queue_stats IS
'samples of each tenant''s training queue; the newest row by timestamp drives training scaling';
COMMENT ON COLUMN tenant_scaling.training_queue_stats.processing_rate_per_minute IS 'jobs finished per minute';
COMMENT ON COLUMN tenant_scaling.training_queue_stats.timestamp IS
'when the sample was taken; at most tenant_scaling.max_clock_skew ahead of the server''s clock';

CREATE TABLE tenant_scaling.tenant_training_workers (
    worker_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    status text NOT NULL DEFAULT 'provisioning'
        CONSTRAINT worker_status_valid CHECK (status IN ('provisioning', 'active', 'draining', 'terminated')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenant_training_workers_tenant_status_idx
    ON tenant_scaling.tenant_training_workers (tenant_id, status);
CREATE TRIGGER tenant_training_workers_updated_at
    BEFORE UPDATE ON tenant_scaling.tenant_training_workers
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.touch_updated_at();
SELECT pg_temp.create_derived_triggers('tenant_training_workers', 'workers', 'counts');
SELECT pg_temp.check_shard_of_rows('tenant_training_workers');
SELECT pg_temp.isolate_tenant_rows('tenant_training_workers');
GRANT SELECT ON tenant_scaling.tenant_training_workers TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.tenant_training_workers TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.tenant_training_workers_worker_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_training_workers', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_training_workers_worker_id_seq', '');
COMMENT ON TABLE tenant_scaling.tenant_training_workers IS
'training workers of each tenant, as the actuator reports them';
COMMENT ON COLUMN tenant_scaling.tenant_training_workers.status IS
'provisioning (ordered, not up yet), active, draining or terminated; provisioning and active count as capacity';

-- Derived, per tenant, kept by the statement triggers on training_queue_stats,
-- tenant_training_workers and training_jobs: a cycle reads one row per tenant,
-- whatever the length of the history.
CREATE TABLE tenant_scaling.tenant_training_inputs (
    tenant_id uuid PRIMARY KEY,
    queue_size int,
    avg_wait_time_seconds numeric,
    max_wait_time_seconds int,
    processing_rate_per_minute numeric,
    stats_at timestamptz,
    active_workers int NOT NULL DEFAULT 0,
    provisioning_workers int NOT NULL DEFAULT 0
);
SELECT pg_temp.isolate_tenant_rows('tenant_training_inputs');
GRANT SELECT ON tenant_scaling.tenant_training_inputs TO PUBLIC;
GRANT SELECT ON tenant_scaling.tenant_training_inputs TO tenant_scaling_admin;
COMMENT ON TABLE tenant_scaling.tenant_training_inputs IS
'per tenant: the newest training_queue_stats row and the workers by status, kept by triggers on those tables';
COMMENT ON COLUMN tenant_scaling.tenant_training_inputs.stats_at IS 'timestamp of the newest queue sample; NULL when there is none';

CREATE TABLE tenant_scaling.tenant_training_state (
    tenant_id uuid PRIMARY KEY,
    desired_workers int NOT NULL CONSTRAINT desired_workers_not_negative CHECK (desired_workers >= 0),
    last_scale_out_at timestamptz,
    last_scaled_at timestamptz
);
CREATE TRIGGER tenant_training_state_audit_desired_update
    AFTER UPDATE ON tenant_scaling.tenant_training_state REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.audit_desired_change();
SELECT pg_temp.isolate_tenant_rows('tenant_training_state');
GRANT SELECT ON tenant_scaling.tenant_training_state TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.tenant_training_state TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_training_state', '');
COMMENT ON TABLE tenant_scaling.tenant_training_state IS
'training workers the last applied decision asked for, per tenant; the next decision starts from it';

CREATE TABLE tenant_scaling.training_jobs (
    job_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    workload_type text NOT NULL REFERENCES tenant_scaling.workload_profiles (workload_type) ON UPDATE CASCADE,
    model_size_gb numeric NOT NULL
        CONSTRAINT model_size_gb_finite_not_negative CHECK (model_size_gb >= 0 AND model_size_gb < 'Infinity'),
    expected_duration_hours numeric NOT NULL
        CONSTRAINT expected_duration_hours_finite_positive
        CHECK (expected_duration_hours > 0 AND expected_duration_hours < 'Infinity'),
    status text NOT NULL DEFAULT 'queued'
        CONSTRAINT job_status_valid CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    submitted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at timestamptz,
    finished_at timestamptz
);
CREATE INDEX training_jobs_queued_idx ON tenant_scaling.training_jobs (tenant_id, submitted_at, job_id)
    WHERE status = 'queued';
CREATE INDEX training_jobs_finished_idx ON tenant_scaling.training_jobs (finished_at)
    WHERE finished_at IS NOT NULL;
SELECT pg_temp.create_derived_triggers('training_jobs', 'jobs', 'counts');
SELECT pg_temp.check_shard_of_rows('training_jobs');
SELECT pg_temp.isolate_tenant_rows('training_jobs');
GRANT SELECT ON tenant_scaling.training_jobs TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.training_jobs TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.training_jobs_job_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.training_jobs', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.training_jobs_job_id_seq', '');
COMMENT ON TABLE tenant_scaling.training_jobs IS
'each tenant''s training jobs: queued by submit_training_job, started within max_concurrent_jobs, finished';
COMMENT ON COLUMN tenant_scaling.training_jobs.status IS 'queued, running, succeeded, failed or cancelled';

CREATE TABLE tenant_scaling.tenant_job_counts (
    tenant_id uuid PRIMARY KEY,
    queued_jobs int NOT NULL DEFAULT 0,
    running_jobs int NOT NULL DEFAULT 0
);
SELECT pg_temp.isolate_tenant_rows('tenant_job_counts');
GRANT SELECT ON tenant_scaling.tenant_job_counts TO PUBLIC;
GRANT SELECT ON tenant_scaling.tenant_job_counts TO tenant_scaling_admin;
COMMENT ON TABLE tenant_scaling.tenant_job_counts IS
'training jobs queued and running per tenant, kept by triggers on training_jobs; start_next_training_job '
'locks the tenant''s row, so admission is serialized per tenant and never exceeds max_concurrent_jobs';

-- Functions that write on a tenant's behalf pin search_path; they run as the
-- caller, check that the caller acts for the tenant, and do their writes as the
-- extension's owner (README, Security).
CREATE FUNCTION tenant_scaling.submit_training_job(tenant_id uuid, workload_type text, model_size_gb numeric,
                                                   expected_duration_hours numeric)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ts_submit_training_job'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.submit_training_job(uuid, text, numeric, numeric) IS
'queue a training job; a model or duration over the tenant''s limits is refused with SQLSTATE TS001';

CREATE FUNCTION tenant_scaling.start_next_training_job(tenant_id uuid)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ts_start_next_training_job'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.start_next_training_job(uuid) IS
'start the tenant''s oldest queued job while fewer than max_concurrent_jobs run; its id, or NULL';

CREATE FUNCTION tenant_scaling.finish_training_job(job_id bigint, succeeded boolean)
RETURNS void
AS 'MODULE_PATHNAME', 'ts_finish_training_job'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.finish_training_job(bigint, boolean) IS
'end a running job as succeeded or failed; a job that is not running is an error';

-- finish_training_job keyed by its tenant too, so that a proxy can route it
CREATE FUNCTION tenant_scaling.finish_training_job(tenant_id uuid, job_id bigint, succeeded boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF $1 IS NULL OR $2 IS NULL OR $3 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = format('%s must not be null',
                             CASE WHEN $1 IS NULL THEN 'tenant_id' WHEN $2 IS NULL THEN 'job_id' ELSE 'succeeded' END);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM tenant_scaling.training_jobs j WHERE j.job_id = $2 AND j.tenant_id = $1) THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('training job %s of tenant %s does not exist', $2, $1);
    END IF;
    PERFORM tenant_scaling.finish_training_job($2, $3);
END
$$;
COMMENT ON FUNCTION tenant_scaling.finish_training_job(uuid, bigint, boolean) IS
'finish_training_job(job_id, succeeded) for a job of the given tenant: the tenant-keyed form a proxy routes';
--------------------------------------------------------------------------
-- Inference endpoints, their metrics, and the newest metrics of each
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.inference_endpoints (
    endpoint_id text PRIMARY KEY,
    tenant_id uuid NOT NULL,
    current_replicas int NOT NULL DEFAULT 1 CONSTRAINT current_replicas_not_negative CHECK (current_replicas >= 0),
    desired_replicas int NOT NULL DEFAULT 1 CONSTRAINT desired_replicas_not_negative CHECK (desired_replicas >= 0),
    min_replicas int NOT NULL DEFAULT 1 CONSTRAINT min_replicas_not_negative CHECK (min_replicas >= 0),
    max_replicas int NOT NULL DEFAULT 10,
    target_rps numeric CONSTRAINT target_rps_finite_not_negative CHECK (target_rps >= 0 AND target_rps < 'Infinity'),
    last_scale_out_at timestamptz,
    last_scaled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT replica_bounds_ordered CHECK (max_replicas >= min_replicas),
    CONSTRAINT inference_endpoints_tenant_endpoint_key UNIQUE (tenant_id, endpoint_id),
    CONSTRAINT endpoint_id_length CHECK (pg_catalog.length(endpoint_id) BETWEEN 1 AND 253)
);
CREATE TRIGGER inference_endpoints_updated_at
    BEFORE UPDATE ON tenant_scaling.inference_endpoints
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.touch_updated_at();
CREATE TRIGGER inference_endpoints_audit_desired
    AFTER UPDATE ON tenant_scaling.inference_endpoints REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.audit_desired_change();
SELECT pg_temp.check_shard_of_rows('inference_endpoints');
SELECT pg_temp.isolate_tenant_rows('inference_endpoints');
GRANT SELECT ON tenant_scaling.inference_endpoints TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.inference_endpoints TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.inference_endpoints', '');
COMMENT ON TABLE tenant_scaling.inference_endpoints IS
'inference endpoints of each tenant: replicas running, replicas wanted, bounds and target request rate';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.endpoint_id IS 'the endpoint''s name, 1 to 253 characters';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.current_replicas IS 'replicas running, as the actuator reports them';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.desired_replicas IS
'replicas the last applied decision asked for; the next decision starts from it';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.target_rps IS 'requests per second one endpoint is sized for';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.last_scale_out_at IS 'when a decision last scaled it out (scale-out cooldown)';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.last_scaled_at IS 'when a decision last changed it (scale-in cooldown)';

CREATE TABLE tenant_scaling.endpoint_metrics (
    endpoint_id text NOT NULL,
    ts timestamptz NOT NULL DEFAULT now() CONSTRAINT ts_valid CHECK (tenant_scaling.sample_time_valid(ts)),
    cpu_avg numeric CONSTRAINT cpu_avg_finite_not_negative CHECK (cpu_avg >= 0 AND cpu_avg < 'Infinity'),
    memory_avg numeric CONSTRAINT memory_avg_finite_not_negative CHECK (memory_avg >= 0 AND memory_avg < 'Infinity'),
    latency_p95_ms numeric
        CONSTRAINT latency_p95_ms_finite_not_negative CHECK (latency_p95_ms >= 0 AND latency_p95_ms < 'Infinity'),
    requests_per_second numeric
        CONSTRAINT requests_per_second_finite_not_negative
        CHECK (requests_per_second >= 0 AND requests_per_second < 'Infinity'),
    tenant_id uuid NOT NULL,
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES tenant_scaling.inference_endpoints (tenant_id, endpoint_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX endpoint_metrics_endpoint_time_idx ON tenant_scaling.endpoint_metrics (endpoint_id, ts DESC);
CREATE INDEX endpoint_metrics_time_idx ON tenant_scaling.endpoint_metrics (ts);
SELECT pg_temp.create_derived_triggers('endpoint_metrics', 'metrics', 'latest');
SELECT pg_temp.check_shard_of_rows('endpoint_metrics');
SELECT pg_temp.isolate_tenant_rows('endpoint_metrics');
-- a tenant may write its own measurements
GRANT SELECT, INSERT ON tenant_scaling.endpoint_metrics TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.endpoint_metrics TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.endpoint_metrics', '');
COMMENT ON TABLE tenant_scaling.endpoint_metrics IS
'time series of endpoint metrics; the newest sample within tenant_scaling.metrics_max_age drives inference scaling';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.ts IS
'when the sample was taken; at most tenant_scaling.max_clock_skew ahead of the server''s clock';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.cpu_avg IS 'percent, 0-100';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.memory_avg IS 'percent, 0-100';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.tenant_id IS 'the endpoint''s tenant; must match inference_endpoints';

-- Derived, per endpoint, kept by the statement triggers on endpoint_metrics
CREATE TABLE tenant_scaling.endpoint_metrics_latest (
    endpoint_id text NOT NULL,
    tenant_id uuid NOT NULL,
    ts timestamptz NOT NULL,
    cpu_avg numeric,
    memory_avg numeric,
    latency_p95_ms numeric,
    requests_per_second numeric,
    -- in the order a cycle reads endpoints, so that it merges without sorting
    PRIMARY KEY (tenant_id, endpoint_id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES tenant_scaling.inference_endpoints (tenant_id, endpoint_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
SELECT pg_temp.isolate_tenant_rows('endpoint_metrics_latest');
GRANT SELECT ON tenant_scaling.endpoint_metrics_latest TO PUBLIC;
GRANT SELECT ON tenant_scaling.endpoint_metrics_latest TO tenant_scaling_admin;
COMMENT ON TABLE tenant_scaling.endpoint_metrics_latest IS
'the newest endpoint_metrics row of each endpoint, kept by triggers on endpoint_metrics';
--------------------------------------------------------------------------
-- Decisions: the seed's decision functions, the audit of applied decisions,
-- the scheduler's run history, and the functions that apply decisions
--------------------------------------------------------------------------

CREATE FUNCTION tenant_scaling.get_tenant_scaling_policy(tenant_id uuid)
RETURNS TABLE (tier text, max_jobs int, max_model_size numeric, max_duration int, auto_scaling boolean)
AS 'MODULE_PATHNAME', 'ts_get_tenant_scaling_policy'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION tenant_scaling.get_tenant_scaling_policy(uuid) IS
'the tenant''s tier and job limits; (basic, 1, 1, 24, false) for an unknown tenant';

CREATE FUNCTION tenant_scaling.check_training_scaling_trigger(tenant_id uuid)
RETURNS TABLE (should_scale_out boolean, should_scale_in boolean, target_workers int)
AS 'MODULE_PATHNAME', 'ts_check_training_scaling_trigger'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION tenant_scaling.check_training_scaling_trigger(uuid) IS
'training worker decision from the newest queue statistics and the active and provisioning workers';

CREATE FUNCTION tenant_scaling.inference_scaling_decision(
    cpu_avg numeric, memory_avg numeric, latency_p95 numeric, requests_per_second numeric,
    target_rps numeric, current_replicas int, min_replicas int DEFAULT 1, max_replicas int DEFAULT 10,
    rules jsonb DEFAULT NULL)
RETURNS TABLE (action text, delta int, new_replicas int, reason text)
AS 'MODULE_PATHNAME', 'ts_inference_scaling_decision'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION tenant_scaling.inference_scaling_decision(numeric, numeric, numeric, numeric, numeric, int, int, int, jsonb) IS
'inference replica decision from endpoint metrics (cpu and memory in percent); pure';

CREATE FUNCTION tenant_scaling.allocate_resources(tenant_id uuid, workload_type text)
RETURNS TABLE (cpu_cores int, gpu_count int, memory_gb int, storage_gb int, network_mbps int)
AS 'MODULE_PATHNAME', 'ts_allocate_resources'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION tenant_scaling.allocate_resources(uuid, text) IS
'resources for a workload: base requirements times the tier multiplier, cpu and gpu capped by the tenant''s limits';

CREATE TABLE tenant_scaling.scaling_events (
    event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    tenant_id uuid NOT NULL,
    resource_kind text NOT NULL CONSTRAINT resource_kind_valid CHECK (resource_kind IN ('training', 'inference')),
    resource_id text NOT NULL,
    action text NOT NULL CONSTRAINT action_valid CHECK (action IN ('scale_out', 'scale_in')),
    previous_count int NOT NULL,
    new_count int NOT NULL,
    reason text NOT NULL,
    inputs jsonb NOT NULL,
    origin text NOT NULL CONSTRAINT origin_valid CHECK (origin IN ('worker', 'sql', 'manual')),
    run_id bigint
);
CREATE INDEX scaling_events_tenant_time_idx ON tenant_scaling.scaling_events (tenant_id, created_at DESC);
CREATE INDEX scaling_events_time_idx ON tenant_scaling.scaling_events (created_at);
CREATE TRIGGER scaling_events_append_only
    BEFORE UPDATE ON tenant_scaling.scaling_events
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.reject_update();
SELECT pg_temp.isolate_tenant_rows('scaling_events');
GRANT SELECT ON tenant_scaling.scaling_events TO PUBLIC;
GRANT SELECT ON tenant_scaling.scaling_events TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.scaling_events_event_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_events', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_events_event_id_seq', '');
COMMENT ON TABLE tenant_scaling.scaling_events IS
'append-only audit of every applied scaling decision, with the reason and the inputs it used';
COMMENT ON COLUMN tenant_scaling.scaling_events.resource_id IS 'the endpoint_id, or the tenant id for training workers';
COMMENT ON COLUMN tenant_scaling.scaling_events.inputs IS 'the values the decision read (metrics, queue sample, counts, bounds)';
COMMENT ON COLUMN tenant_scaling.scaling_events.origin IS
'worker (the scheduler), sql (run_scaling_cycle called directly, as its run) or manual (scale_inference_endpoint)';
COMMENT ON COLUMN tenant_scaling.scaling_events.run_id IS 'the scheduler_runs row of the cycle that applied it';

-- scheduler_runs spans tenants: operators only (no grant to PUBLIC)
CREATE TABLE tenant_scaling.scheduler_runs (
    run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    status text NOT NULL DEFAULT 'running'
        CONSTRAINT run_status_valid CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    origin text NOT NULL CONSTRAINT run_origin_valid CHECK (origin IN ('worker', 'sql')),
    tenants_evaluated int NOT NULL DEFAULT 0,
    training_decisions int NOT NULL DEFAULT 0,
    inference_decisions int NOT NULL DEFAULT 0,
    errors int NOT NULL DEFAULT 0,
    not_scaled jsonb NOT NULL DEFAULT '{}',
    failed_tenants jsonb NOT NULL DEFAULT '[]',
    pruned_rows bigint NOT NULL DEFAULT 0,
    cost_view_refreshed boolean NOT NULL DEFAULT false,
    message text,
    duration interval GENERATED ALWAYS AS (finished_at - started_at) STORED
);
CREATE INDEX scheduler_runs_started_idx ON tenant_scaling.scheduler_runs (started_at);
GRANT SELECT ON tenant_scaling.scheduler_runs TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.scheduler_runs_run_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scheduler_runs', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scheduler_runs_run_id_seq', '');
COMMENT ON TABLE tenant_scaling.scheduler_runs IS 'one row per scheduler cycle, as pg_cron''s job_run_details';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.status IS
'running, succeeded, failed (an error, or the scheduler stopped mid-run) or skipped (another cycle was running)';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.origin IS 'worker (the background worker) or sql (run_scaling_cycle called directly)';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.not_scaled IS
'decisions that changed nothing, counted by reason (cooldowns, bounds, no recent metrics, within target, '
'locked: a row another transaction held); queue_sample_locked counts queue samples skipped for the same reason';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.failed_tenants IS
'tenants skipped because applying their decisions raised an error: [{"tenant_id": ..., "error": ...}]';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.pruned_rows IS 'history rows older than tenant_scaling.history_retention deleted';

-- worker_runs, its name before 0.2.0, for whatever reads it by that name
-- ("worker" is a training worker; the run history is the scheduler's)
CREATE VIEW tenant_scaling.worker_runs AS SELECT * FROM tenant_scaling.scheduler_runs;
GRANT SELECT ON tenant_scaling.worker_runs TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.worker_runs IS 'scheduler_runs under its name before 0.2.0 (deprecated: read scheduler_runs)';

-- One cycle at a time: a cycle locks this row for its transaction (FOR
-- UPDATE SKIP LOCKED). Only the owner may lock it: an advisory lock, which any
-- role may take on any key, let one session stop every cycle.
CREATE TABLE tenant_scaling.cycle_lock (
    singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT cycle_lock_one_row CHECK (singleton)
);
INSERT INTO tenant_scaling.cycle_lock VALUES (true);
COMMENT ON TABLE tenant_scaling.cycle_lock IS
'one row, locked by the scaling cycle that runs (only the extension''s owner may lock it)';

-- Applying decisions: the writes are the extension owner's (README, Security)
CREATE FUNCTION tenant_scaling.scale_inference_endpoint(tenant_id uuid, endpoint_id text)
RETURNS TABLE (action text, previous_replicas int, new_replicas int, reason text)
AS 'MODULE_PATHNAME', 'ts_scale_inference_endpoint'
LANGUAGE C VOLATILE STRICT ROWS 1
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.scale_inference_endpoint(uuid, text) IS
'decide from the endpoint''s newest metrics and apply it: desired_replicas, a scaling_events row and a NOTIFY; cooldowns apply';

CREATE FUNCTION tenant_scaling.run_scaling_cycle()
RETURNS TABLE (run_id bigint, tenants_evaluated int, training_decisions int, inference_decisions int, errors int)
AS 'MODULE_PATHNAME', 'ts_run_scaling_cycle'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.run_scaling_cycle() IS
'one scheduler cycle now: every auto-scaling tenant''s training and inference decisions applied, recorded in scheduler_runs';
REVOKE EXECUTE ON FUNCTION tenant_scaling.run_scaling_cycle() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.run_scaling_cycle() TO tenant_scaling_admin;

-- What a shard holds, for the proxy's fan-out report
CREATE FUNCTION tenant_scaling.shard_overview(
    OUT tenants bigint, OUT auto_scaling_tenants bigint, OUT endpoints bigint, OUT desired_replicas bigint,
    OUT queued_jobs bigint, OUT running_jobs bigint, OUT scaling_events bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (SELECT count(*) FROM tenant_scaling.tenant_scaling_config),
           (SELECT count(*) FROM tenant_scaling.tenant_scaling_config WHERE auto_scaling_enabled),
           (SELECT count(*) FROM tenant_scaling.inference_endpoints),
           (SELECT coalesce(sum(desired_replicas), 0) FROM tenant_scaling.inference_endpoints),
           (SELECT coalesce(sum(queued_jobs), 0) FROM tenant_scaling.tenant_job_counts),
           (SELECT coalesce(sum(running_jobs), 0) FROM tenant_scaling.tenant_job_counts),
           (SELECT count(*) FROM tenant_scaling.scaling_events)
$$;
COMMENT ON FUNCTION tenant_scaling.shard_overview() IS
'counts of this shard''s tenants, endpoints, replicas, jobs and events (what the caller may see)';

-- Overrides by operators: the desired count set by hand, within the bounds,
-- with a reason, audited by the trigger above and starting the cooldowns as a
-- decision does
CREATE FUNCTION tenant_scaling.set_desired_replicas(tenant_id uuid, endpoint_id text, desired_replicas int,
                                                    reason text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    low int;
    high int;
BEGIN
    IF $1 IS NULL OR $2 IS NULL OR $3 IS NULL OR $4 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = format('%s must not be null',
                             CASE WHEN $1 IS NULL THEN 'tenant_id' WHEN $2 IS NULL THEN 'endpoint_id'
                                  WHEN $3 IS NULL THEN 'desired_replicas' ELSE 'reason' END);
    END IF;
    SELECT e.min_replicas, e.max_replicas INTO low, high FROM tenant_scaling.inference_endpoints e
     WHERE e.endpoint_id = $2 AND e.tenant_id = $1 FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('inference endpoint "%s" of tenant %s does not exist', pg_catalog.left($2, 64), $1);
    END IF;
    IF $3 < low OR $3 > high THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('desired_replicas %s of endpoint "%s" is outside its bounds %s..%s', $3, $2, low, high),
            HINT = 'Change min_replicas or max_replicas first.';
    END IF;
    PERFORM pg_catalog.set_config('tenant_scaling.override_reason', $4, true);
    UPDATE tenant_scaling.inference_endpoints e
       SET desired_replicas = $3, last_scaled_at = pg_catalog.now(),
           last_scale_out_at = CASE WHEN $3 > e.desired_replicas THEN pg_catalog.now() ELSE e.last_scale_out_at END
     WHERE e.endpoint_id = $2 AND e.tenant_id = $1;
    PERFORM pg_catalog.set_config('tenant_scaling.override_reason', '', true);
END
$$;
COMMENT ON FUNCTION tenant_scaling.set_desired_replicas(uuid, text, int, text) IS
'operators: set an endpoint''s desired replicas by hand (within its bounds), logged as a manual event with the reason';
REVOKE EXECUTE ON FUNCTION tenant_scaling.set_desired_replicas(uuid, text, int, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.set_desired_replicas(uuid, text, int, text) TO tenant_scaling_admin;

CREATE FUNCTION tenant_scaling.set_desired_workers(tenant_id uuid, desired_workers int, reason text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF $1 IS NULL OR $2 IS NULL OR $3 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = format('%s must not be null',
                             CASE WHEN $1 IS NULL THEN 'tenant_id' WHEN $2 IS NULL THEN 'desired_workers' ELSE 'reason' END);
    END IF;
    IF $2 < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('desired_workers must not be negative: %s', $2);
    END IF;
    -- a first desired count starts from the workers the tenant has; the change is the audited UPDATE
    INSERT INTO tenant_scaling.tenant_training_state (tenant_id, desired_workers)
    SELECT $1, coalesce((SELECT i.active_workers + i.provisioning_workers FROM tenant_scaling.tenant_training_inputs i
                          WHERE i.tenant_id = $1), 0)
    ON CONFLICT ON CONSTRAINT tenant_training_state_pkey DO NOTHING;
    PERFORM pg_catalog.set_config('tenant_scaling.override_reason', $3, true);
    UPDATE tenant_scaling.tenant_training_state s
       SET desired_workers = $2, last_scaled_at = pg_catalog.now(),
           last_scale_out_at = CASE WHEN $2 > s.desired_workers THEN pg_catalog.now() ELSE s.last_scale_out_at END
     WHERE s.tenant_id = $1;
    PERFORM pg_catalog.set_config('tenant_scaling.override_reason', '', true);
END
$$;
COMMENT ON FUNCTION tenant_scaling.set_desired_workers(uuid, int, text) IS
'operators: set a tenant''s desired training workers by hand, logged as a manual event with the reason';
REVOKE EXECUTE ON FUNCTION tenant_scaling.set_desired_workers(uuid, int, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.set_desired_workers(uuid, int, text) TO tenant_scaling_admin;
--------------------------------------------------------------------------
-- Pauses (README, Pausing): a tenant's scaling, or one endpoint's, stopped
-- by an operator until resumed or until a time; the cycle and
-- scale_inference_endpoint report such a resource as not scaled, paused
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.scaling_pauses (
    pause_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    endpoint_id text,
    until timestamptz,
    reason text NOT NULL CONSTRAINT pause_reason_length CHECK (pg_catalog.length(reason) BETWEEN 1 AND 1000),
    paused_by name NOT NULL,
    paused_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT scaling_pauses_one_per_resource UNIQUE NULLS NOT DISTINCT (tenant_id, endpoint_id)
);
SELECT pg_temp.isolate_tenant_rows('scaling_pauses');
GRANT SELECT ON tenant_scaling.scaling_pauses TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.scaling_pauses TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.scaling_pauses_pause_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_pauses', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_pauses_pause_id_seq', '');
COMMENT ON TABLE tenant_scaling.scaling_pauses IS
'scaling stopped by an operator: a whole tenant (endpoint_id NULL) or one endpoint, until resumed or until a time';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.endpoint_id IS 'the endpoint paused; NULL pauses every resource of the tenant';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.until IS 'when the pause ends by itself; NULL lasts until resume_scaling';

CREATE FUNCTION tenant_scaling.pause_scaling(tenant_id uuid, endpoint_id text DEFAULT NULL,
                                             until timestamptz DEFAULT NULL, reason text DEFAULT 'paused by an operator')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF $1 IS NULL OR $4 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = format('%s must not be null', CASE WHEN $1 IS NULL THEN 'tenant_id' ELSE 'reason' END);
    END IF;
    IF $3 IS NOT NULL AND $3 <= pg_catalog.now() THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('a pause until %s would already be over', $3),
            HINT = 'Pass a time in the future, or NULL to pause until resume_scaling.';
    END IF;
    IF $2 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tenant_scaling.inference_endpoints e
                                       WHERE e.endpoint_id = $2 AND e.tenant_id = $1) THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('inference endpoint "%s" of tenant %s does not exist', pg_catalog.left($2, 64), $1);
    END IF;
    INSERT INTO tenant_scaling.scaling_pauses AS p (tenant_id, endpoint_id, until, reason, paused_by)
    VALUES ($1, $2, $3, $4, current_user)
    ON CONFLICT ON CONSTRAINT scaling_pauses_one_per_resource DO UPDATE
       SET until = excluded.until, reason = excluded.reason, paused_by = excluded.paused_by,
           paused_at = excluded.paused_at;
END
$$;
COMMENT ON FUNCTION tenant_scaling.pause_scaling(uuid, text, timestamptz, text) IS
'operators: stop scaling a tenant (endpoint_id NULL) or one endpoint, until resumed or until the given time';

CREATE FUNCTION tenant_scaling.resume_scaling(tenant_id uuid, endpoint_id text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (DELETE FROM tenant_scaling.scaling_pauses p
                   WHERE p.tenant_id = $1 AND p.endpoint_id IS NOT DISTINCT FROM $2 RETURNING 1)
    SELECT count(*) > 0 FROM gone
$$;
COMMENT ON FUNCTION tenant_scaling.resume_scaling(uuid, text) IS
'operators: end the pause of a tenant (endpoint_id NULL) or of one endpoint; true when there was one';

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['tenant_scaling.pause_scaling(uuid, text, timestamptz, text)',
                             'tenant_scaling.resume_scaling(uuid, text)']
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO tenant_scaling_admin', f);
    END LOOP;
END
$$;
--------------------------------------------------------------------------
-- The actuator's interface (README, Operating it): the role an actuator's
-- login is granted reads the desired state and the events of every tenant,
-- and reports what exists only through these functions, which check what it
-- reports. Nothing else is writable to it.
--------------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tenant_scaling_actuator') THEN
        CREATE ROLE tenant_scaling_actuator NOLOGIN;
    END IF;
END
$$;

-- what it reads: every tenant's endpoints, desired workers, workers and events
CREATE FUNCTION pg_temp.actuator_reads(t text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('GRANT SELECT ON tenant_scaling.%I TO tenant_scaling_actuator', t);
    EXECUTE format('CREATE POLICY actuator_rows ON tenant_scaling.%I FOR SELECT TO tenant_scaling_actuator'
                   ' USING (true)', t);
END
$$;
SELECT pg_temp.actuator_reads('inference_endpoints');
SELECT pg_temp.actuator_reads('tenant_training_state');
SELECT pg_temp.actuator_reads('tenant_training_workers');
SELECT pg_temp.actuator_reads('scaling_events');
DROP FUNCTION pg_temp.actuator_reads(text);

-- what it says of each event it carried out
CREATE TABLE tenant_scaling.scaling_event_acks (
    event_id bigint PRIMARY KEY REFERENCES tenant_scaling.scaling_events (event_id) ON DELETE CASCADE,
    tenant_id uuid NOT NULL,
    status text NOT NULL CONSTRAINT ack_status_valid CHECK (status IN ('applied', 'failed', 'superseded')),
    message text CONSTRAINT ack_message_length CHECK (pg_catalog.length(message) <= 1000),
    acked_at timestamptz NOT NULL DEFAULT now(),
    acked_by name NOT NULL
);
SELECT pg_temp.isolate_tenant_rows('scaling_event_acks');
CREATE POLICY actuator_rows ON tenant_scaling.scaling_event_acks FOR SELECT TO tenant_scaling_actuator USING (true);
GRANT SELECT ON tenant_scaling.scaling_event_acks TO PUBLIC;
GRANT SELECT ON tenant_scaling.scaling_event_acks TO tenant_scaling_admin;
GRANT SELECT ON tenant_scaling.scaling_event_acks TO tenant_scaling_actuator;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_event_acks', '');
COMMENT ON TABLE tenant_scaling.scaling_event_acks IS
'what the actuator reported of each event it carried out (ack_event): applied, failed or superseded';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.acked_by IS 'the login (session user) that acknowledged it';

-- The three reports run as the extension's owner, since the actuator holds
-- no write privilege: they are executable only by the actuator and operator
-- roles, take pg_catalog types only, and pin search_path (README, Security).
CREATE FUNCTION tenant_scaling.report_replicas(tenant_id uuid, endpoint_id text, current_replicas int)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bound int;
BEGIN
    IF $1 IS NULL OR $2 IS NULL OR $3 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = format('%s must not be null',
                             CASE WHEN $1 IS NULL THEN 'tenant_id' WHEN $2 IS NULL THEN 'endpoint_id'
                                  ELSE 'current_replicas' END);
    END IF;
    SELECT e.max_replicas INTO bound FROM tenant_scaling.inference_endpoints e
     WHERE e.endpoint_id = $2 AND e.tenant_id = $1 FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('inference endpoint "%s" of tenant %s does not exist', pg_catalog.left($2, 64), $1);
    END IF;
    IF $3 < 0 OR $3 > bound THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('%s replicas reported for endpoint "%s", outside 0..%s', $3, $2, bound),
            DETAIL = 'An endpoint runs at most max_replicas replicas.',
            HINT = 'Report what runs; if more run than max_replicas allows, scale them in or raise max_replicas.';
    END IF;
    UPDATE tenant_scaling.inference_endpoints e SET current_replicas = $3
     WHERE e.endpoint_id = $2 AND e.tenant_id = $1 AND e.current_replicas IS DISTINCT FROM $3;
END
$$;
COMMENT ON FUNCTION tenant_scaling.report_replicas(uuid, text, int) IS
'the actuator reports the replicas an endpoint runs (0 to max_replicas; anything else is refused)';

CREATE FUNCTION tenant_scaling.report_worker(tenant_id uuid, worker_id bigint, status text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    IF $1 IS NULL OR $3 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = format('%s must not be null', CASE WHEN $1 IS NULL THEN 'tenant_id' ELSE 'status' END);
    END IF;
    IF $3 NOT IN ('provisioning', 'active', 'draining', 'terminated') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown worker status "%s"', pg_catalog.left($3, 64)),
            HINT = 'A worker is provisioning, active, draining or terminated.';
    END IF;
    IF $2 IS NULL THEN
        INSERT INTO tenant_scaling.tenant_training_workers (tenant_id, status) VALUES ($1, $3)
        RETURNING tenant_training_workers.worker_id INTO id;
        RETURN id;
    END IF;
    UPDATE tenant_scaling.tenant_training_workers w SET status = $3
     WHERE w.worker_id = $2 AND w.tenant_id = $1
    RETURNING w.worker_id INTO id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('training worker %s of tenant %s does not exist', $2, $1),
            HINT = 'Pass a NULL worker_id to report a new worker.';
    END IF;
    RETURN id;
END
$$;
COMMENT ON FUNCTION tenant_scaling.report_worker(uuid, bigint, text) IS
'the actuator reports a training worker''s status (a NULL worker_id reports a new one); returns its id';

CREATE FUNCTION tenant_scaling.ack_event(event_id bigint, status text, message text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tenant uuid;
BEGIN
    IF $1 IS NULL OR $2 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = format('%s must not be null', CASE WHEN $1 IS NULL THEN 'event_id' ELSE 'status' END);
    END IF;
    IF $2 NOT IN ('applied', 'failed', 'superseded') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown acknowledgement "%s"', pg_catalog.left($2, 64)),
            HINT = 'An event is acknowledged as applied, failed or superseded.';
    END IF;
    IF pg_catalog.length($3) > 1000 THEN
        RAISE EXCEPTION USING ERRCODE = 'string_data_right_truncation',
            MESSAGE = format('acknowledgement message of %s characters is too long', pg_catalog.length($3)),
            DETAIL = 'A message holds at most 1000 characters.';
    END IF;
    SELECT e.tenant_id INTO tenant FROM tenant_scaling.scaling_events e WHERE e.event_id = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object', MESSAGE = format('scaling event %s does not exist', $1);
    END IF;
    INSERT INTO tenant_scaling.scaling_event_acks AS a (event_id, tenant_id, status, message, acked_by)
    VALUES ($1, tenant, $2, $3, session_user)
    ON CONFLICT ON CONSTRAINT scaling_event_acks_pkey DO UPDATE
       SET status = excluded.status, message = excluded.message, acked_at = excluded.acked_at,
           acked_by = excluded.acked_by;
END
$$;
COMMENT ON FUNCTION tenant_scaling.ack_event(bigint, text, text) IS
'the actuator acknowledges an event as applied, failed or superseded, with an optional message (a later ack replaces it)';

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['tenant_scaling.report_replicas(uuid, text, int)',
                             'tenant_scaling.report_worker(uuid, bigint, text)',
                             'tenant_scaling.ack_event(bigint, text, text)']
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO tenant_scaling_actuator, tenant_scaling_admin', f);
    END LOOP;
END
$$;
--------------------------------------------------------------------------
-- Cost per tenant: usage, prices, the seed's cost view over running totals
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.tenant_resource_usage (
    usage_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    scaling_tier text NOT NULL,
    usage_date date NOT NULL DEFAULT CURRENT_DATE,
    cpu_hours numeric NOT NULL DEFAULT 0
        CONSTRAINT cpu_hours_finite_not_negative CHECK (cpu_hours >= 0 AND cpu_hours < 'Infinity'),
    gpu_hours numeric NOT NULL DEFAULT 0
        CONSTRAINT gpu_hours_finite_not_negative CHECK (gpu_hours >= 0 AND gpu_hours < 'Infinity'),
    storage_gb_days numeric NOT NULL DEFAULT 0
        CONSTRAINT storage_gb_days_finite_not_negative CHECK (storage_gb_days >= 0 AND storage_gb_days < 'Infinity'),
    network_gb numeric NOT NULL DEFAULT 0
        CONSTRAINT network_gb_finite_not_negative CHECK (network_gb >= 0 AND network_gb < 'Infinity'),
    cpu_utilization numeric CONSTRAINT cpu_utilization_fraction CHECK (cpu_utilization BETWEEN 0 AND 1),
    memory_utilization numeric CONSTRAINT memory_utilization_fraction CHECK (memory_utilization BETWEEN 0 AND 1),
    training_jobs bigint,
    inference_endpoints text CONSTRAINT inference_endpoints_length CHECK (pg_catalog.length(inference_endpoints) <= 253)
);
CREATE INDEX tenant_resource_usage_tenant_date_idx ON tenant_scaling.tenant_resource_usage (tenant_id, usage_date);
SELECT pg_temp.isolate_tenant_rows('tenant_resource_usage');
-- append-only: operators add usage, nobody rewrites or truncates it
GRANT SELECT ON tenant_scaling.tenant_resource_usage TO PUBLIC;
GRANT SELECT, INSERT ON tenant_scaling.tenant_resource_usage TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.tenant_resource_usage_usage_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_resource_usage', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_resource_usage_usage_id_seq', '');
COMMENT ON TABLE tenant_scaling.tenant_resource_usage IS
'append-only ledger of resource usage: the seed''s cost view is built from running totals of it';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.cpu_utilization IS 'fraction of the allocated cpu used, 0..1';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.memory_utilization IS 'fraction of the allocated memory used, 0..1';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.training_jobs IS 'the training job the usage belongs to, if any';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.inference_endpoints IS 'the inference endpoint the usage belongs to, if any';

CREATE TABLE tenant_scaling.resource_prices (
    resource text PRIMARY KEY
        CONSTRAINT resource_known CHECK (resource IN ('cpu_hour', 'gpu_hour', 'storage_gb_day', 'network_gb')),
    unit_price numeric NOT NULL
        CONSTRAINT unit_price_finite_not_negative CHECK (unit_price >= 0 AND unit_price < 'Infinity'),
    currency text NOT NULL DEFAULT 'USD'
);
COMMENT ON TABLE tenant_scaling.resource_prices IS 'unit prices the cost view multiplies usage by; operators edit them';
INSERT INTO tenant_scaling.resource_prices (resource, unit_price) VALUES
    ('cpu_hour', 0.048), ('gpu_hour', 2.48), ('storage_gb_day', 0.0033), ('network_gb', 0.09);
CREATE TRIGGER resource_prices_merge_seed_row BEFORE INSERT ON tenant_scaling.resource_prices
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
GRANT SELECT ON tenant_scaling.resource_prices TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.resource_prices TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.resource_prices', '');

-- Running totals per (tenant, tier), kept by statement triggers as usage arrives:
-- sums, the sum and count of each utilization and their quotient, the average
-- (as numeric avg() computes it), computed when the group changes so that a
-- refresh divides nothing; distinct jobs and endpoints are counted exactly from
-- the set of values seen.
CREATE TABLE tenant_scaling.tenant_usage_totals (
    tenant_id uuid NOT NULL,
    scaling_tier text NOT NULL,
    usage_rows bigint NOT NULL,
    total_cpu_hours numeric NOT NULL,
    total_gpu_hours numeric NOT NULL,
    total_storage numeric NOT NULL,
    total_network numeric NOT NULL,
    cpu_util_sum numeric,
    cpu_util_count bigint NOT NULL,
    memory_util_sum numeric,
    memory_util_count bigint NOT NULL,
    avg_cpu_util numeric,
    avg_memory_util numeric,
    distinct_training_jobs bigint NOT NULL,
    distinct_inference_endpoints bigint NOT NULL,
    first_usage_date date NOT NULL,
    last_usage_date date NOT NULL,
    PRIMARY KEY (tenant_id, scaling_tier)
);
SELECT pg_temp.isolate_tenant_rows('tenant_usage_totals');
GRANT SELECT ON tenant_scaling.tenant_usage_totals TO PUBLIC;
GRANT SELECT ON tenant_scaling.tenant_usage_totals TO tenant_scaling_admin;
COMMENT ON TABLE tenant_scaling.tenant_usage_totals IS
'running totals of tenant_resource_usage per tenant and tier, kept by triggers; the cost view reads these';

CREATE TABLE tenant_scaling.tenant_usage_distinct (
    tenant_id uuid NOT NULL,
    scaling_tier text NOT NULL,
    kind "char" NOT NULL CONSTRAINT kind_valid CHECK (kind IN ('j', 'e')),
    value text NOT NULL,
    PRIMARY KEY (tenant_id, scaling_tier, kind, value)
);
SELECT pg_temp.isolate_tenant_rows('tenant_usage_distinct');
GRANT SELECT ON tenant_scaling.tenant_usage_distinct TO PUBLIC;
GRANT SELECT ON tenant_scaling.tenant_usage_distinct TO tenant_scaling_admin;
COMMENT ON TABLE tenant_scaling.tenant_usage_distinct IS
'the distinct training jobs (j) and inference endpoints (e) of each tenant and tier''s usage';

CREATE FUNCTION tenant_scaling.maintain_usage_totals()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_maintain_usage_totals'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.maintain_usage_totals() IS
'AFTER INSERT and TRUNCATE statement trigger of tenant_resource_usage: keeps the running totals';
REVOKE EXECUTE ON FUNCTION tenant_scaling.maintain_usage_totals() FROM PUBLIC;
CREATE TRIGGER tenant_resource_usage_totals AFTER INSERT ON tenant_scaling.tenant_resource_usage
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_usage_totals();
CREATE TRIGGER tenant_resource_usage_totals_truncate AFTER TRUNCATE ON tenant_scaling.tenant_resource_usage
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_usage_totals();
ALTER TABLE tenant_scaling.tenant_resource_usage ENABLE ALWAYS TRIGGER tenant_resource_usage_totals;
ALTER TABLE tenant_scaling.tenant_resource_usage ENABLE ALWAYS TRIGGER tenant_resource_usage_totals_truncate;

CREATE FUNCTION tenant_scaling.reject_usage_change()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_reject_usage_change'
LANGUAGE C;
COMMENT ON FUNCTION tenant_scaling.reject_usage_change() IS
'BEFORE UPDATE OR DELETE trigger of tenant_resource_usage: the ledger is append-only';
REVOKE EXECUTE ON FUNCTION tenant_scaling.reject_usage_change() FROM PUBLIC;
CREATE TRIGGER tenant_resource_usage_append_only BEFORE UPDATE OR DELETE ON tenant_scaling.tenant_resource_usage
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.reject_usage_change();

-- The seed's cost dashboard: exactly its columns and provisioning rule, then the
-- cost at current prices; built from the running totals, so a refresh reads one
-- row per tenant and tier, not the history.
CREATE MATERIALIZED VIEW tenant_scaling.tenant_cost_optimization AS
SELECT t.tenant_id,
       t.scaling_tier,
       t.total_cpu_hours,
       t.total_gpu_hours,
       t.total_storage,
       t.total_network,
       t.avg_cpu_util,
       t.avg_memory_util,
       t.distinct_training_jobs AS training_jobs_count,
       t.distinct_inference_endpoints AS inference_endpoints_count,
       CASE
           WHEN t.avg_cpu_util < 0.4 AND t.avg_memory_util < 0.4 THEN 'over_provisioned'
           WHEN t.avg_cpu_util > 0.8 AND t.avg_memory_util > 0.8 THEN 'under_provisioned'
           ELSE 'appropriately_provisioned'
       END AS provisioning_status,
       t.total_cpu_hours * p.cpu_hour + t.total_gpu_hours * p.gpu_hour
           + t.total_storage * p.storage_gb_day + t.total_network * p.network_gb AS total_cost
FROM tenant_scaling.tenant_usage_totals t
CROSS JOIN (SELECT max(unit_price) FILTER (WHERE resource = 'cpu_hour') AS cpu_hour,
                   max(unit_price) FILTER (WHERE resource = 'gpu_hour') AS gpu_hour,
                   max(unit_price) FILTER (WHERE resource = 'storage_gb_day') AS storage_gb_day,
                   max(unit_price) FILTER (WHERE resource = 'network_gb') AS network_gb
            FROM tenant_scaling.resource_prices) p
WHERE t.usage_rows > 0;
CREATE UNIQUE INDEX tenant_cost_optimization_key ON tenant_scaling.tenant_cost_optimization (tenant_id, scaling_tier);
GRANT SELECT ON tenant_scaling.tenant_cost_optimization TO tenant_scaling_admin;
COMMENT ON MATERIALIZED VIEW tenant_scaling.tenant_cost_optimization IS
'the seed''s cost dashboard per tenant and tier, plus total_cost at current prices; refresh_cost_optimization_view() refreshes it';

-- SECURITY DEFINER: only a materialized view's owner may refresh it, and
-- operators (and the scheduler's cycles they run) refresh this one
CREATE FUNCTION tenant_scaling.refresh_cost_optimization_view()
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ REFRESH MATERIALIZED VIEW CONCURRENTLY tenant_scaling.tenant_cost_optimization $$;
COMMENT ON FUNCTION tenant_scaling.refresh_cost_optimization_view() IS
'refresh the cost view concurrently: readers are never blocked';
REVOKE EXECUTE ON FUNCTION tenant_scaling.refresh_cost_optimization_view() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.refresh_cost_optimization_view() TO tenant_scaling_admin;

-- Right-sizing: for each over- or under-provisioned tenant, the next tier down or
-- up and what it would save or cost per month at current prices, assuming cost
-- scales with the tier's resource multiplier at the tenant's usage rate so far.
CREATE VIEW tenant_scaling.cost_right_sizing AS
SELECT c.tenant_id,
       c.scaling_tier AS current_tier,
       c.provisioning_status,
       CASE WHEN n.tier IS NULL AND c.provisioning_status = 'over_provisioned' THEN 'already on the lowest tier'
            WHEN n.tier IS NULL THEN 'already on the highest tier'
            WHEN c.provisioning_status = 'over_provisioned' THEN 'downsize'
            ELSE 'upsize' END AS recommendation,
       n.tier AS suggested_tier,
       round(c.total_cost / (t.last_usage_date - t.first_usage_date + 1) * 30, 2) AS monthly_cost,
       round(c.total_cost / (t.last_usage_date - t.first_usage_date + 1) * 30
             * (n.resource_multiplier / cur.resource_multiplier - 1), 2) AS monthly_change
FROM tenant_scaling.tenant_cost_optimization c
JOIN tenant_scaling.tenant_usage_totals t USING (tenant_id, scaling_tier)
JOIN tenant_scaling.tiers cur ON cur.tier = c.scaling_tier
LEFT JOIN LATERAL (SELECT x.tier, x.resource_multiplier FROM tenant_scaling.tiers x
              WHERE CASE c.provisioning_status
                        WHEN 'over_provisioned' THEN x.tier_rank < cur.tier_rank
                        ELSE x.tier_rank > cur.tier_rank END
              ORDER BY CASE WHEN c.provisioning_status = 'over_provisioned' THEN -x.tier_rank ELSE x.tier_rank END
              LIMIT 1) n ON true
WHERE c.provisioning_status IN ('over_provisioned', 'under_provisioned');
GRANT SELECT ON tenant_scaling.cost_right_sizing TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.cost_right_sizing IS
'over- and under-provisioned tenants: the next lower or higher tier and the monthly saving (negative) or extra cost';

DROP FUNCTION pg_temp.isolate_tenant_rows(text);
DROP FUNCTION pg_temp.check_shard_of_rows(text);
DROP FUNCTION pg_temp.create_derived_triggers(text, text, text);
