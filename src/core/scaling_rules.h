/*
 * scaling_rules.h: a tenant's scaling_rules document (README, validate_scaling_rules).
 *
 * Parsed and validated with libcjson into plain structs, apart from
 * PostgreSQL so that it can be unit-tested and fuzzed on its own. The SQL
 * layer turns a RulesError into ereport(ERROR).
 */
#ifndef SCALING_RULES_H
#define SCALING_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schedule.h"
#include "ts_decimal.h"

/* Which of a direction's rate limits binds, as the HPA's selectPolicy. */
typedef enum SelectPolicy
{
	SELECT_POLICY_MAX,			/* the one that allows the largest change */
	SELECT_POLICY_MIN,			/* the one that allows the smallest */
	SELECT_POLICY_DISABLED		/* no change in this direction */
} SelectPolicy;

typedef enum RateLimitKind
{
	RATE_LIMIT_PODS,			/* replicas per period */
	RATE_LIMIT_PERCENT			/* percent of the count at the period's start */
} RateLimitKind;

typedef struct RateLimit
{
	int32_t		kind;			/* RateLimitKind */
	int32_t		value;
	int32_t		period_seconds;
} RateLimit;

#define MAX_RATE_LIMITS 4

/* One direction of the target-tracking policy, as the HPA's behavior.scaleUp/scaleDown. */
typedef struct ScalingBehavior
{
	int32_t		stabilization_window_seconds;
	TsDecimal	tolerance;		/* a fraction of the target */
	int32_t		select_policy;	/* SelectPolicy */
	int32_t		n_policies;
	RateLimit	policies[MAX_RATE_LIMITS];
} ScalingBehavior;

/* How a tenant's training workers are decided (README, Training policies). */
typedef enum TrainingPolicy
{
	TRAINING_POLICY_QUEUE,		/* sized to the jobs queued and running, the default */
	TRAINING_POLICY_STEP		/* the seed's +2/-1 on queue samples */
} TrainingPolicy;

typedef struct TrainingRules
{
	int32_t		scale_out_queue_size;
	TsDecimal	scale_out_wait_seconds;
	int32_t		scale_in_queue_size;
	TsDecimal	scale_in_wait_seconds;
	int32_t		scale_out_step;
	int32_t		scale_in_step;
	int32_t		min_workers;
	int32_t		max_workers;
	bool		max_workers_set;	/* a ceiling only when given */
	int32_t		scale_in_cooldown_seconds;
	int32_t		scale_out_cooldown_seconds;
	int32_t		policy;			/* TrainingPolicy */
	int32_t		jobs_per_worker;	/* the queue policy's target: jobs queued or running per worker */
	ScalingBehavior scale_up;	/* the queue policy's windows and rate limits (no tolerance) */
	ScalingBehavior scale_down;
	Schedule	schedule;		/* windows setting min_workers and max_workers */
} TrainingRules;

/* How an endpoint's replicas are decided (README, Inference policies). */
typedef enum InferencePolicy
{
	INFERENCE_POLICY_TARGET_TRACKING,	/* proportional to the load, the default */
	INFERENCE_POLICY_STEP		/* the seed's fixed step on thresholds */
} InferencePolicy;

/* What the forecast may do (README, Predictive scaling). */
typedef enum PredictiveMode
{
	PREDICTIVE_OFF,
	PREDICTIVE_FORECAST_ONLY,	/* forecast and say what it would do */
	PREDICTIVE_FORECAST_AND_SCALE	/* and keep that many replicas at least */
} PredictiveMode;

typedef struct PredictiveRules
{
	int32_t		mode;			/* PredictiveMode */
	int32_t		lead_seconds;	/* how far ahead the floor looks: cold start and a buffer */
} PredictiveRules;

typedef struct InferenceRules
{
	int32_t		policy;			/* InferencePolicy */
	TsDecimal	target_utilization; /* fraction of one replica's capacity */
	ScalingBehavior scale_up;
	ScalingBehavior scale_down;
	PredictiveRules predictive;
	Schedule	schedule;		/* windows setting min_replicas and max_replicas */
	/* the step policy's thresholds; latency_p95_high_ms is also the latency target */
	TsDecimal	cpu_high;		/* fractions of 1 */
	TsDecimal	memory_high;
	TsDecimal	latency_p95_high_ms;
	TsDecimal	rps_high_factor;
	TsDecimal	cpu_low;
	TsDecimal	memory_low;
	TsDecimal	latency_p95_low_ms;
	TsDecimal	rps_low_factor;
	int32_t		step;
	/* both policies; by default 300 and 60 for step, none for target tracking */
	int32_t		scale_in_cooldown_seconds;
	int32_t		scale_out_cooldown_seconds;
} InferenceRules;

typedef struct ScalingRules
{
	TrainingRules training;
	InferenceRules inference;
} ScalingRules;

/*
 * Text taken from the document (a key name, a number) is quoted in a message
 * up to this many bytes, "..." included when it is cut.
 */
#define SCALING_RULES_QUOTE_MAX 64

typedef struct RulesError
{
	char		message[256];	/* "invalid scaling_rules: ..." */
	char		detail[256];	/* a sentence, or empty */
	char		hint[512];		/* a sentence, or empty */
} RulesError;

/* The seed's thresholds (README, SQL API). */
extern void scaling_rules_set_defaults(ScalingRules *rules);
/* The same, without a copy: most tenants have no rules of their own. */
extern const ScalingRules *scaling_rules_defaults(void);

/*
 * Parse a JSON document of len bytes over the defaults. On failure returns
 * false, fills err, and leaves rules unspecified.
 */
extern bool scaling_rules_parse(const char *json, size_t len,
								ScalingRules *rules, RulesError *err);

#endif
