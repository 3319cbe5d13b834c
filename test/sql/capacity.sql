-- Shared GPU capacity: pools, quotas, placement, borrowing, preemption,
-- capacity changes, the views, and bad input.
SET search_path = tenant_scaling, public;
-- the errors without their PL/pgSQL line numbers
\set SHOW_CONTEXT never
CREATE FUNCTION pg_temp.refused(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    c text;
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS c = CONSTRAINT_NAME;
    RETURN SQLSTATE || ' ' || coalesce(nullif(c, ''), SQLERRM);
END $$;

-- the seeded pools and quotas
SELECT pool, resource, capacity_type, capacity, price_per_unit_hour FROM capacity_pools ORDER BY pool;
SELECT * FROM capacity_quotas ORDER BY guaranteed_gpus, tier;
-- nothing runs on them before this test
SELECT count(*) AS running_jobs FROM training_jobs WHERE status = 'running';

-- small pools, so that what fits is easy to see
UPDATE capacity_pools SET capacity = CASE pool WHEN 'reserved' THEN 8 WHEN 'spot' THEN 4 ELSE 4 END;

INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb,
                                   max_training_duration_hours) VALUES
    ('c0000000-0000-0000-0000-0000000000b1', 'basic', 10, 100, 100),
    ('c0000000-0000-0000-0000-0000000000b2', 'basic', 10, 100, 100),
    ('c0000000-0000-0000-0000-0000000000e1', 'enterprise', 10, 100, 100),
    ('c0000000-0000-0000-0000-0000000000a0', 'standard', 10, 100, 100);
-- a tenant's own quota replaces its tier's
INSERT INTO tenant_capacity_quotas (tenant_id, guaranteed_gpus, borrowing_limit_gpus, fair_share_weight, spot_allowed)
VALUES ('c0000000-0000-0000-0000-0000000000b2', 0, 4, 3, false);
SELECT t, (capacity_quota(t::uuid)).* FROM unnest(ARRAY['c0000000-0000-0000-0000-0000000000b1',
    'c0000000-0000-0000-0000-0000000000b2', 'c0000000-0000-0000-0000-0000000000e1',
    'c0000000-0000-0000-0000-0000000000ff']) t;

CREATE FUNCTION pg_temp.jobs() RETURNS TABLE (job bigint, tenant text, status text, pool text, gpus int,
                                               wait_reason text, preemptions int)
LANGUAGE sql AS $$
    SELECT job_id - (SELECT min(job_id) - 1 FROM tenant_scaling.training_jobs
                      WHERE tenant_id::text LIKE 'c0000000-%'),
           right(tenant_id::text, 2), status, pool, gpu_count, wait_reason, preemptions
      FROM tenant_scaling.training_jobs WHERE tenant_id::text LIKE 'c0000000-%' ORDER BY job_id
$$;
CREATE FUNCTION pg_temp.pools() RETURNS TABLE (pool text, capacity int, in_use int, free int, running_jobs int)
LANGUAGE sql AS $$
    SELECT pool, capacity, in_use, free, running_jobs FROM tenant_scaling.capacity_pool_status ORDER BY pool
$$;

-- placement: reserved first; a basic tenant borrows up to its limit (8), a
-- job of training_medium needs 2 GPUs (allocate_resources)
SELECT gpu_count FROM allocate_resources('c0000000-0000-0000-0000-0000000000b1', 'training_medium');
SELECT submit_training_job('c0000000-0000-0000-0000-0000000000b1', 'training_medium', 1, 1, true) > 0 AS queued
FROM generate_series(1, 5);
SELECT start_next_training_job('c0000000-0000-0000-0000-0000000000b1') IS NOT NULL AS started FROM generate_series(1, 5);
SELECT * FROM pg_temp.jobs();
SELECT * FROM pg_temp.pools();

-- a job of no GPU (feature_computation) needs no pool
SELECT submit_training_job('c0000000-0000-0000-0000-0000000000a0', 'feature_computation', 1, 1) > 0 AS queued;
SELECT start_next_training_job('c0000000-0000-0000-0000-0000000000a0') IS NOT NULL AS started;

