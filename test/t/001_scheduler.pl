# The scheduler background worker: decisions applied and announced, run
# history, reloads, signals, crashes, a poisoned tenant, a missing
# extension and a standby.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
$node->append_conf('postgresql.conf', qq(
shared_preload_libraries = 'tenant_scaling'
tenant_scaling.naptime = 1
tenant_scaling.database = 'postgres'
restart_after_crash = on
));
$node->start;

sub scheduler_pid
{
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler'");
}

# --- the extension is not installed yet: one clear message, no crash loop
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler'"),
	'the scheduler runs and is named in pg_stat_activity');
my $first_pid = scheduler_pid();
sleep 3;
my $log = slurp_file($node->logfile);
my @waiting = ($log =~ /extension "tenant_scaling" is not installed in database "postgres"; waiting/g);
is(scalar @waiting, 1, 'a missing extension is reported once');
is(scheduler_pid(), $first_pid, 'and the scheduler waits instead of restarting');

# --- decisions are applied, recorded and announced
$node->safe_psql('postgres', q{
CREATE EXTENSION tenant_scaling;
SET search_path = tenant_scaling;
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
SELECT ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, 'premium', true
FROM generate_series(1, 3) n;
-- target tracking, with no scale-down window for tenant 2, so that its scale-in comes at once
UPDATE tenant_scaling_config
   SET scaling_rules = '{"inference": {"behavior": {"scale_down": {"stabilization_window_seconds": 0}}}}'
 WHERE tenant_id = '00000000-0000-0000-0000-000000000002';
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, target_rps)
SELECT 'ep-' || n, ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, 2, 2, 100
FROM generate_series(1, 3) n;
});
ok($node->poll_query_until('postgres',
	"SELECT count(*) > 0 FROM tenant_scaling.scheduler_runs WHERE status = 'succeeded' AND origin = 'worker'"),
	'the scheduler records its runs');

# --- the cycles run as tenant_scaling.role (tenant_scaling_scheduler), not as the superuser
$node->safe_psql('postgres', q{
CREATE TABLE public.who_ran (who name, super boolean);
GRANT INSERT ON public.who_ran TO PUBLIC;
CREATE FUNCTION public.note_who() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.who_ran SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user;
    RETURN NULL;
END $$;
CREATE TRIGGER note_who AFTER INSERT ON tenant_scaling.scheduler_runs
    FOR EACH STATEMENT EXECUTE FUNCTION public.note_who();
});
ok($node->poll_query_until('postgres', 'SELECT count(*) > 0 FROM public.who_ran'), 'a cycle ran after the probe');
is($node->safe_psql('postgres', 'SELECT DISTINCT who || \' \' || super FROM public.who_ran'),
	'tenant_scaling_scheduler false', 'the worker runs its cycles as tenant_scaling_scheduler, not a superuser');
is($node->safe_psql('postgres', q{
SELECT rolcanlogin OR rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb
  FROM pg_roles WHERE rolname = 'tenant_scaling_scheduler'}), 'f',
	'the role cannot log in and has no attribute beyond its grants');
# a missing role: said once, and no cycle runs until it is back
$node->safe_psql('postgres', "ALTER SYSTEM SET tenant_scaling.role = 'no_such_role'");
$node->reload;
sleep 3;
my $runs_then = $node->safe_psql('postgres', 'SELECT count(*) FROM tenant_scaling.scheduler_runs');
sleep 3;
is($node->safe_psql('postgres', 'SELECT count(*) FROM tenant_scaling.scheduler_runs'), $runs_then,
	'with a missing role no cycle runs');
my @missing = (slurp_file($node->logfile) =~ /role "no_such_role" does not exist; not scheduling/g);
is(scalar @missing, 1, 'and the missing role is reported once');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET tenant_scaling.role');
$node->reload;
ok($node->poll_query_until('postgres',
	"SELECT count(*) > $runs_then FROM tenant_scaling.scheduler_runs"), 'back to the role, cycles run again');
$node->safe_psql('postgres', q{
DROP TRIGGER note_who ON tenant_scaling.scheduler_runs;
DROP FUNCTION public.note_who();
DROP TABLE public.who_ran;
});

