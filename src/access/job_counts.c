/*
 * job_counts.c: tenant_job_counts kept in step with training_jobs.
 *
 * Every statement that adds, starts or finishes jobs moves its tenants'
 * counts rows, in one upsert. But submitting N jobs in one transaction
 * (SELECT submit_training_job(...) FROM generate_series(1, N)) moves the
 * same row N times, and none of its N versions can be pruned while the
 * transaction is open: found by its key, the row costs a walk over all of
 * them, so N submits cost N^2 (300,000 took 985 s). So from its second
 * change of a tenant's counts, a transaction updates the row through the
 * tuple id it last wrote, one fetch, and by its key only when that misses.
 *
 * A remembered tuple id can be stale in every way (a rolled-back
 * subtransaction, a newer version another backend committed, a deleted row,
 * a slot reused by another tenant): the update then sees no visible tuple
 * there, or one whose tenant_id differs, and changes nothing, and the update
 * by key follows. With a primary key, a snapshot sees one version per
 * tenant, so a hit is exactly the row the key would find; a concurrent
 * update of it is followed by EvalPlanQual as for the update by key.
 *
 * Inserted jobs are checked against the tenant's queue limit (its own
 * max_queued_jobs, else its tier's, basic for a tenant without
 * configuration), returned by the same statement: the counts row stays
 * locked until commit, so concurrent submitters of one tenant are
 * serialized on it and the limit is exact.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "storage/itemptr.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "job_counts.h"
#include "sql_support.h"

/* SQLSTATE of a request over its tenant's limits (as jobs.c) */
#define ERRCODE_TENANT_LIMIT_EXCEEDED MAKE_SQLSTATE('T', 'S', '0', '0', '1')

/* the statement's jobs: +1 for each new row, -1 for each old one */
#define INSERTED_ROWS "SELECT tenant_id, status, 1 AS d FROM new_rows"
#define UPDATED_ROWS INSERTED_ROWS " UNION ALL SELECT tenant_id, status, -1 FROM old_rows"
#define DELETED_ROWS "SELECT tenant_id, status, -1 AS d FROM old_rows"

/*
 * A tenant with jobs has a tenant_training_inputs row, committed with its
 * first job (when its counts row is created): the queue sampling locks that
 * row with SKIP LOCKED and so never waits for a tenant, which it would if it
 * had to insert the row beside a tenant's uncommitted first sample.
 */
static const char *const inputs_row_sql =
"INSERT INTO tenant_scaling.tenant_training_inputs (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING";

/* each tenant's change, in tenant order (no deadlock between two statements) */
#define DELTAS(rows) \
	"deltas AS (SELECT tenant_id, sum(d * (status = 'queued')::int)::int4 AS queued," \
	"                  sum(d * (status = 'running')::int)::int4 AS running" \
	"             FROM (" rows ") j GROUP BY tenant_id" \
	"            HAVING sum(d * (status = 'queued')::int) <> 0 OR sum(d * (status = 'running')::int) <> 0)"

#define QUEUE_LIMIT(tenant) \
	"(SELECT coalesce(cfg.max_queued_jobs, t.max_queued_jobs)" \
	"   FROM tenant_scaling.tiers t" \
	"   LEFT JOIN tenant_scaling.tenant_scaling_config cfg ON cfg.tenant_id = " tenant \
	"  WHERE t.tier = coalesce((SELECT scaling_tier FROM tenant_scaling.tenant_scaling_config" \
	"                            WHERE tenant_id = " tenant "), 'basic'))"

/*
 * The row written, its queue and limit, and whether the row is new (in an
 * upsert, the row it inserted has xmax 0; the version an update wrote
 * carries the upsert's lock). Only inserted jobs can grow a queue: other
 * changes skip the limit's lookups.
 */
#define RETURNING_INSERTED(tenant, created) \
	" RETURNING c.tenant_id, c.ctid, c.queued_jobs, " QUEUE_LIMIT(tenant) ", " created
#define RETURNING_OTHER(created) " RETURNING c.tenant_id, c.ctid, c.queued_jobs, NULL::int4, " created
#define UPSERT_CREATED "c.xmax = 0"

#define ADD_COUNTS \
	" ON CONFLICT (tenant_id) DO UPDATE" \
	"    SET queued_jobs = c.queued_jobs + excluded.queued_jobs, running_jobs = c.running_jobs + excluded.running_jobs"

