/*
 * endpoint_policy.c: an endpoint's decision by the step policy (the seed's
 * rule, decide_inference) or by target tracking, explained step by step.
 *
 * Target tracking sizes in proportion to the load, as the HPA, KEDA and AWS
 * do, with these differences: the request rate is sized against one
 * replica's capacity (configured, or learnt from the endpoint's own samples
 * of requests per replica against cpu), so a burst is met in one step where
 * cpu, which stops at 100 %, would need several; latency is a guard that
 * only adds replicas; a scale-in needs cpu.
 *
 * cpu and latency are compared with their targets in exact decimals, as the
 * step policy compares its thresholds. The request rate is sized in
 * doubles, since its capacity is an estimate; a relative slack of
 * RATIO_EPSILON keeps an exact multiple (3 replicas at exactly the target)
 * on the side that exact arithmetic puts it.
 */
#include "endpoint_policy.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define US_PER_SECOND INT64_C(1000000)
#define RATIO_EPSILON 1e-9

/* a sample teaches the capacity only where cpu is neither idle noise nor saturated */
#define CAPACITY_SAMPLE_CPU_MIN 10.0
#define CAPACITY_SAMPLE_CPU_MAX 85.0
#define CAPACITY_WEIGHT 0.2		/* of a new sample in the running estimate */
#define CAPACITY_STORE_CHANGE 0.02	/* a smaller move is not worth a write */
#define CAPACITY_SAMPLES_CAP 1000000
#define CAPACITY_REFRESH_SECONDS 600	/* a kept sample this old is replaced by any new one */

/* the latency guard at most doubles the ready replicas in one decision */
#define LATENCY_GUARD_FACTOR 2

void
endpoint_policy_state_init(EndpointPolicyState *state)
{
	memset(state, 0, sizeof(*state));
}

void
endpoint_apply_schedule(const InferenceRules *rules, const char *endpoint_id, LocalTimeFn local_time,
						EndpointObservation *obs)
{
	memset(&obs->schedule, 0, sizeof(obs->schedule));
	if (rules->schedule.n == 0 || local_time == NULL)
		return;
	schedule_bounds(&rules->schedule, endpoint_id, obs->now_us, local_time, obs->min_replicas, obs->max_replicas,
					&obs->schedule);
	obs->min_replicas = obs->schedule.min_count;
	obs->max_replicas = obs->schedule.max_count;
}

const char *
explain_kind_name(ExplainKind kind)
{
	switch (kind)
	{
		case EXPLAIN_INPUT:
			return "input";
		case EXPLAIN_PROPOSAL:
			return "proposal";
		case EXPLAIN_RECOMMENDATION:
			return "recommendation";
		case EXPLAIN_CONSTRAINT:
			return "constraint";
		case EXPLAIN_RESULT:
			break;
	}
	return "result";
}

static int32_t
ceil_ratio(double x)
{
	double		n;

	if (!(x > 0))				/* NaN too */
		return 0;
	if (isinf(x))
		return INT32_MAX;
	n = ceil(x - x * RATIO_EPSILON);
	return n >= (double) INT32_MAX ? INT32_MAX : (int32_t) n;
}

static int32_t
clamp32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int32_t
clamp64(int64_t v)
{
	return v < 0 ? 0 : v > INT32_MAX ? INT32_MAX : (int32_t) v;
}

static void add_step(EndpointDecision *out, ExplainKind kind, const char *name, const char *value,
					 int32_t before, int32_t after, const char *fmt,...)
			__attribute__((format(printf, 7, 8)));

static void
add_step(EndpointDecision *out, ExplainKind kind, const char *name, const char *value,
		 int32_t before, int32_t after, const char *fmt,...)
{
	ExplainStep *step;
	va_list		args;

	if (!out->explain || out->n_steps >= EXPLAIN_MAX_STEPS)
		return;
	step = &out->steps[out->n_steps++];
	step->kind = kind;
	snprintf(step->name, sizeof(step->name), "%s", name);
	snprintf(step->value, sizeof(step->value), "%s", value ? value : "");
	step->before = before;
	step->after = after;
	va_start(args, fmt);
	vsnprintf(step->detail, sizeof(step->detail), fmt, args);
	va_end(args);
}

