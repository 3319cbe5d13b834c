/* tenant_scaling--0.2.0--0.3.0.sql: target tracking for inference (issue 10) */

\echo Use "ALTER EXTENSION tenant_scaling UPDATE TO '0.3.0'" to load this file. \quit

--------------------------------------------------------------------------
-- Time-partitioned history (issue 13; README, History and retention):
-- endpoint_metrics, training_queue_stats, scaling_events, scheduler_runs and
-- tenant_resource_usage are made anew, partitioned by time, with a default
-- partition. Each is set aside with its indexes and identity sequence, made
-- again LIKE it, its rows copied into the default partition (the first
-- cycle moves them into a partition a day), and dropped. First in this
-- script, so that what follows finds the new tables.
--------------------------------------------------------------------------

CREATE FUNCTION pg_temp.set_aside(t text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    i record;
BEGIN
    -- a trigger someone else added (its function is not the extension's) goes with the old table: say so
    FOR i IN SELECT tg.tgname, tg.tgfoid::regprocedure AS fn FROM pg_catalog.pg_trigger tg
              WHERE tg.tgrelid = format('tenant_scaling.%I', t)::regclass AND NOT tg.tgisinternal
                AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                                 WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = tg.tgfoid
                                   AND d.deptype = 'e')
    LOOP
        RAISE WARNING 'trigger % on tenant_scaling.% is dropped: the table is made anew, partitioned by time', i.tgname, t
            USING HINT = format('Create it again if it is still wanted; it ran %s.', i.fn);
    END LOOP;
    EXECUTE format('ALTER TABLE tenant_scaling.%I RENAME TO %I', t, t || '_0_2_0');
    FOR i IN SELECT c.relname FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
              WHERE x.indrelid = format('tenant_scaling.%I', t || '_0_2_0')::regclass
    LOOP
        EXECUTE format('ALTER INDEX tenant_scaling.%I RENAME TO %I', i.relname, i.relname || '_0_2_0');
    END LOOP;
    FOR i IN SELECT s.relname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid
              WHERE d.refobjid = format('tenant_scaling.%I', t || '_0_2_0')::regclass AND d.deptype = 'i'
                AND s.relkind = 'S'
    LOOP
        EXECUTE format('ALTER SEQUENCE tenant_scaling.%I RENAME TO %I', i.relname, i.relname || '_0_2_0');
    END LOOP;
    EXECUTE format('CREATE TABLE tenant_scaling.%I (LIKE tenant_scaling.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
                   ' INCLUDING GENERATED INCLUDING IDENTITY INCLUDING COMMENTS) PARTITION BY RANGE (%I)',
                   t, t || '_0_2_0',
                   (SELECT h.time_column FROM (VALUES ('endpoint_metrics', 'ts'), ('training_queue_stats', 'timestamp'),
                                                      ('scaling_events', 'created_at'), ('scheduler_runs', 'started_at'),
                                                      ('tenant_resource_usage', 'usage_date')) h(t, time_column)
                     WHERE h.t = set_aside.t));
END
$$;

-- after the new table's keys, indexes and default partition: its rows, and its identity's next value
CREATE FUNCTION pg_temp.copy_back(t text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    columns text;
    i record;
BEGIN
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO columns
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = format('tenant_scaling.%I', t)::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attgenerated = '';
    EXECUTE format('INSERT INTO tenant_scaling.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM tenant_scaling.%I',
                   t, columns, columns, t || '_0_2_0');
    FOR i IN SELECT a.attname FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = format('tenant_scaling.%I', t)::regclass AND a.attidentity <> ''
    LOOP
        EXECUTE format('SELECT pg_catalog.setval(%L, last_value, is_called) FROM %s',
                       pg_catalog.pg_get_serial_sequence('tenant_scaling.' || t, i.attname),
                       pg_catalog.pg_get_serial_sequence('tenant_scaling.' || t || '_0_2_0', i.attname));
    END LOOP;
    EXECUTE format('DROP TABLE tenant_scaling.%I', t || '_0_2_0');
END
$$;

-- the install script's helpers (sql/00_preamble.sql), for the tables made anew
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
CREATE FUNCTION pg_temp.default_partition(t text, indexes text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    i int;
BEGIN
    EXECUTE format('CREATE TABLE tenant_scaling.%I PARTITION OF tenant_scaling.%I DEFAULT', t || '_default', t);
    EXECUTE format('COMMENT ON TABLE tenant_scaling.%I IS %L', t || '_default',
                   format('the rows of %s that no partition covers, until maintain_history_partitions moves or prunes them', t));
    -- triples: the index's name after the partition's, its definition (or a primary key), its comment
    FOR i IN 1 .. array_length(indexes, 1) / 3 LOOP
        IF indexes[3 * i - 1] LIKE 'PRIMARY KEY%' THEN
            EXECUTE format('ALTER TABLE tenant_scaling.%I ADD CONSTRAINT %I %s', t || '_default',
                           t || '_default_' || indexes[3 * i - 2], indexes[3 * i - 1]);
        ELSE
            EXECUTE format('CREATE INDEX %I ON tenant_scaling.%I %s', t || '_default_' || indexes[3 * i - 2],
                           t || '_default', indexes[3 * i - 1]);
        END IF;
        EXECUTE format('COMMENT ON INDEX tenant_scaling.%I IS %L', t || '_default_' || indexes[3 * i - 2],
                       indexes[3 * i] || ' (each partition has its own)');
    END LOOP;
    PERFORM pg_catalog.pg_extension_config_dump(format('tenant_scaling.%I', t || '_default'), '');
END
$$;

-- endpoint_metrics: no foreign key, no shard triggers, no index by time alone
SELECT pg_temp.set_aside('endpoint_metrics');
SELECT pg_temp.default_partition('endpoint_metrics', ARRAY[
    'endpoint_time_idx', '(endpoint_id, ts DESC)', 'an endpoint''s samples, newest first']);
SELECT pg_temp.copy_back('endpoint_metrics');
SELECT pg_temp.create_derived_triggers('endpoint_metrics', 'metrics', 'latest');
SELECT pg_temp.isolate_tenant_rows('endpoint_metrics');
GRANT SELECT, INSERT ON tenant_scaling.endpoint_metrics TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.endpoint_metrics TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.endpoint_metrics', '');
COMMENT ON TABLE tenant_scaling.endpoint_metrics IS
'time series of endpoint metrics; the newest sample within tenant_scaling.metrics_max_age drives inference scaling (a partition a day)';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.tenant_id IS
'the endpoint''s tenant; must match inference_endpoints (checked through endpoint_metrics_latest)';
-- dumped: a restore copies the history into its partitions, where no trigger rebuilds it
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.endpoint_metrics_latest', '');

-- training_queue_stats
SELECT pg_temp.set_aside('training_queue_stats');
SELECT pg_temp.default_partition('training_queue_stats', ARRAY[
    'tenant_time_idx', '(tenant_id, timestamp DESC)', 'a tenant''s samples, newest first']);
SELECT pg_temp.copy_back('training_queue_stats');
SELECT pg_temp.create_derived_triggers('training_queue_stats', 'stats', 'latest');
SELECT pg_temp.check_shard_of_rows('training_queue_stats');
SELECT pg_temp.isolate_tenant_rows('training_queue_stats');
GRANT SELECT, INSERT ON tenant_scaling.training_queue_stats TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.training_queue_stats TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.training_queue_stats', '');
COMMENT ON TABLE tenant_scaling.training_queue_stats IS
'samples of each tenant''s training queue; the newest row by timestamp drives training scaling (a partition a day)';

-- scaling_events: its acknowledgements lose their foreign key (ack_event
-- checks the event; retention drops an event's ack with it)
ALTER TABLE tenant_scaling.scaling_event_acks DROP CONSTRAINT scaling_event_acks_event_id_fkey;
SELECT pg_temp.set_aside('scaling_events');
SELECT pg_temp.default_partition('scaling_events', ARRAY[
    'pkey', 'PRIMARY KEY (event_id, created_at)', 'events by id: an actuator reads those after the last it saw',
    'tenant_time_idx', '(tenant_id, created_at DESC)', 'a tenant''s events, newest first']);
SELECT pg_temp.copy_back('scaling_events');
CREATE TRIGGER scaling_events_append_only
    BEFORE UPDATE ON tenant_scaling.scaling_events
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.reject_update();
SELECT pg_temp.isolate_tenant_rows('scaling_events');
CREATE POLICY actuator_rows ON tenant_scaling.scaling_events FOR SELECT TO tenant_scaling_actuator USING (true);
GRANT SELECT ON tenant_scaling.scaling_events TO PUBLIC;
GRANT SELECT ON tenant_scaling.scaling_events TO tenant_scaling_admin;
GRANT SELECT ON tenant_scaling.scaling_events TO tenant_scaling_actuator;
GRANT SELECT ON SEQUENCE tenant_scaling.scaling_events_event_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_events', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scaling_events_event_id_seq', '');
COMMENT ON TABLE tenant_scaling.scaling_events IS
'append-only audit of every applied scaling decision, with the reason and the inputs it used (a partition a day)';
COMMENT ON SEQUENCE tenant_scaling.scaling_events_event_id_seq IS 'event ids of scaling_events (identity)';

-- scheduler_runs, with its view under the name before 0.2.0
DROP VIEW tenant_scaling.worker_runs;
SELECT pg_temp.set_aside('scheduler_runs');
SELECT pg_temp.default_partition('scheduler_runs', ARRAY[
    'pkey', 'PRIMARY KEY (run_id, started_at)', 'runs by id',
    'started_idx', '(started_at)', 'runs by start time: the newest, and those that refreshed the cost view']);
SELECT pg_temp.copy_back('scheduler_runs');
GRANT SELECT ON tenant_scaling.scheduler_runs TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.scheduler_runs_run_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scheduler_runs', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.scheduler_runs_run_id_seq', '');
COMMENT ON TABLE tenant_scaling.scheduler_runs IS 'one row per scheduler cycle, as pg_cron''s job_run_details (a partition a day)';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.pruned_rows IS
'history rows older than the retention that went (a dropped partition counts its row estimate)';
COMMENT ON SEQUENCE tenant_scaling.scheduler_runs_run_id_seq IS 'run ids of scheduler_runs (identity)';
CREATE VIEW tenant_scaling.worker_runs AS SELECT * FROM tenant_scaling.scheduler_runs;
GRANT SELECT ON tenant_scaling.worker_runs TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.worker_runs IS 'scheduler_runs under its name before 0.2.0 (deprecated: read scheduler_runs)';

-- tenant_resource_usage: its running totals, already right, are dumped from now on
SELECT pg_temp.set_aside('tenant_resource_usage');
SELECT pg_temp.default_partition('tenant_resource_usage', ARRAY[
    'pkey', 'PRIMARY KEY (usage_id, usage_date)', 'usage rows by id',
    'tenant_date_idx', '(tenant_id, usage_date)', 'a tenant''s usage by date']);
SELECT pg_temp.copy_back('tenant_resource_usage');
CREATE TRIGGER tenant_resource_usage_totals AFTER INSERT ON tenant_scaling.tenant_resource_usage
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_usage_totals();
CREATE TRIGGER tenant_resource_usage_totals_truncate AFTER TRUNCATE ON tenant_scaling.tenant_resource_usage
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_usage_totals();
ALTER TABLE tenant_scaling.tenant_resource_usage ENABLE ALWAYS TRIGGER tenant_resource_usage_totals;
ALTER TABLE tenant_scaling.tenant_resource_usage ENABLE ALWAYS TRIGGER tenant_resource_usage_totals_truncate;
CREATE TRIGGER tenant_resource_usage_append_only BEFORE UPDATE OR DELETE ON tenant_scaling.tenant_resource_usage
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.reject_usage_change();
SELECT pg_temp.isolate_tenant_rows('tenant_resource_usage');
GRANT SELECT ON tenant_scaling.tenant_resource_usage TO PUBLIC;
GRANT SELECT, INSERT ON tenant_scaling.tenant_resource_usage TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.tenant_resource_usage_usage_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_resource_usage', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_resource_usage_usage_id_seq', '');
COMMENT ON TABLE tenant_scaling.tenant_resource_usage IS
'append-only ledger of resource usage: the seed''s cost view is built from running totals of it (a partition a month)';
COMMENT ON SEQUENCE tenant_scaling.tenant_resource_usage_usage_id_seq IS 'usage ids of tenant_resource_usage (identity)';
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_usage_totals', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_usage_distinct', '');

--------------------------------------------------------------------------
-- Target tracking is the default inference policy from 0.3.0 on; the seed's
-- fixed step stays as {"inference": {"policy": "step"}} (README, Inference
-- policies). It needs one replica's capacity (configured, or estimated) and
-- keeps a little state per endpoint.
--------------------------------------------------------------------------

ALTER TABLE tenant_scaling.inference_endpoints
    ADD COLUMN replica_capacity_rps numeric CONSTRAINT replica_capacity_rps_finite_positive
        CHECK (replica_capacity_rps > 0 AND replica_capacity_rps < 'Infinity');
COMMENT ON COLUMN tenant_scaling.inference_endpoints.replica_capacity_rps IS
'requests per second one replica serves at 100 % cpu, for target tracking; NULL: estimated from the endpoint''s samples';
ALTER TABLE tenant_scaling.inference_endpoints
    ADD COLUMN warm_pool_size int NOT NULL DEFAULT 0 CONSTRAINT warm_pool_size_not_negative CHECK (warm_pool_size >= 0);
COMMENT ON COLUMN tenant_scaling.inference_endpoints.warm_pool_size IS
'replicas the actuator keeps initialised but not serving, besides desired_replicas: a scale-out takes them first (a warm start), and the pool refills behind them';