# a LISTENing session hears each applied decision, with its payload; the training
# decision is the queue policy's: 40 jobs queued ask for the ceiling of 10 workers
my ($stdout, $stderr);
$node->psql('postgres', q{
LISTEN tenant_scaling;
INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('ep-1', '00000000-0000-0000-0000-000000000001', 95, 40, 100, 50),
       ('ep-2', '00000000-0000-0000-0000-000000000002', 10, 10, 10, 10);
INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
VALUES ('00000000-0000-0000-0000-000000000003', 40, 900);
SELECT pg_sleep(3);
}, stdout => \$stdout, stderr => \$stderr);
# the payload is the event id only: any role may LISTEN, so it says nothing a
# tenant may not read; the actuator reads the event under its own role
my $notifications = () = $stdout =~ /Asynchronous notification "tenant_scaling"/g;
my @ids = ($stdout =~ /Asynchronous notification "tenant_scaling" with payload "\{"event_id" : (\d+)\}" received/g);
ok($notifications > 0, 'NOTIFY announces the decisions');
is(scalar @ids, $notifications, 'every payload is {"event_id" : N} and nothing else');
unlike($stdout, qr/ep-1|cpu_high|00000000-0000-0000-0000-000000000003/, 'no payload names a tenant, an endpoint or a reason');
is($node->safe_psql('postgres', 'SELECT string_agg(format(\'%s %s %s->%s\', resource_id, action, previous_count, new_count), \', \' ORDER BY resource_id)'
	. ' FROM tenant_scaling.scaling_events WHERE event_id IN (' . join(',', @ids) . ')'),
	'00000000-0000-0000-0000-000000000003 scale_out 0->10, ep-1 scale_out 2->4, ep-2 scale_in 2->1',
	'the announced ids are the scale-out of ep-1, the scale-in of ep-2 and the training decision');
is($node->safe_psql('postgres', q{
SELECT string_agg(format('%s %s %s->%s', resource_id, action, previous_count, new_count), ', ' ORDER BY resource_id)
FROM tenant_scaling.scaling_events}),
	'00000000-0000-0000-0000-000000000003 scale_out 0->10, ep-1 scale_out 2->4, ep-2 scale_in 2->1',
	'each decision was applied once, though the metrics stay high over many cycles (2 ready of 4 ordered)');
is($node->safe_psql('postgres',
	"SELECT string_agg(endpoint_id || '=' || desired_replicas, ',' ORDER BY endpoint_id) FROM tenant_scaling.inference_endpoints"),
	'ep-1=4,ep-2=1,ep-3=2', 'desired replicas are set');
$node->safe_psql('postgres', 'DELETE FROM tenant_scaling.endpoint_metrics');
my $run = $node->safe_psql('postgres', q{
SELECT tenants_evaluated || ' ' || (not_scaled ? 'within_target' OR not_scaled ? 'no_recent_metrics')
FROM tenant_scaling.scheduler_runs WHERE status = 'succeeded' ORDER BY run_id DESC LIMIT 1});
is($run, '3 true', 'a run counts its tenants and the reasons it did not scale');

# --- a reload changes the naptime without adding a cycle
$node->safe_psql('postgres', "ALTER SYSTEM SET tenant_scaling.naptime = '1h'");
$node->reload;
sleep 2;
my $runs_before = $node->safe_psql('postgres', 'SELECT count(*) FROM tenant_scaling.scheduler_runs');
sleep 3;
is($node->safe_psql('postgres', 'SELECT count(*) FROM tenant_scaling.scheduler_runs'), $runs_before,
	'after a reload to 1h no further cycle runs');
is($node->safe_psql('postgres', "SELECT setting || unit FROM pg_settings WHERE name = 'tenant_scaling.naptime'"),
	'3600s', 'the new naptime is visible in pg_settings');
$node->safe_psql('postgres', "ALTER SYSTEM SET tenant_scaling.naptime = '1s'");
$node->reload;
ok($node->poll_query_until('postgres', "SELECT count(*) > $runs_before FROM tenant_scaling.scheduler_runs"),
	'cycles resume after a reload back to 1s');

