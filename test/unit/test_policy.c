/* test_policy.c: target tracking (endpoint_policy.c) and the simulator, at and around each limit. */
#include "unit_test.h"
#include "endpoint_policy.h"
#include "simulator.h"

#define S(seconds) ((int64_t) (seconds) * 1000000)

static MaybeDecimal
num(const char *s)
{
	MaybeDecimal m = {true, {0, 0}};

	CHECK(ts_decimal_parse(s, &m.value));
	return m;
}

static const MaybeDecimal none = {false, {0, 0}};

static InferenceRules
rules_of(const char *json)
{
	ScalingRules rules;
	RulesError	err;

	CHECK(scaling_rules_parse(json, strlen(json), &rules, &err));
	return rules.inference;
}

/* an endpoint with fresh metrics: ready = desired = replicas, bounds 1..100 */
static EndpointObservation
observed(int replicas, const char *cpu, const char *rps, const char *p95)
{
	EndpointObservation obs;

	memset(&obs, 0, sizeof(obs));
	obs.now_us = S(10000);
	obs.has_metrics = true;
	obs.metrics_at_us = obs.now_us;
	obs.cpu_avg = cpu ? num(cpu) : none;
	obs.memory_avg = none;
	obs.latency_p95_ms = p95 ? num(p95) : none;
	obs.requests_per_second = rps ? num(rps) : none;
	obs.target_rps = none;
	obs.replica_capacity_rps = none;
	obs.ready_replicas = obs.desired_replicas = replicas;
	obs.min_replicas = 1;
	obs.max_replicas = 100;
	return obs;
}

static EndpointDecision
decide(const InferenceRules *rules, const EndpointObservation *obs)
{
	EndpointPolicyState state;
	EndpointDecision d;
	EndpointDecision quiet;

	/* without the explanation, the same decision and no steps */
	endpoint_policy_state_init(&state);
	quiet.explain = false;
	decide_endpoint(rules, obs, &state, &quiet);
	CHECK(quiet.n_steps == 0);
	d.explain = true;
	decide_endpoint(rules, obs, &state, &d);
	CHECK(d.n_steps > 0 && d.steps[d.n_steps - 1].kind == EXPLAIN_RESULT);
	CHECK(quiet.new_replicas == d.new_replicas && strcmp(quiet.reason, d.reason) == 0);
	return d;
}

static void
test_tolerance_and_proposals(void)
{
	InferenceRules r = rules_of("{}");
	EndpointObservation o;
	EndpointDecision d;

	/* target 60 %: 63 % is within the 5 % up tolerance, 63.01 % is not */
	o = observed(10, "63", NULL, NULL);
	d = decide(&r, &o);
	CHECK(d.action == ACTION_NONE && strcmp(d.reason, "within_target") == 0);
	o = observed(10, "63.01", NULL, NULL);
	d = decide(&r, &o);
	CHECK(d.action == ACTION_SCALE_OUT && d.new_replicas == 11);
	CHECK_STR(d.reason, "cpu_above_target");
	/* exact, as numeric: a hair above the band is outside it, which a double would miss */
	o = observed(10, "63.0000000000000001", NULL, NULL);
	CHECK(decide(&r, &o).action == ACTION_SCALE_OUT);
	o = observed(10, "53.9999999999999999", NULL, NULL);
	CHECK_STR(decide(&r, &o).reason, "scale_down_stabilized");
	/* latency: 210 ms is the band's edge over 200 */
	o = observed(4, "60", NULL, "210.000000000000001");
	CHECK(decide(&r, &o).new_replicas == 5);
	/* exactly at the target: no replica more from rounding */
	o = observed(3, "60", NULL, NULL);
	CHECK(decide(&r, &o).new_replicas == 3);
	/* down: 54 % is within the 10 % down tolerance (held), 53.99 % proposes fewer */
	o = observed(10, "54", NULL, NULL);
	d = decide(&r, &o);
	CHECK(d.action == ACTION_NONE && strcmp(d.reason, "within_target") == 0);
	o = observed(10, "53.99", NULL, NULL);
	d = decide(&r, &o);
	CHECK(d.action == ACTION_NONE && strcmp(d.reason, "scale_down_stabilized") == 0);
	CHECK(d.state_changed && d.state.window.direction == -1 && d.state.window.n == 1);
	/* the request rate against a configured capacity: a burst in one step */
	o = observed(2, "100", "400", NULL);
	o.replica_capacity_rps = num("50");
	d = decide(&r, &o);
	CHECK(d.new_replicas == 14);	/* ceil(400 / 30) */
	CHECK_STR(d.reason, "requests_above_target");
	/* without a capacity, cpu alone: ceil(2 x 100 / 60) */
	o.replica_capacity_rps = none;
	CHECK(decide(&r, &o).new_replicas == 4);
	/* the latency guard adds replicas, at most doubling them */
	o = observed(4, "60", NULL, "2000");
	d = decide(&r, &o);
	CHECK(d.new_replicas == 8);
	CHECK_STR(d.reason, "latency_above_target");
	o = observed(4, "60", NULL, "210");
	CHECK(decide(&r, &o).new_replicas == 4);	/* within tolerance */
	o = observed(4, "60", NULL, "220");
	CHECK(decide(&r, &o).new_replicas == 5);
	/* an absurd request rate is bounded, not undefined */
	o = observed(4, NULL, "1e400", NULL);
	o.replica_capacity_rps = num("50");
	d = decide(&r, &o);
	CHECK(d.new_replicas == 40);	/* the rate limit: tenfold */
	o = observed(2000000000, "60", NULL, "2000");
	o.max_replicas = INT32_MAX;
	CHECK(decide(&r, &o).new_replicas == INT32_MAX);	/* doubled past int32: saturated, not wrapped */
	/* only memory: nothing to size from */
	o = observed(4, NULL, NULL, NULL);
	o.memory_avg = num("90");
	CHECK_STR(decide(&r, &o).reason, "insufficient_data");
	/* no recent sample */
	o = observed(4, "90", NULL, NULL);
	o.has_metrics = false;
	CHECK_STR(decide(&r, &o).reason, "no_recent_metrics");
}

