#!/usr/bin/env bash
# test/symbols.sh [SHARED_OBJECT]: the library exports exactly what PostgreSQL
# looks up (it loads libraries RTLD_GLOBAL, so any other exported name could
# clash with another extension's): each C function an install script names,
# its pg_finfo_ record, Pg_magic_func, _PG_init and the scheduler's entry
# point. Prints one line per check and "N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SO=${1:-$ROOT/tenant_scaling.so}
passed=0
failed=0
check() {
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
		passed=$((passed + 1))
	else
		echo "not ok - $1"
		diff <(echo "$3") <(echo "$2") | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

functions=$(sed -n "s/.*'MODULE_PATHNAME', *'\([a-z_0-9]*\)'.*/\1/p" "$ROOT"/tenant_scaling--*.sql | sort -u)
expected=$( { echo Pg_magic_func; echo _PG_init; echo ts_scheduler_main;
	for f in $functions; do echo "$f"; echo "pg_finfo_$f"; done; } | sort)
exported=$(nm -D --defined-only "$SO" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort)
check "exported names are the SQL functions, their info records, the magic, _PG_init and the scheduler" \
	"$exported" "$expected"
check "the install scripts name C functions ($(echo "$functions" | wc -w))" \
	"$( [ "$(echo "$functions" | wc -w)" -gt 0 ] && echo yes)" "yes"
unprefixed=$(echo "$exported" | grep -vE '^(ts_|pg_finfo_ts_|Pg_magic_func$|_PG_init$)')
check "no exported name lacks the ts_ prefix (but PostgreSQL's own)" "$unprefixed" ""
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
