--------------------------------------------------------------------------
-- Shared GPU capacity, admission and preemption (README, Shared GPU
-- capacity). A training job holds the GPUs allocate_resources gives its
-- workload, in one pool, while it runs. start_next_training_job places a
-- tenant's head job within the tenant's quota on a pool with room; the
-- cycle's reclaim_capacity gives guaranteed tenants their GPUs back by
-- preempting borrowed work and shares idle capacity by fair-share weight;
-- report_capacity_change fits running work into a pool's new capacity.
-- The usage trigger on training_jobs (40_training.sql) and the capacity
-- trigger here take the pool's admitted row first, so an admission and a
-- capacity change take turns and no writer can over-commit a pool.
--------------------------------------------------------------------------

-- A tenant's quota: its own row, else its tier's (basic for a tenant without
-- configuration), else nothing guaranteed and all idle capacity to borrow.
CREATE FUNCTION tenant_scaling.capacity_quota(tenant_id uuid,
    OUT tier text, OUT tier_rank int, OUT guaranteed_gpus int, OUT borrowing_limit_gpus int,
    OUT fair_share_weight numeric, OUT spot_allowed boolean)
RETURNS record LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    SELECT t.tier, t.tier_rank,
           coalesce(o.guaranteed_gpus, q.guaranteed_gpus, 0),
           CASE WHEN o.tenant_id IS NOT NULL THEN o.borrowing_limit_gpus ELSE q.borrowing_limit_gpus END,
           coalesce(o.fair_share_weight, q.fair_share_weight, 1),
           coalesce(o.spot_allowed, q.spot_allowed, true)
      INTO tier, tier_rank, guaranteed_gpus, borrowing_limit_gpus, fair_share_weight, spot_allowed
      FROM (SELECT coalesce((SELECT c.scaling_tier FROM tenant_scaling.tenant_scaling_config c
                              WHERE c.tenant_id = capacity_quota.tenant_id), 'basic') AS tier) x
      JOIN tenant_scaling.tiers t ON t.tier = x.tier
      LEFT JOIN tenant_scaling.capacity_quotas q ON q.tier = t.tier
      LEFT JOIN tenant_scaling.tenant_capacity_quotas o ON o.tenant_id = capacity_quota.tenant_id;
END
$$;
COMMENT ON FUNCTION tenant_scaling.capacity_quota(uuid) IS
'the tenant''s GPU quota: its tenant_capacity_quotas row, else its tier''s capacity_quotas row';

-- GPUs a tenant's running jobs hold, in every pool
CREATE FUNCTION tenant_scaling.gpus_held(tenant_id uuid)
RETURNS int LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT coalesce(sum(j.gpu_count), 0)::int FROM tenant_scaling.training_jobs j
             WHERE j.tenant_id = gpus_held.tenant_id AND j.status = 'running');
END
$$;
COMMENT ON FUNCTION tenant_scaling.gpus_held(uuid) IS 'GPUs the tenant''s running training jobs hold, in every pool';

-- A job's pools in placement order: reserved first (already paid for), then
-- spot for a preemptible job of a tenant that allows spot, then on-demand;
-- the cheaper first within a type. Pools too small for the job are left out.
CREATE FUNCTION tenant_scaling.placement_pools(gpus int, spot boolean)
RETURNS TABLE (pool text, capacity int, units_in_use int)
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT p.pool, p.capacity, coalesce(u.units_in_use, 0)::int
      FROM tenant_scaling.capacity_pools p
      LEFT JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool
     WHERE p.resource = 'gpu' AND p.capacity >= placement_pools.gpus
       AND (p.capacity_type <> 'spot' OR placement_pools.spot)
     ORDER BY pg_catalog.array_position(ARRAY['reserved', 'spot', 'on_demand'], p.capacity_type),
              p.price_per_unit_hour, p.pool;
END
$$;
COMMENT ON FUNCTION tenant_scaling.placement_pools(int, boolean) IS
'the pools a job of this many GPUs may run on, in placement order: reserved, spot (when allowed), on-demand; cheaper first';

-- Start one queued job if its tenant's quota and a pool allow: the job's
-- pool, or why it waits (written on the job). The caller holds the job's row
-- and its tenant's tenant_job_counts row, as start_next_training_job does.
-- Run as the extension's owner only (start_next_training_job,
-- reclaim_capacity, report_capacity_change).
CREATE FUNCTION tenant_scaling.place_training_job(job_id bigint, only_pools text[], OUT pool text, OUT gpu_count int,
                                                  OUT wait_reason text)
RETURNS record LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job record;
    candidate record;