static void
test_bounds_and_guards(void)
{
	InferenceRules r = rules_of("{\"inference\": {\"behavior\": {\"scale_down\": {\"stabilization_window_seconds\": 0}}}}");
	EndpointObservation o;
	EndpointDecision d;

	/* outside the bounds: back at once, even without metrics */
	o = observed(12, NULL, NULL, NULL);
	o.max_replicas = 8;
	o.has_metrics = false;
	d = decide(&r, &o);
	CHECK(d.new_replicas == 8 && strcmp(d.reason, "above_max_replicas") == 0);
	o = observed(1, NULL, NULL, NULL);
	o.min_replicas = 3;
	d = decide(&r, &o);
	CHECK(d.new_replicas == 3 && strcmp(d.reason, "below_min_replicas") == 0);
	/* a recommendation above the bounds stops at them */
	o = observed(8, "100", NULL, NULL);
	o.max_replicas = 8;
	CHECK_STR(decide(&r, &o).reason, "at_max_replicas");
	/* no scale-in without cpu, or with latency above target */
	o = observed(8, NULL, "10", NULL);
	o.replica_capacity_rps = num("50");
	CHECK_STR(decide(&r, &o).reason, "no_scale_in_without_cpu");
	o = observed(8, "10", NULL, "500");
	CHECK(decide(&r, &o).new_replicas >= 8);
	/* with the window at 0, down to the recommendation at once */
	o = observed(8, "15", NULL, NULL);
	d = decide(&r, &o);
	CHECK(d.action == ACTION_SCALE_IN && d.new_replicas == 2);
	CHECK_STR(d.reason, "below_target");
	/* scale to zero, and activation from zero */
	o = observed(2, "0", "0", NULL);
	o.min_replicas = 0;
	d = decide(&r, &o);
	CHECK(d.new_replicas == 0 && strcmp(d.reason, "scale_to_zero") == 0);
	o = observed(0, NULL, "5", NULL);
	o.min_replicas = 0;
	d = decide(&r, &o);
	CHECK(d.new_replicas == 1 && strcmp(d.reason, "activation") == 0);
	o.replica_capacity_rps = num("50");
	o.requests_per_second = num("100");
	CHECK(decide(&r, &o).new_replicas == 4);	/* ceil(100 / 30) */
	/* given cooldowns hold target tracking too */
	r = rules_of("{\"inference\": {\"scale_out_cooldown_seconds\": 60}}");
	o = observed(2, "100", NULL, NULL);
	o.history.has_last_scale_out = true;
	o.history.last_scale_out_us = o.now_us - S(59);
	CHECK_STR(decide(&r, &o).reason, "scale_out_cooldown");
	o.history.last_scale_out_us = o.now_us - S(60);
	CHECK(decide(&r, &o).action == ACTION_SCALE_OUT);
	/* the step policy is the seed's rule */
	r = rules_of("{\"inference\": {\"policy\": \"step\"}}");
	o = observed(2, "95", NULL, NULL);
	d = decide(&r, &o);
	CHECK(d.new_replicas == 3 && strcmp(d.reason, "cpu_high") == 0);
}

