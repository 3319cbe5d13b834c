#!/usr/bin/env bash
# The cycle of this tree against an earlier commit's (not a test), in one run on one throwaway
# cluster: for each of two rounds and each version, install it, load test/bench/cycle_setup.sql
# (TS_COMPARE_TENANTS tenants, default 100,000) into a new database and time three
# run_scaling_cycle() in a row. Prints one line per round and version, in ms.
#
#   TS_COMPARE_REV=b048dc0 bash test/bench/cycle_compare.sh
set -euo pipefail
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REV=${TS_COMPARE_REV:?give the commit to compare with in TS_COMPARE_REV}
TENANTS=${TS_COMPARE_TENANTS:-100000}
. "$TS_ROOT/test/lib/cluster.sh"
WORK=$(mktemp -d /tmp/tenant_scaling_compare.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; git -C "$TS_ROOT" worktree remove --force "$WORK/old" 2>/dev/null || true; rm -rf "$WORK"' EXIT
ts_ensure_packages
git -C "$TS_ROOT" worktree add -f "$WORK/old" "$REV" >/dev/null 2>&1
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off" "max_wal_size = 8GB" "checkpoint_timeout = 30min"
time_ms() { psql -X -q -d "$1" -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'; }
for round in 1 2; do
	for version in "$REV" this; do
		dir=$TS_ROOT
		[ "$version" = this ] || dir=$WORK/old
		make -s -C "$dir" >/dev/null && make -s -C "$dir" install >/dev/null
		# the library is loaded at start (shared_preload_libraries): restart to load the one installed
		runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TS_CLUSTER_DIR/data" -l "$TS_CLUSTER_DIR/server.log" \
			-w -t 60 restart >/dev/null
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS compare" -c "CREATE DATABASE compare"
		psql -X -q -d compare -v tenants="$TENANTS" -f "$dir/test/bench/cycle_setup.sql" >/dev/null
		times=()
		for _ in 1 2 3; do
			times+=("$(time_ms compare 'SELECT 1 FROM tenant_scaling.run_scaling_cycle()')")
		done
		echo "round $round, $version: ${times[*]} ms"
	done
done
make -s -C "$TS_ROOT" install >/dev/null