-- Derived, per tenant: what the training queue policy keeps between
-- decisions, written by the cycle; not dumped, rebuilt by the next decisions.
CREATE TABLE tenant_scaling.training_scaling_state (
    tenant_id uuid PRIMARY KEY,
    recommendations jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenant_scaling.training_scaling_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenant_scaling.training_scaling_state TO PUBLIC
    USING (tenant_id = (SELECT tenant_scaling.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT tenant_scaling.current_tenant_id()));
CREATE POLICY operator_rows ON tenant_scaling.training_scaling_state TO tenant_scaling_admin
    USING (true) WITH CHECK (true);
GRANT SELECT ON tenant_scaling.training_scaling_state TO PUBLIC;
GRANT SELECT ON tenant_scaling.training_scaling_state TO tenant_scaling_admin;
COMMENT ON TABLE tenant_scaling.training_scaling_state IS
'what the training queue policy keeps of each tenant between decisions: its stabilization window';
COMMENT ON COLUMN tenant_scaling.training_scaling_state.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.training_scaling_state.recommendations IS
'the stabilization window: since when the queue has asked for fewer (down) or more (up) workers than desired, and the counts that can still decide';
COMMENT ON COLUMN tenant_scaling.training_scaling_state.updated_at IS 'when a decision last wrote the row';
COMMENT ON INDEX tenant_scaling.training_scaling_state_pkey IS 'one row per tenant';

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
ALTER TABLE tenant_scaling.endpoint_scaling_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenant_scaling.endpoint_scaling_state TO PUBLIC
    USING (tenant_id = (SELECT tenant_scaling.current_tenant_id()))
    WITH CHECK (tenant_id = (SELECT tenant_scaling.current_tenant_id()));
CREATE POLICY operator_rows ON tenant_scaling.endpoint_scaling_state TO tenant_scaling_admin
    USING (true) WITH CHECK (true);
GRANT SELECT ON tenant_scaling.endpoint_scaling_state TO PUBLIC;
GRANT SELECT ON tenant_scaling.endpoint_scaling_state TO tenant_scaling_admin;
COMMENT ON TABLE tenant_scaling.endpoint_scaling_state IS
'what target tracking keeps of each endpoint between decisions: its capacity estimate, stabilization window and forecast';
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

--------------------------------------------------------------------------
-- The inference policy in the open (README, Inference policies): simulated
-- on a demand trace, replayed on an endpoint's history, explained now
--------------------------------------------------------------------------

CREATE FUNCTION tenant_scaling.simulate_inference_scaling(
    demand_rps numeric[], replica_capacity_rps numeric,
    rules jsonb DEFAULT NULL, initial_replicas int DEFAULT 1, min_replicas int DEFAULT 1,
    max_replicas int DEFAULT 10, step interval DEFAULT '15 seconds',
    cold_start interval DEFAULT '90 seconds', start_at timestamptz DEFAULT now(),
    configured_capacity_rps numeric DEFAULT NULL, warm_pool_size int DEFAULT 0,
    warm_start interval DEFAULT '10 seconds', endpoint_id text DEFAULT NULL)
RETURNS TABLE (step_no int, at timestamptz, demand numeric, desired_replicas int, ready_replicas int,
               cpu_percent numeric, latency_p95_ms numeric, action text, reason text,
               forecast_rps double precision, forecast_replicas int, warm_replicas int)
AS 'MODULE_PATHNAME', 'ts_simulate_inference_scaling'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.simulate_inference_scaling(numeric[], numeric, jsonb, int, int, int, interval,
    interval, timestamptz, numeric, int, interval, text) IS
'the scheduler''s inference policy in a closed loop with a modelled service, one row per element of demand_rps';

-- Under the caller's rights: row-level security decides whose history it reads.
CREATE FUNCTION tenant_scaling.backtest_endpoint_scaling(
    tenant_id uuid, endpoint_id text, "from" timestamptz, "to" timestamptz,
    rules jsonb DEFAULT NULL, cold_start interval DEFAULT '90 seconds')
RETURNS TABLE (step_no int, at timestamptz, demand numeric, desired_replicas int, ready_replicas int,
               cpu_percent numeric, latency_p95_ms numeric, action text, reason text,
               forecast_rps double precision, forecast_replicas int, warm_replicas int)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ep tenant_scaling.inference_endpoints;
    capacity numeric;
    chosen_rules jsonb := rules;
    demand numeric[];
    initial int;
BEGIN
    IF tenant_id IS NULL OR endpoint_id IS NULL OR "from" IS NULL OR "to" IS NULL THEN
        RAISE EXCEPTION 'tenant_id, endpoint_id, "from" and "to" must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF "to" <= "from" OR "to" - "from" > interval '31 days' THEN
        RAISE EXCEPTION 'the backtest period must be longer than zero and at most 31 days'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The period given is %s seconds long.', extract(epoch FROM "to" - "from")::bigint);
    END IF;
    SELECT * INTO ep FROM tenant_scaling.inference_endpoints e WHERE e.endpoint_id = backtest_endpoint_scaling.endpoint_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'inference endpoint "%" does not exist', endpoint_id USING ERRCODE = 'undefined_object';
    END IF;
    IF ep.tenant_id <> backtest_endpoint_scaling.tenant_id THEN
        RAISE EXCEPTION 'inference endpoint "%" does not belong to tenant %', endpoint_id, tenant_id
            USING ERRCODE = 'insufficient_privilege', HINT = 'Pass the tenant that owns the endpoint.';
    END IF;
    -- the service's capacity: configured, or the estimate the policy has learnt
    capacity := coalesce(ep.replica_capacity_rps,
        (SELECT s.capacity_rps::numeric FROM tenant_scaling.endpoint_scaling_state s
          WHERE s.tenant_id = ep.tenant_id AND s.endpoint_id = ep.endpoint_id AND s.capacity_samples >= 3));
    IF capacity IS NULL THEN
        RAISE EXCEPTION 'the capacity of one replica of endpoint "%" is not known', endpoint_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The backtest models the service from it.',
                  HINT = 'Set replica_capacity_rps on the endpoint, or let it report cpu and requests for a few cycles.';
    END IF;
    IF chosen_rules IS NULL THEN
        SELECT c.scaling_rules INTO chosen_rules FROM tenant_scaling.tenant_scaling_config c
         WHERE c.tenant_id = ep.tenant_id;
    END IF;
    -- the stored request rates in steps of 15 seconds, the last one carried over an empty step
    WITH steps AS (
        SELECT g AS step_at FROM pg_catalog.generate_series("from", "to" - interval '1 microsecond', interval '15 seconds') g
    ), samples AS (
        SELECT pg_catalog.date_bin(interval '15 seconds', m.ts, "from") AS step_at, avg(m.requests_per_second) AS rps
          FROM tenant_scaling.endpoint_metrics m
         WHERE m.tenant_id = ep.tenant_id AND m.endpoint_id = ep.endpoint_id
           AND m.ts >= "from" AND m.ts < "to" AND m.requests_per_second IS NOT NULL
         GROUP BY 1
    ), numbered AS (
        SELECT s.step_at, x.rps, count(x.rps) OVER (ORDER BY s.step_at) AS filled
          FROM steps s LEFT JOIN samples x USING (step_at)
    ), carried AS (
        SELECT n.step_at, first_value(n.rps) OVER (PARTITION BY n.filled ORDER BY n.step_at) AS rps
          FROM numbered n
    )
    SELECT pg_catalog.array_agg(coalesce(c.rps, 0) ORDER BY c.step_at) INTO demand FROM carried c;
    -- the count the endpoint had at the start, from its events
    initial := coalesce(
        (SELECT ev.new_count FROM tenant_scaling.scaling_events ev
          WHERE ev.tenant_id = ep.tenant_id AND ev.resource_kind = 'inference' AND ev.resource_id = ep.endpoint_id
            AND ev.created_at < "from" ORDER BY ev.created_at DESC LIMIT 1),
        (SELECT ev.previous_count FROM tenant_scaling.scaling_events ev
          WHERE ev.tenant_id = ep.tenant_id AND ev.resource_kind = 'inference' AND ev.resource_id = ep.endpoint_id
            AND ev.created_at >= "from" ORDER BY ev.created_at LIMIT 1),
        ep.desired_replicas);
    RETURN QUERY SELECT * FROM tenant_scaling.simulate_inference_scaling(
        demand, capacity, chosen_rules, initial, ep.min_replicas, ep.max_replicas,
        interval '15 seconds', cold_start, "from", ep.replica_capacity_rps, ep.warm_pool_size,
        endpoint_id => ep.endpoint_id);
END
$$;
COMMENT ON FUNCTION tenant_scaling.backtest_endpoint_scaling(uuid, text, timestamptz, timestamptz, jsonb, interval) IS
'what the rules (default: the tenant''s) would have done with the endpoint''s stored request rates, on the simulator';

CREATE FUNCTION tenant_scaling.explain_endpoint_scaling(tenant_id uuid, endpoint_id text)
RETURNS TABLE (step int, kind text, name text, value text, replicas_before int, replicas_after int, detail text)
AS 'MODULE_PATHNAME', 'ts_explain_endpoint_scaling'
LANGUAGE C VOLATILE STRICT
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.explain_endpoint_scaling(uuid, text) IS
'what the policy would decide for the endpoint now: inputs with their age, proposals, each constraint, the result; applies nothing';

-- Under the caller's rights: row-level security decides whose history it reads.
CREATE FUNCTION tenant_scaling.forecast_endpoint_load(tenant_id uuid, endpoint_id text,
                                                      horizon interval DEFAULT '24 hours')
RETURNS TABLE (phase text, at timestamptz, forecast_rps double precision, replicas int,
               error_percent double precision)
AS 'MODULE_PATHNAME', 'ts_forecast_endpoint_load'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.forecast_endpoint_load(uuid, text, interval) IS
'the endpoint''s request-rate forecast per five-minute bin up to now + horizon with the replicas it implies (phase forecast), and the error of a day-ahead forecast on each of the last days it can check (phase error)';

-- The training policy in the open (README, simulate_training_scaling): the
-- scheduler's own decisions over a list of jobs on a simulated clock.
CREATE FUNCTION tenant_scaling.simulate_training_scaling(
    job_minutes numeric[], rules jsonb DEFAULT NULL, max_workers int DEFAULT 10,
    initial_workers int DEFAULT 1, step interval DEFAULT '1 minute',
    provisioning interval DEFAULT '3 minutes', submitted_minute numeric[] DEFAULT NULL,
    start_at timestamptz DEFAULT now(), max_steps int DEFAULT 10080)
RETURNS TABLE (step_no int, at timestamptz, queued int, running int, finished int, desired_workers int,
               ready_workers int, workers int, action text, reason text)
AS 'MODULE_PATHNAME', 'ts_simulate_training_scaling'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.simulate_training_scaling(numeric[], jsonb, int, int, interval, interval,
    numeric[], timestamptz, int) IS
'the scheduler''s training policy in a closed loop with a modelled queue and workers, one row per step until every job is done';

--------------------------------------------------------------------------
-- Metrics ingest near plain-insert speed (issue 13; README, Metrics ingest):
-- endpoint_metrics (made anew above) has no foreign key and no shard
-- triggers (its rows reach endpoint_metrics_latest, whose foreign key and
-- endpoint do that work once per statement), and an endpoint's history
-- follows it by triggers
--------------------------------------------------------------------------

ALTER TABLE tenant_scaling.endpoint_metrics_latest SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.05);
-- storage of the rows rewritten often (README, Benchmarks): room for HOT updates, vacuumed sooner
-- rewritten by every queue sample
ALTER TABLE tenant_scaling.tenant_training_inputs SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.05);
-- rewritten by every job submitted, started or finished
ALTER TABLE tenant_scaling.tenant_job_counts SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.05);
-- rewritten by every training decision
ALTER TABLE tenant_scaling.tenant_training_state SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.05);
-- a decision, an actuator's report: rows rewritten often, kept HOT
ALTER TABLE tenant_scaling.inference_endpoints SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.05);
-- rewritten by decisions that move a window or estimate
ALTER TABLE tenant_scaling.endpoint_scaling_state SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.05);
-- rewritten while a scale-down is held
ALTER TABLE tenant_scaling.training_scaling_state SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE tenant_scaling.endpoint_metrics_latest
    RENAME CONSTRAINT endpoint_metrics_latest_tenant_id_endpoint_id_fkey TO sample_of_known_endpoint;

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

--------------------------------------------------------------------------
-- Metrics for Prometheus (issue 14)
--------------------------------------------------------------------------


-- What retention pruned, folded in by the cycle's prune (the only writer,
-- one cycle at a time), so that the counters below never go down
CREATE TABLE tenant_scaling.pruned_event_totals (
    resource_kind text NOT NULL,
    action text NOT NULL,
    reason text NOT NULL,
    origin text NOT NULL,
    events bigint NOT NULL,
    PRIMARY KEY (resource_kind, action, reason, origin)
);
GRANT SELECT ON tenant_scaling.pruned_event_totals TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.pruned_event_totals', '');
COMMENT ON TABLE tenant_scaling.pruned_event_totals IS
'scaling_events that retention deleted, counted by kind, action, reason and origin';

CREATE TABLE tenant_scaling.pruned_run_totals (
    status text PRIMARY KEY,
    runs bigint NOT NULL,
    seconds float8 NOT NULL,
    bucket_runs bigint[] NOT NULL
);
GRANT SELECT ON tenant_scaling.pruned_run_totals TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.pruned_run_totals', '');
COMMENT ON TABLE tenant_scaling.pruned_run_totals IS
'scheduler_runs that retention deleted, counted by status, with their duration and its histogram';
COMMENT ON COLUMN tenant_scaling.pruned_run_totals.bucket_runs IS
'runs that took at most each of cycle_duration_buckets() seconds, in its order';

CREATE FUNCTION tenant_scaling.cycle_duration_buckets() RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
RETURN '{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}'::float8[];
COMMENT ON FUNCTION tenant_scaling.cycle_duration_buckets() IS
'the upper bounds, in seconds, of the cycle duration histogram (metrics_cycle_duration)';

CREATE VIEW tenant_scaling.metrics_decisions AS
SELECT resource_kind, action, reason, origin, sum(events)::bigint AS total
FROM (SELECT resource_kind, action, reason, origin, events FROM tenant_scaling.pruned_event_totals
      UNION ALL
      -- an override's reason is an operator's free text: one label value for all of them
      SELECT resource_kind, action, CASE WHEN inputs ? 'overridden_by' THEN 'override' ELSE reason END, origin,
             count(*)
      FROM tenant_scaling.scaling_events GROUP BY 1, 2, 3, 4) d
GROUP BY resource_kind, action, reason, origin;
COMMENT ON VIEW tenant_scaling.metrics_decisions IS
'counter: applied decisions since the install, by kind, action, reason (override for a change by hand) and origin (retention does not lower it)';

CREATE VIEW tenant_scaling.metrics_cycles AS
SELECT status, sum(runs)::bigint AS runs, sum(seconds) AS duration_seconds
FROM (SELECT status, runs, seconds FROM tenant_scaling.pruned_run_totals
      UNION ALL
      SELECT status, count(*), coalesce(sum(extract(epoch FROM duration)), 0)::float8
      FROM tenant_scaling.scheduler_runs WHERE status <> 'running' GROUP BY status) r
GROUP BY status;
COMMENT ON VIEW tenant_scaling.metrics_cycles IS
'counters: scheduler cycles since the install by status (succeeded, failed, skipped), and their total duration';

CREATE VIEW tenant_scaling.metrics_cycle_duration AS
WITH buckets AS (
    SELECT b.le, b.i FROM unnest(tenant_scaling.cycle_duration_buckets()) WITH ORDINALITY AS b(le, i)
), live AS (
    SELECT extract(epoch FROM duration)::float8 AS seconds FROM tenant_scaling.scheduler_runs
    WHERE status <> 'running' AND duration IS NOT NULL
)
SELECT b.le::text AS le,
       ((SELECT count(*) FROM live WHERE seconds <= b.le)
        + coalesce((SELECT sum(t.bucket_runs[b.i]) FROM tenant_scaling.pruned_run_totals t), 0))::bigint AS runs
FROM buckets b
UNION ALL
SELECT '+Inf', ((SELECT count(*) FROM live)
                + coalesce((SELECT sum(t.runs) FROM tenant_scaling.pruned_run_totals t), 0))::bigint;
COMMENT ON VIEW tenant_scaling.metrics_cycle_duration IS
'counter: cycles that took at most le seconds (cumulative histogram buckets, Prometheus style)';

CREATE VIEW tenant_scaling.metrics_state AS
SELECT
    (SELECT count(*) FROM tenant_scaling.inference_endpoints) AS endpoints,
    (SELECT count(*) FROM tenant_scaling.inference_endpoints WHERE current_replicas <> desired_replicas)
        AS endpoints_converging,
    (SELECT coalesce(sum(desired_replicas), 0) FROM tenant_scaling.inference_endpoints) AS replicas_desired,
    (SELECT coalesce(sum(current_replicas), 0) FROM tenant_scaling.inference_endpoints) AS replicas_current,
    (SELECT coalesce(sum(abs(desired_replicas - current_replicas)), 0) FROM tenant_scaling.inference_endpoints)
        AS replicas_gap,
    -- the stale-actuator signal: how long the oldest unmet change has waited
    (SELECT coalesce(max(extract(epoch FROM now() - last_scaled_at)), 0)::float8
       FROM tenant_scaling.inference_endpoints WHERE current_replicas <> desired_replicas) AS actuator_lag_seconds,
    (SELECT coalesce(extract(epoch FROM now() - min(e.created_at)), 0)::float8
       FROM tenant_scaling.scaling_events e
      WHERE NOT EXISTS (SELECT FROM tenant_scaling.scaling_event_acks a WHERE a.event_id = e.event_id))
        AS oldest_unacknowledged_event_seconds,
    (SELECT coalesce(sum(s.desired_workers), 0) FROM tenant_scaling.tenant_training_state s) AS workers_desired,
    (SELECT coalesce(sum(i.active_workers + i.provisioning_workers), 0) FROM tenant_scaling.tenant_training_inputs i)
        AS workers_current,
    (SELECT count(*) FROM tenant_scaling.scaling_pauses p WHERE p.until IS NULL OR p.until > now()) AS pauses_active,
    (SELECT count(*) FROM tenant_scaling.training_jobs WHERE status = 'queued') AS jobs_queued,
    (SELECT count(*) FROM tenant_scaling.training_jobs WHERE status = 'running') AS jobs_running,
    (SELECT coalesce(extract(epoch FROM now() - max(started_at)), -1)::float8
       FROM tenant_scaling.scheduler_runs WHERE status = 'succeeded') AS seconds_since_last_cycle;
COMMENT ON VIEW tenant_scaling.metrics_state IS
'gauges: endpoints and replicas desired against reported, how long the actuator lags, unacknowledged events, workers, pauses, jobs, the last cycle';

-- operators and postgres_exporter's pg_monitor read them; they span tenants
GRANT SELECT ON tenant_scaling.metrics_decisions, tenant_scaling.metrics_cycles, tenant_scaling.metrics_cycle_duration,
    tenant_scaling.metrics_state TO tenant_scaling_admin, pg_monitor;

--------------------------------------------------------------------------
-- COMMENT on every object (issue 14): the schema, every table and its
-- columns, the materialized view's columns, every index and sequence, as
-- the parts in sql/ give them
--------------------------------------------------------------------------

