-- Warm pools: an endpoint's pre-initialised replicas (warm_pool_size), passed
-- to the actuator with each decision, and modelled by the simulator.
SET search_path = tenant_scaling, public;
\set SHOW_CONTEXT never
\set VERBOSITY terse

INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, auto_scaling_enabled)
VALUES ('7e000000-0000-0000-0000-000000000001', 'premium', true);
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, min_replicas,
                                 max_replicas, target_rps, replica_capacity_rps, warm_pool_size)
VALUES ('wp-chat', '7e000000-0000-0000-0000-000000000001', 2, 2, 1, 20, 100, 50, 4);
-- never negative
UPDATE inference_endpoints SET warm_pool_size = -1 WHERE endpoint_id = 'wp-chat';
INSERT INTO inference_endpoints (endpoint_id, tenant_id) VALUES ('wp-new', '7e000000-0000-0000-0000-000000000001');
SELECT endpoint_id, warm_pool_size FROM inference_endpoints WHERE tenant_id = '7e000000-0000-0000-0000-000000000001' ORDER BY 1;
\set VERBOSITY default

-- the decision's event tells the actuator the pool it keeps
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
VALUES ('wp-chat', '7e000000-0000-0000-0000-000000000001', 100, 60, 400, 300);
SELECT * FROM scale_inference_endpoint('7e000000-0000-0000-0000-000000000001', 'wp-chat');
SELECT resource_id, new_count, (inputs->>'warm_pool_size')::int AS warm_pool_size FROM scaling_events
WHERE tenant_id = '7e000000-0000-0000-0000-000000000001';

-- the simulator: a jump from 50 to 400 rps at step 21; without a pool the new replicas start
-- cold (90 s), with 8 warm ones they serve after 10 s; the pool refills behind them
SELECT pool, count(*) FILTER (WHERE ready_replicas = 0 OR latency_p95_ms > 200) AS breach_steps,
       min(warm_replicas) AS least_warm, max(warm_replicas) AS most_warm,
       (array_agg(warm_replicas ORDER BY step_no DESC))[1] AS warm_at_end
FROM (VALUES (0), (8)) p(pool),
     LATERAL simulate_inference_scaling(array_cat(array_cat(array_fill(50::numeric, ARRAY[20]),
                                                            array_fill(400::numeric, ARRAY[60])),
                                                  array_fill(50::numeric, ARRAY[60])),
                                        50, NULL, 2, 1, 40, configured_capacity_rps => 50,
                                        warm_pool_size => p.pool, warm_start => '10 seconds') s
GROUP BY pool ORDER BY pool;
-- bad input
SELECT count(*) FROM simulate_inference_scaling('{1}', 50, warm_pool_size => -1);
SELECT count(*) FROM simulate_inference_scaling('{1}', 50, warm_pool_size => 100001);
SELECT count(*) FROM simulate_inference_scaling('{1}', 50, warm_start => '-1 seconds');
SELECT count(*) FROM simulate_inference_scaling('{1}', 50, warm_start => NULL);

DELETE FROM inference_endpoints WHERE tenant_id = '7e000000-0000-0000-0000-000000000001';
DELETE FROM scaling_events WHERE tenant_id = '7e000000-0000-0000-0000-000000000001';
DELETE FROM tenant_scaling_config WHERE tenant_id = '7e000000-0000-0000-0000-000000000001';
