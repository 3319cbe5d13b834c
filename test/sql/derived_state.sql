-- Derived state kept by triggers: always equal to what the source tables say.
SET search_path = tenant_scaling, public;

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
