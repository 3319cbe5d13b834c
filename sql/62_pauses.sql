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
COMMENT ON COLUMN tenant_scaling.scaling_pauses.pause_id IS 'the pause''s id';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.tenant_id IS 'the tenant paused, or whose endpoint is paused';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.endpoint_id IS 'the endpoint paused; NULL pauses every resource of the tenant';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.until IS 'when the pause ends by itself; NULL lasts until resume_scaling';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.reason IS 'why, as given to pause_scaling; 1 to 1000 characters';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.paused_by IS 'the role (current_user) that paused it';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.paused_at IS 'when it was paused, or last paused again';
COMMENT ON INDEX tenant_scaling.scaling_pauses_pkey IS 'pauses by id';
COMMENT ON INDEX tenant_scaling.scaling_pauses_one_per_resource IS
'one pause per tenant (endpoint_id NULL, nulls not distinct) and per endpoint';
COMMENT ON SEQUENCE tenant_scaling.scaling_pauses_pause_id_seq IS 'pause ids of scaling_pauses (identity)';

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