# --- SIGTERM stops the scheduler promptly, even mid-sleep
$node->safe_psql('postgres', "ALTER SYSTEM SET tenant_scaling.naptime = '1h'");
$node->reload;
sleep 1;
my $pid = scheduler_pid();
kill 'TERM', $pid;
my $stopped = 0;
for (1 .. 20)
{
	if ($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE pid = $pid") eq '0')
	{
		$stopped = 1;
		last;
	}
	select(undef, undef, undef, 0.1);
}
ok($stopped, 'SIGTERM stops the sleeping scheduler within 2 s');
$node->safe_psql('postgres', "ALTER SYSTEM SET tenant_scaling.naptime = '1s'");
$node->reload;
ok($node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler'"),
	'it is restarted after bgw_restart_time');

# --- a poisoned tenant is skipped and named; the others are applied
$node->safe_psql('postgres', q{
CREATE FUNCTION reject_tenant_4() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.tenant_id = '00000000-0000-0000-0000-000000000004' THEN RAISE EXCEPTION 'tenant 4 is poisoned'; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reject_tenant_4 BEFORE INSERT ON tenant_scaling.scaling_events
    FOR EACH ROW EXECUTE FUNCTION reject_tenant_4();
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
VALUES ('00000000-0000-0000-0000-000000000004', 'basic', true), ('00000000-0000-0000-0000-000000000005', 'basic', true);
INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
VALUES ('00000000-0000-0000-0000-000000000004', 50, 1000), ('00000000-0000-0000-0000-000000000005', 50, 1000);
});
ok($node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM tenant_scaling.scheduler_runs
WHERE errors > 0 AND failed_tenants @> '[{"tenant_id": "00000000-0000-0000-0000-000000000004", "error": "tenant 4 is poisoned"}]'}),
	'the poisoned tenant is named in scheduler_runs');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM tenant_scaling.scaling_events WHERE tenant_id = '00000000-0000-0000-0000-000000000005'}),
	'1', 'the other tenant of that cycle was scaled');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM tenant_scaling.tenant_training_state WHERE tenant_id = '00000000-0000-0000-0000-000000000004'}),
	'0', 'nothing of the poisoned tenant was written');
$node->safe_psql('postgres', 'DROP TRIGGER reject_tenant_4 ON tenant_scaling.scaling_events');

# --- kill -9 in the middle of a cycle: the cluster restarts, the scheduler
# comes back, the unfinished run is marked failed, and nothing is applied twice
$node->safe_psql('postgres', q{
CREATE FUNCTION slow_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(4); RETURN NEW; END $$;
CREATE TRIGGER slow_event BEFORE INSERT ON tenant_scaling.scaling_events
    FOR EACH ROW EXECUTE FUNCTION slow_event();
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
VALUES ('00000000-0000-0000-0000-000000000006', 'basic', true);
INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
VALUES ('00000000-0000-0000-0000-000000000006', 50, 1000);
});
ok($node->poll_query_until('postgres',
	"SELECT count(*) > 0 FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler' AND wait_event = 'PgSleep'"),
	'a cycle is in the middle of applying a decision');
my $running_run = $node->safe_psql('postgres',
	"SELECT max(run_id) FROM tenant_scaling.scheduler_runs WHERE status = 'running'");
kill 'KILL', scheduler_pid();
# the postmaster restarts every backend; wait until it accepts connections again
ok($node->poll_query_until('postgres', 'SELECT true'), 'the cluster comes back after the crash');
$node->safe_psql('postgres', 'DROP TRIGGER slow_event ON tenant_scaling.scaling_events');
ok($node->poll_query_until('postgres',
	"SELECT status = 'failed' FROM tenant_scaling.scheduler_runs WHERE run_id = $running_run"),
	'the run the crash interrupted is marked failed');
like($node->safe_psql('postgres', "SELECT message FROM tenant_scaling.scheduler_runs WHERE run_id = $running_run"),
	qr/stopped before this run finished/, 'with a message saying why');
ok($node->poll_query_until('postgres', q{
SELECT count(*) = 1 FROM tenant_scaling.scaling_events WHERE tenant_id = '00000000-0000-0000-0000-000000000006'}),
	'the scheduler goes on and applies the interrupted decision');
