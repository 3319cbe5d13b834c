-- Derived state kept by triggers: always equal to what the source tables say.
SET search_path = tenant_scaling, public;

-- the outcome of a statement, in a word: rows affected, or the SQLSTATE and message
CREATE FUNCTION pg_temp.ts_try(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE statement;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN 'ok, ' || n || ' rows';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- the differences between the derived tables and their definition over the sources
CREATE FUNCTION pg_temp.drift() RETURNS TABLE (what text, n bigint) LANGUAGE sql AS $$
    WITH expected_inputs AS (
        SELECT t.tenant_id, s.queue_size, s.avg_wait_time_seconds, s.max_wait_time_seconds,
               s.processing_rate_per_minute, s.timestamp AS stats_at,
               coalesce(w.active, 0) AS active_workers, coalesce(w.provisioning, 0) AS provisioning_workers
        FROM (SELECT tenant_id FROM tenant_scaling.training_queue_stats
              UNION SELECT tenant_id FROM tenant_scaling.tenant_training_workers) t
        LEFT JOIN LATERAL (SELECT * FROM tenant_scaling.training_queue_stats q WHERE q.tenant_id = t.tenant_id
                           ORDER BY q.timestamp DESC LIMIT 1) s ON true
        LEFT JOIN (SELECT tenant_id, count(*) FILTER (WHERE status = 'active') AS active,
                          count(*) FILTER (WHERE status = 'provisioning') AS provisioning
                   FROM tenant_scaling.tenant_training_workers GROUP BY tenant_id) w ON w.tenant_id = t.tenant_id
    ), actual_inputs AS (
        SELECT tenant_id, queue_size, avg_wait_time_seconds, max_wait_time_seconds, processing_rate_per_minute,
               stats_at, active_workers, provisioning_workers
        FROM tenant_scaling.tenant_training_inputs
        -- a tenant whose rows are all gone keeps an empty row
        WHERE stats_at IS NOT NULL OR active_workers <> 0 OR provisioning_workers <> 0
    ), expected_metrics AS (
        SELECT DISTINCT ON (endpoint_id) endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second
        FROM tenant_scaling.endpoint_metrics ORDER BY endpoint_id, ts DESC
    )
    SELECT 'inputs', count(*) FROM ((SELECT * FROM expected_inputs WHERE stats_at IS NOT NULL OR active_workers + provisioning_workers > 0
                                     EXCEPT SELECT * FROM actual_inputs)
                                    UNION ALL (SELECT * FROM actual_inputs EXCEPT SELECT * FROM expected_inputs)) d
    UNION ALL
    SELECT 'metrics', count(*) FROM ((SELECT * FROM expected_metrics EXCEPT SELECT * FROM tenant_scaling.endpoint_metrics_latest)
                                     UNION ALL (SELECT * FROM tenant_scaling.endpoint_metrics_latest EXCEPT SELECT * FROM expected_metrics)) d
$$;

-- queue samples: bulk, out of order, then deletes of the newest, updates, truncate
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
SELECT ('a1000000-0000-0000-0000-' || lpad((n % 50)::text, 12, '0'))::uuid, n % 17, n % 400,
       '2026-01-01'::timestamptz + make_interval(secs => (n * 7919) % 10007)
FROM generate_series(1, 2000) n;
SELECT * FROM pg_temp.drift();
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
VALUES ('a1000000-0000-0000-0000-000000000001', 99, 999, '2025-01-01');   -- older: changes nothing
SELECT queue_size <> 99 AS older_sample_ignored FROM tenant_training_inputs
WHERE tenant_id = 'a1000000-0000-0000-0000-000000000001';
DELETE FROM training_queue_stats q
WHERE timestamp = (SELECT max(timestamp) FROM training_queue_stats r WHERE r.tenant_id = q.tenant_id);
SELECT * FROM pg_temp.drift();
UPDATE training_queue_stats SET timestamp = timestamp + interval '1 day'
WHERE tenant_id = 'a1000000-0000-0000-0000-000000000002' AND queue_size = 3;
UPDATE training_queue_stats SET queue_size = queue_size + 1 WHERE tenant_id = 'a1000000-0000-0000-0000-000000000003';
SELECT * FROM pg_temp.drift();
DELETE FROM training_queue_stats WHERE tenant_id = 'a1000000-0000-0000-0000-000000000004';
SELECT stats_at IS NULL AS no_sample_left FROM tenant_training_inputs
WHERE tenant_id = 'a1000000-0000-0000-0000-000000000004';
SELECT * FROM pg_temp.drift();

-- workers: inserts, status changes, deletes
INSERT INTO tenant_training_workers (tenant_id, status)
SELECT ('a1000000-0000-0000-0000-' || lpad((n % 60)::text, 12, '0'))::uuid,
       (ARRAY['provisioning', 'active', 'draining', 'terminated'])[1 + n % 4]
FROM generate_series(1, 600) n;
SELECT * FROM pg_temp.drift();
UPDATE tenant_training_workers SET status = 'active' WHERE status = 'provisioning' AND worker_id % 3 = 0;
UPDATE tenant_training_workers SET status = 'terminated' WHERE status = 'active' AND worker_id % 5 = 0;
UPDATE tenant_training_workers SET tenant_id = 'a1000000-0000-0000-0000-000000000099' WHERE worker_id % 7 = 0;
DELETE FROM tenant_training_workers WHERE worker_id % 11 = 0;
SELECT * FROM pg_temp.drift();

-- metrics: bulk, newest deleted, an endpoint deleted
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier) VALUES ('a1000000-0000-0000-0000-000000000001', 'basic');
INSERT INTO inference_endpoints (endpoint_id, tenant_id)
SELECT 'm-' || n, 'a1000000-0000-0000-0000-000000000001' FROM generate_series(1, 10) n;
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT 'm-' || (1 + n % 10), 'a1000000-0000-0000-0000-000000000001',
       '2026-01-01'::timestamptz + make_interval(secs => (n * 7919) % 10007), n % 100, n % 90, n % 300, n % 50
