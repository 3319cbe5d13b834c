--------------------------------------------------------------------------
-- Shared GPU capacity (README, Shared GPU capacity): the pools GPUs come
-- from, each tier's and each tenant's quota of them, and what each pool has
-- in use. Admission, preemption and the views are in 72_capacity.sql.
--------------------------------------------------------------------------

-- Pools: Kueue's resource flavors. Operators edit them; pg_dump keeps them.
CREATE TABLE tenant_scaling.capacity_pools (
    pool text PRIMARY KEY CONSTRAINT pool_length CHECK (pg_catalog.length(pool) BETWEEN 1 AND 63),
    resource text NOT NULL DEFAULT 'gpu' CONSTRAINT pool_resource_known CHECK (resource = 'gpu'),
    capacity_type text NOT NULL
        CONSTRAINT capacity_type_valid CHECK (capacity_type IN ('reserved', 'on_demand', 'spot')),
    -- bounded, so that no sum of GPUs overflows
    capacity int NOT NULL CONSTRAINT capacity_range CHECK (capacity BETWEEN 0 AND 1000000),
    price_per_unit_hour numeric NOT NULL
        CONSTRAINT price_per_unit_hour_finite_not_negative
        CHECK (price_per_unit_hour >= 0 AND price_per_unit_hour < 'Infinity'),
    description text
);
INSERT INTO tenant_scaling.capacity_pools (pool, capacity_type, capacity, price_per_unit_hour, description)
VALUES
    ('reserved', 'reserved', 32, 1.60, 'GPUs under a reservation: already paid for, used first'),
    ('spot', 'spot', 32, 0.90, 'spot GPUs: cheap, reclaimed at short notice; for preemptible jobs of tenants that allow spot'),
    ('on_demand', 'on_demand', 64, 3.20, 'on-demand GPUs: used when reserved and spot capacity is taken');
COMMENT ON TABLE tenant_scaling.capacity_pools IS
'the pools GPUs come from (Kueue''s resource flavors): capacity and price; admission never puts more in use than capacity';
COMMENT ON COLUMN tenant_scaling.capacity_pools.pool IS 'the pool''s name, 1 to 63 characters';
COMMENT ON COLUMN tenant_scaling.capacity_pools.resource IS 'what the pool holds: gpu';
COMMENT ON COLUMN tenant_scaling.capacity_pools.capacity_type IS
'reserved (placed first), spot (for preemptible jobs of tenants that allow spot) or on_demand (placed last)';
COMMENT ON COLUMN tenant_scaling.capacity_pools.capacity IS
'units the pool has, 0 to 1,000,000; lowered below what is in use only by report_capacity_change, which preempts what no longer fits';
COMMENT ON COLUMN tenant_scaling.capacity_pools.price_per_unit_hour IS
'price of one unit for one hour; tenant_capacity_cost multiplies the GPU hours of each tenant''s jobs by it';
COMMENT ON COLUMN tenant_scaling.capacity_pools.description IS 'what the pool is, free text';
COMMENT ON INDEX tenant_scaling.capacity_pools_pkey IS 'pools by name';
CREATE TRIGGER capacity_pools_merge_seed_row BEFORE INSERT ON tenant_scaling.capacity_pools
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
GRANT SELECT ON tenant_scaling.capacity_pools TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.capacity_pools TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.capacity_pools', '');