-- spot only for a preemptible job of a tenant that allows spot; on-demand last
SELECT submit_training_job('c0000000-0000-0000-0000-0000000000b2', 'training_medium', 1, 1, true) > 0 AS queued
FROM generate_series(1, 3);
SELECT start_next_training_job('c0000000-0000-0000-0000-0000000000b2') IS NOT NULL AS started FROM generate_series(1, 3);
SELECT * FROM pg_temp.jobs() WHERE tenant = 'b2';
SELECT * FROM pg_temp.pools();

-- a job larger than the tenant's guarantee plus borrowing limit never fits
UPDATE tenant_capacity_quotas SET borrowing_limit_gpus = 1 WHERE tenant_id = 'c0000000-0000-0000-0000-0000000000b2';
SELECT submit_training_job('c0000000-0000-0000-0000-0000000000b2', 'training_medium', 1, 1, true) > 0 AS queued;
SELECT finish_training_job(job_id, true) FROM training_jobs
 WHERE tenant_id = 'c0000000-0000-0000-0000-0000000000b2' AND status = 'running';
SELECT start_next_training_job('c0000000-0000-0000-0000-0000000000b2');
SELECT * FROM pg_temp.jobs() WHERE tenant = 'b2' AND status = 'queued';
UPDATE tenant_capacity_quotas SET borrowing_limit_gpus = NULL WHERE tenant_id = 'c0000000-0000-0000-0000-0000000000b2';
SELECT start_next_training_job('c0000000-0000-0000-0000-0000000000b2') IS NOT NULL AS started FROM generate_series(1, 2);
SELECT * FROM pg_temp.pools();

-- reclaim: an enterprise tenant within its guarantee (16) waits for 4 GPUs
-- that basic tenants borrow (reserved, on-demand; enterprise may not use
-- spot); the cycle's pass preempts the newest borrowed jobs of the lowest
-- tier, puts them back at the head of their queue, and admits
SELECT gpu_count FROM allocate_resources('c0000000-0000-0000-0000-0000000000e1', 'training_medium');
SELECT submit_training_job('c0000000-0000-0000-0000-0000000000e1', 'training_medium', 1, 1) > 0 AS queued;
SELECT start_next_training_job('c0000000-0000-0000-0000-0000000000e1');
SELECT * FROM pg_temp.jobs() WHERE tenant = 'e1';
SELECT action, right(tenant_id::text, 2) AS tenant, pool, gpu_count, reason FROM reclaim_capacity();
SELECT * FROM pg_temp.jobs();
SELECT * FROM pg_temp.pools();
-- the events: what was preempted and admitted, announced by id
SELECT right(tenant_id::text, 2) AS tenant, resource_kind, action, previous_count, new_count, reason,
       inputs ->> 'pool' AS pool, origin
FROM scaling_events WHERE resource_kind = 'job' ORDER BY event_id;
-- nothing more to do: a second pass changes nothing
SELECT count(*) FROM reclaim_capacity();

-- explain_job_admission: why the enterprise job runs where it does, and why b1's head job waits
SELECT step, kind, name, value, detail FROM explain_job_admission(
    (SELECT max(job_id) FROM training_jobs WHERE tenant_id = 'c0000000-0000-0000-0000-0000000000e1'));
SELECT step, kind, name, value, detail FROM explain_job_admission(
    (SELECT min(job_id) FROM training_jobs WHERE tenant_id = 'c0000000-0000-0000-0000-0000000000b1'
        AND status = 'queued'));
SELECT * FROM explain_job_admission(-1);

