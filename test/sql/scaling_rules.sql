-- validate_scaling_rules (README, validate_scaling_rules): true, or an error naming the path and the rule.
SET search_path = tenant_scaling, public;

SELECT validate_scaling_rules('{}');
SELECT validate_scaling_rules('{"training": {}, "inference": {}}');
SELECT validate_scaling_rules('{"training": {"scale_out_queue_size": 10, "scale_out_wait_seconds": 300,
  "scale_in_queue_size": 2, "scale_in_wait_seconds": 60, "scale_out_step": 2, "scale_in_step": 1,
  "min_workers": 1, "max_workers": 10, "scale_in_cooldown_seconds": 300, "scale_out_cooldown_seconds": 300},
  "inference": {"cpu_high": 0.8, "memory_high": 0.8, "latency_p95_high_ms": 200, "rps_high_factor": 1.2,
  "cpu_low": 0.3, "memory_low": 0.3, "latency_p95_low_ms": 50, "rps_low_factor": 0.5,
  "step": 1, "scale_in_cooldown_seconds": 300, "scale_out_cooldown_seconds": 60}}');
SELECT validate_scaling_rules('{"inference": {"cpu_low": 0.5, "cpu_high": 0.5}}');
SELECT validate_scaling_rules('{"training": {"min_workers": 0, "scale_out_wait_seconds": 0.5, "scale_in_wait_seconds": 0.25}}');
SELECT validate_scaling_rules(NULL);

-- the document
SELECT validate_scaling_rules('[]');
SELECT validate_scaling_rules('null');
SELECT validate_scaling_rules('"training"');
SELECT validate_scaling_rules('{"Training": {}}');
\echo :LAST_ERROR_SQLSTATE
SELECT validate_scaling_rules('{"training": 5}');
SELECT validate_scaling_rules('{"inference": [1]}');

-- keys
SELECT validate_scaling_rules('{"training": {"max_worker": 3}}');
SELECT validate_scaling_rules('{"inference": {"min_workers": 3}}');

-- types
SELECT validate_scaling_rules('{"training": {"max_workers": "4"}}');
SELECT validate_scaling_rules('{"training": {"max_workers": 4.5}}');
SELECT validate_scaling_rules('{"training": {"scale_out_step": true}}');
SELECT validate_scaling_rules('{"training": {"scale_in_step": null}}');
SELECT validate_scaling_rules('{"inference": {"cpu_high": "80%"}}');
SELECT validate_scaling_rules('{"inference": {"latency_p95_high_ms": {"ms": 200}}}');

-- ranges
SELECT validate_scaling_rules('{"training": {"scale_out_step": 0}}');
SELECT validate_scaling_rules('{"training": {"scale_in_step": 10001}}');
SELECT validate_scaling_rules('{"training": {"max_workers": 0}}');
SELECT validate_scaling_rules('{"training": {"min_workers": -1}}');
SELECT validate_scaling_rules('{"training": {"scale_out_queue_size": -1}}');
SELECT validate_scaling_rules('{"training": {"scale_out_wait_seconds": -1}}');
SELECT validate_scaling_rules('{"training": {"scale_in_cooldown_seconds": -30}}');
SELECT validate_scaling_rules('{"training": {"scale_out_cooldown_seconds": 90000}}');
SELECT validate_scaling_rules('{"inference": {"cpu_high": 1.01}}');
SELECT validate_scaling_rules('{"inference": {"memory_low": -0.1}}');
SELECT validate_scaling_rules('{"inference": {"latency_p95_low_ms": -1}}');
SELECT validate_scaling_rules('{"inference": {"rps_low_factor": -0.5}}');
SELECT validate_scaling_rules('{"inference": {"step": 0}}');
SELECT validate_scaling_rules('{"inference": {"scale_out_cooldown_seconds": -1}}');
SELECT validate_scaling_rules('{"inference": {"rps_high_factor": 1e400}}');

-- a low threshold above its high one, with defaults filling what is not given
SELECT validate_scaling_rules('{"inference": {"cpu_low": 0.9}}');
SELECT validate_scaling_rules('{"inference": {"memory_high": 0.2}}');
SELECT validate_scaling_rules('{"inference": {"latency_p95_low_ms": 300, "latency_p95_high_ms": 250}}');
SELECT validate_scaling_rules('{"inference": {"rps_low_factor": 1.3}}');
SELECT validate_scaling_rules('{"training": {"scale_in_queue_size": 20}}');
SELECT validate_scaling_rules('{"training": {"scale_out_wait_seconds": 30}}');
SELECT validate_scaling_rules('{"training": {"min_workers": 5, "max_workers": 3}}');

-- the CHECK on tenant_scaling_config calls it: nothing invalid is ever stored
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, scaling_rules)
VALUES ('e0000000-0000-0000-0000-000000000001', 'basic', '{"training": {"max_workers": 3}}');
UPDATE tenant_scaling_config SET scaling_rules = scaling_rules || '{"inference": {"cpu_high": 7}}'
WHERE tenant_id = 'e0000000-0000-0000-0000-000000000001';
SELECT scaling_rules FROM tenant_scaling_config WHERE tenant_id = 'e0000000-0000-0000-0000-000000000001';
DELETE FROM tenant_scaling_config;
-- a duplicate key: the last counts, in SQL (jsonb keeps it) as in the C parser
SELECT validate_scaling_rules('{"training": {"scale_out_step": 0, "scale_out_step": 2}}');
SELECT validate_scaling_rules('{"training": {"scale_out_step": 2, "scale_out_step": 0}}');
