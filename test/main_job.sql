-- The main job's embedded default: sample tenants of every tier, what they are
-- doing, and the decisions the extension makes for them.
\set QUIET on
\pset footer off
SET search_path = tenant_scaling, public;

-- twelve tenants, three per tier; names live in a side table for display
CREATE TEMP TABLE sample_tenant (tenant_id uuid PRIMARY KEY, name text);
INSERT INTO sample_tenant
SELECT ('10000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, name
FROM unnest(ARRAY['acme-basic', 'bolt-basic', 'coda-basic', 'delta-standard', 'echo-standard',
                  'fjord-standard', 'gale-premium', 'halo-premium', 'iris-premium',
                  'jade-enterprise', 'kite-enterprise', 'lumen-enterprise']) WITH ORDINALITY AS t(name, n);

INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, max_concurrent_jobs, max_model_size_gb,
                                   max_training_duration_hours, auto_scaling_enabled, scaling_rules, max_cpu)
SELECT tenant_id, split_part(name, '-', 2),
       CASE split_part(name, '-', 2) WHEN 'basic' THEN 1 WHEN 'standard' THEN 2 WHEN 'premium' THEN 4 ELSE 16 END,
       CASE split_part(name, '-', 2) WHEN 'basic' THEN 1 WHEN 'standard' THEN 10 WHEN 'premium' THEN 50 ELSE 500 END,
       CASE split_part(name, '-', 2) WHEN 'basic' THEN 24 WHEN 'standard' THEN 48 ELSE 168 END,
       name NOT LIKE '%basic',
       CASE name WHEN 'iris-premium' THEN '{"training": {"max_workers": 6, "scale_out_step": 3}}'::jsonb
                 WHEN 'lumen-enterprise' THEN '{"inference": {"cpu_high": 0.7, "step": 2}}'::jsonb END,
       CASE name WHEN 'kite-enterprise' THEN 64 END
FROM sample_tenant;

INSERT INTO tenant_training_config (tenant_id, distributed_training_enabled, max_workers)
SELECT tenant_id, true, 8 FROM sample_tenant WHERE name LIKE '%enterprise';

-- workers and the newest queue sample of each tenant
INSERT INTO tenant_training_workers (tenant_id, status)
SELECT s.tenant_id, CASE WHEN g % 4 = 0 THEN 'provisioning' ELSE 'active' END
FROM sample_tenant s, LATERAL generate_series(1, (hashtext(s.name) & 7) + 1) g;
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, max_wait_time_seconds,
                                  processing_rate_per_minute, timestamp)
SELECT tenant_id, q, w, (w * 2)::int, 1.5, now() - interval '30 seconds'
FROM sample_tenant
JOIN (VALUES ('acme-basic', 0, 0), ('bolt-basic', 14, 420), ('coda-basic', 3, 120),
             ('delta-standard', 25, 900), ('echo-standard', 1, 20), ('fjord-standard', 11, 300),
             ('gale-premium', 40, 1200), ('halo-premium', 0, 5), ('iris-premium', 30, 700),
             ('jade-enterprise', 12, 301), ('kite-enterprise', 1, 59), ('lumen-enterprise', 6, 200))
     AS v(name, q, w) USING (name);

\echo
\echo '== What each tenant may use: get_tenant_scaling_policy(tenant_id)'
SELECT s.name AS tenant, p.tier, p.max_jobs, p.max_model_size AS max_model_gb,
       p.max_duration AS max_hours, p.auto_scaling
FROM sample_tenant s CROSS JOIN LATERAL get_tenant_scaling_policy(s.tenant_id) p
ORDER BY s.tenant_id;

\echo '== Training workers: check_training_scaling_trigger(tenant_id)'
SELECT s.name AS tenant, q.queue_size, q.avg_wait_time_seconds AS avg_wait_s,
       (SELECT count(*) FROM tenant_training_workers w
        WHERE w.tenant_id = s.tenant_id AND w.status IN ('active', 'provisioning')) AS workers,
       d.should_scale_out AS scale_out, d.should_scale_in AS scale_in, d.target_workers AS target