-- fair sharing: b2 (weight 3) waits, borrowing less per weight than b1
-- (weight 1) even after its job starts: one of b1's jobs goes for it
SELECT right(tenant_id::text, 2) AS tenant, gpus_in_use, borrowed_gpus, fair_share_weight, waiting_jobs, head_wait_reason
FROM tenant_capacity WHERE tenant_id::text LIKE 'c0000000-%' ORDER BY tenant_id;
SELECT submit_training_job('c0000000-0000-0000-0000-0000000000b2', 'training_medium', 1, 1, true) > 0 AS queued;
SELECT start_next_training_job('c0000000-0000-0000-0000-0000000000b2');
SELECT action, right(tenant_id::text, 2) AS tenant, pool, gpu_count, reason FROM reclaim_capacity();
SELECT right(tenant_id::text, 2) AS tenant, gpus_in_use, borrowed_gpus, fair_share_weight, waiting_jobs, head_wait_reason
FROM tenant_capacity WHERE tenant_id::text LIKE 'c0000000-%' ORDER BY tenant_id;
-- and never back and forth: b1 after admission would borrow more per weight than b2 keeps
SELECT count(*) FROM reclaim_capacity();

-- a capacity change: lowering the reserved pool preempts what no longer
-- fits, borrowed work first, and moves each job where there is room, or
-- requeues it; no job is lost
SELECT * FROM pg_temp.pools();
SELECT right(tenant_id::text, 2) AS tenant, action, to_pool, gpu_count FROM report_capacity_change('reserved', 2);
SELECT * FROM pg_temp.pools();
SELECT * FROM pg_temp.jobs();
-- what the preemptions released is no room in any stripe: the pool is full at
-- its new capacity, and a job put on it directly is refused
SELECT max(a.share - a.units) < 1 AS no_stripe_has_room_for_one_gpu FROM capacity_pool_admitted a WHERE a.pool = 'reserved';
SELECT regexp_replace(pg_temp.refused($$UPDATE tenant_scaling.training_jobs
                          SET status = 'running', pool = 'reserved', gpu_count = 1, started_at = now()
                          WHERE job_id = (SELECT min(job_id) FROM tenant_scaling.training_jobs WHERE status = 'queued'
                                          AND tenant_id::text LIKE 'c0000000-%')$$), 'job \d+', 'job N');
-- the enterprise tenant's job, requeued, gets its GPUs back next pass
SELECT action, right(tenant_id::text, 2) AS tenant, pool, gpu_count, reason FROM reclaim_capacity();
-- raising the capacity: the next pass admits who waits
SELECT right(tenant_id::text, 2) AS tenant, action, to_pool, gpu_count FROM report_capacity_change('reserved', 12);
SELECT action, right(tenant_id::text, 2) AS tenant, pool, gpu_count, reason FROM reclaim_capacity();
SELECT * FROM pg_temp.pools();
SELECT status, count(*) FROM training_jobs WHERE tenant_id::text LIKE 'c0000000-%' GROUP BY status ORDER BY status;

-- no writer over-commits a pool: a direct update of a job, of a capacity
SELECT regexp_replace(pg_temp.refused($$UPDATE tenant_scaling.training_jobs
                          SET status = 'running', pool = 'on_demand', gpu_count = 64, started_at = now()
                          WHERE job_id = (SELECT min(job_id) FROM tenant_scaling.training_jobs WHERE status = 'queued'
                                          AND tenant_id::text LIKE 'c0000000-%')$$), 'job \d+', 'job N');
UPDATE capacity_pools SET capacity = 0 WHERE pool = 'reserved';
\echo :LAST_ERROR_SQLSTATE
-- ... nor at REPEATABLE READ, whose snapshot may miss jobs started since it began
BEGIN ISOLATION LEVEL REPEATABLE READ;
UPDATE capacity_pools SET capacity = capacity - 1 WHERE pool = 'reserved';
ROLLBACK;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM report_capacity_change('reserved', 2);
ROLLBACK;
-- a pool jobs ran on stays while they refer to it, even within one statement
-- that brings it back; a renamed pool takes them along
DELETE FROM capacity_pools WHERE pool = 'reserved';
SELECT pg_temp.refused($$WITH d AS (DELETE FROM tenant_scaling.capacity_pools WHERE pool = 'reserved' RETURNING *)
                         INSERT INTO tenant_scaling.capacity_pools SELECT * FROM d$$);
