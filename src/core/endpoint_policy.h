/*
 * endpoint_policy.h: the decision for one inference endpoint at one moment,
 * by either policy (README, Inference policies), with its explanation.
 *
 * Pure: the cycle, scale_inference_endpoint, explain_endpoint_scaling and
 * the simulator fill an EndpointObservation and the EndpointPolicyState
 * they keep, call decide_endpoint, and apply, store or show what it returns.
 * So the simulator runs the very code the scheduler runs.
 */
#ifndef ENDPOINT_POLICY_H
#define ENDPOINT_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "behavior.h"
#include "decide.h"
#include "forecast.h"
#include "scaling_rules.h"

/* What the policy sees of an endpoint now. */
typedef struct EndpointObservation
{
	int64_t		now_us;
	bool		has_metrics;	/* a sample no older than the freshness limit */
	int64_t		metrics_at_us;
	MaybeDecimal cpu_avg;		/* percent, averaged over the ready replicas */
	MaybeDecimal memory_avg;	/* percent */
	MaybeDecimal latency_p95_ms;
	MaybeDecimal requests_per_second;	/* offered to the whole endpoint */
	MaybeDecimal target_rps;	/* the seed's whole-endpoint target (step policy) */
	MaybeDecimal replica_capacity_rps;	/* configured: one replica at 100 % cpu */
	int32_t		ready_replicas; /* current_replicas, as the actuator reports them */
	int32_t		desired_replicas;	/* what was last ordered; decisions start from it */
	int32_t		min_replicas;
	int32_t		max_replicas;
	ScalingHistory history;		/* for the cooldowns */
	const ReplicaChange *changes;	/* applied, oldest first, within the rate-limit periods */
	int			n_changes;
	ScheduledBounds schedule;	/* the windows in force (endpoint_apply_schedule) */
} EndpointObservation;

/* Requests per second one replica serves at 100 % cpu, learnt from the samples. */
typedef struct CapacityEstimate
{
	bool		known;
	double		rps_per_replica;
	int32_t		samples;
	int64_t		sampled_at_us;	/* the last sample learnt: each is learnt once */
} CapacityEstimate;

/* Fewer samples than this and the estimate is not used. */
#define CAPACITY_MIN_SAMPLES 3

/* What is kept between decisions (tenant_scaling.endpoint_scaling_state). */
typedef struct EndpointPolicyState
{
	CapacityEstimate capacity;
	RecommendationWindow window;
	StoredForecast forecast;	/* refreshed by the caller (forecast_needs_refresh) */
} EndpointPolicyState;

typedef enum ExplainKind
{
	EXPLAIN_INPUT,
	EXPLAIN_PROPOSAL,
	EXPLAIN_RECOMMENDATION,
	EXPLAIN_CONSTRAINT,
	EXPLAIN_RESULT
} ExplainKind;

/* One line of an explanation; replicas are -1 where they do not apply. */
typedef struct ExplainStep
{
	ExplainKind kind;
	char		name[32];
	char		value[48];
	int32_t		before;
	int32_t		after;
	char		detail[160];
} ExplainStep;

#define EXPLAIN_MAX_STEPS 24

typedef struct EndpointDecision
{
	bool		explain;		/* set by the caller: fill steps (else n_steps stays 0) */
	ScalingAction action;
	int32_t		new_replicas;
	char		reason[96];
	int32_t		forecast_replicas;	/* the floor the forecast implies; -1: none */
	int			n_steps;
	ExplainStep steps[EXPLAIN_MAX_STEPS];
	bool		state_changed;	/* state differs from the one given: store it */
	EndpointPolicyState state;
} EndpointDecision;

extern void endpoint_policy_state_init(EndpointPolicyState *state);

/*
 * The bounds the rules' schedule sets for the endpoint now, into obs's
 * min_replicas and max_replicas (the endpoint's own unless a window in
 * force sets them), and obs->schedule; endpoint_id NULL: every window.
 */
extern void endpoint_apply_schedule(const InferenceRules *rules, const char *endpoint_id, LocalTimeFn local_time,
									EndpointObservation *obs);

extern void decide_endpoint(const InferenceRules *rules, const EndpointObservation *obs,
							const EndpointPolicyState *state, EndpointDecision *out);

/* The longest rate-limit period of the rules: the changes the decision needs. */
extern int32_t rate_limit_longest_period(const InferenceRules *rules);

extern const char *explain_kind_name(ExplainKind kind);

/*
 * The recommendation of the target-tracking policy before its windows and
 * rate limits (unit tests, and the pieces decide_endpoint is made of).
 */
extern bool capacity_estimate_update(CapacityEstimate *estimate, const EndpointObservation *obs);
extern int32_t rate_limited(const InferenceRules *rules, const EndpointObservation *obs, int32_t target);

#endif