static void
test_windows(void)
{
	RecommendationWindow w;

	memset(&w, 0, sizeof(w));
	/* down: held for the whole window, then the highest of it */
	CHECK(window_stabilize(&w, 5, 8, S(0), 0, 300) == 8);
	CHECK(window_stabilize(&w, 6, 8, S(100), 0, 300) == 8);
	CHECK(window_stabilize(&w, 4, 8, S(299), 0, 300) == 8);
	CHECK(window_stabilize(&w, 4, 8, S(300), 0, 300) == 6);
	/* 6 may have been recommended until 160 s (it was kept, not renewed, for a fifth of 300 s) */
	CHECK(window_stabilize(&w, 4, 8, S(401), 0, 300) == 6);
	CHECK(window_stabilize(&w, 4, 8, S(461), 0, 300) == 4);	/* 6 left the window */
	/* a recommendation at the desired count ends the window */
	CHECK(window_stabilize(&w, 8, 8, S(462), 0, 300) == 8 && w.direction == 0 && w.n == 0);
	CHECK(window_stabilize(&w, 4, 8, S(463), 0, 300) == 8 && w.since_us == S(463));
	/* a steady wait keeps its entry (nothing to store) within a fifth of the window, then renews it */
	{
		RecommendationWindow before = w;

		CHECK(window_stabilize(&w, 4, 8, S(500), 0, 300) == 8 && window_equal(&w, &before));
		CHECK(window_stabilize(&w, 4, 8, S(523), 0, 300) == 8 && !window_equal(&w, &before) &&
			  w.at_us[w.n - 1] == S(523));
	}
	/* entries all older than the window (no decision since) count no more: the one now decides */
	CHECK(window_stabilize(&w, 6, 8, S(1000), 0, 300) == 6);
	CHECK(window_stabilize(&w, 4, 8, S(2000), 0, 300) == 4 && w.n == 1);
	/* up: none by default; with a window, the lowest of it */
	memset(&w, 0, sizeof(w));
	CHECK(window_stabilize(&w, 12, 8, S(0), 0, 300) == 12);
	memset(&w, 0, sizeof(w));
	CHECK(window_stabilize(&w, 12, 8, S(0), 30, 300) == 8);
	CHECK(window_stabilize(&w, 10, 8, S(20), 30, 300) == 8);
	CHECK(window_stabilize(&w, 14, 8, S(30), 30, 300) == 10);
	/* the queue keeps only what can still decide */
	CHECK(w.n == 2 && w.replicas[0] == 10 && w.replicas[1] == 14);
	/* an override below a down window's entries never turns them into a scale-up */
	memset(&w, 0, sizeof(w));
	CHECK(window_stabilize(&w, 5, 8, S(0), 0, 300) == 8);
	CHECK(window_stabilize(&w, 3, 4, S(200), 0, 300) == 4);
	/* nor an override above an up window's entries into a scale-down */
	memset(&w, 0, sizeof(w));
	CHECK(window_stabilize(&w, 12, 8, S(0), 30, 300) == 8);
	CHECK(window_stabilize(&w, 14, 13, S(20), 30, 300) == 13);
	/* a full queue forgets its oldest */
	memset(&w, 0, sizeof(w));
	for (int i = 0; i < WINDOW_MAX_ENTRIES + 3; i++)
		window_stabilize(&w, 1000 - i, 2000, S(i), 0, 3600);
	CHECK(w.n == WINDOW_MAX_ENTRIES && w.replicas[0] == 1000 - 3);
}