static void
maybe_text(MaybeDecimal m, char *buf, size_t len)
{
	char		text[64];

	if (!m.known)
	{
		snprintf(buf, len, "null");
		return;
	}
	ts_decimal_to_string(m.value, text, sizeof(text));
	snprintf(buf, len, "%s", text);
}

static void
explain_metric(EndpointDecision *out, const EndpointObservation *obs, const char *name, MaybeDecimal m)
{
	char		value[48];

	maybe_text(m, value, sizeof(value));
	if (!obs->has_metrics)
		add_step(out, EXPLAIN_INPUT, name, "null", -1, -1, "no sample recent enough");
	else
		add_step(out, EXPLAIN_INPUT, name, value, -1, -1, "sampled %.0f s ago",
				 (double) (obs->now_us - obs->metrics_at_us) / US_PER_SECOND);
}

static void
explain_inputs(EndpointDecision *out, const EndpointObservation *obs)
{
	char		value[48];

	if (!out->explain)
		return;
	explain_metric(out, obs, "cpu_avg", obs->cpu_avg);
	explain_metric(out, obs, "memory_avg", obs->memory_avg);
	explain_metric(out, obs, "latency_p95_ms", obs->latency_p95_ms);
	explain_metric(out, obs, "requests_per_second", obs->requests_per_second);
	snprintf(value, sizeof(value), "%d", obs->ready_replicas);
	add_step(out, EXPLAIN_INPUT, "ready_replicas", value, -1, -1, "current_replicas, as reported");
	snprintf(value, sizeof(value), "%d", obs->desired_replicas);
	add_step(out, EXPLAIN_INPUT, "desired_replicas", value, -1, -1, "what was last ordered; the decision starts from it");
	snprintf(value, sizeof(value), "%d..%d", obs->min_replicas, obs->max_replicas);
	if (!obs->schedule.in_force)
		add_step(out, EXPLAIN_INPUT, "bounds", value, -1, -1, "min_replicas..max_replicas");
	else
		add_step(out, EXPLAIN_INPUT, "bounds", value, -1, -1,
				 "schedule[%d] in force for %d more minutes: min_replicas %s, max_replicas %s",
				 obs->schedule.window, obs->schedule.minutes_left,
				 obs->schedule.min_scheduled ? "scheduled" : "the endpoint's",
				 obs->schedule.max_scheduled ? "scheduled" : "the endpoint's");
}

/* ---- capacity ---- */

bool
capacity_estimate_update(CapacityEstimate *estimate, const EndpointObservation *obs)
{
	double		cpu,
				rps,
				sample,
				next;

	/*
	 * Only while the endpoint is settled (as many ready as desired): while
	 * replicas start or stop, the sample may have been taken with another
	 * ready count than the one reported now.
	 */
	if (!obs->has_metrics || !obs->cpu_avg.known || !obs->requests_per_second.known ||
		obs->ready_replicas < 1 || obs->ready_replicas != obs->desired_replicas ||
		(estimate->known && obs->metrics_at_us <= estimate->sampled_at_us))
		return false;
	cpu = ts_decimal_to_double(obs->cpu_avg.value);
	rps = ts_decimal_to_double(obs->requests_per_second.value);
	if (cpu < CAPACITY_SAMPLE_CPU_MIN || cpu > CAPACITY_SAMPLE_CPU_MAX || !(rps > 0))
		return false;
	sample = rps / (obs->ready_replicas * cpu / 100.0);
	if (!isfinite(sample) || !(sample > 0))
		return false;
	if (!estimate->known)
	{
		estimate->known = true;
		estimate->rps_per_replica = sample;
		estimate->samples = 1;
		estimate->sampled_at_us = obs->metrics_at_us;
		return true;
	}
	next = estimate->rps_per_replica + CAPACITY_WEIGHT * (sample - estimate->rps_per_replica);
	/*
	 * The first samples are all kept; then a move worth a write, or any move
	 * once the last kept sample is CAPACITY_REFRESH_SECONDS old, so that small
	 * moves add up instead of being lost.
	 */
	if (estimate->samples >= CAPACITY_MIN_SAMPLES &&
		fabs(next - estimate->rps_per_replica) <= CAPACITY_STORE_CHANGE * estimate->rps_per_replica &&
		obs->metrics_at_us - estimate->sampled_at_us < (int64_t) CAPACITY_REFRESH_SECONDS * US_PER_SECOND)
		return false;
	estimate->rps_per_replica = next;
	estimate->sampled_at_us = obs->metrics_at_us;
	if (estimate->samples < CAPACITY_SAMPLES_CAP)
		estimate->samples++;
	return true;
}