FROM sample_tenant s
CROSS JOIN LATERAL check_training_scaling_trigger(s.tenant_id) d
LEFT JOIN LATERAL (SELECT * FROM training_queue_stats t WHERE t.tenant_id = s.tenant_id
                   ORDER BY timestamp DESC LIMIT 1) q ON true
ORDER BY s.tenant_id;

\echo '== Inference replicas: inference_scaling_decision(cpu %, memory %, p95 ms, rps, target rps, replicas)'
SELECT s.name AS tenant, m.cpu, m.mem, m.p95, m.rps, m.target, m.replicas,
       d.action, d.new_replicas, d.reason
FROM (VALUES ('delta-standard', 85, 40, 120, 90, 100, 3), ('echo-standard', 20, 25, 30, 10, 100, 4),
             ('gale-premium', 55, 60, 240, 80, 100, 5), ('halo-premium', 80, 80, 200, 120, 100, 2),
             ('jade-enterprise', 50, 50, 90, 131, 100, 10), ('lumen-enterprise', 75, 30, 60, 50, 100, 4),
             ('kite-enterprise', 10, 10, 20, NULL, 100, 3))
     AS m(name, cpu, mem, p95, rps, target, replicas)
JOIN sample_tenant s USING (name)
CROSS JOIN LATERAL inference_scaling_decision(m.cpu, m.mem, m.p95, m.rps, m.target, m.replicas,
                                              rules => (SELECT scaling_rules FROM tenant_scaling_config c
                                                        WHERE c.tenant_id = s.tenant_id)) d
ORDER BY s.tenant_id;

\echo '== Resources for a training_large job: allocate_resources(tenant_id, workload_type)'
SELECT s.name AS tenant, c.scaling_tier AS tier, t.resource_multiplier AS multiplier, a.*
FROM sample_tenant s
JOIN tenant_scaling_config c USING (tenant_id)
JOIN tiers t ON t.tier = c.scaling_tier
CROSS JOIN LATERAL allocate_resources(s.tenant_id, 'training_large') a
ORDER BY s.tenant_id;

\echo '== Bad input is refused with a clear error and changes nothing:'
\set ON_ERROR_STOP off
\set VERBOSITY default
SELECT * FROM allocate_resources('10000000-0000-0000-0000-000000000001', 'training_xl');
UPDATE tenant_scaling_config SET scaling_rules = '{"training": {"scale_out_step": 0}}'
WHERE tenant_id = '10000000-0000-0000-0000-000000000001';
\set ON_ERROR_STOP on

-- the scheduler: endpoints and their metrics arrive; it decides every naptime
INSERT INTO inference_endpoints (endpoint_id, tenant_id, current_replicas, desired_replicas, min_replicas, max_replicas, target_rps)
SELECT s.name || '/' || ep, s.tenant_id, r, r, 1, 8, 100
FROM sample_tenant s
JOIN (VALUES ('delta-standard', 'chat', 3), ('echo-standard', 'search', 4), ('gale-premium', 'vision', 5),
             ('jade-enterprise', 'chat', 8), ('lumen-enterprise', 'embed', 4))
     AS v(name, ep, r) USING (name);
-- target tracking decides by default; gale's vision replicas serve 40 rps each at 100 % cpu.
-- lumen keeps the seed's fixed step, with cooldowns short enough that a second step shows
UPDATE inference_endpoints SET replica_capacity_rps = 40 WHERE endpoint_id = 'gale-premium/vision';
UPDATE tenant_scaling_config SET scaling_rules = scaling_rules ||
    '{"inference": {"policy": "step", "cpu_high": 0.7, "step": 2, "scale_out_cooldown_seconds": 3, "scale_in_cooldown_seconds": 3}}'
WHERE tenant_id = (SELECT tenant_id FROM sample_tenant WHERE name = 'lumen-enterprise');
INSERT INTO endpoint_metrics (endpoint_id, tenant_id, cpu_avg, memory_avg, latency_p95_ms, requests_per_second)
SELECT e.endpoint_id, e.tenant_id, m.cpu, m.mem, m.p95, m.rps
FROM inference_endpoints e
JOIN (VALUES ('delta-standard/chat', 88, 40, 120, 90), ('echo-standard/search', 20, 25, 30, 10),
             ('gale-premium/vision', 55, 60, 240, 80), ('jade-enterprise/chat', 50, 50, 90, 131),
             ('lumen-enterprise/embed', 75, 30, 60, 50))
     AS m(endpoint_id, cpu, mem, p95, rps) USING (endpoint_id);

