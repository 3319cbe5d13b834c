#!/usr/bin/env bash
# The job queue benchmark (not a test): jobs per second through submit, start
# and finish with 16 clients, against the same three statements in plain SQL
# without any limit check, in one run, on a throwaway cluster.
#
#   bash test/bench/jobs.sh            30 s each
#   TS_JOBS_SECONDS=10 bash test/bench/jobs.sh
set -eu
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$TS_ROOT/test/lib/cluster.sh"
SECONDS_EACH=${TS_JOBS_SECONDS:-30}
WORK=$(mktemp -d /tmp/tenant_scaling_jobs_bench.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT

ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off" "synchronous_commit = off"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror $(pkg-config --cflags libpq) "$TS_ROOT/test/load/job_load.c" \
	-o "$WORK/job_load" $(pkg-config --libs libpq) -lpthread
psql -X -q -c "CREATE DATABASE ts_jobs_bench"
psql -X -q -d ts_jobs_bench -c "CREATE EXTENSION tenant_scaling"
export PGDATABASE=ts_jobs_bench

jobs_per_second() { sed -n 's/.* \([0-9]*\) jobs\/s$/\1/p'; }
ours_line=$("$WORK/job_load" --seconds "$SECONDS_EACH" --clients 16 --no-monitor)
plain_line=$("$WORK/job_load" --seconds "$SECONDS_EACH" --clients 16 --plain)
printf '%s\n%s\n' "$ours_line" "$plain_line"
ours=$(echo "$ours_line" | jobs_per_second)
plain=$(echo "$plain_line" | jobs_per_second)
awk -v o="$ours" -v p="$plain" 'BEGIN {printf "jobs/s: tenant_scaling %d, plain SQL without limit checks %d: %.0f %% (target >= 70 %%)\n", o, p, 100 * o / p}'