-- Derived, per pool: kept by the triggers on training_jobs, which refuse a
-- change that would put more in use than the pool's capacity. What a pool
-- holds is what admissions put in (capacity_pool_admitted) less what
-- finishes and preemptions took out since: out of a stripe no other
-- transaction holds, or, when all are held, as a row of
-- capacity_pool_releases (only ever added, so that a release waits for no
-- one), which the next admission folds in. A pool's admissions are kept in eight stripes,
-- each with a share of the capacity (the shares sum to at most the
-- capacity): an admission locks one stripe with room that no other holds,
-- so that concurrent starts on one pool do not queue for one row, and only
-- when none has room locks them all and deals the shares again
-- (deal_pool_shares). A stripe may hold less than nothing: a release is
-- folded into whichever stripe folds it. Not dumped: restoring the jobs
-- fills them again.
CREATE TABLE tenant_scaling.capacity_pool_admitted (
    pool text NOT NULL REFERENCES tenant_scaling.capacity_pools (pool) ON UPDATE CASCADE ON DELETE CASCADE,
    stripe int NOT NULL CONSTRAINT admitted_stripe_range CHECK (stripe >= 0 AND stripe < 8),
    units int NOT NULL DEFAULT 0,
    jobs int NOT NULL DEFAULT 0,
    share int NOT NULL DEFAULT 0,
    PRIMARY KEY (pool, stripe)
) WITH (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.05);  -- rewritten by every start
COMMENT ON TABLE tenant_scaling.capacity_pool_admitted IS
'per pool and stripe: GPUs and jobs admitted, less the releases folded in so far, and the stripe''s share of the capacity; '
'an admission locks one stripe with room';
COMMENT ON COLUMN tenant_scaling.capacity_pool_admitted.pool IS 'the pool';
COMMENT ON COLUMN tenant_scaling.capacity_pool_admitted.stripe IS 'the stripe, 0 to 7';
COMMENT ON COLUMN tenant_scaling.capacity_pool_admitted.units IS
'GPUs of the jobs admitted through the stripe, less the releases it folded in (below 0 when it folded more than it admitted)';
COMMENT ON COLUMN tenant_scaling.capacity_pool_admitted.jobs IS 'jobs admitted through the stripe, less the releases it folded in';
COMMENT ON COLUMN tenant_scaling.capacity_pool_admitted.share IS
'GPUs the stripe may hold: an admission through it keeps units at most share; the pool''s shares sum to at most its capacity';
COMMENT ON INDEX tenant_scaling.capacity_pool_admitted_pkey IS 'eight rows per pool';
GRANT SELECT ON tenant_scaling.capacity_pool_admitted TO PUBLIC;
GRANT SELECT ON tenant_scaling.capacity_pool_admitted TO tenant_scaling_admin;

CREATE TABLE tenant_scaling.capacity_pool_releases (
    pool text NOT NULL REFERENCES tenant_scaling.capacity_pools (pool) ON UPDATE CASCADE ON DELETE CASCADE,
    units int NOT NULL CONSTRAINT released_units_not_negative CHECK (units >= 0),
    jobs int NOT NULL CONSTRAINT released_jobs_not_negative CHECK (jobs >= 0)
) WITH (autovacuum_vacuum_scale_factor = 0.05);  -- rows added by every finish, taken by the next admission
CREATE INDEX capacity_pool_releases_pool_idx ON tenant_scaling.capacity_pool_releases (pool);
COMMENT ON TABLE tenant_scaling.capacity_pool_releases IS
'GPUs released from each pool (jobs finished or preempted) while its stripes were held, not yet folded into capacity_pool_admitted';
COMMENT ON COLUMN tenant_scaling.capacity_pool_releases.pool IS 'the pool';
COMMENT ON COLUMN tenant_scaling.capacity_pool_releases.units IS 'GPUs released';
COMMENT ON COLUMN tenant_scaling.capacity_pool_releases.jobs IS 'jobs that released them';
COMMENT ON INDEX tenant_scaling.capacity_pool_releases_pool_idx IS 'a pool''s releases: what an admission folds in';
GRANT SELECT ON tenant_scaling.capacity_pool_releases TO PUBLIC;
GRANT SELECT ON tenant_scaling.capacity_pool_releases TO tenant_scaling_admin;

CREATE VIEW tenant_scaling.capacity_pool_usage AS
SELECT a.pool, a.units - coalesce(r.units, 0) AS units_in_use, a.jobs - coalesce(r.jobs, 0) AS running_jobs
FROM (SELECT s.pool, sum(s.units)::int AS units, sum(s.jobs)::int AS jobs
        FROM tenant_scaling.capacity_pool_admitted s GROUP BY s.pool) a
LEFT JOIN (SELECT x.pool, sum(x.units)::int AS units, sum(x.jobs)::int AS jobs
             FROM tenant_scaling.capacity_pool_releases x GROUP BY x.pool) r ON r.pool = a.pool;
COMMENT ON VIEW tenant_scaling.capacity_pool_usage IS
'per pool: the GPUs its running jobs hold and the running jobs (admitted less released; a release not yet committed still counts)';
GRANT SELECT ON tenant_scaling.capacity_pool_usage TO PUBLIC;
GRANT SELECT ON tenant_scaling.capacity_pool_usage TO tenant_scaling_admin;

