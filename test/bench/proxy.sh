#!/usr/bin/env bash
# The scale-out benchmark (not a test): pgbench calling get_tenant_scaling_policy
# through the PL/Proxy front against calling it directly on a shard, on the same
# data, in one run, on a throwaway cluster holding a proxy and two shard databases.
#
#   bash test/bench/proxy.sh              10 s each, 4 clients
#   TS_PROXY_SECONDS=30 TS_PROXY_CLIENTS=8 bash test/bench/proxy.sh
set -eu
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$TS_ROOT/test/lib/cluster.sh"
SECONDS_EACH=${TS_PROXY_SECONDS:-10}
CLIENTS=${TS_PROXY_CLIENTS:-4}
TENANTS=10000
WORK=$(mktemp -d /tmp/tenant_scaling_proxy_bench.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT

ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off" "max_connections = 100"
for i in 0 1; do
	psql -X -q -c "CREATE DATABASE ts_shard$i"
	psql -X -q -d "ts_shard$i" -c "CREATE EXTENSION tenant_scaling" \
		-c "INSERT INTO tenant_scaling.shard_identity (shard_index, shard_count) VALUES ($i, 2)"
done
psql -X -q -c "CREATE DATABASE ts_proxy"
conninfo() { echo "dbname=$1 host=$PGHOST port=$PGPORT user=$PGUSER"; }
psql -X -q -d ts_proxy -v s0="$(conninfo ts_shard0)" -v s1="$(conninfo ts_shard1)" <<SQL
CREATE EXTENSION plproxy;
CREATE EXTENSION tenant_scaling_proxy;
CREATE SERVER tenant_scaling FOREIGN DATA WRAPPER plproxy OPTIONS (p0 :'s0', p1 :'s1');
CREATE USER MAPPING FOR PUBLIC SERVER tenant_scaling;
SELECT count(tenant_scaling.set_tenant_config(md5('bench-' || n)::uuid, 'premium', 1 + n % 7, 10, 24, true))
FROM generate_series(1, $TENANTS) n;
SQL
cat >"$WORK/policy.sql" <<SQL
\set n random(1, $TENANTS)
SELECT * FROM tenant_scaling.get_tenant_scaling_policy(md5('bench-' || :n)::uuid);
SQL

# "tps latency_ms" of one pgbench run
bench() {
	pgbench -n -M prepared -c "$CLIENTS" -j $((CLIENTS < 2 ? 1 : 2)) -T "$SECONDS_EACH" -f "$WORK/policy.sql" "$1" 2>/dev/null |
		awk '/^latency average/ {lat = $4} /^tps/ {tps = $3} END {print tps, lat}'
}
read -r direct_tps direct_lat < <(bench ts_shard0)
read -r proxy_tps proxy_lat < <(bench ts_proxy)
# one client: the latency a single call adds
many=$CLIENTS
CLIENTS=1
read -r _ direct1_lat < <(bench ts_shard0)
read -r _ proxy1_lat < <(bench ts_proxy)
awk -v dt="$direct_tps" -v pt="$proxy_tps" -v dl="$direct_lat" -v pl="$proxy_lat" \
	-v d1="$direct1_lat" -v p1="$proxy1_lat" -v c="$many" -v s="$SECONDS_EACH" 'BEGIN {
	printf "get_tenant_scaling_policy, pgbench -c %d, %d s each:\n", c, s
	printf "  direct on a shard: %.0f tps, %.3f ms per call\n", dt, dl
	printf "  through the proxy: %.0f tps, %.3f ms per call\n", pt, pl
	printf "  proxy/direct throughput %.2f; one client: %.3f ms direct, %.3f ms proxy, %.3f ms added per call\n",
		pt / dt, d1, p1, p1 - d1
}'
