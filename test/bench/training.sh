#!/usr/bin/env bash
# The training-queue benchmark (not a test): a backlog of 200 jobs at once (ceilings 50 and 10) and
# four waves of 50 jobs, 10 to 60 minutes each, through simulate_training_scaling with the default
# queue policy and the seed's step rule; prints the minutes until the backlog is served and until
# every job is done, the mean wait, worker-hours against the work, and the goal checks (PASS/FAIL).
# Exits 0 whether the goals are met or not; a second once built.
#
#   bash test/bench/training.sh                     builds, starts a throwaway cluster, runs
#   TS_TRAINING_DB=ts_dev bash test/bench/training.sh   in a database of a running server (PG*
#                                                       variables) that has the extension
set -euo pipefail
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -n "${TS_TRAINING_DB:-}" ]; then
	psql -X -q -v ON_ERROR_STOP=1 -d "$TS_TRAINING_DB" -f "$TS_ROOT/test/bench/training.sql"
	exit 0
fi
. "$TS_ROOT/test/lib/cluster.sh"
WORK=$(mktemp -d /tmp/tenant_scaling_training.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT
ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off"
psql -X -q -d postgres -c "CREATE EXTENSION tenant_scaling"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -f "$TS_ROOT/test/bench/training.sql"
