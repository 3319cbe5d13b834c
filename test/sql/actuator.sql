-- The actuator's interface: its role reads every tenant's desired state and
-- events, and reports what exists only through report_replicas,
-- report_worker and ack_event, which refuse what cannot be true.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never

CREATE ROLE ts_actuator IN ROLE tenant_scaling_actuator;
CREATE ROLE ts_act_tenant;
INSERT INTO tenant_roles VALUES ('ts_act_tenant', 'ac000000-0000-0000-0000-000000000001');
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
VALUES ('ac000000-0000-0000-0000-000000000001', 'premium', true),
       ('ac000000-0000-0000-0000-000000000002', 'premium', true);
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, max_replicas, target_rps)
VALUES ('act-1', 'ac000000-0000-0000-0000-000000000001', 2, 2, 8, 100),
       ('act-2', 'ac000000-0000-0000-0000-000000000002', 2, 2, 8, 100);
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('act-1', 'ac000000-0000-0000-0000-000000000001', 95, 10, 10, 10),
       ('act-2', 'ac000000-0000-0000-0000-000000000002', 95, 10, 10, 10);
SELECT tenants_evaluated, inference_decisions FROM run_scaling_cycle();

-- the outcome of a statement, in a word
CREATE FUNCTION public.ts_act_try(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE statement;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN 'ok, ' || n || ' rows';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

SET ROLE ts_actuator;
-- it reads what it must carry out, for every tenant
SELECT endpoint_id, current_replicas, desired_replicas FROM inference_endpoints
 WHERE endpoint_id LIKE 'act-%' ORDER BY 1;
SELECT resource_id, action, previous_count, new_count FROM scaling_events
 WHERE resource_id LIKE 'act-%' ORDER BY 1;
-- and writes nothing directly
SELECT ts_act_try($$UPDATE tenant_scaling.inference_endpoints SET current_replicas = 3$$);
SELECT ts_act_try($$UPDATE tenant_scaling.inference_endpoints SET max_replicas = 100$$);
SELECT ts_act_try($$INSERT INTO tenant_scaling.tenant_training_workers (tenant_id) VALUES ('ac000000-0000-0000-0000-000000000002')$$);
SELECT ts_act_try($$DELETE FROM tenant_scaling.scaling_events$$);
SELECT ts_act_try($$UPDATE tenant_scaling.tenant_scaling_config SET scaling_tier = 'enterprise'$$);
SELECT ts_act_try($$SELECT count(*) FROM tenant_scaling.scheduler_runs$$);
SELECT ts_act_try($$SELECT tenant_scaling.run_scaling_cycle()$$);

-- it reports what runs, within the endpoint's bounds
SELECT report_replicas('ac000000-0000-0000-0000-000000000001', 'act-1', 3);
SELECT report_replicas('ac000000-0000-0000-0000-000000000002', 'act-2', 42);
SELECT report_replicas('ac000000-0000-0000-0000-000000000002', 'act-2', -1);
SELECT report_replicas('ac000000-0000-0000-0000-000000000002', 'act-1', 3);
SELECT report_replicas('ac000000-0000-0000-0000-000000000002', 'nope', 3);
SELECT report_replicas(NULL, 'act-1', 3);
\echo :LAST_ERROR_SQLSTATE
SELECT report_replicas('ac000000-0000-0000-0000-000000000002', 'act-2', 8);
-- workers: a new one, then its status; nothing else
SELECT report_worker('ac000000-0000-0000-0000-000000000001', NULL, 'provisioning') AS worker_id \gset
SELECT report_worker('ac000000-0000-0000-0000-000000000001', :worker_id, 'active') = :worker_id AS same_worker;
-- (another tenant's worker: its SQLSTATE only, the message names the id)
SELECT left(ts_act_try(format('SELECT tenant_scaling.report_worker(%L, %s, %L)',
                              'ac000000-0000-0000-0000-000000000002', :worker_id, 'active')), 5) AS other_tenants_worker;
SELECT report_worker('ac000000-0000-0000-0000-000000000001', :worker_id, 'running');
-- events: applied, failed or superseded, once or again
SELECT event_id AS act_event FROM scaling_events WHERE resource_id = 'act-1' \gset
SELECT ack_event(:act_event, 'applied', 'rolled out 3 of 3');
SELECT ack_event(:act_event, 'failed', 'quota exceeded in the cluster');
SELECT ack_event(:act_event, 'done');
SELECT ack_event(:act_event, 'applied', repeat('x', 1001));
SELECT ack_event(-1, 'applied');
RESET ROLE;

SELECT endpoint_id, current_replicas FROM inference_endpoints WHERE endpoint_id LIKE 'act-%' ORDER BY 1;
SELECT status, tenant_id = 'ac000000-0000-0000-0000-000000000001' AS own_tenant FROM tenant_training_workers
 WHERE worker_id = :worker_id;
SELECT status, message, acked_by = session_user AS by_session_user FROM scaling_event_acks WHERE event_id = :act_event;

-- a tenant sees its own acknowledgements and may not report anything
SET ROLE ts_act_tenant;
SELECT count(*) AS own_acks FROM scaling_event_acks;
SELECT ts_act_try($$SELECT tenant_scaling.report_replicas('ac000000-0000-0000-0000-000000000001', 'act-1', 8)$$);
SELECT ts_act_try($$SELECT tenant_scaling.ack_event(1, 'applied')$$);
RESET ROLE;

DROP FUNCTION public.ts_act_try(text);
DELETE FROM scaling_events WHERE tenant_id::text LIKE 'ac000000-%';
DELETE FROM tenant_training_workers WHERE tenant_id::text LIKE 'ac000000-%';
DELETE FROM tenant_training_inputs WHERE tenant_id::text LIKE 'ac000000-%';
DELETE FROM tenant_training_state WHERE tenant_id::text LIKE 'ac000000-%';
DELETE FROM inference_endpoints WHERE tenant_id::text LIKE 'ac000000-%';
DELETE FROM tenant_scaling_config WHERE tenant_id::text LIKE 'ac000000-%';
DELETE FROM tenant_roles WHERE tenant_id::text LIKE 'ac000000-%';
DROP ROLE ts_actuator, ts_act_tenant;
