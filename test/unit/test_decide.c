/* test_decide.c: training and inference decisions at and around each threshold. */
#include "unit_test.h"
#include "decide.h"

static MaybeDecimal
val(const char *s)
{
	MaybeDecimal m = {true, {0, 0}};

	CHECK(ts_decimal_parse(s, &m.value));
	return m;
}

static const MaybeDecimal unknown = {false, {0, 0}};

static TrainingDecision
train(const char *rules_json, bool has_stats, int queue, MaybeDecimal wait, int current)
{
	ScalingRules rules;
	RulesError	err;
	TrainingBounds bounds = {false, false, 1, 10};
	TrainingInput in = {has_stats, queue, wait, current};
	TrainingDecision d;

	CHECK(scaling_rules_parse(rules_json, strlen(rules_json), &rules, &err));
	decide_training(&rules.training, &bounds, &in, &d);
	return d;
}

static InferenceDecision
infer(const char *cpu, const char *mem, const char *lat, const char *rps, const char *target,
	  int current, int min, int max)
{
	ScalingRules rules;
	InferenceInput in;
	InferenceDecision d;

	scaling_rules_set_defaults(&rules);
	in.cpu_avg = cpu ? val(cpu) : unknown;
	in.memory_avg = mem ? val(mem) : unknown;
	in.latency_p95_ms = lat ? val(lat) : unknown;
	in.requests_per_second = rps ? val(rps) : unknown;
	in.target_rps = target ? val(target) : unknown;
	in.current_replicas = current;
	in.min_replicas = min;
	in.max_replicas = max;
	decide_inference(&rules.inference, &in, &d);
	return d;
}

static void
test_training(void)
{
	TrainingDecision d;
	ScalingRules rules;
	TrainingBounds bounds = {true, true, 6, 10};

	/* scale out needs queue > 10 and wait > 300, both strictly */
	d = train("{}", true, 11, val("301"), 3);
	CHECK(d.scale_out && !d.scale_in && d.target_workers == 5);
	CHECK_STR(d.reason, "queue_backlog");
	d = train("{}", true, 10, val("301"), 3);
	CHECK(!d.scale_out && d.target_workers == 3);
	d = train("{}", true, 11, val("300"), 3);
	CHECK(!d.scale_out && d.target_workers == 3);
	d = train("{}", true, 11, val("300.000001"), 3);
	CHECK(d.scale_out && d.target_workers == 5);
	d = train("{}", true, 11, unknown, 3);
	CHECK(!d.scale_out && !d.scale_in);
	/* at and near the ceiling: departs from the seed's "scale out" to the same count */
	d = train("{}", true, 50, val("900"), 9);
	CHECK(d.scale_out && d.target_workers == 10);
	d = train("{}", true, 50, val("900"), 10);
	CHECK(!d.scale_out && !d.scale_in && d.target_workers == 10);
	CHECK_STR(d.reason, "at_max_workers");
	d = train("{}", true, 0, val("0"), 12);
	CHECK(d.scale_in && d.target_workers == 10);
	CHECK_STR(d.reason, "above_max_workers");

	/* scale in needs queue < 2, wait < 60 and current above the floor */
	d = train("{}", true, 1, val("59"), 3);
	CHECK(d.scale_in && d.target_workers == 2);
	CHECK_STR(d.reason, "queue_idle");
	d = train("{}", true, 2, val("59"), 3);
	CHECK(!d.scale_in && d.target_workers == 3);
	CHECK_STR(d.reason, "within_thresholds");
	d = train("{}", true, 1, val("60"), 3);
	CHECK(!d.scale_in);
	d = train("{}", true, 1, val("59"), 1);
	CHECK(!d.scale_in && d.target_workers == 1);
	CHECK_STR(d.reason, "at_min_workers");
	d = train("{}", true, 0, val("0"), 0);
	CHECK(!d.scale_in && !d.scale_out && d.target_workers == 0);
	d = train("{}", false, 0, unknown, 4);
	CHECK(!d.scale_in && !d.scale_out && d.target_workers == 4);
	CHECK_STR(d.reason, "no_queue_stats");

	/* per-tenant overrides */
	d = train("{\"training\": {\"scale_out_queue_size\": 3, \"scale_out_wait_seconds\": 10, \"scale_in_wait_seconds\": 5,"
			  " \"scale_out_step\": 4}}",
			  true, 4, val("11"), 1);
	CHECK(d.scale_out && d.target_workers == 5);
	d = train("{\"training\": {\"max_workers\": 4}}", true, 50, val("900"), 3);
	CHECK(d.scale_out && d.target_workers == 4 && d.ceiling == 4);
	d = train("{\"training\": {\"min_workers\": 3, \"scale_in_step\": 5}}", true, 0, val("0"), 6);
	CHECK(d.scale_in && d.target_workers == 3);
	d = train("{\"training\": {\"min_workers\": 0}}", true, 0, val("0"), 1);
	CHECK(d.scale_in && d.target_workers == 0);

	/* ceilings: the least of the rules and the training config; the GUC otherwise */
	scaling_rules_set_defaults(&rules);
	CHECK(training_ceiling(&rules.training, &bounds) == 6);
	bounds.distributed_training_enabled = false;
	CHECK(training_ceiling(&rules.training, &bounds) == 1);
	bounds.has_training_config = false;
	CHECK(training_ceiling(&rules.training, &bounds) == 10);
	bounds.default_max_workers = 25;
	CHECK(training_ceiling(&rules.training, &bounds) == 25);
	rules.training.max_workers = 8;
	rules.training.max_workers_set = true;
	CHECK(training_ceiling(&rules.training, &bounds) == 8);
	bounds.has_training_config = true;
	bounds.distributed_training_enabled = true;
	CHECK(training_ceiling(&rules.training, &bounds) == 6);
}

