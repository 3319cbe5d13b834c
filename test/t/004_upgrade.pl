# ALTER EXTENSION tenant_scaling UPDATE: a database installed at 0.1.0 and
# filled with data is updated to the default version; then every object's
# definition (pg_dump --binary-upgrade --schema-only of the database, which dumps an
# extension's member objects, without the OIDs) and every row equal a fresh
# install of the default version given the same data. The update also
# repairs what the attack pass found in 0.1.0 (issue 16).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'tenant_scaling'\ntenant_scaling.enabled = off\n");
$node->start;

my $default_version = $node->safe_psql('postgres',
	"SELECT default_version FROM pg_available_extensions WHERE name = 'tenant_scaling'");
isnt($default_version, '0.1.0', "the default version ($default_version) is newer than 0.1.0");

# the same data for both databases, in SQL that 0.1.0 and the new version accept
my $data = q{
SET search_path = tenant_scaling;
INSERT INTO tiers (tier, tier_rank, resource_multiplier, max_cpu, max_gpu) VALUES ('platinum', 5, 8.0, 64, 16);
UPDATE tiers SET description = 'edited seed row' WHERE tier = 'basic';
INSERT INTO workload_profiles VALUES ('llm_finetune', 32, 8, 256, 4000, 10000);
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, auto_scaling_enabled,
                                   scaling_rules, created_at, updated_at)
SELECT ('d0000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, (ARRAY['basic', 'premium', 'platinum'])[1 + n % 3],
       3, 50, true, CASE WHEN n % 2 = 0 THEN '{"training": {"max_workers": 4}}'::jsonb END,
       '2026-11-01', '2026-11-01'
FROM generate_series(1, 12) n;
INSERT INTO tenant_roles SELECT 'role_' || n, ('d0000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid
FROM generate_series(1, 4) n;
INSERT INTO tenant_training_config (tenant_id, distributed_training_enabled, max_workers)
SELECT tenant_id, true, 6 FROM tenant_scaling_config ORDER BY tenant_id LIMIT 6;
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
SELECT tenant_id, 20 + k, 400 + k, '2026-12-01 10:00'::timestamptz - make_interval(mins => k)
FROM tenant_scaling_config, generate_series(1, 3) k;
INSERT INTO tenant_training_workers (tenant_id, status, created_at, updated_at)
SELECT tenant_id, (ARRAY['active', 'provisioning'])[1 + k % 2], '2026-11-01', '2026-11-01'
FROM tenant_scaling_config, generate_series(1, 2) k ORDER BY 1, k;
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, target_rps,
                                 created_at, updated_at)
SELECT 'ep-' || tenant_id, tenant_id, 2, 2, 100, '2026-11-01', '2026-11-01' FROM tenant_scaling_config;
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT endpoint_id, tenant_id, '2026-12-01 10:00', 90, 10, 10, 10 FROM inference_endpoints;
UPDATE resource_prices SET unit_price = 1.99 WHERE resource = 'gpu_hour';
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, usage_date, cpu_hours, cpu_utilization, training_jobs,
                                   inference_endpoints)
SELECT tenant_id, scaling_tier, date '2026-11-01' + k, k, 0.5, k % 3, 'ep-' || k % 2
FROM tenant_scaling_config, generate_series(1, 3) k;
};

$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', q{CREATE EXTENSION tenant_scaling VERSION '0.1.0'});
$node->safe_psql('old', $data);
# what the attack pass could leave in a 0.1.0 database: a sample stamped
# 'infinity' and a NaN metric, and an operator's trigger on an extension table
$node->safe_psql('old', q{
INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
VALUES ('ep-d0000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000001', 'infinity', 1),
       ('ep-d0000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000002', '2026-12-01 09:00', 'NaN');
CREATE FUNCTION public.operator_hook() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER operator_hook AFTER INSERT ON tenant_scaling.scaling_events
    FOR EACH STATEMENT EXECUTE FUNCTION public.operator_hook();
});
is($node->safe_psql('old', q{
SELECT has_function_privilege('public', 'tenant_scaling.maintain_derived_state()', 'EXECUTE')}), 't',
	'0.1.0 lets anyone attach its SECURITY DEFINER trigger function');

my ($ret, $stdout, $stderr) = $node->psql('old', 'ALTER EXTENSION tenant_scaling UPDATE');
is($ret, 0, 'ALTER EXTENSION tenant_scaling UPDATE succeeds on a database with data');
like($stderr, qr/removed 1 endpoint_metrics and 0 training_queue_stats rows stamped in the future or at infinity/,
	'the update says which samples it removed');
like($stderr, qr/WARNING:  trigger operator_hook on tenant_scaling.scaling_events runs public.operator_hook\(\)/,
	'and names a trigger someone else added to an extension table');