BEGIN
    -- one read: the job, its GPUs, its tenant's quota and what the tenant holds
    SELECT j.tenant_id, j.preemptible, a.gpu_count, q.guaranteed_gpus, q.borrowing_limit_gpus, q.spot_allowed,
           (SELECT coalesce(sum(r.gpu_count), 0)::int FROM tenant_scaling.training_jobs r
             WHERE r.tenant_id = j.tenant_id AND r.status = 'running' AND a.gpu_count > 0) AS held
      INTO job
      FROM tenant_scaling.training_jobs j
     CROSS JOIN LATERAL tenant_scaling.allocate_resources(j.tenant_id, j.workload_type) a
     LEFT JOIN LATERAL (SELECT * FROM tenant_scaling.capacity_quota(j.tenant_id) WHERE a.gpu_count > 0) q ON true
     WHERE j.job_id = place_training_job.job_id AND j.status = 'queued';
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('training job %s is not queued', place_training_job.job_id);
    END IF;
    gpu_count := job.gpu_count;
    IF gpu_count = 0 THEN
        UPDATE tenant_scaling.training_jobs j
           SET status = 'running', started_at = clock_timestamp(), gpu_count = 0, pool = NULL, wait_reason = NULL
         WHERE j.job_id = place_training_job.job_id;
        RETURN;
    END IF;
    IF job.borrowing_limit_gpus IS NOT NULL AND gpu_count > job.guaranteed_gpus::bigint + job.borrowing_limit_gpus THEN
        wait_reason := 'exceeds_quota';
    ELSIF job.borrowing_limit_gpus IS NOT NULL
          AND job.held::bigint + gpu_count > job.guaranteed_gpus::bigint + job.borrowing_limit_gpus THEN
        wait_reason := 'over_borrowing_limit';
    ELSE
        wait_reason := 'larger_than_any_pool';
        FOR candidate IN SELECT * FROM tenant_scaling.placement_pools(gpu_count, job.preemptible AND job.spot_allowed) c
                          WHERE only_pools IS NULL OR c.pool = ANY (only_pools)
        LOOP
            wait_reason := 'no_capacity';
            -- read without a lock: a pool seen full is passed over; the usage
            -- trigger checks, under the pool's lock, the one taken
            CONTINUE WHEN candidate.units_in_use::bigint + gpu_count > candidate.capacity;
            BEGIN
                UPDATE tenant_scaling.training_jobs j
                   SET status = 'running', started_at = clock_timestamp(),
                       gpu_count = place_training_job.gpu_count, pool = candidate.pool, wait_reason = NULL
                 WHERE j.job_id = place_training_job.job_id;
                pool := candidate.pool;
                wait_reason := NULL;
                RETURN;
            EXCEPTION WHEN SQLSTATE 'TS003' OR lock_not_available THEN
                NULL;   -- taken meanwhile, or held by an open transaction: the next pool
            END;
        END LOOP;
    END IF;
    UPDATE tenant_scaling.training_jobs j
       SET wait_reason = place_training_job.wait_reason, gpu_count = place_training_job.gpu_count
     WHERE j.job_id = place_training_job.job_id
       AND (j.wait_reason, j.gpu_count) IS DISTINCT FROM (place_training_job.wait_reason, place_training_job.gpu_count);
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.place_training_job(bigint, text[]) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.place_training_job(bigint, text[]) IS
'start a queued job on the first pool with room (of only_pools, when not NULL), within its tenant''s quota; else record why it waits (the owner''s, for the admission functions)';

-- Why a job runs where it does, or waits: what place_training_job would
-- read and decide for it now, step by step; writes nothing. Under the
-- caller's rights: another tenant's job does not exist for a tenant.
CREATE FUNCTION tenant_scaling.explain_job_admission(job_id bigint)
RETURNS TABLE (step int, kind text, name text, value text, detail text)
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    job record;
    quota record;
    held int;
    need int;
    candidate record;
    verdict text;
    room text;
BEGIN
    SELECT j.job_id, j.tenant_id, j.workload_type, j.preemptible, j.status, j.pool, j.gpu_count, j.wait_reason,
           j.preemptions,
           NOT EXISTS (SELECT 1 FROM tenant_scaling.training_jobs o
                        WHERE o.tenant_id = j.tenant_id AND o.status = 'queued'
                          AND (o.submitted_at, o.job_id) < (j.submitted_at, j.job_id)) AS at_head
      INTO job FROM tenant_scaling.training_jobs j WHERE j.job_id = explain_job_admission.job_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('training job %s does not exist', explain_job_admission.job_id);
    END IF;
    need := CASE WHEN job.status = 'queued'
                 THEN (SELECT a.gpu_count FROM tenant_scaling.allocate_resources(job.tenant_id, job.workload_type) a)
                 ELSE coalesce(job.gpu_count, 0) END;
    quota := tenant_scaling.capacity_quota(job.tenant_id);
    held := tenant_scaling.gpus_held(job.tenant_id);
    step := 0;
    FOR kind, name, value, detail IN VALUES
        ('input', 'status', job.status, CASE WHEN job.status = 'running' THEN format('on pool %s', coalesce(job.pool, 'none'))
                                             WHEN job.status = 'queued' AND NOT job.at_head THEN 'behind older queued jobs of its tenant: first in, first out'
                                             WHEN job.status = 'queued' THEN 'the head of its tenant''s queue' END),
        ('input', 'gpus', need::text, format('allocate_resources(%s)', job.workload_type)),
        ('input', 'preemptible', job.preemptible::text, 'may run on spot capacity'),
        ('input', 'wait_reason', job.wait_reason, format('preempted %s times', job.preemptions)),
        ('quota', 'tier', quota.tier, NULL),
        ('quota', 'guaranteed_gpus', quota.guaranteed_gpus::text, 'got back by preemption of borrowed work'),
        ('quota', 'borrowing_limit_gpus', coalesce(quota.borrowing_limit_gpus::text, 'all idle capacity'), NULL),
        ('quota', 'fair_share_weight', quota.fair_share_weight::text, NULL),
        ('quota', 'spot_allowed', quota.spot_allowed::text, NULL),
        ('quota', 'gpus_held', held::text, format('borrowing %s', greatest(held - quota.guaranteed_gpus, 0)))
    LOOP
        step := step + 1;
        RETURN NEXT;
    END LOOP;
    IF job.status <> 'queued' THEN
        RETURN;
    END IF;
    IF need = 0 THEN
        verdict := 'would start: it needs no GPU, so no pool';
    ELSIF quota.borrowing_limit_gpus IS NOT NULL AND need > quota.guaranteed_gpus + quota.borrowing_limit_gpus THEN
        verdict := 'waits: exceeds_quota, the job is larger than the guarantee plus the borrowing limit';
    ELSIF quota.borrowing_limit_gpus IS NOT NULL AND held + need > quota.guaranteed_gpus + quota.borrowing_limit_gpus THEN
        verdict := 'waits: over_borrowing_limit, until jobs of its tenant finish';
    END IF;
    FOR candidate IN
        SELECT p.pool, p.capacity_type, p.capacity, coalesce(u.units_in_use, 0) AS used,
               p.capacity_type <> 'spot' OR job.preemptible AND quota.spot_allowed AS usable
          FROM tenant_scaling.capacity_pools p LEFT JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool
         WHERE p.resource = 'gpu'
         ORDER BY pg_catalog.array_position(ARRAY['reserved', 'spot', 'on_demand'], p.capacity_type),
                  p.price_per_unit_hour, p.pool
    LOOP
        room := CASE WHEN NOT candidate.usable THEN 'not usable: spot takes preemptible jobs of tenants that allow spot'
                     WHEN candidate.capacity < need THEN 'smaller than the job'
                     WHEN candidate.used + need <= candidate.capacity THEN 'room'
                     ELSE 'full for this job' END;
        step := step + 1;
        kind := 'pool';
        name := candidate.pool;
        value := format('%s of %s in use', candidate.used, candidate.capacity);
        detail := format('%s: %s', candidate.capacity_type, room);
        RETURN NEXT;
        IF verdict IS NULL AND room = 'room' AND job.at_head THEN
            verdict := format('would start on %s', candidate.pool);
        END IF;
    END LOOP;
    IF verdict IS NULL AND NOT job.at_head THEN
        verdict := 'waits: behind older queued jobs of its tenant';
    ELSIF verdict IS NULL AND held + need <= quota.guaranteed_gpus THEN
        verdict := 'waits: no_capacity; within its guarantee, so the next cycle preempts borrowed work for it where that makes room';
    ELSIF verdict IS NULL THEN
        verdict := 'waits: no_capacity; it would borrow, so it gets room when GPUs free up, or by fair sharing';
    END IF;
    step := step + 1;
    kind := 'result';
    name := 'admission';
    value := NULL;
    detail := verdict;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION tenant_scaling.explain_job_admission(bigint) IS
