
DROP FUNCTION pg_temp.isolate_tenant_rows(text);
DROP FUNCTION pg_temp.check_shard_of_rows(text);
DROP FUNCTION pg_temp.create_derived_triggers(text, text, text);
