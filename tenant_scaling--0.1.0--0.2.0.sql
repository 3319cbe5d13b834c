/* tenant_scaling--0.1.0--0.2.0.sql: the hardening release (issue 16 of the attack pass) */

\echo Use "ALTER EXTENSION tenant_scaling UPDATE TO '0.2.0'" to load this file. \quit

--------------------------------------------------------------------------
-- Trigger functions: nobody attaches them to a table of their own. The two
-- SECURITY DEFINER ones ran as the superuser owner on whatever table they
-- were attached to; the C functions now also refuse any relation but the
-- extension's own (see src/triggers.c).
--------------------------------------------------------------------------

REVOKE EXECUTE ON FUNCTION tenant_scaling.maintain_derived_state() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tenant_scaling.maintain_usage_totals() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tenant_scaling.touch_updated_at() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tenant_scaling.check_tenant_scaling_config() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tenant_scaling.reject_update() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tenant_scaling.reject_usage_change() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tenant_scaling.merge_seed_row() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION tenant_scaling.check_tenant_shard() FROM PUBLIC;

--------------------------------------------------------------------------
-- Operators: exactly what they need (README, Security, the matrix). No
-- TRIGGER (a trigger on a table the extension writes as its owner runs as
-- that superuser), no REFERENCES (a foreign key onto an extension table can
-- block its deletes), no TRUNCATE (it bypasses the append-only ledger and
-- the audit log). Derived state and history are read-only: triggers and the
-- scaling cycle, running as the extension's owner, write them.
--------------------------------------------------------------------------

REVOKE ALL ON ALL TABLES IN SCHEMA tenant_scaling FROM tenant_scaling_admin;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA tenant_scaling FROM tenant_scaling_admin;
-- configuration and the state operators may set by hand
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.tiers, tenant_scaling.workload_profiles,
    tenant_scaling.resource_prices, tenant_scaling.shard_identity, tenant_scaling.tenant_roles,
    tenant_scaling.tenant_scaling_config, tenant_scaling.tenant_training_config,
    tenant_scaling.tenant_training_workers, tenant_scaling.tenant_training_state,
    tenant_scaling.inference_endpoints, tenant_scaling.training_jobs
    TO tenant_scaling_admin;
-- measurements
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.training_queue_stats, tenant_scaling.endpoint_metrics
    TO tenant_scaling_admin;
-- the usage ledger is append-only
GRANT SELECT, INSERT ON tenant_scaling.tenant_resource_usage TO tenant_scaling_admin;
-- derived state, history and the cost views: read only
GRANT SELECT ON tenant_scaling.tenant_training_inputs, tenant_scaling.endpoint_metrics_latest,
    tenant_scaling.tenant_job_counts, tenant_scaling.tenant_usage_totals, tenant_scaling.tenant_usage_distinct,
    tenant_scaling.scaling_events, tenant_scaling.worker_runs,
    tenant_scaling.tenant_cost_optimization, tenant_scaling.cost_right_sizing
    TO tenant_scaling_admin;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA tenant_scaling TO tenant_scaling_admin;

-- A trigger someone else added to an extension table (0.1.0 let operators do
-- it) runs as the owner whenever the extension writes that table: name them.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT c.relname, g.tgname, p.oid::regprocedure AS func
               FROM pg_catalog.pg_trigger g
               JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
               JOIN pg_catalog.pg_proc p ON p.oid = g.tgfoid
              WHERE c.relnamespace = 'tenant_scaling'::regnamespace AND NOT g.tgisinternal
                AND p.pronamespace <> 'tenant_scaling'::regnamespace
    LOOP
        RAISE WARNING 'trigger % on tenant_scaling.% runs %, which is not the extension''s', t.tgname, t.relname, t.func
            USING HINT = 'Unless you added it on purpose, drop it: the extension writes this table as its owner.';
    END LOOP;
END
$$;

--------------------------------------------------------------------------
-- Measurements must be numbers and times that can be true: no NaN or
-- infinity (NaN passes ">= 0" in numeric), no sample stamped further ahead
-- than tenant_scaling.max_clock_skew (one stamped 'infinity' stayed the
-- newest forever). Existing non-finite values become unknown (NULL);
-- samples from the future are removed, with a notice.
--------------------------------------------------------------------------

CREATE FUNCTION tenant_scaling.sample_time_valid(ts timestamptz)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ts_sample_time_valid'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tenant_scaling.sample_time_valid(timestamptz) IS
'true for a finite sample time at most tenant_scaling.max_clock_skew ahead of the clock; otherwise raises 22008';

