/* tenant_scaling--0.1.0.sql: the scaling control plane (DESIGN sections 2-5a) */

\echo Use "CREATE EXTENSION tenant_scaling" to load this file. \quit

--------------------------------------------------------------------------
-- Validation and trigger functions (C), needed by the tables below
--------------------------------------------------------------------------

CREATE FUNCTION tenant_scaling.validate_scaling_rules(rules jsonb)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ts_validate_scaling_rules'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tenant_scaling.validate_scaling_rules(jsonb) IS
'true for a valid scaling_rules document; otherwise raises SQLSTATE 22023 naming the JSON path and the rule';

CREATE FUNCTION tenant_scaling.touch_updated_at()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_touch_updated_at'
LANGUAGE C;
COMMENT ON FUNCTION tenant_scaling.touch_updated_at() IS
'BEFORE UPDATE trigger: sets updated_at to the transaction time';

CREATE FUNCTION tenant_scaling.check_tenant_scaling_config()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_check_tenant_scaling_config'
LANGUAGE C;
COMMENT ON FUNCTION tenant_scaling.check_tenant_scaling_config() IS
'BEFORE INSERT OR UPDATE trigger: rejects an unknown tier or a negative limit with an error that names the value';

--------------------------------------------------------------------------
-- Tiers and workload profiles (operators' configuration)
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.tiers (
    tier text PRIMARY KEY,
    tier_rank int NOT NULL UNIQUE,
    resource_multiplier numeric NOT NULL DEFAULT 1.0
        CONSTRAINT tiers_resource_multiplier_positive CHECK (resource_multiplier > 0),
    max_cpu int NOT NULL DEFAULT 16 CONSTRAINT tiers_max_cpu_not_negative CHECK (max_cpu >= 0),
    max_gpu int NOT NULL DEFAULT 4 CONSTRAINT tiers_max_gpu_not_negative CHECK (max_gpu >= 0),
    description text
);
COMMENT ON TABLE tenant_scaling.tiers IS
'scaling tiers: the resource multiplier and default cpu and gpu caps of each tier';
COMMENT ON COLUMN tenant_scaling.tiers.tier_rank IS 'order of the tiers, smallest first';
COMMENT ON COLUMN tenant_scaling.tiers.resource_multiplier IS
'allocate_resources multiplies a workload''s base requirements by this, then truncates';
COMMENT ON COLUMN tenant_scaling.tiers.max_cpu IS 'cpu cores cap of a tenant of this tier without its own max_cpu';
COMMENT ON COLUMN tenant_scaling.tiers.max_gpu IS 'gpu cap of a tenant of this tier without its own max_gpu';

INSERT INTO tenant_scaling.tiers (tier, tier_rank, resource_multiplier, max_cpu, max_gpu, description) VALUES
    ('basic', 1, 1.0, 16, 4, 'fixed allocation for small tenants'),
    ('standard', 2, 1.0, 16, 4, 'auto-scaling for growing tenants'),
    ('premium', 3, 2.0, 16, 4, 'twice the base resources'),
    ('enterprise', 4, 4.0, 16, 4, 'four times the base resources');

CREATE TABLE tenant_scaling.workload_profiles (
    workload_type text PRIMARY KEY,
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

--------------------------------------------------------------------------
-- Per-tenant configuration (seed tables, with checks)
--------------------------------------------------------------------------

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
    max_gpu int CONSTRAINT max_gpu_not_negative CHECK (max_gpu >= 0)
);
CREATE INDEX idx_tenant_scaling_tier ON tenant_scaling.tenant_scaling_config (scaling_tier);
CREATE INDEX idx_tenant_scaling_auto ON tenant_scaling.tenant_scaling_config (auto_scaling_enabled);
CREATE TRIGGER tenant_scaling_config_checks
    BEFORE INSERT OR UPDATE ON tenant_scaling.tenant_scaling_config
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.check_tenant_scaling_config();
CREATE TRIGGER tenant_scaling_config_updated_at
    BEFORE UPDATE ON tenant_scaling.tenant_scaling_config
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.touch_updated_at();

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
COMMENT ON TABLE tenant_scaling.tenant_training_config IS
'distributed training settings of a tenant; bounds its training workers';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.max_workers IS
'worker ceiling when distributed_training_enabled; otherwise the ceiling is 1';

--------------------------------------------------------------------------
-- What tenants are doing: training queue statistics and workers
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.training_queue_stats (
    tenant_id uuid NOT NULL,
    queue_size int NOT NULL CONSTRAINT queue_size_not_negative CHECK (queue_size >= 0),
    avg_wait_time_seconds numeric CONSTRAINT avg_wait_time_not_negative CHECK (avg_wait_time_seconds >= 0),
    max_wait_time_seconds int CONSTRAINT max_wait_time_not_negative CHECK (max_wait_time_seconds >= 0),
    processing_rate_per_minute numeric
        CONSTRAINT processing_rate_not_negative CHECK (processing_rate_per_minute >= 0),
    timestamp timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX training_queue_stats_tenant_time_idx
    ON tenant_scaling.training_queue_stats (tenant_id, timestamp DESC);
COMMENT ON TABLE tenant_scaling.training_queue_stats IS
'samples of each tenant''s training queue; the newest row by timestamp drives training scaling';
COMMENT ON COLUMN tenant_scaling.training_queue_stats.processing_rate_per_minute IS 'jobs finished per minute';

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
COMMENT ON TABLE tenant_scaling.tenant_training_workers IS
'training workers of each tenant, as the actuator reports them';
COMMENT ON COLUMN tenant_scaling.tenant_training_workers.status IS
'provisioning (ordered, not up yet), active, draining or terminated; provisioning and active count as capacity';

--------------------------------------------------------------------------
-- Decision functions (C)
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

--------------------------------------------------------------------------
-- Inference endpoints and their metrics
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.inference_endpoints (
    endpoint_id text PRIMARY KEY,
    tenant_id uuid NOT NULL,
    current_replicas int NOT NULL DEFAULT 1 CONSTRAINT current_replicas_not_negative CHECK (current_replicas >= 0),
    desired_replicas int NOT NULL DEFAULT 1 CONSTRAINT desired_replicas_not_negative CHECK (desired_replicas >= 0),
    min_replicas int NOT NULL DEFAULT 1 CONSTRAINT min_replicas_not_negative CHECK (min_replicas >= 0),
    max_replicas int NOT NULL DEFAULT 10,
    target_rps numeric CONSTRAINT target_rps_not_negative CHECK (target_rps >= 0),
    last_scale_out_at timestamptz,
    last_scaled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT replica_bounds_ordered CHECK (max_replicas >= min_replicas),
    CONSTRAINT inference_endpoints_tenant_endpoint_key UNIQUE (tenant_id, endpoint_id)
);
CREATE TRIGGER inference_endpoints_updated_at
    BEFORE UPDATE ON tenant_scaling.inference_endpoints
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.touch_updated_at();
COMMENT ON TABLE tenant_scaling.inference_endpoints IS
'inference endpoints of each tenant: replicas running, replicas wanted, bounds and target request rate';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.current_replicas IS 'replicas running, as the actuator reports them';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.desired_replicas IS
'replicas the last applied decision asked for; the next decision starts from it';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.target_rps IS 'requests per second one endpoint is sized for';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.last_scale_out_at IS 'when a decision last scaled it out (scale-out cooldown)';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.last_scaled_at IS 'when a decision last changed it (scale-in cooldown)';

CREATE TABLE tenant_scaling.endpoint_metrics (
    endpoint_id text NOT NULL,
    ts timestamptz NOT NULL DEFAULT now(),
    cpu_avg numeric CONSTRAINT cpu_avg_not_negative CHECK (cpu_avg >= 0),
    memory_avg numeric CONSTRAINT memory_avg_not_negative CHECK (memory_avg >= 0),
    latency_p95_ms numeric CONSTRAINT latency_p95_ms_not_negative CHECK (latency_p95_ms >= 0),
    requests_per_second numeric CONSTRAINT requests_per_second_not_negative CHECK (requests_per_second >= 0),
    tenant_id uuid NOT NULL,
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES tenant_scaling.inference_endpoints (tenant_id, endpoint_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX endpoint_metrics_endpoint_time_idx ON tenant_scaling.endpoint_metrics (endpoint_id, ts DESC);
CREATE INDEX endpoint_metrics_time_idx ON tenant_scaling.endpoint_metrics (ts);
COMMENT ON TABLE tenant_scaling.endpoint_metrics IS
'time series of endpoint metrics; the newest sample within tenant_scaling.metrics_max_age drives inference scaling';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.cpu_avg IS 'percent, 0-100';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.memory_avg IS 'percent, 0-100';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.tenant_id IS 'the endpoint''s tenant; must match inference_endpoints';

CREATE INDEX training_queue_stats_time_idx ON tenant_scaling.training_queue_stats (timestamp);

--------------------------------------------------------------------------
-- Derived state, kept by statement triggers: the newest queue sample of each
-- tenant, the newest metrics of each endpoint, the workers of each tenant by
-- status. A cycle reads one row per tenant or endpoint from these, whatever
-- the length of the history.
--------------------------------------------------------------------------

CREATE FUNCTION tenant_scaling.maintain_derived_state()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_maintain_derived_state'
LANGUAGE C;
COMMENT ON FUNCTION tenant_scaling.maintain_derived_state() IS
'AFTER statement trigger: keeps tenant_training_inputs and endpoint_metrics_latest in step with their sources';

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
COMMENT ON TABLE tenant_scaling.tenant_training_inputs IS
'per tenant: the newest training_queue_stats row and the workers by status, kept by triggers on those tables';
COMMENT ON COLUMN tenant_scaling.tenant_training_inputs.stats_at IS 'timestamp of the newest queue sample; NULL when there is none';

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
COMMENT ON TABLE tenant_scaling.endpoint_metrics_latest IS
'the newest endpoint_metrics row of each endpoint, kept by triggers on endpoint_metrics';

-- Four statement triggers on each source (training_jobs gets its own below,
-- when it exists); ENABLE ALWAYS, so that logical replication and
-- session_replication_role = replica still keep the derived state.
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
SELECT pg_temp.create_derived_triggers('training_queue_stats', 'stats', 'latest');
SELECT pg_temp.create_derived_triggers('endpoint_metrics', 'metrics', 'latest');
SELECT pg_temp.create_derived_triggers('tenant_training_workers', 'workers', 'counts');

--------------------------------------------------------------------------
-- Desired training workers, decisions and scheduler runs
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.tenant_training_state (
    tenant_id uuid PRIMARY KEY,
    desired_workers int NOT NULL CONSTRAINT desired_workers_not_negative CHECK (desired_workers >= 0),
    last_scale_out_at timestamptz,
    last_scaled_at timestamptz
);
COMMENT ON TABLE tenant_scaling.tenant_training_state IS
'training workers the last applied decision asked for, per tenant; the next decision starts from it';

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
    origin text NOT NULL CONSTRAINT origin_valid CHECK (origin IN ('worker', 'manual')),
    run_id bigint
);
CREATE INDEX scaling_events_tenant_time_idx ON tenant_scaling.scaling_events (tenant_id, created_at DESC);
CREATE INDEX scaling_events_time_idx ON tenant_scaling.scaling_events (created_at);
COMMENT ON TABLE tenant_scaling.scaling_events IS
'append-only audit of every applied scaling decision, with the reason and the inputs it used';
COMMENT ON COLUMN tenant_scaling.scaling_events.resource_id IS 'the endpoint_id, or the tenant id for training workers';
COMMENT ON COLUMN tenant_scaling.scaling_events.inputs IS 'the values the decision read (metrics, queue sample, counts, bounds)';
COMMENT ON COLUMN tenant_scaling.scaling_events.origin IS 'worker (the scheduler or run_scaling_cycle) or manual (scale_inference_endpoint)';
COMMENT ON COLUMN tenant_scaling.scaling_events.run_id IS 'the worker_runs row of the cycle that applied it';

CREATE FUNCTION tenant_scaling.reject_update()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_reject_update'
LANGUAGE C;
COMMENT ON FUNCTION tenant_scaling.reject_update() IS
'BEFORE UPDATE trigger of append-only tables: history is not rewritten';
CREATE TRIGGER scaling_events_append_only
    BEFORE UPDATE ON tenant_scaling.scaling_events
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.reject_update();

CREATE TABLE tenant_scaling.worker_runs (
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
CREATE INDEX worker_runs_started_idx ON tenant_scaling.worker_runs (started_at);
COMMENT ON TABLE tenant_scaling.worker_runs IS 'one row per scheduler cycle, as pg_cron''s job_run_details';
COMMENT ON COLUMN tenant_scaling.worker_runs.status IS
'running, succeeded, failed (an error, or the scheduler stopped mid-run) or skipped (another cycle was running)';
COMMENT ON COLUMN tenant_scaling.worker_runs.origin IS 'worker (the background worker) or sql (run_scaling_cycle called directly)';
COMMENT ON COLUMN tenant_scaling.worker_runs.not_scaled IS
'decisions that changed nothing, counted by reason (cooldowns, bounds, no recent metrics, within target)';
COMMENT ON COLUMN tenant_scaling.worker_runs.failed_tenants IS
'tenants skipped because applying their decisions raised an error: [{"tenant_id": ..., "error": ...}]';
COMMENT ON COLUMN tenant_scaling.worker_runs.pruned_rows IS 'history rows older than tenant_scaling.history_retention deleted';

--------------------------------------------------------------------------
-- Applying decisions (C)
--------------------------------------------------------------------------

CREATE FUNCTION tenant_scaling.scale_inference_endpoint(tenant_id uuid, endpoint_id text)
RETURNS TABLE (action text, previous_replicas int, new_replicas int, reason text)
AS 'MODULE_PATHNAME', 'ts_scale_inference_endpoint'
LANGUAGE C VOLATILE STRICT ROWS 1;
COMMENT ON FUNCTION tenant_scaling.scale_inference_endpoint(uuid, text) IS
'decide from the endpoint''s newest metrics and apply it: desired_replicas, a scaling_events row and a NOTIFY; cooldowns apply';

CREATE FUNCTION tenant_scaling.run_scaling_cycle()
RETURNS TABLE (run_id bigint, tenants_evaluated int, training_decisions int, inference_decisions int, errors int)
AS 'MODULE_PATHNAME', 'ts_run_scaling_cycle'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION tenant_scaling.run_scaling_cycle() IS
'one scheduler cycle now: every auto-scaling tenant''s training and inference decisions applied, recorded in worker_runs';
REVOKE EXECUTE ON FUNCTION tenant_scaling.run_scaling_cycle() FROM PUBLIC;

--------------------------------------------------------------------------
-- Training job queue with admission control (DESIGN 6)
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.training_jobs (
    job_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    workload_type text NOT NULL REFERENCES tenant_scaling.workload_profiles (workload_type) ON UPDATE CASCADE,
    model_size_gb numeric NOT NULL CONSTRAINT model_size_gb_not_negative CHECK (model_size_gb >= 0),
    expected_duration_hours numeric NOT NULL
        CONSTRAINT expected_duration_hours_positive CHECK (expected_duration_hours > 0),
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
COMMENT ON TABLE tenant_scaling.training_jobs IS
'each tenant''s training jobs: queued by submit_training_job, started within max_concurrent_jobs, finished';
COMMENT ON COLUMN tenant_scaling.training_jobs.status IS 'queued, running, succeeded, failed or cancelled';

CREATE TABLE tenant_scaling.tenant_job_counts (
    tenant_id uuid PRIMARY KEY,
    queued_jobs int NOT NULL DEFAULT 0,
    running_jobs int NOT NULL DEFAULT 0
);
COMMENT ON TABLE tenant_scaling.tenant_job_counts IS
'training jobs queued and running per tenant, kept by triggers on training_jobs; start_next_training_job '
'locks the tenant''s row, so admission is serialized per tenant and never exceeds max_concurrent_jobs';

SELECT pg_temp.create_derived_triggers('training_jobs', 'jobs', 'counts');
DROP FUNCTION pg_temp.create_derived_triggers(text, text, text);

CREATE FUNCTION tenant_scaling.submit_training_job(tenant_id uuid, workload_type text, model_size_gb numeric,
                                                   expected_duration_hours numeric)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ts_submit_training_job'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION tenant_scaling.submit_training_job(uuid, text, numeric, numeric) IS
'queue a training job; a model or duration over the tenant''s limits is refused with SQLSTATE TS001';

CREATE FUNCTION tenant_scaling.start_next_training_job(tenant_id uuid)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ts_start_next_training_job'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION tenant_scaling.start_next_training_job(uuid) IS
'start the tenant''s oldest queued job while fewer than max_concurrent_jobs run; its id, or NULL';

CREATE FUNCTION tenant_scaling.finish_training_job(job_id bigint, succeeded boolean)
RETURNS void
AS 'MODULE_PATHNAME', 'ts_finish_training_job'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION tenant_scaling.finish_training_job(bigint, boolean) IS
'end a running job as succeeded or failed; a job that is not running is an error';

--------------------------------------------------------------------------
-- Tenant isolation (DESIGN 8)
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.tenant_roles (
    role_name name PRIMARY KEY,
    tenant_id uuid NOT NULL
);
COMMENT ON TABLE tenant_scaling.tenant_roles IS
'which database role acts for which tenant; row-level security shows a mapped role only its tenant''s rows';

CREATE FUNCTION tenant_scaling.current_tenant_id()
RETURNS uuid
AS 'MODULE_PATHNAME', 'ts_current_tenant_id'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.current_tenant_id() IS
'the tenant mapped to current_user in tenant_roles, else NULL';

-- Operators: members of tenant_scaling_admin see and change every row. The
-- role is created here when missing; the operator grants it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tenant_scaling_admin') THEN
        CREATE ROLE tenant_scaling_admin NOLOGIN;
    END IF;
END
$$;

-- The derived state is written by its triggers whoever writes the source: they
-- run as the extension's owner, with search_path pinned (every name in them is
-- qualified anyway).
ALTER FUNCTION tenant_scaling.maintain_derived_state() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- Functions that write on a tenant's behalf pin search_path; they run as the
-- caller, check that the caller acts for the tenant, and do their writes as the
-- extension's owner (see README, Security).
ALTER FUNCTION tenant_scaling.scale_inference_endpoint(uuid, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION tenant_scaling.run_scaling_cycle() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION tenant_scaling.submit_training_job(uuid, text, numeric, numeric) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION tenant_scaling.start_next_training_job(uuid) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION tenant_scaling.finish_training_job(bigint, boolean) SET search_path = pg_catalog, pg_temp;
GRANT EXECUTE ON FUNCTION tenant_scaling.run_scaling_cycle() TO tenant_scaling_admin;

GRANT USAGE ON SCHEMA tenant_scaling TO PUBLIC;
GRANT ALL ON ALL TABLES IN SCHEMA tenant_scaling TO tenant_scaling_admin;
GRANT ALL ON ALL SEQUENCES IN SCHEMA tenant_scaling TO tenant_scaling_admin;

-- What anyone may read: the configuration every tenant shares
GRANT SELECT ON tenant_scaling.tiers, tenant_scaling.workload_profiles TO PUBLIC;
-- What a tenant may read: its own rows (the policies below)
GRANT SELECT ON tenant_scaling.tenant_roles, tenant_scaling.tenant_scaling_config,
    tenant_scaling.tenant_training_config, tenant_scaling.training_queue_stats,
    tenant_scaling.tenant_training_workers, tenant_scaling.tenant_training_inputs,
    tenant_scaling.tenant_training_state, tenant_scaling.inference_endpoints,
    tenant_scaling.endpoint_metrics, tenant_scaling.endpoint_metrics_latest,
    tenant_scaling.scaling_events, tenant_scaling.training_jobs, tenant_scaling.tenant_job_counts
    TO PUBLIC;
-- What a tenant may write directly: its own measurements
GRANT INSERT ON tenant_scaling.training_queue_stats, tenant_scaling.endpoint_metrics TO PUBLIC;

-- Row-level security on a table of tenant rows: a tenant's own rows, and every
-- row for operators (also used below, when the cost tables exist)
CREATE FUNCTION pg_temp.isolate_tenant_rows(tables text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY tables
    LOOP
        EXECUTE format('ALTER TABLE tenant_scaling.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_rows ON tenant_scaling.%I TO PUBLIC'
                       ' USING (tenant_id = (SELECT tenant_scaling.current_tenant_id()))'
                       ' WITH CHECK (tenant_id = (SELECT tenant_scaling.current_tenant_id()))', t);
        EXECUTE format('CREATE POLICY operator_rows ON tenant_scaling.%I TO tenant_scaling_admin'
                       ' USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;
SELECT pg_temp.isolate_tenant_rows(ARRAY['tenant_scaling_config', 'tenant_training_config', 'training_queue_stats',
    'tenant_training_workers', 'tenant_training_inputs', 'tenant_training_state', 'inference_endpoints',
    'endpoint_metrics', 'endpoint_metrics_latest', 'scaling_events', 'training_jobs', 'tenant_job_counts']);
ALTER TABLE tenant_scaling.tenant_roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_mapping ON tenant_scaling.tenant_roles TO PUBLIC USING (role_name = current_user);
CREATE POLICY operator_rows ON tenant_scaling.tenant_roles TO tenant_scaling_admin USING (true) WITH CHECK (true);
-- worker_runs spans tenants: operators only (no grant to PUBLIC)

-- pg_dump keeps what users filled in; the derived tables are rebuilt by their
-- triggers as the sources are restored, and the seed rows come from this script
-- Tiers and workload profiles are dumped whole, edited seed rows included: at
-- restore, an insert of a seed key (which CREATE EXTENSION has just inserted)
-- replaces that row instead of failing.
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
                   max_cpu = NEW.max_cpu, max_gpu = NEW.max_gpu, description = NEW.description
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
CREATE TRIGGER tiers_merge_seed_row BEFORE INSERT ON tenant_scaling.tiers
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
CREATE TRIGGER workload_profiles_merge_seed_row BEFORE INSERT ON tenant_scaling.workload_profiles
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tiers', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.workload_profiles', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_roles', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_scaling_config', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_training_config', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.training_queue_stats', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_training_workers', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_training_state', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.inference_endpoints', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.endpoint_metrics', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_events', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.worker_runs', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.training_jobs', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_training_workers_worker_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_events_event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.worker_runs_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.training_jobs_job_id_seq', '');

--------------------------------------------------------------------------
-- Scale-out over shards with PL/Proxy (DESIGN 9; the proxy side is the
-- extension tenant_scaling_proxy)
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

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenant_scaling_config', 'tenant_training_config', 'training_queue_stats',
                             'tenant_training_workers', 'inference_endpoints', 'endpoint_metrics', 'training_jobs']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON tenant_scaling.%I REFERENCING NEW TABLE AS new_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.check_tenant_shard()',
                       t || '_shard_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON tenant_scaling.%I REFERENCING NEW TABLE AS new_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.check_tenant_shard()',
                       t || '_shard_update', t);
    END LOOP;
END
$$;

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

-- finish_training_job keyed by its tenant too, so that a proxy can route it
CREATE FUNCTION tenant_scaling.finish_training_job(tenant_id uuid, job_id bigint, succeeded boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tenant_scaling.training_jobs j WHERE j.job_id = $2 AND j.tenant_id = $1) THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('training job %s of tenant %s does not exist', $2, $1);
    END IF;
    PERFORM tenant_scaling.finish_training_job($2, $3);
END
$$;
COMMENT ON FUNCTION tenant_scaling.finish_training_job(uuid, bigint, boolean) IS
'finish_training_job(job_id, succeeded) for a job of the given tenant: the tenant-keyed form a proxy routes';

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

--------------------------------------------------------------------------
-- Cost per tenant: usage, prices, the seed's cost view over running totals
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.tenant_resource_usage (
    usage_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    scaling_tier text NOT NULL,
    usage_date date NOT NULL DEFAULT CURRENT_DATE,
    cpu_hours numeric NOT NULL DEFAULT 0 CONSTRAINT cpu_hours_not_negative CHECK (cpu_hours >= 0),
    gpu_hours numeric NOT NULL DEFAULT 0 CONSTRAINT gpu_hours_not_negative CHECK (gpu_hours >= 0),
    storage_gb_days numeric NOT NULL DEFAULT 0 CONSTRAINT storage_gb_days_not_negative CHECK (storage_gb_days >= 0),
    network_gb numeric NOT NULL DEFAULT 0 CONSTRAINT network_gb_not_negative CHECK (network_gb >= 0),
    cpu_utilization numeric CONSTRAINT cpu_utilization_fraction CHECK (cpu_utilization BETWEEN 0 AND 1),
    memory_utilization numeric CONSTRAINT memory_utilization_fraction CHECK (memory_utilization BETWEEN 0 AND 1),
    training_jobs bigint,
    inference_endpoints text
);
CREATE INDEX tenant_resource_usage_tenant_date_idx ON tenant_scaling.tenant_resource_usage (tenant_id, usage_date);
COMMENT ON TABLE tenant_scaling.tenant_resource_usage IS
'append-only ledger of resource usage: the seed''s cost view is built from running totals of it';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.cpu_utilization IS 'fraction of the allocated cpu used, 0..1';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.memory_utilization IS 'fraction of the allocated memory used, 0..1';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.training_jobs IS 'the training job the usage belongs to, if any';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.inference_endpoints IS 'the inference endpoint the usage belongs to, if any';

CREATE TABLE tenant_scaling.resource_prices (
    resource text PRIMARY KEY
        CONSTRAINT resource_known CHECK (resource IN ('cpu_hour', 'gpu_hour', 'storage_gb_day', 'network_gb')),
    unit_price numeric NOT NULL CONSTRAINT unit_price_not_negative CHECK (unit_price >= 0),
    currency text NOT NULL DEFAULT 'USD'
);
COMMENT ON TABLE tenant_scaling.resource_prices IS 'unit prices the cost view multiplies usage by; operators edit them';
INSERT INTO tenant_scaling.resource_prices (resource, unit_price) VALUES
    ('cpu_hour', 0.048), ('gpu_hour', 2.48), ('storage_gb_day', 0.0033), ('network_gb', 0.09);

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
COMMENT ON TABLE tenant_scaling.tenant_usage_totals IS
'running totals of tenant_resource_usage per tenant and tier, kept by triggers; the cost view reads these';

CREATE TABLE tenant_scaling.tenant_usage_distinct (
    tenant_id uuid NOT NULL,
    scaling_tier text NOT NULL,
    kind "char" NOT NULL CONSTRAINT kind_valid CHECK (kind IN ('j', 'e')),
    value text NOT NULL,
    PRIMARY KEY (tenant_id, scaling_tier, kind, value)
);
COMMENT ON TABLE tenant_scaling.tenant_usage_distinct IS
'the distinct training jobs (j) and inference endpoints (e) of each tenant and tier''s usage';

CREATE FUNCTION tenant_scaling.maintain_usage_totals()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_maintain_usage_totals'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.maintain_usage_totals() IS
'AFTER INSERT and TRUNCATE statement trigger of tenant_resource_usage: keeps the running totals';
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
LEFT JOIN LATERAL (SELECT * FROM tenant_scaling.tiers x
              WHERE CASE c.provisioning_status
                        WHEN 'over_provisioned' THEN x.tier_rank < cur.tier_rank
                        ELSE x.tier_rank > cur.tier_rank END
              ORDER BY CASE WHEN c.provisioning_status = 'over_provisioned' THEN -x.tier_rank ELSE x.tier_rank END
              LIMIT 1) n ON true
WHERE c.provisioning_status IN ('over_provisioned', 'under_provisioned');
COMMENT ON VIEW tenant_scaling.cost_right_sizing IS
'over- and under-provisioned tenants: the next lower or higher tier and the monthly saving (negative) or extra cost';

SELECT pg_temp.isolate_tenant_rows(ARRAY['tenant_resource_usage', 'tenant_usage_totals', 'tenant_usage_distinct']);
DROP FUNCTION pg_temp.isolate_tenant_rows(text[]);
GRANT ALL ON tenant_scaling.tenant_resource_usage, tenant_scaling.resource_prices, tenant_scaling.tenant_usage_totals,
    tenant_scaling.tenant_usage_distinct TO tenant_scaling_admin;
GRANT SELECT ON tenant_scaling.tenant_cost_optimization, tenant_scaling.cost_right_sizing TO tenant_scaling_admin;
GRANT SELECT ON tenant_scaling.resource_prices, tenant_scaling.tenant_resource_usage, tenant_scaling.tenant_usage_totals,
    tenant_scaling.tenant_usage_distinct
    TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_resource_usage', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_resource_usage_usage_id_seq', '');
CREATE TRIGGER resource_prices_merge_seed_row BEFORE INSERT ON tenant_scaling.resource_prices
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.resource_prices', '');
