#!/usr/bin/env bash
# test/bench/run.sh: per-call cost of the C functions against the peer (the seed's
# PL/pgSQL, test/differential/seed_baseline.sql) and against plain SQL reading the
# same rows. Not part of the test command.
#
#   bash test/bench/run.sh                     (as root on Debian 12, like the tests)
#   TS_BENCH_TENANTS=20000 TS_BENCH_STATS=20 TS_BENCH_REPS=3 bash test/bench/run.sh
#
# Sets up its own throwaway cluster (test/lib/cluster.sh), loads the same data into
# both schemas (100,000 tenants, 20 training_queue_stats rows each, 0-8 active workers),
# and times one query over every tenant per measurement, the median of REPS runs after
# a warm-up. Prints a markdown table that can be pasted into the README, then the
# targets and whether they are met; exits 0 either way (it is a measurement).
set -u
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$TS_ROOT/test/lib/cluster.sh"
HERE=$TS_ROOT/test/bench
TENANTS=${TS_BENCH_TENANTS:-100000}
STATS=${TS_BENCH_STATS:-20}
REPS=${TS_BENCH_REPS:-3}
DB=ts_bench

WORK=$(mktemp -d /tmp/tenant_scaling_bench.XXXXXX)
chmod 755 "$WORK"
cleanup() {
	ts_stop_cluster
	rm -rf "$WORK"
}
trap cleanup EXIT

ts_ensure_packages || exit 1
ts_build_install || { echo "build failed" >&2; exit 1; }
ts_start_cluster "$WORK/cluster" || exit 1

PSQL=(psql -X -v ON_ERROR_STOP=1 -qAt)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB" || exit 1
ts_log "loading $TENANTS tenants x $STATS queue stats into both schemas"
t0=$(date +%s)
"${PSQL[@]}" -d "$DB" -v tenants="$TENANTS" -v stats="$STATS" -f "$HERE/setup.sql" || exit 1
ts_log "loaded in $(($(date +%s) - t0)) s; measuring (median of $REPS)"
"${PSQL[@]}" -d "$DB" -v reps="$REPS" -f "$HERE/bench.sql" >"$WORK/results" || exit 1

# name|median_ms|result|all runs (ms)
get() { awk -F'|' -v k="$1" '$1 == k { print $2 }' "$WORK/results"; }
runs() { awk -F'|' -v k="$1" '$1 == k { print $4 }' "$WORK/results"; }
us() { awk -v ms="$1" -v n="$TENANTS" 'BEGIN { printf "%.2f", ms * 1000 / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" -v dir="$3" \
	'BEGIN { ok = (dir == "ge") ? (r >= t) : (r <= t); print ok ? "met" : "MISSED" }'; }

row() { printf '| %-52s | %10s | %24s |\n' "$1" "$(us "$(get "$2")")" "$(runs "$2")"; }

pp=$(get policy_peer); po=$(get policy_ours)
pn=$(get policy_plain_join_nestloop); pj=$(get policy_plain_join_planner)
tp=$(get training_peer); to=$(get training_ours); tr=$(get training_plain_reads)

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
echo
echo "Benchmark: $TENANTS tenants, $STATS training_queue_stats rows each; one query over all"
echo "tenants per measurement, median of $REPS runs after a warm-up; PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), $cpu."
echo
printf '| %-52s | %10s | %24s |\n' "measurement" "us/tenant" "runs (ms)"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..26})"
row "get_tenant_scaling_policy, peer (PL/pgSQL)" policy_peer
row "get_tenant_scaling_policy, ours (C)" policy_ours
row "plain LEFT JOIN, nested loop + index (forced)" policy_plain_join_nestloop
row "plain LEFT JOIN, planner's choice (hash join)" policy_plain_join_planner
row "check_training_scaling_trigger, peer (PL/pgSQL)" training_peer
row "check_training_scaling_trigger, ours (C)" training_ours
row "plain SQL, nested loop over the rows ours reads" training_plain_reads
echo
r1=$(ratio "$pp" "$po"); r2=$(ratio "$po" "$pn"); r3=$(ratio "$tp" "$to")
printf '%-62s %6sx  (target >= 10x: %s)\n' "get_tenant_scaling_policy peer/ours" "$r1" "$(verdict "$r1" 10 ge)"
printf '%-62s %6sx  (target <= 1.5x: %s)\n' "get_tenant_scaling_policy ours/plain join (nested loop)" "$r2" "$(verdict "$r2" 1.5 le)"
printf '%-62s %6sx  (for information)\n' "get_tenant_scaling_policy ours/plain join (planner's choice)" "$(ratio "$po" "$pj")"
printf '%-62s %6sx  (target >= 5x: %s)\n' "check_training_scaling_trigger peer/ours" "$r3" "$(verdict "$r3" 5 ge)"
printf '%-62s %6sx  (for information)\n' "check_training_scaling_trigger ours/plain SQL reads" "$(ratio "$to" "$tr")"
echo
# the checksums of each pair must agree, or the comparison is not of the same work
for pair in "policy_peer policy_ours policy_plain_join_nestloop policy_plain_join_planner" "training_peer training_ours"; do
	set -- $pair
	first=$(awk -F'|' -v k="$1" '$1 == k { print $3 }' "$WORK/results")
	for name in "$@"; do
		[ "$(awk -F'|' -v k="$name" '$1 == k { print $3 }' "$WORK/results")" = "$first" ] ||
			echo "WARNING: $name computed a different result than $1" >&2
	done
done
awk -F'|' '$1 ~ /^plan_/ { print "plan (" substr($1, 6) "): " $2 }' "$WORK/results"