COMMENT ON SCHEMA tenant_scaling IS
'the objects of the extension tenant_scaling: per-tenant tiers, quotas and scaling decisions for training workers and inference replicas';
COMMENT ON COLUMN tenant_scaling.shard_identity.singleton IS 'always true: the table holds at most one row';
COMMENT ON COLUMN tenant_scaling.shard_identity.shard_index IS
'this shard''s index, 0 to shard_count - 1: it holds the tenants with tenant_hash & (shard_count - 1) = shard_index';
COMMENT ON COLUMN tenant_scaling.shard_identity.shard_count IS 'the number of shards, a power of two';
COMMENT ON INDEX tenant_scaling.shard_identity_pkey IS 'the key of the one row';
COMMENT ON COLUMN tenant_scaling.tiers.tier IS 'the tier''s name, 1 to 63 characters';
COMMENT ON COLUMN tenant_scaling.tiers.description IS 'what the tier is for, free text';
COMMENT ON INDEX tenant_scaling.tiers_pkey IS 'tiers by name';
COMMENT ON INDEX tenant_scaling.tiers_tier_rank_key IS 'no two tiers share a rank';
COMMENT ON COLUMN tenant_scaling.workload_profiles.workload_type IS 'the workload type''s name, 1 to 63 characters';
COMMENT ON COLUMN tenant_scaling.workload_profiles.cpu IS 'base cpu cores';
COMMENT ON COLUMN tenant_scaling.workload_profiles.gpu IS 'base gpus';
COMMENT ON COLUMN tenant_scaling.workload_profiles.memory_gb IS 'base memory, GB';
COMMENT ON COLUMN tenant_scaling.workload_profiles.storage_gb IS 'base storage, GB';
COMMENT ON COLUMN tenant_scaling.workload_profiles.network_mbps IS 'base network bandwidth, Mbit/s';
COMMENT ON INDEX tenant_scaling.workload_profiles_pkey IS 'profiles by workload type';
COMMENT ON COLUMN tenant_scaling.tenant_roles.role_name IS 'a database role; current_tenant_id() looks current_user up here';
COMMENT ON COLUMN tenant_scaling.tenant_roles.tenant_id IS 'the tenant the role acts for';
COMMENT ON INDEX tenant_scaling.tenant_roles_pkey IS 'a role acts for one tenant at most';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_scaling_config.created_at IS 'when the configuration was created';
COMMENT ON INDEX tenant_scaling.tenant_scaling_config_pkey IS 'one configuration per tenant';
COMMENT ON INDEX tenant_scaling.idx_tenant_scaling_tier IS 'tenants by tier (the seed''s index)';
COMMENT ON INDEX tenant_scaling.idx_tenant_scaling_auto IS 'tenants by auto_scaling_enabled (the seed''s index)';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_training_config.distributed_training_enabled IS
'whether the tenant trains on more than one worker; off caps its training workers at 1';
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
COMMENT ON COLUMN tenant_scaling.training_queue_stats.tenant_id IS 'the tenant whose queue was sampled';
COMMENT ON COLUMN tenant_scaling.training_queue_stats.queue_size IS 'training jobs waiting in the queue';
COMMENT ON COLUMN tenant_scaling.training_queue_stats.avg_wait_time_seconds IS 'average wait of the queued jobs, seconds';
COMMENT ON COLUMN tenant_scaling.training_queue_stats.max_wait_time_seconds IS 'longest wait of a queued job, seconds';
COMMENT ON COLUMN tenant_scaling.tenant_training_workers.worker_id IS 'the worker''s id, as report_worker returns it';
COMMENT ON COLUMN tenant_scaling.tenant_training_workers.tenant_id IS 'the worker''s tenant';
COMMENT ON COLUMN tenant_scaling.tenant_training_workers.created_at IS 'when the worker''s row was added';
COMMENT ON COLUMN tenant_scaling.tenant_training_workers.updated_at IS 'kept by a trigger';
COMMENT ON INDEX tenant_scaling.tenant_training_workers_pkey IS 'workers by id';
COMMENT ON INDEX tenant_scaling.tenant_training_workers_tenant_status_idx IS 'a tenant''s workers by status';
COMMENT ON SEQUENCE tenant_scaling.tenant_training_workers_worker_id_seq IS 'worker ids of tenant_training_workers (identity)';
COMMENT ON COLUMN tenant_scaling.tenant_training_inputs.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_training_inputs.queue_size IS 'queue_size of the newest queue sample';
COMMENT ON COLUMN tenant_scaling.tenant_training_inputs.avg_wait_time_seconds IS
'avg_wait_time_seconds of the newest queue sample, seconds';
COMMENT ON COLUMN tenant_scaling.tenant_training_inputs.max_wait_time_seconds IS
'max_wait_time_seconds of the newest queue sample, seconds';
COMMENT ON COLUMN tenant_scaling.tenant_training_inputs.processing_rate_per_minute IS
'processing_rate_per_minute of the newest queue sample, jobs per minute';
COMMENT ON COLUMN tenant_scaling.tenant_training_inputs.active_workers IS 'the tenant''s workers with status active';
COMMENT ON COLUMN tenant_scaling.tenant_training_inputs.provisioning_workers IS 'the tenant''s workers with status provisioning';
COMMENT ON INDEX tenant_scaling.tenant_training_inputs_pkey IS 'one row per tenant';
COMMENT ON COLUMN tenant_scaling.tenant_training_state.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_training_state.desired_workers IS
'training workers the last applied decision asked for; the next decision starts from it';
COMMENT ON COLUMN tenant_scaling.tenant_training_state.last_scale_out_at IS
'when a decision last scaled the workers out (scale-out cooldown)';
COMMENT ON COLUMN tenant_scaling.tenant_training_state.last_scaled_at IS 'when a decision last changed the workers (scale-in cooldown)';
COMMENT ON INDEX tenant_scaling.tenant_training_state_pkey IS 'one row per tenant';
COMMENT ON COLUMN tenant_scaling.training_jobs.job_id IS 'the job''s id, as submit_training_job returns it';
COMMENT ON COLUMN tenant_scaling.training_jobs.tenant_id IS 'the job''s tenant';
COMMENT ON COLUMN tenant_scaling.training_jobs.workload_type IS 'a workload type of tenant_scaling.workload_profiles';
COMMENT ON COLUMN tenant_scaling.training_jobs.model_size_gb IS
'size of the model, GB; submit_training_job refuses one over the tenant''s max_model_size_gb';
COMMENT ON COLUMN tenant_scaling.training_jobs.expected_duration_hours IS
'how long the job is expected to run, hours; submit_training_job refuses one over the tenant''s max_training_duration_hours';
COMMENT ON COLUMN tenant_scaling.training_jobs.submitted_at IS 'when the job was queued';
COMMENT ON COLUMN tenant_scaling.training_jobs.started_at IS 'when start_next_training_job started it; NULL while queued';
COMMENT ON COLUMN tenant_scaling.training_jobs.finished_at IS 'when finish_training_job ended it; NULL before';
COMMENT ON INDEX tenant_scaling.training_jobs_pkey IS 'jobs by id';
COMMENT ON INDEX tenant_scaling.training_jobs_queued_idx IS 'a tenant''s queued jobs, oldest first: the next one to start';
COMMENT ON INDEX tenant_scaling.training_jobs_finished_idx IS
'finished jobs by finish time: the jobs finished per minute of a queue sample';
COMMENT ON SEQUENCE tenant_scaling.training_jobs_job_id_seq IS 'job ids of training_jobs (identity)';
COMMENT ON COLUMN tenant_scaling.tenant_job_counts.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_job_counts.queued_jobs IS 'the tenant''s training_jobs with status queued';
COMMENT ON COLUMN tenant_scaling.tenant_job_counts.running_jobs IS 'the tenant''s training_jobs with status running';
COMMENT ON INDEX tenant_scaling.tenant_job_counts_pkey IS 'one row per tenant';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.tenant_id IS 'the endpoint''s tenant';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.min_replicas IS
'fewest replicas a decision may ask for; 0 lets target tracking scale the endpoint to zero';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.max_replicas IS
'most replicas a decision may ask for, and the most report_replicas accepts as running';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.created_at IS 'when the endpoint was added';
COMMENT ON COLUMN tenant_scaling.inference_endpoints.updated_at IS 'kept by a trigger';
COMMENT ON INDEX tenant_scaling.inference_endpoints_pkey IS 'endpoint ids are unique across tenants';
COMMENT ON INDEX tenant_scaling.inference_endpoints_tenant_endpoint_key IS
'a tenant''s endpoints: the key endpoint_metrics, endpoint_metrics_latest and endpoint_scaling_state refer to';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.endpoint_id IS 'the endpoint sampled';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.latency_p95_ms IS '95th percentile latency, milliseconds';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics.requests_per_second IS 'requests per second to the whole endpoint';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.endpoint_id IS 'the endpoint';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.tenant_id IS 'the endpoint''s tenant';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.ts IS 'when the newest sample was taken';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.cpu_avg IS 'cpu_avg of the newest sample, percent, 0-100';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.memory_avg IS 'memory_avg of the newest sample, percent, 0-100';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.latency_p95_ms IS 'latency_p95_ms of the newest sample, milliseconds';
COMMENT ON COLUMN tenant_scaling.endpoint_metrics_latest.requests_per_second IS
'requests_per_second of the newest sample, requests per second';
COMMENT ON INDEX tenant_scaling.endpoint_metrics_latest_pkey IS 'one row per endpoint, in the order a cycle reads endpoints';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.tenant_id IS 'the endpoint''s tenant';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.endpoint_id IS 'the endpoint';
COMMENT ON COLUMN tenant_scaling.endpoint_scaling_state.updated_at IS 'when a decision last wrote the row';
COMMENT ON INDEX tenant_scaling.endpoint_scaling_state_pkey IS 'one row per endpoint';
COMMENT ON COLUMN tenant_scaling.scaling_events.event_id IS 'the event''s id, the whole payload of its NOTIFY tenant_scaling';
COMMENT ON COLUMN tenant_scaling.scaling_events.created_at IS 'when the decision or the change by hand was applied';
COMMENT ON COLUMN tenant_scaling.scaling_events.tenant_id IS 'the tenant of the resource scaled';
COMMENT ON COLUMN tenant_scaling.scaling_events.resource_kind IS
'training (a tenant''s training workers) or inference (an endpoint''s replicas)';
COMMENT ON COLUMN tenant_scaling.scaling_events.action IS 'scale_out or scale_in';
COMMENT ON COLUMN tenant_scaling.scaling_events.previous_count IS 'the desired workers or replicas before the change';
COMMENT ON COLUMN tenant_scaling.scaling_events.new_count IS 'the desired workers or replicas the change set';
COMMENT ON COLUMN tenant_scaling.scaling_events.reason IS
'why: the decision''s reason (cpu_above_target, ...), or for a change by hand tenant_scaling.override_reason (else manual_override)';
COMMENT ON SEQUENCE tenant_scaling.scaling_events_event_id_seq IS 'event ids of scaling_events (identity)';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.run_id IS 'the run''s id; scaling_events.run_id refers to it';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.started_at IS 'when the cycle started (clock time)';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.finished_at IS 'when it ended; NULL while running';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.tenants_evaluated IS 'auto-scaling tenants the cycle decided for';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.training_decisions IS 'training worker decisions applied';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.inference_decisions IS 'inference replica decisions applied';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.errors IS
'tenants whose rules could not be read and decisions that failed to apply, each named in failed_tenants';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.cost_view_refreshed IS 'whether the cycle refreshed tenant_cost_optimization';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.message IS 'why the run was skipped or failed; NULL for one that succeeded';
COMMENT ON COLUMN tenant_scaling.scheduler_runs.duration IS 'finished_at - started_at (generated); NULL while running';
COMMENT ON SEQUENCE tenant_scaling.scheduler_runs_run_id_seq IS 'run ids of scheduler_runs (identity)';
COMMENT ON COLUMN tenant_scaling.cycle_lock.singleton IS 'always true: the table holds one row';
COMMENT ON INDEX tenant_scaling.cycle_lock_pkey IS 'the key of the one row';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.pause_id IS 'the pause''s id';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.tenant_id IS 'the tenant paused, or whose endpoint is paused';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.reason IS 'why, as given to pause_scaling; 1 to 1000 characters';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.paused_by IS 'the role (current_user) that paused it';
COMMENT ON COLUMN tenant_scaling.scaling_pauses.paused_at IS 'when it was paused, or last paused again';
COMMENT ON INDEX tenant_scaling.scaling_pauses_pkey IS 'pauses by id';
COMMENT ON INDEX tenant_scaling.scaling_pauses_one_per_resource IS
'one pause per tenant (endpoint_id NULL, nulls not distinct) and per endpoint';
COMMENT ON SEQUENCE tenant_scaling.scaling_pauses_pause_id_seq IS 'pause ids of scaling_pauses (identity)';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.event_id IS 'the scaling_events row acknowledged';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.tenant_id IS 'the event''s tenant';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.status IS 'applied, failed or superseded';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.message IS 'what the actuator said of it, at most 1000 characters; NULL for nothing';
COMMENT ON COLUMN tenant_scaling.scaling_event_acks.acked_at IS 'when it was acknowledged (a later ack replaces it)';
COMMENT ON INDEX tenant_scaling.scaling_event_acks_pkey IS 'one acknowledgement per event: a later one replaces it';
COMMENT ON COLUMN tenant_scaling.pruned_event_totals.resource_kind IS 'resource_kind of the events counted';
COMMENT ON COLUMN tenant_scaling.pruned_event_totals.action IS 'action of the events counted';
COMMENT ON COLUMN tenant_scaling.pruned_event_totals.reason IS 'reason of the events counted';
COMMENT ON COLUMN tenant_scaling.pruned_event_totals.origin IS 'origin of the events counted';
COMMENT ON COLUMN tenant_scaling.pruned_event_totals.events IS 'events of this kind, action, reason and origin that retention deleted';
COMMENT ON INDEX tenant_scaling.pruned_event_totals_pkey IS 'one row per kind, action, reason and origin';
COMMENT ON COLUMN tenant_scaling.pruned_run_totals.status IS 'status of the runs counted';
COMMENT ON COLUMN tenant_scaling.pruned_run_totals.runs IS 'runs of this status that retention deleted';
COMMENT ON COLUMN tenant_scaling.pruned_run_totals.seconds IS 'their total duration, seconds';
COMMENT ON INDEX tenant_scaling.pruned_run_totals_pkey IS 'one row per status';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.usage_id IS 'the usage row''s id';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.tenant_id IS 'the tenant that used the resources';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.scaling_tier IS 'the tenant''s tier for this usage; the cost view groups by it';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.usage_date IS 'the day of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.cpu_hours IS 'cpu used, cpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.gpu_hours IS 'gpu used, gpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.storage_gb_days IS 'storage used, GB-days';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.network_gb IS 'network traffic, GB';
COMMENT ON SEQUENCE tenant_scaling.tenant_resource_usage_usage_id_seq IS 'usage ids of tenant_resource_usage (identity)';
COMMENT ON COLUMN tenant_scaling.resource_prices.resource IS 'cpu_hour, gpu_hour, storage_gb_day or network_gb';
COMMENT ON COLUMN tenant_scaling.resource_prices.unit_price IS 'price of one unit of the resource, in currency';
COMMENT ON COLUMN tenant_scaling.resource_prices.currency IS 'currency of unit_price; the cost view adds prices without converting';
COMMENT ON INDEX tenant_scaling.resource_prices_pkey IS 'one price per resource';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.scaling_tier IS 'the scaling_tier of the usage summed';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.usage_rows IS 'usage rows summed';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.total_cpu_hours IS 'sum of cpu_hours, cpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.total_gpu_hours IS 'sum of gpu_hours, gpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.total_storage IS 'sum of storage_gb_days, GB-days';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.total_network IS 'sum of network_gb, GB';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.cpu_util_sum IS 'sum of the cpu_utilization values given; NULL when none was';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.cpu_util_count IS 'usage rows with a cpu_utilization';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.memory_util_sum IS 'sum of the memory_utilization values given; NULL when none was';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.memory_util_count IS 'usage rows with a memory_utilization';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.avg_cpu_util IS
'cpu_util_sum / cpu_util_count, as avg(cpu_utilization) computes it, 0..1; NULL when none was given';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.avg_memory_util IS
'memory_util_sum / memory_util_count, as avg(memory_utilization) computes it, 0..1; NULL when none was given';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.distinct_training_jobs IS 'distinct training_jobs values of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.distinct_inference_endpoints IS 'distinct inference_endpoints values of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.first_usage_date IS 'the earliest usage_date';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.last_usage_date IS 'the latest usage_date';
COMMENT ON INDEX tenant_scaling.tenant_usage_totals_pkey IS 'one row per tenant and tier';
COMMENT ON COLUMN tenant_scaling.tenant_usage_distinct.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_usage_distinct.scaling_tier IS 'the scaling_tier of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_usage_distinct.kind IS 'j: a training job, e: an inference endpoint';
COMMENT ON COLUMN tenant_scaling.tenant_usage_distinct.value IS 'a training_jobs (as text) or inference_endpoints value of the usage';
COMMENT ON INDEX tenant_scaling.tenant_usage_distinct_pkey IS
'each value once per tenant, tier and kind: an insert that conflicts is a value seen before';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.scaling_tier IS 'the scaling_tier of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.total_cpu_hours IS 'cpu used, cpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.total_gpu_hours IS 'gpu used, gpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.total_storage IS 'storage used, GB-days';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.total_network IS 'network traffic, GB';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.avg_cpu_util IS 'average cpu_utilization, 0..1';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.avg_memory_util IS 'average memory_utilization, 0..1';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.training_jobs_count IS 'distinct training jobs of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.inference_endpoints_count IS 'distinct inference endpoints of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.provisioning_status IS
'over_provisioned (average cpu and memory below 0.4), under_provisioned (both above 0.8), else appropriately_provisioned';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.total_cost IS 'the usage at the resource_prices of the last refresh, in their currency';
COMMENT ON INDEX tenant_scaling.tenant_cost_optimization_key IS 'one row per tenant and tier, which REFRESH ... CONCURRENTLY needs';

--------------------------------------------------------------------------
-- Time-partitioned history (README, History and retention): endpoint_metrics,
-- training_queue_stats, scaling_events, scheduler_runs and
-- tenant_resource_usage are partitioned by time, a partition a day (a month
-- for usage). Each cycle makes the partitions of today and the next two days
-- and drops those wholly older than the retention, instead of deleting rows.
-- A default partition takes what no partition covers (a sample from before
-- the partitions, a table the scheduler has not maintained yet); maintenance
-- moves its rows into their day's partition, or deletes them when expired.
--------------------------------------------------------------------------

-- The five tables, their time column, a partition's span, and the GUC of
-- their retention (history_retention; usage_retention, 0 by default: usage
-- is billing data)
CREATE FUNCTION tenant_scaling.history_tables(
    OUT history_table text, OUT time_column text, OUT span text, OUT retention_setting text)
RETURNS SETOF record LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    VALUES ('endpoint_metrics', 'ts', 'day', 'tenant_scaling.history_retention'),
           ('training_queue_stats', 'timestamp', 'day', 'tenant_scaling.history_retention'),
           ('scaling_events', 'created_at', 'day', 'tenant_scaling.history_retention'),
           ('scheduler_runs', 'started_at', 'day', 'tenant_scaling.history_retention'),
           ('tenant_resource_usage', 'usage_date', 'month', 'tenant_scaling.usage_retention');
END;
COMMENT ON FUNCTION tenant_scaling.history_tables() IS
'the time-partitioned history tables: their time column, the span of one partition and the setting of their retention';

-- Each partition of the history tables with its bounds (NULL for the default partition)
CREATE VIEW tenant_scaling.history_partitions AS
SELECT h.history_table, c.relname::text AS partition_name,
       b[1]::timestamptz AS from_time, b[2]::timestamptz AS to_time,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS estimated_rows,   -- NULL: never analyzed
       pg_catalog.pg_total_relation_size(c.oid) AS total_bytes
FROM tenant_scaling.history_tables() h
JOIN pg_catalog.pg_inherits i ON i.inhparent = pg_catalog.to_regclass('tenant_scaling.' || h.history_table)
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
LEFT JOIN LATERAL pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                                          $re$FROM \('([^']+)'\) TO \('([^']+)'\)$re$) b ON true;
GRANT SELECT ON tenant_scaling.history_partitions TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.history_partitions IS
'each partition of the history tables, its time range (NULL: the default partition), estimated rows and size';

