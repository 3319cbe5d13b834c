/*
 * decide.h: the scaling decisions of the README (SQL API), as pure functions.
 *
 * No PostgreSQL headers and no I/O: the SQL layer reads the rows, fills the
 * inputs, and reports the outputs. Every decision carries a reason.
 */
#ifndef DECIDE_H
#define DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "scaling_rules.h"
#include "ts_decimal.h"

/* A value read from SQL that may be NULL. */
typedef struct MaybeDecimal
{
	bool		known;
	TsDecimal	value;
} MaybeDecimal;

/* ---- training workers (3.2) ---- */

typedef struct TrainingBounds
{
	bool		has_training_config;	/* a tenant_training_config row */
	bool		distributed_training_enabled;
	int32_t		config_max_workers;
	int32_t		default_max_workers;	/* tenant_scaling.max_training_workers */
} TrainingBounds;

typedef struct TrainingInput
{
	bool		has_stats;		/* a training_queue_stats row exists */
	int32_t		queue_size;
	MaybeDecimal avg_wait_seconds;
	int32_t		current_workers;	/* active + provisioning */
} TrainingInput;

typedef struct TrainingDecision
{
	bool		scale_out;
	bool		scale_in;
	int32_t		target_workers;
	int32_t		ceiling;
	int32_t		floor;
	const char *reason;			/* static string */
} TrainingDecision;

/* The least of the bounds that exist; the GUC when there is none. */
extern int32_t training_ceiling(const TrainingRules *rules, const TrainingBounds *bounds);

extern void decide_training(const TrainingRules *rules, const TrainingBounds *bounds,
							const TrainingInput *input, TrainingDecision *decision);

/* ---- inference replicas (3.3) ---- */

typedef enum ScalingAction
{
	ACTION_NONE,
	ACTION_SCALE_OUT,
	ACTION_SCALE_IN
} ScalingAction;

typedef struct InferenceInput
{
	MaybeDecimal cpu_avg;		/* percent, 0-100 */
	MaybeDecimal memory_avg;	/* percent, 0-100 */
	MaybeDecimal latency_p95_ms;
	MaybeDecimal requests_per_second;
	MaybeDecimal target_rps;
	int32_t		current_replicas;
	int32_t		min_replicas;
	int32_t		max_replicas;
} InferenceInput;

typedef struct InferenceDecision
{
	ScalingAction action;
	int32_t		new_replicas;
	int32_t		delta;			/* abs(new - current) */
	char		reason[96];		/* e.g. "cpu_high,latency_high" */
} InferenceDecision;

extern void decide_inference(const InferenceRules *rules, const InferenceInput *input,
							 InferenceDecision *decision);

extern const char *scaling_action_name(ScalingAction action);

/* ---- stability (3.5) ---- */

/* When the resource was last changed by an applied decision, in microseconds. */
typedef struct ScalingHistory
{
	bool		has_last_scale_out;
	int64_t		last_scale_out_us;
	bool		has_last_scaled;	/* any direction */
	int64_t		last_scaled_us;
} ScalingHistory;

/*
 * NULL when the change may be applied at now_us; otherwise the reason it is
 * refused. A scale-out waits scale_out_cooldown after the last scale-out (a
 * growing load is not held back by an earlier scale-in, as in AWS); a
 * scale-in waits scale_in_cooldown after any change, so capacity that was
 * just ordered is not taken back.
 */
extern const char *cooldown_refusal(ScalingAction action, int64_t now_us,
									const ScalingHistory *history,
									int32_t scale_in_cooldown_s, int32_t scale_out_cooldown_s);

#endif
