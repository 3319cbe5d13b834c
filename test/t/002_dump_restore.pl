# pg_dump and pg_restore into a fresh database keep the configuration and the
# history; the derived state is rebuilt and the identity sequences go on.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'tenant_scaling'\ntenant_scaling.enabled = off\n");
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE source');
$node->safe_psql('source', q{
CREATE EXTENSION tenant_scaling;
SET search_path = tenant_scaling;
INSERT INTO tiers (tier, tier_rank, resource_multiplier, max_cpu, max_gpu) VALUES ('platinum', 5, 8.0, 64, 16);
UPDATE tiers SET description = 'edited seed row' WHERE tier = 'basic';
INSERT INTO workload_profiles VALUES ('llm_finetune', 32, 8, 256, 4000, 10000);
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, auto_scaling_enabled, scaling_rules)
SELECT ('d0000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid,
       (ARRAY['basic', 'premium', 'platinum'])[1 + n % 3], 3, 50, true,
       CASE WHEN n % 2 = 0 THEN '{"training": {"max_workers": 4}}'::jsonb END
FROM generate_series(1, 20) n;
INSERT INTO tenant_roles SELECT 'role_' || n, ('d0000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid
FROM generate_series(1, 5) n;
INSERT INTO tenant_training_config (tenant_id, distributed_training_enabled, max_workers)
SELECT tenant_id, true, 6 FROM tenant_scaling_config LIMIT 10;
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
SELECT tenant_id, 20 + k, 400 + k, now() - make_interval(mins => k) FROM tenant_scaling_config, generate_series(1, 5) k;
INSERT INTO tenant_training_workers (tenant_id, status)
SELECT tenant_id, (ARRAY['active', 'provisioning'])[1 + k % 2] FROM tenant_scaling_config, generate_series(1, 3) k;
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, target_rps)
SELECT 'ep-' || tenant_id, tenant_id, 2, 2, 100 FROM tenant_scaling_config;
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT endpoint_id, tenant_id, 90, 10, 10, 10 FROM inference_endpoints;
INSERT INTO capacity_pools VALUES ('a100-east', 'gpu', 'reserved', 48, 2.5, 'a pool of our own');
UPDATE capacity_pools SET capacity = 16 WHERE pool = 'reserved';
UPDATE capacity_quotas SET guaranteed_gpus = 2 WHERE tier = 'basic';
INSERT INTO capacity_quotas VALUES ('platinum', 32, NULL, 16, false);
INSERT INTO tenant_capacity_quotas SELECT tenant_id, 4, 4, 3, true FROM tenant_scaling_config LIMIT 3;
SELECT count(submit_training_job(tenant_id, 'llm_finetune', 10, 2)) FROM tenant_scaling_config, generate_series(1, 2);
SELECT count(start_next_training_job(tenant_id)) FROM tenant_scaling_config;
SELECT * FROM run_scaling_cycle();
UPDATE resource_prices SET unit_price = 1.99 WHERE resource = 'gpu_hour';
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, usage_date, cpu_hours, cpu_utilization, training_jobs, inference_endpoints)
SELECT tenant_id, scaling_tier, date '2026-11-01' + k, k, 0.5, k % 3, 'ep-' || k % 2 FROM tenant_scaling_config, generate_series(1, 5) k;
});

# what a table holds, as text, for comparing the two databases
my @tables = qw(tiers workload_profiles tenant_roles tenant_scaling_config tenant_training_config
  training_queue_stats tenant_training_workers tenant_training_state inference_endpoints endpoint_metrics
  scaling_events scheduler_runs training_jobs tenant_training_inputs endpoint_metrics_latest tenant_job_counts
  resource_prices tenant_resource_usage tenant_usage_totals tenant_usage_distinct
  capacity_pools capacity_quotas tenant_capacity_quotas);
