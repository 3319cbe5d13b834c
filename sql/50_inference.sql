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
    CONSTRAINT endpoint_id_length CHECK (pg_catalog.length(endpoint_id) BETWEEN 1 AND 253),
    -- last, where ALTER TABLE ... ADD COLUMN put them in the update from 0.2.0
    replica_capacity_rps numeric CONSTRAINT replica_capacity_rps_finite_positive
        CHECK (replica_capacity_rps > 0 AND replica_capacity_rps < 'Infinity'),
    warm_pool_size int NOT NULL DEFAULT 0 CONSTRAINT warm_pool_size_not_negative CHECK (warm_pool_size >= 0)
);
-- a decision, an actuator's report: rows rewritten often, kept HOT
ALTER TABLE tenant_scaling.inference_endpoints SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.05);
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
COMMENT ON COLUMN tenant_scaling.inference_endpoints.tenant_id IS 'the endpoint''s tenant';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.current_replicas IS 'replicas running, as the actuator reports them';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.desired_replicas IS
'replicas the last applied decision asked for; the next decision starts from it';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.min_replicas IS
'fewest replicas a decision may ask for; 0 lets target tracking scale the endpoint to zero';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.max_replicas IS
'most replicas a decision may ask for, and the most report_replicas accepts as running';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.target_rps IS 'requests per second one endpoint is sized for';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.replica_capacity_rps IS
'requests per second one replica serves at 100 % cpu, for target tracking; NULL: estimated from the endpoint''s samples';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.warm_pool_size IS
'replicas the actuator keeps initialised but not serving, besides desired_replicas: a scale-out takes them first (a warm start), and the pool refills behind them';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.last_scale_out_at IS 'when a decision last scaled it out (scale-out cooldown)';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.last_scaled_at IS 'when a decision last changed it (scale-in cooldown)';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.created_at IS 'when the endpoint was added';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.updated_at IS 'kept by a trigger';
COMMENT ON INDEX tenant_scaling.inference_endpoints_pkey IS 'endpoint ids are unique across tenants';
COMMENT ON INDEX tenant_scaling.inference_endpoints_tenant_endpoint_key IS
'a tenant''s endpoints: the key endpoint_metrics, endpoint_metrics_latest and endpoint_scaling_state refer to';

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
    tenant_id uuid NOT NULL
) PARTITION BY RANGE (ts);
SELECT pg_temp.default_partition('endpoint_metrics', ARRAY[
    'endpoint_time_idx', '(endpoint_id, ts DESC)', 'an endpoint''s samples, newest first']);
-- No foreign key and no shard trigger of its own, for ingest speed (README,
-- Metrics ingest): every statement's rows reach endpoint_metrics_latest,
-- whose foreign key checks each endpoint once per statement (an insert) or
-- whose row it locks (an update), and whose endpoint was checked for its
-- shard; an endpoint's history goes with it by the triggers below.
SELECT pg_temp.create_derived_triggers('endpoint_metrics', 'metrics', 'latest');
SELECT pg_temp.isolate_tenant_rows('endpoint_metrics');
-- a tenant may write its own measurements
GRANT SELECT, INSERT ON tenant_scaling.endpoint_metrics TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.endpoint_metrics TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.endpoint_metrics', '');
COMMENT ON TABLE tenant_scaling.endpoint_metrics IS
'time series of endpoint metrics; the newest sample within tenant_scaling.metrics_max_age drives inference scaling (a partition a day)';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.endpoint_id IS 'the endpoint sampled';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.ts IS
'when the sample was taken; at most tenant_scaling.max_clock_skew ahead of the server''s clock';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.cpu_avg IS 'percent, 0-100';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.memory_avg IS 'percent, 0-100';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.latency_p95_ms IS '95th percentile latency, milliseconds';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.requests_per_second IS 'requests per second to the whole endpoint';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.tenant_id IS
'the endpoint''s tenant; must match inference_endpoints (checked through endpoint_metrics_latest)';

-- An endpoint's history goes with it, as a foreign key's cascade would: one
-- statement per deleting statement, a renamed key carried over, a truncate
-- followed. Under the caller's rights: whoever may delete or rename endpoints
-- (operators, the owner) may do the same to their metrics.
CREATE FUNCTION tenant_scaling.cascade_endpoint_history()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_RELID <> 'tenant_scaling.inference_endpoints'::pg_catalog.regclass OR TG_WHEN <> 'AFTER' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'cascade_endpoint_history runs only as an AFTER trigger of tenant_scaling.inference_endpoints';
    END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM tenant_scaling.endpoint_metrics m USING old_rows o
         WHERE m.endpoint_id = o.endpoint_id AND m.tenant_id = o.tenant_id;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE tenant_scaling.endpoint_metrics m SET tenant_id = NEW.tenant_id, endpoint_id = NEW.endpoint_id
         WHERE m.endpoint_id = OLD.endpoint_id AND m.tenant_id = OLD.tenant_id;
    ELSIF TG_OP = 'TRUNCATE' THEN
        TRUNCATE tenant_scaling.endpoint_metrics;
    END IF;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.cascade_endpoint_history() FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.cascade_endpoint_history() IS
