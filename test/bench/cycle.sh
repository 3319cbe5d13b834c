#!/usr/bin/env bash
# The scheduler benchmark (not a test): one full cycle (decide and apply) of
# run_scaling_cycle() at several sizes, against the peer's decide-only loop
# seed_baseline.apply_training_scaling_all() on the same data, in one run.
#
#   bash test/bench/cycle.sh                     10,000, 100,000 and 1,000,000 tenants
#   TS_CYCLE_SIZES="10000 100000" bash test/bench/cycle.sh
set -eu
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$TS_ROOT/test/lib/cluster.sh"
SIZES=${TS_CYCLE_SIZES:-"10000 100000 1000000"}
WORK=$(mktemp -d /tmp/tenant_scaling_cycle_bench.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT

ts_ensure_packages
ts_build_install
# the scheduler stays off: the benchmark runs the cycles itself
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off" "max_wal_size = 8GB" \
	"checkpoint_timeout = 30min" "maintenance_work_mem = 1GB"

# ms of one statement, run in its own transaction
time_ms() {
	psql -X -q -d "$1" -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
calc() { awk "BEGIN {printf \"%.2f\", $1}"; }

printf '%-10s %12s %14s %14s %12s %12s\n' tenants "peer ms" "ours 1st ms" "ours 2nd ms" "peer/1st" "peer/2nd"
for n in $SIZES; do
	db="cycle_$n"
	psql -X -q -c "CREATE DATABASE $db"
	psql -X -q -d "$db" -v tenants="$n" -f "$TS_ROOT/test/bench/cycle_setup.sql" >/dev/null
	reps=3
	[ "$n" -ge 1000000 ] && reps=1
	peer=()
	for _ in $(seq $reps); do
		peer+=("$(time_ms "$db" 'SELECT seed_baseline.apply_training_scaling_all()')")
	done
	peer_ms=$(median "${peer[@]}")
	first=$(time_ms "$db" 'SELECT * FROM tenant_scaling.run_scaling_cycle()')
	second=$(time_ms "$db" 'SELECT * FROM tenant_scaling.run_scaling_cycle()')
	applied=$(psql -X -At -d "$db" -c "SELECT training_decisions + inference_decisions FROM tenant_scaling.scheduler_runs ORDER BY run_id LIMIT 1")
	printf '%-10s %12.1f %14.1f %14.1f %11.1fx %11.1fx   (first cycle applied %s decisions)\n' \
		"$n" "$peer_ms" "$first" "$second" "$(calc "$peer_ms / $first")" \
		"$(calc "$peer_ms / $second")" "$applied"
	echo "$n $first $second" >>"$WORK/per_tenant"
	psql -X -q -c "DROP DATABASE $db"
done

# growth: time per tenant at the largest size against the smallest
read -r n0 f0 s0 < <(head -n 1 "$WORK/per_tenant")
read -r n1 f1 s1 < <(tail -n 1 "$WORK/per_tenant")
printf 'per tenant: first cycle %.2f us at %s, %.2f us at %s (%.2fx); second cycle %.2f us, %.2f us (%.2fx)\n' \
	"$(calc "$f0 * 1000 / $n0")" "$n0" "$(calc "$f1 * 1000 / $n1")" "$n1" \
	"$(calc "($f1 / $n1) / ($f0 / $n0)")" \
	"$(calc "$s0 * 1000 / $n0")" "$(calc "$s1 * 1000 / $n1")" \
	"$(calc "($s1 / $n1) / ($s0 / $n0)")"