\echo
\echo '== The scheduler (a background worker, tenant_scaling.naptime = 2s) runs for 7 seconds ...'
SELECT pg_sleep(7) \g /dev/null

\echo '== What it decided and applied: scaling_events (each announced with NOTIFY tenant_scaling, payload {"event_id": N})'
SELECT to_char(e.created_at - (SELECT min(created_at) FROM scaling_events), 'SS.MS"s"') AS at,
       s.name AS tenant, e.resource_kind AS kind,
       CASE e.resource_kind WHEN 'training' THEN 'workers' ELSE split_part(e.resource_id, '/', 2) END AS resource,
       e.action, e.previous_count || ' -> ' || e.new_count AS change, e.reason
FROM scaling_events e JOIN sample_tenant s USING (tenant_id)
ORDER BY e.event_id;

\echo '== Why the rest did not change: the last cycles in scheduler_runs'
SELECT run_id, status, tenants_evaluated AS tenants, training_decisions AS training,
       inference_decisions AS inference, errors, not_scaled, round(extract(epoch FROM duration) * 1000, 1) AS ms
FROM scheduler_runs ORDER BY run_id DESC LIMIT 4;

\echo '== History by day: the partitions the cycles keep (made ahead, dropped past tenant_scaling.history_retention)'
SELECT p.history_table, p.partition_name, p.from_time::date AS day, coalesce(r.n, 0) AS rows
FROM history_partitions p
LEFT JOIN (SELECT tableoid::regclass::text AS partition_name, count(*) AS n FROM endpoint_metrics GROUP BY 1
           UNION ALL SELECT tableoid::regclass::text, count(*) FROM scaling_events GROUP BY 1) r
       ON r.partition_name = 'tenant_scaling.' || p.partition_name OR r.partition_name = p.partition_name
WHERE p.history_table IN ('endpoint_metrics', 'scaling_events')
ORDER BY 1, 3 NULLS FIRST;

\echo '== Desired state: what the actuator is asked to reach'
SELECT s.name AS tenant, split_part(e.endpoint_id, '/', 2) AS endpoint, e.current_replicas AS current,
       e.desired_replicas AS desired, e.min_replicas AS min, e.max_replicas AS max
FROM inference_endpoints e JOIN sample_tenant s USING (tenant_id) ORDER BY s.tenant_id;

\echo '== Why: explain_endpoint_scaling(tenant_id, endpoint_id) for gale-premium/vision, now'
SELECT kind, name, value, replicas_before AS before, replicas_after AS after, detail
FROM explain_endpoint_scaling((SELECT tenant_id FROM sample_tenant WHERE name = 'gale-premium'), 'gale-premium/vision')
WHERE kind <> 'input' OR name IN ('cpu_avg', 'requests_per_second', 'ready_replicas', 'replica_capacity_rps')
ORDER BY step;

\echo '== Before turning rules on: simulate_inference_scaling on a step from 50 to 400 rps (50 rps a replica)'
SELECT policy, count(*) FILTER (WHERE latency_p95_ms IS NULL OR latency_p95_ms > 200) * 0.25 AS slo_breach_min,
       round(sum(desired_replicas) * 15 / 3600.0, 2) AS replica_hours,
       string_agg(format('%s@%s', desired_replicas, to_char(at - '2026-01-01', 'MI:SS')), ' ' ORDER BY step_no)
           FILTER (WHERE action <> 'none') AS changes
FROM (VALUES ('target_tracking', NULL::jsonb), ('step', '{"inference": {"policy": "step"}}')) p(policy, rules),
     simulate_inference_scaling(array_cat(array_fill(50::numeric, ARRAY[8]), array_fill(400::numeric, ARRAY[72])),
                                50, p.rules, initial_replicas => 2, max_replicas => 20, start_at => '2026-01-01') s
GROUP BY policy ORDER BY policy DESC;