/* ---- rate limits ---- */

int32_t
rate_limit_longest_period(const InferenceRules *rules)
{
	return behavior_longest_period(&rules->scale_up, &rules->scale_down);
}

int32_t
rate_limited(const InferenceRules *rules, const EndpointObservation *obs, int32_t target)
{
	return behavior_rate_limited(&rules->scale_up, &rules->scale_down, obs->desired_replicas, obs->now_us,
								 obs->changes, obs->n_changes, target);
}

/* ---- the step policy ---- */

static void
decide_step(const InferenceRules *rules, const EndpointObservation *obs, EndpointDecision *out)
{
	InferenceInput in;
	InferenceDecision d;
	const char *refusal = NULL;

	in.cpu_avg = obs->cpu_avg;
	in.memory_avg = obs->memory_avg;
	in.latency_p95_ms = obs->latency_p95_ms;
	in.requests_per_second = obs->requests_per_second;
	in.target_rps = obs->target_rps;
	in.current_replicas = obs->desired_replicas;
	in.min_replicas = obs->min_replicas;
	in.max_replicas = obs->max_replicas;
	decide_inference(rules, &in, &d);
	add_step(out, EXPLAIN_RECOMMENDATION, "step_rule", NULL, obs->desired_replicas, d.new_replicas,
			 "the seed's thresholds: %s", d.reason);
	snprintf(out->reason, sizeof(out->reason), "%s", d.reason);
	out->new_replicas = d.new_replicas;
	if (d.action != ACTION_NONE)
		refusal = cooldown_refusal(d.action, obs->now_us, &obs->history,
								   rules->scale_in_cooldown_seconds, rules->scale_out_cooldown_seconds);
	if (refusal)
	{
		add_step(out, EXPLAIN_CONSTRAINT, "cooldown", NULL, d.new_replicas, obs->desired_replicas,
				 "%s", refusal);
		snprintf(out->reason, sizeof(out->reason), "%s", refusal);
		out->new_replicas = obs->desired_replicas;
	}
}

/* ---- target tracking ---- */

typedef struct Proposals
{
	int32_t		best;			/* -1: none */
	const char *driver;			/* the metric of the best */
	bool		cpu_known;
	bool		latency_high;
} Proposals;

static bool
within_tolerance(double ratio, const InferenceRules *rules)
{
	if (ratio >= 1.0)
		return ratio - 1.0 <= ts_decimal_to_double(rules->scale_up.tolerance) + RATIO_EPSILON;
	return 1.0 - ratio <= ts_decimal_to_double(rules->scale_down.tolerance) + RATIO_EPSILON;
}

/*
 * The same band in exact decimals, for a metric and a target that are both
 * decimal texts (cpu against target_utilization, latency against its
 * target): observed <= target x (1 + up) above it, >= target x (1 - down)
 * below. The rules keep a tolerance to 18 places, so 1 +- tolerance is exact.
 */
