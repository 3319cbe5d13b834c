/*
 * decide.c: training and inference scaling decisions (README, SQL API).
 *
 * A comparison with an unknown (NULL) value is false, as in SQL, so a
 * missing metric can never make every scale-in condition true and can never
 * by itself make a scale-out condition true.
 */
#include "decide.h"

#include <stdio.h>
#include <string.h>

/* cpu and memory arrive in percent, thresholds are fractions */
static const TsDecimal one_hundred = {1, 2};

#define PERCENT(fraction) ts_decimal_mul((fraction), one_hundred)

static bool
known_gt(MaybeDecimal a, TsDecimal b)
{
	return a.known && ts_decimal_cmp(a.value, b) > 0;
}

static bool
known_lt(MaybeDecimal a, TsDecimal b)
{
	return a.known && ts_decimal_cmp(a.value, b) < 0;
}

static int32_t
min32(int32_t a, int32_t b)
{
	return a < b ? a : b;
}

static int32_t
max32(int32_t a, int32_t b)
{
	return a > b ? a : b;
}

/* current + step without overflowing int32 */
static int32_t
add_saturating(int32_t current, int32_t step)
{
	return current > INT32_MAX - step ? INT32_MAX : current + step;
}

int32_t
training_ceiling(const TrainingRules *rules, const TrainingBounds *bounds)
{
	bool		have = false;
	int32_t		ceiling = 0;

	if (rules->max_workers_set)
	{
		ceiling = rules->max_workers;
		have = true;
	}
	if (bounds->has_training_config)
	{
		int32_t		config = bounds->distributed_training_enabled ? bounds->config_max_workers : 1;

		ceiling = have ? min32(ceiling, config) : config;
		have = true;
	}
	return have ? ceiling : bounds->default_max_workers;
}

void
decide_training(const TrainingRules *rules, const TrainingBounds *bounds,
				const TrainingInput *input, TrainingDecision *decision)
{
	int32_t		current = input->current_workers;
	int32_t		ceiling = training_ceiling(rules, bounds);
	int32_t		floor = min32(rules->min_workers, ceiling);
	TsDecimal	out_wait = rules->scale_out_wait_seconds;
	TsDecimal	in_wait = rules->scale_in_wait_seconds;
	bool		out_wanted;
	bool		in_wanted;
	int32_t		target = current;
	const char *reason;

	out_wanted = input->has_stats &&
		input->queue_size > rules->scale_out_queue_size &&
		known_gt(input->avg_wait_seconds, out_wait);
	in_wanted = input->has_stats &&
		input->queue_size < rules->scale_in_queue_size &&
		known_lt(input->avg_wait_seconds, in_wait);

	if (current > ceiling)
	{
		target = ceiling;
		reason = "above_max_workers";
	}
	else if (out_wanted)
	{
		target = min32(add_saturating(current, rules->scale_out_step), ceiling);
		reason = target > current ? "queue_backlog" : "at_max_workers";
	}
	else if (in_wanted)
	{
		if (current > floor)
		{
			target = max32(current - rules->scale_in_step, floor);
			reason = "queue_idle";
		}
		else
			reason = "at_min_workers";
	}
	else
		reason = input->has_stats ? "within_thresholds" : "no_queue_stats";

	decision->target_workers = target;
	decision->scale_out = target > current;
	decision->scale_in = target < current;
	decision->ceiling = ceiling;
	decision->floor = floor;
	decision->reason = reason;
}

static void
append_reason(char *buf, size_t len, const char *what)
{
	size_t		used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s", used > 0 ? "," : "", what);
}

/* Names the metrics above their high thresholds; returns whether any is. */
static bool
scale_out_triggers(const InferenceRules *rules, const InferenceInput *in, char *buf, size_t len)
{
	buf[0] = '\0';
	if (known_gt(in->cpu_avg, PERCENT(rules->cpu_high)))
		append_reason(buf, len, "cpu_high");
	if (known_gt(in->memory_avg, PERCENT(rules->memory_high)))
		append_reason(buf, len, "memory_high");
	if (known_gt(in->latency_p95_ms, rules->latency_p95_high_ms))
		append_reason(buf, len, "latency_high");
	if (in->target_rps.known &&
		known_gt(in->requests_per_second, ts_decimal_mul(in->target_rps.value, rules->rps_high_factor)))
		append_reason(buf, len, "rps_high");
	return buf[0] != '\0';
}

/* All four metrics known and below their low thresholds. */
static bool
scale_in_wanted(const InferenceRules *rules, const InferenceInput *in)
{
	return known_lt(in->cpu_avg, PERCENT(rules->cpu_low)) &&
		known_lt(in->memory_avg, PERCENT(rules->memory_low)) &&
		known_lt(in->latency_p95_ms, rules->latency_p95_low_ms) &&
		in->target_rps.known &&
		known_lt(in->requests_per_second, ts_decimal_mul(in->target_rps.value, rules->rps_low_factor));
}

static bool
any_unknown(const InferenceInput *in)
{
	return !in->cpu_avg.known || !in->memory_avg.known || !in->latency_p95_ms.known ||
		!in->requests_per_second.known || !in->target_rps.known;
}

void
decide_inference(const InferenceRules *rules, const InferenceInput *in, InferenceDecision *d)
{
	int32_t		current = in->current_replicas;
	int32_t		target = current;
	char		triggers[sizeof(d->reason)];

	if (current > in->max_replicas)
	{
		target = in->max_replicas;
		snprintf(d->reason, sizeof(d->reason), "above_max_replicas");
	}
	else if (current < in->min_replicas)
	{
		target = in->min_replicas;
		snprintf(d->reason, sizeof(d->reason), "below_min_replicas");
	}
	else if (scale_out_triggers(rules, in, triggers, sizeof(triggers)))
	{
		target = min32(add_saturating(current, rules->step), in->max_replicas);
		snprintf(d->reason, sizeof(d->reason), "%s",
				 target > current ? triggers : "at_max_replicas");
	}
	else if (scale_in_wanted(rules, in))
	{
		target = max32(current - rules->step, in->min_replicas);
		snprintf(d->reason, sizeof(d->reason), "%s",
				 target < current ? "all_metrics_low" : "at_min_replicas");
	}
	else
		snprintf(d->reason, sizeof(d->reason), "%s",
				 any_unknown(in) ? "insufficient_data" : "within_target");

	d->new_replicas = target;
	d->action = target > current ? ACTION_SCALE_OUT : target < current ? ACTION_SCALE_IN : ACTION_NONE;
	d->delta = target > current ? target - current : current - target;
}

const char *
scaling_action_name(ScalingAction action)
{
	switch (action)
	{
		case ACTION_SCALE_OUT:
			return "scale_out";
		case ACTION_SCALE_IN:
			return "scale_in";
		case ACTION_NONE:
			break;
	}
	return "none";
}

static bool
within(bool has, int64_t since_us, int64_t now_us, int32_t seconds)
{
	return has && now_us - since_us < (int64_t) seconds * 1000000;
}

const char *
cooldown_refusal(ScalingAction action, int64_t now_us, const ScalingHistory *history,
				 int32_t scale_in_cooldown_s, int32_t scale_out_cooldown_s)
{
	if (action == ACTION_SCALE_OUT &&
		within(history->has_last_scale_out, history->last_scale_out_us, now_us, scale_out_cooldown_s))
		return "scale_out_cooldown";
	if (action == ACTION_SCALE_IN &&
		within(history->has_last_scaled, history->last_scaled_us, now_us, scale_in_cooldown_s))
		return "scale_in_cooldown";
	return NULL;
}