static void
test_rate_limits(void)
{
	InferenceRules r = rules_of("{}");
	EndpointObservation o = observed(2, "100", NULL, NULL);
	ReplicaChange changes[2] = {{S(9990), 1, 2}, {S(9000), 5, 9}};

	/* pods 4 or tenfold per 15 s, the larger */
	CHECK(rate_limited(&r, &o, 100) == 20);
	o.desired_replicas = 0;
	CHECK(rate_limited(&r, &o, 100) == 4);
	/* the count at the period's start: what was added within it is taken off */
	o.desired_replicas = 2;
	o.changes = changes;
	o.n_changes = 1;
	CHECK(rate_limited(&r, &o, 100) == 10);
	o.changes = changes + 1;	/* out of the period */
	CHECK(rate_limited(&r, &o, 100) == 20);
	r = rules_of("{\"inference\": {\"behavior\": {\"scale_up\": {\"select_policy\": \"min\"}}}}");
	o.n_changes = 0;
	CHECK(rate_limited(&r, &o, 100) == 6);
	r = rules_of("{\"inference\": {\"behavior\": {\"scale_up\": {\"select_policy\": \"disabled\"}}}}");
	CHECK(rate_limited(&r, &o, 100) == 2);
	/* down: percent of the count at the period's start */
	r = rules_of("{\"inference\": {\"behavior\": {\"scale_down\": {\"policies\": "
				 "[{\"type\": \"percent\", \"value\": 50, \"period_seconds\": 60}, "
				 "{\"type\": \"pods\", \"value\": 1, \"period_seconds\": 60}]}}}}");
	o.desired_replicas = 10;
	CHECK(rate_limited(&r, &o, 1) == 5);
	changes[0] = (ReplicaChange) {S(9990), 10, 8};
	o.desired_replicas = 8;
	o.changes = changes;
	o.n_changes = 1;
	CHECK(rate_limited(&r, &o, 1) == 5);	/* ceil(10 x 50 %) */
	CHECK(rate_limited(&r, &o, 6) == 6);	/* a target within the limit is kept */
	CHECK(rate_limit_longest_period(&r) == 60);
	/* the HPA's period start counts both directions: 5 -> 10 within it, then pods 2 down allows 3 */
	r = rules_of("{\"inference\": {\"behavior\": {\"scale_down\": {\"policies\": "
				 "[{\"type\": \"pods\", \"value\": 2, \"period_seconds\": 60}]}}}}");
	changes[0] = (ReplicaChange) {S(9990), 5, 10};
	o.desired_replicas = 10;
	o.changes = changes;
	o.n_changes = 1;
	CHECK(rate_limited(&r, &o, 1) == 3);
	/* a percent scale-down rounds down, as the HPA's: 3 at 50 % goes to 1 */
	r = rules_of("{\"inference\": {\"behavior\": {\"scale_down\": {\"policies\": "
				 "[{\"type\": \"percent\", \"value\": 50, \"period_seconds\": 15}]}}}}");
	o.desired_replicas = 3;
	o.n_changes = 0;
	CHECK(rate_limited(&r, &o, 0) == 1);
}

static void
test_decimal_add(void)
{
	TsDecimal	a,
				b,
				sum;
	char		text[64];

	CHECK(ts_decimal_parse("1", &a) && ts_decimal_parse("0.05", &b));
	CHECK(ts_decimal_add(a, b, &sum));
	ts_decimal_to_string(sum, text, sizeof(text));
	CHECK_STR(text, "1.05");
	CHECK(ts_decimal_add(a, ts_decimal_negate(b), &sum));
	ts_decimal_to_string(sum, text, sizeof(text));
	CHECK_STR(text, "0.95");
	CHECK(ts_decimal_parse("0.000000000000000001", &b) && ts_decimal_add(a, b, &sum));
	ts_decimal_to_string(sum, text, sizeof(text));
	CHECK_STR(text, "1.000000000000000001");
	CHECK(ts_decimal_parse("1e-19", &b) && !ts_decimal_add(a, b, &sum));
	CHECK(ts_decimal_parse("0", &b) && ts_decimal_add(a, b, &sum) && ts_decimal_cmp(sum, a) == 0);
	CHECK(ts_decimal_parse("-1", &b) && ts_decimal_add(a, b, &sum) && sum.coef == 0);
}