\echo '== And for training: simulate_training_scaling on 200 jobs of 10-60 minutes at once, up to 50 workers'
SELECT policy, min(step_no) FILTER (WHERE queued = 0) AS all_started_min, max(step_no) AS all_done_min,
       round(sum(workers) / 60.0, 1) AS worker_hours, max(workers) AS most_workers
FROM (VALUES ('queue', NULL::jsonb), ('step', '{"training": {"policy": "step"}}')) p(policy, rules),
     simulate_training_scaling((SELECT array_agg(10 + (i * 37) % 51 ORDER BY i)::numeric[] FROM generate_series(1, 200) i),
                               p.rules, 50, start_at => '2026-01-01') s
GROUP BY policy ORDER BY policy;

-- the training job queue: limits enforced at submit and at start
\echo '== The training job queue: submit_training_job / start_next_training_job / finish_training_job'
SELECT s.name AS tenant, j.n AS job, submit_training_job(s.tenant_id, 'training_medium', 0.5, 2) > 0 AS queued
FROM sample_tenant s, generate_series(1, 3) j(n)
WHERE s.name IN ('acme-basic', 'gale-premium') \g /dev/null
CREATE TEMP TABLE start_tries AS
SELECT s.tenant_id, count(*) FILTER (WHERE start_next_training_job(s.tenant_id) IS NOT NULL) AS started
FROM sample_tenant s, generate_series(1, 3) g
WHERE s.name IN ('acme-basic', 'gale-premium')
GROUP BY s.tenant_id;
SELECT s.name AS tenant, p.max_jobs AS max_concurrent_jobs, t.started AS started_of_3_tries,
       c.queued_jobs, c.running_jobs
FROM start_tries t
JOIN sample_tenant s USING (tenant_id)
JOIN tenant_job_counts c USING (tenant_id)
CROSS JOIN LATERAL get_tenant_scaling_policy(s.tenant_id) p
ORDER BY s.tenant_id;
\echo '== A job over its tenant''s limit is refused (SQLSTATE TS001):'
\set ON_ERROR_STOP off
SELECT submit_training_job('10000000-0000-0000-0000-000000000001', 'training_large', 5, 2);
\set ON_ERROR_STOP on

-- shared GPU capacity: a small cluster, borrowers filling it, a guaranteed tenant reclaiming
\echo '== Shared GPU capacity: pools (capacity_pools) and quotas by tier (capacity_quotas)'
SELECT count(finish_training_job(job_id, true)) FROM training_jobs WHERE status = 'running' \g /dev/null
UPDATE capacity_pools SET capacity = CASE pool WHEN 'reserved' THEN 12 ELSE 4 END;
SELECT q.tier, q.guaranteed_gpus AS guaranteed, coalesce(q.borrowing_limit_gpus::text, 'all idle') AS may_borrow,
       q.fair_share_weight AS weight, q.spot_allowed AS spot
FROM capacity_quotas q JOIN tiers t USING (tier) ORDER BY t.tier_rank;
-- two borrowers take the reserved and spot GPUs with preemptible jobs of 2 GPUs
UPDATE tenant_scaling_config SET max_concurrent_jobs = 6, max_model_size_gb = 10
WHERE tenant_id IN (SELECT tenant_id FROM sample_tenant WHERE name IN ('bolt-basic', 'fjord-standard'));
SELECT count(submit_training_job(s.tenant_id, 'training_medium', 0.5, 2, true))
FROM sample_tenant s, generate_series(1, 4) WHERE s.name IN ('bolt-basic', 'fjord-standard') \g /dev/null
SELECT count(start_next_training_job(s.tenant_id))
FROM sample_tenant s, generate_series(1, 4) WHERE s.name IN ('bolt-basic', 'fjord-standard') \g /dev/null
-- an enterprise tenant, guaranteed 16 GPUs, wants two jobs of 4: one fits on-demand, one waits
SELECT count(submit_training_job(s.tenant_id, 'training_medium', 0.5, 2))
FROM sample_tenant s, generate_series(1, 2) WHERE s.name = 'kite-enterprise' \g /dev/null
SELECT count(start_next_training_job(s.tenant_id))
FROM sample_tenant s, generate_series(1, 2) WHERE s.name = 'kite-enterprise' \g /dev/null
\echo '== Jobs placed on pools (reserved first, spot for preemptible jobs, then on-demand), or waiting and why'
SELECT s.name AS tenant, j.status, j.pool, j.gpu_count AS gpus, j.preemptible, j.wait_reason
FROM training_jobs j JOIN sample_tenant s USING (tenant_id)
WHERE j.status IN ('running', 'queued') AND s.name IN ('bolt-basic', 'fjord-standard', 'kite-enterprise')
ORDER BY j.job_id;
\echo '== The next cycle reclaims the guarantee: it preempts the newest borrowed job of the lowest tier ...'
SELECT pg_sleep(3) \g /dev/null
SELECT s.name AS tenant, e.action, e.previous_count || ' -> ' || e.new_count AS gpus, e.inputs ->> 'pool' AS pool,
       e.reason
