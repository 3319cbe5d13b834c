-- The attack pass against 0.1.0 (issue 16), reproduction by reproduction:
-- each now fails safely. Elsewhere: the tenant's open transaction (finding 4)
-- in test/specs/cycle_never_waits.spec, the racing finish (13) in
-- test/specs/job_admission.spec, the NOTIFY payload (5), pg_restore beside
-- the scheduler (6) and a DROP EXTENSION mid-cycle or a missing database (15)
-- in the TAP tests, submitting many jobs in one statement (9) in the jobs
-- benchmark; the cycle's lock and retention beside a tenant's open insert, found
-- by a review of 0.2.0, in test/specs/cycle_never_waits.spec.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never

CREATE ROLE ts_attacker;
CREATE ROLE ts_attack_tenant;
CREATE ROLE ts_attack_operator IN ROLE tenant_scaling_admin;
GRANT CREATE ON SCHEMA public TO ts_attack_operator;
INSERT INTO tenant_roles VALUES ('ts_attack_tenant', 'a7000000-0000-0000-0000-000000000001');
-- the seed's fixed step, whose cooldowns these attacks lean on
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, auto_scaling_enabled,
                                   scaling_rules)
VALUES ('a7000000-0000-0000-0000-000000000001', 'basic', 2, 10, true, '{"inference": {"policy": "step"}}'),
       ('a7000000-0000-0000-0000-000000000002', 'standard', 2, 10, true, '{"inference": {"policy": "step"}}');
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, target_rps)
VALUES ('atk-1', 'a7000000-0000-0000-0000-000000000001', 2, 2, 100),
       ('atk-clock', 'a7000000-0000-0000-0000-000000000001', 2, 2, 100),
       ('atk-2', 'a7000000-0000-0000-0000-000000000002', 2, 2, 100);
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, cpu_hours) VALUES ('a7000000-0000-0000-0000-000000000002', 'standard', 3);
SELECT count(*) AS totals_before FROM tenant_usage_totals \gset
CREATE FUNCTION public.ts_is_superuser(r name) RETURNS boolean LANGUAGE sql AS
$$ SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = r $$;

-- 1 (critical): a role with no grants attaches maintain_derived_state to a
-- temp table whose tenant_id is a type with an assignment cast that makes it
-- superuser when a superuser runs it. The trigger function is not PUBLIC.
SET ROLE ts_attacker;
CREATE TYPE pg_temp.evil AS (x int);
CREATE FUNCTION pg_temp.evil_to_uuid(pg_temp.evil) RETURNS uuid LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE ts_attacker SUPERUSER';
    END IF;
    RETURN 'a7000000-0000-0000-0000-000000000002';
END $$;
CREATE CAST (pg_temp.evil AS uuid) WITH FUNCTION pg_temp.evil_to_uuid(pg_temp.evil) AS ASSIGNMENT;
CREATE TEMP TABLE evil_jobs (tenant_id pg_temp.evil, status text);
CREATE TRIGGER evil AFTER INSERT ON evil_jobs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_derived_state('jobs');
RESET ROLE;
SELECT ts_is_superuser('ts_attacker') AS attacker_is_superuser;
-- even a superuser cannot make it run on another table: it would run as the owner
CREATE TEMP TABLE stray_jobs (tenant_id uuid, status text);
CREATE TRIGGER stray AFTER INSERT ON stray_jobs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_derived_state('jobs');
INSERT INTO stray_jobs VALUES ('a7000000-0000-0000-0000-000000000002', 'running');
CREATE TEMP TABLE stray_config (LIKE tenant_scaling.tenant_scaling_config);
CREATE TRIGGER stray BEFORE INSERT ON stray_config FOR EACH ROW
    EXECUTE FUNCTION tenant_scaling.check_tenant_scaling_config();
INSERT INTO stray_config (tenant_id, scaling_tier) VALUES ('a7000000-0000-0000-0000-000000000002', 'basic');
SELECT * FROM tenant_job_counts WHERE tenant_id = 'a7000000-0000-0000-0000-000000000002';

