/* test_training_policy.c: training workers sized to the queue (training_policy.c). */
#include "unit_test.h"

#include "training_policy.h"

#define S(seconds) ((int64_t) (seconds) * 1000000)

static TrainingRules
training_rules(const char *json)
{
	ScalingRules rules;
	RulesError	err;

	CHECK(scaling_rules_parse(json, strlen(json), &rules, &err));
	return rules.training;
}

static TrainingQueueObservation
queue(int queued, int running, int desired)
{
	TrainingQueueObservation obs;

	memset(&obs, 0, sizeof(obs));
	obs.now_us = S(100000);
	obs.has_queue = true;
	obs.queued_jobs = queued;
	obs.running_jobs = running;
	obs.desired_workers = desired;
	return obs;
}

static void
test_sizing(void)
{
	TrainingRules r = training_rules("{\"training\": {\"max_workers\": 50}}");
	TrainingBounds none = {false, false, 1, 10};
	RecommendationWindow empty;
	TrainingQueueObservation obs;
	TrainingQueueDecision d;

	memset(&empty, 0, sizeof(empty));
	CHECK(r.policy == TRAINING_POLICY_QUEUE && r.jobs_per_worker == 1);
	CHECK(r.scale_in_cooldown_seconds == 0 && r.scale_out_cooldown_seconds == 0);
	/* 200 jobs at once: up tenfold in one decision (1 -> 10), then to the ceiling of 50 */
	obs = queue(200, 0, 1);
	decide_training_queue(&r, &none, &obs, &empty, &d);
	CHECK(d.recommendation == 200 && d.ceiling == 50 && d.new_workers == 11);
	CHECK_STR(d.reason, "queue_backlog");
	obs = queue(190, 10, 11);
	decide_training_queue(&r, &none, &obs, &empty, &d);
	CHECK(d.new_workers == 50);
	/* workers still starting are counted: the same backlog asks for nothing more */
	obs = queue(150, 50, 50);
	decide_training_queue(&r, &none, &obs, &empty, &d);
	CHECK(d.new_workers == 50);
	CHECK_STR(d.reason, "at_max_workers");
	/* jobs running keep their workers: 3 queued, 5 running, 2 per worker = 4 */
	r = training_rules("{\"training\": {\"jobs_per_worker\": 2}}");
	obs = queue(3, 5, 4);
	decide_training_queue(&r, &none, &obs, &empty, &d);
	CHECK(d.recommendation == 4 && d.new_workers == 4);
	CHECK_STR(d.reason, "workers_match_queue");
	/* the tenant's bound (tenant_training_config) caps it */
	{
		TrainingBounds config = {true, true, 6, 10};

		obs = queue(40, 0, 6);
		decide_training_queue(&r, &config, &obs, &empty, &d);
		CHECK(d.new_workers == 6 && d.ceiling == 6);
		obs = queue(40, 0, 8);
		decide_training_queue(&r, &config, &obs, &empty, &d);
		CHECK(d.new_workers == 6);
		CHECK_STR(d.reason, "above_max_workers");
	}
	/* nothing known about the queue: no change */
	obs = queue(0, 0, 3);
	obs.has_queue = false;
	decide_training_queue(&r, &none, &obs, &empty, &d);
	CHECK(d.new_workers == 3);
	CHECK_STR(d.reason, "no_queue");
	/* no queue: nothing, unless a schedule set the floor */
	obs = queue(0, 0, 0);
	obs.has_queue = false;
	r.min_workers = 4;
	decide_training_queue(&r, &none, &obs, &empty, &d);
	CHECK(d.new_workers == 0);
	obs.floor_scheduled = true;
	decide_training_queue(&r, &none, &obs, &empty, &d);
	CHECK(d.new_workers == 4);
	CHECK_STR(d.reason, "below_min_workers");
	r.min_workers = 1;
	/* below the floor: up to min_workers */
	obs = queue(0, 0, 0);
	decide_training_queue(&r, &none, &obs, &empty, &d);
	CHECK(d.new_workers == 1);
	CHECK_STR(d.reason, "below_min_workers");
}

