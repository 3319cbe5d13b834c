/*
 * inference.c: inference_scaling_decision (README, inference_scaling_decision), a pure function of
 * its arguments.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_inference_scaling_decision);

static MaybeDecimal
metric_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	MaybeDecimal m = {false, {0, 0}};

	if (PG_ARGISNULL(argno))
		return m;
	m.known = true;
	m.value = ts_numeric_to_decimal(PG_GETARG_DATUM(argno), name);
	if (ts_decimal_is_negative(m.value))
	{
		char		text[64];

		ts_decimal_to_string(m.value, text, sizeof(text));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative: %s", name, text)));
	}
	return m;
}

static int32
count_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	int32		value;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
	value = PG_GETARG_INT32(argno);
	if (value < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative: %d", name, value)));
	return value;
}

Datum
ts_inference_scaling_decision(PG_FUNCTION_ARGS)
{
	InferenceInput in;
	ScalingRules rules;
	InferenceDecision d;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	in.cpu_avg = metric_arg(fcinfo, 0, "cpu_avg");
	in.memory_avg = metric_arg(fcinfo, 1, "memory_avg");
	in.latency_p95_ms = metric_arg(fcinfo, 2, "latency_p95");
	in.requests_per_second = metric_arg(fcinfo, 3, "requests_per_second");
	in.target_rps = metric_arg(fcinfo, 4, "target_rps");
	in.current_replicas = count_arg(fcinfo, 5, "current_replicas");
	in.min_replicas = count_arg(fcinfo, 6, "min_replicas");
	in.max_replicas = count_arg(fcinfo, 7, "max_replicas");
	if (in.max_replicas < in.min_replicas)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_replicas (%d) must not be less than min_replicas (%d)",
						in.max_replicas, in.min_replicas)));
	ts_rules_from_datum(PG_ARGISNULL(8) ? (Datum) 0 : PG_GETARG_DATUM(8), PG_ARGISNULL(8), &rules);

	decide_inference(&rules.inference, &in, &d);

	values[0] = CStringGetTextDatum(scaling_action_name(d.action));
	values[1] = Int32GetDatum(d.delta);
	values[2] = Int32GetDatum(d.new_replicas);
	values[3] = CStringGetTextDatum(d.reason);
	ts_return_row(fcinfo, values, nulls);
	return (Datum) 0;
}