UPDATE tenant_scaling.endpoint_metrics
   SET cpu_avg = CASE WHEN cpu_avg < 'Infinity' THEN cpu_avg END,
       memory_avg = CASE WHEN memory_avg < 'Infinity' THEN memory_avg END,
       latency_p95_ms = CASE WHEN latency_p95_ms < 'Infinity' THEN latency_p95_ms END,
       requests_per_second = CASE WHEN requests_per_second < 'Infinity' THEN requests_per_second END
 WHERE cpu_avg >= 'Infinity' OR memory_avg >= 'Infinity' OR latency_p95_ms >= 'Infinity'
    OR requests_per_second >= 'Infinity';
UPDATE tenant_scaling.training_queue_stats
   SET avg_wait_time_seconds = CASE WHEN avg_wait_time_seconds < 'Infinity' THEN avg_wait_time_seconds END,
       processing_rate_per_minute = CASE WHEN processing_rate_per_minute < 'Infinity'
                                         THEN processing_rate_per_minute END
 WHERE avg_wait_time_seconds >= 'Infinity' OR processing_rate_per_minute >= 'Infinity';
UPDATE tenant_scaling.inference_endpoints SET target_rps = NULL WHERE target_rps >= 'Infinity';

DO $$
DECLARE
    n bigint;
    m bigint;
    limit_ts timestamptz;
BEGIN
    -- the library is loaded (CREATE FUNCTION above), so its setting is defined
    limit_ts := pg_catalog.clock_timestamp()
        + coalesce(pg_catalog.current_setting('tenant_scaling.max_clock_skew', true), '5min')::interval;
    DELETE FROM tenant_scaling.endpoint_metrics WHERE ts > limit_ts OR ts = '-infinity';
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM tenant_scaling.training_queue_stats WHERE timestamp > limit_ts OR timestamp = '-infinity';
    GET DIAGNOSTICS m = ROW_COUNT;
    IF n + m > 0 THEN
        RAISE WARNING 'removed % endpoint_metrics and % training_queue_stats rows stamped in the future or at infinity', n, m
            USING DETAIL = 'Such a sample stays the newest forever and hides every real one.';
    END IF;
END
$$;

ALTER TABLE tenant_scaling.endpoint_metrics
    DROP CONSTRAINT cpu_avg_not_negative,
    DROP CONSTRAINT memory_avg_not_negative,
    DROP CONSTRAINT latency_p95_ms_not_negative,
    DROP CONSTRAINT requests_per_second_not_negative,
    ADD CONSTRAINT cpu_avg_finite_not_negative CHECK (cpu_avg >= 0 AND cpu_avg < 'Infinity'),
    ADD CONSTRAINT memory_avg_finite_not_negative CHECK (memory_avg >= 0 AND memory_avg < 'Infinity'),
    ADD CONSTRAINT latency_p95_ms_finite_not_negative CHECK (latency_p95_ms >= 0 AND latency_p95_ms < 'Infinity'),
    ADD CONSTRAINT requests_per_second_finite_not_negative
        CHECK (requests_per_second >= 0 AND requests_per_second < 'Infinity'),
    ADD CONSTRAINT ts_valid CHECK (tenant_scaling.sample_time_valid(ts));
ALTER TABLE tenant_scaling.training_queue_stats
    DROP CONSTRAINT avg_wait_time_not_negative,
    DROP CONSTRAINT processing_rate_not_negative,
    ADD CONSTRAINT avg_wait_time_finite_not_negative
        CHECK (avg_wait_time_seconds >= 0 AND avg_wait_time_seconds < 'Infinity'),
    ADD CONSTRAINT processing_rate_finite_not_negative
        CHECK (processing_rate_per_minute >= 0 AND processing_rate_per_minute < 'Infinity'),
    ADD CONSTRAINT timestamp_valid CHECK (tenant_scaling.sample_time_valid(timestamp));
ALTER TABLE tenant_scaling.inference_endpoints
    DROP CONSTRAINT target_rps_not_negative,
    ADD CONSTRAINT target_rps_finite_not_negative CHECK (target_rps >= 0 AND target_rps < 'Infinity');
ALTER TABLE tenant_scaling.tenant_resource_usage
    DROP CONSTRAINT cpu_hours_not_negative,
    DROP CONSTRAINT gpu_hours_not_negative,
    DROP CONSTRAINT storage_gb_days_not_negative,
    DROP CONSTRAINT network_gb_not_negative,
    ADD CONSTRAINT cpu_hours_finite_not_negative CHECK (cpu_hours >= 0 AND cpu_hours < 'Infinity'),
    ADD CONSTRAINT gpu_hours_finite_not_negative CHECK (gpu_hours >= 0 AND gpu_hours < 'Infinity'),
    ADD CONSTRAINT storage_gb_days_finite_not_negative CHECK (storage_gb_days >= 0 AND storage_gb_days < 'Infinity'),
    ADD CONSTRAINT network_gb_finite_not_negative CHECK (network_gb >= 0 AND network_gb < 'Infinity');
