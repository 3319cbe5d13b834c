#!/usr/bin/env bash
# Submitting many training jobs in one statement (issue 16, finding 9): time
# per job of SELECT submit_training_job(...) FROM generate_series(1, N) for
# growing N, against N single-statement submits, in one run, on a throwaway
# cluster. Linear means the per-job cost stays flat as N grows. Not a test.
#
#   bash test/bench/bulk_submit.sh            N = 10,000 20,000 40,000
#   TS_BULK_SIZES="10000 40000 100000" bash test/bench/bulk_submit.sh
set -eu
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$TS_ROOT/test/lib/cluster.sh"
SIZES=${TS_BULK_SIZES:-"10000 20000 40000"}
WORK=$(mktemp -d /tmp/tenant_scaling_bulk_bench.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT

ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off" "synchronous_commit = off"
psql -X -q -c "CREATE DATABASE ts_bulk_bench"
export PGDATABASE=ts_bulk_bench
psql -X -q -c "CREATE EXTENSION tenant_scaling" -c "
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, max_model_size_gb, max_queued_jobs)
VALUES ('b0000000-0000-0000-0000-000000000001', 'enterprise', 10, 10000000)"

# seconds of one psql run of a statement
seconds() {
	local start end
	start=$(date +%s.%N)
	psql -X -q -v ON_ERROR_STOP=1 -c "$1" >/dev/null
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" 'BEGIN {printf "%.2f", e - s}'
}
reset_jobs() { psql -X -q -c "TRUNCATE tenant_scaling.training_jobs" -c "VACUUM tenant_scaling.tenant_job_counts"; }

printf '| jobs | one statement (s) | µs per job |\n|---|---|---|\n'
for n in $SIZES; do
	reset_jobs
	t=$(seconds "SELECT count(tenant_scaling.submit_training_job('b0000000-0000-0000-0000-000000000001', 'training_small', 1, 1)) FROM generate_series(1, $n)")
	awk -v n="$n" -v t="$t" 'BEGIN {printf "| %d | %s | %.0f |\n", n, t, t * 1e6 / n}'
done
last=${SIZES##* }
reset_jobs
echo "SELECT tenant_scaling.submit_training_job('b0000000-0000-0000-0000-000000000001', 'training_small', 1, 1);" >"$WORK/submit.sql"
start=$(date +%s.%N)
pgbench -n -c 1 -t "$last" -f "$WORK/submit.sql" >/dev/null
end=$(date +%s.%N)
awk -v n="$last" -v s="$start" -v e="$end" \
	'BEGIN {printf "| %d single statements | %.2f | %.0f |\n", n, e - s, (e - s) * 1e6 / n}'
psql -X -q -At -c "SELECT 'counts exact: ' || (queued_jobs = (SELECT count(*) FROM tenant_scaling.training_jobs WHERE status = 'queued'))
                   FROM tenant_scaling.tenant_job_counts"
