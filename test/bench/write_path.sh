#!/usr/bin/env bash
# The cycle's write path (not a test): a run_scaling_cycle() that scales out every one of
# TS_WRITE_ENDPOINTS (default 100,000) endpoints of 1,000 tenants, in microseconds per applied
# decision, against the floor of the same writes on plain tables (one UPDATE of the endpoints,
# one INSERT of the events, one pg_notify each, in one statement), in one run; three rounds,
# each on endpoints reset to their first state, medians. Exits 0 whatever the figures.
#
#   bash test/bench/write_path.sh
set -euo pipefail
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ENDPOINTS=${TS_WRITE_ENDPOINTS:-100000}
. "$TS_ROOT/test/lib/cluster.sh"
WORK=$(mktemp -d /tmp/tenant_scaling_write.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT
ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off" "max_wal_size = 8GB" "checkpoint_timeout = 30min"

psql -X -q -v ON_ERROR_STOP=1 -v endpoints="$ENDPOINTS" <<'SQL'
CREATE EXTENSION tenant_scaling;
-- the partitions a running scheduler has made ahead: rows land in their day's partition
SELECT count(*) FROM tenant_scaling.maintain_history_partitions();
INSERT INTO tenant_scaling.tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
SELECT md5('write-tenant-' || i)::uuid, 'premium', true FROM generate_series(1, 1000) i;
INSERT INTO tenant_scaling.inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas,
                                                max_replicas, replica_capacity_rps)
SELECT 'ep-' || i, md5('write-tenant-' || (i % 1000 + 1))::uuid, 2, 2, 50, 100 FROM generate_series(1, :endpoints) i;
-- the floor's tables: the same rows, plain
CREATE TABLE public.floor_endpoints AS SELECT * FROM tenant_scaling.inference_endpoints;
ALTER TABLE public.floor_endpoints ADD PRIMARY KEY (endpoint_id);
CREATE TABLE public.floor_events (event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(), tenant_id uuid NOT NULL, resource_id text NOT NULL,
    previous_count int NOT NULL, new_count int NOT NULL, reason text NOT NULL, inputs jsonb NOT NULL);
-- every endpoint hot: 95 % cpu at 190 requests per second, a replica serves 100
CREATE FUNCTION public.heat() RETURNS void LANGUAGE sql AS $$
    UPDATE tenant_scaling.inference_endpoints SET desired_replicas = 2, current_replicas = 2,
           last_scaled_at = NULL, last_scale_out_at = NULL WHERE desired_replicas <> 2;
    DELETE FROM tenant_scaling.endpoint_scaling_state;
    INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms,
                                                 requests_per_second)
    SELECT endpoint_id, tenant_id, 95, 50, 200, 190 FROM tenant_scaling.inference_endpoints;
$$;
SELECT public.heat();
VACUUM ANALYZE;
SQL

time_ms() { psql -X -q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'; }
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
floor_sql="WITH u AS (UPDATE public.floor_endpoints e SET desired_replicas = e.desired_replicas + 1,
                                  last_scaled_at = now(), last_scale_out_at = now()
                       RETURNING e.tenant_id, e.endpoint_id, e.desired_replicas),
              ev AS (INSERT INTO public.floor_events (tenant_id, resource_id, previous_count, new_count, reason, inputs)
                     SELECT tenant_id, endpoint_id, desired_replicas - 1, desired_replicas, 'target_tracking',
                            '{\"cpu_avg\": 95}' FROM u RETURNING event_id)
         SELECT count(pg_notify('floor', event_id::text)) FROM ev"
ours=() floor=() applied=0
for _ in 1 2 3; do
	psql -X -q -o /dev/null -c 'SELECT public.heat()' -c 'VACUUM tenant_scaling.inference_endpoints'
	ours+=("$(time_ms 'SELECT 1 FROM tenant_scaling.run_scaling_cycle()')")
	applied=$(psql -X -qAt -c 'SELECT inference_decisions FROM tenant_scaling.scheduler_runs ORDER BY run_id DESC LIMIT 1')
	floor+=("$(time_ms "$floor_sql")")
done
o=$(median "${ours[@]}")
f=$(median "${floor[@]}")
printf 'cycle applying %s decisions: %.0f ms, %.1f us per decision (goal <= 15)\n' "$applied" "$o" \
	"$(awk "BEGIN {print $o * 1000 / $applied}")"
printf 'floor (UPDATE, INSERT, pg_notify of %s rows on plain tables): %.0f ms, %.1f us per row\n' "$ENDPOINTS" "$f" \
	"$(awk "BEGIN {print $f * 1000 / $ENDPOINTS}")"
