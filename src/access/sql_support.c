/*
 * sql_support.c: numeric and jsonb conversions, result rows.
 */
#include "postgres.h"

#include "access/xact.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
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
