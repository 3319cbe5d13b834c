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

#include "decide.h"
#include "forecast.h"
#include "scaling_rules.h"

/* A change of the desired count that was applied, for the rate limits. */
typedef struct ReplicaChange
{
	int64_t		at_us;
	int32_t		from;
	int32_t		to;
} ReplicaChange;

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

/*
 * The recommendations that hold a change back (the HPA's stabilization
 * window), kept since they first went one way of the desired count:
 * direction -1 (below, scale-down window: its highest counts), 1 (above,
 * scale-up window: its lowest), 0 none. Only the entries that can still
 * decide are kept (a monotone queue), newest last.
 */
#define WINDOW_MAX_ENTRIES 32

typedef struct RecommendationWindow
{
	int32_t		direction;
	int64_t		since_us;
	int32_t		n;
	int64_t		at_us[WINDOW_MAX_ENTRIES];
	int32_t		replicas[WINDOW_MAX_ENTRIES];
} RecommendationWindow;

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
extern int32_t window_stabilize(RecommendationWindow *window, int32_t recommendation, int32_t desired,
								int64_t now_us, int32_t up_window_s, int32_t down_window_s);
extern int32_t rate_limited(const InferenceRules *rules, const EndpointObservation *obs, int32_t target);

#endif