static void
test_scale_down_window(void)
{
	TrainingRules r = training_rules("{}");
	TrainingBounds none = {false, false, 1, 10};
	RecommendationWindow window;
	TrainingQueueObservation obs;
	TrainingQueueDecision d;

	/* the queue drains: held for the 300 s window, then down to the most it asked for */
	memset(&window, 0, sizeof(window));
	obs = queue(0, 2, 8);
	decide_training_queue(&r, &none, &obs, &window, &d);
	CHECK(d.new_workers == 8 && d.window_changed);
	CHECK_STR(d.reason, "scale_down_stabilized");
	window = d.window;
	obs = queue(0, 3, 8);
	obs.now_us += S(200);
	decide_training_queue(&r, &none, &obs, &window, &d);
	CHECK(d.new_workers == 8);
	window = d.window;
	obs = queue(0, 1, 8);
	obs.now_us += S(301);
	decide_training_queue(&r, &none, &obs, &window, &d);
	CHECK(d.new_workers == 3);	/* the highest of the last 300 s */
	CHECK_STR(d.reason, "queue_drained");
	/* a new wave ends the window; up has none (0 s), so nothing is kept to store */
	obs = queue(9, 0, 8);
	decide_training_queue(&r, &none, &obs, &window, &d);
	CHECK(d.new_workers == 9 && d.window.direction == 0 && d.window.n == 0 && d.window_changed);
	/* the step policy keeps the seed's cooldowns; the queue policy's are given or none */
	r = training_rules("{\"training\": {\"policy\": \"step\"}}");
	CHECK(r.policy == TRAINING_POLICY_STEP && r.scale_in_cooldown_seconds == 300);
	r = training_rules("{\"training\": {\"scale_out_cooldown_seconds\": 120}}");
	CHECK(r.scale_out_cooldown_seconds == 120 && r.scale_in_cooldown_seconds == 0);
}


#include "training_simulator.h"

/* 200 jobs at once, 10 to 60 minutes each, at most 50 workers; minutes until all are done */
static int
backlog_minutes(const char *rules_json, double *worker_hours, int *most_workers, int *served_minute)
{
	TrainingRules r = training_rules(rules_json);
	TrainingSimulationSettings settings = {1, 50, S(60), S(180), 0};
	SimulatedJob jobs[200];
	TrainingSimulator sim;
	TrainingSimulationStep step;
	int			i;
	int			broken = 0;

	for (i = 0; i < 200; i++)
		jobs[i] = (SimulatedJob) {0, S(60) * (10 + (i * 37) % 51), -1, -1};
	CHECK(training_simulator_init(&sim, &r, &settings, jobs, 200));
	*worker_hours = 0;
	*most_workers = 0;
	*served_minute = -1;
	for (i = 0; i < 10000 && !training_simulator_done(&sim); i++)
	{
		training_simulator_step(&sim, &step);
		*worker_hours += step.workers / 60.0;
		if (step.workers > *most_workers)
			*most_workers = step.workers;
		if (step.queued == 0 && *served_minute < 0)
			*served_minute = i;
		if (step.running > step.ready_workers || step.queued + step.running + step.finished > 200 ||
			step.desired_workers > 50)
			broken++;
	}
	CHECK(broken == 0);
	CHECK(training_simulator_done(&sim));
	training_simulator_free(&sim);
	return i;
}

static void
test_training_simulator(void)
{
	double		queue_hours,
				step_hours;
	int			queue_most,
				step_most,
				queue_served,
				step_served;
	int			queue_minutes = backlog_minutes("{}", &queue_hours, &queue_most, &queue_served);
	int			step_minutes = backlog_minutes("{\"training\": {\"policy\": \"step\"}}", &step_hours,
											   &step_most, &step_served);

	/*
	 * The queue policy is at the ceiling within a provisioning time (the
	 * seed's +2 every 5 minutes takes two hours): every job has started in
	 * under three quarters of the seed's time and all are done sooner, on
	 * fewer worker-hours (no idle worker kept long).
	 */
	CHECK(queue_most == 50);
	CHECK(queue_served > 0 && queue_served * 4 < step_served * 3);
	CHECK(queue_minutes < step_minutes);
	CHECK(queue_hours < step_hours);
}

void
test_training_policy(void)
{
	test_sizing();
	test_scale_down_window();
	test_training_simulator();
}
