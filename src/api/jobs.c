/*
 * jobs.c: the training job queue with admission control (README, The training job queue).
 *
 * A tenant's limits are enforced, not just stored: submit refuses a job
 * over max_model_size_gb or max_training_duration_hours; start runs the
 * oldest queued job only while fewer than max_concurrent_jobs run. Starts
 * are serialized per tenant by a row lock on its tenant_job_counts row
 * (kept by triggers on training_jobs), taken before the count is read:
 * under READ COMMITTED the lock returns the newest count, and under
 * REPEATABLE READ a concurrent change is a serialization failure, so the
 * limit holds at any isolation level and no call waits for another tenant.
 *
 * A tenant role may act only for its own tenant (security.c); the writes
 * are done as the extension's owner, since tenants hold no privilege to
 * write jobs directly and so cannot bypass the limits.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "security.h"
#include "table_access.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_submit_training_job);
PG_FUNCTION_INFO_V1(ts_start_next_training_job);
PG_FUNCTION_INFO_V1(ts_finish_training_job);

/* SQLSTATE of a job over its tenant's limits */
#define ERRCODE_TENANT_LIMIT_EXCEEDED MAKE_SQLSTATE('T', 'S', '0', '0', '1')

/* the seed's defaults, for a tenant without configuration or with a NULL limit */
#define DEFAULT_MAX_JOBS 1
#define DEFAULT_MAX_MODEL_GB 1
#define DEFAULT_MAX_HOURS 24

static void
require_argument(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

static char *
numeric_text(Datum value)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, value));
}

static bool
numeric_greater(Datum a, Datum b)
{
	return DatumGetBool(DirectFunctionCall2(numeric_gt, a, b));
}

/* One read: does the workload type exist, and the tenant's limits (defaults for NULL or no row). */
static void
read_submit_context(Datum tenant, Datum workload_type, Datum *max_model_gb, Datum *max_hours)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {UUIDOID, TEXTOID};
	Datum		values[2] = {tenant, workload_type};
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;

	if (SPI_execute_plan(ts_keep_plan(&plan,
								  "SELECT EXISTS (SELECT 1 FROM tenant_scaling.workload_profiles"
								  "                WHERE workload_type = $2),"
								  "       coalesce(c.max_model_size_gb, " CppAsString2(DEFAULT_MAX_MODEL_GB) "),"
								  "       coalesce(c.max_training_duration_hours, "
								  CppAsString2(DEFAULT_MAX_HOURS) ")::numeric"
								  "  FROM (SELECT $1::uuid AS tenant_id) t"
								  "  LEFT JOIN tenant_scaling.tenant_scaling_config c ON c.tenant_id = t.tenant_id",
								  2, types),
						 values, NULL, true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "reading the tenant's limits failed");
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	if (!DatumGetBool(SPI_getbinval(row, desc, 1, &isnull)))
		ts_report_unknown_key(TS_WORKLOAD_PROFILES, workload_type);
	*max_model_gb = SPI_getbinval(row, desc, 2, &isnull);
	*max_hours = SPI_getbinval(row, desc, 3, &isnull);
}

