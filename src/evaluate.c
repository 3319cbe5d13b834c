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

void
sql_row_read(SqlRow *row, HeapTuple tuple, TupleDesc desc)
{
	Assert(desc->natts <= SQL_ROW_MAX);
	heap_deform_tuple(tuple, desc, row->values, row->nulls);
}

int32
sql_row_int(const SqlRow *row, int col, bool *isnull)
{
	*isnull = row->nulls[col - 1];
	return *isnull ? 0 : DatumGetInt32(row->values[col - 1]);
}

bool
sql_row_time(const SqlRow *row, int col, TimestampTz *out)
{
	if (row->nulls[col - 1])
		return false;
	*out = DatumGetTimestampTz(row->values[col - 1]);
	return true;
}

MaybeDecimal
sql_row_decimal(const SqlRow *row, int col, char **text_out)
{
	MaybeDecimal m = {false, {0, 0}};
	char	   *value = NULL;

	if (!row->nulls[col - 1])
	{
		value = text_to_cstring(DatumGetTextPP(row->values[col - 1]));
		m.known = ts_decimal_parse(value, &m.value);
	}
	if (text_out)
		*text_out = value;
	return m;
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
evaluate_endpoint(const SqlRow *row, const InferenceRules *rules, TimestampTz now,
				  AppliedDecision *out, const char **reason)
{
	InferenceInput in;
	InferenceDecision d;
	ScalingHistory history = {false, 0, false, 0};
	TimestampTz metrics_at = 0;
	const char *refusal;
	StringInfoData inputs;
	bool		isnull;

	in.current_replicas = sql_row_int(row, 4, &isnull);	/* from the desired count */
	in.min_replicas = sql_row_int(row, 5, &isnull);
	in.max_replicas = sql_row_int(row, 6, &isnull);
	in.target_rps = sql_row_decimal(row, 7, NULL);
	history.has_last_scale_out = sql_row_time(row, 8, &history.last_scale_out_us);
	history.has_last_scaled = sql_row_time(row, 9, &history.last_scaled_us);
	if (!sql_row_time(row, 10, &metrics_at))
	{
		*reason = "no_recent_metrics";
		return false;
	}
	in.cpu_avg = sql_row_decimal(row, 11, NULL);
	in.memory_avg = sql_row_decimal(row, 12, NULL);
	in.latency_p95_ms = sql_row_decimal(row, 13, NULL);
	in.requests_per_second = sql_row_decimal(row, 14, NULL);

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
					 sql_row_int(row, 3, &isnull), in.current_replicas, in.min_replicas, in.max_replicas);

	memcpy(&out->tenant_id, DatumGetUUIDP(row->values[0]), UUID_LEN);
	out->kind = RESOURCE_INFERENCE;
	out->resource_id = TextDatumGetCString(row->values[1]);
	out->action = d.action;
	out->previous_count = in.current_replicas;
	out->new_count = d.new_replicas;
	out->reason = pstrdup(d.reason);
	out->inputs = inputs.data;
	*reason = out->reason;
	return true;
}
