# Partition maintenance across a month of simulated days: each day's samples,
# events, runs and usage land in that day's partition, maintenance keeps the
# next two days ready and drops what is wholly older than the retention, the
# counters of what went never go down, and the derived state stays right.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('history');
$node->init;
$node->append_conf('postgresql.conf', qq{shared_preload_libraries = 'tenant_scaling'
tenant_scaling.enabled = off
tenant_scaling.history_retention = '7d'
tenant_scaling.usage_retention = '60d'
timezone = 'UTC'
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION tenant_scaling;
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier)
SELECT ('e0000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, 'premium' FROM generate_series(1, 3) n;
INSERT INTO tenant_scaling.inference_endpoints (endpoint_id, tenant_id)
SELECT 'ep-' || n, ('e0000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid FROM generate_series(1, 3) n;
CREATE TABLE public.days (d timestamptz);
INSERT INTO public.days SELECT date_trunc('day', now()) - n * interval '1 day' FROM generate_series(0, 30) n;
-- one day of history (up to now): a sample an hour of each endpoint and tenant, two events and a run;
-- ep-3 and its tenant's queue report only on the first day
CREATE FUNCTION public.add_day(day timestamptz) RETURNS void LANGUAGE sql AS $$
    INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, requests_per_second)
    SELECT e.endpoint_id, e.tenant_id, day + h * interval '1 hour', 50, h
      FROM tenant_scaling.inference_endpoints e, generate_series(0, 23) h
     WHERE (e.endpoint_id <> 'ep-3' OR day = (SELECT min(d) FROM public.days)) AND day + h * interval '1 hour' <= now();
    INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size, timestamp)
    SELECT e.tenant_id, h, day + h * interval '1 hour'
      FROM tenant_scaling.inference_endpoints e, generate_series(0, 23) h
     WHERE (e.endpoint_id <> 'ep-3' OR day = (SELECT min(d) FROM public.days)) AND day + h * interval '1 hour' <= now();
    INSERT INTO tenant_scaling.scaling_events (created_at, tenant_id, resource_kind, resource_id, action,
                                               previous_count, new_count, reason, inputs, origin)
    SELECT day + interval '6 hours', e.tenant_id, 'inference', e.endpoint_id, 'scale_out', 1, 2, 'cpu_high', '{}', 'sql'
      FROM tenant_scaling.inference_endpoints e WHERE e.endpoint_id <> 'ep-3';
    INSERT INTO tenant_scaling.scheduler_runs (started_at, finished_at, status, origin)
    VALUES (day + interval '1 hour', day + interval '1 hour 2 seconds', 'succeeded', 'worker');
    INSERT INTO tenant_scaling.tenant_resource_usage (tenant_id, scaling_tier, usage_date, cpu_hours)
    SELECT tenant_id, 'premium', day::date, 1 FROM tenant_scaling.tenant_scaling_config;
$$;
});