UPDATE capacity_pools SET pool = 'reserved-east' WHERE pool = 'reserved';
SELECT pool, units_in_use FROM capacity_pool_usage ORDER BY pool;
SELECT count(*) FROM training_jobs WHERE pool = 'reserved-east';
UPDATE capacity_pools SET pool = 'reserved' WHERE pool = 'reserved-east';

-- the usage follows every change of the jobs, and matches a fresh count
SELECT finish_training_job(job_id, job_id % 2 = 0) FROM training_jobs
 WHERE tenant_id::text LIKE 'c0000000-%' AND status = 'running' AND job_id % 3 = 0;
SELECT u.pool, u.units_in_use = coalesce(f.gpus, 0) AND u.running_jobs = coalesce(f.jobs, 0) AS matches
FROM capacity_pool_usage u
LEFT JOIN (SELECT pool, sum(gpu_count) AS gpus, count(*) AS jobs FROM training_jobs WHERE status = 'running'
            GROUP BY pool) f USING (pool)
ORDER BY u.pool;

-- each pool's admission stripes: eight, no stripe above its share, the shares
-- within the capacity; a lowering deals them by the new capacity, a rebuild
-- moves what is in use to stripe 0 and deals the rest
CREATE TEMP VIEW stripes AS
SELECT p.pool, count(a.stripe) AS stripes, bool_and(a.units <= a.share) AS each_within_share,
       sum(a.share) AS shares, p.capacity, sum(a.units) FILTER (WHERE a.stripe > 0) AS units_beyond_stripe_0
FROM capacity_pools p JOIN capacity_pool_admitted a USING (pool) GROUP BY p.pool, p.capacity;
SELECT pool, stripes, each_within_share, shares <= capacity AS shares_within_capacity FROM stripes ORDER BY pool;
UPDATE capacity_pools SET capacity = capacity - 1 WHERE pool = 'reserved';
SELECT pool, each_within_share, shares = capacity AS dealt_by_new_capacity FROM stripes WHERE pool = 'reserved';
SELECT rebuild_derived_state() >= 0 AS rebuilt;
SELECT pool, stripes, each_within_share, shares = capacity AS dealt, units_beyond_stripe_0 FROM stripes ORDER BY pool;
SELECT u.pool, u.units_in_use = coalesce(f.gpus, 0) AS matches
FROM capacity_pool_usage u
LEFT JOIN (SELECT pool, sum(gpu_count) AS gpus FROM training_jobs WHERE status = 'running' GROUP BY pool) f USING (pool)
ORDER BY u.pool;
UPDATE capacity_pools SET capacity = capacity + 1 WHERE pool = 'reserved';

-- the cost of each tenant's GPUs by pool price, beside the cost view
SELECT right(tenant_id::text, 2) AS tenant, pool, gpus_in_use, running_jobs, jobs, gpu_hours >= 0 AS hours,
       gpu_cost >= 0 AS cost
FROM tenant_pool_usage WHERE tenant_id::text LIKE 'c0000000-%' ORDER BY tenant_id, pool;

