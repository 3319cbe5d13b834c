/*
 * sql_support.c: numeric and jsonb conversions, result rows.
 */
#include "postgres.h"

#include "access/xact.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/numeric.h"
#include "utils/resowner.h"

#include "sql_support.h"

TsDecimal
ts_numeric_to_decimal(Datum numeric, const char *what)
{
	Numeric		num = DatumGetNumeric(numeric);
	char	   *text;
	TsDecimal	result;

	if (numeric_is_nan(num) || numeric_is_inf(num))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", what),
				 errdetail("The value given is %s.",
						   DatumGetCString(DirectFunctionCall1(numeric_out, numeric)))));
	text = DatumGetCString(DirectFunctionCall1(numeric_out, numeric));
	if (!ts_decimal_parse(text, &result))
		elog(ERROR, "could not read numeric value \"%s\"", text);
	pfree(text);
	return result;
}

bool
ts_local_time(int64_t utc_us, const char *tz, CivilTime *out)
{
	pg_tz	   *zone = pg_tzset(tz);
	struct pg_tm tm;
	fsec_t		fsec;
	int			offset;

	if (zone == NULL || timestamp2tm((TimestampTz) utc_us, &offset, &tm, &fsec, NULL, zone) != 0)
		return false;
	out->year = tm.tm_year;
	out->month = tm.tm_mon;
	out->day = tm.tm_mday;
	out->minute_of_day = tm.tm_hour * 60 + tm.tm_min;
	return true;
}

/* Each window's time zone must be one PostgreSQL knows (the parser checks only its form). */
static void
check_time_zones(const Schedule *schedule, const char *section)
{
	int			i;

	for (i = 0; i < schedule->n; i++)
		if (schedule->windows[i].timezone[0] && pg_tzset(schedule->windows[i].timezone) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid scaling_rules: unknown time zone \"%s\" in \"%s.schedule[%d].timezone\"",
							schedule->windows[i].timezone, section, i),
					 errhint("Use a name of pg_timezone_names, such as \"Europe/Berlin\", or \"UTC\".")));
}

void
ts_rules_from_jsonb(Jsonb *doc, ScalingRules *rules)
{
	char	   *json = JsonbToCString(NULL, &doc->root, VARSIZE(doc));
	RulesError	err;

	if (!scaling_rules_parse(json, strlen(json), rules, &err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", err.message),
				 err.detail[0] ? errdetail("%s", err.detail) : 0,
				 err.hint[0] ? errhint("%s", err.hint) : 0));
	pfree(json);
	check_time_zones(&rules->training.schedule, "training");
	check_time_zones(&rules->inference.schedule, "inference");
}

void
ts_rules_from_datum(Datum doc, bool isnull, ScalingRules *rules)
{
	if (isnull)
		scaling_rules_set_defaults(rules);
	else
		ts_rules_from_jsonb(DatumGetJsonbP(doc), rules);
}

void
ts_return_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	/*
	 * The executor's expected descriptor, when it has one: building it from
	 * pg_proc on every call costs a quarter of a lookup and leaks until the
	 * end of the query.
	 */
	InitMaterializedSRF(fcinfo, rsinfo->expectedDesc ? MAT_SRF_USE_EXPECTED_DESC : 0);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

SPIPlanPtr
ts_keep_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types)
{
	if (*cache == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

		if (plan == NULL)
			elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		*cache = plan;
	}
	return *cache;
}

bool
ts_try_subtransaction(void (*fn) (void *arg), void *arg, ErrorData **error)
{
	MemoryContext caller_context = CurrentMemoryContext;
	ResourceOwner caller_owner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller_context);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller_context);
		*error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(caller_context);
	CurrentResourceOwner = caller_owner;
	return ok;
}

const char *
ts_quoted_value(const char *value)
{
	size_t		len = strlen(value);

	if (len <= TS_QUOTED_VALUE_MAX)
		return value;
	return psprintf("%.*s...", pg_mbcliplen(value, (int) len, TS_QUOTED_VALUE_MAX), value);
}

char *
ts_uuid_text(const pg_uuid_t *id)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum((pg_uuid_t *) id)));
}