-- 2 (critical): a TRUNCATE trigger on a temp table that clears every tenant's
-- cost totals; fake transition rows that move a tenant's running_jobs
SET ROLE ts_attacker;
CREATE TEMP TABLE x (tenant_id uuid);
CREATE TRIGGER t AFTER TRUNCATE ON x FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_usage_totals();
CREATE TEMP TABLE fake_jobs (tenant_id uuid, status text);
CREATE TRIGGER t AFTER INSERT ON fake_jobs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_derived_state('jobs');
RESET ROLE;
CREATE TRIGGER stray AFTER TRUNCATE ON x FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_usage_totals();
TRUNCATE x;
SELECT count(*) = :totals_before AND count(*) > 0 AS cost_totals_kept FROM tenant_usage_totals;
-- every trigger function of the extension: no EXECUTE for PUBLIC
SELECT p.proname, pg_catalog.has_function_privilege('ts_attacker', p.oid, 'EXECUTE') AS attacker_may_attach
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace = 'tenant_scaling'::regnamespace AND p.prorettype = 'trigger'::regtype
 ORDER BY 1;

-- 3 (high): an operator's trigger on a table the extension writes as its
-- owner would run as that superuser: operators hold no TRIGGER privilege
SET ROLE ts_attack_operator;
CREATE FUNCTION pg_temp.escalate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER ROLE ts_attack_operator SUPERUSER';
    RETURN NULL;
END $$;
CREATE TRIGGER escalate AFTER INSERT ON tenant_scaling.scaling_events
    FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.escalate();
-- nor REFERENCES (a foreign key that blocks the extension's deletes), nor TRUNCATE
CREATE TABLE public.pin (endpoint_id text REFERENCES tenant_scaling.inference_endpoints (endpoint_id));
TRUNCATE tenant_scaling.scaling_events;
TRUNCATE tenant_scaling.tenant_resource_usage;
-- derived state and history are read-only for operators: triggers and the cycle write them
UPDATE tenant_scaling.tenant_job_counts SET running_jobs = -98;
DELETE FROM tenant_scaling.scaling_events;
-- and the cycle an operator runs still works: it writes as the extension's owner
SELECT tenants_evaluated, errors FROM tenant_scaling.run_scaling_cycle();
RESET ROLE;
SELECT ts_is_superuser('ts_attack_operator') AS operator_is_superuser;

-- 7 (medium): a sample from the future would stay the newest forever
SET ROLE ts_attack_tenant;
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
VALUES ('a7000000-0000-0000-0000-000000000001', 50, 900, 'infinity');
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
VALUES ('atk-1', 'a7000000-0000-0000-0000-000000000001', 'infinity', 1);
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
VALUES ('atk-1', 'a7000000-0000-0000-0000-000000000001', '-infinity', 1);
-- (the message names the time: only its SQLSTATE here)
\set VERBOSITY sqlstate
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
VALUES ('atk-clock', 'a7000000-0000-0000-0000-000000000001', now() + interval '1 hour', 1);
\set VERBOSITY default
-- within the allowance (tenant_scaling.max_clock_skew, 5 min) a clock ahead is fine
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
VALUES ('atk-clock', 'a7000000-0000-0000-0000-000000000001', now() + interval '1 minute', 1);
RESET ROLE;
SELECT count(*) AS future_samples FROM endpoint_metrics WHERE ts > now() + interval '5 minutes';
SET tenant_scaling.max_clock_skew = '2h';
SET ROLE ts_attack_tenant;
SET tenant_scaling.max_clock_skew = '100d';
RESET ROLE;

-- a refused statement in a word: its SQLSTATE and the constraint or column
-- that refused it (the message names the partition, which holds the day)
CREATE FUNCTION pg_temp.refused(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    c text;
    col text;
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS c = CONSTRAINT_NAME, col = COLUMN_NAME;
    RETURN SQLSTATE || ' ' || coalesce(nullif(c, ''), nullif(col, ''), SQLERRM);
END $$;

-- 12 (low): NaN and Infinity pass ">= 0"; they do not pass these checks
SET ROLE ts_attack_tenant;
SELECT pg_temp.refused($$INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg)
                         VALUES ('atk-1', 'a7000000-0000-0000-0000-000000000001', 'NaN')$$);
SELECT pg_temp.refused($$INSERT INTO endpoint_metrics (endpoint_id, tenant_id, requests_per_second)
                         VALUES ('atk-1', 'a7000000-0000-0000-0000-000000000001', 'Infinity')$$);
SELECT pg_temp.refused($$INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
                         VALUES ('a7000000-0000-0000-0000-000000000001', 50, 'Infinity')$$);
SELECT pg_temp.refused($$INSERT INTO training_queue_stats (tenant_id, queue_size, processing_rate_per_minute)
                         VALUES ('a7000000-0000-0000-0000-000000000001', 50, 'NaN')$$);
RESET ROLE;
\set VERBOSITY terse
UPDATE inference_endpoints SET target_rps = 'NaN' WHERE endpoint_id = 'atk-1';
\set VERBOSITY default
SELECT * FROM check_training_scaling_trigger('a7000000-0000-0000-0000-000000000001');

-- 8 and 16 (medium, low): names have a length, and what a message quotes of
-- a value is cut short, so one bad row cannot fail a tenant's decisions nor
-- a 10 MB argument write a 10 MB log line
\set VERBOSITY terse
INSERT INTO inference_endpoints (endpoint_id, tenant_id) VALUES (repeat('x', 9000), 'a7000000-0000-0000-0000-000000000001');
INSERT INTO inference_endpoints (endpoint_id, tenant_id) VALUES (repeat('x', 253), 'a7000000-0000-0000-0000-000000000001');
INSERT INTO workload_profiles VALUES (repeat('w', 64), 1, 1, 1, 1, 1);
\set VERBOSITY default
SET ROLE ts_attack_tenant;
SELECT * FROM scale_inference_endpoint('a7000000-0000-0000-0000-000000000001', repeat('y', 10000000));
SELECT submit_training_job('a7000000-0000-0000-0000-000000000001', repeat('z', 10000000), 1, 1);
SELECT * FROM allocate_resources('a7000000-0000-0000-0000-000000000001', repeat('z', 10000000));
RESET ROLE;
-- a decision that cannot be written is reported with its endpoint; the tenant's other endpoints are applied
DELETE FROM inference_endpoints WHERE endpoint_id = repeat('x', 253);
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, target_rps)
VALUES ('atk-1b', 'a7000000-0000-0000-0000-000000000001', 2, 2, 100);
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('atk-1', 'a7000000-0000-0000-0000-000000000001', 95, 10, 10, 10),
       ('atk-1b', 'a7000000-0000-0000-0000-000000000001', 95, 10, 10, 10);