static bool
within_tolerance_exact(TsDecimal observed, TsDecimal target, const InferenceRules *rules)
{
	TsDecimal	one = ts_decimal_from_int(1);
	TsDecimal	factor;
	bool		up = ts_decimal_cmp(observed, target) >= 0;

	if (!ts_decimal_add(one, up ? rules->scale_up.tolerance : ts_decimal_negate(rules->scale_down.tolerance),
						&factor))
		return within_tolerance(ts_decimal_to_double(observed) / ts_decimal_to_double(target), rules);
	if (up)
		return ts_decimal_cmp(observed, ts_decimal_mul(target, factor)) <= 0;
	return ts_decimal_cmp(observed, ts_decimal_mul(target, factor)) >= 0;
}

/* The least n with n x target >= ready x observed, exactly: a double's guess, corrected. */
static int32_t
ceil_ratio_exact(int32_t ready, TsDecimal observed, TsDecimal target)
{
	TsDecimal	need = ts_decimal_mul(ts_decimal_from_int(ready), observed);
	int64_t		n = ceil_ratio(ready * ts_decimal_to_double(observed) / ts_decimal_to_double(target));

	while (n > 0 && ts_decimal_cmp(ts_decimal_mul(ts_decimal_from_int(n - 1), target), need) >= 0)
		n--;
	while (n < INT32_MAX && ts_decimal_cmp(ts_decimal_mul(ts_decimal_from_int(n), target), need) < 0)
		n++;
	return (int32_t) n;
}

static void
propose(Proposals *p, EndpointDecision *out, const char *name, int32_t replicas, const char *detail)
{
	char		value[48];

	if (out->explain)
	{
		snprintf(value, sizeof(value), "%d", replicas);
		add_step(out, EXPLAIN_PROPOSAL, name, value, -1, replicas, "%s", detail);
	}
	if (replicas > p->best)
	{
		p->best = replicas;
		p->driver = name;
	}
}

/* The capacity used, and the input line saying where it comes from; 0 when unknown. */
static double
choose_capacity(const EndpointObservation *obs, const CapacityEstimate *estimate, EndpointDecision *out)
{
	char		value[48];

	if (obs->replica_capacity_rps.known && ts_decimal_to_double(obs->replica_capacity_rps.value) > 0)
	{
		if (out->explain)
			maybe_text(obs->replica_capacity_rps, value, sizeof(value));
		add_step(out, EXPLAIN_INPUT, "replica_capacity_rps", value, -1, -1, "configured on the endpoint");
		return ts_decimal_to_double(obs->replica_capacity_rps.value);
	}
	if (estimate->known && estimate->samples >= CAPACITY_MIN_SAMPLES)
	{
		if (out->explain)
			snprintf(value, sizeof(value), "%.6g", estimate->rps_per_replica);
		add_step(out, EXPLAIN_INPUT, "replica_capacity_rps", value, -1, -1,
				 "estimated from %d samples of requests per replica against cpu", estimate->samples);
		return estimate->rps_per_replica;
	}
	add_step(out, EXPLAIN_INPUT, "replica_capacity_rps", "null", -1, -1,
			 "unknown: not configured, and fewer than %d samples with cpu between %.0f %% and %.0f %%",
			 CAPACITY_MIN_SAMPLES, CAPACITY_SAMPLE_CPU_MIN, CAPACITY_SAMPLE_CPU_MAX);
	return 0;
}