-- Every stripe of a pool, locked in stripe order (the missing ones made
-- first): what an admission that found no stripe with room, a lowering of
-- the pool's capacity and the rebuild hold before they deal the shares.
CREATE FUNCTION tenant_scaling.lock_pool_stripes(of_pool text)
RETURNS void LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (SELECT count(*) FROM tenant_scaling.capacity_pool_admitted a WHERE a.pool = lock_pool_stripes.of_pool) < 8 THEN
        INSERT INTO tenant_scaling.capacity_pool_admitted (pool, stripe)
        SELECT lock_pool_stripes.of_pool, s.stripe FROM pg_catalog.generate_series(0, 7) s (stripe)
        ON CONFLICT DO NOTHING;
    END IF;
    PERFORM 1 FROM tenant_scaling.capacity_pool_admitted a WHERE a.pool = lock_pool_stripes.of_pool
     ORDER BY a.stripe FOR UPDATE;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.lock_pool_stripes(text) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.lock_pool_stripes(text) IS
'lock every admission stripe of the pool, in stripe order (the owner''s, for the capacity triggers and functions)';

-- With every stripe of the pool held (lock_pool_stripes): the releases
-- folded in, what the pool holds moved to stripe 0, and what is free dealt
-- out evenly as the stripes' shares. A capacity under what is in use (while
-- report_capacity_change preempts) gives every stripe a share far below
-- anything it could hold, so that no release taken out of a stripe makes
-- room there: only an admission that locks all the stripes and counts
-- against the capacity lets a job in, and deals the shares again.
CREATE FUNCTION tenant_scaling.deal_pool_shares(of_pool text, pool_capacity int)
RETURNS void LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    WITH folded AS (DELETE FROM tenant_scaling.capacity_pool_releases r WHERE r.pool = deal_pool_shares.of_pool
                    RETURNING r.units, r.jobs),
         held AS (SELECT s.units - (SELECT coalesce(sum(f.units), 0) FROM folded f)::int AS units,
                         s.jobs - (SELECT coalesce(sum(f.jobs), 0) FROM folded f)::int AS jobs,
                         deal_pool_shares.pool_capacity - s.units
                             + (SELECT coalesce(sum(f.units), 0) FROM folded f)::int AS free
                    FROM (SELECT sum(a.units)::int AS units, sum(a.jobs)::int AS jobs
                            FROM tenant_scaling.capacity_pool_admitted a
                           WHERE a.pool = deal_pool_shares.of_pool) s)
    UPDATE tenant_scaling.capacity_pool_admitted a
       SET units = CASE WHEN a.stripe = 0 THEN h.units ELSE 0 END,
           jobs = CASE WHEN a.stripe = 0 THEN h.jobs ELSE 0 END,
           share = CASE WHEN h.free < 0 THEN -1000000000
                        ELSE CASE WHEN a.stripe = 0 THEN h.units ELSE 0 END + h.free / 8 + (a.stripe < h.free % 8)::int
                   END
      FROM held h
     WHERE a.pool = deal_pool_shares.of_pool;
END
$$;
REVOKE EXECUTE ON FUNCTION tenant_scaling.deal_pool_shares(text, int) FROM PUBLIC;
COMMENT ON FUNCTION tenant_scaling.deal_pool_shares(text, int) IS
'with the pool''s stripes held: fold its releases, move what it holds to stripe 0 and deal the free capacity out as shares '
'(the owner''s, for the capacity triggers and functions)';

