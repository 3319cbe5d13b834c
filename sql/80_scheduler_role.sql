--------------------------------------------------------------------------
-- The scheduler's role (README, The scheduler; tenant_scaling.role): the
-- background worker runs each cycle as this role, not as the superuser it
-- connects as. It reads every tenant's rows and writes what a cycle
-- writes, nothing else: no DDL, no other schema, no role. NOLOGIN and
-- granted to no one; the worker takes it for the length of a transaction.
--------------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tenant_scaling_scheduler') THEN
        CREATE ROLE tenant_scaling_scheduler NOLOGIN;
    END IF;
END
$$;

CREATE FUNCTION pg_temp.scheduler_privileges() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    -- every tenant's rows: a policy of its own on each table under row-level security
    FOR t IN SELECT c.relname FROM pg_catalog.pg_class c
              WHERE c.relnamespace = 'tenant_scaling'::regnamespace AND c.relkind IN ('r', 'p') AND c.relrowsecurity
              ORDER BY c.relname
    LOOP
        EXECUTE format('CREATE POLICY scheduler_rows ON tenant_scaling.%I TO tenant_scaling_scheduler'
                       ' USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;
SELECT pg_temp.scheduler_privileges();
DROP FUNCTION pg_temp.scheduler_privileges();

GRANT SELECT ON ALL TABLES IN SCHEMA tenant_scaling TO tenant_scaling_scheduler;
-- what a cycle writes: its runs, the queue samples, the decisions, the
-- endpoints' state, the training windows it prunes, and the rows it locks
-- (FOR UPDATE needs UPDATE); the history partitions are the owner's work
-- (maintain_history_partitions)
GRANT INSERT, UPDATE ON tenant_scaling.scheduler_runs TO tenant_scaling_scheduler;
GRANT UPDATE ON tenant_scaling.cycle_lock TO tenant_scaling_scheduler;
GRANT INSERT ON tenant_scaling.training_queue_stats TO tenant_scaling_scheduler;
GRANT UPDATE ON tenant_scaling.tenant_training_inputs TO tenant_scaling_scheduler;
GRANT INSERT, UPDATE ON tenant_scaling.tenant_training_state TO tenant_scaling_scheduler;
GRANT UPDATE ON tenant_scaling.inference_endpoints TO tenant_scaling_scheduler;
GRANT INSERT, UPDATE ON tenant_scaling.endpoint_scaling_state TO tenant_scaling_scheduler;
GRANT INSERT, UPDATE, DELETE ON tenant_scaling.training_scaling_state TO tenant_scaling_scheduler;
GRANT INSERT ON tenant_scaling.scaling_events TO tenant_scaling_scheduler;
GRANT INSERT, UPDATE ON tenant_scaling.pruned_event_totals, tenant_scaling.pruned_run_totals
    TO tenant_scaling_scheduler;
GRANT USAGE ON SEQUENCE tenant_scaling.scheduler_runs_run_id_seq, tenant_scaling.scaling_events_event_id_seq
    TO tenant_scaling_scheduler;
GRANT EXECUTE ON FUNCTION tenant_scaling.refresh_cost_optimization_view() TO tenant_scaling_scheduler;
GRANT EXECUTE ON FUNCTION tenant_scaling.maintain_history_partitions(timestamptz, text) TO tenant_scaling_scheduler;
GRANT EXECUTE ON FUNCTION tenant_scaling.reclaim_capacity(text, bigint) TO tenant_scaling_scheduler;
