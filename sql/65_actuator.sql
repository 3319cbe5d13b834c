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
    -- ack_event checks the event; retention drops an event's ack with it
    event_id bigint PRIMARY KEY,
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
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.event_id IS 'the scaling_events row acknowledged';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.tenant_id IS 'the event''s tenant';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.status IS 'applied, failed or superseded';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.message IS 'what the actuator said of it, at most 1000 characters; NULL for nothing';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.acked_at IS 'when it was acknowledged (a later ack replaces it)';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.acked_by IS 'the login (session user) that acknowledged it';
COMMENT ON INDEX tenant_scaling.scaling_event_acks_pkey IS 'one acknowledgement per event: a later one replaces it';

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