static void
tracking_proposals(const InferenceRules *rules, const EndpointObservation *obs, double capacity,
				   EndpointDecision *out, Proposals *p)
{
	double		target = ts_decimal_to_double(rules->target_utilization);
	double		latency_target = ts_decimal_to_double(rules->latency_p95_high_ms);
	int32_t		ready = obs->ready_replicas;
	int32_t		desired = obs->desired_replicas;
	char		detail[160] = "";

	p->best = -1;
	p->driver = NULL;
	p->cpu_known = obs->cpu_avg.known && ready > 0;
	p->latency_high = false;
	if (p->cpu_known)
	{
		TsDecimal	cpu_target = ts_decimal_mul(rules->target_utilization, ts_decimal_from_int(100));
		double		ratio = ts_decimal_to_double(obs->cpu_avg.value) / (100.0 * target);
		bool		within = within_tolerance_exact(obs->cpu_avg.value, cpu_target, rules);

		if (out->explain)
			snprintf(detail, sizeof(detail), "cpu at %.3g of its target of %.3g%s", ratio, target * 100,
				 within ? " %, within tolerance" : " %: ready x cpu / target");
		propose(p, out, "cpu", within ? desired : ceil_ratio_exact(ready, obs->cpu_avg.value, cpu_target), detail);
	}
	if (obs->requests_per_second.known && capacity > 0)
	{
		double		rps = ts_decimal_to_double(obs->requests_per_second.value);
		double		per_replica = capacity * target;
		double		ratio = ready > 0 ? rps / (ready * per_replica) : 0;

		bool		within = ready > 0 && within_tolerance(ratio, rules);

		if (out->explain && within)
			snprintf(detail, sizeof(detail), "requests at %.3g of the ready replicas' target of %.4g rps each,"
					 " within tolerance", ratio, per_replica);
		else if (out->explain)
			snprintf(detail, sizeof(detail), "requests / %.4g rps per replica (%.3g of capacity)",
					 per_replica, target);
		propose(p, out, "requests", within ? desired : ceil_ratio(rps / per_replica), detail);
	}
	else if (obs->requests_per_second.known && ready == 0 &&
			 ts_decimal_to_double(obs->requests_per_second.value) > 0)
		propose(p, out, "requests", 1, "activation: requests at zero replicas, capacity unknown");
	if (obs->latency_p95_ms.known && ready > 0 && latency_target > 0)
	{
		double		ratio = ts_decimal_to_double(obs->latency_p95_ms.value) / latency_target;

		if (ts_decimal_cmp(obs->latency_p95_ms.value, rules->latency_p95_high_ms) > 0 &&
			!within_tolerance_exact(obs->latency_p95_ms.value, rules->latency_p95_high_ms, rules))
		{
			int32_t		n = ceil_ratio_exact(ready, obs->latency_p95_ms.value, rules->latency_p95_high_ms);

			if ((int64_t) n > (int64_t) ready * LATENCY_GUARD_FACTOR)
				n = clamp64((int64_t) ready * LATENCY_GUARD_FACTOR);
			p->latency_high = true;
			if (out->explain)
				snprintf(detail, sizeof(detail), "guard: ready x p95 / %.4g ms (%.3g), at most doubled",
						 latency_target, ratio);
			propose(p, out, "latency", n, detail);
		}
	}
}

/*
 * The forecast's floor (README, Predictive scaling): the replicas the highest
 * forecast of the next lead_seconds needs at the target utilisation. It
 * only ever raises the recommendation; in forecast_only it is shown and
 * kept in forecast_replicas, and changes nothing.
 */
static int32_t
apply_forecast(const InferenceRules *rules, const EndpointObservation *obs, const StoredForecast *forecast,
			   double capacity, int32_t raw, EndpointDecision *out, const char **driver)
{
	const PredictiveRules *pr = &rules->predictive;
	double		peak = 0;
	int32_t		floor;
	bool		scale = pr->mode == PREDICTIVE_FORECAST_AND_SCALE;

	if (pr->mode == PREDICTIVE_OFF)
		return raw;
	if (!forecast->made || forecast->n == 0)
	{
		add_step(out, EXPLAIN_CONSTRAINT, "forecast", NULL, raw, raw,
				 "none: less than a day of request-rate history");
		return raw;
	}
	if (!forecast_peak(forecast, obs->now_us, obs->now_us + (int64_t) pr->lead_seconds * US_PER_SECOND, &peak))
	{
		add_step(out, EXPLAIN_CONSTRAINT, "forecast", NULL, raw, raw, "none: the forecast does not reach now");
		return raw;
	}
	if (!(capacity > 0))
	{
		add_step(out, EXPLAIN_CONSTRAINT, "forecast", NULL, raw, raw,
				 "%.4g rps forecast, but one replica's capacity is unknown", peak);
		return raw;
	}
	floor = ceil_ratio(peak / (capacity * ts_decimal_to_double(rules->target_utilization)));
	out->forecast_replicas = floor;
	add_step(out, EXPLAIN_CONSTRAINT, "forecast", NULL, raw, scale && floor > raw ? floor : raw,
			 "%s: up to %.4g rps forecast within %d s need %d replicas%s", scale ? "forecast_and_scale" : "forecast_only",
			 peak, pr->lead_seconds, floor, scale ? "" : " (not applied)");
	if (!scale || floor <= raw)
		return raw;
	*driver = "forecast";
	return floor;
}