ALTER TABLE tenant_scaling.tiers
    DROP CONSTRAINT tiers_resource_multiplier_positive,
    ADD CONSTRAINT tiers_resource_multiplier_finite_positive
        CHECK (resource_multiplier > 0 AND resource_multiplier < 'Infinity');
ALTER TABLE tenant_scaling.resource_prices
    DROP CONSTRAINT unit_price_not_negative,
    ADD CONSTRAINT unit_price_finite_not_negative CHECK (unit_price >= 0 AND unit_price < 'Infinity');
ALTER TABLE tenant_scaling.training_jobs
    DROP CONSTRAINT model_size_gb_not_negative,
    DROP CONSTRAINT expected_duration_hours_positive,
    ADD CONSTRAINT model_size_gb_finite_not_negative CHECK (model_size_gb >= 0 AND model_size_gb < 'Infinity'),
    ADD CONSTRAINT expected_duration_hours_finite_positive
        CHECK (expected_duration_hours > 0 AND expected_duration_hours < 'Infinity');

--------------------------------------------------------------------------
-- Names have a length: 253 characters for an endpoint (a Kubernetes object
-- name), 63 for a tier or a workload type. A 9,000-character endpoint id
-- made every decision of its tenant fail.
--------------------------------------------------------------------------

ALTER TABLE tenant_scaling.inference_endpoints
    ADD CONSTRAINT endpoint_id_length CHECK (pg_catalog.length(endpoint_id) BETWEEN 1 AND 253);
ALTER TABLE tenant_scaling.tiers
    ADD CONSTRAINT tier_length CHECK (pg_catalog.length(tier) BETWEEN 1 AND 63);
ALTER TABLE tenant_scaling.workload_profiles
    ADD CONSTRAINT workload_type_length CHECK (pg_catalog.length(workload_type) BETWEEN 1 AND 63);
ALTER TABLE tenant_scaling.tenant_resource_usage
    ADD CONSTRAINT inference_endpoints_length CHECK (pg_catalog.length(inference_endpoints) <= 253);

COMMENT ON COLUMN tenant_scaling.inference_endpoints.endpoint_id IS 'the endpoint''s name, 1 to 253 characters';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.ts IS
'when the sample was taken; at most tenant_scaling.max_clock_skew ahead of the server''s clock';
COMMENT ON COLUMN tenant_scaling.training_queue_stats.timestamp IS
'when the sample was taken; at most tenant_scaling.max_clock_skew ahead of the server''s clock';

--------------------------------------------------------------------------
-- The scaling cycle never waits on a tenant: what is locked is skipped and
-- counted under not_scaled as "locked", and retried next cycle.
--------------------------------------------------------------------------

COMMENT ON COLUMN tenant_scaling.worker_runs.not_scaled IS
'decisions that changed nothing, counted by reason (cooldowns, bounds, no recent metrics, within target, '
'locked: a row another transaction held); queue_sample_locked counts queue samples skipped for the same reason';

--------------------------------------------------------------------------
-- Clear errors: a NULL argument is 22004, not a missing job "of tenant ".
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION tenant_scaling.finish_training_job(tenant_id uuid, job_id bigint, succeeded boolean)
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

-- The queue sampling locks each tenant's derived inputs row with SKIP LOCKED;
-- from now on the jobs trigger creates the row with a tenant's first job.
INSERT INTO tenant_scaling.tenant_training_inputs (tenant_id)
SELECT DISTINCT tenant_id FROM tenant_scaling.training_jobs ORDER BY 1
ON CONFLICT (tenant_id) DO NOTHING;

--------------------------------------------------------------------------
-- A bound on each tenant's queue: max_queued_jobs per tier, overridable per
-- tenant (one tenant queued 300,000 jobs). Enforced where the queue is
-- counted (src/job_counts.c), exact under concurrency.
--------------------------------------------------------------------------

ALTER TABLE tenant_scaling.tiers
    ADD COLUMN max_queued_jobs int NOT NULL DEFAULT 1000
        CONSTRAINT tiers_max_queued_jobs_not_negative CHECK (max_queued_jobs >= 0);
UPDATE tenant_scaling.tiers
   SET max_queued_jobs = CASE tier WHEN 'basic' THEN 100 WHEN 'standard' THEN 1000
                                   WHEN 'premium' THEN 10000 ELSE 100000 END
 WHERE tier IN ('basic', 'standard', 'premium', 'enterprise');
