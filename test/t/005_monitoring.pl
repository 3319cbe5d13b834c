# monitoring/: every postgres_exporter query of queries.yaml runs, as a role
# in pg_monitor, and returns exactly the columns it documents; every metric
# the Grafana dashboard plots is one those queries produce.
use strict;
use warnings;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = "$ENV{TESTDIR}";
$root = '.' unless -e "$root/monitoring/queries.yaml";

my $node = PostgreSQL::Test::Cluster->new('monitoring');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'tenant_scaling'
tenant_scaling.enabled = off
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION tenant_scaling;
CREATE ROLE exporter LOGIN IN ROLE pg_monitor;
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
VALUES ('5e000000-0000-0000-0000-000000000001', 'premium', true);
INSERT INTO tenant_scaling.inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas)
VALUES ('mon-1', '5e000000-0000-0000-0000-000000000001', 2, 2);
INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('mon-1', '5e000000-0000-0000-0000-000000000001', 95, 50, 90, 40);
SELECT tenant_scaling.run_scaling_cycle();
});

# queries.yaml, read the simple way its own format allows: a query name at column 0, its
# query line, then "- column:" and "usage:" lines
my %queries;
my ($name, $column);
open(my $yaml, '<', "$root/monitoring/queries.yaml") or die "queries.yaml: $!";
while (my $line = <$yaml>)
{
	next if $line =~ /^\s*(#|$)/;
	if ($line =~ /^(\w+):\s*$/) { $name = $1; $queries{$name} = { columns => [], usage => {} }; }
	elsif ($line =~ /^\s+query:\s*"(.*)"\s*$/) { $queries{$name}{query} = $1; }
	elsif ($line =~ /^\s+-\s+(\w+):\s*$/) { $column = $1; push @{ $queries{$name}{columns} }, $column; }
	elsif ($line =~ /^\s+usage:\s*"(\w+)"/) { $queries{$name}{usage}{$column} = $1; }
}
close $yaml;
cmp_ok(scalar keys %queries, '>=', 4, 'queries.yaml has the decision, cycle, histogram and state queries');

my %produced;
for my $q (sort keys %queries)
{
	my $query = $queries{$q}{query};
	my ($ret, $out, $err) = $node->psql('postgres',
		"CREATE TEMP VIEW q AS $query; SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute"
		  . " WHERE attrelid = 'q'::regclass AND attnum > 0; SELECT count(*) FROM q;",
		extra_params => [ '-U', 'exporter' ]);
	is($ret, 0, "$q runs as a pg_monitor role") or diag($err);
	my ($columns, $rows) = split /\n/, $out;
	is($columns, join(',', @{ $queries{$q}{columns} }), "$q returns the columns queries.yaml lists");
	cmp_ok($rows // 0, '>', 0, "$q returns rows");
	for my $c (@{ $queries{$q}{columns} })
	{
		my $usage = $queries{$q}{usage}{$c} // '';
		like($usage, qr/^(LABEL|COUNTER|GAUGE)$/, "$q.$c has a usage");
		$produced{"${q}_$c"} = 1 if $usage ne 'LABEL';
	}
}

# the dashboard plots only what the queries produce
open(my $fh, '<', "$root/monitoring/grafana-dashboard.json") or die "dashboard: $!";
my $dashboard = decode_json(do { local $/; <$fh> });
close $fh;
my @used;
for my $panel (@{ $dashboard->{panels} })
{
	push @used, $_->{expr} =~ /\b(tenant_scaling_\w+)/g for @{ $panel->{targets} };
}
cmp_ok(scalar @used, '>=', 10, 'the dashboard plots the metrics');
for my $metric (sort { $a cmp $b } keys %{ { map { $_ => 1 } @used } })
{
	ok($produced{$metric}, "the dashboard's $metric is produced by queries.yaml");
}

# a tenant role reads none of it
$node->safe_psql('postgres', 'CREATE ROLE tenant_login LOGIN');
my ($ret) = $node->psql('postgres', 'SELECT * FROM tenant_scaling.metrics_state',
	extra_params => [ '-U', 'tenant_login' ]);
isnt($ret, 0, 'a role outside pg_monitor and the operators cannot read the metrics');

$node->stop;
done_testing();
