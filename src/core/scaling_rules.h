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

#include "ts_decimal.h"

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
} TrainingRules;

typedef struct InferenceRules
{
	TsDecimal	cpu_high;		/* fractions of 1 */
	TsDecimal	memory_high;
	TsDecimal	latency_p95_high_ms;
	TsDecimal	rps_high_factor;
	TsDecimal	cpu_low;
	TsDecimal	memory_low;
	TsDecimal	latency_p95_low_ms;
	TsDecimal	rps_low_factor;
	int32_t		step;
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

/*
 * Parse a JSON document of len bytes over the defaults. On failure returns
 * false, fills err, and leaves rules unspecified.
 */
extern bool scaling_rules_parse(const char *json, size_t len,
								ScalingRules *rules, RulesError *err);

#endif