static void
test_capacity(void)
{
	CapacityEstimate e = {false, 0, 0, 0};
	EndpointObservation o;

	/* saturated, idle or replica-less samples teach nothing */
	o = observed(4, "95", "400", NULL);
	CHECK(!capacity_estimate_update(&e, &o));
	o = observed(4, "5", "4", NULL);
	CHECK(!capacity_estimate_update(&e, &o));
	o = observed(0, "50", "40", NULL);
	CHECK(!capacity_estimate_update(&e, &o));
	/* nor a sample taken while replicas start (ready below desired) */
	o = observed(4, "50", "100", NULL);
	o.desired_replicas = 6;
	CHECK(!capacity_estimate_update(&e, &o) && !e.known);
	/* 100 rps on 4 replicas at 50 %: 50 rps each at 100 % */
	o = observed(4, "50", "100", NULL);
	CHECK(capacity_estimate_update(&e, &o) && e.known && e.samples == 1 && e.rps_per_replica == 50);
	CHECK(e.sampled_at_us == o.metrics_at_us);
	/* the same sample again teaches nothing */
	o = observed(4, "50", "120", NULL);
	CHECK(!capacity_estimate_update(&e, &o) && e.samples == 1);
	o.metrics_at_us += S(15);
	CHECK(capacity_estimate_update(&e, &o) && e.samples == 2 && e.rps_per_replica == 52);
	/* once usable, a move of 2 % or less is not stored; a larger one is */
	e.samples = CAPACITY_MIN_SAMPLES;
	e.rps_per_replica = 50;
	o = observed(4, "50", "104", NULL);
	o.metrics_at_us += S(30);
	CHECK(!capacity_estimate_update(&e, &o) && e.rps_per_replica == 50);
	o = observed(4, "50", "120", NULL);
	o.metrics_at_us += S(45);
	CHECK(capacity_estimate_update(&e, &o) && e.rps_per_replica == 52 && e.samples == CAPACITY_MIN_SAMPLES + 1);
	/* a small move is kept once the last kept sample is ten minutes old */
	o = observed(4, "50", "104", NULL);
	o.metrics_at_us = e.sampled_at_us + S(599);
	CHECK(!capacity_estimate_update(&e, &o));
	o.metrics_at_us = e.sampled_at_us + S(600);
	CHECK(capacity_estimate_update(&e, &o) && e.rps_per_replica == 52);
	/* an infinite sample teaches nothing */
	o = observed(4, "50", "1e400", NULL);
	o.metrics_at_us += S(1200);
	CHECK(!capacity_estimate_update(&e, &o));
}

static void
test_simulator(void)
{
	InferenceRules r = rules_of("{}");
	SimulationSettings settings = {50, {false, {0, 0}}, 2, 1, 20, S(15), S(90), 0};
	Simulator	sim;
	SimulationStep step;
	TsDecimal	d400,
				d50;
	int			i;

	ts_decimal_parse("400", &d400);
	ts_decimal_parse("50", &d50);
	CHECK(simulator_init(&sim, &r, &settings));
	simulator_step(&sim, d400, &step);
	/* no capacity learnt yet: cpu alone, ready after the cold start */
	CHECK(step.step_no == 1 && step.ready_replicas == 2 && step.desired_replicas == 4);
	for (i = 2; i <= 6; i++)
		simulator_step(&sim, d400, &step);
	CHECK(step.ready_replicas == 2);
	simulator_step(&sim, d400, &step);
	CHECK(step.ready_replicas == 4 && step.at_us == S(90));
	simulator_free(&sim);

	/* a scale-in takes replicas still starting first */
	settings.initial_replicas = 4;
	r = rules_of("{\"inference\": {\"behavior\": {\"scale_down\": {\"stabilization_window_seconds\": 0}}}}");
	CHECK(simulator_init(&sim, &r, &settings));
	simulator_step(&sim, d400, &step);	/* 4 ready, 100 %: ordered more */
	CHECK(step.desired_replicas > 4);
	simulator_step(&sim, d50, &step);	/* 4 ready at 25 %: down to 2 */
	CHECK(step.desired_replicas == 2 && sim.n_starting == 0 && sim.ready == 2);
	simulator_free(&sim);

	/* a cold start of 2^32 steps: the batches are capped, not wrapped */
	settings.step_us = 1;
	settings.cold_start_us = INT64_C(4294967294);
	CHECK(simulator_init(&sim, &r, &settings));
	CHECK(sim.starting_capacity == 1 << 20);
	simulator_step(&sim, d400, &step);
	simulator_step(&sim, d400, &step);
	CHECK(step.desired_replicas > 4);
	simulator_free(&sim);
}