-- What goes of a history table, a whole partition at a time (a day's, or
-- the default partition's expired rows): events and runs are counted into
-- the pruned totals, so that the metrics counters never go down, and an
-- event takes its acknowledgement along. Returns the rows that go; a day's
-- partition of samples by its row estimate when it has one (not a scan of
-- a day of samples).
CREATE FUNCTION tenant_scaling.history_prune(history_table text, relation regclass, estimate boolean)
RETURNS bigint LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF history_table = 'scaling_events' THEN
        EXECUTE format('WITH gone AS (SELECT * FROM %s),'
            ' folded AS (INSERT INTO tenant_scaling.pruned_event_totals AS t'
            '            SELECT resource_kind, action,'
            '                   CASE WHEN inputs ? ''overridden_by'' THEN ''override'' ELSE reason END, origin, count(*)'
            '              FROM gone GROUP BY 1, 2, 3, 4'
            '            ON CONFLICT (resource_kind, action, reason, origin) DO UPDATE SET events = t.events + excluded.events),'
            ' acks AS (DELETE FROM tenant_scaling.scaling_event_acks a USING gone g WHERE a.event_id = g.event_id)'
            ' SELECT count(*) FROM gone', relation) INTO n;
    ELSIF history_table = 'scheduler_runs' THEN
        EXECUTE format('WITH gone AS (SELECT * FROM %s),'
            ' runs AS (SELECT status, extract(epoch FROM duration)::float8 AS seconds FROM gone WHERE status <> ''running''),'
            ' folded AS (INSERT INTO tenant_scaling.pruned_run_totals AS t'
            '            SELECT status, count(*), coalesce(sum(seconds), 0),'
            '                   (SELECT array_agg((SELECT count(*) FROM runs r2 WHERE r2.status = r.status AND r2.seconds <= b.le)'
            '                                     ORDER BY b.i)'
            '                      FROM unnest(tenant_scaling.cycle_duration_buckets()) WITH ORDINALITY AS b(le, i))'
            '              FROM runs r GROUP BY status'
            '            ON CONFLICT (status) DO UPDATE'
            '            SET runs = t.runs + excluded.runs, seconds = t.seconds + excluded.seconds,'
            '                bucket_runs = (SELECT array_agg(x + y ORDER BY i)'
            '                                 FROM unnest(t.bucket_runs, excluded.bucket_runs) WITH ORDINALITY AS u(x, y, i)))'
            ' SELECT count(*) FROM gone', relation) INTO n;
    ELSE
        IF estimate THEN
            SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END INTO n
              FROM pg_catalog.pg_class c WHERE c.oid = relation;
        END IF;
        IF n IS NULL THEN
            EXECUTE format('SELECT count(*) FROM %s', relation) INTO n;
        END IF;
    END IF;
    RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.history_prune(text, regclass, boolean) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.history_prune(text, regclass, boolean) IS
'for maintain_history_partitions: folds a partition about to go into the pruned totals and returns its rows';

-- The owner's work, run by each cycle for each table in turn (the scheduler's
-- role may not create or drop tables): it takes no name it does not find in
-- history_tables(), and no time later than now.
CREATE FUNCTION tenant_scaling.maintain_history_partitions(
    at timestamptz DEFAULT now(), only_table text DEFAULT NULL,
    OUT partitions_created int, OUT partitions_dropped int, OUT rows_pruned bigint)
RETURNS record LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET "TimeZone" = 'UTC'
-- lets the append-only ledger's trigger pass the rows it moves or prunes
SET tenant_scaling.history_maintenance = on
AS $$
DECLARE
    h record;
    p record;
    parent regclass;
    default_part regclass;
    retention interval;
    span interval;
    cutoff timestamptz;
    day timestamptz;
    default_days timestamptz[];
    default_rows boolean;
    default_expired bigint;
    name text;
    columns text;
    kept_from timestamptz;
    dropped_before int;
BEGIN
    partitions_created := 0;
    partitions_dropped := 0;
    rows_pruned := 0;
    at := least(coalesce(at, now()), now());
    IF only_table IS NOT NULL AND NOT EXISTS (SELECT FROM tenant_scaling.history_tables() t
                                              WHERE t.history_table = only_table) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('"%s" is not a history table', left(only_table, 64)),
            HINT = 'The history tables are listed by tenant_scaling.history_tables().';
    END IF;
    FOR h IN SELECT * FROM tenant_scaling.history_tables() t
              WHERE only_table IS NULL OR t.history_table = only_table LOOP
        parent := format('tenant_scaling.%I', h.history_table)::regclass;
        default_part := format('tenant_scaling.%I', h.history_table || '_default')::regclass;
        span := ('1 ' || h.span)::interval;
        retention := current_setting(h.retention_setting)::interval;
        cutoff := CASE WHEN retention > interval '0' THEN at - retention END;
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO columns
          FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = parent AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
        -- the default partition holds rows only when no partition covered
        -- them: locked while they move out, so that none comes in meanwhile
        -- (one scan: the days of the rows to keep, and how many go). Without a
        -- retention, days over a month old get no partition (a feeder's
        -- samples stamped at a thousand past days would make a thousand
        -- tables): their rows stay in the default partition, kept.
        EXECUTE format('SELECT EXISTS (SELECT FROM %s)', default_part) INTO default_rows;
        default_days := '{}';
        default_expired := 0;
        IF default_rows THEN
            EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', default_part);
            EXECUTE format('SELECT array_agg(DISTINCT date_trunc(%L, %I::timestamptz)) FILTER (WHERE %I >= $2),'
                           '       count(*) FILTER (WHERE %I < $1) FROM %s',
                           h.span, h.time_column, h.time_column, h.time_column, default_part)
                INTO default_days, default_expired
                USING coalesce(date_trunc(h.span, cutoff), '-infinity'),
                      coalesce(date_trunc(h.span, cutoff), date_trunc(h.span, at - interval '1 month'));
        END IF;

        -- today's partition and the next two, and one for each unexpired day
        -- the default partition holds rows of (moved in before it is attached)
        FOR day IN
            SELECT d FROM generate_series(date_trunc(h.span, at), date_trunc(h.span, at + interval '2 days'), span) d
            UNION
            SELECT d FROM unnest(default_days) d
            ORDER BY 1
        LOOP
            CONTINUE WHEN EXISTS (SELECT FROM tenant_scaling.history_partitions hp
                                   WHERE hp.history_table = h.history_table
                                     AND hp.from_time < day + span AND hp.to_time > day);
            name := h.history_table || '_p' || to_char(day, CASE h.span WHEN 'month' THEN 'YYYYMM' ELSE 'YYYYMMDD' END);
            EXECUTE format('CREATE TABLE tenant_scaling.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
                           ' INCLUDING GENERATED INCLUDING INDEXES)', name, default_part);
            EXECUTE format('WITH moved AS (DELETE FROM %s WHERE %I >= $1 AND %I < $2 RETURNING %s)'
                           ' INSERT INTO tenant_scaling.%I (%s) SELECT %s FROM moved',
                           default_part, h.time_column, h.time_column, columns, name, columns, columns)
                USING day, day + span;
            EXECUTE format('ALTER TABLE %s ATTACH PARTITION tenant_scaling.%I FOR VALUES FROM (%L) TO (%L)',
                           parent, name,
                           CASE h.span WHEN 'month' THEN day::date::text ELSE day::text END,
                           CASE h.span WHEN 'month' THEN (day + span)::date::text ELSE (day + span)::text END);
            partitions_created := partitions_created + 1;
        END LOOP;

        CONTINUE WHEN cutoff IS NULL;
        dropped_before := partitions_dropped;
        -- partitions wholly older than the retention go whole (dropping one
        -- locks its table until the cycle commits); what is left in the
        -- default partition is of days no partition was made for, wholly
        -- older than the retention: it goes whole too
        FOR p IN SELECT * FROM tenant_scaling.history_partitions hp
                  WHERE hp.history_table = h.history_table AND hp.to_time <= cutoff ORDER BY hp.from_time LOOP
            EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', parent);
            rows_pruned := rows_pruned + tenant_scaling.history_prune(h.history_table,
                format('tenant_scaling.%I', p.partition_name)::regclass, true);
            EXECUTE format('DROP TABLE tenant_scaling.%I', p.partition_name);
            partitions_dropped := partitions_dropped + 1;
        END LOOP;
        IF default_expired > 0 THEN
            rows_pruned := rows_pruned + CASE WHEN h.history_table IN ('scaling_events', 'scheduler_runs')
                                              THEN tenant_scaling.history_prune(h.history_table, default_part, false)
                                              ELSE default_expired END;
            EXECUTE format('TRUNCATE %s', default_part);
        END IF;

        -- derived rows whose newest source row went: nothing older than
        -- kept_from is left; a row a writer holds is being rewritten anyway
        CONTINUE WHEN partitions_dropped = dropped_before AND default_expired = 0;
        SELECT least(min(hp.from_time), cutoff) INTO kept_from FROM tenant_scaling.history_partitions hp
         WHERE hp.history_table = h.history_table;
        IF h.history_table = 'endpoint_metrics' THEN
            DELETE FROM tenant_scaling.endpoint_metrics_latest l
             WHERE (l.tenant_id, l.endpoint_id) IN (SELECT k.tenant_id, k.endpoint_id
                                                      FROM tenant_scaling.endpoint_metrics_latest k
                                                     WHERE k.ts < kept_from FOR UPDATE SKIP LOCKED);
        ELSIF h.history_table = 'training_queue_stats' THEN
            UPDATE tenant_scaling.tenant_training_inputs i
               SET queue_size = NULL, avg_wait_time_seconds = NULL, max_wait_time_seconds = NULL,
                   processing_rate_per_minute = NULL, stats_at = NULL
             WHERE i.tenant_id IN (SELECT k.tenant_id FROM tenant_scaling.tenant_training_inputs k
                                    WHERE k.stats_at < kept_from FOR NO KEY UPDATE SKIP LOCKED);
        END IF;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.maintain_history_partitions(timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.maintain_history_partitions(timestamptz, text) TO tenant_scaling_admin;
COMMENT ON FUNCTION tenant_scaling.maintain_history_partitions(timestamptz, text) IS
'makes the history partitions of the day of at (never later than now) and the next two days, moves the default '
'partition''s rows into theirs, and drops the partitions and rows older than the retention; each cycle runs it';

-- After a restore. pg_restore copies the history into its partitions, where
-- no trigger follows: endpoint_metrics_latest and the usage totals are
-- dumped with it, and worker counts follow their own table; the newest queue
-- sample of each tenant is found again here. The scheduler runs it when a
-- pg_restore it paused for is done; without the scheduler, run it by hand.
CREATE FUNCTION tenant_scaling.rebuild_derived_state()
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    WITH newest AS (SELECT DISTINCT ON (s.tenant_id) s.* FROM tenant_scaling.training_queue_stats s
                     ORDER BY s.tenant_id, s.timestamp DESC),
    rebuilt AS (
        INSERT INTO tenant_scaling.tenant_training_inputs AS i
               (tenant_id, queue_size, avg_wait_time_seconds, max_wait_time_seconds, processing_rate_per_minute, stats_at)
        SELECT tenant_id, queue_size, avg_wait_time_seconds, max_wait_time_seconds, processing_rate_per_minute, timestamp
          FROM newest ORDER BY tenant_id
        ON CONFLICT (tenant_id) DO UPDATE
           SET queue_size = excluded.queue_size, avg_wait_time_seconds = excluded.avg_wait_time_seconds,
               max_wait_time_seconds = excluded.max_wait_time_seconds,
               processing_rate_per_minute = excluded.processing_rate_per_minute, stats_at = excluded.stats_at
         WHERE i.stats_at IS NULL OR excluded.stats_at > i.stats_at
        RETURNING 1)
    SELECT count(*) INTO n FROM rebuilt;
    -- the GPUs each pool's running jobs hold (a restore with --disable-triggers
    -- leaves none), with every stripe held: all in stripe 0, the shares dealt again
    PERFORM tenant_scaling.lock_pool_stripes(p.pool) FROM tenant_scaling.capacity_pools p ORDER BY p.pool;
    DELETE FROM tenant_scaling.capacity_pool_releases;
    UPDATE tenant_scaling.capacity_pool_admitted a
       SET units = CASE WHEN a.stripe = 0 THEN coalesce(f.gpus, 0) ELSE 0 END,
           jobs = CASE WHEN a.stripe = 0 THEN coalesce(f.jobs, 0) ELSE 0 END
      FROM tenant_scaling.capacity_pools p
      LEFT JOIN (SELECT j.pool, sum(j.gpu_count)::int AS gpus, count(*)::int AS jobs
                   FROM tenant_scaling.training_jobs j WHERE j.status = 'running' AND j.pool IS NOT NULL
                  GROUP BY j.pool) f ON f.pool = p.pool
     WHERE a.pool = p.pool;
    PERFORM tenant_scaling.deal_pool_shares(p.pool, p.capacity) FROM tenant_scaling.capacity_pools p ORDER BY p.pool;
    RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.rebuild_derived_state() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.rebuild_derived_state() TO tenant_scaling_admin;
COMMENT ON FUNCTION tenant_scaling.rebuild_derived_state() IS
'after a restore: each tenant''s newest training_queue_stats sample into tenant_training_inputs, and the GPUs in use of each pool; returns the tenants set';

--------------------------------------------------------------------------
-- Shared GPU capacity (issue 12; README, Shared GPU capacity): pools,
-- quotas, the GPUs each training job holds, admission against capacity,
-- preemption and the capacity views. Before the scheduler's role, whose
-- grants and policies cover every table.
--------------------------------------------------------------------------

-- the seed rows of the new pools and quotas merge on restore
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

-- Pools: Kueue's resource flavors. Operators edit them; pg_dump keeps them.
CREATE TABLE tenant_scaling.capacity_pools (
    pool text PRIMARY KEY CONSTRAINT pool_length CHECK (pg_catalog.length(pool) BETWEEN 1 AND 63),
    resource text NOT NULL DEFAULT 'gpu' CONSTRAINT pool_resource_known CHECK (resource = 'gpu'),
    capacity_type text NOT NULL
        CONSTRAINT capacity_type_valid CHECK (capacity_type IN ('reserved', 'on_demand', 'spot')),
    -- bounded, so that no sum of GPUs overflows
    capacity int NOT NULL CONSTRAINT capacity_range CHECK (capacity BETWEEN 0 AND 1000000),
    price_per_unit_hour numeric NOT NULL
        CONSTRAINT price_per_unit_hour_finite_not_negative
        CHECK (price_per_unit_hour >= 0 AND price_per_unit_hour < 'Infinity'),
    description text
);
INSERT INTO tenant_scaling.capacity_pools (pool, capacity_type, capacity, price_per_unit_hour, description)
VALUES
    ('reserved', 'reserved', 32, 1.60, 'GPUs under a reservation: already paid for, used first'),
    ('spot', 'spot', 32, 0.90, 'spot GPUs: cheap, reclaimed at short notice; for preemptible jobs of tenants that allow spot'),
    ('on_demand', 'on_demand', 64, 3.20, 'on-demand GPUs: used when reserved and spot capacity is taken');
COMMENT ON TABLE tenant_scaling.capacity_pools IS
'the pools GPUs come from (Kueue''s resource flavors): capacity and price; admission never puts more in use than capacity';
COMMENT ON COLUMN tenant_scaling.capacity_pools.pool IS 'the pool''s name, 1 to 63 characters';
COMMENT ON COLUMN tenant_scaling.capacity_pools.resource IS 'what the pool holds: gpu';
COMMENT ON COLUMN tenant_scaling.capacity_pools.capacity_type IS
'reserved (placed first), spot (for preemptible jobs of tenants that allow spot) or on_demand (placed last)';
COMMENT ON COLUMN tenant_scaling.capacity_pools.capacity IS
'units the pool has, 0 to 1,000,000; lowered below what is in use only by report_capacity_change, which preempts what no longer fits';
COMMENT ON COLUMN tenant_scaling.capacity_pools.price_per_unit_hour IS
'price of one unit for one hour; tenant_capacity_cost multiplies the GPU hours of each tenant''s jobs by it';
COMMENT ON COLUMN tenant_scaling.capacity_pools.description IS 'what the pool is, free text';
COMMENT ON INDEX tenant_scaling.capacity_pools_pkey IS 'pools by name';
CREATE TRIGGER capacity_pools_merge_seed_row BEFORE INSERT ON tenant_scaling.capacity_pools
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
GRANT SELECT ON tenant_scaling.capacity_pools TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.capacity_pools TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.capacity_pools', '');

-- Derived, per pool: kept by the triggers on training_jobs, which refuse a
-- change that would put more in use than the pool's capacity. What a pool
-- holds is what admissions put in (capacity_pool_admitted) less what
-- finishes and preemptions took out since: out of a stripe no other
-- transaction holds, or, when all are held, as a row of
-- capacity_pool_releases (only ever added, so that a release waits for no
-- one), which the next admission folds in. A pool's admissions are kept in eight stripes,
-- each with a share of the capacity (the shares sum to at most the
-- capacity): an admission locks one stripe with room that no other holds,
-- so that concurrent starts on one pool do not queue for one row, and only
-- when none has room locks them all and deals the shares again
-- (deal_pool_shares). A stripe may hold less than nothing: a release is
-- folded into whichever stripe folds it. Not dumped: restoring the jobs
-- fills them again.
CREATE TABLE tenant_scaling.capacity_pool_admitted (
    pool text NOT NULL REFERENCES tenant_scaling.capacity_pools (pool) ON UPDATE CASCADE ON DELETE CASCADE,
    stripe int NOT NULL CONSTRAINT admitted_stripe_range CHECK (stripe >= 0 AND stripe < 8),
    units int NOT NULL DEFAULT 0,
    jobs int NOT NULL DEFAULT 0,
    share int NOT NULL DEFAULT 0,
    PRIMARY KEY (pool, stripe)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.05);  -- rewritten by every start
