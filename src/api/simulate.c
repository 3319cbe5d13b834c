/*
 * simulate.c: simulate_inference_scaling, the closed loop of
 * src/core/simulator.h over a demand array, one row per step.
 *
 * Pure computation under the caller's rights: it reads no table.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "simulator.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_simulate_inference_scaling);

enum SimulateArg
{
	ARG_DEMAND,
	ARG_CAPACITY,
	ARG_RULES,
	ARG_INITIAL,
	ARG_MIN,
	ARG_MAX,
	ARG_STEP,
	ARG_COLD_START,
	ARG_START_AT,
	ARG_CONFIGURED_CAPACITY
};

#define SIMULATE_COLUMNS 11

static void
require_argument(FunctionCallInfo fcinfo, int arg, const char *name)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

static int32
int_argument(FunctionCallInfo fcinfo, int arg, const char *name, int32 min)
{
	int32		value;

	require_argument(fcinfo, arg, name);
	value = PG_GETARG_INT32(arg);
	if (value < min)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at least %d", name, min),
				 errdetail("The value given is %d.", value)));
	return value;
}

/* An interval of fixed length (no months), in microseconds. */
static int64
interval_argument(FunctionCallInfo fcinfo, int arg, const char *name, bool zero_allowed)
{
	Interval   *span;
	int64		us;

	require_argument(fcinfo, arg, name);
	span = PG_GETARG_INTERVAL_P(arg);
	if (span->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be given in months or years", name),
				 errdetail("A month has no fixed length."),
				 errhint("Give it in days, hours, minutes or seconds.")));
	if (pg_mul_s64_overflow((int64) span->day, USECS_PER_DAY, &us) ||
		pg_add_s64_overflow(us, span->time, &us) || us > (int64) 366 * USECS_PER_DAY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be at most a year", name)));
	if (us < 0 || (us == 0 && !zero_allowed))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be %s", name, zero_allowed ? "zero or more" : "more than zero")));
	return us;
}

/* The demand of each step, checked: finite, not negative, no NULL. */
static TsDecimal *
demand_argument(FunctionCallInfo fcinfo, Datum **elements, int *count)
{
	ArrayType  *array;
	bool	   *nulls;
	TsDecimal  *demand;
	int			i;

	require_argument(fcinfo, ARG_DEMAND, "demand_rps");
	array = PG_GETARG_ARRAYTYPE_P(ARG_DEMAND);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("demand_rps must be a one-dimensional array")));
	deconstruct_array(array, NUMERICOID, -1, false, TYPALIGN_INT, elements, &nulls, count);
	demand = palloc(Max(*count, 1) * sizeof(TsDecimal));
	for (i = 0; i < *count; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("demand_rps must not contain nulls"),
					 errdetail("Element %d is null.", i + 1)));
		demand[i] = ts_numeric_to_decimal((*elements)[i], "each demand_rps");
		if (ts_decimal_is_negative(demand[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("demand_rps must not contain negative numbers"),
					 errdetail("Element %d is %s.", i + 1,
							   DatumGetCString(DirectFunctionCall1(numeric_out, (*elements)[i])))));
	}
	return demand;
}

static double
capacity_argument(FunctionCallInfo fcinfo)
{
	TsDecimal	capacity;
	char		text[64];
	double		value;

	require_argument(fcinfo, ARG_CAPACITY, "replica_capacity_rps");
	capacity = ts_numeric_to_decimal(PG_GETARG_DATUM(ARG_CAPACITY), "replica_capacity_rps");
	ts_decimal_to_string(capacity, text, sizeof(text));
	value = ts_decimal_to_double(capacity);
	if (!(value > 0) || isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replica_capacity_rps must be above zero"),
				 errdetail("The value given is %s.", text)));
	return value;
}