-- bad input: clear errors, nothing changed
SELECT * FROM report_capacity_change('nowhere', 4);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM report_capacity_change('reserved', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM report_capacity_change(NULL, 4);
SELECT * FROM report_capacity_change('reserved', NULL);
SELECT * FROM reclaim_capacity('cron');
SELECT * FROM reclaim_capacity(NULL);
-- only a running cycle's own run: an operator cannot forge the scheduler's events
SELECT * FROM reclaim_capacity('worker', 424242);
SELECT * FROM reclaim_capacity('sql');
SELECT * FROM report_capacity_change('reserved', 1000001);
SELECT pg_temp.refused($$INSERT INTO tenant_scaling.tenant_capacity_quotas
                         VALUES ('c0000000-0000-0000-0000-0000000000ff', 2147483000, 2147483000, 1, true)$$);
SELECT pg_temp.refused($$UPDATE tenant_scaling.capacity_pools SET capacity = 2000000000 WHERE pool = 'spot'$$);
SELECT submit_training_job('c0000000-0000-0000-0000-0000000000b1', 'training_small', 1, 1, NULL);
SELECT pg_temp.refused($$INSERT INTO tenant_scaling.capacity_pools VALUES ('x', 'gpu', 'cheap', 1, 1)$$);
SELECT pg_temp.refused($$INSERT INTO tenant_scaling.capacity_pools VALUES ('x', 'cpu', 'spot', 1, 1)$$);
SELECT pg_temp.refused($$INSERT INTO tenant_scaling.capacity_pools VALUES ('x', 'gpu', 'spot', -1, 1)$$);
SELECT pg_temp.refused($$INSERT INTO tenant_scaling.capacity_pools VALUES ('x', 'gpu', 'spot', 1, 'NaN')$$);
SELECT pg_temp.refused($$INSERT INTO tenant_scaling.capacity_pools VALUES ('', 'gpu', 'spot', 1, 1)$$);
SELECT pg_temp.refused($$INSERT INTO tenant_scaling.capacity_quotas VALUES ('gold', 1, 1, 1, true)$$);
SELECT pg_temp.refused($$UPDATE tenant_scaling.capacity_quotas SET fair_share_weight = 0 WHERE tier = 'basic'$$);
SELECT pg_temp.refused($$UPDATE tenant_scaling.capacity_quotas SET guaranteed_gpus = -1 WHERE tier = 'basic'$$);
SELECT pg_temp.refused($$UPDATE tenant_scaling.training_jobs SET wait_reason = 'bored'$$);

-- who may call what: a tenant neither reclaims, reports capacity nor places jobs
CREATE ROLE capacity_tenant;
INSERT INTO tenant_roles VALUES ('capacity_tenant', 'c0000000-0000-0000-0000-0000000000b1');
SELECT min(job_id) AS e1_job FROM training_jobs WHERE tenant_id = 'c0000000-0000-0000-0000-0000000000e1' \gset
SET ROLE capacity_tenant;
SELECT * FROM reclaim_capacity();
SELECT * FROM report_capacity_change('reserved', 100);
SELECT * FROM place_training_job(1, NULL);
UPDATE capacity_pools SET capacity = 100;
-- another tenant's job does not exist for it (42704)
\set VERBOSITY sqlstate
SELECT * FROM explain_job_admission(:e1_job);
\set VERBOSITY default
SELECT count(*) AS own_job_steps FROM explain_job_admission(
    (SELECT min(job_id) FROM training_jobs WHERE tenant_id = 'c0000000-0000-0000-0000-0000000000b1'));
-- it sees its own quota and use, and every pool's totals
SELECT right(tenant_id::text, 2) AS tenant FROM tenant_capacity;
SELECT DISTINCT right(tenant_id::text, 2) AS tenant FROM tenant_pool_usage;
SELECT count(*) AS pools FROM capacity_pool_status;
RESET ROLE;

-- clean up: the jobs, the tenants, the seeded capacities
DELETE FROM tenant_roles WHERE role_name = 'capacity_tenant';
DROP ROLE capacity_tenant;
DELETE FROM training_jobs WHERE tenant_id::text LIKE 'c0000000-%';
-- (with every pool empty) a job larger than any pool waits for one
UPDATE capacity_pools SET capacity = 1;
SELECT submit_training_job('c0000000-0000-0000-0000-0000000000b1', 'training_medium', 1, 1) > 0 AS queued;
SELECT start_next_training_job('c0000000-0000-0000-0000-0000000000b1');
SELECT * FROM pg_temp.jobs();
DELETE FROM training_jobs WHERE tenant_id::text LIKE 'c0000000-%';
DELETE FROM tenant_capacity_quotas;
DELETE FROM scaling_events WHERE tenant_id::text LIKE 'c0000000-%';
DELETE FROM tenant_scaling_config WHERE tenant_id::text LIKE 'c0000000-%';
DELETE FROM tenant_job_counts WHERE tenant_id::text LIKE 'c0000000-%';
DELETE FROM tenant_training_inputs WHERE tenant_id::text LIKE 'c0000000-%';
UPDATE capacity_pools SET capacity = CASE pool WHEN 'on_demand' THEN 64 ELSE 32 END;
SELECT * FROM pg_temp.pools();
