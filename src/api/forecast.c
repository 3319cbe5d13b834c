/*
 * forecast.c: forecast_endpoint_load, an endpoint's request-rate forecast
 * from its stored history (src/core/forecast.h) with the replicas it
 * implies, and the error of that forecast on the last days it can check.
 *
 * Under the caller's rights: row-level security decides whose endpoint and
 * history it reads.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "scaling_state.h"
#include "evaluate.h"
#include "forecast.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_forecast_endpoint_load);

#define FORECAST_COLUMNS 5
#define MAX_HORIZON_DAYS 7
#define CHECKED_DAYS 7

/* the endpoint's bounds, the capacity of one replica (configured or learnt) and the tenant's rules */
#define ENDPOINT_LOOKUP \
	"SELECT e.min_replicas, e.max_replicas," \
	"       coalesce(e.replica_capacity_rps::float8, CASE WHEN s.capacity_samples >= " \
	CppAsString2(CAPACITY_MIN_SAMPLES) " THEN s.capacity_rps END)," \
	"       c.scaling_rules::text" \
	"  FROM tenant_scaling.inference_endpoints e" \
	"  LEFT JOIN tenant_scaling.endpoint_scaling_state s" \
	"         ON s.tenant_id = e.tenant_id AND s.endpoint_id = e.endpoint_id" \
	"  LEFT JOIN tenant_scaling.tenant_scaling_config c ON c.tenant_id = e.tenant_id" \
	" WHERE e.tenant_id = $1 AND e.endpoint_id = $2"

typedef struct EndpointSizing
{
	int32		min_replicas;
	int32		max_replicas;
	double		capacity;		/* 0: unknown */
	double		target_utilization;
} EndpointSizing;

static void
lookup_endpoint(const pg_uuid_t *tenant, const char *endpoint_id, EndpointSizing *sizing)
{
	Oid			types[2] = {UUIDOID, TEXTOID};
	Datum		values[2] = {UUIDPGetDatum(tenant), CStringGetTextDatum(endpoint_id)};
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	Datum		capacity;
	char	   *rules_text;
	ScalingRules rules;
	RulesError	err;

	if (SPI_execute_with_args(ENDPOINT_LOOKUP, 2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading the endpoint failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("inference endpoint \"%s\" of tenant %s does not exist", endpoint_id,
						ts_uuid_text(tenant)),
				 errhint("Pass an endpoint of tenant_scaling.inference_endpoints that the current role may read.")));
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	sizing->min_replicas = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &isnull));
	sizing->max_replicas = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
	capacity = SPI_getbinval(tuple, desc, 3, &isnull);
	sizing->capacity = isnull ? 0 : DatumGetFloat8(capacity);
	rules_text = SPI_getvalue(tuple, desc, 4);
	/* stored rules were validated when written; the defaults if not */
	if (!stored_rules_parse(rules_text, &rules, &err))
		scaling_rules_set_defaults(&rules);
	sizing->target_utilization = ts_decimal_to_double(rules.inference.target_utilization);
}

static int64
horizon_argument(FunctionCallInfo fcinfo)
{
	Interval   *span;
	int64		us;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("horizon must not be null")));
	span = PG_GETARG_INTERVAL_P(2);
	if (span->month != 0 || pg_mul_s64_overflow((int64) span->day, USECS_PER_DAY, &us) ||
		pg_add_s64_overflow(us, span->time, &us) || us <= 0 || us > MAX_HORIZON_DAYS * USECS_PER_DAY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must be longer than zero and at most %d days", MAX_HORIZON_DAYS),
				 errhint("Give it in days, hours, minutes or seconds.")));
	return us;
}

static void
put_row(ReturnSetInfo *rsinfo, const char *phase, int64 at_us, double rps, bool has_rps,
		int32 replicas, bool has_replicas, double error, bool has_error)
{
	Datum		values[FORECAST_COLUMNS];
	bool		nulls[FORECAST_COLUMNS] = {false, false, !has_rps, !has_replicas, !has_error};

	values[0] = CStringGetTextDatum(phase);
	values[1] = TimestampTzGetDatum(at_us);
	values[2] = Float8GetDatum(rps);
	values[3] = Int32GetDatum(replicas);
	values[4] = Float8GetDatum(error);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static int32
replicas_for(const EndpointSizing *sizing, double rps)
{
	double		n = ceil(rps / (sizing->capacity * sizing->target_utilization) - 1e-9);

	if (!(n > sizing->min_replicas))
		return sizing->min_replicas;
	return n >= sizing->max_replicas ? sizing->max_replicas : (int32) n;
}

Datum
ts_forecast_endpoint_load(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	pg_uuid_t  *tenant;
	char	   *endpoint_id;
	int64		horizon;
	EndpointSizing sizing;
	LoadHistory history;
	ForecastModel model;
	int64		j,
				last;
	int			d;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("tenant_id and endpoint_id must not be null")));
	tenant = PG_GETARG_UUID_P(0);
	endpoint_id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	horizon = horizon_argument(fcinfo);

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	lookup_endpoint(tenant, endpoint_id, &sizing);
	endpoint_history_load(tenant, endpoint_id, now, &history);
	if (!forecast_fit(&history, &model))
	{
		ereport(NOTICE,
				(errmsg("endpoint \"%s\" has too little request-rate history for a forecast", endpoint_id),
				 errdetail_internal("%s", model.why_not)));
		SPI_finish();
		return (Datum) 0;
	}
	/* the bins from now's to the one that holds now + horizon */
	last = forecast_bin_of(now + horizon) - forecast_bin_of(history.start_us);
	for (j = history.n; j <= last; j++)
	{
		double		f = forecast_bin(&history, &model, j);

		if (isnan(f))
			f = 0;
		put_row(rsinfo, "forecast", history.start_us + j * FORECAST_BIN_US, f, true,
				sizing.capacity > 0 ? replicas_for(&sizing, f) : 0, sizing.capacity > 0, 0, false);
	}
	/* each of the last days, forecast a day ahead from the history before it */
	for (d = 0; d < CHECKED_DAYS; d++)
	{
		int32		day_end = history.n - d * FORECAST_BINS_PER_DAY;
		double		error;

		if (forecast_day_error(&history, day_end, &error))
			put_row(rsinfo, "error", history.start_us + (int64) (day_end - FORECAST_BINS_PER_DAY) * FORECAST_BIN_US,
					0, false, 0, false, error, true);
	}
	SPI_finish();
	return (Datum) 0;
}
