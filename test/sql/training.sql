-- check_training_scaling_trigger (README, check_training_scaling_trigger) at and around every threshold.
SET search_path = tenant_scaling, public;

-- t(n) is tenant n; stats(n, queue, wait) adds a sample a minute newer than the last
CREATE FUNCTION pg_temp.t(n int) RETURNS uuid LANGUAGE sql IMMUTABLE
AS $$ SELECT ('c0000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid $$;
CREATE FUNCTION pg_temp.stats(n int, queue int, wait numeric) RETURNS void LANGUAGE sql
AS $$ INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
      SELECT pg_temp.t(n), queue, wait,
             coalesce(max(timestamp), '2026-01-01') + interval '1 minute'
      FROM tenant_scaling.training_queue_stats WHERE tenant_id = pg_temp.t(n) $$;
CREATE FUNCTION pg_temp.workers(n int, how_many int, state text DEFAULT 'active') RETURNS void LANGUAGE sql
AS $$ INSERT INTO tenant_scaling.tenant_training_workers (tenant_id, status)
      SELECT pg_temp.t(n), state FROM generate_series(1, how_many) $$;
CREATE FUNCTION pg_temp.decide(n int) RETURNS text LANGUAGE sql
AS $$ SELECT format('out=%s in=%s target=%s', should_scale_out, should_scale_in, target_workers)
      FROM tenant_scaling.check_training_scaling_trigger(pg_temp.t(n)) $$;

-- scale out needs queue_size > 10 AND avg wait > 300
SELECT pg_temp.workers(1, 3);
SELECT pg_temp.stats(1, 11, 301);
SELECT pg_temp.decide(1);                 -- 3 + 2
SELECT pg_temp.stats(1, 10, 301);
SELECT pg_temp.decide(1);                 -- queue at the threshold: no change
SELECT pg_temp.stats(1, 11, 300);
SELECT pg_temp.decide(1);                 -- wait at the threshold: no change
SELECT pg_temp.stats(1, 11, 300.000001);
SELECT pg_temp.decide(1);                 -- just above
SELECT pg_temp.stats(1, 11, NULL);
SELECT pg_temp.decide(1);                 -- unknown wait never scales

-- the newest sample wins, whatever the insertion order
INSERT INTO training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds, timestamp)
VALUES (pg_temp.t(1), 50, 900, '2025-01-01');
SELECT pg_temp.decide(1);

-- scale in needs queue_size < 2 AND avg wait < 60 AND more than one worker
SELECT pg_temp.stats(1, 1, 59);
SELECT pg_temp.decide(1);                 -- 3 - 1
SELECT pg_temp.stats(1, 2, 59);
SELECT pg_temp.decide(1);
SELECT pg_temp.stats(1, 1, 60);
SELECT pg_temp.decide(1);
SELECT pg_temp.stats(1, 0, 0);
SELECT pg_temp.decide(1);

-- the floor: one worker is not scaled in; none is not scaled out without a backlog
SELECT pg_temp.workers(2, 1);
SELECT pg_temp.stats(2, 0, 0);
SELECT pg_temp.decide(2);
SELECT pg_temp.stats(3, 0, 0);
SELECT pg_temp.decide(3);
SELECT pg_temp.stats(3, 12, 400);
SELECT pg_temp.decide(3);                 -- 0 + 2

-- no statistics, unknown tenant: no change, target = current workers
SELECT pg_temp.workers(4, 5);
SELECT pg_temp.decide(4);
SELECT pg_temp.decide(999);
SELECT count(*) FROM check_training_scaling_trigger(NULL);

-- departs: provisioning workers count as capacity; draining and terminated do not
SELECT pg_temp.workers(5, 2, 'active');
SELECT pg_temp.workers(5, 2, 'provisioning');
SELECT pg_temp.workers(5, 3, 'draining');
SELECT pg_temp.workers(5, 4, 'terminated');
SELECT pg_temp.stats(5, 20, 500);
SELECT pg_temp.decide(5);                 -- 4 + 2