'why a training job runs where it does or waits: its GPUs, its tenant''s quota, each pool in placement order, the verdict; writes nothing';

-- An event of the capacity decisions (resource_kind job), announced as the
-- scaling decisions are: the payload is the event id only.
CREATE FUNCTION tenant_scaling.record_job_event(tenant_id uuid, job_id bigint, action text, held int, reason text,
                                                inputs jsonb, origin text, run_id bigint)
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    id bigint;
BEGIN
    INSERT INTO tenant_scaling.scaling_events (tenant_id, resource_kind, resource_id, action, previous_count, new_count,
                                               reason, inputs, origin, run_id)
    VALUES ($1, 'job', $2::text, $3, CASE WHEN $3 = 'preempt' THEN $4 ELSE 0 END,
            CASE WHEN $3 = 'preempt' THEN 0 ELSE $4 END, $5, $6, $7, $8)
    RETURNING event_id INTO id;
    PERFORM pg_notify('tenant_scaling', json_build_object('event_id', id)::text);
    RETURN id;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.record_job_event(uuid, bigint, text, int, text, jsonb, text, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.record_job_event(uuid, bigint, text, int, text, jsonb, text, bigint) IS
'a scaling_events row for a job admitted or preempted by the capacity functions, and its NOTIFY (the owner''s)';

-- Preempt a running job: back at the head of its tenant's queue (it keeps
-- its submitted_at, older than every job queued behind it), its GPUs free.
CREATE FUNCTION tenant_scaling.preempt_training_job(job_id bigint, reason text, origin text, run_id bigint)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    victim record;
BEGIN
    -- its tenant's counts row first, as every writer of a running job takes them
    PERFORM 1 FROM tenant_scaling.tenant_job_counts n
     WHERE n.tenant_id = (SELECT j.tenant_id FROM tenant_scaling.training_jobs j WHERE j.job_id = $1)
       FOR UPDATE;
    UPDATE tenant_scaling.training_jobs j
       SET status = 'queued', started_at = NULL, pool = NULL, wait_reason = 'preempted', preemptions = j.preemptions + 1
      FROM tenant_scaling.training_jobs o
     WHERE j.job_id = $1 AND o.job_id = j.job_id AND j.status = 'running'
    RETURNING j.tenant_id, o.pool, o.gpu_count, o.started_at INTO victim;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM tenant_scaling.record_job_event(victim.tenant_id, $1, 'preempt', victim.gpu_count, $2,
        jsonb_build_object('pool', victim.pool, 'gpus', victim.gpu_count, 'started_at', victim.started_at), $3, $4);
    RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.preempt_training_job(bigint, text, text, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.preempt_training_job(bigint, text, text, bigint) IS
'requeue a running job at the head of its tenant''s queue and record the preemption (the owner''s)';

-- Preempt in pool what a waiting job needs, if preempting can make the room:
-- only borrowed work (a tenant above its guarantee), the lowest tier and the
-- newest first (Kueue's reclaimWithinCohort). For a waiter within its
-- guarantee, any borrower; for a borrower (fair sharing), only a tenant whose
-- share of borrowed GPUs per weight stays above the waiter's after both
-- changes, so that two borrowers never preempt each other back and forth.
CREATE FUNCTION tenant_scaling.preempt_for(waiter_tenant uuid, gpus int, within_guarantee boolean,
                                           waiter_share numeric, pool text, origin text, run_id bigint)
RETURNS TABLE (job_id bigint, tenant_id uuid, gpu_count int) LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    free int;
    victim record;
    chosen bigint[] := '{}';
    taken jsonb := '{}';
    borrowed int;
BEGIN
    SELECT p.capacity - coalesce(u.units_in_use, 0) INTO free
      FROM tenant_scaling.capacity_pools p LEFT JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool
     WHERE p.pool = preempt_for.pool;
    FOR victim IN
        SELECT j.job_id, j.tenant_id, j.gpu_count, q.guaranteed_gpus, q.fair_share_weight,
               tenant_scaling.gpus_held(j.tenant_id) AS held
          FROM tenant_scaling.training_jobs j
         CROSS JOIN LATERAL tenant_scaling.capacity_quota(j.tenant_id) q
         WHERE j.pool = preempt_for.pool AND j.status = 'running' AND j.tenant_id <> waiter_tenant
         ORDER BY q.tier_rank, j.started_at DESC, j.job_id DESC
    LOOP
        EXIT WHEN free >= gpus;
        borrowed := victim.held - coalesce((taken ->> victim.tenant_id::text)::int, 0) - victim.guaranteed_gpus;
        CONTINUE WHEN borrowed <= 0;
        CONTINUE WHEN NOT within_guarantee
                  AND (borrowed - victim.gpu_count)::numeric / victim.fair_share_weight <= waiter_share;
        chosen := chosen || victim.job_id;
        free := free + victim.gpu_count;
        taken := jsonb_set(taken, ARRAY[victim.tenant_id::text],
                           to_jsonb(coalesce((taken ->> victim.tenant_id::text)::int, 0) + victim.gpu_count));
    END LOOP;
    IF free < gpus THEN
        RETURN;
    END IF;
    -- the victims' tenants' counts rows, then the victims' rows (the order
    -- of start and finish), or none: the pass holds pool usage rows, and a
    -- start or finish waiting for those must not be waited for in turn
    PERFORM 1 FROM tenant_scaling.tenant_job_counts n
     WHERE n.tenant_id IN (SELECT j.tenant_id FROM tenant_scaling.training_jobs j WHERE j.job_id = ANY (chosen))
     ORDER BY n.tenant_id
       FOR UPDATE NOWAIT;
    PERFORM 1 FROM tenant_scaling.training_jobs j WHERE j.job_id = ANY (chosen) ORDER BY j.job_id FOR UPDATE NOWAIT;
    FOR victim IN SELECT j.job_id, j.tenant_id, j.gpu_count FROM tenant_scaling.training_jobs j
                   WHERE j.job_id = ANY (chosen) ORDER BY j.job_id
    LOOP
        IF tenant_scaling.preempt_training_job(victim.job_id,
               CASE WHEN within_guarantee THEN 'reclaim_within_quota' ELSE 'fair_share' END, origin, run_id) THEN
            job_id := victim.job_id;
            tenant_id := victim.tenant_id;
            gpu_count := victim.gpu_count;
            RETURN NEXT;
        END IF;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.preempt_for(uuid, int, boolean, numeric, text, text, bigint) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.preempt_for(uuid, int, boolean, numeric, text, text, bigint) IS
'preempt borrowed work in a pool until a waiting job fits, or nothing when it cannot be made to fit (the owner''s)';

-- The cycle's admission pass: every tenant whose head job waits for capacity
-- is tried again, guaranteed tenants first (highest tier first), then
-- borrowers by their share per weight after admission, lowest first; a
-- job that still does not fit gets its room by preemption where it may.
-- What each pool has free, and an upper bound of what preemption could
-- free there (the GPUs of tenants above their guarantee), are read once
-- and kept up to date through the pass, so that a waiter nothing can serve
-- costs no lock and no write. A tenant, or a victim, another transaction
-- holds is passed over and tried next cycle. Last in the cycle: the pools'
-- usage rows it takes are held until the cycle commits.
CREATE FUNCTION tenant_scaling.reclaim_capacity(origin text DEFAULT 'manual', run_id bigint DEFAULT NULL)
RETURNS TABLE (job_id bigint, tenant_id uuid, action text, pool text, gpu_count int, reason text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    pools jsonb;
    w record;
    head record;
    placed record;
    candidate record;
    victim record;
    need int;
    held int;
    within boolean;
    admitted boolean;
    freed int;
    why text;
    admitted_any boolean;
    usable text[] := '{}';
    each_pool text;
    stripes_held int;
    done jsonb := '[]';
BEGIN
    IF origin IS NULL OR origin NOT IN ('worker', 'sql', 'manual') THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('origin must be worker, sql or manual, not %s', coalesce(origin, 'null'));
    END IF;
    IF (run_id IS NULL) <> (origin = 'manual')
       OR run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tenant_scaling.scheduler_runs r
                                              WHERE r.run_id = reclaim_capacity.run_id AND r.status = 'running'
                                                AND r.origin = reclaim_capacity.origin) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('run %s is not a running %s cycle', coalesce(run_id::text, 'null'), origin),
            HINT = 'Call reclaim_capacity() by hand with no arguments; the cycles pass their own run.';
    END IF;
    -- the pools the pass uses: all their admission stripes, locked now, or
    -- the pool left out (a start holds a stripe until it commits, and the
    -- pass never waits for a tenant); the releases folded in and the shares
    -- dealt again, by the capacity as committed after the lock
    INSERT INTO tenant_scaling.capacity_pool_admitted (pool, stripe)
    SELECT p.pool, s.stripe FROM tenant_scaling.capacity_pools p CROSS JOIN pg_catalog.generate_series(0, 7) s (stripe)
     WHERE (SELECT count(*) FROM tenant_scaling.capacity_pool_admitted a WHERE a.pool = p.pool) < 8
    ON CONFLICT DO NOTHING;
    FOR each_pool IN SELECT p.pool FROM tenant_scaling.capacity_pools p WHERE p.resource = 'gpu' ORDER BY p.pool LOOP
        BEGIN
            SELECT count(*) INTO stripes_held
              FROM (SELECT 1 FROM tenant_scaling.capacity_pool_admitted a WHERE a.pool = each_pool
                     ORDER BY a.stripe FOR UPDATE SKIP LOCKED) x;
            IF stripes_held < 8 THEN
                RAISE EXCEPTION USING ERRCODE = 'lock_not_available';
            END IF;
        EXCEPTION WHEN lock_not_available THEN
            CONTINUE;   -- the stripes taken are let go with the subtransaction
        END;
        PERFORM tenant_scaling.deal_pool_shares(p.pool, p.capacity)
           FROM tenant_scaling.capacity_pools p WHERE p.pool = each_pool;
        usable := usable || each_pool;
    END LOOP;
    -- rounds: an admission can make more work borrowed (its tenant goes
    -- above its guarantee), which a guaranteed tenant passed over earlier
    -- may then reclaim; a round that admits nothing ends the pass
    FOR round IN 1 .. 4 LOOP
        admitted_any := false;
        -- each pool: its capacity, whether it is spot, what is free, and the GPUs
        -- there of tenants above their guarantee
        WITH held AS (SELECT j.tenant_id, sum(j.gpu_count)::int AS gpus FROM tenant_scaling.training_jobs j
                       WHERE j.status = 'running' GROUP BY j.tenant_id),
             borrowing AS (SELECT h.tenant_id FROM held h
                            WHERE h.gpus > (tenant_scaling.capacity_quota(h.tenant_id)).guaranteed_gpus),
             borrowed AS (SELECT j.pool, sum(j.gpu_count)::int AS gpus FROM tenant_scaling.training_jobs j
                           WHERE j.status = 'running' AND j.tenant_id IN (SELECT b.tenant_id FROM borrowing b)
                           GROUP BY j.pool)
        SELECT coalesce(jsonb_object_agg(p.pool, jsonb_build_object(
                   'capacity', p.capacity, 'spot', p.capacity_type = 'spot',
                   'free', p.capacity - coalesce(u.units_in_use, 0), 'borrowed', coalesce(b.gpus, 0))), '{}')
          INTO pools
          FROM tenant_scaling.capacity_pools p
          LEFT JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool
          LEFT JOIN borrowed b ON b.pool = p.pool
         WHERE p.pool = ANY (usable);
        FOR w IN
            WITH head AS MATERIALIZED (
                SELECT DISTINCT ON (j.tenant_id) j.job_id, j.tenant_id, j.gpu_count, j.preemptible, j.submitted_at
                  FROM tenant_scaling.training_jobs j
                 WHERE j.status = 'queued' AND j.wait_reason IS NOT NULL
                 ORDER BY j.tenant_id, j.submitted_at, j.job_id),
            -- only those a pool could serve now: the pass only takes room, so
            -- none of the others becomes possible before it ends
            servable AS MATERIALIZED (
                SELECT h.* FROM head h
                 WHERE EXISTS (SELECT 1 FROM jsonb_each(pools) s
                                WHERE (s.value ->> 'capacity')::int >= h.gpu_count
                                  AND (NOT (s.value ->> 'spot')::boolean OR h.preemptible)
                                  AND (s.value ->> 'free')::int + (s.value ->> 'borrowed')::int >= h.gpu_count)),
            waiter AS MATERIALIZED (
                SELECT h.*, q.guaranteed_gpus, q.fair_share_weight, q.spot_allowed, q.tier_rank,
                       tenant_scaling.gpus_held(h.tenant_id) AS held
                  FROM servable h
                 CROSS JOIN LATERAL tenant_scaling.capacity_quota(h.tenant_id) q
                 -- the tenant's head job (its queue is first in, first out)
                 WHERE NOT EXISTS (SELECT 1 FROM tenant_scaling.training_jobs o
                                    WHERE o.tenant_id = h.tenant_id AND o.status = 'queued'
                                      AND (o.submitted_at, o.job_id) < (h.submitted_at, h.job_id)))
            SELECT * FROM waiter x
             ORDER BY (x.held + x.gpu_count <= x.guaranteed_gpus) DESC, x.tier_rank DESC,
                      greatest(x.held + x.gpu_count - x.guaranteed_gpus, 0) / x.fair_share_weight, x.submitted_at, x.job_id
        LOOP
            -- the tenant's head jobs, one after another while they are admitted
            LOOP
                admitted := false;
                need := w.gpu_count;
                -- nothing free, nor borrowed to preempt, in a pool it may use: next tenant
                EXIT WHEN NOT EXISTS (
                    SELECT 1 FROM jsonb_each(pools) s
                     WHERE (s.value ->> 'capacity')::int >= need
                       AND (NOT (s.value ->> 'spot')::boolean OR w.preemptible AND w.spot_allowed)
                       AND (s.value ->> 'free')::int + (s.value ->> 'borrowed')::int >= need);
                BEGIN
                    -- as start_next_training_job: the tenant's counts row, then its
                    -- head job now (a job preempted earlier in this pass is back at
                    -- the head); never waited for: the pass may hold usage rows a
                    -- start of this tenant waits for
                    PERFORM 1 FROM tenant_scaling.tenant_job_counts n
                      LEFT JOIN tenant_scaling.tenant_scaling_config c ON c.tenant_id = n.tenant_id
                     WHERE n.tenant_id = w.tenant_id AND n.running_jobs < coalesce(c.max_concurrent_jobs, 1)
                       FOR UPDATE OF n NOWAIT;
                    EXIT WHEN NOT FOUND;
                    SELECT j.job_id, j.preemptible INTO head FROM tenant_scaling.training_jobs j
                     WHERE j.tenant_id = w.tenant_id AND j.status = 'queued'
                     ORDER BY j.submitted_at, j.job_id LIMIT 1
                       FOR UPDATE NOWAIT;
                    EXIT WHEN NOT FOUND;
                    freed := 0;
                    held := tenant_scaling.gpus_held(w.tenant_id);
                    placed := tenant_scaling.place_training_job(head.job_id, usable);
                    within := held + placed.gpu_count <= w.guaranteed_gpus;
                    IF placed.wait_reason = 'no_capacity' THEN
                        FOR candidate IN
                            SELECT c.pool FROM tenant_scaling.placement_pools(placed.gpu_count, head.preemptible AND w.spot_allowed) c
                             WHERE (pools -> c.pool ->> 'free')::int + (pools -> c.pool ->> 'borrowed')::int >= placed.gpu_count
                        LOOP
                            FOR victim IN SELECT * FROM tenant_scaling.preempt_for(w.tenant_id, placed.gpu_count, within,
                                greatest(held + placed.gpu_count - w.guaranteed_gpus, 0)::numeric / w.fair_share_weight,
                                candidate.pool, origin, run_id)
                            LOOP
                                freed := freed + victim.gpu_count;
                                done := done || jsonb_build_object('job_id', victim.job_id, 'tenant_id', victim.tenant_id,
                                    'action', 'preempt', 'pool', candidate.pool, 'gpu_count', victim.gpu_count,
                                    'reason', CASE WHEN within THEN 'reclaim_within_quota' ELSE 'fair_share' END);
                            END LOOP;
                            IF freed > 0 THEN
                                pools := jsonb_set(pools, ARRAY[candidate.pool], (pools -> candidate.pool) || jsonb_build_object(
                                    'free', (pools -> candidate.pool ->> 'free')::int + freed,
                                    'borrowed', greatest((pools -> candidate.pool ->> 'borrowed')::int - freed, 0)));
                                placed := tenant_scaling.place_training_job(head.job_id, usable);
                                EXIT;
                            END IF;
                        END LOOP;
                        -- a victim that finished while the pass looked freed its GPUs all the same
                        IF freed = 0 THEN
                            placed := tenant_scaling.place_training_job(head.job_id, usable);
                        END IF;
                    END IF;
                    IF placed.wait_reason IS NULL THEN
                        admitted := true;
                        why := CASE WHEN freed > 0 AND within THEN 'reclaimed'
                                    WHEN freed > 0 THEN 'fair_share' ELSE 'capacity_free' END;
                        PERFORM tenant_scaling.record_job_event(w.tenant_id, head.job_id, 'admit', placed.gpu_count, why,
                            jsonb_build_object('pool', placed.pool, 'gpus', placed.gpu_count, 'held_before', held,
                                               'guaranteed_gpus', w.guaranteed_gpus, 'preempted_gpus', freed),
                            origin, run_id);
                        done := done || jsonb_build_object('job_id', head.job_id, 'tenant_id', w.tenant_id,
                            'action', 'admit', 'pool', placed.pool, 'gpu_count', placed.gpu_count, 'reason', why);
                        IF placed.pool IS NOT NULL THEN
                            pools := jsonb_set(pools, ARRAY[placed.pool], (pools -> placed.pool) || jsonb_build_object(
                                'free', (pools -> placed.pool ->> 'free')::int - placed.gpu_count,
                                'borrowed', (pools -> placed.pool ->> 'borrowed')::int
                                            + CASE WHEN within THEN 0 ELSE placed.gpu_count END));
                        END IF;
                        -- the next head job, if any, is tried with its own need
                        w.gpu_count := coalesce((SELECT j.gpu_count FROM tenant_scaling.training_jobs j
                                                  WHERE j.tenant_id = w.tenant_id AND j.status = 'queued'
                                                  ORDER BY j.submitted_at, j.job_id LIMIT 1), 0);
                    END IF;
                EXCEPTION WHEN lock_not_available THEN
                    done := '[]';   -- held by another transaction: the next cycle
                END;
                -- what the tenant's subtransaction did, once it committed
                RETURN QUERY SELECT (d ->> 'job_id')::bigint, (d ->> 'tenant_id')::uuid, d ->> 'action', d ->> 'pool',
                                    (d ->> 'gpu_count')::int, d ->> 'reason'
                               FROM jsonb_array_elements(done) d;
                done := '[]';
                EXIT WHEN NOT admitted;
                admitted_any := true;
            END LOOP;
        END LOOP;
        EXIT WHEN NOT admitted_any;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.reclaim_capacity(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.reclaim_capacity(text, bigint) TO tenant_scaling_admin;
COMMENT ON FUNCTION tenant_scaling.reclaim_capacity(text, bigint) IS
'the cycle''s admission pass: waiting head jobs tried again, guaranteed tenants first, room made by preempting borrowed work';

-- An operator's or actuator's report of a pool's capacity: a spot reclaim,
-- new reserved GPUs. What no longer fits is preempted, borrowed work first
-- (the lowest tier and the newest first), then work within guarantees, and
-- each preempted job is moved to another pool with room where its quota
-- allows, or waits at the head of its queue: no job is lost.
CREATE FUNCTION tenant_scaling.report_capacity_change(pool text, capacity int)
RETURNS TABLE (job_id bigint, tenant_id uuid, action text, to_pool text, gpu_count int)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET tenant_scaling.capacity_change = on
SET lock_timeout = '2s' AS $$
#variable_conflict use_column
DECLARE
    old_capacity int;
    used int;
    victim record;
    placed record;
    moved bigint[] := '{}';
    passed_over bigint[] := '{}';
    id bigint;
BEGIN
    IF pool IS NULL OR capacity IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = format('%s must not be null', CASE WHEN pool IS NULL THEN 'pool' ELSE 'capacity' END);
    END IF;
    IF capacity < 0 OR capacity > 1000000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('capacity must be 0 to 1,000,000: %s', capacity);
    END IF;
    -- what is in use must be read as it is now, not as a snapshot taken before
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'active_sql_transaction',
            MESSAGE = 'report_capacity_change runs at READ COMMITTED only',
            DETAIL = format('The transaction is %s: its snapshot may not show jobs started since it began.',
                            current_setting('transaction_isolation'));
    END IF;
    -- the counts rows of the tenants running there, then the pool: the
    -- order in which a start takes a tenant's counts and the pool it enters
    PERFORM 1 FROM tenant_scaling.tenant_job_counts n
     WHERE n.tenant_id IN (SELECT j.tenant_id FROM tenant_scaling.training_jobs j
                            WHERE j.pool = report_capacity_change.pool AND j.status = 'running')
     ORDER BY n.tenant_id
       FOR UPDATE;
    -- NO KEY UPDATE: another capacity change waits, releases (a foreign
    -- key's KEY SHARE) do not; admissions wait once the update below has
    -- touched the pool's admitted row (check_pool_capacity)
    SELECT p.capacity INTO old_capacity FROM tenant_scaling.capacity_pools p
     WHERE p.pool = report_capacity_change.pool FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_object',
            MESSAGE = format('capacity pool %s does not exist', left(report_capacity_change.pool, 100)),
            HINT = 'The pools are the rows of tenant_scaling.capacity_pools.';
    END IF;
    UPDATE tenant_scaling.capacity_pools p SET capacity = report_capacity_change.capacity
     WHERE p.pool = report_capacity_change.pool;
    LOOP
        SELECT coalesce(u.units_in_use, 0) INTO used FROM tenant_scaling.capacity_pool_usage u
         WHERE u.pool = report_capacity_change.pool;
        EXIT WHEN coalesce(used, 0) <= report_capacity_change.capacity;
        SELECT j.job_id, j.tenant_id, j.gpu_count INTO victim
          FROM tenant_scaling.training_jobs j
         CROSS JOIN LATERAL tenant_scaling.capacity_quota(j.tenant_id) q
         WHERE j.pool = report_capacity_change.pool AND j.status = 'running' AND j.job_id <> ALL (passed_over)
         ORDER BY tenant_scaling.gpus_held(j.tenant_id) > q.guaranteed_gpus DESC, q.tier_rank,
                  j.started_at DESC, j.job_id DESC
         LIMIT 1
           FOR UPDATE OF j SKIP LOCKED;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'lock_not_available',
                MESSAGE = format('pool %s holds %s GPUs of jobs other transactions have locked', report_capacity_change.pool, used),
                HINT = 'Try again when they commit: nothing was changed.';
        END IF;
        -- a job started since the counts rows above were locked: its tenant's
        -- row now, or another victim (its start may wait for the pool)
        BEGIN
            PERFORM 1 FROM tenant_scaling.tenant_job_counts n WHERE n.tenant_id = victim.tenant_id FOR UPDATE NOWAIT;
        EXCEPTION WHEN lock_not_available THEN
            passed_over := passed_over || victim.job_id;
            CONTINUE;
        END;
        PERFORM tenant_scaling.preempt_training_job(victim.job_id, 'capacity_lowered', 'manual', NULL);
        moved := moved || victim.job_id;
    END LOOP;
    -- each preempted job, placed again where there is room (its tenant's
    -- counts row is held since the preemption moved it)
    FOREACH id IN ARRAY moved
    LOOP
        placed := tenant_scaling.place_training_job(id, NULL);
        SELECT j.tenant_id INTO victim FROM tenant_scaling.training_jobs j WHERE j.job_id = id;
        job_id := id;
        tenant_id := victim.tenant_id;
        gpu_count := placed.gpu_count;
        IF placed.wait_reason IS NULL THEN
            PERFORM tenant_scaling.record_job_event(victim.tenant_id, id, 'admit', placed.gpu_count, 'moved',
                jsonb_build_object('pool', placed.pool, 'gpus', placed.gpu_count, 'from_pool', report_capacity_change.pool),
                'manual', NULL);
            action := 'moved';
            to_pool := placed.pool;
        ELSE
            action := 'requeued';
            to_pool := NULL;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.report_capacity_change(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.report_capacity_change(text, int) TO tenant_scaling_admin, tenant_scaling_actuator;
COMMENT ON FUNCTION tenant_scaling.report_capacity_change(text, int) IS
'set a pool''s capacity; running work over it is preempted, borrowed first, and moved to a pool with room or requeued';

-- A lowered capacity: every admission stripe of the pool locked first, so
-- that an admission to the pool either committed before (and is counted
-- here) or waits and then sees the shares dealt by the new capacity (at
-- REPEATABLE READ it fails to serialize); the admission trigger takes no
-- lock on the pool's row. A raised one is dealt out by the next admission
-- that finds no stripe with room. A direct
-- UPDATE of capacity_pools may not leave a pool holding more than its
-- capacity: lowering it under what is in use is report_capacity_change's
-- work, which preempts. The owner's: the writer (an operator, the actuator's
-- report_capacity_change) may only read the admitted rows.
CREATE FUNCTION tenant_scaling.check_pool_capacity()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    used int;
BEGIN
    IF TG_RELID <> 'tenant_scaling.capacity_pools'::pg_catalog.regclass OR TG_WHEN <> 'BEFORE'
       OR TG_OP <> 'UPDATE' OR TG_LEVEL <> 'ROW' THEN
        RAISE EXCEPTION USING ERRCODE = '39P01',
            MESSAGE = 'check_pool_capacity runs only as a BEFORE UPDATE row trigger of tenant_scaling.capacity_pools';
    END IF;
    IF NEW.capacity >= OLD.capacity THEN
        RETURN NEW;
    END IF;
    -- what is in use must be read as it is now, not as a snapshot taken before
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION USING ERRCODE = 'active_sql_transaction',
            MESSAGE = format('lowering the capacity of pool %s runs at READ COMMITTED only', OLD.pool),
            DETAIL = format('The transaction is %s: its snapshot may not show jobs started since it began.',
                            current_setting('transaction_isolation'));
    END IF;
    -- every admission stripe, so that no admission runs meanwhile; what is in
    -- use then read after the lock, and the shares dealt by the new capacity
    PERFORM tenant_scaling.lock_pool_stripes(OLD.pool);
    IF current_setting('tenant_scaling.capacity_change') <> 'on' THEN
        SELECT u.units_in_use INTO used FROM tenant_scaling.capacity_pool_usage u WHERE u.pool = OLD.pool;
        IF NEW.capacity < coalesce(used, 0) THEN
            RAISE EXCEPTION USING ERRCODE = 'TS003',
                MESSAGE = format('pool %s has %s GPUs in use, more than the capacity %s', OLD.pool, used, NEW.capacity),
                HINT = 'report_capacity_change lowers a pool''s capacity and preempts what no longer fits.';
        END IF;
    END IF;
    PERFORM tenant_scaling.deal_pool_shares(OLD.pool, NEW.capacity);
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.check_pool_capacity() FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.check_pool_capacity() IS
'BEFORE UPDATE trigger of capacity_pools: refuses a capacity under what the pool has in use (TS003)';
CREATE TRIGGER capacity_pools_check_capacity
    BEFORE UPDATE OF capacity ON tenant_scaling.capacity_pools
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.check_pool_capacity();

-- the actuator starts and stops the jobs the capacity events name: it reads every tenant's jobs
GRANT SELECT ON tenant_scaling.training_jobs TO tenant_scaling_actuator;
CREATE POLICY actuator_rows ON tenant_scaling.training_jobs FOR SELECT TO tenant_scaling_actuator USING (true);

-- Views: each pool, each tenant's quota and use, each tenant's use and cost per pool

CREATE VIEW tenant_scaling.capacity_pool_status AS
SELECT p.pool, p.resource, p.capacity_type, p.capacity,
       coalesce(u.units_in_use, 0) AS in_use,
       p.capacity - coalesce(u.units_in_use, 0) AS free,
       coalesce(u.running_jobs, 0) AS running_jobs,
       p.price_per_unit_hour,
       coalesce(u.units_in_use, 0) * p.price_per_unit_hour AS cost_per_hour
FROM tenant_scaling.capacity_pools p
LEFT JOIN tenant_scaling.capacity_pool_usage u ON u.pool = p.pool;
GRANT SELECT ON tenant_scaling.capacity_pool_status TO PUBLIC;
GRANT SELECT ON tenant_scaling.capacity_pool_status TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.capacity_pool_status IS
'each pool: capacity, GPUs in use and free, running jobs, and what its use costs per hour';

-- per tenant and pool: GPUs in use now, and every job's GPU hours there at the pool's price
CREATE VIEW tenant_scaling.tenant_pool_usage WITH (security_invoker = true) AS
SELECT j.tenant_id, j.pool,
       (coalesce(sum(j.gpu_count) FILTER (WHERE j.status = 'running'), 0))::int AS gpus_in_use,
       count(*) FILTER (WHERE j.status = 'running') AS running_jobs,
       count(*) AS jobs,
       round(sum(j.gpu_count * extract(epoch FROM coalesce(j.finished_at, now()) - j.started_at) / 3600), 6) AS gpu_hours,
       round(sum(j.gpu_count * extract(epoch FROM coalesce(j.finished_at, now()) - j.started_at) / 3600)
             * p.price_per_unit_hour, 6) AS gpu_cost
FROM tenant_scaling.training_jobs j
JOIN tenant_scaling.capacity_pools p ON p.pool = j.pool
WHERE j.started_at IS NOT NULL
GROUP BY j.tenant_id, j.pool, p.price_per_unit_hour;
GRANT SELECT ON tenant_scaling.tenant_pool_usage TO PUBLIC;
GRANT SELECT ON tenant_scaling.tenant_pool_usage TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.tenant_pool_usage IS
'per tenant and pool: GPUs in use, running jobs, and the GPU hours of its jobs there at the pool''s price (a tenant sees its own)';

-- per tenant: its quota, what it holds and borrows, what waits and why, and
-- the cost of its GPU use (beside tenant_cost_optimization's total_cost,
-- which prices the usage ledger: jobs' GPU hours are priced here by pool)
CREATE VIEW tenant_scaling.tenant_capacity WITH (security_invoker = true) AS
SELECT t.tenant_id, q.tier, q.guaranteed_gpus, q.borrowing_limit_gpus, q.fair_share_weight, q.spot_allowed,
       h.gpus_in_use,
       greatest(h.gpus_in_use - q.guaranteed_gpus, 0) AS borrowed_gpus,
       w.waiting_jobs, w.waiting_gpus, w.head_wait_reason,
       coalesce(c.gpu_cost, 0) AS gpu_cost
FROM (SELECT c.tenant_id FROM tenant_scaling.tenant_scaling_config c
      UNION SELECT n.tenant_id FROM tenant_scaling.tenant_job_counts n) t
CROSS JOIN LATERAL tenant_scaling.capacity_quota(t.tenant_id) q
CROSS JOIN LATERAL (SELECT tenant_scaling.gpus_held(t.tenant_id) AS gpus_in_use) h
CROSS JOIN LATERAL (
    SELECT count(*) AS waiting_jobs, coalesce(sum(j.gpu_count), 0)::int AS waiting_gpus,
           (array_agg(j.wait_reason ORDER BY j.submitted_at, j.job_id))[1] AS head_wait_reason
      FROM tenant_scaling.training_jobs j
     WHERE j.tenant_id = t.tenant_id AND j.status = 'queued' AND j.wait_reason IS NOT NULL) w
LEFT JOIN (SELECT u.tenant_id, sum(u.gpu_cost) AS gpu_cost FROM tenant_scaling.tenant_pool_usage u
            GROUP BY u.tenant_id) c ON c.tenant_id = t.tenant_id;
GRANT SELECT ON tenant_scaling.tenant_capacity TO PUBLIC;
GRANT SELECT ON tenant_scaling.tenant_capacity TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.tenant_capacity IS
'per tenant: GPU quota, GPUs in use and borrowed, jobs waiting for capacity and why, and the cost of its jobs'' GPUs by pool price';
