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
COMMENT ON SCHEMA tenant_scaling IS
'the objects of the extension tenant_scaling: per-tenant tiers, quotas and scaling decisions for training workers and inference replicas';

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

-- A history table's default partition (75_history.sql): the rows no day's
-- partition covers; dumped whole. The indexes are each partition's own (a
-- partition made by maintenance copies the default's): an index on the
-- table itself would make pg_restore meet, on each partition it restores,
-- an index the attach had already made.
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
