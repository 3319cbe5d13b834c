#!/usr/bin/env bash
# The cost view benchmark (not a test): 100,000 tenants with 10 usage rows each
# already summarised, then 1 % new rows; our refresh (running totals) against the
# peer's full REFRESH MATERIALIZED VIEW CONCURRENTLY over the same data, in one
# run, with identical contents. Then the growth: our refresh after 1 % new rows
# at 1,000,000 and 10,000,000 usage rows.
#
#   bash test/bench/cost.sh
#   TS_COST_TENANTS=10000 bash test/bench/cost.sh
set -eu
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$TS_ROOT/test/lib/cluster.sh"
TENANTS=${TS_COST_TENANTS:-100000}
WORK=$(mktemp -d /tmp/tenant_scaling_cost_bench.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT

ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off" "max_wal_size = 8GB" \
	"checkpoint_timeout = 30min" "work_mem = 64MB" "maintenance_work_mem = 1GB"
export PGDATABASE=ts_cost_bench
psql -X -q -d postgres -c "CREATE DATABASE ts_cost_bench"
psql -X -q -c "CREATE EXTENSION tenant_scaling" -f "$TS_ROOT/test/differential/seed_baseline.sql" >/dev/null

time_ms() { psql -X -q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1; }

# usage rows for day d of every tenant, in both schemas
add_day() {
	local from=$1 to=$2 pct=${3:-100}
	psql -X -q <<SQL
CREATE TEMP TABLE batch AS
SELECT md5('cost-' || n)::uuid AS tenant_id, (ARRAY['basic', 'standard', 'premium', 'enterprise'])[1 + n % 4] AS tier,
       date '2026-01-01' + d AS day, (n * d) % 17 + 0.5 AS cpu, (n + d) % 5 AS gpu, (n + d) % 97 * 1.25 AS storage,
       (d % 7) * 0.125 AS network, ((n * 7 + d * 3) % 100) / 100.0 AS cpu_util, ((n * 5 + d) % 100) / 100.0 AS mem_util,
       n * 100 + d / 5 AS job, 'ep-' || n || '-' || (d % 3) AS endpoint
FROM generate_series(1, $TENANTS) n, generate_series($from, $to) d
WHERE $pct = 100 OR n % 100 < $pct;
INSERT INTO tenant_scaling.tenant_resource_usage (tenant_id, scaling_tier, usage_date, cpu_hours, gpu_hours,
       storage_gb_days, network_gb, cpu_utilization, memory_utilization, training_jobs, inference_endpoints)
SELECT tenant_id, tier, day, cpu, gpu, storage, network, cpu_util, mem_util, job, endpoint FROM batch;
INSERT INTO seed_baseline.tenant_resource_usage (tenant_id, scaling_tier, usage_date, cpu_hours, gpu_hours,
       storage_gb_days, network_gb, cpu_utilization, memory_utilization, training_jobs, inference_endpoints)
SELECT tenant_id, tier, day, cpu, gpu, storage, network, cpu_util, mem_util, job, hashtext(endpoint) FROM batch;
SQL
}

ts_log "loading $TENANTS tenants x 10 days of usage into both schemas"
add_day 0 9
psql -X -q -c "VACUUM ANALYZE"
time_ms "SELECT tenant_scaling.refresh_cost_optimization_view()" >/dev/null
time_ms "SELECT seed_baseline.refresh_cost_optimization_view()" >/dev/null
ts_log "1 % new rows"
add_day 10 10 1
ours=$(time_ms "SELECT tenant_scaling.refresh_cost_optimization_view()")
peer=$(time_ms "SELECT seed_baseline.refresh_cost_optimization_view()")
same=$(psql -X -At -c "
SELECT count(*) FROM (
  (SELECT tenant_id, scaling_tier, total_cpu_hours, total_gpu_hours, total_storage, total_network, avg_cpu_util,
          avg_memory_util, training_jobs_count, inference_endpoints_count, provisioning_status
     FROM tenant_scaling.tenant_cost_optimization
   EXCEPT SELECT * FROM seed_baseline.tenant_cost_optimization)
  UNION ALL
  (SELECT * FROM seed_baseline.tenant_cost_optimization
   EXCEPT SELECT tenant_id, scaling_tier, total_cpu_hours, total_gpu_hours, total_storage, total_network, avg_cpu_util,
          avg_memory_util, training_jobs_count, inference_endpoints_count, provisioning_status
     FROM tenant_scaling.tenant_cost_optimization)) d")
rows=$(psql -X -At -c "SELECT count(*) FROM tenant_scaling.tenant_resource_usage")
awk -v o="$ours" -v p="$peer" -v r="$rows" -v s="$same" 'BEGIN {
	printf "refresh after 1 %% new rows, %d usage rows: ours %.1f ms, peer %.1f ms: %.1fx (target >= 20x); rows that differ: %d\n",
		r, o, p, p / o, s }'

# growth: 100 days of usage (10x the rows), then 1 % new rows again; ours only
[ "${TS_COST_GROWTH:-1}" = 1 ] || exit 0
ts_log "growing to 100 days of usage"
psql -X -q -c "TRUNCATE seed_baseline.tenant_resource_usage"
for start in 11 31 51 71; do
	add_day "$start" $((start + 19)) >/dev/null
	psql -X -q -c "TRUNCATE seed_baseline.tenant_resource_usage"
done
add_day 91 99 >/dev/null
psql -X -q -c "TRUNCATE seed_baseline.tenant_resource_usage" -c "VACUUM ANALYZE tenant_scaling.tenant_usage_totals"
time_ms "SELECT tenant_scaling.refresh_cost_optimization_view()" >/dev/null
add_day 100 100 1 >/dev/null
ours10=$(time_ms "SELECT tenant_scaling.refresh_cost_optimization_view()")
rows10=$(psql -X -At -c "SELECT count(*) FROM tenant_scaling.tenant_resource_usage")
awk -v a="$ours" -v ra="$rows" -v b="$ours10" -v rb="$rows10" 'BEGIN {
	printf "growth: our refresh after 1 %% new rows: %.1f ms at %d usage rows, %.1f ms at %d (%.2fx)\n", a, ra, b, rb, b / a }'
