#!/usr/bin/env bash
# test/differential/run.sh: the extension's C functions against the peer
# (test/differential/seed_baseline.sql, a copy of the shared seed_baseline peer)
# on the same generated data, in one fresh database that is dropped at the end.
#
# Needs a running cluster with the extension installed (and preloaded), reached
# through PGHOST/PGPORT/PGUSER, as test/run_all_tests.sh provides:
#   bash test/differential/run.sh
# Prints "ok - ..." / "not ok - ..." per check and, last, "N passed, N failed".
# TS_DIFF_DB names the database (default ts_differential); TS_DIFF_KEEP=1 keeps it;
# TS_DIFF_PRECISION=1 adds the checks of 19+-digit metrics (a known difference).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
DB=${TS_DIFF_DB:-ts_differential}
PSQL=(psql -X -v ON_ERROR_STOP=1 -qAt)
OUT=$(mktemp /tmp/ts_differential.XXXXXX)
ERR=$(mktemp /tmp/ts_differential_err.XXXXXX)

admin() { "${PSQL[@]}" -d postgres "$@"; }

cleanup() {
	[ "${TS_DIFF_KEEP:-0}" = 1 ] || admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1
	rm -f "$OUT" "$ERR"
}
trap cleanup EXIT

start=$(date +%s)
status=0
if ! admin -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" -c "CREATE DATABASE \"$DB\"" >"$ERR" 2>&1; then
	cat "$ERR"
	echo "not ok - create database $DB"
	status=1
else
	# the checks print their own lines; a failure outside a check stops the script
	"${PSQL[@]}" -d "$DB" -v precision="${TS_DIFF_PRECISION:-0}" -f "$HERE/differential.sql" \
		>"$OUT" 2>"$ERR" || status=$?
	cat "$OUT"
	if [ "$status" != 0 ] || [ -s "$ERR" ]; then
		sed 's/^/# /' "$ERR"
	fi
	if [ "$status" != 0 ]; then
		echo "not ok - differential.sql ran to the end (psql exit $status)"
	fi
fi

passed=$(grep -c '^ok - ' "$OUT")
failed=$(grep -c '^not ok - ' "$OUT")
[ "$status" != 0 ] && failed=$((failed + 1))
[ "$passed" = 0 ] && [ "$failed" = 0 ] && failed=1
echo "# $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