'AFTER DELETE, UPDATE OF the key and TRUNCATE trigger of inference_endpoints: the endpoint''s endpoint_metrics follow it';
CREATE TRIGGER inference_endpoints_delete_history
    AFTER DELETE ON tenant_scaling.inference_endpoints REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.cascade_endpoint_history();
CREATE TRIGGER inference_endpoints_rename_history
    AFTER UPDATE OF tenant_id, endpoint_id ON tenant_scaling.inference_endpoints FOR EACH ROW
    WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.endpoint_id IS DISTINCT FROM NEW.endpoint_id)
    EXECUTE FUNCTION tenant_scaling.cascade_endpoint_history();
CREATE TRIGGER inference_endpoints_truncate_history
    AFTER TRUNCATE ON tenant_scaling.inference_endpoints
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.cascade_endpoint_history();

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
    -- named for what a writer of endpoint_metrics sees fail
    CONSTRAINT sample_of_known_endpoint FOREIGN KEY (tenant_id, endpoint_id)
        REFERENCES tenant_scaling.inference_endpoints (tenant_id, endpoint_id) ON DELETE CASCADE ON UPDATE CASCADE
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.05);  -- rewritten by every sample: kept HOT
SELECT pg_temp.isolate_tenant_rows('endpoint_metrics_latest');
GRANT SELECT ON tenant_scaling.endpoint_metrics_latest TO PUBLIC;
GRANT SELECT ON tenant_scaling.endpoint_metrics_latest TO tenant_scaling_admin;
-- dumped: a restore copies the history into its partitions, where no trigger rebuilds it
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.endpoint_metrics_latest', '');
COMMENT ON TABLE tenant_scaling.endpoint_metrics_latest IS
'the newest endpoint_metrics row of each endpoint, kept by triggers on endpoint_metrics';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.endpoint_id IS 'the endpoint';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.tenant_id IS 'the endpoint''s tenant';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.ts IS 'when the newest sample was taken';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.cpu_avg IS 'cpu_avg of the newest sample, percent, 0-100';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.memory_avg IS 'memory_avg of the newest sample, percent, 0-100';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.latency_p95_ms IS 'latency_p95_ms of the newest sample, milliseconds';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.requests_per_second IS
'requests_per_second of the newest sample, requests per second';
COMMENT ON INDEX tenant_scaling.endpoint_metrics_latest_pkey IS 'one row per endpoint, in the order a cycle reads endpoints';

-- Derived, per endpoint: what target tracking keeps between decisions,
-- written by the cycle and scale_inference_endpoint while they hold the
-- endpoint's row. Not dumped: a restored endpoint learns its capacity again
-- in a few samples, and its window starts anew.
CREATE TABLE tenant_scaling.endpoint_scaling_state (
    tenant_id uuid NOT NULL,
    endpoint_id text NOT NULL,
    capacity_rps float8,
    capacity_samples int NOT NULL DEFAULT 0,
    capacity_sampled_at timestamptz,
    recommendations jsonb,
    forecast_made_at timestamptz,
    forecast_from timestamptz,
    forecast_rps float8[],
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, endpoint_id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES tenant_scaling.inference_endpoints (tenant_id, endpoint_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
-- rewritten by decisions that move a window or estimate
ALTER TABLE tenant_scaling.endpoint_scaling_state SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.05);
SELECT pg_temp.isolate_tenant_rows('endpoint_scaling_state');
GRANT SELECT ON tenant_scaling.endpoint_scaling_state TO PUBLIC;
GRANT SELECT ON tenant_scaling.endpoint_scaling_state TO tenant_scaling_admin;
COMMENT ON TABLE tenant_scaling.endpoint_scaling_state IS
'what target tracking keeps of each endpoint between decisions: its capacity estimate, stabilization window and forecast';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.tenant_id IS 'the endpoint''s tenant';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.endpoint_id IS 'the endpoint';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.capacity_rps IS
'estimated requests per second of one replica at 100 % cpu, from samples with cpu between 10 % and 85 %';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.capacity_samples IS 'samples the estimate was learnt from';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.capacity_sampled_at IS 'the time of the last sample learnt: each is learnt once';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.recommendations IS
'the stabilization window: since when the recommendations have been below (down) or above (up) the desired count, and those that can still decide';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.forecast_made_at IS
'when the request-rate forecast was last made from the history (prediction on; remade hourly)';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.forecast_from IS 'the start of the first five-minute bin of forecast_rps';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.forecast_rps IS
'requests per second forecast for each five-minute bin from forecast_from on; empty with less than a day of history';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.updated_at IS 'when a decision last wrote the row';
COMMENT ON INDEX tenant_scaling.endpoint_scaling_state_pkey IS 'one row per endpoint';