CREATE FUNCTION public.refuse_atk_1() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.resource_id = 'atk-1' THEN
        RAISE EXCEPTION 'no events for atk-1';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refuse_atk_1 BEFORE INSERT ON scaling_events FOR EACH ROW EXECUTE FUNCTION public.refuse_atk_1();
UPDATE inference_endpoints SET target_rps = 100 WHERE endpoint_id = 'atk-1';
SELECT tenants_evaluated, inference_decisions, errors FROM run_scaling_cycle();
SELECT failed_tenants FROM scheduler_runs ORDER BY run_id DESC LIMIT 1;
SELECT endpoint_id, desired_replicas FROM inference_endpoints WHERE tenant_id = 'a7000000-0000-0000-0000-000000000001'
 ORDER BY 1;
DROP TRIGGER refuse_atk_1 ON scaling_events;

-- 10 (low): a tenant's queue has a bound, its tier's max_queued_jobs or its own
SELECT tier, max_queued_jobs FROM tiers ORDER BY tier_rank;
UPDATE tenant_scaling_config SET max_queued_jobs = 3 WHERE tenant_id = 'a7000000-0000-0000-0000-000000000001';
SET ROLE ts_attack_tenant;
SELECT count(submit_training_job('a7000000-0000-0000-0000-000000000001', 'training_small', 1, 1))
  FROM generate_series(1, 2);
-- a statement that would pass the bound is refused whole
SELECT count(submit_training_job('a7000000-0000-0000-0000-000000000001', 'training_small', 1, 1))
  FROM generate_series(1, 2);
SELECT submit_training_job('a7000000-0000-0000-0000-000000000001', 'training_small', 1, 1) > 0 AS queued;
SELECT submit_training_job('a7000000-0000-0000-0000-000000000001', 'training_small', 1, 1) > 0 AS queued;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT queued_jobs, running_jobs FROM tenant_job_counts WHERE tenant_id = 'a7000000-0000-0000-0000-000000000001';

-- 9 (low): many submits in one transaction keep the counts through the tuple
-- id last written (linear; test/bench/bulk_submit.sh): exact across savepoints
UPDATE tenant_scaling_config SET max_queued_jobs = NULL WHERE tenant_id = 'a7000000-0000-0000-0000-000000000001';
BEGIN;
SELECT count(submit_training_job('a7000000-0000-0000-0000-000000000001', 'training_small', 1, 1)) FROM generate_series(1, 5);
SAVEPOINT half;
SELECT count(submit_training_job('a7000000-0000-0000-0000-000000000001', 'training_small', 1, 1)) FROM generate_series(1, 5);
ROLLBACK TO SAVEPOINT half;
SELECT count(submit_training_job('a7000000-0000-0000-0000-000000000001', 'training_small', 1, 1)) FROM generate_series(1, 2);
COMMIT;
SELECT c.queued_jobs, (SELECT count(*) FROM training_jobs j WHERE j.tenant_id = c.tenant_id AND j.status = 'queued') AS queued
  FROM tenant_job_counts c WHERE c.tenant_id = 'a7000000-0000-0000-0000-000000000001';

