#!/usr/bin/env bash
# Memory over many cycles (not a test): the scheduler's background worker runs TS_MEMORY_CYCLES
# (default 1,000) cycles, one every second, over 1,000 tenants whose samples change every cycle
# (a decision, a stabilization window, a queue sample each); its private resident memory (RssAnon,
# and RssShmem, the shared buffers it has touched) and its
# memory contexts' total (pg_log_backend_memory_contexts) are read after the first 100 cycles and
# after the last. Flat means the per-cycle memory is reset. Exits 0 whatever the figures.
#
#   bash test/bench/memory.sh
set -euo pipefail
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CYCLES=${TS_MEMORY_CYCLES:-1000}
. "$TS_ROOT/test/lib/cluster.sh"
WORK=$(mktemp -d /tmp/tenant_scaling_memory.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT
ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.database = 'postgres'" "tenant_scaling.naptime = '1s'" \
	"log_min_messages = log"

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION tenant_scaling;
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
SELECT md5('memory-tenant-' || i)::uuid, 'premium', true FROM generate_series(1, 1000) i;
INSERT INTO tenant_scaling.inference_endpoints (endpoint_id, tenant_id, max_replicas, replica_capacity_rps)
SELECT 'ep-' || i, md5('memory-tenant-' || i)::uuid, 20, 100 FROM generate_series(1, 1000) i;
SELECT tenant_scaling.submit_training_job(md5('memory-tenant-' || i)::uuid, 'training_small', 1, 1)
FROM generate_series(1, 1000, 10) i;
SQL
# a feeder: every second, every endpoint's load moves, so decisions and windows change
(
	while :; do
		psql -X -q -c "INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg,
		                   latency_p95_ms, requests_per_second)
		               SELECT endpoint_id, tenant_id, 20 + 70 * random(), 50, 100, 50 + 400 * random()
		                 FROM tenant_scaling.inference_endpoints" >/dev/null 2>&1 || true
		sleep 1
	done
) &
FEEDER=$!
trap 'kill $FEEDER 2>/dev/null || true; ts_stop_cluster; rm -rf "$WORK"' EXIT

runs() { psql -X -qAt -c "SELECT count(*) FROM tenant_scaling.scheduler_runs WHERE status = 'succeeded'"; }
worker_pid() { psql -X -qAt -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'tenant_scaling scheduler'"; }
# private memory (RssAnon) apart from the shared buffers the worker has touched (RssShmem)
rss_kb() { awk '/^(RssAnon|RssShmem)/ {printf "%s %s kB ", $1, $2}' "/proc/$(worker_pid)/status"; }
contexts_bytes() {
	local pid
	pid=$(worker_pid)
	psql -X -qAt -c "SELECT pg_log_backend_memory_contexts($pid)" >/dev/null
	sleep 2
	grep "Grand total: " "$TS_CLUSTER_DIR/server.log" | tail -1 | sed 's/.*Grand total: \([0-9]*\) bytes.*/\1/'
}
wait_for() { while [ "$(runs)" -lt "$1" ]; do sleep 5; done; }

wait_for 100
r1=$(rss_kb) c1=$(contexts_bytes) n1=$(runs)
wait_for "$CYCLES"
r2=$(rss_kb) c2=$(contexts_bytes) n2=$(runs)
decisions=$(psql -X -qAt -c "SELECT sum(training_decisions + inference_decisions) FROM tenant_scaling.scheduler_runs")
printf 'after %s cycles: worker %s; memory contexts %s bytes\n' "$n1" "$r1" "$c1"
printf 'after %s cycles: worker %s; memory contexts %s bytes (%s decisions applied in all)\n' \
	"$n2" "$r2" "$c2" "$decisions"
