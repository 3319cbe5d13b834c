-- test/bench/predictive.sql: the predictive replay (run by replay.sh after replay.sql).
-- Six eight-day demand traces at a 15 s step, each with its recurring pattern (daily, weekly,
-- growing) and one-off events, go through simulate_inference_scaling with the default rules and
-- prediction off, forecast_only and forecast_and_scale; each is scored on its last day: SLO-breach
-- minutes (p95 > 200 ms, or no replica ready), replica-hours against prediction off, and the error
-- of the forecast (sum |forecast - demand| / sum demand over the day's steps). The simulator
-- learns the forecast from the earlier days of the trace, as the scheduler learns it from the
-- stored history. Everything lives in pg_temp.

\set mu 50
\set min_r 1
\set max_r 40
\set day_steps 5760
\set days 8
\set slo_ms 200

SET client_min_messages = warning;
SELECT clock_timestamp() AS script_t0 \gset

-- uniform in [0, 1), deterministic (as replay.sql's)
CREATE FUNCTION pg_temp.u(seed int, i int) RETURNS float8 IMMUTABLE LANGUAGE sql
AS $$ SELECT (hashint8(seed::bigint * 1000003 + i)::float8 + 2147483648) / 4294967296 $$;

-- the step i of an eight-day trace: its day, the hour of day, the weekday (0 Monday) when the
-- trace starts on weekday w0
CREATE FUNCTION pg_temp.steps(w0 int DEFAULT 0)
RETURNS TABLE (i int, day int, h float8, weekday int) LANGUAGE sql AS $$
SELECT i, i / 5760, (i % 5760) / 240.0, (w0 + i / 5760) % 7 FROM generate_series(0, 8 * 5760 - 1) i $$;

-- 50 rps, 400 from about 09:00 (up to 6 min later, a different time each day) to 17:00, +-4 %
CREATE FUNCTION pg_temp.daily_step() RETURNS numeric[] LANGUAGE sql AS $$
SELECT array_agg(round(((CASE WHEN h >= 9 + 0.1 * pg_temp.u(71, day) AND h < 17 THEN 400 ELSE 50 END)
                        * (1 + 0.04 * (pg_temp.u(72, i) + pg_temp.u(73, i) - 1)))::numeric, 2) ORDER BY i)
FROM pg_temp.steps() $$;

-- a sinusoid day (30 rps at 04:00, 400 at 16:00), +-4 %
CREATE FUNCTION pg_temp.daily_sine() RETURNS numeric[] LANGUAGE sql AS $$
SELECT array_agg(round(((215 - 185 * cos(2 * pi() * (h - 4) / 24))
                        * (1 + 0.04 * (pg_temp.u(81, i) + pg_temp.u(82, i) - 1)))::numeric, 2) ORDER BY i)
FROM pg_temp.steps() $$;

-- weekdays: quiet night, a step to ~300 at 08:30, a lunch dip, ~350 at 14:00, down from 18:00;
-- weekends a fifth of it; +-6 %. Starting on Monday, the scored day is a Monday after a weekend;
-- starting on Sunday, it is a Sunday after five weekdays.
CREATE FUNCTION pg_temp.weekly(w0 int, seed int) RETURNS numeric[] LANGUAGE sql AS $$
SELECT array_agg(round(((CASE WHEN h < 8.5 OR h >= 18 THEN 40 WHEN h >= 12 AND h < 13 THEN 180
                              WHEN h >= 13 THEN 350 ELSE 300 END)
                        * CASE WHEN weekday >= 5 THEN 0.2 ELSE 1 END
                        * (1 + 0.06 * (pg_temp.u(seed, i) + pg_temp.u(seed + 1, i) - 1)))::numeric, 2) ORDER BY i)
FROM pg_temp.steps(w0) $$;

-- a two-peak day growing 4 % a day, +-5 %
CREATE FUNCTION pg_temp.growing() RETURNS numeric[] LANGUAGE sql AS $$
SELECT array_agg(round(((30 + 200 * exp(-(((h - 10.5) / 1.5) ^ 2)) + 240 * exp(-(((h - 15) / 2) ^ 2)))
                        * power(1.04, i / 5760.0)
                        * (1 + 0.05 * (pg_temp.u(91, i) + pg_temp.u(92, i) - 1)))::numeric, 2) ORDER BY i)
FROM pg_temp.steps() $$;

-- the daily step, with one-off events: a 6x burst on day 5 at 14:00 (20 min) that must not come
-- back, a 4x burst on the scored day at 11:00 (15 min) that no history announces, and day 6 a
-- holiday (no step)
CREATE FUNCTION pg_temp.one_off() RETURNS numeric[] LANGUAGE sql AS $$
SELECT array_agg(round(((CASE WHEN day <> 6 AND h >= 9 AND h < 17 THEN 400 ELSE 50 END)
                        * CASE WHEN day = 5 AND h >= 14 AND h < 14 + 1 / 3.0 THEN 6
                               WHEN day = 7 AND h >= 11 AND h < 11.25 THEN 4 ELSE 1 END
                        * (1 + 0.04 * (pg_temp.u(101, i) + pg_temp.u(102, i) - 1)))::numeric, 2) ORDER BY i)
FROM pg_temp.steps() $$;

CREATE TEMP TABLE trace AS
SELECT ord, name, d AS demand, LEAST(:max_r, GREATEST(:min_r, ceil(d[1] / 35)))::int AS initial
FROM (VALUES (1, 'daily_step', pg_temp.daily_step()), (2, 'daily_sine', pg_temp.daily_sine()),
             (3, 'weekly_monday', pg_temp.weekly(0, 111)), (4, 'weekly_sunday', pg_temp.weekly(6, 121)),
             (5, 'growing', pg_temp.growing()), (6, 'one_off_events', pg_temp.one_off())) v(ord, name, d);

CREATE TEMP TABLE mode (ord int, name text);
INSERT INTO mode VALUES (1, 'off'), (2, 'forecast_only'), (3, 'forecast_and_scale');

CREATE FUNCTION pg_temp.p95(d numeric, ready int, mu numeric) RETURNS numeric IMMUTABLE LANGUAGE sql
AS $$ SELECT CASE WHEN ready > 0 THEN 40 / (1 - LEAST(d / (ready * mu), 0.98)) END $$;

-- the last day of each run
CREATE TEMP TABLE run AS
SELECT t.ord AS trace_ord, t.name AS trace, m.ord AS mode_ord, m.name AS mode, s.step_no, s.demand,
       s.desired_replicas AS desired, s.ready_replicas AS ready, s.forecast_rps
FROM trace t, mode m,
     LATERAL tenant_scaling.simulate_inference_scaling(t.demand, :mu,
         jsonb_build_object('inference', jsonb_build_object('predictive', jsonb_build_object('mode', m.name))),
         t.initial, :min_r, :max_r, interval '15 seconds', interval '90 seconds',
         timestamptz '2024-01-01 00:00:00+00') s
WHERE s.step_no > (:days - 1) * :day_steps;

CREATE TEMP TABLE score AS
SELECT trace_ord, trace, mode_ord, mode,
       0.25 * count(*) FILTER (WHERE demand > 0 AND (ready = 0 OR pg_temp.p95(demand, ready, :mu) > :slo_ms)) AS breach_min,
       sum(desired) * 15 / 3600.0 AS replica_hours,
       100 * sum(abs(coalesce(forecast_rps, 0) - demand::float8)) / nullif(sum(demand::float8), 0) AS forecast_error,
       count(forecast_rps) AS forecast_steps
FROM run GROUP BY 1, 2, 3, 4;

\echo
\echo 'Predictive replay: eight days at 15 s, scored on the last day (the forecast learnt from the first seven)'
SELECT s.trace, s.mode, round(s.breach_min, 2) AS breach_min, round(s.replica_hours, 2) AS replica_hours,
       round(s.replica_hours / o.replica_hours, 3) AS rh_vs_off,
       CASE WHEN s.forecast_steps > 0 THEN round(s.forecast_error::numeric, 1) END AS forecast_error_pct
FROM score s JOIN score o ON o.trace_ord = s.trace_ord AND o.mode = 'off'
ORDER BY s.trace_ord, s.mode_ord;

SELECT s.mode, round(sum(s.breach_min), 2) AS breach_min, round(sum(s.replica_hours), 2) AS replica_hours,
       round(sum(s.replica_hours) / sum(o.replica_hours), 3) AS rh_vs_off
FROM score s JOIN score o ON o.trace_ord = s.trace_ord AND o.mode = 'off'
GROUP BY s.mode_ord, s.mode ORDER BY s.mode_ord;

-- the goals of issue 11; forecast_only must change nothing
WITH on_off AS (
    SELECT s.trace_ord, s.trace, s.breach_min AS b_on, s.replica_hours AS rh_on,
           o.breach_min AS b_off, o.replica_hours AS rh_off, f.breach_min AS b_only, f.replica_hours AS rh_only
    FROM score s JOIN score o ON o.trace_ord = s.trace_ord AND o.mode = 'off'
    JOIN score f ON f.trace_ord = s.trace_ord AND f.mode = 'forecast_only'
    WHERE s.mode = 'forecast_and_scale'),
goal(ord, name, detail, ok) AS (
    SELECT 1, 'daily_step: no breach minute with prediction on',
           format('%s breach minutes (off: %s)', b_on, b_off), b_on = 0
    FROM on_off WHERE trace = 'daily_step'
    UNION ALL
    SELECT 2, 'daily_step: replica-hours <= 1.1x prediction off',
           format('%s against %s', round(rh_on, 2), round(rh_off, 2)), rh_on <= 1.1 * rh_off
    FROM on_off WHERE trace = 'daily_step'
    UNION ALL
    SELECT 10 + trace_ord, format('%s: breach(on) <= breach(off), replica-hours <= 1.1x', trace),
           format('%s <= %s, %s <= 1.1 x %s', b_on, b_off, round(rh_on, 2), round(rh_off, 2)),
           b_on <= b_off AND rh_on <= 1.1 * rh_off
    FROM on_off
    UNION ALL
    SELECT 30 + trace_ord, format('%s: forecast_only scales as off', trace),
           format('%s / %s breach minutes, %s / %s replica-hours', b_only, b_off, round(rh_only, 2), round(rh_off, 2)),
           b_only = b_off AND rh_only = rh_off
    FROM on_off)
SELECT name AS goal, detail, CASE WHEN ok THEN 'PASS' ELSE 'FAIL' END AS result FROM goal ORDER BY ord;

SELECT round(extract(epoch FROM clock_timestamp() - :'script_t0'::timestamptz)::numeric, 1) AS predictive_replay_seconds;
