#!/usr/bin/env bash
# The main job: a throwaway PostgreSQL cluster with tenant_scaling preloaded,
# sample tenants of every tier, and the decisions and allocations the
# extension makes for them, shown as tables. Installs what is missing.
#
#   bash test/main_job.sh              the embedded sample (test/main_job.sql)
#   bash test/main_job.sh my.sql       your own script instead, after CREATE EXTENSION
set -eu
TS_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$TS_ROOT/test/lib/cluster.sh"
SCRIPT=${1:-$TS_ROOT/test/main_job.sql}
[ -r "$SCRIPT" ] || { echo "cannot read $SCRIPT" >&2; exit 1; }

WORK=$(mktemp -d /tmp/tenant_scaling_main.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT

ts_ensure_packages
ts_build_install
ts_log "starting a throwaway cluster in $WORK"
ts_start_cluster "$WORK/cluster" "tenant_scaling.naptime = 2"
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION tenant_scaling"
psql -X -v ON_ERROR_STOP=1 -f "$SCRIPT"
ts_log "done; the throwaway cluster is stopped and removed"
