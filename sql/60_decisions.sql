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
    event_id bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL DEFAULT now(),
    tenant_id uuid NOT NULL,
    resource_kind text NOT NULL CONSTRAINT resource_kind_valid CHECK (resource_kind IN ('training', 'inference', 'job')),
    resource_id text NOT NULL,
    action text NOT NULL CONSTRAINT action_valid CHECK (action IN ('scale_out', 'scale_in', 'admit', 'preempt')),
    previous_count int NOT NULL,
    new_count int NOT NULL,
    reason text NOT NULL,
    inputs jsonb NOT NULL,
    origin text NOT NULL CONSTRAINT origin_valid CHECK (origin IN ('worker', 'sql', 'manual')),
    run_id bigint
) PARTITION BY RANGE (created_at);
CREATE TRIGGER scaling_events_append_only
    BEFORE UPDATE ON tenant_scaling.scaling_events
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.reject_update();
SELECT pg_temp.default_partition('scaling_events', ARRAY[
    'pkey', 'PRIMARY KEY (event_id, created_at)', 'events by id: an actuator reads those after the last it saw',
    'tenant_time_idx', '(tenant_id, created_at DESC)', 'a tenant''s events, newest first']);
SELECT pg_temp.isolate_tenant_rows('scaling_events');
GRANT SELECT ON tenant_scaling.scaling_events TO PUBLIC;
GRANT SELECT ON tenant_scaling.scaling_events TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.scaling_events_event_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_events', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_events_event_id_seq', '');
COMMENT ON TABLE tenant_scaling.scaling_events IS
'append-only audit of every applied scaling decision, with the reason and the inputs it used (a partition a day)';
COMMENT ON COLUMN tenant_scaling.scaling_events.event_id IS 'the event''s id, the whole payload of its NOTIFY tenant_scaling';
COMMENT ON COLUMN tenant_scaling.scaling_events.created_at IS 'when the decision or the change by hand was applied';
COMMENT ON COLUMN tenant_scaling.scaling_events.tenant_id IS 'the tenant of the resource scaled';
COMMENT ON COLUMN tenant_scaling.scaling_events.resource_kind IS
'training (a tenant''s training workers), inference (an endpoint''s replicas) or job (a training job admitted or preempted)';
COMMENT ON COLUMN tenant_scaling.scaling_events.resource_id IS
'the endpoint_id, the tenant id for training workers, or the job id for a job';
COMMENT ON COLUMN tenant_scaling.scaling_events.action IS
'scale_out or scale_in; for a job, admit (started on the pool in inputs) or preempt (requeued, its GPUs freed)';
COMMENT ON COLUMN tenant_scaling.scaling_events.previous_count IS
'the desired workers or replicas before the change; for a job, the GPUs it held (preempt) or 0 (admit)';
COMMENT ON COLUMN tenant_scaling.scaling_events.new_count IS
'the desired workers or replicas the change set; for a job, the GPUs it holds (admit) or 0 (preempt)';
COMMENT ON COLUMN tenant_scaling.scaling_events.reason IS
'why: the decision''s reason (cpu_above_target, ...), or for a change by hand tenant_scaling.override_reason (else manual_override)';
COMMENT ON COLUMN tenant_scaling.scaling_events.inputs IS 'the values the decision read (metrics, queue sample, counts, bounds)';
COMMENT ON COLUMN tenant_scaling.scaling_events.origin IS
'worker (the scheduler), sql (run_scaling_cycle called directly, as its run) or manual (scale_inference_endpoint)';
COMMENT ON COLUMN tenant_scaling.scaling_events.run_id IS 'the scheduler_runs row of the cycle that applied it';
COMMENT ON SEQUENCE tenant_scaling.scaling_events_event_id_seq IS 'event ids of scaling_events (identity)';

-- scheduler_runs spans tenants: operators only (no grant to PUBLIC)
CREATE TABLE tenant_scaling.scheduler_runs (
    run_id bigint GENERATED ALWAYS AS IDENTITY,
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
) PARTITION BY RANGE (started_at);
SELECT pg_temp.default_partition('scheduler_runs', ARRAY[
    'pkey', 'PRIMARY KEY (run_id, started_at)', 'runs by id',
    'started_idx', '(started_at)', 'runs by start time: the newest, and those that refreshed the cost view']);
GRANT SELECT ON tenant_scaling.scheduler_runs TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.scheduler_runs_run_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scheduler_runs', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scheduler_runs_run_id_seq', '');
COMMENT ON TABLE tenant_scaling.scheduler_runs IS 'one row per scheduler cycle, as pg_cron''s job_run_details (a partition a day)';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.run_id IS 'the run''s id; scaling_events.run_id refers to it';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.started_at IS 'when the cycle started (clock time)';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.finished_at IS 'when it ended; NULL while running';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.status IS
'running, succeeded, failed (an error, or the scheduler stopped mid-run) or skipped (another cycle was running)';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.origin IS 'worker (the background worker) or sql (run_scaling_cycle called directly)';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.tenants_evaluated IS 'auto-scaling tenants the cycle decided for';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.training_decisions IS 'training worker decisions applied';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.inference_decisions IS 'inference replica decisions applied';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.errors IS
'tenants whose rules could not be read and decisions that failed to apply, each named in failed_tenants';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.not_scaled IS
'decisions that changed nothing, counted by reason (cooldowns, bounds, no recent metrics, within target, '
'locked: a row another transaction held); queue_sample_locked counts queue samples skipped for the same reason';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.failed_tenants IS
'tenants skipped because applying their decisions raised an error: [{"tenant_id": ..., "error": ...}]';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.pruned_rows IS
'history rows older than the retention that went (a dropped partition counts its row estimate)';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.cost_view_refreshed IS 'whether the cycle refreshed tenant_cost_optimization';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.message IS 'why the run was skipped or failed; NULL for one that succeeded';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.duration IS 'finished_at - started_at (generated); NULL while running';
COMMENT ON SEQUENCE tenant_scaling.scheduler_runs_run_id_seq IS 'run ids of scheduler_runs (identity)';

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
COMMENT ON COLUMN tenant_scaling.cycle_lock.singleton IS 'always true: the table holds one row';
COMMENT ON INDEX tenant_scaling.cycle_lock_pkey IS 'the key of the one row';

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