like($stderr, qr/WARNING:  trigger operator_hook on tenant_scaling.scaling_events is dropped: the table is made anew/,
	'and that the update to 0.3.0 drops it with the table it makes anew');
is($node->safe_psql('old', q{SELECT count(*) FROM pg_trigger WHERE tgname = 'operator_hook'}), '0', 'it is gone');
$node->safe_psql('old', 'DROP FUNCTION public.operator_hook()');
is($node->safe_psql('old', "SELECT extversion FROM pg_extension WHERE extname = 'tenant_scaling'"), $default_version,
	'the database is at the default version');

# the repairs
is($node->safe_psql('old', q{
SELECT has_function_privilege('public', 'tenant_scaling.maintain_derived_state()', 'EXECUTE')
    OR has_function_privilege('public', 'tenant_scaling.maintain_usage_totals()', 'EXECUTE')}), 'f',
	'the trigger functions are no longer PUBLIC');
is($node->safe_psql('old', q{
SELECT has_table_privilege('tenant_scaling_admin', 'tenant_scaling.scaling_events', 'TRIGGER')
    OR has_table_privilege('tenant_scaling_admin', 'tenant_scaling.scaling_events', 'TRUNCATE')
    OR has_table_privilege('tenant_scaling_admin', 'tenant_scaling.inference_endpoints', 'REFERENCES')}), 'f',
	'operators lose TRIGGER, TRUNCATE and REFERENCES');
is($node->safe_psql('old', q{SELECT count(*) FROM tenant_scaling.endpoint_metrics WHERE ts = 'infinity'}), '0',
	'the sample stamped infinity is gone');
is($node->safe_psql('old', q{
SELECT cpu_avg IS NULL FROM tenant_scaling.endpoint_metrics
 WHERE endpoint_id = 'ep-d0000000-0000-0000-0000-000000000002' AND ts = '2026-12-01 09:00'}), 't',
	'the NaN metric became unknown');

# the fresh install gets the same data, the NaN row as what the update made of it
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION tenant_scaling');
$node->safe_psql('fresh', $data);
$node->safe_psql('fresh', q{
INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
VALUES ('ep-d0000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000002', '2026-12-01 09:00', NULL);
});

# the same work on both, through the new version's functions
my $work = q{
SET search_path = tenant_scaling;
SELECT count(submit_training_job(tenant_id, 'llm_finetune', 10, 2)) FROM tenant_scaling_config, generate_series(1, 2);
SELECT count(start_next_training_job(tenant_id)) FROM (SELECT tenant_id FROM tenant_scaling_config ORDER BY 1) t;
SELECT refresh_cost_optimization_view();
};
$node->safe_psql($_, $work) for qw(old fresh);

sub schema_dump
{
	my ($db) = @_;
	my $out = $node->basedir . "/$db.schema.sql";
	$node->command_ok([ 'pg_dump', '--binary-upgrade', '--schema-only', '-f', $out,
			'-d', $node->connstr($db) ], "pg_dump --binary-upgrade --schema-only of $db");
	# OIDs, relfilenodes, xids and the dump's random restrict key are the database's own, and a
	# column added with a default keeps it as a "missing value": storage, not definition
	return join("\n", grep { !/^\s*\z|binary_upgrade_|^-- set missing value|^SET relfrozenxid|^WHERE oid = '\d+';\z|^-- Dumped|^\\(un)?restrict / }
		  split /\n/, slurp_file($out));
}
my ($old_schema, $fresh_schema) = (schema_dump('old'), schema_dump('fresh'));
like($fresh_schema, qr/CREATE TABLE tenant_scaling\.tenant_scaling_config/, 'the dump holds the extension\'s members');
is($old_schema, $fresh_schema, 'every object of the updated database is defined as in a fresh install');

# every row, but the times of what the two runs did just now
my @tables = split /\n/, $node->safe_psql('fresh', q{
SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'tenant_scaling'::regnamespace AND c.relkind IN ('r', 'm')
ORDER BY 1});
for my $table (@tables)
{
	my $now_columns = $node->safe_psql('fresh', qq{
SELECT coalesce(string_agg(quote_literal(attname), ', '), '') FROM pg_attribute
 WHERE attrelid = 'tenant_scaling.$table'::regclass AND attnum > 0 AND NOT attisdropped
   AND attname IN ('submitted_at', 'started_at', 'finished_at')});
	my $strip = $now_columns eq '' ? '' : " - ARRAY[$now_columns]";
	my $sql = "SELECT count(*) || ' ' || coalesce(md5(string_agg((to_jsonb(t)$strip)::text, '|' ORDER BY (to_jsonb(t)$strip)::text)), '')"
	  . " FROM tenant_scaling.$table t";
	is($node->safe_psql('old', $sql), $node->safe_psql('fresh', $sql), "$table holds the same rows");
}

$node->stop;
done_testing();
