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