static Datum
decimal_datum(MaybeDecimal m, bool *isnull)
{
	char		text[64];

	*isnull = !m.known;
	if (!m.known)
		return (Datum) 0;
	ts_decimal_to_string(m.value, text, sizeof(text));
	return DirectFunctionCall3(numeric_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

Datum
ts_simulate_inference_scaling(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SimulationSettings settings;
	ScalingRules rules;
	Simulator	sim;
	Datum	   *elements;
	TsDecimal  *demand;
	int			count;
	int			i;
	int64		end_us;
	MemoryContext step_context;
	MemoryContext caller = CurrentMemoryContext;

	demand = demand_argument(fcinfo, &elements, &count);
	memset(&settings, 0, sizeof(settings));
	settings.capacity_rps = capacity_argument(fcinfo);
	ts_rules_from_datum(PG_ARGISNULL(ARG_RULES) ? (Datum) 0 : PG_GETARG_DATUM(ARG_RULES),
						PG_ARGISNULL(ARG_RULES), &rules);
	settings.initial_replicas = int_argument(fcinfo, ARG_INITIAL, "initial_replicas", 0);
	settings.min_replicas = int_argument(fcinfo, ARG_MIN, "min_replicas", 0);
	settings.max_replicas = int_argument(fcinfo, ARG_MAX, "max_replicas", Max(settings.min_replicas, 1));
	settings.step_us = interval_argument(fcinfo, ARG_STEP, "step", false);
	settings.cold_start_us = interval_argument(fcinfo, ARG_COLD_START, "cold_start", true);
	require_argument(fcinfo, ARG_START_AT, "start_at");
	settings.start_us = PG_GETARG_TIMESTAMPTZ(ARG_START_AT);
	if (pg_mul_s64_overflow((int64) count, settings.step_us, &end_us) ||
		pg_add_s64_overflow(settings.start_us, end_us, &end_us) || !IS_VALID_TIMESTAMP(end_us) ||
		TIMESTAMP_NOT_FINITE(settings.start_us))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("the simulated period ends outside the range of timestamps")));
	settings.configured_capacity_rps.known = !PG_ARGISNULL(ARG_CONFIGURED_CAPACITY);
	if (settings.configured_capacity_rps.known)
		settings.configured_capacity_rps.value =
			ts_numeric_to_decimal(PG_GETARG_DATUM(ARG_CONFIGURED_CAPACITY), "configured_capacity_rps");

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	step_context = AllocSetContextCreate(CurrentMemoryContext, "simulate_inference_scaling step",
										 ALLOCSET_SMALL_SIZES);
	if (!simulator_init(&sim, &rules.inference, &settings))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	PG_TRY();
	{
		for (i = 0; i < count; i++)
		{
			SimulationStep step;
			Datum		values[SIMULATE_COLUMNS];
			bool		nulls[SIMULATE_COLUMNS] = {false};

			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(step_context);
			MemoryContextSwitchTo(step_context);
			simulator_step(&sim, demand[i], &step);
			values[0] = Int32GetDatum(step.step_no);
			values[1] = TimestampTzGetDatum(step.at_us);
			values[2] = elements[i];
			values[3] = Int32GetDatum(step.desired_replicas);
			values[4] = Int32GetDatum(step.ready_replicas);
			values[5] = decimal_datum(step.cpu_percent, &nulls[5]);
			values[6] = decimal_datum(step.latency_p95_ms, &nulls[6]);
			values[7] = CStringGetTextDatum(scaling_action_name(step.action));
			values[8] = CStringGetTextDatum(step.reason);
			values[9] = Float8GetDatum(step.forecast_rps);
			nulls[9] = !step.has_forecast;
			values[10] = Int32GetDatum(step.forecast_replicas);
			nulls[10] = step.forecast_replicas < 0;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			MemoryContextSwitchTo(caller);
		}
	}
	PG_FINALLY();
	{
		MemoryContextSwitchTo(caller);
		simulator_free(&sim);
		MemoryContextDelete(step_context);
	}
	PG_END_TRY();
	return (Datum) 0;
}