/* steps with p95 over 200 ms or no replica ready, after a jump from 50 to 400 rps */
static int
breaches_after_jump(int warm_pool, int *most_warm, int *warm_at_end)
{
	InferenceRules r = rules_of("{}");
	SimulationSettings settings = {50, {true, {5, 1}}, 2, 1, 40, S(15), S(90), 0, NULL, warm_pool, S(10)};
	Simulator	sim;
	SimulationStep step;
	TsDecimal	low = ts_decimal_from_int(50),
				high = ts_decimal_from_int(400);
	int			breaches = 0;
	int			i;

	CHECK(simulator_init(&sim, &r, &settings));
	*most_warm = 0;
	for (i = 0; i < 120; i++)
	{
		simulator_step(&sim, i < 20 || i >= 80 ? low : high, &step);
		if (step.ready_replicas == 0 || (step.latency_p95_ms.known &&
										 ts_decimal_to_double(step.latency_p95_ms.value) > 200))
			breaches++;
		if (step.warm_replicas > *most_warm)
			*most_warm = step.warm_replicas;
		CHECK(step.warm_replicas <= warm_pool);
	}
	*warm_at_end = step.warm_replicas;
	simulator_free(&sim);
	return breaches;
}

static void
test_warm_pool(void)
{
	int			most_warm,
				warm_at_end;
	int			cold = breaches_after_jump(0, &most_warm, &warm_at_end);
	int			warm = breaches_after_jump(8, &most_warm, &warm_at_end);

	/* without a pool the jump waits a cold start (6 steps); with 8 warm replicas, one step */
	CHECK(cold >= 6);
	CHECK(warm <= 1 && warm < cold);
	/* the pool is full at the start, refills after the jump, and is full again at the end */
	CHECK(most_warm == 8 && warm_at_end == 8);

	/* replicas given back before the refill is done take its place: ready in the pool at once */
	{
		InferenceRules r = rules_of("{\"inference\": {\"behavior\": {\"scale_down\": {\"stabilization_window_seconds\": 0}}}}");
		SimulationSettings settings = {50, {true, {5, 1}}, 2, 1, 40, S(15), S(600), 0, NULL, 2, S(10)};
		Simulator	sim;
		SimulationStep step;
		int			i;

		CHECK(simulator_init(&sim, &r, &settings));
		simulator_step(&sim, ts_decimal_from_int(150), &step);	/* 5 wanted: the 2 warm ones, 1 cold */
		CHECK(step.desired_replicas == 5 && sim.warm_ready == 0 && sim.n_refilling == 2);
		for (i = 0; i < 2; i++)
			simulator_step(&sim, ts_decimal_from_int(150), &step);
		CHECK(sim.ready == 4);
		/* down to 1: the cold one still starting goes, then 3 ready, 2 of them back to the pool */
		simulator_step(&sim, ts_decimal_from_int(30), &step);
		CHECK(step.desired_replicas == 1 && sim.ready == 1 && sim.warm_ready == 2 && sim.n_refilling == 0);
		CHECK(step.warm_replicas == 2);
		simulator_free(&sim);
	}
	/* before 2000 (negative bins) the forecast is learnt too */
	{
		InferenceRules r = rules_of("{\"inference\": {\"predictive\": {\"mode\": \"forecast_only\"}}}");
		SimulationSettings settings = {50, {true, {5, 1}}, 2, 1, 40, S(60), S(90), -S(86400 * 60), NULL, 0, 0};
		Simulator	sim;
		SimulationStep step;
		int			i,
					forecasts = 0;

		CHECK(simulator_init(&sim, &r, &settings));
		for (i = 0; i < 3000; i++)
		{
			simulator_step(&sim, ts_decimal_from_int(100), &step);
			forecasts += step.has_forecast;
		}
		CHECK(forecasts > 1000);
		simulator_free(&sim);
	}
}

void
test_policy(void)
{
	test_tolerance_and_proposals();
	test_bounds_and_guards();
	test_windows();
	test_rate_limits();
	test_decimal_add();
	test_capacity();
	test_simulator();
	test_warm_pool();
}