sleep 2;
is($node->safe_psql('postgres', q{
SELECT count(*) FROM (SELECT resource_id FROM tenant_scaling.scaling_events
                      GROUP BY resource_id, action HAVING count(*) > 1) twice}),
	'0', 'no decision was applied twice');

# --- GPU capacity: the scheduler's admission pass gives a tenant within its
# guarantee its GPUs back by preempting borrowed work, as events of its run
$node->safe_psql('postgres', q{
UPDATE tenant_scaling.capacity_pools SET capacity = CASE pool WHEN 'reserved' THEN 4 ELSE 0 END;
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb)
VALUES ('00000000-0000-0000-0000-0000000000b1', 'basic', 4, 10),
       ('00000000-0000-0000-0000-0000000000e1', 'enterprise', 4, 10);
SELECT count(tenant_scaling.submit_training_job('00000000-0000-0000-0000-0000000000b1', 'training_medium', 1, 1))
FROM generate_series(1, 2);
SELECT count(tenant_scaling.start_next_training_job('00000000-0000-0000-0000-0000000000b1')) FROM generate_series(1, 2);
SELECT tenant_scaling.submit_training_job('00000000-0000-0000-0000-0000000000e1', 'training_medium', 1, 1);
SELECT tenant_scaling.start_next_training_job('00000000-0000-0000-0000-0000000000e1');
});
is($node->safe_psql('postgres', q{SELECT string_agg(status || ' ' || coalesce(wait_reason, pool), ', ' ORDER BY job_id)
                                   FROM tenant_scaling.training_jobs WHERE tenant_id::text LIKE '%00000000b1'
                                      OR tenant_id::text LIKE '%00000000e1'}),
	'running reserved, running reserved, queued no_capacity', 'a basic tenant borrows the pool; the enterprise job waits');
ok($node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM tenant_scaling.scaling_events WHERE resource_kind = 'job' AND action = 'admit'}),
	'a cycle admits the enterprise job');
is($node->safe_psql('postgres', q{
SELECT string_agg(format('%s %s %s %s', right(e.tenant_id::text, 2), e.action, e.reason, e.origin), ', ' ORDER BY e.event_id)
FROM tenant_scaling.scaling_events e JOIN tenant_scaling.scheduler_runs r USING (run_id)
WHERE e.resource_kind = 'job' AND r.origin = 'worker'}),
	'b1 preempt reclaim_within_quota worker, b1 preempt reclaim_within_quota worker, e1 admit reclaimed worker',
	'by preempting the borrowed jobs, the newest first, as events of a run of the scheduler');
is($node->safe_psql('postgres', q{SELECT string_agg(status || ' ' || coalesce(wait_reason, pool), ', ' ORDER BY job_id)
                                   FROM tenant_scaling.training_jobs WHERE tenant_id::text LIKE '%00000000b1'
                                      OR tenant_id::text LIKE '%00000000e1'}),
	'queued preempted, queued preempted, running reserved', 'the preempted jobs are back in their queue');
$node->safe_psql('postgres', q{
DELETE FROM tenant_scaling.training_jobs WHERE tenant_id::text LIKE '%00000000b1' OR tenant_id::text LIKE '%00000000e1';
UPDATE tenant_scaling.capacity_pools SET capacity = CASE pool WHEN 'on_demand' THEN 64 ELSE 32 END;
});

# --- a standby runs no cycles
$node->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($node, 'backup', has_streaming => 1);
$standby->start;
# two more cycles on the primary while the standby replays, instead of a fixed sleep
my $primary_runs = $node->safe_psql('postgres', 'SELECT count(*) FROM tenant_scaling.scheduler_runs');
ok($node->poll_query_until('postgres', "SELECT count(*) >= $primary_runs + 2 FROM tenant_scaling.scheduler_runs"),
	'the primary goes on scheduling');
$node->wait_for_catchup($standby);
is($standby->safe_psql('postgres',
	"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler'"),
	'0', 'no scheduler on a standby');
# the check could have seen one: promoted, the same server starts its scheduler
$standby->promote;
ok($standby->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler'"),
	'the promoted standby starts its scheduler');
$standby->stop;

$node->stop;
done_testing();