my $first_day = $node->safe_psql('postgres', 'SELECT min(d) FROM public.days');
my @days = split /\n/, $node->safe_psql('postgres', 'SELECT d FROM public.days ORDER BY d');
my ($made, $dropped, $pruned) = (0, 0, 0);
my $day_no = 0;
for my $day (@days)
{
	$day_no++;
	$node->safe_psql('postgres', "SELECT public.add_day('$day')");
	my ($c, $d, $p) = split /\|/, $node->safe_psql('postgres',
		"SELECT * FROM tenant_scaling.maintain_history_partitions(timestamptz '$day' + interval '12 hours')");
	($made, $dropped, $pruned) = ($made + $c, $dropped + $d, $pruned + $p);
	# each day: the partitions of that day and the next two, none wholly past the retention,
	# nothing left in a default partition, and the day's rows in the day's partition
	is($node->safe_psql('postgres', qq{
SELECT string_agg(h.history_table || ' ' || (
         NOT EXISTS (SELECT FROM tenant_scaling.history_partitions p
                      WHERE p.history_table = h.history_table AND h.history_table <> 'tenant_resource_usage'
                        AND p.to_time <= timestamptz '$day' + interval '12 hours' - interval '7 days')
         AND (SELECT bool_and(EXISTS (SELECT FROM tenant_scaling.history_partitions p
                                       WHERE p.history_table = h.history_table
                                         AND p.from_time <= timestamptz '$day' + k * interval '1 day'
                                         AND p.to_time > timestamptz '$day' + k * interval '1 day'))
                FROM generate_series(0, 2) k))::text, ', ' ORDER BY h.history_table)
FROM tenant_scaling.history_tables() h}),
		'endpoint_metrics true, scaling_events true, scheduler_runs true, tenant_resource_usage true, training_queue_stats true',
		"day $day_no: the partitions of the next days are made, none past the retention is left");
	is($node->safe_psql('postgres', q{
SELECT (SELECT count(*) FROM tenant_scaling.endpoint_metrics_default) + (SELECT count(*) FROM tenant_scaling.training_queue_stats_default)
     + (SELECT count(*) FROM tenant_scaling.scaling_events_default) + (SELECT count(*) FROM tenant_scaling.scheduler_runs_default)
     + (SELECT count(*) FROM tenant_scaling.tenant_resource_usage_default)}), '0',
		"day $day_no: the default partitions are empty");
}

# a month later: eight days of metrics are kept (the retention and the day it ends in), no older row
is($node->safe_psql('postgres', q{
SELECT count(DISTINCT date_trunc('day', ts)) || ' ' || bool_and(ts >= date_trunc('day', now() - interval '7 days'))
FROM tenant_scaling.endpoint_metrics}), '8 true', 'eight days of metrics are kept, nothing older');
is($node->safe_psql('postgres', q{
SELECT count(*) FROM tenant_scaling.history_partitions WHERE history_table = 'endpoint_metrics' AND from_time IS NOT NULL}),
	'10', 'ten partitions of endpoint_metrics: eight kept days and the next two');
is($node->safe_psql('postgres', q{SELECT count(*) FROM tenant_scaling.endpoint_metrics WHERE tableoid::regclass::text
                                   NOT LIKE 'tenant_scaling.endpoint_metrics_p' || to_char(ts, 'YYYYMMDD')}),
	'0', 'every sample is in the partition of its day');
# what went is counted: 23 days of 2 endpoints' 24 samples, ep-3's first day, 3 tenants' queues alike
my $metrics_gone = 23 * 2 * 24 + 24;
my $events_gone = 23 * 2;
my $runs_gone = 23;
my $usage_gone = 0;
is($pruned, 2 * $metrics_gone + $events_gone + $runs_gone + $usage_gone,
	'rows_pruned counts every sample, event and run that went');
is($node->safe_psql('postgres', 'SELECT sum(events) FROM tenant_scaling.pruned_event_totals'), $events_gone,
	'the dropped events are counted into pruned_event_totals');
is($node->safe_psql('postgres', q{SELECT runs || ' ' || (bucket_runs[1] = 0 AND bucket_runs[11] = runs)::text
                                   FROM tenant_scaling.pruned_run_totals WHERE status = 'succeeded'}),
	"$runs_gone true", 'the dropped runs are counted into pruned_run_totals, with their durations');
is($node->safe_psql('postgres', q{SELECT count(DISTINCT date_trunc('month', usage_date)) >= 2 AND
                                          min(usage_date) >= (now() - interval '60 days')::date
                                   FROM tenant_scaling.tenant_resource_usage}),
	't', 'usage is kept by month, within its own retention');
