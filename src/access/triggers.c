/*
 * triggers.c: row triggers of the extension's tables.
 *
 * CHECK and foreign key constraints guard the data; these triggers run
 * first so that a bad row gets an error that names the value and says what
 * is allowed.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "table_access.h"
#include "security.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_touch_updated_at);
PG_FUNCTION_INFO_V1(ts_check_tenant_scaling_config);
PG_FUNCTION_INFO_V1(ts_reject_update);
PG_FUNCTION_INFO_V1(ts_sample_time_valid);

static TriggerData *
row_trigger_data(FunctionCallInfo fcinfo, const char *name, const char *table)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be called as a BEFORE ROW trigger", name)));
	ts_check_trigger_relation(trigdata, name, table);
	return trigdata;
}

static HeapTuple
new_tuple(TriggerData *trigdata)
{
	return TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
}

Datum
ts_touch_updated_at(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = row_trigger_data(fcinfo, "touch_updated_at", NULL);
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);
	int			attnum = SPI_fnumber(desc, "updated_at");
	Datum		now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	bool		isnull = false;

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("relation \"%s\" has no column \"updated_at\"",
						RelationGetRelationName(trigdata->tg_relation))));
	return PointerGetDatum(heap_modify_tuple_by_cols(new_tuple(trigdata), desc, 1, &attnum,
													 &now, &isnull));
}

static void
check_not_negative_int(HeapTuple tuple, TupleDesc desc, int attnum, const char *name)
{
	bool		isnull;
	Datum		value = heap_getattr(tuple, attnum, desc, &isnull);

	if (!isnull && DatumGetInt32(value) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s must not be negative: %d", name, DatumGetInt32(value)),
				 errdetail("A tenant limit is zero or more.")));
}

static void
check_model_size(HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;
	Datum		value = heap_getattr(tuple, Anum_config_max_model_size_gb, desc, &isnull);

	if (isnull)
		return;
	if (ts_decimal_is_negative(ts_numeric_to_decimal(value, "max_model_size_gb")))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("max_model_size_gb must not be negative: %s",
						DatumGetCString(DirectFunctionCall1(numeric_out, value))),
				 errdetail("A tenant limit is zero or more.")));
}

static void
check_tier(HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;
	Datum		tier = heap_getattr(tuple, Anum_config_scaling_tier, desc, &isnull);
	TsRow		row;

	if (!isnull)				/* NOT NULL reports it */
		ts_fetch_required(NULL, TS_TIERS, tier, &row);
}

Datum
ts_check_tenant_scaling_config(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = row_trigger_data(fcinfo, "check_tenant_scaling_config", "tenant_scaling_config");
	HeapTuple	tuple = new_tuple(trigdata);
	TupleDesc	desc = RelationGetDescr(trigdata->tg_relation);

	check_tier(tuple, desc);
	check_not_negative_int(tuple, desc, Anum_config_max_concurrent_jobs, "max_concurrent_jobs");
	check_model_size(tuple, desc);
	check_not_negative_int(tuple, desc, Anum_config_max_training_duration_hours,
						   "max_training_duration_hours");
	check_not_negative_int(tuple, desc, Anum_config_max_cpu, "max_cpu");
	check_not_negative_int(tuple, desc, Anum_config_max_gpu, "max_gpu");
	return PointerGetDatum(tuple);
}

Datum
ts_reject_update(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = row_trigger_data(fcinfo, "reject_update", NULL);

	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("rows of \"%s\" cannot be updated", ts_trigger_table_name(trigdata)),
			 errdetail("It is an append-only audit log."),
			 errhint("Old rows are deleted by tenant_scaling.history_retention.")));
	PG_RETURN_NULL();
}

/*
 * CHECK of a measurement's time: finite, and not further ahead of the clock
 * than tenant_scaling.max_clock_skew. A sample from the future would stay
 * the newest, hiding every real one, and retention would never remove it.
 */
Datum
ts_sample_time_valid(PG_FUNCTION_ARGS)
{
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
	TimestampTz limit = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), (int64) ts_max_clock_skew * 1000);

	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("sample time must be finite, not %s", timestamptz_to_str(ts)),
				 errdetail("A sample is stamped with the time it was taken.")));
	if (ts > limit)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("sample time %s is in the future", timestamptz_to_str(ts)),
				 errdetail("Samples may be at most %d s ahead of the server's clock (tenant_scaling.max_clock_skew).",
						   ts_max_clock_skew),
				 errhint("Check the clock of the host that took the sample.")));
	PG_RETURN_BOOL(true);
}
