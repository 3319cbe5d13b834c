-- allocate_resources (README, allocate_resources): base requirements x tier multiplier, capped.
SET search_path = tenant_scaling, public;

INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_cpu, max_gpu) VALUES
    ('d0000000-0000-0000-0000-000000000001', 'basic', NULL, NULL),
    ('d0000000-0000-0000-0000-000000000002', 'standard', NULL, NULL),
    ('d0000000-0000-0000-0000-000000000003', 'premium', NULL, NULL),
    ('d0000000-0000-0000-0000-000000000004', 'enterprise', NULL, NULL),
    ('d0000000-0000-0000-0000-000000000005', 'enterprise', 64, 8),
    ('d0000000-0000-0000-0000-000000000006', 'premium', 6, 0);

-- every tier and every workload type
SELECT c.scaling_tier, w.workload_type, a.*
FROM tenant_scaling_config c
CROSS JOIN workload_profiles w
CROSS JOIN LATERAL allocate_resources(c.tenant_id, w.workload_type) a
WHERE c.tenant_id <= 'd0000000-0000-0000-0000-000000000004'
ORDER BY c.tenant_id, w.workload_type;

-- per-tenant caps replace the tier's
SELECT * FROM allocate_resources('d0000000-0000-0000-0000-000000000005', 'training_large');
SELECT * FROM allocate_resources('d0000000-0000-0000-0000-000000000006', 'training_medium');
-- an unknown tenant is allocated as basic
SELECT * FROM allocate_resources('d0000000-0000-0000-0000-0000000000ff', 'training_large');

-- the multiplier is truncated as the seed's int() does
UPDATE tiers SET resource_multiplier = 1.5, max_cpu = 100 WHERE tier = 'standard';
SELECT * FROM allocate_resources('d0000000-0000-0000-0000-000000000002', 'inference_medium');
SELECT * FROM allocate_resources('d0000000-0000-0000-0000-000000000002', 'training_small');
UPDATE tiers SET resource_multiplier = 1.0, max_cpu = 16 WHERE tier = 'standard';

-- operators may add workload types
INSERT INTO workload_profiles VALUES ('llm_finetune', 32, 8, 256, 4000, 10000);
SELECT * FROM allocate_resources('d0000000-0000-0000-0000-000000000004', 'llm_finetune');
DELETE FROM workload_profiles WHERE workload_type = 'llm_finetune';

-- departs: an unknown workload type is an error listing the valid ones
SELECT * FROM allocate_resources('d0000000-0000-0000-0000-000000000001', 'training_huge');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM allocate_resources('d0000000-0000-0000-0000-000000000001', '');
SELECT count(*) FROM allocate_resources('d0000000-0000-0000-0000-000000000001', NULL);

DELETE FROM tenant_scaling_config;
