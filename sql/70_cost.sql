--------------------------------------------------------------------------
-- Cost per tenant: usage, prices, the seed's cost view over running totals
--------------------------------------------------------------------------

CREATE TABLE tenant_scaling.tenant_resource_usage (
    usage_id bigint GENERATED ALWAYS AS IDENTITY,
    tenant_id uuid NOT NULL,
    scaling_tier text NOT NULL,
    usage_date date NOT NULL DEFAULT CURRENT_DATE,
    cpu_hours numeric NOT NULL DEFAULT 0
        CONSTRAINT cpu_hours_finite_not_negative CHECK (cpu_hours >= 0 AND cpu_hours < 'Infinity'),
    gpu_hours numeric NOT NULL DEFAULT 0
        CONSTRAINT gpu_hours_finite_not_negative CHECK (gpu_hours >= 0 AND gpu_hours < 'Infinity'),
    storage_gb_days numeric NOT NULL DEFAULT 0
        CONSTRAINT storage_gb_days_finite_not_negative CHECK (storage_gb_days >= 0 AND storage_gb_days < 'Infinity'),
    network_gb numeric NOT NULL DEFAULT 0
        CONSTRAINT network_gb_finite_not_negative CHECK (network_gb >= 0 AND network_gb < 'Infinity'),
    cpu_utilization numeric CONSTRAINT cpu_utilization_fraction CHECK (cpu_utilization BETWEEN 0 AND 1),
    memory_utilization numeric CONSTRAINT memory_utilization_fraction CHECK (memory_utilization BETWEEN 0 AND 1),
    training_jobs bigint,
    inference_endpoints text CONSTRAINT inference_endpoints_length CHECK (pg_catalog.length(inference_endpoints) <= 253)
) PARTITION BY RANGE (usage_date);
SELECT pg_temp.default_partition('tenant_resource_usage', ARRAY[
    'pkey', 'PRIMARY KEY (usage_id, usage_date)', 'usage rows by id',
    'tenant_date_idx', '(tenant_id, usage_date)', 'a tenant''s usage by date']);
SELECT pg_temp.isolate_tenant_rows('tenant_resource_usage');
-- append-only: operators add usage, nobody rewrites or truncates it
GRANT SELECT ON tenant_scaling.tenant_resource_usage TO PUBLIC;
GRANT SELECT, INSERT ON tenant_scaling.tenant_resource_usage TO tenant_scaling_admin;
GRANT SELECT ON SEQUENCE tenant_scaling.tenant_resource_usage_usage_id_seq TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_resource_usage', '');
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_resource_usage_usage_id_seq', '');
COMMENT ON TABLE tenant_scaling.tenant_resource_usage IS
'append-only ledger of resource usage: the seed''s cost view is built from running totals of it (a partition a month)';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.usage_id IS 'the usage row''s id';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.tenant_id IS 'the tenant that used the resources';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.scaling_tier IS 'the tenant''s tier for this usage; the cost view groups by it';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.usage_date IS 'the day of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.cpu_hours IS 'cpu used, cpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.gpu_hours IS 'gpu used, gpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.storage_gb_days IS 'storage used, GB-days';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.network_gb IS 'network traffic, GB';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.cpu_utilization IS 'fraction of the allocated cpu used, 0..1';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.memory_utilization IS 'fraction of the allocated memory used, 0..1';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.training_jobs IS 'the training job the usage belongs to, if any';
COMMENT ON COLUMN tenant_scaling.tenant_resource_usage.inference_endpoints IS 'the inference endpoint the usage belongs to, if any';
COMMENT ON SEQUENCE tenant_scaling.tenant_resource_usage_usage_id_seq IS 'usage ids of tenant_resource_usage (identity)';

CREATE TABLE tenant_scaling.resource_prices (
    resource text PRIMARY KEY
        CONSTRAINT resource_known CHECK (resource IN ('cpu_hour', 'gpu_hour', 'storage_gb_day', 'network_gb')),
    unit_price numeric NOT NULL
        CONSTRAINT unit_price_finite_not_negative CHECK (unit_price >= 0 AND unit_price < 'Infinity'),
    currency text NOT NULL DEFAULT 'USD'
);
COMMENT ON TABLE tenant_scaling.resource_prices IS 'unit prices the cost view multiplies usage by; operators edit them';
COMMENT ON COLUMN tenant_scaling.resource_prices.resource IS 'cpu_hour, gpu_hour, storage_gb_day or network_gb';
COMMENT ON COLUMN tenant_scaling.resource_prices.unit_price IS 'price of one unit of the resource, in currency';
COMMENT ON COLUMN tenant_scaling.resource_prices.currency IS 'currency of unit_price; the cost view adds prices without converting';
COMMENT ON INDEX tenant_scaling.resource_prices_pkey IS 'one price per resource';
INSERT INTO tenant_scaling.resource_prices (resource, unit_price) VALUES
    ('cpu_hour', 0.048), ('gpu_hour', 2.48), ('storage_gb_day', 0.0033), ('network_gb', 0.09);