COMMENT ON COLUMN tenant_scaling.tiers.max_queued_jobs IS
'training jobs a tenant of this tier may have queued at once, without its own max_queued_jobs';
ALTER TABLE tenant_scaling.tenant_scaling_config
    ADD COLUMN max_queued_jobs int CONSTRAINT max_queued_jobs_not_negative CHECK (max_queued_jobs >= 0);
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.max_queued_jobs IS
'training jobs the tenant may have queued at once; NULL takes the tier''s';

-- a restored edited seed tier keeps its queue limit too
CREATE OR REPLACE FUNCTION tenant_scaling.merge_seed_row()
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

-- The right-sizing view names the tier columns it reads (it read x.*, which
-- froze the columns tiers had when the view was made)
CREATE OR REPLACE VIEW tenant_scaling.cost_right_sizing AS
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

--------------------------------------------------------------------------
-- Names: the scheduler's run history is scheduler_runs ("worker" is a
-- training worker); worker_runs stays as a view for whatever reads it.
--------------------------------------------------------------------------

ALTER TABLE tenant_scaling.worker_runs RENAME TO scheduler_runs;
ALTER SEQUENCE tenant_scaling.worker_runs_run_id_seq RENAME TO scheduler_runs_run_id_seq;
ALTER INDEX tenant_scaling.worker_runs_pkey RENAME TO scheduler_runs_pkey;
ALTER INDEX tenant_scaling.worker_runs_started_idx RENAME TO scheduler_runs_started_idx;
COMMENT ON COLUMN tenant_scaling.scaling_events.run_id IS 'the scheduler_runs row of the cycle that applied it';
COMMENT ON FUNCTION tenant_scaling.run_scaling_cycle() IS
'one scheduler cycle now: every auto-scaling tenant''s training and inference decisions applied, recorded in scheduler_runs';
CREATE VIEW tenant_scaling.worker_runs AS SELECT * FROM tenant_scaling.scheduler_runs;
GRANT SELECT ON tenant_scaling.worker_runs TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.worker_runs IS 'scheduler_runs under its name before 0.2.0 (deprecated: read scheduler_runs)';

-- The events of a cycle run from SQL say so, as its run does (they said worker)
ALTER TABLE tenant_scaling.scaling_events
    DROP CONSTRAINT origin_valid,
    ADD CONSTRAINT origin_valid CHECK (origin IN ('worker', 'sql', 'manual'));
COMMENT ON COLUMN tenant_scaling.scaling_events.origin IS
'worker (the scheduler), sql (run_scaling_cycle called directly, as its run) or manual (scale_inference_endpoint)';

--------------------------------------------------------------------------
-- The actuator's interface, new in 0.2.0 (README, Operating it): the role an actuator's
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
ALTER TABLE tenant_scaling.scaling_event_acks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenant_scaling.scaling_event_acks TO PUBLIC
    USING (tenant_id = (SELECT tenant_scaling.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT tenant_scaling.current_tenant_id()));
CREATE POLICY operator_rows ON tenant_scaling.scaling_event_acks TO tenant_scaling_admin USING (true) WITH CHECK (true);
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
-- Overrides: a desired count changed by hand is audited like a decision
--------------------------------------------------------------------------

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

CREATE TRIGGER inference_endpoints_audit_desired
    AFTER UPDATE ON tenant_scaling.inference_endpoints REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.audit_desired_change();
CREATE TRIGGER tenant_training_state_audit_desired_update
    AFTER UPDATE ON tenant_scaling.tenant_training_state REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.audit_desired_change();

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
ALTER TABLE tenant_scaling.scaling_pauses ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenant_scaling.scaling_pauses TO PUBLIC
    USING (tenant_id = (SELECT tenant_scaling.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT tenant_scaling.current_tenant_id()));
CREATE POLICY operator_rows ON tenant_scaling.scaling_pauses TO tenant_scaling_admin USING (true) WITH CHECK (true);
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

-- One cycle at a time: a cycle locks this row for its transaction (FOR
-- UPDATE SKIP LOCKED). Only the owner may lock it: an advisory lock, which any
-- role may take on any key, let one session stop every cycle.
CREATE TABLE tenant_scaling.cycle_lock (
    singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT cycle_lock_one_row CHECK (singleton)
);
INSERT INTO tenant_scaling.cycle_lock VALUES (true);
COMMENT ON TABLE tenant_scaling.cycle_lock IS
'one row, locked by the scaling cycle that runs (only the extension''s owner may lock it)';
