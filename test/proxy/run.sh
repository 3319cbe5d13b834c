#!/usr/bin/env bash
# Scale-out with PL/Proxy on one cluster: a proxy database and two shard databases.
# Run by test/run_all_tests.sh with PGHOST/PGPORT/PGUSER pointing at its cluster;
# the last line is "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
run() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
for db in ts_proxy ts_shard0 ts_shard1; do
	run -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" || { echo "0 passed, 1 failed"; exit 1; }
done
for i in 0 1; do
	run -d "ts_shard$i" -c "CREATE EXTENSION tenant_scaling" \
		-c "INSERT INTO tenant_scaling.shard_identity (shard_index, shard_count) VALUES ($i, 2)" ||
		{ echo "0 passed, 1 failed"; exit 1; }
done
conninfo() { echo "dbname=$1 host=${PGHOST:-/tmp} port=${PGPORT:-5432} user=${PGUSER:-postgres}"; }
psql -X -d ts_proxy -v shard0="$(conninfo ts_shard0)" -v shard1="$(conninfo ts_shard1)" \
	-f "$here/proxy_test.sql" 2>&1
status=$?
for db in ts_proxy ts_shard0 ts_shard1; do
	psql -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
done
[ $status = 0 ] || echo "0 passed, 1 failed"
exit $status
