#!/usr/bin/env bash
# The retention benchmark (not a test): a scaling cycle that finds 2,000,000 metric rows past
# tenant_scaling.history_retention against the same cycle with none, in one run, on 1,000 tenants
# and TS_RETENTION_ENDPOINTS (default 100,000) endpoints with fresh samples. Twice:
#   - in their day's partition (made when that day was today): the cycle drops the partition;
#   - in the default partition (no partition was made for their day: the scheduler was off, or
#     the rows were backfilled): the cycle moves what is not expired and truncates the rest.
# Each: the cycle's time against the median of three cycles with nothing expired, and the rows
# older than the retention left after it (goal: at most 2x, none left). Exits 0 whatever the figures.
#
#   bash test/bench/retention.sh
set -euo pipefail
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ENDPOINTS=${TS_RETENTION_ENDPOINTS:-100000}
EXPIRED=${TS_RETENTION_ROWS:-2000000}
. "$TS_ROOT/test/lib/cluster.sh"
WORK=$(mktemp -d /tmp/tenant_scaling_retention.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT
ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off" "max_wal_size = 8GB" "checkpoint_timeout = 30min"

psql -X -q -v ON_ERROR_STOP=1 -v endpoints="$ENDPOINTS" <<'SQL'
CREATE EXTENSION tenant_scaling;
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
SELECT md5('retention-tenant-' || i)::uuid, 'premium', true FROM generate_series(1, 1000) i;
INSERT INTO tenant_scaling.inference_endpoints (endpoint_id, tenant_id, replica_capacity_rps)
SELECT 'ep-' || i, md5('retention-tenant-' || (i % 1000 + 1))::uuid, 100 FROM generate_series(1, :endpoints) i;
INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT endpoint_id, tenant_id, 50, 50, 80, 50 FROM tenant_scaling.inference_endpoints;
SELECT count(*) FROM tenant_scaling.run_scaling_cycle();
VACUUM ANALYZE;
-- expired samples of the endpoints, nine days old
CREATE FUNCTION public.expire(n int) RETURNS void LANGUAGE sql AS $$
    INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms,
                                                 requests_per_second)
    SELECT 'ep-' || (1 + i % (SELECT count(*) FROM tenant_scaling.inference_endpoints)),
           md5('retention-tenant-' || ((1 + i % (SELECT count(*) FROM tenant_scaling.inference_endpoints)) % 1000 + 1))::uuid,
           date_trunc('day', now() - interval '9 days') + (i % 86400) * interval '1 second', 50, 50, 80, 50
      FROM generate_series(1, n) i;
$$;
SQL

time_ms() { psql -X -q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'; }
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
cycle='SELECT count(*) FROM tenant_scaling.run_scaling_cycle()'
expired_left() {
	psql -X -qAt -c "SELECT count(*) FROM tenant_scaling.endpoint_metrics
	                  WHERE ts < now() - current_setting('tenant_scaling.history_retention')::interval"
}

base=()
for _ in 1 2 3; do base+=("$(time_ms "$cycle")"); done
b=$(median "${base[@]}")
printf 'cycle with nothing expired (%s endpoints): %.0f ms\n' "$ENDPOINTS" "$b"

# in their day's partition, made when it was that day
psql -X -q -o /dev/null -c "SELECT * FROM tenant_scaling.maintain_history_partitions(now() - interval '9 days', 'endpoint_metrics')" \
	-c "SELECT public.expire($EXPIRED)" -c 'VACUUM ANALYZE tenant_scaling.endpoint_metrics'
t=$(time_ms "$cycle")
printf '%s expired rows in their partition: %.0f ms, %.2fx (goal <= 2x), %s expired rows left\n' \
	"$EXPIRED" "$t" "$(awk "BEGIN {print $t / $b}")" "$(expired_left)"

# in the default partition: no partition covered their day
psql -X -q -o /dev/null -c "SELECT public.expire($EXPIRED)" -c 'VACUUM ANALYZE tenant_scaling.endpoint_metrics'
t=$(time_ms "$cycle")
printf '%s expired rows in the default partition: %.0f ms, %.2fx (goal <= 2x), %s expired rows left\n' \
	"$EXPIRED" "$t" "$(awk "BEGIN {print $t / $b}")" "$(expired_left)"
