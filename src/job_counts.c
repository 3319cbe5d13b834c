/*
 * job_counts.c: tenant_job_counts kept in step with training_jobs.
 *
 * Every job a statement adds, starts or finishes moves its tenant's counts
 * row. Submitting N jobs in one transaction (SELECT submit_training_job(...)
 * FROM generate_series(1, N)) updates that row N times, and none of its N
 * versions can be pruned while the transaction is open: found by its key,
 * the row costs a walk over all of them, so N submits cost N^2 (300,000 took
 * 985 s). So the row is updated through the tuple id this backend last wrote
 * for the tenant, one fetch, and by its key only when that misses.
 *
 * A remembered tuple id can be stale in every way (a rolled-back
 * subtransaction, a newer version another backend committed, a deleted row,
 * a slot reused by another tenant): the update then sees no visible tuple
 * there, or one whose tenant_id differs, and changes nothing, and the update
 * by key follows. With a primary key, a snapshot sees one version per
 * tenant, so a hit is exactly the row the key would find; a concurrent
 * update of it is followed by EvalPlanQual as for the update by key.
 *
 * The same statement returns the tenant's queue limit (its own
 * max_queued_jobs, else its tier's, basic for a tenant without
 * configuration): the counts row stays locked until commit, so concurrent
 * submitters of one tenant are serialized on it and the limit is exact.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "storage/itemptr.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "job_counts.h"
#include "sql_support.h"

/* SQLSTATE of a request over its tenant's limits (as jobs.c) */
#define ERRCODE_TENANT_LIMIT_EXCEEDED MAKE_SQLSTATE('T', 'S', '0', '0', '1')

#define QUEUE_LIMIT \
	"(SELECT coalesce(cfg.max_queued_jobs, t.max_queued_jobs)" \
	"   FROM tenant_scaling.tiers t" \
	"   LEFT JOIN tenant_scaling.tenant_scaling_config cfg ON cfg.tenant_id = $1" \
	"  WHERE t.tier = coalesce((SELECT scaling_tier FROM tenant_scaling.tenant_scaling_config" \
	"                            WHERE tenant_id = $1), 'basic'))"

static const char *const update_by_tid_sql =
"UPDATE tenant_scaling.tenant_job_counts c"
"   SET queued_jobs = c.queued_jobs + $2, running_jobs = c.running_jobs + $3"
" WHERE c.ctid = $4 AND c.tenant_id = $1"
" RETURNING c.ctid, c.queued_jobs, " QUEUE_LIMIT;

static const char *const upsert_by_key_sql =
"INSERT INTO tenant_scaling.tenant_job_counts AS c (tenant_id, queued_jobs, running_jobs)"
" VALUES ($1, $2, $3)"
" ON CONFLICT (tenant_id) DO UPDATE"
"    SET queued_jobs = c.queued_jobs + excluded.queued_jobs, running_jobs = c.running_jobs + excluded.running_jobs"
" RETURNING c.ctid, c.queued_jobs, " QUEUE_LIMIT;

/* the tuple ids last written, for a few tenants (a bulk submit touches one) */
#define REMEMBERED_TENANTS 16

typedef struct RememberedRow
{
	bool		valid;
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
	ItemPointerCopy(tid, &row->tid);
}

/* Add one tenant's delta; false when the update by tuple id found nothing. */
static bool
add_delta(SPIPlanPtr plan, Datum *values, int32 queued_delta)
{
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	int32		queued;
	Datum		limit;
	bool		limit_null;

	if (SPI_execute_plan(plan, values, NULL, false, 0) < 0)
		elog(ERROR, "updating tenant_job_counts failed");
	if (SPI_processed == 0)
		return false;
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	remember_row(DatumGetUUIDP(values[0]), (ItemPointer) DatumGetPointer(SPI_getbinval(row, desc, 1, &isnull)));
	queued = DatumGetInt32(SPI_getbinval(row, desc, 2, &isnull));
	limit = SPI_getbinval(row, desc, 3, &limit_null);
	if (queued_delta > 0 && !limit_null && queued > DatumGetInt32(limit))
		ereport(ERROR,
				(errcode(ERRCODE_TENANT_LIMIT_EXCEEDED),
				 errmsg("tenant %s may queue at most %d training jobs",
						DatumGetCString(DirectFunctionCall1(uuid_out, values[0])), DatumGetInt32(limit)),
				 errdetail("The queue would hold %d jobs.", queued),
				 errhint("Start or cancel queued jobs first, or raise max_queued_jobs of the tenant "
						 "(tenant_scaling_config) or of its tier (tiers).")));
	return true;
}

void
ts_add_job_deltas(SPITupleTable *deltas, uint64 count)
{
	static SPIPlanPtr by_tid = NULL;
	static SPIPlanPtr by_key = NULL;
	Oid			types[4] = {UUIDOID, INT4OID, INT4OID, TIDOID};
	uint64		i;

	for (i = 0; i < count; i++)
	{
		bool		isnull;
		Datum		values[4];
		RememberedRow *known;

		values[0] = SPI_getbinval(deltas->vals[i], deltas->tupdesc, 1, &isnull);
		values[1] = SPI_getbinval(deltas->vals[i], deltas->tupdesc, 2, &isnull);
		values[2] = SPI_getbinval(deltas->vals[i], deltas->tupdesc, 3, &isnull);
		known = remembered_row(DatumGetUUIDP(values[0]));
		if (known)
		{
			ItemPointerData tid = known->tid;

			values[3] = PointerGetDatum(&tid);
			if (add_delta(ts_keep_plan(&by_tid, update_by_tid_sql, 4, types), values, DatumGetInt32(values[1])))
				continue;
		}
		if (!add_delta(ts_keep_plan(&by_key, upsert_by_key_sql, 3, types), values, DatumGetInt32(values[1])))
			elog(ERROR, "tenant_job_counts upsert wrote no row");
	}
}
