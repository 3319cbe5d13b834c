#!/usr/bin/env bash
# Runs every test suite of tenant_scaling from a fresh clone, as root on Debian 12:
# installs what is missing, builds, installs, starts a throwaway cluster as the
# postgres user, runs each suite, always stops the cluster, and ends with
# "N passed, N failed" over all suites.
#
#   bash test/run_all_tests.sh            every suite
#   TS_SUITES="unit regress" bash test/run_all_tests.sh
set -u
TS_ROOT=$(cd "$(dirname "$0")/.." && pwd)
# before cluster.sh, which reads it into TS_PACKAGES when sourced
TS_EXTRA_PACKAGES="valgrind clang-14 libclang-rt-14-dev"
. "$TS_ROOT/test/lib/cluster.sh"
SUITES=${TS_SUITES:-"unit valgrind fuzz symbols regress isolation differential readme load capacity_load proxy tap"}

total_passed=0
total_failed=0
WORK=$(mktemp -d /tmp/tenant_scaling_test.XXXXXX)
chmod 755 "$WORK"
cleanup() { ts_stop_cluster; }
trap cleanup EXIT

# record SUITE OUTPUT_FILE STATUS: adds the suite's last "N passed, N failed" line
record() {
	local suite=$1 out=$2 status=$3 line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		p=0
		f=1
		echo "-- $suite: no result line (exit $status); last output:" >&2
		tail -n 30 "$out" >&2
	else
		p=${line%% passed*}
		f=${line#*, }
		f=${f%% failed}
		# a suite that exits non-zero, or runs nothing, without a counted failure still fails
		[ "$status" != 0 ] && [ "$f" = 0 ] && f=1
		[ "$p" = 0 ] && [ "$f" = 0 ] && f=1
	fi
	printf '%-14s %s passed, %s failed\n' "$suite" "$p" "$f"
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
}

suite_unit() {
	make -s -C "$TS_ROOT" test/unit/unit_tests >/dev/null && "$TS_ROOT/test/unit/unit_tests"
}

# the unit tests under valgrind: one check, no memory error and no leak
suite_valgrind() {
	make -s -C "$TS_ROOT" test/unit/unit_tests >/dev/null || return 1
	if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
		"$TS_ROOT/test/unit/unit_tests" >/dev/null; then
		echo "1 passed, 0 failed"
	else
		echo "0 passed, 1 failed"
		return 1
	fi
}

# libFuzzer over the pure C rules parser, decimals and decisions, bounded in time
suite_fuzz() {
	bash "$TS_ROOT/test/fuzz/run.sh" "${TS_FUZZ_SECONDS:-20}"
}

# only what PostgreSQL looks up is exported from the shared object
suite_symbols() {
	bash "$TS_ROOT/test/symbols.sh" "$TS_ROOT/tenant_scaling.so"
}

# The three PGXS suites are make installcheck against the running cluster,
# one at a time (make stops at the first failing one), in a copy of the tree
# the postgres user owns: TAP tests start clusters of their own, which root
# may not.
TREE=""
tree_for_postgres() {
	if [ -z "$TREE" ]; then
		TREE="$WORK/tree"
		mkdir -p "$TREE"
		cp -r "$TS_ROOT/Makefile" "$TS_ROOT"/*.control "$TS_ROOT"/*.sql "$TS_ROOT/test" "$TS_ROOT/monitoring" "$TREE/"
		chown -R postgres: "$TREE"
	fi
}

# installcheck SUITE VARIABLES...: run as postgres, print the output, and the counts
installcheck() {
	local out status
	tree_for_postgres
	out=$(cd "$TREE" && runuser -u postgres -- env PATH="$PG_BIN:/usr/bin:/bin" PGHOST="$PGHOST" PGPORT="$PGPORT" \
		PGUSER="$PGUSER" PG_TEST_TIMEOUT_DEFAULT=60 make installcheck PG_CONFIG="$PG_CONFIG" "$@" 2>&1)
	status=$?
	echo "$out"
	[ $status != 0 ] && cat "$TREE"/regression.diffs "$TREE"/output_iso/regression.diffs 2>/dev/null | head -n 200
	[ $status != 0 ] && cat "$TREE"/tmp_check/log/*.log 2>/dev/null | tail -n 100
	printf '%d passed, %d failed\n' "$(echo "$out" | grep -cE '\.\.\. ok|^ok [0-9]+')" \
		"$(echo "$out" | grep -cE '\.\.\. FAILED|^not ok [0-9]+')"
	return $status
}

suite_regress() { installcheck ISOLATION= TAP_TESTS=; }
suite_isolation() { installcheck REGRESS= TAP_TESTS=; }
# TAP tests (PostgreSQL::Test::Cluster) start clusters of their own
suite_tap() { installcheck REGRESS= ISOLATION= PROVE_FLAGS=-v; }

# the job queue under load: 16 libpq clients, a monitor, bounded in time
suite_load() {
	local bin="$WORK/job_load"
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror $(pkg-config --cflags libpq) "$TS_ROOT/test/load/job_load.c" \
		-o "$bin" $(pkg-config --libs libpq) -lpthread || return 1
	psql -X -q -c "DROP DATABASE IF EXISTS ts_load" -c "CREATE DATABASE ts_load" &&
		psql -X -q -d ts_load -c "CREATE EXTENSION tenant_scaling" || return 1
	PGDATABASE=ts_load "$bin" --seconds "${TS_LOAD_SECONDS:-8}" --clients 16
}

# shared GPU capacity under load: 16 libpq clients, capacity changes, the
# admission pass, a monitor, bounded in time
suite_capacity_load() {
	local bin="$WORK/capacity_load"
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror $(pkg-config --cflags libpq) "$TS_ROOT/test/load/capacity_load.c" \
		-o "$bin" $(pkg-config --libs libpq) -lpthread || return 1
	psql -X -q -c "DROP DATABASE IF EXISTS ts_capacity_load" -c "CREATE DATABASE ts_capacity_load" &&
		psql -X -q -d ts_capacity_load -c "CREATE EXTENSION tenant_scaling" || return 1
	PGDATABASE=ts_capacity_load "$bin" --seconds "${TS_CAPACITY_LOAD_SECONDS:-30}" --clients 16
}

# scale-out: a proxy database and two shard databases in the same cluster
suite_proxy() {
	bash "$TS_ROOT/test/proxy/run.sh"
}

suite_differential() {
	bash "$TS_ROOT/test/differential/run.sh"
}

# the README's "Operating it" examples, as written
suite_readme() {
	bash "$TS_ROOT/test/readme/run.sh"
}

main() {
	ts_ensure_packages || exit 1
	ts_build_install || { echo "0 passed, 1 failed"; exit 1; }
	ts_start_cluster "$WORK/cluster" || { echo "0 passed, 1 failed"; exit 1; }
	for suite in $SUITES; do
		out="$WORK/$suite.out"
		"suite_$suite" >"$out" 2>&1
		record "$suite" "$out" $?
	done
	ts_stop_cluster
	# keep the logs of a failed run; a clean one leaves nothing behind
	[ "$total_failed" = 0 ] && rm -rf "$WORK" || echo "logs: $WORK" >&2
	echo "$total_passed passed, $total_failed failed"
	[ "$total_failed" = 0 ]
}
main
