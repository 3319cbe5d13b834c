-- A hostile search_path: look-alike tables, functions and operators in a schema
-- searched before pg_catalog change nothing the extension computes or writes.
SET search_path = tenant_scaling, public;
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb, auto_scaling_enabled)
VALUES ('e1000000-0000-0000-0000-000000000001', 'premium', 3, 20, true);
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
VALUES ('e1000000-0000-0000-0000-000000000001', 30, 900);
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, target_rps)
VALUES ('e-1', 'e1000000-0000-0000-0000-000000000001', 2, 2, 100);
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('e-1', 'e1000000-0000-0000-0000-000000000001', 95, 10, 10, 10);

CREATE SCHEMA evil;
-- look-alike tables that would change every answer if they were read
CREATE TABLE evil.tenant_scaling_config (LIKE tenant_scaling.tenant_scaling_config);
INSERT INTO evil.tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb)
VALUES ('e1000000-0000-0000-0000-000000000001', 'basic', 999, 999);
CREATE TABLE evil.tiers (LIKE tenant_scaling.tiers);
CREATE TABLE evil.training_jobs (LIKE tenant_scaling.training_jobs);
-- functions and operators that would change the results or the writes
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2000-01-01'::timestamptz $$;
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2000-01-01'::timestamptz $$;
CREATE FUNCTION evil.uuid_always_equal(uuid, uuid) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.uuid_always_equal);
CREATE FUNCTION evil.text_always_equal(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_always_equal);
CREATE FUNCTION evil.int_never_less(int, int) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
CREATE OPERATOR evil.< (LEFTARG = int, RIGHTARG = int, FUNCTION = evil.int_never_less);
CREATE FUNCTION evil.pg_notify(text, text) RETURNS void LANGUAGE sql AS $$ SELECT NULL::void $$;
CREATE FUNCTION evil.count(anyelement) RETURNS bigint LANGUAGE sql AS $$ SELECT 999::bigint $$;

SET search_path = evil, pg_catalog, tenant_scaling, public;
SELECT * FROM tenant_scaling.get_tenant_scaling_policy('e1000000-0000-0000-0000-000000000001');
SELECT * FROM tenant_scaling.check_training_scaling_trigger('e1000000-0000-0000-0000-000000000001');
SELECT cpu_cores, memory_gb FROM tenant_scaling.allocate_resources('e1000000-0000-0000-0000-000000000001', 'training_large');
SELECT * FROM tenant_scaling.inference_scaling_decision(95, 10, 10, 10, 100, 2);
SELECT * FROM tenant_scaling.scale_inference_endpoint('e1000000-0000-0000-0000-000000000001', 'e-1');
-- the endpoint is checked against its real owner, though evil.= says every uuid is equal
SELECT * FROM tenant_scaling.scale_inference_endpoint('e1000000-0000-0000-0000-000000000002', 'e-1');
SELECT tenants_evaluated, training_decisions, inference_decisions, errors FROM tenant_scaling.run_scaling_cycle();
SELECT tenant_scaling.submit_training_job('e1000000-0000-0000-0000-000000000001', 'training_small', 1, 1) > 0 AS submitted;
SELECT tenant_scaling.submit_training_job('e1000000-0000-0000-0000-000000000001', 'training_small', 21, 1);
SELECT tenant_scaling.start_next_training_job('e1000000-0000-0000-0000-000000000001') > 0 AS started;
INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
VALUES ('e1000000-0000-0000-0000-000000000001', 5, 100);
SELECT tenant_scaling.current_tenant_id();
SET search_path = tenant_scaling, public;

-- what was written is what the normal path would write
SELECT resource_kind, action, previous_count, new_count, reason, created_at > '2001-01-01' AS real_time
FROM tenant_scaling.scaling_events ORDER BY event_id;
SELECT status, started_at > '2001-01-01' AS real_time FROM tenant_scaling.training_jobs;
SELECT queue_size, avg_wait_time_seconds FROM tenant_scaling.tenant_training_inputs;
SELECT queued_jobs, running_jobs FROM tenant_scaling.tenant_job_counts;
SELECT count(*) AS evil_jobs FROM evil.training_jobs;

DROP SCHEMA evil CASCADE;
DELETE FROM training_jobs;
DELETE FROM tenant_job_counts;
DELETE FROM scaling_events;
DELETE FROM scheduler_runs;
DELETE FROM tenant_training_state;
DELETE FROM inference_endpoints;
DELETE FROM training_queue_stats;
DELETE FROM tenant_training_inputs;
DELETE FROM tenant_scaling_config;