-- Quotas: Kueue's nominal quota, borrowing limit and fair-sharing weight,
-- per tier, and per tenant where a tenant's own row replaces its tier's.
CREATE TABLE tenant_scaling.capacity_quotas (
    tier text PRIMARY KEY REFERENCES tenant_scaling.tiers (tier) ON UPDATE CASCADE ON DELETE CASCADE,
    guaranteed_gpus int NOT NULL DEFAULT 0 CONSTRAINT guaranteed_gpus_range CHECK (guaranteed_gpus BETWEEN 0 AND 1000000),
    borrowing_limit_gpus int
        CONSTRAINT borrowing_limit_gpus_range CHECK (borrowing_limit_gpus BETWEEN 0 AND 1000000),
    fair_share_weight numeric NOT NULL DEFAULT 1
        CONSTRAINT fair_share_weight_finite_positive CHECK (fair_share_weight > 0 AND fair_share_weight < 'Infinity'),
    spot_allowed boolean NOT NULL DEFAULT true
);
INSERT INTO tenant_scaling.capacity_quotas (tier, guaranteed_gpus, borrowing_limit_gpus, fair_share_weight, spot_allowed)
VALUES
    ('basic', 0, 8, 1, true),
    ('standard', 0, 16, 2, true),
    ('premium', 8, NULL, 4, true),
    ('enterprise', 16, NULL, 8, false);
COMMENT ON TABLE tenant_scaling.capacity_quotas IS
'each tier''s GPU quota: guaranteed GPUs, how many more it may borrow of idle capacity, its fair-share weight, spot';
COMMENT ON COLUMN tenant_scaling.capacity_quotas.tier IS 'a tier of tenant_scaling.tiers';
COMMENT ON COLUMN tenant_scaling.capacity_quotas.guaranteed_gpus IS
'GPUs a tenant of the tier gets back by preemption of borrowed work when it waits for them (Kueue''s nominal quota)';
COMMENT ON COLUMN tenant_scaling.capacity_quotas.borrowing_limit_gpus IS
'GPUs beyond the guarantee a tenant may hold of idle capacity; NULL: all idle capacity (both at most 1,000,000)';
COMMENT ON COLUMN tenant_scaling.capacity_quotas.fair_share_weight IS
'share of idle capacity among borrowing tenants, in proportion to the weights (Kueue''s fair sharing)';
COMMENT ON COLUMN tenant_scaling.capacity_quotas.spot_allowed IS 'whether preemptible jobs of the tier''s tenants may run on spot pools';
COMMENT ON INDEX tenant_scaling.capacity_quotas_pkey IS 'one quota per tier';
CREATE TRIGGER capacity_quotas_merge_seed_row BEFORE INSERT ON tenant_scaling.capacity_quotas
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
GRANT SELECT ON tenant_scaling.capacity_quotas TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.capacity_quotas TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.capacity_quotas', '');

CREATE TABLE tenant_scaling.tenant_capacity_quotas (
    tenant_id uuid PRIMARY KEY,
    guaranteed_gpus int NOT NULL DEFAULT 0 CONSTRAINT guaranteed_gpus_range CHECK (guaranteed_gpus BETWEEN 0 AND 1000000),
    borrowing_limit_gpus int
        CONSTRAINT borrowing_limit_gpus_range CHECK (borrowing_limit_gpus BETWEEN 0 AND 1000000),
    fair_share_weight numeric NOT NULL DEFAULT 1
        CONSTRAINT fair_share_weight_finite_positive CHECK (fair_share_weight > 0 AND fair_share_weight < 'Infinity'),
    spot_allowed boolean NOT NULL DEFAULT true
);
SELECT pg_temp.check_shard_of_rows('tenant_capacity_quotas');
SELECT pg_temp.isolate_tenant_rows('tenant_capacity_quotas');
GRANT SELECT ON tenant_scaling.tenant_capacity_quotas TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.tenant_capacity_quotas TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_capacity_quotas', '');
COMMENT ON TABLE tenant_scaling.tenant_capacity_quotas IS
'a tenant''s own GPU quota: the whole row replaces its tier''s capacity_quotas row';
COMMENT ON COLUMN tenant_scaling.tenant_capacity_quotas.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_capacity_quotas.guaranteed_gpus IS 'GPUs guaranteed to the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_capacity_quotas.borrowing_limit_gpus IS
'GPUs beyond the guarantee the tenant may borrow; NULL: all idle capacity';
COMMENT ON COLUMN tenant_scaling.tenant_capacity_quotas.fair_share_weight IS 'the tenant''s fair-share weight';
COMMENT ON COLUMN tenant_scaling.tenant_capacity_quotas.spot_allowed IS 'whether the tenant''s preemptible jobs may run on spot pools';
COMMENT ON INDEX tenant_scaling.tenant_capacity_quotas_pkey IS 'one quota per tenant';