CREATE TRIGGER resource_prices_merge_seed_row BEFORE INSERT ON tenant_scaling.resource_prices
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.merge_seed_row();
GRANT SELECT ON tenant_scaling.resource_prices TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.resource_prices TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.resource_prices', '');

-- Running totals per (tenant, tier), kept by statement triggers as usage arrives:
-- sums, the sum and count of each utilization and their quotient, the average
-- (as numeric avg() computes it), computed when the group changes so that a
-- refresh divides nothing; distinct jobs and endpoints are counted exactly from
-- the set of values seen.
CREATE TABLE tenant_scaling.tenant_usage_totals (
    tenant_id uuid NOT NULL,
    scaling_tier text NOT NULL,
    usage_rows bigint NOT NULL,
    total_cpu_hours numeric NOT NULL,
    total_gpu_hours numeric NOT NULL,
    total_storage numeric NOT NULL,
    total_network numeric NOT NULL,
    cpu_util_sum numeric,
    cpu_util_count bigint NOT NULL,
    memory_util_sum numeric,
    memory_util_count bigint NOT NULL,
    avg_cpu_util numeric,
    avg_memory_util numeric,
    distinct_training_jobs bigint NOT NULL,
    distinct_inference_endpoints bigint NOT NULL,
    first_usage_date date NOT NULL,
    last_usage_date date NOT NULL,
    PRIMARY KEY (tenant_id, scaling_tier)
);
SELECT pg_temp.isolate_tenant_rows('tenant_usage_totals');
GRANT SELECT ON tenant_scaling.tenant_usage_totals TO PUBLIC;
GRANT SELECT ON tenant_scaling.tenant_usage_totals TO tenant_scaling_admin;
-- dumped: a restore copies the usage into its partitions, where no trigger rebuilds them
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_usage_totals', '');
COMMENT ON TABLE tenant_scaling.tenant_usage_totals IS
'running totals of tenant_resource_usage per tenant and tier, kept by triggers; the cost view reads these';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.scaling_tier IS 'the scaling_tier of the usage summed';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.usage_rows IS 'usage rows summed';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.total_cpu_hours IS 'sum of cpu_hours, cpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.total_gpu_hours IS 'sum of gpu_hours, gpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.total_storage IS 'sum of storage_gb_days, GB-days';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.total_network IS 'sum of network_gb, GB';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.cpu_util_sum IS 'sum of the cpu_utilization values given; NULL when none was';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.cpu_util_count IS 'usage rows with a cpu_utilization';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.memory_util_sum IS 'sum of the memory_utilization values given; NULL when none was';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.memory_util_count IS 'usage rows with a memory_utilization';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.avg_cpu_util IS
'cpu_util_sum / cpu_util_count, as avg(cpu_utilization) computes it, 0..1; NULL when none was given';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.avg_memory_util IS
'memory_util_sum / memory_util_count, as avg(memory_utilization) computes it, 0..1; NULL when none was given';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.distinct_training_jobs IS 'distinct training_jobs values of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.distinct_inference_endpoints IS 'distinct inference_endpoints values of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.first_usage_date IS 'the earliest usage_date';
COMMENT ON COLUMN tenant_scaling.tenant_usage_totals.last_usage_date IS 'the latest usage_date';
COMMENT ON INDEX tenant_scaling.tenant_usage_totals_pkey IS 'one row per tenant and tier';