-- 11 (low): a tenant with auto-scaling off cannot scale itself by feeding hot metrics
UPDATE tenant_scaling_config SET auto_scaling_enabled = false WHERE tenant_id = 'a7000000-0000-0000-0000-000000000001';
UPDATE inference_endpoints SET last_scaled_at = NULL, last_scale_out_at = NULL WHERE endpoint_id = 'atk-1b';
SET ROLE ts_attack_tenant;
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('atk-1b', 'a7000000-0000-0000-0000-000000000001', 99, 99, 900, 900);
SELECT * FROM scale_inference_endpoint('a7000000-0000-0000-0000-000000000001', 'atk-1b');
RESET ROLE;

-- 13 (low): a NULL tenant is 22004, not a missing job "of tenant "
SELECT finish_training_job(NULL::uuid, 1, true);
\echo :LAST_ERROR_SQLSTATE
SELECT finish_training_job('a7000000-0000-0000-0000-000000000001'::uuid, NULL, true);
\echo :LAST_ERROR_SQLSTATE

-- 14 (low): thresholds are compared exactly, never through a double
SELECT validate_scaling_rules('{"inference": {"cpu_low": 0.30000000000000000001, "cpu_high": 0.3}}');
-- 18 digits are kept exactly: a double would call these equal
SELECT validate_scaling_rules('{"inference": {"cpu_low": 0.300000000000000001, "cpu_high": 0.3}}');
SELECT validate_scaling_rules('{"inference": {"cpu_low": 0.29999999999999999, "cpu_high": 0.3}}');

-- A review of 0.2.0 found: a tenant that kept its transaction open dated its
-- scale-out at the transaction's start, and so passed its own cooldown. A
-- decision is timed by the clock.
UPDATE tenant_scaling_config SET auto_scaling_enabled = true,
       scaling_rules = '{"inference": {"policy": "step", "scale_out_cooldown_seconds": 1}}'
 WHERE tenant_id = 'a7000000-0000-0000-0000-000000000001';
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('atk-1b', 'a7000000-0000-0000-0000-000000000001', 99, 10, 10, 10);
UPDATE inference_endpoints SET last_scaled_at = NULL, last_scale_out_at = NULL WHERE endpoint_id = 'atk-1b';
SELECT coalesce(max(event_id), 0) AS events_before FROM scaling_events \gset
SET ROLE ts_attack_tenant;
BEGIN;
SELECT pg_sleep(1.2);
SELECT action, reason FROM scale_inference_endpoint('a7000000-0000-0000-0000-000000000001', 'atk-1b');
COMMIT;
SELECT action, reason FROM scale_inference_endpoint('a7000000-0000-0000-0000-000000000001', 'atk-1b');
RESET ROLE;
SELECT count(*) AS scale_outs, max(created_at) > now() - interval '1 second' AS dated_by_the_clock
  FROM scaling_events WHERE resource_id = 'atk-1b' AND event_id > :events_before;

DISCARD TEMP;
DROP OWNED BY ts_attacker, ts_attack_tenant, ts_attack_operator;
DROP ROLE ts_attacker, ts_attack_tenant, ts_attack_operator;
DROP FUNCTION public.ts_is_superuser(name), public.refuse_atk_1();
DELETE FROM tenant_roles WHERE tenant_id = 'a7000000-0000-0000-0000-000000000001';
DELETE FROM scaling_events WHERE tenant_id::text LIKE 'a7000000-%';
DELETE FROM training_jobs WHERE tenant_id::text LIKE 'a7000000-%';
DELETE FROM tenant_job_counts WHERE tenant_id::text LIKE 'a7000000-%';
DELETE FROM tenant_training_inputs WHERE tenant_id::text LIKE 'a7000000-%';
DELETE FROM tenant_training_state WHERE tenant_id::text LIKE 'a7000000-%';
DELETE FROM inference_endpoints WHERE tenant_id::text LIKE 'a7000000-%';
DELETE FROM tenant_scaling_config WHERE tenant_id::text LIKE 'a7000000-%';