static void
check_job_against_limits(Datum tenant, Datum workload_type, Datum model_size, Datum duration)
{
	Datum		max_model_gb;
	Datum		max_hours;
	char	   *tenant_text = ts_uuid_text(DatumGetUUIDP(tenant));

	read_submit_context(tenant, workload_type, &max_model_gb, &max_hours);
	if (ts_decimal_is_negative(ts_numeric_to_decimal(model_size, "model_size_gb")))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model_size_gb must not be negative: %s", numeric_text(model_size))));
	if (!numeric_greater(duration, DirectFunctionCall1(int4_numeric, Int32GetDatum(0))) ||
		numeric_is_inf(DatumGetNumeric(duration)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expected_duration_hours must be a positive number: %s", numeric_text(duration))));
	(void) ts_numeric_to_decimal(duration, "expected_duration_hours");

	if (numeric_greater(model_size, max_model_gb))
		ereport(ERROR,
				(errcode(ERRCODE_TENANT_LIMIT_EXCEEDED),
				 errmsg("model size %s GB exceeds the limit of %s GB of tenant %s",
						numeric_text(model_size), numeric_text(max_model_gb), tenant_text),
				 errdetail("The tenant's max_model_size_gb is %s.", numeric_text(max_model_gb)),
				 errhint("Raise tenant_scaling_config.max_model_size_gb, or submit a smaller model.")));
	if (numeric_greater(duration, max_hours))
		ereport(ERROR,
				(errcode(ERRCODE_TENANT_LIMIT_EXCEEDED),
				 errmsg("expected duration %s h exceeds the limit of %s h of tenant %s",
						numeric_text(duration), numeric_text(max_hours), tenant_text),
				 errdetail("The tenant's max_training_duration_hours is %s.", numeric_text(max_hours)),
				 errhint("Raise tenant_scaling_config.max_training_duration_hours, or split the job.")));
}

Datum
ts_submit_training_job(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr insert_plan = NULL;
	Oid			types[5] = {UUIDOID, TEXTOID, NUMERICOID, NUMERICOID, BOOLOID};
	Datum		values[5];
	bool		isnull;
	int64		job_id;
	TsSavedUser caller;

	require_argument(fcinfo, 0, "tenant_id");
	require_argument(fcinfo, 1, "workload_type");
	require_argument(fcinfo, 2, "model_size_gb");
	require_argument(fcinfo, 3, "expected_duration_hours");
	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = PG_GETARG_DATUM(2);
	values[3] = PG_GETARG_DATUM(3);
	/* submit_training_job(..., preemptible): may run on spot capacity */
	if (PG_NARGS() > 4)
		require_argument(fcinfo, 4, "preemptible");
	values[4] = PG_NARGS() > 4 ? PG_GETARG_DATUM(4) : BoolGetDatum(false);

	ts_check_acts_for_tenant(DatumGetUUIDP(values[0]));
	SPI_connect();
	/*
	 * Writes run with no row limit: an INSERT ... RETURNING run with a limit
	 * of 1 through SPI skips the AFTER STATEMENT trigger that keeps
	 * tenant_job_counts (seen on PostgreSQL 15).
	 */
	check_job_against_limits(values[0], values[1], values[2], values[3]);
	ts_become_owner(&caller);
	if (SPI_execute_plan(ts_keep_plan(&insert_plan,
								  "INSERT INTO tenant_scaling.training_jobs"
								  " (tenant_id, workload_type, model_size_gb, expected_duration_hours, preemptible)"
								  " VALUES ($1, $2, $3, $4, $5) RETURNING job_id", 5, types),
						 values, NULL, false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "queueing the training job failed");
	job_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	ts_restore_user(&caller);
	SPI_finish();
	PG_RETURN_INT64(job_id);
}

/*
 * Lock the tenant's counts row and say whether a job may start. A tenant
 * without the row has never queued a job.
 */
static bool
take_job_slot(Datum tenant)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {UUIDOID};
	Datum		values[1] = {tenant};
	bool		isnull;

	if (SPI_execute_plan(ts_keep_plan(&plan,
								  "SELECT n.running_jobs < coalesce(c.max_concurrent_jobs, "
								  CppAsString2(DEFAULT_MAX_JOBS) ") AND n.queued_jobs > 0"
								  "  FROM tenant_scaling.tenant_job_counts n"
								  "  LEFT JOIN tenant_scaling.tenant_scaling_config c ON c.tenant_id = n.tenant_id"
								  " WHERE n.tenant_id = $1"
								  "   FOR UPDATE OF n", 1, types),
						 values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "locking the tenant's job slots failed");
	return SPI_processed > 0 &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

Datum
ts_start_next_training_job(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr start_plan = NULL;
	Oid			types[1] = {UUIDOID};
	Datum		values[1] = {PG_GETARG_DATUM(0)};
	bool		isnull;
	int64		job_id = 0;
	bool		started = false;
	TsSavedUser caller;

	ts_check_acts_for_tenant(PG_GETARG_UUID_P(0));
	SPI_connect();
	ts_become_owner(&caller);
	/* a fresh statement after the lock: its snapshot sees the jobs the last holder started */
	if (take_job_slot(values[0]))
	{
		/*
		 * The head job, placed on a pool within the tenant's GPU quota
		 * (place_training_job), or left queued with the reason it waits.
		 */
		if (SPI_execute_plan(ts_keep_plan(&start_plan,
									  "SELECT h.job_id, p.wait_reason IS NULL"
									  "  FROM (SELECT job_id FROM tenant_scaling.training_jobs"
									  "         WHERE tenant_id = $1 AND status = 'queued'"
									  "         ORDER BY submitted_at, job_id LIMIT 1"
									  "           FOR UPDATE SKIP LOCKED) h"
									  " CROSS JOIN LATERAL tenant_scaling.place_training_job(h.job_id, NULL) p",
									  1, types),
							 values, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "starting the training job failed");
		if (SPI_processed > 0 &&
			DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)))
		{
			job_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
			started = true;
		}
	}
	ts_restore_user(&caller);
	SPI_finish();
	if (!started)
		PG_RETURN_NULL();
	PG_RETURN_INT64(job_id);
}

/* The job's tenant, as the caller sees it: another tenant's job does not exist for it. */
static void
visible_job_tenant(Datum job_id, pg_uuid_t *tenant)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {job_id};
	bool		isnull;

	if (SPI_execute_plan(ts_keep_plan(&plan, "SELECT tenant_id FROM tenant_scaling.training_jobs"
									  " WHERE job_id = $1", 1, types),
						 values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading the training job failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("training job " INT64_FORMAT " does not exist", DatumGetInt64(job_id))));
	memcpy(tenant, DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)),
		   UUID_LEN);
}