CREATE TABLE tenant_scaling.tenant_usage_distinct (
    tenant_id uuid NOT NULL,
    scaling_tier text NOT NULL,
    kind "char" NOT NULL CONSTRAINT kind_valid CHECK (kind IN ('j', 'e')),
    value text NOT NULL,
    PRIMARY KEY (tenant_id, scaling_tier, kind, value)
);
SELECT pg_temp.isolate_tenant_rows('tenant_usage_distinct');
GRANT SELECT ON tenant_scaling.tenant_usage_distinct TO PUBLIC;
GRANT SELECT ON tenant_scaling.tenant_usage_distinct TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.tenant_usage_distinct', '');
COMMENT ON TABLE tenant_scaling.tenant_usage_distinct IS
'the distinct training jobs (j) and inference endpoints (e) of each tenant and tier''s usage';
COMMENT ON COLUMN tenant_scaling.tenant_usage_distinct.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_usage_distinct.scaling_tier IS 'the scaling_tier of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_usage_distinct.kind IS 'j: a training job, e: an inference endpoint';
COMMENT ON COLUMN tenant_scaling.tenant_usage_distinct.value IS 'a training_jobs (as text) or inference_endpoints value of the usage';
COMMENT ON INDEX tenant_scaling.tenant_usage_distinct_pkey IS
'each value once per tenant, tier and kind: an insert that conflicts is a value seen before';

CREATE FUNCTION tenant_scaling.maintain_usage_totals()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_maintain_usage_totals'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tenant_scaling.maintain_usage_totals() IS
'AFTER INSERT and TRUNCATE statement trigger of tenant_resource_usage: keeps the running totals';
REVOKE EXECUTE ON FUNCTION tenant_scaling.maintain_usage_totals() FROM PUBLIC;
CREATE TRIGGER tenant_resource_usage_totals AFTER INSERT ON tenant_scaling.tenant_resource_usage
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_usage_totals();
CREATE TRIGGER tenant_resource_usage_totals_truncate AFTER TRUNCATE ON tenant_scaling.tenant_resource_usage
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_scaling.maintain_usage_totals();
ALTER TABLE tenant_scaling.tenant_resource_usage ENABLE ALWAYS TRIGGER tenant_resource_usage_totals;
ALTER TABLE tenant_scaling.tenant_resource_usage ENABLE ALWAYS TRIGGER tenant_resource_usage_totals_truncate;

CREATE FUNCTION tenant_scaling.reject_usage_change()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ts_reject_usage_change'
LANGUAGE C;
COMMENT ON FUNCTION tenant_scaling.reject_usage_change() IS
'BEFORE UPDATE OR DELETE trigger of tenant_resource_usage: the ledger is append-only';
REVOKE EXECUTE ON FUNCTION tenant_scaling.reject_usage_change() FROM PUBLIC;
CREATE TRIGGER tenant_resource_usage_append_only BEFORE UPDATE OR DELETE ON tenant_scaling.tenant_resource_usage
    FOR EACH ROW EXECUTE FUNCTION tenant_scaling.reject_usage_change();

-- The seed's cost dashboard: exactly its columns and provisioning rule, then the
-- cost at current prices; built from the running totals, so a refresh reads one
-- row per tenant and tier, not the history.
CREATE MATERIALIZED VIEW tenant_scaling.tenant_cost_optimization AS
SELECT t.tenant_id,
       t.scaling_tier,
       t.total_cpu_hours,
       t.total_gpu_hours,
       t.total_storage,
       t.total_network,
       t.avg_cpu_util,
       t.avg_memory_util,
       t.distinct_training_jobs AS training_jobs_count,
       t.distinct_inference_endpoints AS inference_endpoints_count,
       CASE
           WHEN t.avg_cpu_util < 0.4 AND t.avg_memory_util < 0.4 THEN 'over_provisioned'
           WHEN t.avg_cpu_util > 0.8 AND t.avg_memory_util > 0.8 THEN 'under_provisioned'
           ELSE 'appropriately_provisioned'
       END AS provisioning_status,
       t.total_cpu_hours * p.cpu_hour + t.total_gpu_hours * p.gpu_hour
           + t.total_storage * p.storage_gb_day + t.total_network * p.network_gb AS total_cost
FROM tenant_scaling.tenant_usage_totals t
CROSS JOIN (SELECT max(unit_price) FILTER (WHERE resource = 'cpu_hour') AS cpu_hour,
                   max(unit_price) FILTER (WHERE resource = 'gpu_hour') AS gpu_hour,
                   max(unit_price) FILTER (WHERE resource = 'storage_gb_day') AS storage_gb_day,
                   max(unit_price) FILTER (WHERE resource = 'network_gb') AS network_gb
            FROM tenant_scaling.resource_prices) p