static void
test_inference(void)
{
	InferenceDecision d;

	/* exactly at the thresholds is not above them */
	d = infer("80", "10", "10", "1", "10", 3, 1, 10);
	CHECK(d.action == ACTION_NONE && d.new_replicas == 3 && d.delta == 0);
	CHECK_STR(d.reason, "within_target");
	d = infer("80.0001", "10", "10", "1", "10", 3, 1, 10);
	CHECK(d.action == ACTION_SCALE_OUT && d.new_replicas == 4 && d.delta == 1);
	CHECK_STR(d.reason, "cpu_high");
	d = infer("10", "80.5", "201", "1", "10", 3, 1, 10);
	CHECK_STR(d.reason, "memory_high,latency_high");
	d = infer("10", "10", "200", "1", "10", 3, 1, 10);
	CHECK(d.action == ACTION_NONE);
	d = infer("10", "10", "10", "0.84", "0.7", 3, 1, 10);
	CHECK(d.action == ACTION_NONE);
	d = infer("10", "10", "10", "0.8400001", "0.7", 3, 1, 10);
	CHECK(d.action == ACTION_SCALE_OUT);
	CHECK_STR(d.reason, "rps_high");
	d = infer("10", "10", "10", "12", "10", 3, 1, 10);
	CHECK(d.action == ACTION_NONE);

	/* scale in: all four below, strictly */
	d = infer("29", "29", "49", "4", "10", 3, 1, 10);
	CHECK(d.action == ACTION_SCALE_IN && d.new_replicas == 2 && d.delta == 1);
	CHECK_STR(d.reason, "all_metrics_low");
	d = infer("30", "29", "49", "4", "10", 3, 1, 10);
	CHECK(d.action == ACTION_NONE);
	d = infer("29", "29", "50", "4", "10", 3, 1, 10);
	CHECK(d.action == ACTION_NONE);
	d = infer("29", "29", "49", "5", "10", 3, 1, 10);
	CHECK(d.action == ACTION_NONE);
	d = infer("29", "29", "49", "0.34", "0.7", 3, 1, 10);
	CHECK(d.action == ACTION_SCALE_IN);
	d = infer("29", "29", "49", "0.35", "0.7", 3, 1, 10);
	CHECK(d.action == ACTION_NONE);

	/* bounds: departs from the seed's scale_out to the same count */
	d = infer("95", "10", "10", "1", "10", 10, 1, 10);
	CHECK(d.action == ACTION_NONE && d.new_replicas == 10);
	CHECK_STR(d.reason, "at_max_replicas");
	d = infer("1", "1", "1", "0", "10", 1, 1, 10);
	CHECK(d.action == ACTION_NONE && d.new_replicas == 1);
	CHECK_STR(d.reason, "at_min_replicas");
	d = infer("50", "50", "100", "10", "10", 12, 1, 10);
	CHECK(d.action == ACTION_SCALE_IN && d.new_replicas == 10 && d.delta == 2);
	CHECK_STR(d.reason, "above_max_replicas");
	d = infer("50", "50", "100", "10", "10", 1, 3, 10);
	CHECK(d.action == ACTION_SCALE_OUT && d.new_replicas == 3);
	CHECK_STR(d.reason, "below_min_replicas");

	/* NULL metrics: never a scale-in, never a scale-out by themselves */
	d = infer(NULL, "1", "1", "0", "10", 3, 1, 10);
	CHECK(d.action == ACTION_NONE);
	CHECK_STR(d.reason, "insufficient_data");
	d = infer("1", "1", "1", "0", NULL, 3, 1, 10);
	CHECK(d.action == ACTION_NONE);
	d = infer(NULL, NULL, "250", NULL, NULL, 3, 1, 10);
	CHECK(d.action == ACTION_SCALE_OUT);
	CHECK_STR(d.reason, "latency_high");
	d = infer(NULL, NULL, NULL, "100", NULL, 3, 1, 10);
	CHECK(d.action == ACTION_NONE);
	CHECK_STR(scaling_action_name(ACTION_SCALE_OUT), "scale_out");
	CHECK_STR(scaling_action_name(ACTION_SCALE_IN), "scale_in");
	CHECK_STR(scaling_action_name(ACTION_NONE), "none");
}