COMMENT ON TABLE tenant_scaling.capacity_pool_admitted IS
'per pool and stripe: GPUs and jobs admitted, less the releases folded in so far, and the stripe''s share of the capacity; '
'an admission locks one stripe with room';
COMMENT ON COLUMN tenant_scaling.capacity_pool_admitted.pool IS 'the pool';
COMMENT ON COLUMN tenant_scaling.capacity_pool_admitted.stripe IS 'the stripe, 0 to 7';
COMMENT ON COLUMN tenant_scaling.capacity_pool_admitted.units IS
'GPUs of the jobs admitted through the stripe, less the releases it folded in (below 0 when it folded more than it admitted)';
COMMENT ON COLUMN tenant_scaling.capacity_pool_admitted.jobs IS 'jobs admitted through the stripe, less the releases it folded in';
COMMENT ON COLUMN tenant_scaling.capacity_pool_admitted.share IS
'GPUs the stripe may hold: an admission through it keeps units at most share; the pool''s shares sum to at most its capacity';
COMMENT ON INDEX tenant_scaling.capacity_pool_admitted_pkey IS 'eight rows per pool';
GRANT SELECT ON tenant_scaling.capacity_pool_admitted TO PUBLIC;
GRANT SELECT ON tenant_scaling.capacity_pool_admitted TO tenant_scaling_admin;

CREATE TABLE tenant_scaling.capacity_pool_releases (
    pool text NOT NULL REFERENCES tenant_scaling.capacity_pools (pool) ON UPDATE CASCADE ON DELETE CASCADE,
    units int NOT NULL CONSTRAINT released_units_not_negative CHECK (units >= 0),
    jobs int NOT NULL CONSTRAINT released_jobs_not_negative CHECK (jobs >= 0)
) WITH (autovacuum_vacuum_scale_factor = 0.05);  -- rows added by every finish, taken by the next admission
CREATE INDEX capacity_pool_releases_pool_idx ON tenant_scaling.capacity_pool_releases (pool);
COMMENT ON TABLE tenant_scaling.capacity_pool_releases IS
'GPUs released from each pool (jobs finished or preempted) while its stripes were held, not yet folded into capacity_pool_admitted';
COMMENT ON COLUMN tenant_scaling.capacity_pool_releases.pool IS 'the pool';
COMMENT ON COLUMN tenant_scaling.capacity_pool_releases.units IS 'GPUs released';
COMMENT ON COLUMN tenant_scaling.capacity_pool_releases.jobs IS 'jobs that released them';
COMMENT ON INDEX tenant_scaling.capacity_pool_releases_pool_idx IS 'a pool''s releases: what an admission folds in';
GRANT SELECT ON tenant_scaling.capacity_pool_releases TO PUBLIC;
GRANT SELECT ON tenant_scaling.capacity_pool_releases TO tenant_scaling_admin;

CREATE VIEW tenant_scaling.capacity_pool_usage AS
SELECT a.pool, a.units - coalesce(r.units, 0) AS units_in_use, a.jobs - coalesce(r.jobs, 0) AS running_jobs
FROM (SELECT s.pool, sum(s.units)::int AS units, sum(s.jobs)::int AS jobs
        FROM tenant_scaling.capacity_pool_admitted s GROUP BY s.pool) a
LEFT JOIN (SELECT x.pool, sum(x.units)::int AS units, sum(x.jobs)::int AS jobs
             FROM tenant_scaling.capacity_pool_releases x GROUP BY x.pool) r ON r.pool = a.pool;
COMMENT ON VIEW tenant_scaling.capacity_pool_usage IS
'per pool: the GPUs its running jobs hold and the running jobs (admitted less released; a release not yet committed still counts)';
GRANT SELECT ON tenant_scaling.capacity_pool_usage TO PUBLIC;
GRANT SELECT ON tenant_scaling.capacity_pool_usage TO tenant_scaling_admin;

-- Every stripe of a pool, locked in stripe order (the missing ones made
-- first): what an admission that found no stripe with room, a lowering of
-- the pool's capacity and the rebuild hold before they deal the shares.
CREATE FUNCTION tenant_scaling.lock_pool_stripes(of_pool text)
RETURNS void LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (SELECT count(*) FROM tenant_scaling.capacity_pool_admitted a WHERE a.pool = lock_pool_stripes.of_pool) < 8 THEN
        INSERT INTO tenant_scaling.capacity_pool_admitted (pool, stripe)
        SELECT lock_pool_stripes.of_pool, s.stripe FROM pg_catalog.generate_series(0, 7) s (stripe)
        ON CONFLICT DO NOTHING;
    END IF;
    PERFORM 1 FROM tenant_scaling.capacity_pool_admitted a WHERE a.pool = lock_pool_stripes.of_pool
     ORDER BY a.stripe FOR UPDATE;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.lock_pool_stripes(text) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.lock_pool_stripes(text) IS
'lock every admission stripe of the pool, in stripe order (the owner''s, for the capacity triggers and functions)';

-- With every stripe of the pool held (lock_pool_stripes): the releases
-- folded in, what the pool holds moved to stripe 0, and what is free dealt
-- out evenly as the stripes' shares. A capacity under what is in use (while
-- report_capacity_change preempts) gives every stripe a share far below
-- anything it could hold, so that no release taken out of a stripe makes
-- room there: only an admission that locks all the stripes and counts
-- against the capacity lets a job in, and deals the shares again.
CREATE FUNCTION tenant_scaling.deal_pool_shares(of_pool text, pool_capacity int)
RETURNS void LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    WITH folded AS (DELETE FROM tenant_scaling.capacity_pool_releases r WHERE r.pool = deal_pool_shares.of_pool
                    RETURNING r.units, r.jobs),
         held AS (SELECT s.units - (SELECT coalesce(sum(f.units), 0) FROM folded f)::int AS units,
                         s.jobs - (SELECT coalesce(sum(f.jobs), 0) FROM folded f)::int AS jobs,
                         deal_pool_shares.pool_capacity - s.units
                             + (SELECT coalesce(sum(f.units), 0) FROM folded f)::int AS free
                    FROM (SELECT sum(a.units)::int AS units, sum(a.jobs)::int AS jobs
                            FROM tenant_scaling.capacity_pool_admitted a
                           WHERE a.pool = deal_pool_shares.of_pool) s)
    UPDATE tenant_scaling.capacity_pool_admitted a
       SET units = CASE WHEN a.stripe = 0 THEN h.units ELSE 0 END,
           jobs = CASE WHEN a.stripe = 0 THEN h.jobs ELSE 0 END,
           share = CASE WHEN h.free < 0 THEN -1000000000
                        ELSE CASE WHEN a.stripe = 0 THEN h.units ELSE 0 END + h.free / 8 + (a.stripe < h.free % 8)::int
                   END
      FROM held h
     WHERE a.pool = deal_pool_shares.of_pool;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.deal_pool_shares(text, int) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.deal_pool_shares(text, int) IS
'with the pool''s stripes held: fold its releases, move what it holds to stripe 0 and deal the free capacity out as shares '
'(the owner''s, for the capacity triggers and functions)';

-- Quotas: Kueue's nominal quota, borrowing limit and fair-sharing weight,
-- per tier, and per tenant where a tenant's own row replaces its tier's.
CREATE TABLE tenant_scaling.capacity_quotas (
    tier text PRIMARY KEY REFERENCES tenant_scaling.tiers (tier) ON UPDATE CASCADE ON DELETE CASCADE,
    guaranteed_gpus int NOT NULL DEFAULT 0 CONSTRAINT guaranteed_gpus_range CHECK (guaranteed_gpus BETWEEN 0 AND 1000000),
    borrowing_limit_gpus int
        CONSTRAINT borrowing_limit_gpus_range CHECK (borrowing_limit_gpus BETWEEN 0 AND 1000000),
    fair_share_weight numeric NOT NULL DEFAULT 1
        CONSTRAINT fair_share_weight_finite_positive CHECK (fair_share_weight > 0 AND fair_share_weight < 'Infinity'),
    spot_allowed boolean NOT NULL DEFAULT true
);
INSERT INTO tenant_scaling.capacity_quotas (tier, guaranteed_gpus, borrowing_limit_gpus, fair_share_weight, spot_allowed)
VALUES
    ('basic', 0, 8, 1, true),
    ('standard', 0, 16, 2, true),
    ('premium', 8, NULL, 4, true),
    ('enterprise', 16, NULL, 8, false);
COMMENT ON TABLE tenant_scaling.capacity_quotas IS
'each tier''s GPU quota: guaranteed GPUs, how many more it may borrow of idle capacity, its fair-share weight, spot';
COMMENT ON COLUMN tenant_scaling.capacity_quotas.tier IS 'a tier of tenant_scaling.tiers';
COMMENT ON COLUMN tenant_scaling.capacity_quotas.guaranteed_gpus IS
'GPUs a tenant of the tier gets back by preemption of borrowed work when it waits for them (Kueue''s nominal quota)';
COMMENT ON COLUMN tenant_scaling.capacity_quotas.borrowing_limit_gpus IS
'GPUs beyond the guarantee a tenant may hold of idle capacity; NULL: all idle capacity (both at most 1,000,000)';
COMMENT ON COLUMN tenant_scaling.capacity_quotas.fair_share_weight IS
'share of idle capacity among borrowing tenants, in proportion to the weights (Kueue''s fair sharing)';
COMMENT ON COLUMN tenant_scaling.capacity_quotas.spot_allowed IS 'whether preemptible jobs of the tier''s tenants may run on spot pools';
COMMENT ON INDEX tenant_scaling.capacity_quotas_pkey IS 'one quota per tier';
CREATE TRIGGER capacity_quotas_merge_seed_row BEFORE INSERT ON tenant_scaling.capacity_quotas
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
GRANT SELECT ON tenant_scaling.capacity_quotas TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.capacity_quotas TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.capacity_quotas', '');

CREATE TABLE tenant_scaling.tenant_capacity_quotas (
    tenant_id uuid PRIMARY KEY,
    guaranteed_gpus int NOT NULL DEFAULT 0 CONSTRAINT guaranteed_gpus_range CHECK (guaranteed_gpus BETWEEN 0 AND 1000000),
    borrowing_limit_gpus int
        CONSTRAINT borrowing_limit_gpus_range CHECK (borrowing_limit_gpus BETWEEN 0 AND 1000000),
    fair_share_weight numeric NOT NULL DEFAULT 1
        CONSTRAINT fair_share_weight_finite_positive CHECK (fair_share_weight > 0 AND fair_share_weight < 'Infinity'),
    spot_allowed boolean NOT NULL DEFAULT true
);
SELECT pg_temp.check_shard_of_rows('tenant_capacity_quotas');
SELECT pg_temp.isolate_tenant_rows('tenant_capacity_quotas');
GRANT SELECT ON tenant_scaling.tenant_capacity_quotas TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.tenant_capacity_quotas TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_capacity_quotas', '');
COMMENT ON TABLE tenant_scaling.tenant_capacity_quotas IS
'a tenant''s own GPU quota: the whole row replaces its tier''s capacity_quotas row';
COMMENT ON COLUMN tenant_scaling.tenant_capacity_quotas.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_capacity_quotas.guaranteed_gpus IS 'GPUs guaranteed to the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_capacity_quotas.borrowing_limit_gpus IS
'GPUs beyond the guarantee the tenant may borrow; NULL: all idle capacity';
COMMENT ON COLUMN tenant_scaling.tenant_capacity_quotas.fair_share_weight IS 'the tenant''s fair-share weight';
COMMENT ON COLUMN tenant_scaling.tenant_capacity_quotas.spot_allowed IS 'whether the tenant''s preemptible jobs may run on spot pools';
COMMENT ON INDEX tenant_scaling.tenant_capacity_quotas_pkey IS 'one quota per tenant';

-- training_jobs: the GPUs a job holds, its pool, why it waits
ALTER TABLE tenant_scaling.training_jobs
    ADD COLUMN preemptible boolean NOT NULL DEFAULT false,
    ADD COLUMN gpu_count int CONSTRAINT gpu_count_not_negative CHECK (gpu_count >= 0),
    ADD COLUMN pool text CONSTRAINT job_pool_known REFERENCES tenant_scaling.capacity_pools (pool) ON UPDATE CASCADE ON DELETE RESTRICT,
    ADD COLUMN wait_reason text CONSTRAINT wait_reason_valid CHECK (wait_reason IN ('no_capacity', 'over_borrowing_limit', 'exceeds_quota', 'larger_than_any_pool', 'preempted')),
    ADD COLUMN preemptions int NOT NULL DEFAULT 0 CONSTRAINT preemptions_not_negative CHECK (preemptions >= 0),
    ADD CONSTRAINT job_pool_placed CHECK (pool IS NULL OR (gpu_count IS NOT NULL AND status <> 'queued'));
CREATE INDEX training_jobs_running_idx ON tenant_scaling.training_jobs (tenant_id)
    WHERE status = 'running';
CREATE INDEX training_jobs_pool_running_idx ON tenant_scaling.training_jobs (pool, started_at)
    WHERE status = 'running' AND pool IS NOT NULL;
CREATE INDEX training_jobs_waiting_idx ON tenant_scaling.training_jobs (tenant_id, submitted_at, job_id)
    WHERE status = 'queued' AND wait_reason IS NOT NULL;
COMMENT ON COLUMN tenant_scaling.training_jobs.preemptible IS
'whether the job may be placed on spot capacity (and so be interrupted); submit_training_job''s fifth argument';
COMMENT ON COLUMN tenant_scaling.training_jobs.gpu_count IS
'GPUs the job needs (allocate_resources of its workload), held in its pool while it runs; NULL before its first start';
COMMENT ON COLUMN tenant_scaling.training_jobs.pool IS
'the capacity pool the job runs on, or ran on; NULL while queued and for a job that needs no GPU';
COMMENT ON COLUMN tenant_scaling.training_jobs.wait_reason IS
'why the queued job did not start when it was last tried: no_capacity, over_borrowing_limit, exceeds_quota, '
'larger_than_any_pool, or preempted (waiting to be placed again); NULL otherwise';
COMMENT ON COLUMN tenant_scaling.training_jobs.preemptions IS 'times the job was preempted and put back at the head of its queue';
COMMENT ON INDEX tenant_scaling.training_jobs_running_idx IS 'a tenant''s running jobs: the GPUs it holds';
COMMENT ON INDEX tenant_scaling.training_jobs_pool_running_idx IS
'a pool''s running jobs, oldest first: what preemption chooses from';
COMMENT ON INDEX tenant_scaling.training_jobs_waiting_idx IS 'queued jobs that were tried and wait: what reclaim_capacity serves';
COMMENT ON INDEX tenant_scaling.training_jobs_queued_idx IS 'a tenant''s queued jobs, oldest first: the next one to start';
COMMENT ON INDEX tenant_scaling.training_jobs_finished_idx IS
'finished jobs by finish time: the jobs finished per minute of a queue sample';

-- GPUs in use per pool, in step with the jobs. A row trigger, so that only
-- jobs entering or leaving a pool pay for it. A job entering a pool locks
-- one of the pool's admission stripes that has room in its share of the
-- capacity and that no other admission holds (SKIP LOCKED), folds in the
-- releases committed since, and is in: the shares sum to at most the
-- capacity, so concurrent admissions through different stripes cannot
-- over-commit the pool. When no stripe has room it locks them all, in
-- order, reads what is in use and the capacity after the lock, is refused
-- if the pool would hold more than its capacity (a release not yet
-- committed still counts as held), and deals the shares again. A job
-- leaving a pool takes its GPUs out of a stripe no one holds, or adds a
-- release row when every stripe is held: it waits for no one. Lowering a
-- capacity locks all the stripes the same way (check_pool_capacity), so the
-- lowering sees the admission, or the admission the new shares (at
-- REPEATABLE READ, a serialization failure). An admission waits for the
-- stripes at most a second (another tenant's open transaction must not
-- stall it) and then tries the next pool.
CREATE FUNCTION tenant_scaling.maintain_pool_usage()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET lock_timeout = '1s' AS $$
DECLARE
    chosen_stripe int;
    cap int;
    used int;