WHERE t.usage_rows > 0;
CREATE UNIQUE INDEX tenant_cost_optimization_key ON tenant_scaling.tenant_cost_optimization (tenant_id, scaling_tier);
GRANT SELECT ON tenant_scaling.tenant_cost_optimization TO tenant_scaling_admin;
COMMENT ON MATERIALIZED VIEW tenant_scaling.tenant_cost_optimization IS
'the seed''s cost dashboard per tenant and tier, plus total_cost at current prices; refresh_cost_optimization_view() refreshes it';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.tenant_id IS 'the tenant';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.scaling_tier IS 'the scaling_tier of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.total_cpu_hours IS 'cpu used, cpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.total_gpu_hours IS 'gpu used, gpu hours';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.total_storage IS 'storage used, GB-days';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.total_network IS 'network traffic, GB';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.avg_cpu_util IS 'average cpu_utilization, 0..1';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.avg_memory_util IS 'average memory_utilization, 0..1';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.training_jobs_count IS 'distinct training jobs of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.inference_endpoints_count IS 'distinct inference endpoints of the usage';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.provisioning_status IS
'over_provisioned (average cpu and memory below 0.4), under_provisioned (both above 0.8), else appropriately_provisioned';
COMMENT ON COLUMN tenant_scaling.tenant_cost_optimization.total_cost IS 'the usage at the resource_prices of the last refresh, in their currency';
COMMENT ON INDEX tenant_scaling.tenant_cost_optimization_key IS 'one row per tenant and tier, which REFRESH ... CONCURRENTLY needs';

-- SECURITY DEFINER: only a materialized view's owner may refresh it, and
-- operators (and the scheduler's cycles they run) refresh this one
CREATE FUNCTION tenant_scaling.refresh_cost_optimization_view()
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ REFRESH MATERIALIZED VIEW CONCURRENTLY tenant_scaling.tenant_cost_optimization $$;
COMMENT ON FUNCTION tenant_scaling.refresh_cost_optimization_view() IS
'refresh the cost view concurrently: readers are never blocked';
REVOKE EXECUTE ON FUNCTION tenant_scaling.refresh_cost_optimization_view() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_scaling.refresh_cost_optimization_view() TO tenant_scaling_admin;

-- Right-sizing: for each over- or under-provisioned tenant, the next tier down or
-- up and what it would save or cost per month at current prices, assuming cost
-- scales with the tier's resource multiplier at the tenant's usage rate so far.
CREATE VIEW tenant_scaling.cost_right_sizing AS
SELECT c.tenant_id,
       c.scaling_tier AS current_tier,
       c.provisioning_status,
       CASE WHEN n.tier IS NULL AND c.provisioning_status = 'over_provisioned' THEN 'already on the lowest tier'
            WHEN n.tier IS NULL THEN 'already on the highest tier'
            WHEN c.provisioning_status = 'over_provisioned' THEN 'downsize'
            ELSE 'upsize' END AS recommendation,
       n.tier AS suggested_tier,
       round(c.total_cost / (t.last_usage_date - t.first_usage_date + 1) * 30, 2) AS monthly_cost,
       round(c.total_cost / (t.last_usage_date - t.first_usage_date + 1) * 30
             * (n.resource_multiplier / cur.resource_multiplier - 1), 2) AS monthly_change
FROM tenant_scaling.tenant_cost_optimization c
JOIN tenant_scaling.tenant_usage_totals t USING (tenant_id, scaling_tier)
JOIN tenant_scaling.tiers cur ON cur.tier = c.scaling_tier
LEFT JOIN LATERAL (SELECT x.tier, x.resource_multiplier FROM tenant_scaling.tiers x
              WHERE CASE c.provisioning_status
                        WHEN 'over_provisioned' THEN x.tier_rank < cur.tier_rank
                        ELSE x.tier_rank > cur.tier_rank END
              ORDER BY CASE WHEN c.provisioning_status = 'over_provisioned' THEN -x.tier_rank ELSE x.tier_rank END
              LIMIT 1) n ON true
WHERE c.provisioning_status IN ('over_provisioned', 'under_provisioned');
GRANT SELECT ON tenant_scaling.cost_right_sizing TO tenant_scaling_admin;
COMMENT ON VIEW tenant_scaling.cost_right_sizing IS
'over- and under-provisioned tenants: the next lower or higher tier and the monthly saving (negative) or extra cost';