void
test_decide(void)
{
	test_training();
	test_inference();
}

void
test_cooldown(void)
{
	ScalingHistory none = {false, 0, false, 0};
	ScalingHistory out_recently = {true, 100 * 1000000LL, true, 100 * 1000000LL};
	ScalingHistory in_recently = {false, 0, true, 100 * 1000000LL};
	int64_t		t = 100 * 1000000LL;

	CHECK(cooldown_refusal(ACTION_SCALE_OUT, t, &none, 300, 60) == NULL);
	CHECK(cooldown_refusal(ACTION_SCALE_IN, t, &none, 300, 60) == NULL);
	CHECK(cooldown_refusal(ACTION_NONE, t, &out_recently, 300, 60) == NULL);
	/* scale-out: 60 s after the last scale-out, exactly 60 s is allowed */
	CHECK_STR(cooldown_refusal(ACTION_SCALE_OUT, t + 59999999, &out_recently, 300, 60), "scale_out_cooldown");
	CHECK(cooldown_refusal(ACTION_SCALE_OUT, t + 60000000, &out_recently, 300, 60) == NULL);
	/* a scale-in does not hold back a scale-out */
	CHECK(cooldown_refusal(ACTION_SCALE_OUT, t + 1, &in_recently, 300, 60) == NULL);
	/* scale-in: 300 s after any change */
	CHECK_STR(cooldown_refusal(ACTION_SCALE_IN, t + 299999999, &out_recently, 300, 60), "scale_in_cooldown");
	CHECK_STR(cooldown_refusal(ACTION_SCALE_IN, t + 1, &in_recently, 300, 60), "scale_in_cooldown");
	CHECK(cooldown_refusal(ACTION_SCALE_IN, t + 300000000, &in_recently, 300, 60) == NULL);
	/* zero cooldowns never refuse */
	CHECK(cooldown_refusal(ACTION_SCALE_IN, t, &in_recently, 0, 0) == NULL);
	CHECK(cooldown_refusal(ACTION_SCALE_OUT, t, &out_recently, 0, 0) == NULL);
}