/* a transaction's first change: every tenant of the statement in one upsert */
#define UPSERT_DELTAS(rows, returning) \
	"WITH " DELTAS(rows) \
	" INSERT INTO tenant_scaling.tenant_job_counts AS c (tenant_id, queued_jobs, running_jobs)" \
	" SELECT tenant_id, queued, running FROM deltas ORDER BY tenant_id" ADD_COUNTS returning

static const char *const upsert_deltas_sql[JOB_ROWS_CHANGES] = {
	[JOB_ROWS_INSERTED] = UPSERT_DELTAS(INSERTED_ROWS, RETURNING_INSERTED("c.tenant_id", UPSERT_CREATED)),
	[JOB_ROWS_UPDATED] = UPSERT_DELTAS(UPDATED_ROWS, RETURNING_OTHER(UPSERT_CREATED)),
	[JOB_ROWS_DELETED] = UPSERT_DELTAS(DELETED_ROWS, RETURNING_OTHER(UPSERT_CREATED)),
};

/* a later change: the deltas, applied tenant by tenant below */
#define SELECT_DELTAS(rows) "WITH " DELTAS(rows) " SELECT tenant_id, queued, running FROM deltas ORDER BY tenant_id"

static const char *const select_deltas_sql[JOB_ROWS_CHANGES] = {
	[JOB_ROWS_INSERTED] = SELECT_DELTAS(INSERTED_ROWS),
	[JOB_ROWS_UPDATED] = SELECT_DELTAS(UPDATED_ROWS),
	[JOB_ROWS_DELETED] = SELECT_DELTAS(DELETED_ROWS),
};

/* one tenant's delta ($1 tenant, $2 queued, $3 running) through the tuple id $4, or by key */
#define UPDATE_BY_TID(returning) \
	"UPDATE tenant_scaling.tenant_job_counts c" \
	"   SET queued_jobs = c.queued_jobs + $2, running_jobs = c.running_jobs + $3" \
	" WHERE c.ctid = $4 AND c.tenant_id = $1" returning
#define UPSERT_ONE(returning) \
	"INSERT INTO tenant_scaling.tenant_job_counts AS c (tenant_id, queued_jobs, running_jobs)" \
	" VALUES ($1, $2, $3)" ADD_COUNTS returning

static const char *const update_by_tid_sql[2] = {
	UPDATE_BY_TID(RETURNING_OTHER("false")), UPDATE_BY_TID(RETURNING_INSERTED("$1", "false"))
};
static const char *const upsert_one_sql[2] = {
	UPSERT_ONE(RETURNING_OTHER(UPSERT_CREATED)), UPSERT_ONE(RETURNING_INSERTED("$1", UPSERT_CREATED))
};

/* the tuple ids this backend last wrote, for a few tenants (a bulk submit touches one) */
#define REMEMBERED_TENANTS 16

typedef struct RememberedRow
{
	bool		valid;
	TransactionId xid;			/* the top transaction that wrote it */
	pg_uuid_t	tenant;
	ItemPointerData tid;
} RememberedRow;

static RememberedRow remembered[REMEMBERED_TENANTS];
static int	next_slot = 0;

static RememberedRow *
remembered_row(const pg_uuid_t *tenant)
{
	int			i;

	for (i = 0; i < REMEMBERED_TENANTS; i++)
		if (remembered[i].valid && memcmp(&remembered[i].tenant, tenant, UUID_LEN) == 0)
			return &remembered[i];
	return NULL;
}

/* Whether this transaction already changed some tenant's counts. */
static bool
transaction_changed_counts(void)
{
	TransactionId xid = GetTopTransactionIdIfAny();
	int			i;

	for (i = 0; i < REMEMBERED_TENANTS; i++)
		if (remembered[i].valid && TransactionIdEquals(remembered[i].xid, xid))
			return true;
	return false;
}

static void
remember_row(const pg_uuid_t *tenant, ItemPointer tid)
{
	RememberedRow *row = remembered_row(tenant);

	if (row == NULL)
	{
		row = &remembered[next_slot];
		next_slot = (next_slot + 1) % REMEMBERED_TENANTS;
		row->tenant = *tenant;
		row->valid = true;
	}
	row->xid = GetTopTransactionIdIfAny();
	ItemPointerCopy(tid, &row->tid);
}

/*
 * The rows a counts statement returned (tenant, tuple id, queued, limit,
 * new): remember where each row is now, refuse a queue over its limit, and
 * give a new tenant its inputs row.
 */
