#!/usr/bin/env bash
# The inference autoscaling replay (not a test): six deterministic 24 h demand traces at a 15 s
# step (smooth_daily, step, random_bursts, flash_crowd, weekly_growth, moderate_jumps) through
# simulate_inference_scaling with the default target-tracking rules and with the seed's
# fixed-step rule, against an HPA-style reference in PL/pgSQL and a 90 s look-ahead oracle on
# the same model. Prints per trace and in total the SLO-breach minutes (p95 > 200 ms, or no
# replica ready), replica-hours, changes and replica-hours against the oracle's; then the goal
# checks and sanity checks (PASS/FAIL), and the time of one 50,000-step simulation. Exits 0
# whether the goals are met or not (it is a measurement); a few seconds once built.
# Then the same traces with warm pools of 0, 2 and 4 replicas, warm replicas costing TS_WARM_COST
# (default 0.2) of a running one. Then the predictive replay (predictive.sql): six eight-day traces scored on the last day with
# prediction off, forecast_only and forecast_and_scale, and the forecast's error; about 15 s.
#
#   bash test/bench/replay.sh                builds, starts a throwaway cluster, replays
#   TS_TT_RULES='{"inference": {"target_utilization": 0.7}}' bash test/bench/replay.sh
#   TS_REPLAY_DB=ts_dev bash test/bench/replay.sh    in a database of a running server (PG*
#                                                    variables) that has the extension
set -euo pipefail
TS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
replay() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" -v tt_rules="${TS_TT_RULES:-}" -v warm_cost="${TS_WARM_COST:-0.2}" \
		-f "$TS_ROOT/test/bench/replay.sql"
	psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$TS_ROOT/test/bench/predictive.sql"
}
if [ -n "${TS_REPLAY_DB:-}" ]; then
	replay "$TS_REPLAY_DB"
	exit 0
fi
. "$TS_ROOT/test/lib/cluster.sh"
WORK=$(mktemp -d /tmp/tenant_scaling_replay.XXXXXX)
chmod 755 "$WORK"
trap 'ts_stop_cluster; rm -rf "$WORK"' EXIT
ts_ensure_packages
ts_build_install
ts_start_cluster "$WORK/cluster" "tenant_scaling.enabled = off"
psql -X -q -d postgres -c "CREATE EXTENSION tenant_scaling"
replay postgres
