--------------------------------------------------------------------------
-- The training policy in the open (README, simulate_training_scaling): the
-- scheduler's own decisions over a list of jobs on a simulated clock
--------------------------------------------------------------------------
CREATE FUNCTION tenant_scaling.simulate_training_scaling(
    job_minutes numeric[], rules jsonb DEFAULT NULL, max_workers int DEFAULT 10,
    initial_workers int DEFAULT 1, step interval DEFAULT '1 minute',
    provisioning interval DEFAULT '3 minutes', submitted_minute numeric[] DEFAULT NULL,
    start_at timestamptz DEFAULT now(), max_steps int DEFAULT 10080)
RETURNS TABLE (step_no int, at timestamptz, queued int, running int, finished int, desired_workers int,
               ready_workers int, workers int, action text, reason text)
AS 'MODULE_PATHNAME', 'ts_simulate_training_scaling'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.simulate_training_scaling(numeric[], jsonb, int, int, interval, interval,
    numeric[], timestamptz, int) IS
'the scheduler''s training policy in a closed loop with a modelled queue and workers, one row per step until every job is done';
