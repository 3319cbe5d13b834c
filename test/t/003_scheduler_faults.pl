# The scheduler beside what the attack pass did to it (issue 16, findings 6
# and 15): a database that does not exist yet, a DROP EXTENSION committed in
# the middle of a cycle, and pg_restore into the database it schedules.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('faults');
$node->init;
$node->append_conf('postgresql.conf', qq(
shared_preload_libraries = 'tenant_scaling'
tenant_scaling.naptime = 1
tenant_scaling.database = 'live'
));
$node->start;

sub scheduler_pid
{
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler'");
}

sub count_in_log
{
	my ($pattern) = @_;
	my $log = slurp_file($node->logfile);
	my @found = ($log =~ /$pattern/g);
	return scalar @found;
}

# --- the database does not exist: one FATAL from the first connection, then
# one message, and the scheduler waits instead of failing every 10 s
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler'"),
	'the scheduler comes back and waits for the database');
my $waiting_pid = scheduler_pid();
sleep 12;
is(count_in_log(qr/FATAL:  database "live" does not exist/), 1, 'the missing database is FATAL once, not every restart');
is(count_in_log(qr/database "live" does not exist; waiting for it/), 1, 'and reported once');
is(scheduler_pid(), $waiting_pid, 'the waiting scheduler is not restarted');

# the database appears: the scheduler restarts once, connects and waits for the extension
$node->safe_psql('postgres', 'CREATE DATABASE live');
ok($node->poll_query_until('postgres', q{
SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler' AND datname = 'live'}),
	'once the database exists the scheduler connects to it');
$node->safe_psql('live', q{
CREATE EXTENSION tenant_scaling;
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
VALUES ('00000000-0000-0000-0000-000000000001', 'premium', true);
});
ok($node->poll_query_until('live', "SELECT count(*) > 0 FROM tenant_scaling.scheduler_runs WHERE status = 'succeeded'"),
	'and schedules');

# --- DROP EXTENSION committed while a cycle runs: the cycle fails, its error
# is logged, and the scheduler waits for the extension instead of crashing
$node->safe_psql('live', q{
CREATE FUNCTION public.slow_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(2); RETURN NEW; END $$;
CREATE TRIGGER slow_run BEFORE INSERT ON tenant_scaling.scheduler_runs FOR EACH ROW EXECUTE FUNCTION public.slow_run();
});
ok($node->poll_query_until('postgres',
	"SELECT count(*) > 0 FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler' AND wait_event = 'PgSleep'"),
	'a cycle is starting');
my $pid = scheduler_pid();
my $before = count_in_log(qr/not installed in database "live"; waiting/);
# waits for the run's first transaction, then drops while the cycle goes on
$node->safe_psql('live', 'DROP EXTENSION tenant_scaling CASCADE');
is($node->safe_psql('live', "SELECT count(*) FROM pg_extension WHERE extname = 'tenant_scaling'"), '0',
	'the extension is gone');
sleep 4;
is(scheduler_pid(), $pid, 'the scheduler survives the DROP EXTENSION (no exit, no restart)');
is(count_in_log(qr/tenant_scaling scheduler.*terminated by exit code|background worker "tenant_scaling scheduler" \(PID $pid\) exited/), 0,
	'it never exited');
is(count_in_log(qr/not installed in database "live"; waiting/), $before + 1, 'it says once that it waits for the extension');

# --- pg_restore into the scheduled database: the scheduler pauses while
# pg_restore is connected, so no run of its own takes an id the dump holds
$node->safe_psql('postgres', 'CREATE DATABASE source');
$node->safe_psql('source', q{
CREATE EXTENSION tenant_scaling;
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, 'premium', true FROM generate_series(1, 50) n;
INSERT INTO tenant_scaling.inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, target_rps)
SELECT 'ep-' || tenant_id, tenant_id, 2, 2, 100 FROM tenant_scaling.tenant_scaling_config;
INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT endpoint_id, tenant_id, now() - make_interval(secs => k), 50, 50, 100, 50
  FROM tenant_scaling.inference_endpoints, generate_series(1, 4000) k;
});
$node->safe_psql('source', 'SELECT tenant_scaling.run_scaling_cycle() FROM generate_series(1, 30)');
my $source_runs = $node->safe_psql('source', 'SELECT count(*) FROM tenant_scaling.scheduler_runs');
my $dump = $node->basedir . '/source.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('source'), '-f', $dump ], 'pg_dump of a database with run history');

# a session named pg_restore: the scheduler pauses, and says so once
$node->safe_psql('live', 'CREATE EXTENSION tenant_scaling');
my $restorer = $node->background_psql('live', on_error_stop => 0);
$restorer->query_safe("SET application_name = 'pg_restore'");
# counted once the pause is logged: a cycle that started before the session connected may finish
my $waited = 0;
while (count_in_log(qr/pg_restore is connected to database "live"; pausing until it is done/) == 0 && $waited++ < 300)
{
	usleep(100_000);
}
$node->poll_query_until('live', "SELECT count(*) = 0 FROM tenant_scaling.scheduler_runs WHERE status = 'running'");
my $runs_before = $node->safe_psql('live', 'SELECT count(*) FROM tenant_scaling.scheduler_runs');
sleep 3;
is($node->safe_psql('live', 'SELECT count(*) FROM tenant_scaling.scheduler_runs'), $runs_before,
	'no cycle runs while pg_restore is connected');
is(count_in_log(qr/pg_restore is connected to database "live"; pausing until it is done/), 1, 'the pause is logged once');
$restorer->quit;
ok($node->poll_query_until('live', "SELECT count(*) > $runs_before FROM tenant_scaling.scheduler_runs"),
	'cycles resume when it is done');

# a real restore, with the scheduler running on naptime 1 s: every run of the dump is kept
# (DROP EXTENSION leaves the schema, which the dump creates)
$node->safe_psql('live', 'DROP EXTENSION tenant_scaling CASCADE; DROP SCHEMA tenant_scaling');
{
	# the test harness names every session after the test; pg_restore names itself
	local $ENV{PGAPPNAME};
	delete $ENV{PGAPPNAME};
	$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('live'), $dump ],
		'pg_restore beside the running scheduler succeeds');
}
is($node->safe_psql('live', q{SELECT count(*) FROM tenant_scaling.scheduler_runs WHERE origin = 'sql'}), $source_runs,
	'every run of the dump is restored');
ok($node->poll_query_until('live', "SELECT count(*) > 0 FROM tenant_scaling.scheduler_runs WHERE origin = 'worker'"),
	'and the scheduler goes on after the restore');

$node->stop;
done_testing();