# the derived state: ep-3 reported only on the first day, so its latest row went with it
is($node->safe_psql('postgres', q{
SELECT string_agg(endpoint_id || ' ' || (ts = (SELECT max(m.ts) FROM tenant_scaling.endpoint_metrics m
                                               WHERE m.endpoint_id = l.endpoint_id))::text, ', ' ORDER BY endpoint_id)
FROM tenant_scaling.endpoint_metrics_latest l}), 'ep-1 true, ep-2 true', 'endpoint_metrics_latest follows the drops');
is($node->safe_psql('postgres', q{
SELECT count(*) FILTER (WHERE stats_at IS NOT NULL) || ' ' || count(*) FILTER (WHERE stats_at IS NULL)
FROM tenant_scaling.tenant_training_inputs}), '2 1', 'and so do the queue inputs: the third tenant has none left');
ok($made >= 5 * 10, "partitions were made as the days went ($made)");
ok($dropped >= 4 * 20, "and dropped ($dropped)");

# a backfill of a day whose partition is gone lands in the default partition and goes whole
$node->safe_psql('postgres', q{
INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
SELECT 'ep-1', 'e0000000-0000-0000-0000-000000000001', now() - interval '20 days' + n * interval '1 minute', 1
FROM generate_series(1, 5) n;
INSERT INTO tenant_scaling.scaling_events (created_at, tenant_id, resource_kind, resource_id, action,
                                           previous_count, new_count, reason, inputs, origin)
SELECT now() - interval '20 days', 'e0000000-0000-0000-0000-000000000001', 'inference', 'ep-1', 'scale_in', 2, 1,
       'cpu_low', '{}', 'sql' FROM generate_series(1, 2);
});
is($node->safe_psql('postgres', q{SELECT (SELECT count(*) FROM tenant_scaling.endpoint_metrics_default) || ' ' ||
                                         (SELECT count(*) FROM tenant_scaling.scaling_events_default)}), '5 2',
	'a backfill of a dropped day waits in the default partitions');
is($node->safe_psql('postgres', q{SELECT rows_pruned FROM tenant_scaling.maintain_history_partitions()}), '7',
	'the next maintenance prunes it whole');
is($node->safe_psql('postgres', q{SELECT (SELECT count(*) FROM tenant_scaling.endpoint_metrics_default) || ' ' ||
                                         (SELECT count(*) FROM tenant_scaling.scaling_events_default) || ' ' ||
                                         (SELECT sum(events) FROM tenant_scaling.pruned_event_totals)}),
	'0 0 ' . ($events_gone + 2), 'and counts its events');

# without a retention, a sample over a month old gets no partition of its own: it stays, kept
is($node->safe_psql('postgres', q{
SET tenant_scaling.history_retention = 0;
INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
SELECT 'ep-1', 'e0000000-0000-0000-0000-000000000001', now() - n * interval '40 days', 1 FROM generate_series(1, 10) n;
SELECT partitions_created || ' ' || rows_pruned || ' ' || (SELECT count(*) FROM tenant_scaling.endpoint_metrics_default)
FROM tenant_scaling.maintain_history_partitions(now(), 'endpoint_metrics');
DELETE FROM tenant_scaling.endpoint_metrics_default;
}), '0 0 10', 'without a retention, ten samples of ten old days make no partition and stay');

# maintenance refuses a table it does not keep, and a time ahead of the clock is taken as now
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT * FROM tenant_scaling.maintain_history_partitions(now(), 'tenant_scaling_config')");
like($err, qr/"tenant_scaling_config" is not a history table/, 'an unknown table is refused');
is($node->safe_psql('postgres', q{
SELECT partitions_created || ' ' || partitions_dropped FROM tenant_scaling.maintain_history_partitions(now() + interval '1 year')}),
	'0 0', 'a time ahead of the clock changes nothing beyond today');

# the scheduler's own cycle does the same
$node->safe_psql('postgres', 'SELECT * FROM tenant_scaling.run_scaling_cycle()');
is($node->safe_psql('postgres', q{SELECT not_scaled ? 'prune_locked' FROM tenant_scaling.scheduler_runs ORDER BY run_id DESC LIMIT 1}),
	'f', 'a cycle maintains the partitions without waiting');

$node->stop;
done_testing();
