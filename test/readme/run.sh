#!/usr/bin/env bash
# test/readme/run.sh: every ```sql block of the README's "Operating it" section
# runs as written, in order, in a fresh database holding the main job's sample
# tenants (test/main_job.sql) and the decisions of one cycle. One check per
# block; the last line is "N passed, N failed".
#
# Needs a running cluster with the extension installed (and preloaded), through
# PGHOST/PGPORT/PGUSER, as test/run_all_tests.sh provides: bash test/readme/run.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DB=ts_readme
WORK=$(mktemp -d /tmp/ts_readme.XXXXXX)
# the roles the blocks create are the cluster's: dropped with the database
cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "DROP ROLE IF EXISTS k8s_actuator" \
		>/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

cleanup
WORK=$(mktemp -d /tmp/ts_readme.XXXXXX)
psql -X -q -d postgres -c "CREATE DATABASE $DB" || exit 1
psql -X -q -d "$DB" -v ON_ERROR_STOP=1 -c "CREATE EXTENSION tenant_scaling" -f "$ROOT/test/main_job.sql" \
	-c "SELECT tenant_scaling.run_scaling_cycle()" >"$WORK/setup.out" 2>&1 ||
	{ tail -20 "$WORK/setup.out"; echo "0 passed, 1 failed"; exit 1; }

# the blocks, one file each, from "## Operating it" to the next "## " heading
awk -v dir="$WORK" '
	/^## / { inside = ($0 == "## Operating it") }
	inside && /^```sql$/ { n++; file = sprintf("%s/block%02d.sql", dir, n); copying = 1; next }
	copying && /^```$/ { copying = 0; next }
	copying { print > file }
' "$ROOT/README.md"

passed=0
failed=0
for block in "$WORK"/block*.sql; do
	[ -e "$block" ] || break
	if psql -X -q -d "$DB" -v ON_ERROR_STOP=1 -f "$block" >"$block.out" 2>&1; then
		echo "ok - README block $(basename "$block" .sql): $(head -n 1 "$block")"
		passed=$((passed + 1))
	else
		echo "not ok - README block $(basename "$block" .sql): $(head -n 1 "$block")"
		sed 's/^/# /' "$block.out" | tail -n 10
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
