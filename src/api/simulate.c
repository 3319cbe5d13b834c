/*
 * simulate.c: simulate_inference_scaling, the closed loop of
 * src/core/simulator.h over a demand array, one row per step; and
 * simulate_training_scaling, that of src/core/training_simulator.h over a
 * list of jobs.
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
#include "training_simulator.h"

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
	ARG_CONFIGURED_CAPACITY,
	ARG_WARM_POOL_SIZE,
	ARG_WARM_START,
	ARG_ENDPOINT_ID
};

#define SIMULATE_COLUMNS 12

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
	settings.local_time = ts_local_time;
	settings.warm_pool_size = int_argument(fcinfo, ARG_WARM_POOL_SIZE, "warm_pool_size", 0);
	if (settings.warm_pool_size > 100000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("warm_pool_size must be at most 100000")));
	settings.warm_start_us = interval_argument(fcinfo, ARG_WARM_START, "warm_start", true);
	settings.endpoint_id = PG_ARGISNULL(ARG_ENDPOINT_ID) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(ARG_ENDPOINT_ID));
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
			values[11] = Int32GetDatum(step.warm_replicas);
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

/* ---- simulate_training_scaling ---- */

static int
compare_submission(const void *a, const void *b)
{
	const SimulatedJob *x = a;
	const SimulatedJob *y = b;

	/* started_us holds the position given until the simulator starts */
	if (x->submitted_us != y->submitted_us)
		return x->submitted_us < y->submitted_us ? -1 : 1;
	return x->started_us < y->started_us ? -1 : x->started_us > y->started_us;
}

PG_FUNCTION_INFO_V1(ts_simulate_training_scaling);

enum TrainingSimulateArg
{
	TARG_JOB_MINUTES,
	TARG_RULES,
	TARG_MAX_WORKERS,
	TARG_INITIAL,
	TARG_STEP,
	TARG_PROVISIONING,
	TARG_SUBMITTED_MINUTE,
	TARG_START_AT,
	TARG_MAX_STEPS
};

#define TRAINING_SIMULATE_COLUMNS 10

/* minutes as microseconds, each finite and within [min, a year] */
static int64 *
minutes_argument(FunctionCallInfo fcinfo, int arg, const char *name, bool zero_allowed, int *count)
{
	ArrayType  *array;
	Datum	   *elements;
	bool	   *nulls;
	int64	   *us;
	int			i;

	array = PG_GETARG_ARRAYTYPE_P(arg);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", name)));
	deconstruct_array(array, NUMERICOID, -1, false, TYPALIGN_INT, &elements, &nulls, count);
	us = palloc(Max(*count, 1) * sizeof(int64));
	for (i = 0; i < *count; i++)
	{
		double		minutes;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain nulls", name),
					 errdetail("Element %d is null.", i + 1)));
		minutes = ts_decimal_to_double(ts_numeric_to_decimal(elements[i], name));
		if (!(zero_allowed ? minutes >= 0 : minutes > 0) || minutes > 366.0 * 24 * 60)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("each %s must be %s and at most a year", name, zero_allowed ? "zero or more" : "above zero"),
					 errdetail("Element %d is %s.", i + 1,
							   DatumGetCString(DirectFunctionCall1(numeric_out, elements[i])))));
		us[i] = (int64) (minutes * 60 * USECS_PER_SEC);
	}
	return us;
}

Datum
ts_simulate_training_scaling(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TrainingSimulationSettings settings;
	ScalingRules rules;
	TrainingSimulator sim;
	SimulatedJob *jobs;
	int64	   *durations;
	int64	   *submitted = NULL;
	int			n_jobs;
	int			n_submitted = 0;
	int			i;
	int32		max_steps;
	int64		end_us;

	require_argument(fcinfo, TARG_JOB_MINUTES, "job_minutes");
	durations = minutes_argument(fcinfo, TARG_JOB_MINUTES, "job_minutes", false, &n_jobs);
	if (!PG_ARGISNULL(TARG_SUBMITTED_MINUTE))
	{
		submitted = minutes_argument(fcinfo, TARG_SUBMITTED_MINUTE, "submitted_minute", true, &n_submitted);
		if (n_submitted != n_jobs)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("submitted_minute must have as many elements as job_minutes"),
					 errdetail("job_minutes has %d, submitted_minute %d.", n_jobs, n_submitted)));
	}
	ts_rules_from_datum(PG_ARGISNULL(TARG_RULES) ? (Datum) 0 : PG_GETARG_DATUM(TARG_RULES),
						PG_ARGISNULL(TARG_RULES), &rules);
	memset(&settings, 0, sizeof(settings));
	settings.max_workers = int_argument(fcinfo, TARG_MAX_WORKERS, "max_workers", 1);
	if (settings.max_workers > 100000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_workers must be at most 100000")));
	settings.initial_workers = int_argument(fcinfo, TARG_INITIAL, "initial_workers", 0);
	settings.step_us = interval_argument(fcinfo, TARG_STEP, "step", false);
	settings.provision_us = interval_argument(fcinfo, TARG_PROVISIONING, "provisioning", true);
	settings.local_time = ts_local_time;
	require_argument(fcinfo, TARG_START_AT, "start_at");
	settings.start_us = PG_GETARG_TIMESTAMPTZ(TARG_START_AT);
	max_steps = int_argument(fcinfo, TARG_MAX_STEPS, "max_steps", 1);
	if (pg_mul_s64_overflow((int64) max_steps, settings.step_us, &end_us) ||
		pg_add_s64_overflow(settings.start_us, end_us, &end_us) || !IS_VALID_TIMESTAMP(end_us) ||
		TIMESTAMP_NOT_FINITE(settings.start_us))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("the simulated period ends outside the range of timestamps")));

	jobs = palloc(Max(n_jobs, 1) * sizeof(SimulatedJob));
	for (i = 0; i < n_jobs; i++)
	{
		jobs[i].submitted_us = settings.start_us + (submitted ? submitted[i] : 0);
		jobs[i].duration_us = durations[i];
		jobs[i].started_us = i;
	}
	/* run in submission order, as start_next_training_job does */
	if (submitted)
		qsort(jobs, n_jobs, sizeof(SimulatedJob), compare_submission);

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (!training_simulator_init(&sim, &rules.training, &settings, jobs, n_jobs))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	PG_TRY();
	{
		for (i = 0; i < max_steps && !training_simulator_done(&sim); i++)
		{
			TrainingSimulationStep step;
			Datum		values[TRAINING_SIMULATE_COLUMNS];
			bool		nulls[TRAINING_SIMULATE_COLUMNS] = {false};

			CHECK_FOR_INTERRUPTS();
			training_simulator_step(&sim, &step);
			values[0] = Int32GetDatum(step.step_no);
			values[1] = TimestampTzGetDatum(step.at_us);
			values[2] = Int32GetDatum(step.queued);
			values[3] = Int32GetDatum(step.running);
			values[4] = Int32GetDatum(step.finished);
			values[5] = Int32GetDatum(step.desired_workers);
			values[6] = Int32GetDatum(step.ready_workers);
			values[7] = Int32GetDatum(step.workers);
			values[8] = CStringGetTextDatum(scaling_action_name(step.action));
			values[9] = CStringGetTextDatum(step.reason);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	PG_FINALLY();
	{
		training_simulator_free(&sim);
	}
	PG_END_TRY();
	return (Datum) 0;
}
