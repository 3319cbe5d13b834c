/*
 * runs.c: the run history (scheduler_runs) and run_scaling_cycle().
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "runs.h"
#include "security.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_run_scaling_cycle);

void
cycle_result_init(CycleResult *result)
{
	memset(result, 0, sizeof(*result));
	result->failed_tenants = makeStringInfo();
}

/*
 * The one row of tenant_scaling.cycle_lock, locked for the transaction. Not
 * an advisory lock: any role may take one on any key, and a session that
 * held the cycle's would stop every cycle. Locking the row needs UPDATE on a
 * table only the extension's owner may touch (the worker is a superuser,
 * run_scaling_cycle runs as the owner).
 */
bool
runs_try_cycle_lock(void)
{
	static SPIPlanPtr plan = NULL;

	if (SPI_execute_plan(ts_keep_plan(&plan, "SELECT 1 FROM tenant_scaling.cycle_lock FOR UPDATE SKIP LOCKED", 0, NULL),
						 NULL, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not take the scaling cycle lock");
	return SPI_processed > 0;
}

int64
runs_insert(const char *origin, const char *status)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(origin), CStringGetTextDatum(status)};
	bool		isnull;

	if (SPI_execute_with_args("INSERT INTO tenant_scaling.scheduler_runs (origin, status)"
							  " VALUES ($1, $2) RETURNING run_id",
							  2, types, values, NULL, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not record the scaling cycle");
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

void
runs_finish(int64 run_id, const char *status, const CycleResult *r, const char *message)
{
	Oid			types[11] = {INT8OID, TEXTOID, INT4OID, INT4OID, INT4OID, INT4OID, TEXTOID, TEXTOID,
		INT8OID, BOOLOID, TEXTOID};
	Datum		values[11];
	char		nulls[11];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(run_id);
	values[1] = CStringGetTextDatum(status);
	values[2] = Int32GetDatum(r->tenants_evaluated);
	values[3] = Int32GetDatum(r->training_decisions);
	values[4] = Int32GetDatum(r->inference_decisions);
	values[5] = Int32GetDatum(r->errors);
	values[6] = CStringGetTextDatum(cycle_not_scaled_json(r));
	values[7] = CStringGetTextDatum(psprintf("[%s]", r->failed_tenants->data));
	values[8] = Int64GetDatum(r->pruned_rows);
	values[9] = BoolGetDatum(r->cost_view_refreshed);
	if (message)
		values[10] = CStringGetTextDatum(message);
	else
		nulls[10] = 'n';
	if (SPI_execute_with_args("UPDATE tenant_scaling.scheduler_runs SET finished_at = pg_catalog.clock_timestamp(),"
							  " status = $2, tenants_evaluated = $3, training_decisions = $4,"
							  " inference_decisions = $5, errors = $6, not_scaled = $7::jsonb,"
							  " failed_tenants = $8::jsonb, pruned_rows = $9, cost_view_refreshed = $10,"
							  " message = $11 WHERE run_id = $1",
							  11, types, values, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not record the end of scaling cycle " INT64_FORMAT, run_id);
}

int
runs_mark_abandoned(void)
{
	if (SPI_execute("UPDATE tenant_scaling.scheduler_runs SET status = 'failed',"
					" finished_at = pg_catalog.clock_timestamp(),"
					" message = 'the scheduler stopped before this run finished (crash or shutdown); nothing of it was applied'"
					" WHERE status = 'running'", false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not mark abandoned scaling cycles");
	return (int) SPI_processed;
}

Datum
ts_run_scaling_cycle(PG_FUNCTION_ARGS)
{
	CycleResult result;
	int64		run_id;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	TsSavedUser caller;

	cycle_result_init(&result);
	SPI_connect();
	/*
	 * The cycle writes as the extension's owner, as the scheduler does: an
	 * operator who may run it needs no write privilege on derived state or
	 * history, and reads every tenant's rows as the owner does.
	 */
	ts_become_owner(&caller);
	if (!runs_try_cycle_lock())
	{
		run_id = runs_insert("sql", "skipped");
		runs_finish(run_id, "skipped", &result, "another scaling cycle was running");
		ereport(NOTICE,
				(errmsg("scaling cycle skipped: another cycle is running"),
				 errdetail("Only one cycle runs at a time; the running one covers every tenant.")));
	}
	else
	{
		int			samples_locked;
		/* timed by the clock: the caller's transaction may have begun long ago */
		TimestampTz now = GetCurrentTimestamp();

		run_id = runs_insert("sql", "running");
		ts_sample_job_queues(now, &samples_locked);
		cycle_count_not_scaled_n(&result, "queue_sample_locked", samples_locked);
		ts_cycle_execute(run_id, "sql", now, &result);
		runs_finish(run_id, "succeeded", &result, NULL);
	}
	ts_restore_user(&caller);
	SPI_finish();

	values[0] = Int64GetDatum(run_id);
	values[1] = Int32GetDatum(result.tenants_evaluated);
	values[2] = Int32GetDatum(result.training_decisions);
	values[3] = Int32GetDatum(result.inference_decisions);
	values[4] = Int32GetDatum(result.errors);
	ts_return_row(fcinfo, values, nulls);
	return (Datum) 0;
}
