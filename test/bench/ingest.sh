#!/usr/bin/env bash
# The metrics ingest benchmark (not a test): endpoint_metrics (its foreign key, CHECKs, row-level
# security and the statement triggers that keep endpoint_metrics_latest) against a plain table with
# the same columns and the same two indexes, in one run on one throwaway cluster, 100,000
# endpoints (TS_INGEST_ENDPOINTS) of 1,000 tenants:
#   - batch: one 100,000-row INSERT ... SELECT, three rounds each, median, ours / plain;
#   - single rows: pgbench, 8 clients for TS_INGEST_SECONDS (default 10) each, one INSERT of one
#     random endpoint's sample per transaction, tps ours / plain.
# Exits 0 whatever the ratios (a measurement).
#
#   bash test/bench/ingest.sh
set -euo pipefail
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ENDPOINTS=${TS_INGEST_ENDPOINTS:-100000}
SECONDS_EACH=${TS_INGEST_SECONDS:-10}
. "$TS_ROOT/test/lib/cluster.sh"
WORK=$(mktemp -d /tmp/tenant_scaling_ingest.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT
ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off" "max_wal_size = 8GB" "checkpoint_timeout = 30min"

psql -X -q -v ON_ERROR_STOP=1 -v endpoints="$ENDPOINTS" <<'SQL'
CREATE EXTENSION tenant_scaling;
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
SELECT md5('ingest-tenant-' || i)::uuid, 'premium', true FROM generate_series(1, 1000) i;
INSERT INTO tenant_scaling.inference_endpoints (endpoint_id, tenant_id)
SELECT 'ep-' || i, md5('ingest-tenant-' || (i % 1000 + 1))::uuid FROM generate_series(1, :endpoints) i;
CREATE TABLE public.plain_metrics (LIKE tenant_scaling.endpoint_metrics INCLUDING DEFAULTS);
CREATE INDEX ON public.plain_metrics (endpoint_id, ts DESC);
CREATE INDEX ON public.plain_metrics (ts);
-- one sample of every endpoint, into either table
CREATE FUNCTION public.batch(target regclass, n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO %s (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)'
                   ' SELECT ''ep-'' || i, md5(''ingest-tenant-'' || (i %% 1000 + 1))::uuid, clock_timestamp(),'
                   '        50, 50, 80, 100 FROM generate_series(1, %s) i', target, n);
END $$;
SELECT public.batch('tenant_scaling.endpoint_metrics', :endpoints), public.batch('public.plain_metrics', :endpoints);
SQL

time_ms() { psql -X -q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'; }
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ours=() plain=()
for _ in 1 2 3; do
	plain+=("$(time_ms "SELECT public.batch('public.plain_metrics', $ENDPOINTS)")")
	ours+=("$(time_ms "SELECT public.batch('tenant_scaling.endpoint_metrics', $ENDPOINTS)")")
done
p=$(median "${plain[@]}")
o=$(median "${ours[@]}")
printf 'batch of %s rows: plain %.0f ms, endpoint_metrics %.0f ms: ours / plain %.2fx (goal >= 0.7x)\n' \
	"$ENDPOINTS" "$p" "$o" "$(awk "BEGIN {print $p / $o}")"

for table in public.plain_metrics tenant_scaling.endpoint_metrics; do
	cat >"$WORK/$table.sql" <<PGB
\set i random(1, $ENDPOINTS)
INSERT INTO $table (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('ep-' || :i, md5('ingest-tenant-' || (:i % 1000 + 1))::uuid, clock_timestamp(), 50, 50, 80, 100);
PGB
done
tps() { pgbench -n -c 8 -j 2 -T "$SECONDS_EACH" -f "$WORK/$1.sql" | sed -n 's/^tps = \([0-9.]*\).*/\1/p'; }
tp=$(tps public.plain_metrics)
to=$(tps tenant_scaling.endpoint_metrics)
printf 'single rows, 8 clients, %s s each: plain %.0f tps, endpoint_metrics %.0f tps: ours / plain %.2fx (goal >= 0.8x)\n' \
	"$SECONDS_EACH" "$tp" "$to" "$(awk "BEGIN {print $to / $tp}")"
