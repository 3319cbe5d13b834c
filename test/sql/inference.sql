-- inference_scaling_decision (README, inference_scaling_decision): cpu and memory in percent.
SET search_path = tenant_scaling, public;

-- scale out when any metric is above its high threshold; exactly at it is not above
SELECT * FROM inference_scaling_decision(80, 10, 10, 1, 10, 3);
SELECT * FROM inference_scaling_decision(80.0001, 10, 10, 1, 10, 3);
SELECT * FROM inference_scaling_decision(10, 80, 10, 1, 10, 3);
SELECT * FROM inference_scaling_decision(10, 80.5, 10, 1, 10, 3);
SELECT * FROM inference_scaling_decision(10, 10, 200, 1, 10, 3);
SELECT * FROM inference_scaling_decision(10, 10, 200.01, 1, 10, 3);
SELECT * FROM inference_scaling_decision(10, 10, 10, 12, 10, 3);
SELECT * FROM inference_scaling_decision(10, 10, 10, 12.01, 10, 3);
-- exact decimal arithmetic: 0.7 * 1.2 is 0.84, not 0.84000000000000008
SELECT * FROM inference_scaling_decision(10, 10, 10, 0.84, 0.7, 3);
SELECT * FROM inference_scaling_decision(10, 10, 10, 0.8400000001, 0.7, 3);
SELECT * FROM inference_scaling_decision(10, 10, 10, 3.96, 3.3, 3);
-- every trigger is named
SELECT * FROM inference_scaling_decision(95, 90, 250, 100, 10, 3);

-- scale in when all four are below their low thresholds
SELECT * FROM inference_scaling_decision(29.9, 29.9, 49.9, 4.9, 10, 3);
SELECT * FROM inference_scaling_decision(30, 29.9, 49.9, 4.9, 10, 3);
SELECT * FROM inference_scaling_decision(29.9, 30, 49.9, 4.9, 10, 3);
SELECT * FROM inference_scaling_decision(29.9, 29.9, 50, 4.9, 10, 3);
SELECT * FROM inference_scaling_decision(29.9, 29.9, 49.9, 5, 10, 3);
SELECT * FROM inference_scaling_decision(29.9, 29.9, 49.9, 0.35, 0.7, 3);
SELECT * FROM inference_scaling_decision(29.9, 29.9, 49.9, 0.3499, 0.7, 3);
-- between the thresholds: no change
SELECT * FROM inference_scaling_decision(50, 50, 100, 10, 10, 3);

-- departs: at a bound the action is none, with the bound as reason
SELECT * FROM inference_scaling_decision(95, 10, 10, 1, 10, 10);
SELECT * FROM inference_scaling_decision(1, 1, 1, 0, 10, 1);
SELECT * FROM inference_scaling_decision(95, 10, 10, 1, 10, 4, 2, 4);
SELECT * FROM inference_scaling_decision(1, 1, 1, 0, 10, 2, 2, 4);
-- outside the bounds the count is brought back inside them
SELECT * FROM inference_scaling_decision(50, 50, 100, 10, 10, 12);
SELECT * FROM inference_scaling_decision(50, 50, 100, 10, 10, 1, 3, 10);
-- min_replicas 0 allows scaling to zero
SELECT * FROM inference_scaling_decision(1, 1, 1, 0, 10, 1, 0, 10);

-- NULL metrics: never a scale-in; a scale-out only from a known metric
SELECT * FROM inference_scaling_decision(NULL, 1, 1, 0, 10, 3);
SELECT * FROM inference_scaling_decision(1, 1, 1, 0, NULL, 3);
SELECT * FROM inference_scaling_decision(1, 1, NULL, 0, 10, 3);
SELECT * FROM inference_scaling_decision(NULL, NULL, 250, NULL, NULL, 3);
SELECT * FROM inference_scaling_decision(NULL, NULL, NULL, 100, NULL, 3);
SELECT * FROM inference_scaling_decision(NULL, NULL, NULL, NULL, NULL, 3);

-- per-tenant rules
SELECT * FROM inference_scaling_decision(75, 10, 10, 1, 10, 3, rules => '{"inference": {"cpu_high": 0.7, "step": 3}}');
SELECT * FROM inference_scaling_decision(70, 10, 10, 1, 10, 3, rules => '{"inference": {"cpu_high": 0.7}}');
SELECT * FROM inference_scaling_decision(75, 10, 10, 1, 10, 9, rules => '{"inference": {"cpu_high": 0.7, "step": 3}}');
SELECT * FROM inference_scaling_decision(39, 39, 99, 1, 10, 5, rules => '{"inference": {"cpu_low": 0.4, "memory_low": 0.4, "latency_p95_low_ms": 100, "step": 2}}');
SELECT * FROM inference_scaling_decision(10, 10, 10, 15, 10, 3, rules => '{"inference": {"rps_high_factor": 1.5}}');
SELECT * FROM inference_scaling_decision(10, 10, 10, 15.01, 10, 3, rules => '{"inference": {"rps_high_factor": 1.5}}');
SELECT * FROM inference_scaling_decision(50, 50, 100, 10, 10, 3, rules => '{}');
-- rules for training only leave inference at the defaults
SELECT * FROM inference_scaling_decision(81, 10, 10, 1, 10, 3, rules => '{"training": {"max_workers": 2}}');

-- bad input: a clear error, nothing returned
SELECT * FROM inference_scaling_decision(10, 10, 10, 1, 10, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM inference_scaling_decision(10, 10, 10, 1, 10, 3, NULL, 10);
SELECT * FROM inference_scaling_decision(10, 10, 10, 1, 10, 3, 1, NULL);
SELECT * FROM inference_scaling_decision(10, 10, 10, 1, 10, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM inference_scaling_decision(10, 10, 10, 1, 10, 3, -1, 10);
SELECT * FROM inference_scaling_decision(10, 10, 10, 1, 10, 3, 5, 4);
SELECT * FROM inference_scaling_decision(-1, 10, 10, 1, 10, 3);
SELECT * FROM inference_scaling_decision(10, 10, -0.5, 1, 10, 3);
SELECT * FROM inference_scaling_decision(10, 10, 10, 1, -10, 3);
SELECT * FROM inference_scaling_decision('NaN', 10, 10, 1, 10, 3);
SELECT * FROM inference_scaling_decision(10, 'Infinity', 10, 1, 10, 3);
SELECT * FROM inference_scaling_decision(10, 10, 10, 1, 10, 3, rules => '{"inference": {"step": 0}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM inference_scaling_decision(10, 10, 10, 1, 10, 3, rules => '{"inference": {"cpu_hi": 0.9}}');

-- pure: IMMUTABLE, usable over a table of metrics
SELECT provolatile, proisstrict FROM pg_proc
WHERE oid = 'inference_scaling_decision(numeric,numeric,numeric,numeric,numeric,int,int,int,jsonb)'::regprocedure;
SELECT m.cpu, d.action, d.new_replicas, d.reason
FROM (VALUES (85::numeric), (50), (20)) AS m(cpu)
CROSS JOIN LATERAL inference_scaling_decision(m.cpu, m.cpu, 40, 4, 10, 5) d
ORDER BY m.cpu;