static void
check_written_counts(SPITupleTable *rows, uint64 count)
{
	static SPIPlanPtr inputs_plan = NULL;
	Oid			uuid_type[1] = {UUIDOID};
	uint64		i;

	for (i = 0; i < count; i++)
	{
		HeapTuple	row = rows->vals[i];
		bool		isnull;
		bool		no_limit;
		Datum		tenant = SPI_getbinval(row, rows->tupdesc, 1, &isnull);
		Datum		tid = SPI_getbinval(row, rows->tupdesc, 2, &isnull);
		int32		queued = DatumGetInt32(SPI_getbinval(row, rows->tupdesc, 3, &isnull));
		Datum		limit = SPI_getbinval(row, rows->tupdesc, 4, &no_limit);

		remember_row(DatumGetUUIDP(tenant), (ItemPointer) DatumGetPointer(tid));
		if (!no_limit && queued > DatumGetInt32(limit))
			ereport(ERROR,
					(errcode(ERRCODE_TENANT_LIMIT_EXCEEDED),
					 errmsg("tenant %s may queue at most %d training jobs",
							ts_uuid_text(DatumGetUUIDP(tenant)), DatumGetInt32(limit)),
					 errdetail("The queue would hold %d jobs.", queued),
					 errhint("Start or cancel queued jobs first, or raise max_queued_jobs of the tenant "
							 "(tenant_scaling_config) or of its tier (tiers).")));
		if (DatumGetBool(SPI_getbinval(row, rows->tupdesc, 5, &isnull)) &&
			SPI_execute_plan(ts_keep_plan(&inputs_plan, inputs_row_sql, 1, uuid_type), &tenant, NULL, false, 0)
			!= SPI_OK_INSERT)
			elog(ERROR, "creating the tenant's tenant_training_inputs row failed");
	}
}

/* One tenant's delta, by tuple id when remembered, else (or on a miss) by key. */
static void
add_tenant_delta(Datum *values, bool inserted)
{
	static SPIPlanPtr by_tid[2];
	static SPIPlanPtr by_key[2];
	Oid			types[4] = {UUIDOID, INT4OID, INT4OID, TIDOID};
	RememberedRow *known = remembered_row(DatumGetUUIDP(values[0]));

	if (known)
	{
		ItemPointerData tid = known->tid;

		values[3] = PointerGetDatum(&tid);
		if (SPI_execute_plan(ts_keep_plan(&by_tid[inserted], update_by_tid_sql[inserted], 4, types),
							 values, NULL, false, 0) != SPI_OK_UPDATE_RETURNING)
			elog(ERROR, "updating tenant_job_counts failed");
		if (SPI_processed > 0)
		{
			check_written_counts(SPI_tuptable, SPI_processed);
			return;
		}
	}
	if (SPI_execute_plan(ts_keep_plan(&by_key[inserted], upsert_one_sql[inserted], 3, types),
						 values, NULL, false, 0) != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "upserting tenant_job_counts failed");
	check_written_counts(SPI_tuptable, SPI_processed);
}

void
ts_maintain_job_counts(JobRowsChange change)
{
	static SPIPlanPtr upsert_plans[JOB_ROWS_CHANGES];
	static SPIPlanPtr select_plans[JOB_ROWS_CHANGES];
	bool		inserted = change == JOB_ROWS_INSERTED;
	SPITupleTable *deltas;
	uint64		count;
	uint64		i;

	if (!transaction_changed_counts())
	{
		/* the common case, one statement, as fast as before the tuple ids */
		if (SPI_execute_plan(ts_keep_plan(&upsert_plans[change], upsert_deltas_sql[change], 0, NULL),
							 NULL, NULL, false, 0) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "upserting tenant_job_counts failed");
		check_written_counts(SPI_tuptable, SPI_processed);
		return;
	}
	if (SPI_execute_plan(ts_keep_plan(&select_plans[change], select_deltas_sql[change], 0, NULL),
						 NULL, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading the job count changes failed");
	deltas = SPI_tuptable;
	count = SPI_processed;
	for (i = 0; i < count; i++)
	{
		Datum		values[4];
		bool		isnull;

		values[0] = SPI_getbinval(deltas->vals[i], deltas->tupdesc, 1, &isnull);
		values[1] = SPI_getbinval(deltas->vals[i], deltas->tupdesc, 2, &isnull);
		values[2] = SPI_getbinval(deltas->vals[i], deltas->tupdesc, 3, &isnull);
		values[3] = (Datum) 0;
		add_tenant_delta(values, inserted);
	}
}
