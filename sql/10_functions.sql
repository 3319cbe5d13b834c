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
    ELSIF TG_TABLE_NAME = 'capacity_pools' THEN
        IF NEW.pool IN ('reserved', 'spot', 'on_demand') THEN
            UPDATE tenant_scaling.capacity_pools
               SET resource = NEW.resource, capacity_type = NEW.capacity_type, capacity = NEW.capacity,
                   price_per_unit_hour = NEW.price_per_unit_hour, description = NEW.description
             WHERE pool = NEW.pool;
            merged := FOUND;
        END IF;
    ELSIF TG_TABLE_NAME = 'capacity_quotas' THEN
        IF NEW.tier IN ('basic', 'standard', 'premium', 'enterprise') THEN
            UPDATE tenant_scaling.capacity_quotas
               SET guaranteed_gpus = NEW.guaranteed_gpus, borrowing_limit_gpus = NEW.borrowing_limit_gpus,
                   fair_share_weight = NEW.fair_share_weight, spot_allowed = NEW.spot_allowed
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
'BEFORE INSERT trigger of tiers, workload_profiles, resource_prices, capacity_pools and capacity_quotas: an insert of a seed row''s key replaces that row (pg_restore)';
REVOKE EXECUTE ON FUNCTION tenant_scaling.merge_seed_row() FROM PUBLIC;