static const char *
scale_out_reason(const char *driver, int32_t desired)
{
	if (driver != NULL && strcmp(driver, "forecast") == 0)
		return "predicted_load";
	if (desired == 0)
		return "activation";
	if (driver == NULL)
		return "scale_up";
	if (strcmp(driver, "requests") == 0)
		return "requests_above_target";
	if (strcmp(driver, "latency") == 0)
		return "latency_above_target";
	return "cpu_above_target";
}

static void
decide_tracking(const InferenceRules *rules, const EndpointObservation *obs,
				const EndpointPolicyState *state, EndpointDecision *out)
{
	CapacityEstimate estimate = state->capacity;
	Proposals	p;
	double		capacity;
	int32_t		desired = obs->desired_replicas;
	int32_t		raw,
				bounded,
				stabilized,
				limited,
				final;
	const char *refusal = NULL;
	const char *held = NULL;

	if (capacity_estimate_update(&estimate, obs))
	{
		out->state.capacity = estimate;
		out->state_changed = true;
	}
	capacity = choose_capacity(obs, &out->state.capacity, out);
	tracking_proposals(rules, obs, capacity, out, &p);
	if (p.best < 0)
	{
		snprintf(out->reason, sizeof(out->reason), "insufficient_data");
		out->new_replicas = desired;
		return;
	}
	raw = p.best;
	add_step(out, EXPLAIN_RECOMMENDATION, "raw", NULL, desired, raw, "the largest proposal (%s)", p.driver);
	raw = apply_forecast(rules, obs, &state->forecast, capacity, raw, out, &p.driver);
	/* no scale-in without cpu, the utilisation the target is about, or with latency above target */
	if (raw < desired && (!p.cpu_known || p.latency_high))
	{
		add_step(out, EXPLAIN_CONSTRAINT, "no_scale_in", NULL, raw, desired,
				 p.latency_high ? "latency is above its target" : "cpu is not known");
		raw = desired;
		held = "no_scale_in_without_cpu";
	}
	bounded = clamp32(raw, obs->min_replicas, obs->max_replicas);
	add_step(out, EXPLAIN_CONSTRAINT, "bounds", NULL, raw, bounded, "min_replicas %d, max_replicas %d",
			 obs->min_replicas, obs->max_replicas);
	stabilized = window_stabilize(&out->state.window, bounded, desired, obs->now_us,
								  rules->scale_up.stabilization_window_seconds,
								  rules->scale_down.stabilization_window_seconds);
	if (!window_equal(&out->state.window, &state->window))
		out->state_changed = true;
	if (bounded == desired)
		add_step(out, EXPLAIN_CONSTRAINT, "stabilization_window", NULL, bounded, stabilized,
				 "none: the recommendation is the desired count");
	else
		add_step(out, EXPLAIN_CONSTRAINT, "stabilization_window", NULL, bounded, stabilized,
				 bounded < desired ? "the highest recommendation of the last %d s" :
				 "the lowest recommendation of the last %d s",
				 bounded < desired ? rules->scale_down.stabilization_window_seconds :
				 rules->scale_up.stabilization_window_seconds);
	limited = rate_limited(rules, obs, stabilized);
	add_step(out, EXPLAIN_CONSTRAINT, "rate_limit", NULL, stabilized, limited,
			 "the %s policies within their periods", stabilized >= desired ? "scale_up" : "scale_down");
	final = limited;
	if (final != desired)
		refusal = cooldown_refusal(final > desired ? ACTION_SCALE_OUT : ACTION_SCALE_IN, obs->now_us,
								   &obs->history, rules->scale_in_cooldown_seconds,
								   rules->scale_out_cooldown_seconds);
	if (refusal)
		final = desired;
	add_step(out, EXPLAIN_CONSTRAINT, "cooldown", NULL, limited, final, "%s", refusal ? refusal : "none in force");

	out->new_replicas = final;
	if (final > desired)
		snprintf(out->reason, sizeof(out->reason), "%s", scale_out_reason(p.driver, desired));
	else if (final < desired)
		snprintf(out->reason, sizeof(out->reason), "%s", final == 0 ? "scale_to_zero" : "below_target");
	else if (held)
		snprintf(out->reason, sizeof(out->reason), "%s", held);
	else if (bounded == desired)
		snprintf(out->reason, sizeof(out->reason), "%s",
				 raw > desired ? "at_max_replicas" : raw < desired ? "at_min_replicas" : "within_target");
	else if (stabilized == desired)
		snprintf(out->reason, sizeof(out->reason), "%s",
				 bounded < desired ? "scale_down_stabilized" : "scale_up_stabilized");
	else if (limited == desired)
		snprintf(out->reason, sizeof(out->reason), "%s",
				 stabilized < desired ? "scale_down_disabled" : "scale_up_disabled");
	else
		snprintf(out->reason, sizeof(out->reason), "%s", refusal);
}