BEGIN
    IF TG_RELID <> 'tenant_scaling.training_jobs'::pg_catalog.regclass OR TG_WHEN <> 'AFTER' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'maintain_pool_usage runs only as an AFTER trigger of tenant_scaling.training_jobs';
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM tenant_scaling.capacity_pool_releases;
        UPDATE tenant_scaling.capacity_pool_admitted SET units = 0, jobs = 0;
        RETURN NULL;
    END IF;
    -- a pool renamed: its rows follow by their own foreign keys
    IF TG_OP = 'UPDATE' AND (OLD.status, OLD.gpu_count) = (NEW.status, NEW.gpu_count)
       AND NOT EXISTS (SELECT 1 FROM tenant_scaling.capacity_pools p WHERE p.pool = OLD.pool) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'running' AND OLD.pool IS NOT NULL THEN
        -- out of a stripe no one holds (this backend's first, so that one
        -- client keeps to one stripe), or, when all are held, a release row
        -- for the next admission to fold in: a job leaving waits for no one
        -- (nor fails to serialize: above READ COMMITTED, always the row)
        IF current_setting('transaction_isolation') = 'read committed' THEN
            SELECT a.stripe INTO chosen_stripe FROM tenant_scaling.capacity_pool_admitted a
             WHERE a.pool = OLD.pool
             ORDER BY (a.stripe + pg_catalog.pg_backend_pid()) % 8 LIMIT 1 FOR UPDATE SKIP LOCKED;
        END IF;
        IF chosen_stripe IS NOT NULL THEN
            UPDATE tenant_scaling.capacity_pool_admitted a SET units = a.units - OLD.gpu_count, jobs = a.jobs - 1
             WHERE a.pool = OLD.pool AND a.stripe = chosen_stripe;
        ELSE
            INSERT INTO tenant_scaling.capacity_pool_releases (pool, units, jobs) VALUES (OLD.pool, OLD.gpu_count, 1);
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'running' AND NEW.pool IS NOT NULL THEN
        -- a stripe with room for the job that no other admission holds, in a
        -- statement of its own: what the next one reads (the releases) is
        -- then as of after the lock
        SELECT a.stripe INTO chosen_stripe FROM tenant_scaling.capacity_pool_admitted a
         WHERE a.pool = NEW.pool AND a.share - a.units >= NEW.gpu_count
         ORDER BY (a.stripe + pg_catalog.pg_backend_pid()) % 8 LIMIT 1 FOR UPDATE SKIP LOCKED;
        IF FOUND THEN
            -- the stripe is ours until commit: the job in, the releases
            -- committed since that no other admission is folding out
            WITH folded AS (DELETE FROM tenant_scaling.capacity_pool_releases r
                             USING (SELECT x.ctid FROM tenant_scaling.capacity_pool_releases x
                                     WHERE x.pool = NEW.pool FOR UPDATE SKIP LOCKED) x
                             WHERE r.ctid = x.ctid
                            RETURNING r.units, r.jobs)
            UPDATE tenant_scaling.capacity_pool_admitted a
               SET units = a.units + NEW.gpu_count - f.units, jobs = a.jobs + 1 - f.jobs
              FROM (SELECT coalesce(sum(x.units), 0)::int AS units, coalesce(sum(x.jobs), 0)::int AS jobs FROM folded x) f
             WHERE a.pool = NEW.pool AND a.stripe = chosen_stripe
            RETURNING a.units, a.share INTO used, cap;
            IF used > cap THEN   -- cannot be: the stripe had room, and folding only adds to it
                RAISE EXCEPTION 'stripe % of pool % holds % GPUs, more than its share %', chosen_stripe, NEW.pool, used, cap;
            END IF;
            RETURN NULL;
        END IF;
        -- no stripe with room free: all of them, in order (a lowering of the
        -- capacity takes them the same way, so one waits for the other), then
        -- the capacity as committed and the shares dealt again
        PERFORM tenant_scaling.lock_pool_stripes(NEW.pool);
        SELECT u.units_in_use, p.capacity INTO used, cap
          FROM tenant_scaling.capacity_pools p
          JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool
         WHERE p.pool = NEW.pool;
        IF used + NEW.gpu_count > cap THEN
            RAISE EXCEPTION USING ERRCODE = 'TS003',
                MESSAGE = format('pool %s has no room for %s GPUs of training job %s', NEW.pool, NEW.gpu_count, NEW.job_id),
                DETAIL = format('The pool would hold %s GPUs; its capacity is %s.', used + NEW.gpu_count, cap),
                HINT = 'start_next_training_job places a job on a pool with room.';
        END IF;
        UPDATE tenant_scaling.capacity_pool_admitted a SET units = a.units + NEW.gpu_count, jobs = a.jobs + 1
         WHERE a.pool = NEW.pool AND a.stripe = 0;
        PERFORM tenant_scaling.deal_pool_shares(NEW.pool, cap);
    END IF;
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.maintain_pool_usage() FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.maintain_pool_usage() IS
'AFTER trigger of training_jobs: a pool''s admitted GPUs and releases follow the running jobs; a pool over its capacity is refused (TS003)';
CREATE TRIGGER training_jobs_pool_usage_insert
    AFTER INSERT ON tenant_scaling.training_jobs FOR EACH ROW
    WHEN (NEW.status = 'running' AND NEW.pool IS NOT NULL)
    EXECUTE FUNCTION tenant_scaling.maintain_pool_usage();
CREATE TRIGGER training_jobs_pool_usage_update
    AFTER UPDATE ON tenant_scaling.training_jobs FOR EACH ROW
    WHEN ((OLD.status = 'running' AND OLD.pool IS NOT NULL OR NEW.status = 'running' AND NEW.pool IS NOT NULL)
          AND (OLD.status, OLD.pool, OLD.gpu_count) IS DISTINCT FROM (NEW.status, NEW.pool, NEW.gpu_count))
    EXECUTE FUNCTION tenant_scaling.maintain_pool_usage();
CREATE TRIGGER training_jobs_pool_usage_delete
    AFTER DELETE ON tenant_scaling.training_jobs FOR EACH ROW
    WHEN (OLD.status = 'running' AND OLD.pool IS NOT NULL)
    EXECUTE FUNCTION tenant_scaling.maintain_pool_usage();
CREATE TRIGGER training_jobs_pool_usage_truncate
    AFTER TRUNCATE ON tenant_scaling.training_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_pool_usage();
ALTER TABLE tenant_scaling.training_jobs ENABLE ALWAYS TRIGGER training_jobs_pool_usage_insert;
ALTER TABLE tenant_scaling.training_jobs ENABLE ALWAYS TRIGGER training_jobs_pool_usage_update;
ALTER TABLE tenant_scaling.training_jobs ENABLE ALWAYS TRIGGER training_jobs_pool_usage_delete;
ALTER TABLE tenant_scaling.training_jobs ENABLE ALWAYS TRIGGER training_jobs_pool_usage_truncate;

CREATE FUNCTION tenant_scaling.submit_training_job(tenant_id uuid, workload_type text, model_size_gb numeric,
                                                   expected_duration_hours numeric, preemptible boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ts_submit_training_job'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.submit_training_job(uuid, text, numeric, numeric, boolean) IS
'queue a training job that may (preemptible) or may not run on spot capacity; limits as submit_training_job(uuid, text, numeric, numeric)';

COMMENT ON FUNCTION tenant_scaling.start_next_training_job(uuid) IS
'start the tenant''s oldest queued job while fewer than max_concurrent_jobs run and its GPUs fit the tenant''s quota '
'and a pool; its id, or NULL (the job''s wait_reason says why it waits)';

-- scaling_events: jobs admitted and preempted
ALTER TABLE tenant_scaling.scaling_events DROP CONSTRAINT resource_kind_valid,
    ADD CONSTRAINT resource_kind_valid CHECK (resource_kind IN ('training', 'inference', 'job'));
ALTER TABLE tenant_scaling.scaling_events DROP CONSTRAINT action_valid,
    ADD CONSTRAINT action_valid CHECK (action IN ('scale_out', 'scale_in', 'admit', 'preempt'));
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

-- A tenant's quota: its own row, else its tier's (basic for a tenant without
-- configuration), else nothing guaranteed and all idle capacity to borrow.
CREATE FUNCTION tenant_scaling.capacity_quota(tenant_id uuid,
    OUT tier text, OUT tier_rank int, OUT guaranteed_gpus int, OUT borrowing_limit_gpus int,
    OUT fair_share_weight numeric, OUT spot_allowed boolean)
RETURNS record LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    SELECT t.tier, t.tier_rank,
           coalesce(o.guaranteed_gpus, q.guaranteed_gpus, 0),
           CASE WHEN o.tenant_id IS NOT NULL THEN o.borrowing_limit_gpus ELSE q.borrowing_limit_gpus END,
           coalesce(o.fair_share_weight, q.fair_share_weight, 1),
           coalesce(o.spot_allowed, q.spot_allowed, true)
      INTO tier, tier_rank, guaranteed_gpus, borrowing_limit_gpus, fair_share_weight, spot_allowed
      FROM (SELECT coalesce((SELECT c.scaling_tier FROM tenant_scaling.tenant_scaling_config c
                              WHERE c.tenant_id = capacity_quota.tenant_id), 'basic') AS tier) x
      JOIN tenant_scaling.tiers t ON t.tier = x.tier
      LEFT JOIN tenant_scaling.capacity_quotas q ON q.tier = t.tier
      LEFT JOIN tenant_scaling.tenant_capacity_quotas o ON o.tenant_id = capacity_quota.tenant_id;
END
$$;
COMMENT ON FUNCTION tenant_scaling.capacity_quota(uuid) IS
'the tenant''s GPU quota: its tenant_capacity_quotas row, else its tier''s capacity_quotas row';

-- GPUs a tenant's running jobs hold, in every pool
CREATE FUNCTION tenant_scaling.gpus_held(tenant_id uuid)
RETURNS int LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT coalesce(sum(j.gpu_count), 0)::int FROM tenant_scaling.training_jobs j
             WHERE j.tenant_id = gpus_held.tenant_id AND j.status = 'running');
END
$$;
COMMENT ON FUNCTION tenant_scaling.gpus_held(uuid) IS 'GPUs the tenant''s running training jobs hold, in every pool';

-- A job's pools in placement order: reserved first (already paid for), then
-- spot for a preemptible job of a tenant that allows spot, then on-demand;
-- the cheaper first within a type. Pools too small for the job are left out.
CREATE FUNCTION tenant_scaling.placement_pools(gpus int, spot boolean)
RETURNS TABLE (pool text, capacity int, units_in_use int)
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT p.pool, p.capacity, coalesce(u.units_in_use, 0)::int
      FROM tenant_scaling.capacity_pools p
      LEFT JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool
     WHERE p.resource = 'gpu' AND p.capacity >= placement_pools.gpus
       AND (p.capacity_type <> 'spot' OR placement_pools.spot)
     ORDER BY pg_catalog.array_position(ARRAY['reserved', 'spot', 'on_demand'], p.capacity_type),
              p.price_per_unit_hour, p.pool;
END
$$;
COMMENT ON FUNCTION tenant_scaling.placement_pools(int, boolean) IS
'the pools a job of this many GPUs may run on, in placement order: reserved, spot (when allowed), on-demand; cheaper first';

-- Start one queued job if its tenant's quota and a pool allow: the job's
-- pool, or why it waits (written on the job). The caller holds the job's row
-- and its tenant's tenant_job_counts row, as start_next_training_job does.
-- Run as the extension's owner only (start_next_training_job,
-- reclaim_capacity, report_capacity_change).
CREATE FUNCTION tenant_scaling.place_training_job(job_id bigint, only_pools text[], OUT pool text, OUT gpu_count int,
                                                  OUT wait_reason text)
RETURNS record LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job record;
    candidate record;
BEGIN
    -- one read: the job, its GPUs, its tenant's quota and what the tenant holds
    SELECT j.tenant_id, j.preemptible, a.gpu_count, q.guaranteed_gpus, q.borrowing_limit_gpus, q.spot_allowed,
           (SELECT coalesce(sum(r.gpu_count), 0)::int FROM tenant_scaling.training_jobs r
             WHERE r.tenant_id = j.tenant_id AND r.status = 'running' AND a.gpu_count > 0) AS held
      INTO job
      FROM tenant_scaling.training_jobs j
     CROSS JOIN LATERAL tenant_scaling.allocate_resources(j.tenant_id, j.workload_type) a
     LEFT JOIN LATERAL (SELECT * FROM tenant_scaling.capacity_quota(j.tenant_id) WHERE a.gpu_count > 0) q ON true
     WHERE j.job_id = place_training_job.job_id AND j.status = 'queued';
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('training job %s is not queued', place_training_job.job_id);
    END IF;
    gpu_count := job.gpu_count;
    IF gpu_count = 0 THEN
        UPDATE tenant_scaling.training_jobs j
           SET status = 'running', started_at = clock_timestamp(), gpu_count = 0, pool = NULL, wait_reason = NULL
         WHERE j.job_id = place_training_job.job_id;
        RETURN;
    END IF;
    IF job.borrowing_limit_gpus IS NOT NULL AND gpu_count > job.guaranteed_gpus::bigint + job.borrowing_limit_gpus THEN
        wait_reason := 'exceeds_quota';
    ELSIF job.borrowing_limit_gpus IS NOT NULL
          AND job.held::bigint + gpu_count > job.guaranteed_gpus::bigint + job.borrowing_limit_gpus THEN
        wait_reason := 'over_borrowing_limit';
    ELSE
        wait_reason := 'larger_than_any_pool';
        FOR candidate IN SELECT * FROM tenant_scaling.placement_pools(gpu_count, job.preemptible AND job.spot_allowed) c
                          WHERE only_pools IS NULL OR c.pool = ANY (only_pools)
        LOOP
            wait_reason := 'no_capacity';
            -- read without a lock: a pool seen full is passed over; the usage
            -- trigger checks, under the pool's lock, the one taken
            CONTINUE WHEN candidate.units_in_use::bigint + gpu_count > candidate.capacity;
            BEGIN
                UPDATE tenant_scaling.training_jobs j
                   SET status = 'running', started_at = clock_timestamp(),
                       gpu_count = place_training_job.gpu_count, pool = candidate.pool, wait_reason = NULL
                 WHERE j.job_id = place_training_job.job_id;
                pool := candidate.pool;
                wait_reason := NULL;
                RETURN;
            EXCEPTION WHEN SQLSTATE 'TS003' OR lock_not_available THEN
                NULL;   -- taken meanwhile, or held by an open transaction: the next pool
            END;
        END LOOP;
    END IF;
    UPDATE tenant_scaling.training_jobs j
       SET wait_reason = place_training_job.wait_reason, gpu_count = place_training_job.gpu_count
     WHERE j.job_id = place_training_job.job_id
       AND (j.wait_reason, j.gpu_count) IS DISTINCT FROM (place_training_job.wait_reason, place_training_job.gpu_count);
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.place_training_job(bigint, text[]) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.place_training_job(bigint, text[]) IS
'start a queued job on the first pool with room (of only_pools, when not NULL), within its tenant''s quota; else record why it waits (the owner''s, for the admission functions)';

-- Why a job runs where it does, or waits: what place_training_job would
-- read and decide for it now, step by step; writes nothing. Under the
-- caller's rights: another tenant's job does not exist for a tenant.
CREATE FUNCTION tenant_scaling.explain_job_admission(job_id bigint)
RETURNS TABLE (step int, kind text, name text, value text, detail text)
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    job record;
    quota record;
    held int;
    need int;
    candidate record;
    verdict text;
    room text;
BEGIN
    SELECT j.job_id, j.tenant_id, j.workload_type, j.preemptible, j.status, j.pool, j.gpu_count, j.wait_reason,
           j.preemptions,
           NOT EXISTS (SELECT 1 FROM tenant_scaling.training_jobs o
                        WHERE o.tenant_id = j.tenant_id AND o.status = 'queued'
                          AND (o.submitted_at, o.job_id) < (j.submitted_at, j.job_id)) AS at_head
      INTO job FROM tenant_scaling.training_jobs j WHERE j.job_id = explain_job_admission.job_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('training job %s does not exist', explain_job_admission.job_id);
    END IF;
    need := CASE WHEN job.status = 'queued'
                 THEN (SELECT a.gpu_count FROM tenant_scaling.allocate_resources(job.tenant_id, job.workload_type) a)
                 ELSE coalesce(job.gpu_count, 0) END;
    quota := tenant_scaling.capacity_quota(job.tenant_id);
    held := tenant_scaling.gpus_held(job.tenant_id);
    step := 0;
    FOR kind, name, value, detail IN VALUES
        ('input', 'status', job.status, CASE WHEN job.status = 'running' THEN format('on pool %s', coalesce(job.pool, 'none'))
                                             WHEN job.status = 'queued' AND NOT job.at_head THEN 'behind older queued jobs of its tenant: first in, first out'
                                             WHEN job.status = 'queued' THEN 'the head of its tenant''s queue' END),
        ('input', 'gpus', need::text, format('allocate_resources(%s)', job.workload_type)),
        ('input', 'preemptible', job.preemptible::text, 'may run on spot capacity'),
        ('input', 'wait_reason', job.wait_reason, format('preempted %s times', job.preemptions)),
        ('quota', 'tier', quota.tier, NULL),
        ('quota', 'guaranteed_gpus', quota.guaranteed_gpus::text, 'got back by preemption of borrowed work'),
        ('quota', 'borrowing_limit_gpus', coalesce(quota.borrowing_limit_gpus::text, 'all idle capacity'), NULL),
        ('quota', 'fair_share_weight', quota.fair_share_weight::text, NULL),
        ('quota', 'spot_allowed', quota.spot_allowed::text, NULL),
        ('quota', 'gpus_held', held::text, format('borrowing %s', greatest(held - quota.guaranteed_gpus, 0)))
    LOOP
        step := step + 1;
        RETURN NEXT;
    END LOOP;
    IF job.status <> 'queued' THEN
        RETURN;
    END IF;
    IF need = 0 THEN
        verdict := 'would start: it needs no GPU, so no pool';
    ELSIF quota.borrowing_limit_gpus IS NOT NULL AND need > quota.guaranteed_gpus + quota.borrowing_limit_gpus THEN
        verdict := 'waits: exceeds_quota, the job is larger than the guarantee plus the borrowing limit';
    ELSIF quota.borrowing_limit_gpus IS NOT NULL AND held + need > quota.guaranteed_gpus + quota.borrowing_limit_gpus THEN
        verdict := 'waits: over_borrowing_limit, until jobs of its tenant finish';
    END IF;
    FOR candidate IN
        SELECT p.pool, p.capacity_type, p.capacity, coalesce(u.units_in_use, 0) AS used,
               p.capacity_type <> 'spot' OR job.preemptible AND quota.spot_allowed AS usable
          FROM tenant_scaling.capacity_pools p LEFT JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool
         WHERE p.resource = 'gpu'
         ORDER BY pg_catalog.array_position(ARRAY['reserved', 'spot', 'on_demand'], p.capacity_type),
                  p.price_per_unit_hour, p.pool
    LOOP
        room := CASE WHEN NOT candidate.usable THEN 'not usable: spot takes preemptible jobs of tenants that allow spot'
                     WHEN candidate.capacity < need THEN 'smaller than the job'
                     WHEN candidate.used + need <= candidate.capacity THEN 'room'
                     ELSE 'full for this job' END;
        step := step + 1;
        kind := 'pool';
        name := candidate.pool;
        value := format('%s of %s in use', candidate.used, candidate.capacity);
        detail := format('%s: %s', candidate.capacity_type, room);
        RETURN NEXT;
        IF verdict IS NULL AND room = 'room' AND job.at_head THEN
            verdict := format('would start on %s', candidate.pool);
        END IF;
    END LOOP;
    IF verdict IS NULL AND NOT job.at_head THEN
        verdict := 'waits: behind older queued jobs of its tenant';
    ELSIF verdict IS NULL AND held + need <= quota.guaranteed_gpus THEN
        verdict := 'waits: no_capacity; within its guarantee, so the next cycle preempts borrowed work for it where that makes room';
    ELSIF verdict IS NULL THEN
        verdict := 'waits: no_capacity; it would borrow, so it gets room when GPUs free up, or by fair sharing';
    END IF;
    step := step + 1;
    kind := 'result';
    name := 'admission';
    value := NULL;
    detail := verdict;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION tenant_scaling.explain_job_admission(bigint) IS
