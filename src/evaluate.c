/*
 * evaluate.c: from rows to decisions, shared by the cycle and
 * scale_inference_endpoint.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"

#include "evaluate.h"

bool
rules_from_text(const char *json, ScalingRules *rules, RulesError *err)
{
	if (json == NULL)
	{
		scaling_rules_set_defaults(rules);
		return true;
	}
	return scaling_rules_parse(json, strlen(json), rules, err);
}

/* A numeric column read as text (NULL stays unknown). */
static MaybeDecimal
decimal_column(HeapTuple row, TupleDesc desc, int col)
{
	MaybeDecimal m = {false, {0, 0}};
	char	   *text = SPI_getvalue(row, desc, col);

	if (text != NULL && ts_decimal_parse(text, &m.value))
		m.known = true;
	return m;
}

static int32
int_column(HeapTuple row, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(row, desc, col, &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}

static bool
time_column(HeapTuple row, TupleDesc desc, int col, TimestampTz *out)
{
	bool		isnull;
	Datum		d = SPI_getbinval(row, desc, col, &isnull);

	if (!isnull)
		*out = DatumGetTimestampTz(d);
	return !isnull;
}

static void
json_decimal(StringInfo buf, const char *key, MaybeDecimal m, bool more)
{
	char		text[64];

	if (m.known)
		ts_decimal_to_string(m.value, text, sizeof(text));
	appendStringInfo(buf, "\"%s\": %s%s", key, m.known ? text : "null", more ? ", " : "");
}

static void
json_time(StringInfo buf, const char *key, TimestampTz t, bool known)
{
	char		text[MAXDATELEN + 1];

	if (!known)
		appendStringInfo(buf, "\"%s\": null, ", key);
	else
		appendStringInfo(buf, "\"%s\": \"%s\", ", key,
						 JsonEncodeDateTime(text, TimestampTzGetDatum(t), TIMESTAMPTZOID, NULL));
}

bool
evaluate_endpoint(HeapTuple row, TupleDesc desc, const InferenceRules *rules, TimestampTz now,
				  AppliedDecision *out, const char **reason)
{
	InferenceInput in;
	InferenceDecision d;
	ScalingHistory history = {false, 0, false, 0};
	TimestampTz metrics_at = 0;
	const char *refusal;
	StringInfoData inputs;
	bool		isnull;

	in.current_replicas = int_column(row, desc, 4);		/* from the desired count */
	in.min_replicas = int_column(row, desc, 5);
	in.max_replicas = int_column(row, desc, 6);
	in.target_rps = decimal_column(row, desc, 7);
	history.has_last_scale_out = time_column(row, desc, 8, &history.last_scale_out_us);
	history.has_last_scaled = time_column(row, desc, 9, &history.last_scaled_us);
	if (!time_column(row, desc, 10, &metrics_at))
	{
		*reason = "no_recent_metrics";
		return false;
	}
	in.cpu_avg = decimal_column(row, desc, 11);
	in.memory_avg = decimal_column(row, desc, 12);
	in.latency_p95_ms = decimal_column(row, desc, 13);
	in.requests_per_second = decimal_column(row, desc, 14);

	decide_inference(rules, &in, &d);
	if (d.action == ACTION_NONE)
	{
		*reason = pstrdup(d.reason);
		return false;
	}
	refusal = cooldown_refusal(d.action, now, &history,
							   rules->scale_in_cooldown_seconds, rules->scale_out_cooldown_seconds);
	if (refusal)
	{
		*reason = refusal;
		return false;
	}

	initStringInfo(&inputs);
	appendStringInfoChar(&inputs, '{');
	json_decimal(&inputs, "cpu_avg", in.cpu_avg, true);
	json_decimal(&inputs, "memory_avg", in.memory_avg, true);
	json_decimal(&inputs, "latency_p95_ms", in.latency_p95_ms, true);
	json_decimal(&inputs, "requests_per_second", in.requests_per_second, true);
	json_decimal(&inputs, "target_rps", in.target_rps, true);
	json_time(&inputs, "metrics_at", metrics_at, true);
	appendStringInfo(&inputs, "\"current_replicas\": %d, \"desired_replicas\": %d, "
					 "\"min_replicas\": %d, \"max_replicas\": %d}",
					 int_column(row, desc, 3), in.current_replicas, in.min_replicas, in.max_replicas);

	memcpy(&out->tenant_id, DatumGetUUIDP(SPI_getbinval(row, desc, 1, &isnull)), UUID_LEN);
	out->kind = RESOURCE_INFERENCE;
	out->resource_id = SPI_getvalue(row, desc, 2);
	out->action = d.action;
	out->previous_count = in.current_replicas;
	out->new_count = d.new_replicas;
	out->reason = pstrdup(d.reason);
	out->inputs = inputs.data;
	*reason = out->reason;
	return true;
}