-- the ceiling: 10 by default (the seed's constant)
SELECT pg_temp.workers(6, 9);
SELECT pg_temp.stats(6, 20, 500);
SELECT pg_temp.decide(6);                 -- 9 -> 10
SELECT pg_temp.workers(6, 1);
SELECT pg_temp.decide(6);                 -- departs: at the ceiling, no "scale out" to the same count
SELECT pg_temp.workers(6, 2);
SELECT pg_temp.decide(6);                 -- departs: above the ceiling, scaled in to it
SELECT pg_temp.stats(6, 5, 100);
SELECT pg_temp.decide(6);                 -- even without a backlog

-- the GUC moves the default ceiling
SET tenant_scaling.max_training_workers = 20;
SELECT pg_temp.stats(6, 20, 500);
SELECT pg_temp.decide(6);                 -- 12 -> 14
RESET tenant_scaling.max_training_workers;
SET tenant_scaling.max_training_workers = 0;

-- tenant_training_config bounds the tenant: max_workers when distributed, else 1
INSERT INTO tenant_training_config (tenant_id, distributed_training_enabled, max_workers)
VALUES (pg_temp.t(7), true, 4), (pg_temp.t(8), false, 4);
SELECT pg_temp.workers(7, 3);
SELECT pg_temp.stats(7, 20, 500);
SELECT pg_temp.decide(7);                 -- 3 -> 4
SELECT pg_temp.workers(8, 1);
SELECT pg_temp.stats(8, 20, 500);
SELECT pg_temp.decide(8);                 -- already at 1
SELECT pg_temp.workers(8, 2);
SELECT pg_temp.decide(8);                 -- 3 -> 1

-- scaling_rules override every threshold and bound
INSERT INTO tenant_scaling_config (tenant_id, scaling_tier, scaling_rules) VALUES
    (pg_temp.t(9), 'premium', '{"training": {"scale_out_queue_size": 3, "scale_out_wait_seconds": 30, "scale_in_wait_seconds": 10, "scale_out_step": 4, "max_workers": 6}}'),
    (pg_temp.t(10), 'premium', '{"training": {"scale_in_queue_size": 5, "scale_in_wait_seconds": 120, "scale_in_step": 3, "min_workers": 2}}'),
    (pg_temp.t(11), 'basic', '{"training": {"max_workers": 8}}');
SELECT pg_temp.workers(9, 1);
SELECT pg_temp.stats(9, 4, 31);
SELECT pg_temp.decide(9);                 -- 1 + 4
SELECT pg_temp.workers(9, 4);
SELECT pg_temp.decide(9);                 -- 5 -> 6, the rules' ceiling
SELECT pg_temp.stats(9, 3, 31);
SELECT pg_temp.decide(9);                 -- queue at the tenant's threshold
SELECT pg_temp.workers(10, 6);
SELECT pg_temp.stats(10, 4, 119);
SELECT pg_temp.decide(10);                -- 6 - 3
DELETE FROM tenant_training_workers WHERE tenant_id = pg_temp.t(10) AND worker_id IN (
    SELECT worker_id FROM tenant_training_workers WHERE tenant_id = pg_temp.t(10) LIMIT 3);
SELECT pg_temp.decide(10);                -- 3 -> 2, the floor
-- the least of the rules' and the training config's ceilings
INSERT INTO tenant_training_config (tenant_id, distributed_training_enabled, max_workers)
VALUES (pg_temp.t(11), true, 5);
SELECT pg_temp.workers(11, 4);
SELECT pg_temp.stats(11, 20, 500);
SELECT pg_temp.decide(11);                -- 4 -> 5
UPDATE tenant_training_config SET max_workers = 12 WHERE tenant_id = pg_temp.t(11);
SELECT pg_temp.decide(11);                -- 4 -> 6
SELECT pg_temp.workers(11, 3);
SELECT pg_temp.decide(11);                -- 7 -> 8, the rules' ceiling

DELETE FROM training_queue_stats;
DELETE FROM tenant_training_workers;
DELETE FROM tenant_training_config;
DELETE FROM tenant_scaling_config;
