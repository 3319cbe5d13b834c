#!/usr/bin/env bash
# The GPU capacity benchmarks (not a test), in one run on a throwaway cluster:
#
# 1. Admission throughput: 16 clients submit, start and finish training jobs
#    of 1 to 8 GPUs for 40 tenants on pools so large that capacity never
#    refuses one (test/load/capacity_load.c --no-checks --pools), against
#    jobs of a workload that needs no GPU, which take no pool and no usage
#    row (the admission of every job before pools): starts per second,
#    alternating, two runs each.
# 2. The cycle at 100,000 tenants (test/bench/cycle_setup.sql), 3,000 of
#    them with a GPU job (capacity_setup.sql) of which about 2,600 wait for
#    the pools, every one tried again by each cycle's admission pass,
#    against the same cycle with no job waiting (wait reasons cleared):
#    the median of three cycles each, alternating.
#
#   bash test/bench/capacity.sh
#   TS_CAPACITY_SECONDS=10 bash test/bench/capacity.sh
#   TS_CAPACITY_SYNCHRONOUS_COMMIT=on bash test/bench/capacity.sh   (commits flushed: the default is off)
set -eu
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$TS_ROOT/test/lib/cluster.sh"
SECONDS_EACH=${TS_CAPACITY_SECONDS:-20}
WORK=$(mktemp -d /tmp/tenant_scaling_capacity_bench.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT

ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off" "synchronous_commit = ${TS_CAPACITY_SYNCHRONOUS_COMMIT:-off}" \
	"max_wal_size = 8GB" "checkpoint_timeout = 30min" "maintenance_work_mem = 1GB"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror $(pkg-config --cflags libpq) "$TS_ROOT/test/load/capacity_load.c" \
	-o "$WORK/capacity_load" $(pkg-config --libs libpq) -lpthread

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "== admission throughput: starts per second, 16 clients, ${SECONDS_EACH} s a run"
psql -X -q -c "CREATE DATABASE ts_capacity_bench"
psql -X -q -d ts_capacity_bench -c "CREATE EXTENSION tenant_scaling"
starts() { sed -n 's/.* \([0-9]*\) starts\/s, .*/\1/p'; }
pools=()
none=()
for round in 1 2; do
	line=$(PGDATABASE=ts_capacity_bench "$WORK/capacity_load" --no-checks --pools 100000 --seconds "$SECONDS_EACH")
	echo "$line"
	pools+=("$(echo "$line" | starts)")
	line=$(PGDATABASE=ts_capacity_bench "$WORK/capacity_load" --no-checks --pools 100000 --seconds "$SECONDS_EACH" \
		--workload feature_computation)
	echo "$line"
	none+=("$(echo "$line" | starts)")
done
awk -v a="${pools[0]}" -v b="${pools[1]}" -v c="${none[0]}" -v d="${none[1]}" 'BEGIN {
	printf "starts/s: GPU jobs on pools %d and %d, jobs of no GPU %d and %d: %.0f %% (target >= 70 %%)\n",
	       a, b, c, d, 100 * (a + b) / (c + d) }'

echo "== the cycle at 100,000 tenants, 3,000 with a GPU job"
psql -X -q -c "CREATE DATABASE ts_capacity_cycle"
psql -X -q -d ts_capacity_cycle -v tenants=100000 -f "$TS_ROOT/test/bench/cycle_setup.sql" >/dev/null
psql -X -q -d ts_capacity_cycle -v jobs=3000 -f "$TS_ROOT/test/bench/capacity_setup.sql"
cycle_ms() {
	psql -X -q -d ts_capacity_cycle -c '\timing on' -c 'SELECT count(*) FROM tenant_scaling.run_scaling_cycle()' |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
# the first cycle's pass preempts borrowed work for the guaranteed tenants
echo "first cycle: $(cycle_ms) ms; $(psql -X -At -d ts_capacity_cycle -c "SELECT string_agg(action || ' ' || n, ', ')
  FROM (SELECT action, count(*) AS n FROM tenant_scaling.scaling_events WHERE resource_kind = 'job' GROUP BY 1) e")"
psql -X -q -d ts_capacity_cycle -c "CREATE TABLE bench_waiting AS SELECT job_id, wait_reason FROM tenant_scaling.training_jobs
  WHERE status = 'queued' AND wait_reason IS NOT NULL"
echo "waiting for pools: $(psql -X -At -d ts_capacity_cycle -c 'SELECT count(*) FROM bench_waiting') jobs"
with=()
without=()
for round in 1 2 3; do
	psql -X -q -d ts_capacity_cycle -c "UPDATE tenant_scaling.training_jobs j SET wait_reason = w.wait_reason
	  FROM bench_waiting w WHERE w.job_id = j.job_id AND j.status = 'queued'"
	with+=("$(cycle_ms)")
	psql -X -q -d ts_capacity_cycle -c "UPDATE tenant_scaling.training_jobs SET wait_reason = NULL WHERE status = 'queued'"
	without+=("$(cycle_ms)")
done
w=$(median "${with[@]}")
wo=$(median "${without[@]}")
awk -v w="$w" -v wo="$wo" -v a="${with[*]}" -v b="${without[*]}" 'BEGIN {
	printf "cycle ms: with jobs waiting for pools %s (median %.1f), without %s (median %.1f): %.2fx (target <= 1.3x)\n",
	       a, w, b, wo, w / wo }'