'why a training job runs where it does or waits: its GPUs, its tenant''s quota, each pool in placement order, the verdict; writes nothing';

-- An event of the capacity decisions (resource_kind job), announced as the
-- scaling decisions are: the payload is the event id only.
CREATE FUNCTION tenant_scaling.record_job_event(tenant_id uuid, job_id bigint, action text, held int, reason text,
                                                inputs jsonb, origin text, run_id bigint)
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    id bigint;
BEGIN
    INSERT INTO tenant_scaling.scaling_events (tenant_id, resource_kind, resource_id, action, previous_count, new_count,
                                               reason, inputs, origin, run_id)
    VALUES ($1, 'job', $2::text, $3, CASE WHEN $3 = 'preempt' THEN $4 ELSE 0 END,
            CASE WHEN $3 = 'preempt' THEN 0 ELSE $4 END, $5, $6, $7, $8)
    RETURNING event_id INTO id;
    PERFORM pg_notify('tenant_scaling', json_build_object('event_id', id)::text);
    RETURN id;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.record_job_event(uuid, bigint, text, int, text, jsonb, text, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.record_job_event(uuid, bigint, text, int, text, jsonb, text, bigint) IS
'a scaling_events row for a job admitted or preempted by the capacity functions, and its NOTIFY (the owner''s)';

-- Preempt a running job: back at the head of its tenant's queue (it keeps
-- its submitted_at, older than every job queued behind it), its GPUs free.
CREATE FUNCTION tenant_scaling.preempt_training_job(job_id bigint, reason text, origin text, run_id bigint)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    victim record;
BEGIN
    -- its tenant's counts row first, as every writer of a running job takes them
    PERFORM 1 FROM tenant_scaling.tenant_job_counts n
     WHERE n.tenant_id = (SELECT j.tenant_id FROM tenant_scaling.training_jobs j WHERE j.job_id = $1)
       FOR UPDATE;
    UPDATE tenant_scaling.training_jobs j
       SET status = 'queued', started_at = NULL, pool = NULL, wait_reason = 'preempted', preemptions = j.preemptions + 1
      FROM tenant_scaling.training_jobs o
     WHERE j.job_id = $1 AND o.job_id = j.job_id AND j.status = 'running'
    RETURNING j.tenant_id, o.pool, o.gpu_count, o.started_at INTO victim;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM tenant_scaling.record_job_event(victim.tenant_id, $1, 'preempt', victim.gpu_count, $2,
        jsonb_build_object('pool', victim.pool, 'gpus', victim.gpu_count, 'started_at', victim.started_at), $3, $4);
    RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.preempt_training_job(bigint, text, text, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.preempt_training_job(bigint, text, text, bigint) IS
'requeue a running job at the head of its tenant''s queue and record the preemption (the owner''s)';

-- Preempt in pool what a waiting job needs, if preempting can make the room:
-- only borrowed work (a tenant above its guarantee), the lowest tier and the
-- newest first (Kueue's reclaimWithinCohort). For a waiter within its
-- guarantee, any borrower; for a borrower (fair sharing), only a tenant whose
-- share of borrowed GPUs per weight stays above the waiter's after both
-- changes, so that two borrowers never preempt each other back and forth.
CREATE FUNCTION tenant_scaling.preempt_for(waiter_tenant uuid, gpus int, within_guarantee boolean,
                                           waiter_share numeric, pool text, origin text, run_id bigint)
RETURNS TABLE (job_id bigint, tenant_id uuid, gpu_count int) LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    free int;
    victim record;
    chosen bigint[] := '{}';
    taken jsonb := '{}';
    borrowed int;
BEGIN
    SELECT p.capacity - coalesce(u.units_in_use, 0) INTO free
      FROM tenant_scaling.capacity_pools p LEFT JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool
     WHERE p.pool = preempt_for.pool;
    FOR victim IN
        SELECT j.job_id, j.tenant_id, j.gpu_count, q.guaranteed_gpus, q.fair_share_weight,
               tenant_scaling.gpus_held(j.tenant_id) AS held
          FROM tenant_scaling.training_jobs j
         CROSS JOIN LATERAL tenant_scaling.capacity_quota(j.tenant_id) q
         WHERE j.pool = preempt_for.pool AND j.status = 'running' AND j.tenant_id <> waiter_tenant
         ORDER BY q.tier_rank, j.started_at DESC, j.job_id DESC
    LOOP
        EXIT WHEN free >= gpus;
        borrowed := victim.held - coalesce((taken ->> victim.tenant_id::text)::int, 0) - victim.guaranteed_gpus;
        CONTINUE WHEN borrowed <= 0;
        CONTINUE WHEN NOT within_guarantee
                  AND (borrowed - victim.gpu_count)::numeric / victim.fair_share_weight <= waiter_share;
        chosen := chosen || victim.job_id;
        free := free + victim.gpu_count;
        taken := jsonb_set(taken, ARRAY[victim.tenant_id::text],
                           to_jsonb(coalesce((taken ->> victim.tenant_id::text)::int, 0) + victim.gpu_count));
    END LOOP;
    IF free < gpus THEN
        RETURN;
    END IF;
    -- the victims' tenants' counts rows, then the victims' rows (the order
    -- of start and finish), or none: the pass holds pool usage rows, and a
    -- start or finish waiting for those must not be waited for in turn
    PERFORM 1 FROM tenant_scaling.tenant_job_counts n
     WHERE n.tenant_id IN (SELECT j.tenant_id FROM tenant_scaling.training_jobs j WHERE j.job_id = ANY (chosen))
     ORDER BY n.tenant_id
       FOR UPDATE NOWAIT;
    PERFORM 1 FROM tenant_scaling.training_jobs j WHERE j.job_id = ANY (chosen) ORDER BY j.job_id FOR UPDATE NOWAIT;
    FOR victim IN SELECT j.job_id, j.tenant_id, j.gpu_count FROM tenant_scaling.training_jobs j
                   WHERE j.job_id = ANY (chosen) ORDER BY j.job_id
    LOOP
        IF tenant_scaling.preempt_training_job(victim.job_id,
               CASE WHEN within_guarantee THEN 'reclaim_within_quota' ELSE 'fair_share' END, origin, run_id) THEN
            job_id := victim.job_id;
            tenant_id := victim.tenant_id;
            gpu_count := victim.gpu_count;
            RETURN NEXT;
        END IF;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.preempt_for(uuid, int, boolean, numeric, text, text, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.preempt_for(uuid, int, boolean, numeric, text, text, bigint) IS
'preempt borrowed work in a pool until a waiting job fits, or nothing when it cannot be made to fit (the owner''s)';

-- The cycle's admission pass: every tenant whose head job waits for capacity
-- is tried again, guaranteed tenants first (highest tier first), then
-- borrowers by their share per weight after admission, lowest first; a
-- job that still does not fit gets its room by preemption where it may.
-- What each pool has free, and an upper bound of what preemption could
-- free there (the GPUs of tenants above their guarantee), are read once
-- and kept up to date through the pass, so that a waiter nothing can serve
-- costs no lock and no write. A tenant, or a victim, another transaction
-- holds is passed over and tried next cycle. Last in the cycle: the pools'
-- usage rows it takes are held until the cycle commits.
CREATE FUNCTION tenant_scaling.reclaim_capacity(origin text DEFAULT 'manual', run_id bigint DEFAULT NULL)
RETURNS TABLE (job_id bigint, tenant_id uuid, action text, pool text, gpu_count int, reason text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    pools jsonb;
    w record;
    head record;
    placed record;
    candidate record;
    victim record;
    need int;
    held int;
    within boolean;
    admitted boolean;
    freed int;
    why text;
    admitted_any boolean;
    usable text[] := '{}';
    each_pool text;
    stripes_held int;
    done jsonb := '[]';
BEGIN
    IF origin IS NULL OR origin NOT IN ('worker', 'sql', 'manual') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('origin must be worker, sql or manual, not %s', coalesce(origin, 'null'));
    END IF;
    IF (run_id IS NULL) <> (origin = 'manual')
       OR run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tenant_scaling.scheduler_runs r
                                              WHERE r.run_id = reclaim_capacity.run_id AND r.status = 'running'
                                                AND r.origin = reclaim_capacity.origin) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('run %s is not a running %s cycle', coalesce(run_id::text, 'null'), origin),
            HINT = 'Call reclaim_capacity() by hand with no arguments; the cycles pass their own run.';
    END IF;
    -- the pools the pass uses: all their admission stripes, locked now, or
    -- the pool left out (a start holds a stripe until it commits, and the
    -- pass never waits for a tenant); the releases folded in and the shares
    -- dealt again, by the capacity as committed after the lock
    INSERT INTO tenant_scaling.capacity_pool_admitted (pool, stripe)
    SELECT p.pool, s.stripe FROM tenant_scaling.capacity_pools p CROSS JOIN pg_catalog.generate_series(0, 7) s (stripe)
     WHERE (SELECT count(*) FROM tenant_scaling.capacity_pool_admitted a WHERE a.pool = p.pool) < 8
    ON CONFLICT DO NOTHING;
    FOR each_pool IN SELECT p.pool FROM tenant_scaling.capacity_pools p WHERE p.resource = 'gpu' ORDER BY p.pool LOOP
        BEGIN
            SELECT count(*) INTO stripes_held
              FROM (SELECT 1 FROM tenant_scaling.capacity_pool_admitted a WHERE a.pool = each_pool
                     ORDER BY a.stripe FOR UPDATE SKIP LOCKED) x;
            IF stripes_held < 8 THEN
                RAISE EXCEPTION USING ERRCODE = 'lock_not_available';
            END IF;
        EXCEPTION WHEN lock_not_available THEN
            CONTINUE;   -- the stripes taken are let go with the subtransaction
        END;
        PERFORM tenant_scaling.deal_pool_shares(p.pool, p.capacity)
           FROM tenant_scaling.capacity_pools p WHERE p.pool = each_pool;
        usable := usable || each_pool;
    END LOOP;
    -- rounds: an admission can make more work borrowed (its tenant goes
    -- above its guarantee), which a guaranteed tenant passed over earlier
    -- may then reclaim; a round that admits nothing ends the pass
    FOR round IN 1 .. 4 LOOP
        admitted_any := false;
        -- each pool: its capacity, whether it is spot, what is free, and the GPUs
        -- there of tenants above their guarantee
        WITH held AS (SELECT j.tenant_id, sum(j.gpu_count)::int AS gpus FROM tenant_scaling.training_jobs j
                       WHERE j.status = 'running' GROUP BY j.tenant_id),
             borrowing AS (SELECT h.tenant_id FROM held h
                            WHERE h.gpus > (tenant_scaling.capacity_quota(h.tenant_id)).guaranteed_gpus),
             borrowed AS (SELECT j.pool, sum(j.gpu_count)::int AS gpus FROM tenant_scaling.training_jobs j
                           WHERE j.status = 'running' AND j.tenant_id IN (SELECT b.tenant_id FROM borrowing b)
                           GROUP BY j.pool)
        SELECT coalesce(jsonb_object_agg(p.pool, jsonb_build_object(
                   'capacity', p.capacity, 'spot', p.capacity_type = 'spot',
                   'free', p.capacity - coalesce(u.units_in_use, 0), 'borrowed', coalesce(b.gpus, 0))), '{}')
          INTO pools
          FROM tenant_scaling.capacity_pools p
          LEFT JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool
          LEFT JOIN borrowed b ON b.pool = p.pool
         WHERE p.pool = ANY (usable);
        FOR w IN
            WITH head AS MATERIALIZED (
                SELECT DISTINCT ON (j.tenant_id) j.job_id, j.tenant_id, j.gpu_count, j.preemptible, j.submitted_at
                  FROM tenant_scaling.training_jobs j
                 WHERE j.status = 'queued' AND j.wait_reason IS NOT NULL
                 ORDER BY j.tenant_id, j.submitted_at, j.job_id),
            -- only those a pool could serve now: the pass only takes room, so
            -- none of the others becomes possible before it ends
            servable AS MATERIALIZED (
                SELECT h.* FROM head h
                 WHERE EXISTS (SELECT 1 FROM jsonb_each(pools) s
                                WHERE (s.value ->> 'capacity')::int >= h.gpu_count
                                  AND (NOT (s.value ->> 'spot')::boolean OR h.preemptible)
                                  AND (s.value ->> 'free')::int + (s.value ->> 'borrowed')::int >= h.gpu_count)),
            waiter AS MATERIALIZED (
                SELECT h.*, q.guaranteed_gpus, q.fair_share_weight, q.spot_allowed, q.tier_rank,
                       tenant_scaling.gpus_held(h.tenant_id) AS held
                  FROM servable h
                 CROSS JOIN LATERAL tenant_scaling.capacity_quota(h.tenant_id) q
                 -- the tenant's head job (its queue is first in, first out)
                 WHERE NOT EXISTS (SELECT 1 FROM tenant_scaling.training_jobs o
                                    WHERE o.tenant_id = h.tenant_id AND o.status = 'queued'
                                      AND (o.submitted_at, o.job_id) < (h.submitted_at, h.job_id)))
            SELECT * FROM waiter x
             ORDER BY (x.held + x.gpu_count <= x.guaranteed_gpus) DESC, x.tier_rank DESC,
                      greatest(x.held + x.gpu_count - x.guaranteed_gpus, 0) / x.fair_share_weight, x.submitted_at, x.job_id
        LOOP
            -- the tenant's head jobs, one after another while they are admitted
            LOOP
                admitted := false;
                need := w.gpu_count;
                -- nothing free, nor borrowed to preempt, in a pool it may use: next tenant
                EXIT WHEN NOT EXISTS (
                    SELECT 1 FROM jsonb_each(pools) s
                     WHERE (s.value ->> 'capacity')::int >= need
                       AND (NOT (s.value ->> 'spot')::boolean OR w.preemptible AND w.spot_allowed)
                       AND (s.value ->> 'free')::int + (s.value ->> 'borrowed')::int >= need);
                BEGIN
                    -- as start_next_training_job: the tenant's counts row, then its
                    -- head job now (a job preempted earlier in this pass is back at
                    -- the head); never waited for: the pass may hold usage rows a
                    -- start of this tenant waits for
                    PERFORM 1 FROM tenant_scaling.tenant_job_counts n
                      LEFT JOIN tenant_scaling.tenant_scaling_config c ON c.tenant_id = n.tenant_id
                     WHERE n.tenant_id = w.tenant_id AND n.running_jobs < coalesce(c.max_concurrent_jobs, 1)
                       FOR UPDATE OF n NOWAIT;
                    EXIT WHEN NOT FOUND;
                    SELECT j.job_id, j.preemptible INTO head FROM tenant_scaling.training_jobs j
                     WHERE j.tenant_id = w.tenant_id AND j.status = 'queued'
                     ORDER BY j.submitted_at, j.job_id LIMIT 1
                       FOR UPDATE NOWAIT;
                    EXIT WHEN NOT FOUND;
                    freed := 0;
                    held := tenant_scaling.gpus_held(w.tenant_id);
                    placed := tenant_scaling.place_training_job(head.job_id, usable);
                    within := held + placed.gpu_count <= w.guaranteed_gpus;
                    IF placed.wait_reason = 'no_capacity' THEN
                        FOR candidate IN
                            SELECT c.pool FROM tenant_scaling.placement_pools(placed.gpu_count, head.preemptible AND w.spot_allowed) c
                             WHERE (pools -> c.pool ->> 'free')::int + (pools -> c.pool ->> 'borrowed')::int >= placed.gpu_count
                        LOOP
                            FOR victim IN SELECT * FROM tenant_scaling.preempt_for(w.tenant_id, placed.gpu_count, within,
                                greatest(held + placed.gpu_count - w.guaranteed_gpus, 0)::numeric / w.fair_share_weight,
                                candidate.pool, origin, run_id)
                            LOOP
                                freed := freed + victim.gpu_count;
                                done := done || jsonb_build_object('job_id', victim.job_id, 'tenant_id', victim.tenant_id,
                                    'action', 'preempt', 'pool', candidate.pool, 'gpu_count', victim.gpu_count,
                                    'reason', CASE WHEN within THEN 'reclaim_within_quota' ELSE 'fair_share' END);
                            END LOOP;
                            IF freed > 0 THEN
                                pools := jsonb_set(pools, ARRAY[candidate.pool], (pools -> candidate.pool) || jsonb_build_object(
                                    'free', (pools -> candidate.pool ->> 'free')::int + freed,
                                    'borrowed', greatest((pools -> candidate.pool ->> 'borrowed')::int - freed, 0)));
                                placed := tenant_scaling.place_training_job(head.job_id, usable);
                                EXIT;
                            END IF;
                        END LOOP;
                        -- a victim that finished while the pass looked freed its GPUs all the same
                        IF freed = 0 THEN
                            placed := tenant_scaling.place_training_job(head.job_id, usable);
                        END IF;
                    END IF;
                    IF placed.wait_reason IS NULL THEN
                        admitted := true;
                        why := CASE WHEN freed > 0 AND within THEN 'reclaimed'
                                    WHEN freed > 0 THEN 'fair_share' ELSE 'capacity_free' END;
                        PERFORM tenant_scaling.record_job_event(w.tenant_id, head.job_id, 'admit', placed.gpu_count, why,
                            jsonb_build_object('pool', placed.pool, 'gpus', placed.gpu_count, 'held_before', held,
                                               'guaranteed_gpus', w.guaranteed_gpus, 'preempted_gpus', freed),
                            origin, run_id);
                        done := done || jsonb_build_object('job_id', head.job_id, 'tenant_id', w.tenant_id,
                            'action', 'admit', 'pool', placed.pool, 'gpu_count', placed.gpu_count, 'reason', why);
                        IF placed.pool IS NOT NULL THEN
                            pools := jsonb_set(pools, ARRAY[placed.pool], (pools -> placed.pool) || jsonb_build_object(
                                'free', (pools -> placed.pool ->> 'free')::int - placed.gpu_count,
                                'borrowed', (pools -> placed.pool ->> 'borrowed')::int
                                            + CASE WHEN within THEN 0 ELSE placed.gpu_count END));
                        END IF;
                        -- the next head job, if any, is tried with its own need
                        w.gpu_count := coalesce((SELECT j.gpu_count FROM tenant_scaling.training_jobs j
                                                  WHERE j.tenant_id = w.tenant_id AND j.status = 'queued'
                                                  ORDER BY j.submitted_at, j.job_id LIMIT 1), 0);
                    END IF;
                EXCEPTION WHEN lock_not_available THEN
                    done := '[]';   -- held by another transaction: the next cycle
                END;
                -- what the tenant's subtransaction did, once it committed
                RETURN QUERY SELECT (d ->> 'job_id')::bigint, (d ->> 'tenant_id')::uuid, d ->> 'action', d ->> 'pool',
                                    (d ->> 'gpu_count')::int, d ->> 'reason'
                               FROM jsonb_array_elements(done) d;
                done := '[]';
                EXIT WHEN NOT admitted;
                admitted_any := true;
            END LOOP;
        END LOOP;
        EXIT WHEN NOT admitted_any;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.reclaim_capacity(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.reclaim_capacity(text, bigint) TO tenant_scaling_admin;
COMMENT ON FUNCTION tenant_scaling.reclaim_capacity(text, bigint) IS
'the cycle''s admission pass: waiting head jobs tried again, guaranteed tenants first, room made by preempting borrowed work';

-- An operator's or actuator's report of a pool's capacity: a spot reclaim,
-- new reserved GPUs. What no longer fits is preempted, borrowed work first
-- (the lowest tier and the newest first), then work within guarantees, and
-- each preempted job is moved to another pool with room where its quota
-- allows, or waits at the head of its queue: no job is lost.
CREATE FUNCTION tenant_scaling.report_capacity_change(pool text, capacity int)
RETURNS TABLE (job_id bigint, tenant_id uuid, action text, to_pool text, gpu_count int)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET tenant_scaling.capacity_change = on
SET lock_timeout = '2s' AS $$
#variable_conflict use_column
DECLARE
    old_capacity int;
    used int;
    victim record;
    placed record;
    moved bigint[] := '{}';
    passed_over bigint[] := '{}';
    id bigint;
BEGIN
    IF pool IS NULL OR capacity IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = format('%s must not be null', CASE WHEN pool IS NULL THEN 'pool' ELSE 'capacity' END);
    END IF;
    IF capacity < 0 OR capacity > 1000000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('capacity must be 0 to 1,000,000: %s', capacity);
    END IF;
    -- what is in use must be read as it is now, not as a snapshot taken before
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'active_sql_transaction',
            MESSAGE = 'report_capacity_change runs at READ COMMITTED only',
            DETAIL = format('The transaction is %s: its snapshot may not show jobs started since it began.',
                            current_setting('transaction_isolation'));
    END IF;
    -- the counts rows of the tenants running there, then the pool: the
    -- order in which a start takes a tenant's counts and the pool it enters
    PERFORM 1 FROM tenant_scaling.tenant_job_counts n
     WHERE n.tenant_id IN (SELECT j.tenant_id FROM tenant_scaling.training_jobs j
                            WHERE j.pool = report_capacity_change.pool AND j.status = 'running')
     ORDER BY n.tenant_id
       FOR UPDATE;
    -- NO KEY UPDATE: another capacity change waits, releases (a foreign
    -- key's KEY SHARE) do not; admissions wait once the update below has
    -- touched the pool's admitted row (check_pool_capacity)
    SELECT p.capacity INTO old_capacity FROM tenant_scaling.capacity_pools p
     WHERE p.pool = report_capacity_change.pool FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('capacity pool %s does not exist', left(report_capacity_change.pool, 100)),
            HINT = 'The pools are the rows of tenant_scaling.capacity_pools.';
    END IF;
    UPDATE tenant_scaling.capacity_pools p SET capacity = report_capacity_change.capacity
     WHERE p.pool = report_capacity_change.pool;
    LOOP
        SELECT coalesce(u.units_in_use, 0) INTO used FROM tenant_scaling.capacity_pool_usage u
         WHERE u.pool = report_capacity_change.pool;
        EXIT WHEN coalesce(used, 0) <= report_capacity_change.capacity;
        SELECT j.job_id, j.tenant_id, j.gpu_count INTO victim
          FROM tenant_scaling.training_jobs j
         CROSS JOIN LATERAL tenant_scaling.capacity_quota(j.tenant_id) q
         WHERE j.pool = report_capacity_change.pool AND j.status = 'running' AND j.job_id <> ALL (passed_over)
         ORDER BY tenant_scaling.gpus_held(j.tenant_id) > q.guaranteed_gpus DESC, q.tier_rank,
                  j.started_at DESC, j.job_id DESC
         LIMIT 1
           FOR UPDATE OF j SKIP LOCKED;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'lock_not_available',
                MESSAGE = format('pool %s holds %s GPUs of jobs other transactions have locked', report_capacity_change.pool, used),
                HINT = 'Try again when they commit: nothing was changed.';
        END IF;
        -- a job started since the counts rows above were locked: its tenant's
        -- row now, or another victim (its start may wait for the pool)
        BEGIN
            PERFORM 1 FROM tenant_scaling.tenant_job_counts n WHERE n.tenant_id = victim.tenant_id FOR UPDATE NOWAIT;
        EXCEPTION WHEN lock_not_available THEN
            passed_over := passed_over || victim.job_id;
            CONTINUE;
        END;
        PERFORM tenant_scaling.preempt_training_job(victim.job_id, 'capacity_lowered', 'manual', NULL);
        moved := moved || victim.job_id;
    END LOOP;
    -- each preempted job, placed again where there is room (its tenant's
    -- counts row is held since the preemption moved it)
    FOREACH id IN ARRAY moved
    LOOP
        placed := tenant_scaling.place_training_job(id, NULL);
        SELECT j.tenant_id INTO victim FROM tenant_scaling.training_jobs j WHERE j.job_id = id;
        job_id := id;
        tenant_id := victim.tenant_id;
        gpu_count := placed.gpu_count;
        IF placed.wait_reason IS NULL THEN
            PERFORM tenant_scaling.record_job_event(victim.tenant_id, id, 'admit', placed.gpu_count, 'moved',
                jsonb_build_object('pool', placed.pool, 'gpus', placed.gpu_count, 'from_pool', report_capacity_change.pool),
                'manual', NULL);
            action := 'moved';
            to_pool := placed.pool;
        ELSE
            action := 'requeued';
            to_pool := NULL;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.report_capacity_change(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.report_capacity_change(text, int) TO tenant_scaling_admin, tenant_scaling_actuator;
COMMENT ON FUNCTION tenant_scaling.report_capacity_change(text, int) IS
'set a pool''s capacity; running work over it is preempted, borrowed first, and moved to a pool with room or requeued';

-- A lowered capacity: every admission stripe of the pool locked first, so
-- that an admission to the pool either committed before (and is counted
-- here) or waits and then sees the shares dealt by the new capacity (at
-- REPEATABLE READ it fails to serialize); the admission trigger takes no
-- lock on the pool's row. A raised one is dealt out by the next admission
-- that finds no stripe with room. A direct
-- UPDATE of capacity_pools may not leave a pool holding more than its
-- capacity: lowering it under what is in use is report_capacity_change's
-- work, which preempts. The owner's: the writer (an operator, the actuator's
-- report_capacity_change) may only read the admitted rows.
CREATE FUNCTION tenant_scaling.check_pool_capacity()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    used int;
BEGIN
    IF TG_RELID <> 'tenant_scaling.capacity_pools'::pg_catalog.regclass OR TG_WHEN <> 'BEFORE'
       OR TG_OP <> 'UPDATE' OR TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'check_pool_capacity runs only as a BEFORE UPDATE row trigger of tenant_scaling.capacity_pools';
    END IF;
    IF NEW.capacity >= OLD.capacity THEN
        RETURN NEW;
    END IF;
    -- what is in use must be read as it is now, not as a snapshot taken before
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'active_sql_transaction',
            MESSAGE = format('lowering the capacity of pool %s runs at READ COMMITTED only', OLD.pool),
            DETAIL = format('The transaction is %s: its snapshot may not show jobs started since it began.',
                            current_setting('transaction_isolation'));
    END IF;
    -- every admission stripe, so that no admission runs meanwhile; what is in
    -- use then read after the lock, and the shares dealt by the new capacity
    PERFORM tenant_scaling.lock_pool_stripes(OLD.pool);
    IF current_setting('tenant_scaling.capacity_change') <> 'on' THEN
        SELECT u.units_in_use INTO used FROM tenant_scaling.capacity_pool_usage u WHERE u.pool = OLD.pool;
        IF NEW.capacity < coalesce(used, 0) THEN
            RAISE EXCEPTION USING ERRCODE = 'TS003',
                MESSAGE = format('pool %s has %s GPUs in use, more than the capacity %s', OLD.pool, used, NEW.capacity),
                HINT = 'report_capacity_change lowers a pool''s capacity and preempts what no longer fits.';
        END IF;
    END IF;
    PERFORM tenant_scaling.deal_pool_shares(OLD.pool, NEW.capacity);
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.check_pool_capacity() FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.check_pool_capacity() IS
'BEFORE UPDATE trigger of capacity_pools: refuses a capacity under what the pool has in use (TS003)';
CREATE TRIGGER capacity_pools_check_capacity
    BEFORE UPDATE OF capacity ON tenant_scaling.capacity_pools
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.check_pool_capacity();

-- the actuator starts and stops the jobs the capacity events name: it reads every tenant's jobs
GRANT SELECT ON tenant_scaling.training_jobs TO tenant_scaling_actuator;
CREATE POLICY actuator_rows ON tenant_scaling.training_jobs FOR SELECT TO tenant_scaling_actuator USING (true);

-- Views: each pool, each tenant's quota and use, each tenant's use and cost per pool

CREATE VIEW tenant_scaling.capacity_pool_status AS
SELECT p.pool, p.resource, p.capacity_type, p.capacity,
       coalesce(u.units_in_use, 0) AS in_use,
       p.capacity - coalesce(u.units_in_use, 0) AS free,
       coalesce(u.running_jobs, 0) AS running_jobs,
       p.price_per_unit_hour,
       coalesce(u.units_in_use, 0) * p.price_per_unit_hour AS cost_per_hour
FROM tenant_scaling.capacity_pools p
LEFT JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool;
GRANT SELECT ON tenant_scaling.capacity_pool_status TO PUBLIC;
GRANT SELECT ON tenant_scaling.capacity_pool_status TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.capacity_pool_status IS
'each pool: capacity, GPUs in use and free, running jobs, and what its use costs per hour';

-- per tenant and pool: GPUs in use now, and every job's GPU hours there at the pool's price
CREATE VIEW tenant_scaling.tenant_pool_usage WITH (security_invoker = true) AS
SELECT j.tenant_id, j.pool,
       (coalesce(sum(j.gpu_count) FILTER (WHERE j.status = 'running'), 0))::int AS gpus_in_use,
       count(*) FILTER (WHERE j.status = 'running') AS running_jobs,
       count(*) AS jobs,
       round(sum(j.gpu_count * extract(epoch FROM coalesce(j.finished_at, now()) - j.started_at) / 3600), 6) AS gpu_hours,
       round(sum(j.gpu_count * extract(epoch FROM coalesce(j.finished_at, now()) - j.started_at) / 3600)
             * p.price_per_unit_hour, 6) AS gpu_cost
FROM tenant_scaling.training_jobs j
JOIN tenant_scaling.capacity_pools p ON p.pool = j.pool
WHERE j.started_at IS NOT NULL
GROUP BY j.tenant_id, j.pool, p.price_per_unit_hour;
GRANT SELECT ON tenant_scaling.tenant_pool_usage TO PUBLIC;
GRANT SELECT ON tenant_scaling.tenant_pool_usage TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.tenant_pool_usage IS
'per tenant and pool: GPUs in use, running jobs, and the GPU hours of its jobs there at the pool''s price (a tenant sees its own)';

-- per tenant: its quota, what it holds and borrows, what waits and why, and
-- the cost of its GPU use (beside tenant_cost_optimization's total_cost,
-- which prices the usage ledger: jobs' GPU hours are priced here by pool)
CREATE VIEW tenant_scaling.tenant_capacity WITH (security_invoker = true) AS
SELECT t.tenant_id, q.tier, q.guaranteed_gpus, q.borrowing_limit_gpus, q.fair_share_weight, q.spot_allowed,
       h.gpus_in_use,
       greatest(h.gpus_in_use - q.guaranteed_gpus, 0) AS borrowed_gpus,
       w.waiting_jobs, w.waiting_gpus, w.head_wait_reason,
       coalesce(c.gpu_cost, 0) AS gpu_cost
FROM (SELECT c.tenant_id FROM tenant_scaling.tenant_scaling_config c
      UNION SELECT n.tenant_id FROM tenant_scaling.tenant_job_counts n) t
CROSS JOIN LATERAL tenant_scaling.capacity_quota(t.tenant_id) q
CROSS JOIN LATERAL (SELECT tenant_scaling.gpus_held(t.tenant_id) AS gpus_in_use) h
CROSS JOIN LATERAL (
    SELECT count(*) AS waiting_jobs, coalesce(sum(j.gpu_count), 0)::int AS waiting_gpus,
           (array_agg(j.wait_reason ORDER BY j.submitted_at, j.job_id))[1] AS head_wait_reason
      FROM tenant_scaling.training_jobs j
     WHERE j.tenant_id = t.tenant_id AND j.status = 'queued' AND j.wait_reason IS NOT NULL) w
LEFT JOIN (SELECT u.tenant_id, sum(u.gpu_cost) AS gpu_cost FROM tenant_scaling.tenant_pool_usage u
            GROUP BY u.tenant_id) c ON c.tenant_id = t.tenant_id;
GRANT SELECT ON tenant_scaling.tenant_capacity TO PUBLIC;
GRANT SELECT ON tenant_scaling.tenant_capacity TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.tenant_capacity IS
'per tenant: GPU quota, GPUs in use and borrowed, jobs waiting for capacity and why, and the cost of its jobs'' GPUs by pool price';

--------------------------------------------------------------------------
-- The scheduler's role (issue 14): the worker runs each cycle as
-- tenant_scaling_scheduler (tenant_scaling.role), with what a cycle needs
--------------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tenant_scaling_scheduler') THEN
        CREATE ROLE tenant_scaling_scheduler NOLOGIN;
    END IF;
END
$$;

CREATE FUNCTION pg_temp.scheduler_privileges() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    -- every tenant's rows: a policy of its own on each table under row-level security
    FOR t IN SELECT c.relname FROM pg_catalog.pg_class c
              WHERE c.relnamespace = 'tenant_scaling'::regnamespace AND c.relkind IN ('r', 'p') AND c.relrowsecurity
              ORDER BY c.relname
    LOOP
        EXECUTE format('CREATE POLICY scheduler_rows ON tenant_scaling.%I TO tenant_scaling_scheduler'
                       ' USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;
SELECT pg_temp.scheduler_privileges();
DROP FUNCTION pg_temp.scheduler_privileges();

GRANT SELECT ON ALL TABLES IN SCHEMA tenant_scaling TO tenant_scaling_scheduler;
-- what a cycle writes: its runs, the queue samples, the decisions, the
-- endpoints' state, the training windows it prunes, and the rows it locks
-- (FOR UPDATE needs UPDATE); the history partitions are the owner's work
-- (maintain_history_partitions)
GRANT INSERT, UPDATE ON tenant_scaling.scheduler_runs TO tenant_scaling_scheduler;
GRANT UPDATE ON tenant_scaling.cycle_lock TO tenant_scaling_scheduler;
GRANT INSERT ON tenant_scaling.training_queue_stats TO tenant_scaling_scheduler;
GRANT UPDATE ON tenant_scaling.tenant_training_inputs TO tenant_scaling_scheduler;
GRANT INSERT, UPDATE ON tenant_scaling.tenant_training_state TO tenant_scaling_scheduler;
GRANT UPDATE ON tenant_scaling.inference_endpoints TO tenant_scaling_scheduler;
GRANT INSERT, UPDATE ON tenant_scaling.endpoint_scaling_state TO tenant_scaling_scheduler;
GRANT INSERT, UPDATE, DELETE ON tenant_scaling.training_scaling_state TO tenant_scaling_scheduler;
GRANT INSERT ON tenant_scaling.scaling_events TO tenant_scaling_scheduler;
GRANT INSERT, UPDATE ON tenant_scaling.pruned_event_totals, tenant_scaling.pruned_run_totals
    TO tenant_scaling_scheduler;
GRANT USAGE ON SEQUENCE tenant_scaling.scheduler_runs_run_id_seq, tenant_scaling.scaling_events_event_id_seq
    TO tenant_scaling_scheduler;
GRANT EXECUTE ON FUNCTION tenant_scaling.refresh_cost_optimization_view() TO tenant_scaling_scheduler;
GRANT EXECUTE ON FUNCTION tenant_scaling.maintain_history_partitions(timestamptz, text) TO tenant_scaling_scheduler;
GRANT EXECUTE ON FUNCTION tenant_scaling.reclaim_capacity(text, bigint) TO tenant_scaling_scheduler;
