-- test/bench/replay.sql: decision-quality replay of the inference autoscaler (run by replay.sh).
-- Six 24 h demand traces at a 15 s step go through simulate_inference_scaling (default
-- target-tracking rules, and the seed's fixed-step rule), an HPA-style reference and a look-ahead
-- oracle, all on the same queueing model; each is scored on SLO-breach minutes, replica-hours and
-- changes. Everything lives in pg_temp, so the session leaves nothing behind.

\set mu 50
\set min_r 1
\set max_r 40
\set step_s 15
\set cold_steps 6
\set slo_ms 200
\set start_at '2024-01-01 00:00:00+00'

SET client_min_messages = warning;
-- the target-tracking rules to replay (replay.sh: TS_TT_RULES); empty: the defaults
\if :{?tt_rules}
\else
\set tt_rules ''
\endif
SELECT clock_timestamp() AS script_t0 \gset

-- fail at once, with a clear message, when the extension lacks the function
SELECT 'tenant_scaling.simulate_inference_scaling(numeric[], numeric, jsonb, int, int, int, '
       'interval, interval, timestamptz, numeric, int, interval, text)'::regprocedure AS simulate_fn \gset

-- ---------------------------------------------------------------------------------------------
-- Traces: numeric[] of rps, one value per 15 s step, 5760 values by default (24 h)
-- ---------------------------------------------------------------------------------------------

-- uniform in [0, 1) from a trace seed and the step number: hashint8 is deterministic across
-- runs and platforms (random() is not), so every run replays the same traces
CREATE FUNCTION pg_temp.u(seed int, i int) RETURNS float8 IMMUTABLE LANGUAGE sql
AS $$ SELECT (hashint8(seed::bigint * 1000003 + i)::float8 + 2147483648) / 4294967296 $$;

-- sinusoid day: trough 30 rps at 04:00, peak 400 rps at 16:00, +-4 % triangular noise
CREATE FUNCTION pg_temp.smooth_daily(n int DEFAULT 5760) RETURNS numeric[] LANGUAGE sql AS $$
SELECT array_agg(round(((215 - 185 * cos(2 * pi() * (i::float8 / 240 - 4) / 24))
                        * (1 + 0.04 * (pg_temp.u(11, i) + pg_temp.u(12, i) - 1)))::numeric, 2) ORDER BY i)
FROM generate_series(0, n - 1) i $$;

-- flat 50 rps with hard steps (no noise, no ramp): 400 at 09:00, 220 over lunch, 400 again,
-- 50 at 18:00, a 150 rps hour at 21:00
CREATE FUNCTION pg_temp.step(n int DEFAULT 5760) RETURNS numeric[] LANGUAGE sql AS $$
SELECT array_agg(CASE WHEN h < 9 THEN 50 WHEN h < 12 THEN 400 WHEN h < 13 THEN 220 WHEN h < 18 THEN 400
                      WHEN h < 21 THEN 50 WHEN h < 22 THEN 150 ELSE 50 END::numeric ORDER BY i)
FROM generate_series(0, n - 1) i, LATERAL (SELECT i / 240.0 AS h) x $$;

-- baseline ~80 rps (+-5 %) with 12 bursts at random times, 3-6x, 2-20 min (8-80 steps), no ramp;
-- overlapping bursts take the larger factor
CREATE FUNCTION pg_temp.random_bursts(n int DEFAULT 5760) RETURNS numeric[] LANGUAGE sql AS $$
WITH burst AS (
    SELECT floor(pg_temp.u(31, k) * n)::int AS s, 8 + floor(pg_temp.u(32, k) * 73)::int AS len,
           3 + 3 * pg_temp.u(33, k) AS f
    FROM generate_series(1, 12) k)
SELECT array_agg(round((80 * (1 + 0.1 * (pg_temp.u(30, i) - 0.5))
                        * coalesce((SELECT max(f) FROM burst WHERE i >= s AND i < s + len), 1))::numeric, 2) ORDER BY i)
FROM generate_series(0, n - 1) i $$;

-- baseline ~60 rps (+-4 %); flash crowds at 11:20 (10x) and 19:45 (7x): up to the peak in 4 steps
-- (1 min), then exponential decay with a 25-step (6.25 min) time constant, ~1 % left after 30 min
CREATE FUNCTION pg_temp.flash_crowd(n int DEFAULT 5760) RETURNS numeric[] LANGUAGE sql AS $$
WITH crowd(s, peak) AS (VALUES (2720, 10.0::float8), (4740, 7.0::float8))
SELECT array_agg(round((60 * (1 + 0.08 * (pg_temp.u(40, i) - 0.5))
                        * (1 + coalesce((SELECT sum(CASE WHEN i - s < 3 THEN (peak - 1) * (i - s + 1) / 4
                                                         ELSE (peak - 1) * exp(-(i - s - 3) / 25.0::float8) END)
                                         FROM crowd WHERE i >= s), 0)))::numeric, 2) ORDER BY i)
FROM generate_series(0, n - 1) i $$;

-- weekday shape (quiet night, morning peak ~10:30, lunch dip, afternoon peak ~15:00, small evening
-- bump) growing linearly by 60 % over the day, +-6 % triangular noise
CREATE FUNCTION pg_temp.weekly_growth(n int DEFAULT 5760) RETURNS numeric[] LANGUAGE sql AS $$
SELECT array_agg(round(((35 + 210 * exp(-(((h - 10.5) / 2.0) ^ 2)) + 240 * exp(-(((h - 15.0) / 2.3) ^ 2))
                           + 60 * exp(-(((h - 20.5) / 1.5) ^ 2)))
                        * (1 + 0.6 * i / (n - 1))
                        * (1 + 0.06 * (pg_temp.u(51, i) + pg_temp.u(52, i) - 1)))::numeric, 2) ORDER BY i)
FROM generate_series(0, n - 1) i, LATERAL (SELECT i::float8 / 240 AS h) x $$;

-- a level that jumps up or down by 20-45 % every 40-90 minutes (between 40 and 400 rps), +-4 %
-- noise: the moderate changes a utilisation target's headroom should absorb without a breach
CREATE FUNCTION pg_temp.moderate_jumps(n int DEFAULT 5760) RETURNS numeric[] LANGUAGE plpgsql AS $$
DECLARE
    level float8 := 120;
    next_jump int := 0;
    k int := 0;
    result numeric[] := '{}';
BEGIN
    FOR i IN 0 .. n - 1 LOOP
        IF i = next_jump THEN
            k := k + 1;
            level := level * CASE WHEN pg_temp.u(61, k) < 0.5 THEN 1 + (0.2 + 0.25 * pg_temp.u(62, k))
                                  ELSE 1 / (1 + (0.2 + 0.25 * pg_temp.u(62, k))) END;
            level := LEAST(400, GREATEST(40, level));
            next_jump := i + 160 + floor(200 * pg_temp.u(63, k))::int;
        END IF;
        result := result || round((level * (1 + 0.04 * (pg_temp.u(64, i) + pg_temp.u(65, i) - 1)))::numeric, 2);
    END LOOP;
    RETURN result;
END $$;

-- initial replicas sized for the first value (35 rps = 70 % of a replica), within the bounds
CREATE TEMP TABLE trace AS
SELECT ord, name, d AS demand, LEAST(:max_r, GREATEST(:min_r, ceil(d[1] / 35)))::int AS initial
FROM (VALUES (1, 'smooth_daily', pg_temp.smooth_daily()), (2, 'step', pg_temp.step()),
             (3, 'random_bursts', pg_temp.random_bursts()), (4, 'flash_crowd', pg_temp.flash_crowd()),
             (5, 'weekly_growth', pg_temp.weekly_growth()),
             (6, 'moderate_jumps', pg_temp.moderate_jumps())) v(ord, name, d);

CREATE TEMP TABLE policy (ord int, name text);
INSERT INTO policy VALUES (1, 'target_tracking'), (2, 'seed_step'), (3, 'hpa'), (4, 'oracle');

-- ---------------------------------------------------------------------------------------------
-- The model, and the HPA-style reference on it (independent of the extension)
-- ---------------------------------------------------------------------------------------------

-- p95 in ms of `ready` replicas of capacity mu at demand d; NULL with no replica ready
CREATE FUNCTION pg_temp.p95(d numeric, ready int, mu numeric) RETURNS numeric IMMUTABLE LANGUAGE sql
AS $$ SELECT CASE WHEN ready > 0 THEN 40 / (1 - LEAST(d / (ready * mu), 0.98)) END $$;

-- Kubernetes HPA on cpu with a 60 % target, 10 % tolerance, the default behaviour (scale-up by at
-- most max(+4, x2) per period, scale-down to the highest recommendation of the last 300 s) and a
-- 90 s cold start; desired counts starting replicas, a scale-in drops the newest starting first.
CREATE FUNCTION pg_temp.hpa(demand numeric[], mu numeric, initial int, min_r int, max_r int,
                            cold int DEFAULT 6, window_steps int DEFAULT 20)
RETURNS TABLE (step_no int, demand_rps numeric, desired int, ready int) LANGUAGE plpgsql AS $$
DECLARE
    n int := cardinality(demand);
    pend int[] := array_fill(0, ARRAY[n + cold + 1]);  -- pend[s]: replicas that become ready at step s
    raws int[] := array_fill(0, ARRAY[n]);
    rdy int := initial;
    cur int := initial;
    t int := 0;
    d numeric; cpu numeric; raw int; rec int; nxt int; rm int; take int; j int;
BEGIN
    FOREACH d IN ARRAY demand LOOP
        t := t + 1;
        rdy := rdy + pend[t];
        pend[t] := 0;
        step_no := t; demand_rps := d; ready := rdy;
        IF rdy = 0 THEN
            raw := CASE WHEN d > 0 THEN 1 ELSE 0 END;
        ELSE
            cpu := 100 * LEAST(d / (rdy * mu), 1);
            IF abs(cpu / 60 - 1) <= 0.1 THEN
                raw := cur;
            ELSE
                -- round first: a quotient such as 2/3 stored as ...67 must not ceil to one more
                raw := ceil(round(rdy * cpu / 60, 9));
            END IF;
        END IF;
        raws[t] := raw;
        IF raw > cur THEN
            nxt := LEAST(raw, GREATEST(cur + 4, 2 * cur));
        ELSE
            rec := raw;
            FOR j IN GREATEST(1, t - window_steps + 1) .. t LOOP
                rec := GREATEST(rec, raws[j]);
            END LOOP;
            nxt := LEAST(cur, rec);
        END IF;
        nxt := LEAST(GREATEST(nxt, min_r), max_r);
        IF nxt > cur THEN
            pend[t + cold] := pend[t + cold] + (nxt - cur);
        ELSIF nxt < cur THEN
            -- starting replicas first, the newest (ready at t+cold-1) first, then ready ones
            rm := cur - nxt;
            j := t + cold - 1;
            WHILE rm > 0 AND j > t LOOP
                take := LEAST(rm, pend[j]);
                pend[j] := pend[j] - take;
                rm := rm - take;
                j := j - 1;
            END LOOP;
            rdy := rdy - rm;
        END IF;
        cur := nxt;
        desired := cur;
        RETURN NEXT;
    END LOOP;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Runs: one row per trace, policy and step
-- ---------------------------------------------------------------------------------------------

CREATE TEMP TABLE run (trace text, policy text, step_no int, demand numeric, desired int, ready int,
                       reported_p95 numeric);

INSERT INTO run
SELECT t.name, p.policy, s.step_no, s.demand, s.desired_replicas, s.ready_replicas, s.latency_p95_ms
FROM trace t
CROSS JOIN (VALUES ('target_tracking', NULLIF(:'tt_rules', '')::jsonb),
                   ('seed_step', '{"inference": {"policy": "step"}}'::jsonb)) p(policy, rules)
CROSS JOIN LATERAL tenant_scaling.simulate_inference_scaling(
    demand_rps => t.demand, replica_capacity_rps => :mu, rules => p.rules,
    initial_replicas => t.initial, min_replicas => :min_r, max_replicas => :max_r,
    step => make_interval(secs => :step_s), cold_start => make_interval(secs => :step_s * :cold_steps),
    start_at => :'start_at') s;

INSERT INTO run
SELECT t.name, 'hpa', h.step_no, h.demand_rps, h.desired, h.ready, NULL
FROM trace t CROSS JOIN LATERAL pg_temp.hpa(t.demand, :mu, t.initial, :min_r, :max_r, :cold_steps) h;

-- the oracle knows the next 90 s (this step and the 5 after it) and its replicas are ready in
-- time, so only its replica-hours matter: enough for 70 % utilisation at the window's peak
INSERT INTO run
SELECT name, 'oracle', i, d, r, r, NULL
FROM (SELECT t.name, u.i::int AS i, u.d,
             LEAST(:max_r, GREATEST(:min_r, ceil(max(u.d) OVER w / (0.7 * :mu))))::int AS r
      FROM trace t, unnest(t.demand) WITH ORDINALITY u(d, i)
      WINDOW w AS (PARTITION BY t.name ORDER BY u.i ROWS BETWEEN CURRENT ROW AND :cold_steps - 1 FOLLOWING)) o;

-- ---------------------------------------------------------------------------------------------
-- Scores. Breaches come from the model on each policy's ready replicas, the same for all four
-- (the function's own latency_p95_ms is compared with the model in the sanity checks below).
-- ---------------------------------------------------------------------------------------------

CREATE TEMP TABLE score AS
SELECT trace, policy,
       0.25 * count(*) FILTER (WHERE demand > 0 AND (ready = 0 OR pg_temp.p95(demand, ready, :mu) > :slo_ms)) AS breach_min,
       sum(desired) * :step_s / 3600.0 AS replica_hours,
       count(*) FILTER (WHERE desired <> prev) AS changes
FROM (SELECT *, lag(desired) OVER (PARTITION BY trace, policy ORDER BY step_no) AS prev FROM run) r
GROUP BY trace, policy;

\echo
\echo 'Per trace (24 h at 15 s, MU = 50 rps per replica, 1..40 replicas, 90 s cold start, SLO p95 <= 200 ms)'
SELECT s.trace, s.policy, round(s.breach_min, 2) AS breach_min, round(s.replica_hours, 2) AS replica_hours,
       s.changes, round(s.replica_hours / o.replica_hours, 3) AS x_oracle
FROM score s
JOIN score o ON o.trace = s.trace AND o.policy = 'oracle'
JOIN trace t ON t.name = s.trace
JOIN policy p ON p.name = s.policy
ORDER BY t.ord, p.ord;

\echo 'All traces'
SELECT s.policy, round(sum(s.breach_min), 2) AS breach_min, round(sum(s.replica_hours), 2) AS replica_hours,
       sum(s.changes) AS changes, round(sum(s.replica_hours) / sum(o.replica_hours), 3) AS x_oracle
FROM score s
JOIN score o ON o.trace = s.trace AND o.policy = 'oracle'
JOIN policy p ON p.name = s.policy
GROUP BY s.policy, p.ord
ORDER BY p.ord;

-- ---------------------------------------------------------------------------------------------
-- Goal checks, then sanity checks on the runs themselves
-- ---------------------------------------------------------------------------------------------

\echo 'Goals (tt = target_tracking, seed = seed_step)'
WITH tot AS (
    SELECT policy, sum(breach_min) AS b, sum(replica_hours) AS rh FROM score GROUP BY policy),
tt AS (SELECT * FROM tot WHERE policy = 'target_tracking'),
hpa AS (SELECT * FROM tot WHERE policy = 'hpa'),
seed AS (SELECT * FROM tot WHERE policy = 'seed_step'),
per_trace AS (
    SELECT t.ord, t.name, a.breach_min AS b_tt, a.replica_hours AS rh_tt, h.breach_min AS b_hpa, h.replica_hours AS rh_hpa
    FROM trace t
    JOIN score a ON a.trace = t.name AND a.policy = 'target_tracking'
    JOIN score h ON h.trace = t.name AND h.policy = 'hpa'),
checks(ord, name, detail, ok) AS (
    SELECT 1, 'sum breach(tt) <= 0.5 * sum breach(hpa)',
           format('%s <= %s', round(tt.b, 2), round(0.5 * hpa.b, 2)), tt.b <= 0.5 * hpa.b FROM tt, hpa
    UNION ALL
    SELECT 2, 'sum rh(tt) <= 1.1 * sum rh(hpa)',
           format('%s <= %s', round(tt.rh, 2), round(1.1 * hpa.rh, 2)), tt.rh <= 1.1 * hpa.rh FROM tt, hpa
    UNION ALL
    SELECT 3, 'sum rh(tt) <= 0.75 * sum rh(seed)',
           format('%s <= %s', round(tt.rh, 2), round(0.75 * seed.rh, 2)), tt.rh <= 0.75 * seed.rh FROM tt, seed
    UNION ALL
    SELECT 10 + 2 * ord, format('%s: breach(tt) <= breach(hpa) + 1.5', name),
           format('%s <= %s', round(b_tt, 2), round(b_hpa + 1.5, 2)), b_tt <= b_hpa + 1.5 FROM per_trace
    UNION ALL
    SELECT 11 + 2 * ord, format('%s: rh(tt) <= 1.15 * rh(hpa)', name),
           format('%s <= %s', round(rh_tt, 2), round(1.15 * rh_hpa, 2)), rh_tt <= 1.15 * rh_hpa FROM per_trace)
SELECT name AS goal, detail, CASE WHEN ok THEN 'PASS' ELSE 'FAIL' END AS result
FROM checks ORDER BY ord;

-- If these fail, the figures above are not to be trusted: the function returns one row per
-- demand value in order, stays within the bounds, readies no replica before its cold start
-- (a replica ready at step t was provisioned at each of the 6 steps before, or was an initial
-- one), and reports the model's p95 (to 0.05 ms, so rounded to one decimal passes; NULL with
-- no replica ready).
\echo 'Sanity of the runs (hpa: the reference checked the same way)'
WITH expected AS (
    SELECT t.name, u.i::int AS i, u.d, t.initial FROM trace t, unnest(t.demand) WITH ORDINALITY u(d, i)),
rows AS (
    SELECT r.policy, count(*) FILTER (WHERE r.demand = e.d) AS matched,
           (SELECT count(*) FROM expected) AS want, count(*) AS got
    FROM run r LEFT JOIN expected e ON e.name = r.trace AND e.i = r.step_no
    WHERE r.policy <> 'oracle' GROUP BY r.policy),
cold AS (
    SELECT r.policy, r.ready,
           LEAST(min(r.desired) OVER (PARTITION BY r.trace, r.policy ORDER BY r.step_no
                                      ROWS BETWEEN :cold_steps PRECEDING AND 1 PRECEDING),
                 CASE WHEN r.step_no <= :cold_steps THEN t.initial END) AS cap
    FROM run r JOIN trace t ON t.name = r.trace WHERE r.policy <> 'oracle'),
checks(pord, cord, policy, name, bad) AS (
    SELECT 0, 1, policy, 'one row per demand value, same step_no and demand', got - matched + abs(want - got)
    FROM rows
    UNION ALL
    SELECT 0, 2, policy, format('desired within [%s, %s], ready >= 0', :min_r, :max_r),
           count(*) FILTER (WHERE desired NOT BETWEEN :min_r AND :max_r OR ready < 0 OR desired IS NULL OR ready IS NULL)
    FROM run WHERE policy <> 'oracle' GROUP BY policy
    UNION ALL
    SELECT 0, 3, policy, 'no replica ready before its 90 s cold start', count(*) FILTER (WHERE ready > cap)
    FROM cold GROUP BY policy
    UNION ALL
    SELECT 0, 4, policy, 'latency_p95_ms as the model',
           count(*) FILTER (WHERE (reported_p95 IS NULL) <> (pg_temp.p95(demand, ready, :mu) IS NULL)
                               OR abs(reported_p95 - pg_temp.p95(demand, ready, :mu)) > 0.05)
    FROM run WHERE policy IN ('target_tracking', 'seed_step') GROUP BY policy)
SELECT c.policy, c.name AS sanity_check, c.bad AS failing_steps, CASE WHEN c.bad = 0 THEN 'PASS' ELSE 'FAIL' END AS result
FROM checks c JOIN policy p ON p.name = c.policy
ORDER BY p.ord, c.cord;

-- ---------------------------------------------------------------------------------------------
-- Warm pools: target tracking with 0, 2 and 4 warm replicas (ready 10 s after a scale-out takes
-- them, refilled in a cold start), their cost at :warm_cost of a running replica's
-- ---------------------------------------------------------------------------------------------

\if :{?warm_cost}
\else
\set warm_cost 0.2
\endif
CREATE TEMP TABLE warm_score AS
SELECT t.ord, t.name AS trace, w.pool,
       0.25 * count(*) FILTER (WHERE s.demand > 0 AND (s.ready_replicas = 0 OR pg_temp.p95(s.demand, s.ready_replicas, :mu) > :slo_ms)) AS breach_min,
       sum(s.desired_replicas) * :step_s / 3600.0 AS replica_hours,
       sum(s.warm_replicas) * :step_s / 3600.0 AS warm_hours
FROM trace t, (VALUES (0), (2), (4)) w(pool),
     LATERAL tenant_scaling.simulate_inference_scaling(t.demand, :mu, NULL, t.initial, :min_r, :max_r,
         make_interval(secs => :step_s), make_interval(secs => :step_s * :cold_steps), :'start_at',
         warm_pool_size => w.pool, warm_start => interval '10 seconds') s
GROUP BY t.ord, t.name, w.pool;

\echo
\echo 'Warm pools (target tracking): breach minutes, replica-hours, and their cost with warm replicas at' :warm_cost
SELECT trace, pool AS warm_pool, round(breach_min, 2) AS breach_min, round(replica_hours, 2) AS replica_hours,
       round(warm_hours, 2) AS warm_hours, round(replica_hours + :warm_cost * warm_hours, 2) AS cost_replica_hours
FROM warm_score ORDER BY ord, pool;
SELECT pool AS warm_pool, round(sum(breach_min), 2) AS breach_min, round(sum(replica_hours), 2) AS replica_hours,
       round(sum(replica_hours + :warm_cost * warm_hours), 2) AS cost_replica_hours
FROM warm_score GROUP BY pool ORDER BY pool;

-- ---------------------------------------------------------------------------------------------
-- Cost of one long simulation: the five traces end to end, repeated, cut at 50,000 steps
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION pg_temp.time_simulation(rps numeric[], mu numeric, min_r int, max_r int,
                                        step interval, cold interval, start_at timestamptz)
RETURNS TABLE (steps bigint, ms numeric, steps_per_s numeric) LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
BEGIN
    t0 := clock_timestamp();
    SELECT count(*) INTO steps
    FROM tenant_scaling.simulate_inference_scaling(rps, mu, NULL, LEAST(max_r, GREATEST(min_r, ceil(rps[1] / 35)))::int,
                                                   min_r, max_r, step, cold, start_at);
    ms := round(extract(epoch FROM clock_timestamp() - t0) * 1000, 1);
    steps_per_s := round(steps / NULLIF(ms, 0) * 1000);
    RETURN NEXT;
END $$;

\echo 'simulate_inference_scaling (target tracking) over one 50,000-step trace'
SELECT * FROM pg_temp.time_simulation(
    (SELECT array_agg(d ORDER BY k) FROM (
        SELECT u.d, row_number() OVER (ORDER BY r, t.ord, u.i) AS k
        FROM generate_series(1, 2) r, trace t, unnest(t.demand) WITH ORDINALITY u(d, i)) x
     WHERE k <= 50000),
    :mu, :min_r, :max_r, make_interval(secs => :step_s), make_interval(secs => :step_s * :cold_steps), :'start_at');

SELECT round(extract(epoch FROM clock_timestamp() - :'script_t0'::timestamptz), 1) AS replay_total_s;
