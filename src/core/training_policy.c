/*
 * training_policy.c: the queue policy of training_policy.h.
 */
#include "training_policy.h"

#include <string.h>

static int32_t
clamp32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ceil((queued + running) / per_worker), without overflow */
static int32_t
workers_for(int32_t queued, int32_t running, int32_t per_worker)
{
	int64_t		backlog = (int64_t) (queued > 0 ? queued : 0) + (running > 0 ? running : 0);
	int64_t		n = (backlog + per_worker - 1) / per_worker;

	return n > INT32_MAX ? INT32_MAX : (int32_t) n;
}

void
training_apply_schedule(TrainingRules *rules, int64_t now_us, LocalTimeFn local_time, ScheduledBounds *out)
{
	memset(out, 0, sizeof(*out));
	if (rules->schedule.n == 0 || local_time == NULL)
		return;
	schedule_bounds(&rules->schedule, NULL, now_us, local_time, rules->min_workers,
					rules->max_workers_set ? rules->max_workers : INT32_MAX, out);
	rules->min_workers = out->min_count;
	if (out->max_count != INT32_MAX)
	{
		rules->max_workers = out->max_count;
		rules->max_workers_set = true;
	}
}

void
decide_training_queue(const TrainingRules *rules, const TrainingBounds *bounds,
					  const TrainingQueueObservation *obs, const RecommendationWindow *window,
					  TrainingQueueDecision *out)
{
	int32_t		desired = obs->desired_workers;
	int32_t		bounded,
				stabilized,
				limited;
	const char *refusal = NULL;

	out->ceiling = training_ceiling(rules, bounds);
	out->floor = rules->min_workers < out->ceiling ? rules->min_workers : out->ceiling;
	out->window = *window;
	out->recommendation = workers_for(obs->queued_jobs, obs->running_jobs, rules->jobs_per_worker);
	out->new_workers = desired;
	if (desired > out->ceiling || (!obs->has_queue && !(obs->floor_scheduled && desired < out->floor)))
	{
		/* a ceiling lowered under the workers is followed at once; without a queue nothing is known */
		out->reason = desired > out->ceiling ? "above_max_workers" : "no_queue";
		if (desired > out->ceiling)
			out->new_workers = out->ceiling;
		window_reset(&out->window);
		out->window_changed = !window_equal(&out->window, window);
		return;
	}
	bounded = clamp32(out->recommendation, out->floor, out->ceiling);
	stabilized = window_stabilize(&out->window, bounded, desired, obs->now_us,
								  rules->scale_up.stabilization_window_seconds,
								  rules->scale_down.stabilization_window_seconds);
	out->window_changed = !window_equal(&out->window, window);
	limited = behavior_rate_limited(&rules->scale_up, &rules->scale_down, desired, obs->now_us,
									obs->changes, obs->n_changes, stabilized);
	if (limited != desired)
		refusal = cooldown_refusal(limited > desired ? ACTION_SCALE_OUT : ACTION_SCALE_IN, obs->now_us,
								   &obs->history, rules->scale_in_cooldown_seconds,
								   rules->scale_out_cooldown_seconds);
	out->new_workers = refusal ? desired : limited;

	if (out->new_workers > desired)
		out->reason = out->recommendation < out->floor ? "below_min_workers" : "queue_backlog";
	else if (out->new_workers < desired)
		out->reason = "queue_drained";
	else if (bounded == desired)
		out->reason = out->recommendation > desired ? "at_max_workers" :
			out->recommendation < desired ? "at_min_workers" : "workers_match_queue";
	else if (stabilized == desired)
		out->reason = bounded < desired ? "scale_down_stabilized" : "scale_up_stabilized";
	else if (limited == desired)
		out->reason = stabilized < desired ? "scale_down_disabled" : "scale_up_disabled";
	else
		out->reason = refusal;
}