FROM scaling_events e JOIN sample_tenant s USING (tenant_id)
WHERE e.resource_kind = 'job' ORDER BY e.event_id;
\echo '== ... and an actuator reports that the spot GPUs are reclaimed: report_capacity_change(''spot'', 0)'
SELECT s.name AS tenant, r.action, r.to_pool, r.gpu_count AS gpus
FROM report_capacity_change('spot', 0) r JOIN sample_tenant s USING (tenant_id);
\echo '== Each pool (capacity_pool_status) and each tenant''s use (tenant_capacity)'
SELECT pool, capacity_type, capacity, in_use, free, running_jobs, cost_per_hour FROM capacity_pool_status
ORDER BY array_position(ARRAY['reserved', 'spot', 'on_demand'], capacity_type);
SELECT s.name AS tenant, c.guaranteed_gpus AS guaranteed, c.gpus_in_use AS in_use, c.borrowed_gpus AS borrowed,
       c.waiting_jobs AS waiting, c.head_wait_reason
FROM tenant_capacity c JOIN sample_tenant s USING (tenant_id)
WHERE s.name IN ('bolt-basic', 'fjord-standard', 'kite-enterprise') ORDER BY s.tenant_id;

-- cost: a month of usage, the seed's cost view and the right-sizing advice
INSERT INTO tenant_resource_usage (tenant_id, scaling_tier, usage_date, cpu_hours, gpu_hours, storage_gb_days,
                                   network_gb, cpu_utilization, memory_utilization, training_jobs, inference_endpoints)
SELECT s.tenant_id, c.scaling_tier, current_date - d, (20 + d % 5) * t.resource_multiplier,
       (d % 3) * 2 * t.resource_multiplier, 200, 5,
       CASE split_part(s.name, '-', 1) WHEN 'halo' THEN 0.15 WHEN 'jade' THEN 0.92 WHEN 'echo' THEN 0.25 ELSE 0.6 END,
       CASE split_part(s.name, '-', 1) WHEN 'halo' THEN 0.2 WHEN 'jade' THEN 0.88 WHEN 'echo' THEN 0.3 ELSE 0.55 END,
       d / 10, s.name || '/main'
FROM sample_tenant s JOIN tenant_scaling_config c USING (tenant_id) JOIN tiers t ON t.tier = c.scaling_tier,
     generate_series(0, 29) d;
SELECT refresh_cost_optimization_view() \g /dev/null

\echo
\echo '== Cost per tenant over 30 days: tenant_cost_optimization (the seed''s view, plus total_cost)'
SELECT s.name AS tenant, v.scaling_tier AS tier, v.total_cpu_hours AS cpu_h, v.total_gpu_hours AS gpu_h,
       round(v.avg_cpu_util, 2) AS avg_cpu, round(v.avg_memory_util, 2) AS avg_mem,
       v.training_jobs_count AS jobs, v.provisioning_status, round(v.total_cost, 2) AS total_cost
FROM tenant_cost_optimization v JOIN sample_tenant s USING (tenant_id)
ORDER BY s.tenant_id;

\echo '== Right-sizing: cost_right_sizing'
SELECT s.name AS tenant, r.current_tier, r.recommendation, r.suggested_tier, r.monthly_cost, r.monthly_change
FROM cost_right_sizing r JOIN sample_tenant s USING (tenant_id)
ORDER BY s.tenant_id;