/*
 * The tenant's counts row, before its job: the order start takes them in
 * (take_job_slot, then the job and the pool it enters), so that a finish,
 * whose job leaves a pool, and a start never wait for each other in turn.
 */
static void
lock_job_counts(pg_uuid_t *tenant)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {UUIDOID};
	Datum		values[1] = {UUIDPGetDatum(tenant)};

	if (SPI_execute_plan(ts_keep_plan(&plan, "SELECT 1 FROM tenant_scaling.tenant_job_counts"
									  " WHERE tenant_id = $1 FOR UPDATE", 1, types),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "locking the tenant's job counts failed");
}

Datum
ts_finish_training_job(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr finish_plan = NULL;
	Oid			types[2] = {INT8OID, BOOLOID};
	Datum		values[2];
	int64		job_id;
	pg_uuid_t	tenant;
	TsSavedUser caller;

	require_argument(fcinfo, 0, "job_id");
	require_argument(fcinfo, 1, "succeeded");
	job_id = PG_GETARG_INT64(0);
	values[0] = Int64GetDatum(job_id);
	values[1] = PG_GETARG_DATUM(1);

	SPI_connect();
	visible_job_tenant(values[0], &tenant);
	ts_check_acts_for_tenant(&tenant);
	ts_become_owner(&caller);
	lock_job_counts(&tenant);
	if (SPI_execute_plan(ts_keep_plan(&finish_plan,
								  "UPDATE tenant_scaling.training_jobs"
								  "   SET status = CASE WHEN $2 THEN 'succeeded' ELSE 'failed' END,"
								  "       finished_at = pg_catalog.clock_timestamp()"
								  " WHERE job_id = $1 AND status = 'running'", 2, types),
						 values, NULL, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "finishing the training job failed");
	if (SPI_processed == 0)
	{
		Oid			id_type[1] = {INT8OID};
		char	   *status;

		/*
		 * A fresh snapshot (not read-only): when a concurrent call finished
		 * the job first, the statement's snapshot would still say running.
		 */
		if (SPI_execute_with_args("SELECT status FROM tenant_scaling.training_jobs WHERE job_id = $1",
								  1, id_type, values, NULL, false, 1) != SPI_OK_SELECT || SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("training job " INT64_FORMAT " does not exist", job_id)));
		status = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 strcmp(status, "running") == 0 ?
				 errmsg("training job " INT64_FORMAT " was finished by another call", job_id) :
				 errmsg("training job " INT64_FORMAT " is %s, not running", job_id, status),
				 errhint("Only a running job can be finished; start_next_training_job starts queued ones.")));
	}
	ts_restore_user(&caller);
	SPI_finish();
	PG_RETURN_VOID();
}