void
decide_endpoint(const InferenceRules *rules, const EndpointObservation *obs,
				const EndpointPolicyState *state, EndpointDecision *out)
{
	int32_t		desired = obs->desired_replicas;
	char		value[48];

	out->n_steps = 0;
	out->state = *state;
	out->state_changed = false;
	out->reason[0] = '\0';
	out->new_replicas = desired;
	out->forecast_replicas = -1;
	explain_inputs(out, obs);

	/*
	 * Bounds changed under the endpoint are followed at once, metrics or not;
	 * by the step policy (the seed's) only when a schedule set them.
	 */
	if ((desired > obs->max_replicas || desired < obs->min_replicas) &&
		(rules->policy != INFERENCE_POLICY_STEP || obs->schedule.in_force))
	{
		out->new_replicas = clamp32(desired, obs->min_replicas, obs->max_replicas);
		add_step(out, EXPLAIN_CONSTRAINT, "bounds", NULL, desired, out->new_replicas,
				 "the desired count is outside min_replicas..max_replicas");
		if (desired > obs->max_replicas)
			snprintf(out->reason, sizeof(out->reason), "%s",
					 obs->schedule.max_scheduled ? "scheduled_max_replicas" : "above_max_replicas");
		else
			snprintf(out->reason, sizeof(out->reason), "%s",
					 obs->schedule.min_scheduled ? "scheduled_min_replicas" : "below_min_replicas");
		window_reset(&out->state.window);
		out->state_changed = !window_equal(&out->state.window, &state->window);
	}
	else if (!obs->has_metrics)
		snprintf(out->reason, sizeof(out->reason), "no_recent_metrics");
	else if (rules->policy == INFERENCE_POLICY_STEP)
		decide_step(rules, obs, out);
	else
		decide_tracking(rules, obs, state, out);

	out->action = out->new_replicas > desired ? ACTION_SCALE_OUT :
		out->new_replicas < desired ? ACTION_SCALE_IN : ACTION_NONE;
	if (out->explain)
		snprintf(value, sizeof(value), "%d", out->new_replicas);
	add_step(out, EXPLAIN_RESULT, scaling_action_name(out->action), value, desired, out->new_replicas,
			 "%s", out->reason);
}