FROM generate_series(1, 500) n;
SELECT * FROM pg_temp.drift();
DELETE FROM endpoint_metrics m WHERE ts = (SELECT max(ts) FROM endpoint_metrics k WHERE k.endpoint_id = m.endpoint_id);
UPDATE endpoint_metrics SET cpu_avg = 1 WHERE endpoint_id = 'm-2';
DELETE FROM endpoint_metrics WHERE endpoint_id = 'm-3';
DELETE FROM inference_endpoints WHERE endpoint_id = 'm-4';
SELECT * FROM pg_temp.drift();
SELECT count(*) AS latest_rows FROM endpoint_metrics_latest;

-- endpoint_metrics has no foreign key of its own: every statement's rows
-- reach endpoint_metrics_latest's, so an unknown endpoint, or another
-- tenant's, fails the whole statement, in a batch too, and leaves nothing
INSERT INTO inference_endpoints (endpoint_id, tenant_id) VALUES ('m-other', 'a1000000-0000-0000-0000-000000000002');
SELECT pg_temp.ts_try($$INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, cpu_avg)
                VALUES ('m-nowhere', 'a1000000-0000-0000-0000-000000000001', 50)$$);
SELECT pg_temp.ts_try($$INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, cpu_avg)
                VALUES ('m-other', 'a1000000-0000-0000-0000-000000000001', 50)$$);
SELECT pg_temp.ts_try($$INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
                SELECT 'm-' || n, 'a1000000-0000-0000-0000-000000000001', '2026-02-01', 50 FROM generate_series(5, 10) n
                UNION ALL SELECT 'm-5', 'a1000000-0000-0000-0000-000000000002'::uuid, '2026-01-01', 50$$);
SELECT pg_temp.ts_try($$UPDATE tenant_scaling.endpoint_metrics SET tenant_id = 'a1000000-0000-0000-0000-000000000002'
                WHERE endpoint_id = 'm-6' AND ts < '2026-01-01 01:00'$$);