sub contents
{
	my ($db, $table) = @_;
	return $node->safe_psql($db,
		"SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM tenant_scaling.$table t");
}
my %before = map { $_ => contents('source', $_) } @tables;

my $dump = $node->basedir . '/source.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('source'), '-f', $dump ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ], 'pg_restore');
# the history came back into its partitions, below the triggers of its tables
is($node->safe_psql('restored', q{SELECT string_agg(partition_name, ' ' ORDER BY partition_name)
                                    FROM tenant_scaling.history_partitions}),
   $node->safe_psql('source', q{SELECT string_agg(partition_name, ' ' ORDER BY partition_name)
                                  FROM tenant_scaling.history_partitions}), 'the history partitions are restored');
is($node->safe_psql('restored', 'SELECT tenant_scaling.rebuild_derived_state()'), '20',
   'rebuild_derived_state finds the newest queue sample of each of the 20 tenants');

for my $table (@tables)
{
	is(contents('restored', $table), $before{$table}, "$table is restored as it was");
}
like(contents('restored', 'training_jobs'), qr/^40 /, 'the jobs are there');
is($node->safe_psql('restored', q{SELECT string_agg(pool || ' ' || units_in_use, ', ' ORDER BY pool)
                                    FROM tenant_scaling.capacity_pool_usage WHERE units_in_use > 0}),
   $node->safe_psql('source', q{SELECT string_agg(pool || ' ' || units_in_use, ', ' ORDER BY pool)
                                  FROM tenant_scaling.capacity_pool_usage WHERE units_in_use > 0}),
   'the jobs restored running hold their GPUs in both reserved pools again');

# the sequences go on where they were, and the restored extension works
my ($max_job, $new_job) = split /\|/, $node->safe_psql('restored', q{
SELECT (SELECT max(job_id) FROM tenant_scaling.training_jobs) || '|' ||
       tenant_scaling.submit_training_job('d0000000-0000-0000-0000-000000000001', 'llm_finetune', 1, 1)});
cmp_ok($new_job, '>', $max_job, 'a new job gets an id after the restored ones');
is($node->safe_psql('restored', q{
SELECT tier || ' ' || max_jobs FROM tenant_scaling.get_tenant_scaling_policy('d0000000-0000-0000-0000-000000000002')}),
	'platinum 3', 'the restored configuration answers');
# the restore brings the totals, not the view: the first cycle finds it empty and refreshes it,
# though the restored runs say it was refreshed a moment ago
is($node->safe_psql('restored', q{SELECT count(*) FROM tenant_scaling.tenant_cost_optimization}), '0',
	'the restored cost view is empty');
is($node->safe_psql('restored', q{SELECT errors FROM tenant_scaling.run_scaling_cycle()}), '0',
	'a cycle runs on the restored database');
is($node->safe_psql('restored', q{
SELECT count(*) FROM tenant_scaling.tenant_cost_optimization WHERE total_cost > 0}), '20',
	'the cost view, refreshed by that cycle from the rebuilt totals, covers every tenant');
is($node->safe_psql('restored', q{SELECT errors FROM tenant_scaling.run_scaling_cycle()}) . ' '
	. $node->safe_psql('restored', q{SELECT cost_view_refreshed FROM tenant_scaling.scheduler_runs ORDER BY run_id DESC LIMIT 1}),
	'0 f', 'the next cycle does not refresh it again before cost_refresh_interval');
is($node->safe_psql('restored', q{
SELECT count(*) FROM tenant_scaling.tenant_cost_optimization c JOIN (
    SELECT tenant_id, scaling_tier, sum(cpu_hours) AS cpu, count(DISTINCT training_jobs) AS jobs
    FROM tenant_scaling.tenant_resource_usage GROUP BY 1, 2) u USING (tenant_id, scaling_tier)
WHERE c.total_cpu_hours = u.cpu AND c.training_jobs_count = u.jobs}), '20',
	'and its totals equal the restored usage');

$node->stop;
done_testing();