SELECT count(*) FILTER (WHERE ts >= '2026-02-01') AS batch_rows_kept,
       count(*) FILTER (WHERE endpoint_id IN ('m-nowhere', 'm-other')) AS stray_rows_kept,
       count(*) FILTER (WHERE tenant_id <> 'a1000000-0000-0000-0000-000000000001') AS foreign_rows_kept
FROM endpoint_metrics;
-- an endpoint's history follows it: renamed, moved to another tenant, deleted
SELECT count(*) AS m5_samples FROM endpoint_metrics WHERE endpoint_id = 'm-5';
UPDATE inference_endpoints SET endpoint_id = 'm-5-renamed' WHERE endpoint_id = 'm-5';
UPDATE inference_endpoints SET tenant_id = 'a1000000-0000-0000-0000-000000000002' WHERE endpoint_id = 'm-6';
SELECT endpoint_id, tenant_id, count(*) FROM endpoint_metrics WHERE endpoint_id IN ('m-5', 'm-5-renamed', 'm-6')
GROUP BY 1, 2 ORDER BY 1;
SELECT * FROM pg_temp.drift();
DELETE FROM inference_endpoints WHERE endpoint_id IN ('m-5-renamed', 'm-6', 'm-other');
SELECT count(*) AS history_of_deleted FROM endpoint_metrics WHERE endpoint_id IN ('m-5-renamed', 'm-6', 'm-4');
SELECT * FROM pg_temp.drift();

-- any mix of batches, single rows, out-of-order samples, updates and deletes
SELECT setseed(0.42);
DO $$
DECLARE
    step int;
    ep text;
BEGIN
    FOR step IN 1..300 LOOP
        ep := 'm-' || (1 + floor(random() * 10))::int;
        CASE floor(random() * 5)::int
        WHEN 0 THEN     -- a batch of every endpoint left, at random times, some twice
            INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
            SELECT e.endpoint_id, e.tenant_id, '2026-01-01'::timestamptz + random() * interval '5 days', random() * 100
              FROM tenant_scaling.inference_endpoints e, generate_series(1, 2)
             WHERE e.endpoint_id LIKE 'm-%';
        WHEN 1 THEN     -- one sample, newest
            INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
            SELECT endpoint_id, tenant_id, '2026-01-06'::timestamptz + step * interval '1 second', 1
              FROM tenant_scaling.inference_endpoints WHERE endpoint_id = ep;
        WHEN 2 THEN     -- one sample, out of order
            INSERT INTO tenant_scaling.endpoint_metrics (endpoint_id, tenant_id, ts, cpu_avg)
            SELECT endpoint_id, tenant_id, '2025-12-01'::timestamptz + random() * interval '30 days', 2
              FROM tenant_scaling.inference_endpoints WHERE endpoint_id = ep;
        WHEN 3 THEN     -- samples moved in time
            UPDATE tenant_scaling.endpoint_metrics SET ts = ts - random() * interval '2 days'
             WHERE endpoint_id = ep AND random() < 0.3;
        ELSE            -- samples deleted, the newest among them at times
            DELETE FROM tenant_scaling.endpoint_metrics WHERE endpoint_id = ep AND random() < 0.2;
        END CASE;
    END LOOP;
END
$$;
SELECT * FROM pg_temp.drift();

-- TRUNCATE empties the derived state too
TRUNCATE endpoint_metrics;
TRUNCATE training_queue_stats;
TRUNCATE tenant_training_workers;
SELECT count(*) AS latest_rows FROM endpoint_metrics_latest;
SELECT count(*) AS inputs_with_data FROM tenant_training_inputs
WHERE stats_at IS NOT NULL OR active_workers <> 0 OR provisioning_workers <> 0;
SELECT * FROM pg_temp.drift();

-- the triggers fire with session_replication_role = replica too (logical replication)
SET session_replication_role = replica;
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds)
VALUES ('a1000000-0000-0000-0000-000000000007', 12, 400);
RESET session_replication_role;
SELECT queue_size FROM tenant_training_inputs WHERE tenant_id = 'a1000000-0000-0000-0000-000000000007';

DELETE FROM training_queue_stats;
DELETE FROM tenant_training_inputs;
DELETE FROM inference_endpoints;
DELETE FROM tenant_scaling_config;
