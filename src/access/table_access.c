/*
 * table_access.c: cached OIDs and index scans over the extension's own tables.
 */
#include "postgres.h"

#include "access/genam.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation_d.h"
#include "commands/dbcommands.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "sql_support.h"
#include "table_access.h"

#define TS_SCHEMA "tenant_scaling"

typedef struct TsTableInfo
{
	const char *name;
	const char *key_index;		/* unique or leading-tenant index used for lookups */
	RegProcedure key_eq;		/* equality on the first key column */
	const char *columns[TS_MAX_ATTS];	/* the leading columns we read, in order */
} TsTableInfo;

static const TsTableInfo table_info[TS_TABLE_COUNT] = {
	[TS_TIERS] = {"tiers", "tiers_pkey", F_TEXTEQ,
	{"tier", "tier_rank", "resource_multiplier", "max_cpu", "max_gpu"}},
	[TS_WORKLOAD_PROFILES] = {"workload_profiles", "workload_profiles_pkey", F_TEXTEQ,
	{"workload_type", "cpu", "gpu", "memory_gb", "storage_gb", "network_mbps"}},
	[TS_TENANT_SCALING_CONFIG] = {"tenant_scaling_config", "tenant_scaling_config_pkey", F_UUID_EQ,
		{"tenant_id", "scaling_tier", "max_concurrent_jobs", "max_model_size_gb",
			"max_training_duration_hours", "auto_scaling_enabled", "scaling_rules",
		"created_at", "updated_at", "max_cpu", "max_gpu"}},
	[TS_TENANT_TRAINING_CONFIG] = {"tenant_training_config", "tenant_training_config_pkey", F_UUID_EQ,
	{"tenant_id", "distributed_training_enabled", "max_workers"}},
	[TS_TENANT_TRAINING_INPUTS] = {"tenant_training_inputs", "tenant_training_inputs_pkey", F_UUID_EQ,
		{"tenant_id", "queue_size", "avg_wait_time_seconds", "max_wait_time_seconds",
	"processing_rate_per_minute", "stats_at", "active_workers", "provisioning_workers"}},
};

typedef struct TsTableCache
{
	Oid			relid;
	Oid			indexid;
} TsTableCache;

static Oid	schema_oid = InvalidOid;
static TsTableCache table_cache[TS_TABLE_COUNT];

static void
invalidate_cache(Datum arg, Oid relid)
{
	schema_oid = InvalidOid;
	memset(table_cache, 0, sizeof(table_cache));
}

void
ts_table_access_init(void)
{
	CacheRegisterRelcacheCallback(invalidate_cache, (Datum) 0);
}

Oid
ts_schema_oid(void)
{
	if (!OidIsValid(schema_oid))
	{
		schema_oid = get_namespace_oid(TS_SCHEMA, true);
		if (!OidIsValid(schema_oid))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("extension \"tenant_scaling\" is not installed in database \"%s\"",
							get_database_name(MyDatabaseId)),
					 errhint("Run CREATE EXTENSION tenant_scaling.")));
	}
	return schema_oid;
}

static Oid
lookup_relation(const char *name)
{
	Oid			relid = get_relname_relid(name, ts_schema_oid());

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.%s\" does not exist", TS_SCHEMA, name),
				 errhint("The tenant_scaling extension may be damaged; reinstall it.")));
	return relid;
}

/* The table's columns must be where the C code reads them. */
static void
check_columns(TsTable table, Oid relid)
{
	const TsTableInfo *info = &table_info[table];
	int			i;

	for (i = 0; i < TS_MAX_ATTS && info->columns[i]; i++)
		if (get_attnum(relid, info->columns[i]) != i + 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("column \"%s\" of relation \"%s.%s\" is not where tenant_scaling expects it",
							info->columns[i], TS_SCHEMA, info->name),
					 errhint("The tenant_scaling extension may be damaged; reinstall it.")));
}

/*
 * The table's OIDs, by value: opening a relation takes a lock, which processes
 * invalidation messages, which can empty the cache under a pointer into it.
 */
static TsTableCache
table_oids(TsTable table)
{
	TsTableCache *cache = &table_cache[table];

	if (!OidIsValid(cache->relid))
	{
		Oid			relid = lookup_relation(table_info[table].name);
		Oid			indexid = lookup_relation(table_info[table].key_index);

		check_columns(table, relid);
		cache->indexid = indexid;
		cache->relid = relid;
	}
	return *cache;
}

/* The privilege and row-level security checks the executor would make. */
static void
check_read_access(Relation rel)
{
	AclResult	aclresult = pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_SELECT);

	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_TABLE, RelationGetRelationName(rel));
	if (check_enable_rls(RelationGetRelid(rel), InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("row-level security on \"%s\" is not supported by this function yet",
						RelationGetRelationName(rel))));
}

static void row_from_tuple(HeapTuple tuple, TupleDesc desc, TsRow *row);

/* True when row-level security filters this user's reads of table. */
static bool
rls_applies(TsTable table)
{
	return check_enable_rls(table_oids(table).relid, InvalidOid, false) == RLS_ENABLED;
}

/*
 * The row with primary key key, read through the executor so that the
 * table's row-level security policies decide what this user sees. The
 * statement is fixed and qualified, even its operator, so search_path
 * cannot change it.
 */
static void
fetch_through_executor(TsTable table, Datum key, TsRow *row)
{
	static SPIPlanPtr plans[TS_TABLE_COUNT];
	const TsTableInfo *info = &table_info[table];
	Oid			key_type = info->key_eq == F_UUID_EQ ? UUIDOID : TEXTOID;
	Datum		values[1] = {key};
	MemoryContext caller = CurrentMemoryContext;

	SPI_connect();
	if (plans[table] == NULL)
		(void) ts_keep_plan(&plans[table],
							psprintf("SELECT * FROM %s.%s WHERE %s OPERATOR(pg_catalog.=) $1",
									 TS_SCHEMA, info->name, info->columns[0]),
							1, &key_type);
	if (SPI_execute_plan(plans[table], values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading %s.%s failed", TS_SCHEMA, info->name);
	row->found = false;
	if (SPI_processed > 0)
	{
		MemoryContext spi = MemoryContextSwitchTo(caller);

		row_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, row);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
}

typedef struct TsScan
{
	Relation	rel;
	Relation	index;
	SysScanDesc scan;
} TsScan;

/* Scan table in index order with equality keys on the index's leading columns. */
static void
scan_begin(TsScan *s, TsTable table, int nkeys, ScanKey keys)
{
	TsTableCache oids = table_oids(table);
	int			i;

	s->rel = table_open(oids.relid, AccessShareLock);
	check_read_access(s->rel);
	s->index = index_open(oids.indexid, AccessShareLock);
	/* compare text keys under the index's collation, as the executor would */
	for (i = 0; i < nkeys; i++)
		keys[i].sk_collation = s->index->rd_indcollation[i];
	s->scan = systable_beginscan_ordered(s->rel, s->index, GetActiveSnapshot(), nkeys, keys);
}

static void
scan_end(TsScan *s)
{
	systable_endscan_ordered(s->scan);
	index_close(s->index, AccessShareLock);
	table_close(s->rel, AccessShareLock);
}

/*
 * A copy of tuple's leading columns in row, in CurrentMemoryContext, so that
 * the values outlive the scan's buffer pin.
 */
static void
row_from_tuple(HeapTuple tuple, TupleDesc desc, TsRow *row)
{
	int			i;

	row->found = true;
	tuple = heap_copytuple(tuple);
	/* one pass over the tuple; column by column only if it has more than we keep */
	if (desc->natts <= TS_MAX_ATTS)
		heap_deform_tuple(tuple, desc, row->values, row->nulls);
	else
		for (i = 0; i < TS_MAX_ATTS; i++)
			row->values[i] = heap_getattr(tuple, i + 1, desc, &row->nulls[i]);
}

/* Copy the first tuple the scan returns into row. */
static void
scan_first_into(TsScan *s, TsRow *row)
{
	HeapTuple	tuple = systable_getnext_ordered(s->scan, ForwardScanDirection);

	row->found = false;
	if (HeapTupleIsValid(tuple))
		row_from_tuple(tuple, RelationGetDescr(s->rel), row);
}

void
ts_fetch_by_key(TsTable table, Datum key, TsRow *row)
{
	ScanKeyData skey;
	TsScan		s;

	if (rls_applies(table))
	{
		fetch_through_executor(table, key, row);
		return;
	}

	ScanKeyInit(&skey, 1, BTEqualStrategyNumber, table_info[table].key_eq, key);
	scan_begin(&s, table, 1, &skey);
	scan_first_into(&s, row);
	scan_end(&s);
}

/*
 * Lookups kept open across the calls of one call site.
 *
 * Each call of ts_fetch_by_key opens the table and its index, checks
 * privileges and begins and ends an index scan: most of the cost of a
 * function that is called once per row of a query. TsLookups keeps one
 * index scan per table open for the query instead, and only rescans it
 * with the new key, as the executor does for the inner side of a nested
 * loop.
 *
 * Lifetime: the state hangs off the function's FmgrInfo (fn_extra), which
 * lives in the query's per-query memory, and the scans are closed by a
 * callback on an ExprContext of our own in the query's EState, which runs
 * when the executor frees that EState at the normal end of the query. (Not
 * the caller's ExprContext: a nested loop rescans it, running its callbacks,
 * for every outer row.) On an error the callback does not run: the resource
 * owner releases the relations, buffer pins and snapshot, as it does for the
 * executor's own scans, and the memory goes with the query's.
 *
 * Snapshot: the scans use the query's snapshot, es_snapshot, which does not
 * change while the query runs; a later command, even in the same function,
 * is another query with its own EState and call sites. A call made under a
 * different active snapshot (which core code does not do) takes the one-shot
 * path, so the answer is always the one ts_fetch_by_key would give.
 *
 * Privileges and row-level security are checked once per query, when a
 * table is first opened, as the executor checks them once at start-up; a
 * call under another user id (SET ROLE mid-query) takes the one-shot path.
 *
 * Relcache invalidations forget the cached OIDs but not the open scans:
 * they hold the relations open (so the Relation structs stay valid) and
 * AccessShareLock, kept to the end of the transaction as the executor does.
 */
typedef struct TsOpenScan
{
	Relation	rel;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData key;			/* equality on the key; sk_argument set per call */
	bool		through_executor;	/* row-level security applies: no direct scan */
} TsOpenScan;

struct TsLookups
{
	EState	   *estate;			/* the query the scans belong to */
	Snapshot	snapshot;		/* its es_snapshot, registered by us */
	Oid			userid;			/* whose privileges were checked */
	TsOpenScan	scans[TS_TABLE_COUNT];	/* scan == NULL until first used */
};

static void
close_scan(TsOpenScan *s)
{
	if (s->scan)
		index_endscan(s->scan);
	if (s->slot)
		ExecDropSingleTupleTableSlot(s->slot);
	if (s->index)
		index_close(s->index, NoLock);
	if (s->rel)
		table_close(s->rel, NoLock);
	memset(s, 0, sizeof(*s));
}

/* ExprContext callback: the query is over. */
static void
lookups_shutdown(Datum arg)
{
	TsLookups  *lookups = (TsLookups *) DatumGetPointer(arg);
	int			i;

	for (i = 0; i < TS_TABLE_COUNT; i++)
		close_scan(&lookups->scans[i]);
	UnregisterSnapshot(lookups->snapshot);
}

static TsLookups *
lookups_create(EState *estate)
{
	ExprContext *econtext = CreateExprContext(estate);
	TsLookups  *lookups = MemoryContextAllocZero(estate->es_query_cxt, sizeof(TsLookups));

	lookups->estate = estate;
	lookups->userid = GetUserId();
	/* our own reference: the executor unregisters es_snapshot before our callback runs */
	lookups->snapshot = RegisterSnapshot(estate->es_snapshot);
	RegisterExprContextCallback(econtext, lookups_shutdown, PointerGetDatum(lookups));
	return lookups;
}

TsLookups *
ts_call_lookups(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	EState	   *estate;
	TsLookups  *lookups;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) || rsinfo->econtext == NULL)
		return NULL;
	estate = rsinfo->econtext->ecxt_estate;

	/*
	 * Only in a query with a snapshot, under that snapshot, and where the
	 * FmgrInfo (so fn_extra) is freed with the query.
	 */
	if (estate == NULL || estate->es_snapshot == InvalidSnapshot ||
		fcinfo->flinfo->fn_mcxt != estate->es_query_cxt ||
		!ActiveSnapshotSet() || GetActiveSnapshot() != estate->es_snapshot)
		return NULL;

	lookups = (TsLookups *) fcinfo->flinfo->fn_extra;
	if (lookups == NULL)
		fcinfo->flinfo->fn_extra = lookups = lookups_create(estate);
	if (lookups->estate != estate || lookups->userid != GetUserId())
		return NULL;
	return lookups;
}

/* Open table and its key index for the rest of the query. */
static void
open_scan(TsLookups *lookups, TsTable table, TsOpenScan *s)
{
	TsTableCache oids = table_oids(table);
	MemoryContext oldcxt = MemoryContextSwitchTo(lookups->estate->es_query_cxt);

	s->rel = table_open(oids.relid, AccessShareLock);
	check_read_access(s->rel);
	s->index = index_open(oids.indexid, AccessShareLock);
	ScanKeyInit(&s->key, 1, BTEqualStrategyNumber, table_info[table].key_eq, (Datum) 0);
	/* compare text keys under the index's collation, as the executor would */
	s->key.sk_collation = s->index->rd_indcollation[0];
	s->slot = table_slot_create(s->rel, NULL);
	s->scan = index_beginscan(s->rel, s->index, lookups->snapshot, 1, 0);
	MemoryContextSwitchTo(oldcxt);
}

void
ts_fetch(TsLookups *lookups, TsTable table, Datum key, TsRow *row)
{
	TsOpenScan *s;
	MemoryContext oldcxt;
	bool		found;

	if (lookups == NULL)
	{
		ts_fetch_by_key(table, key, row);
		return;
	}
	s = &lookups->scans[table];
	if (s->scan == NULL && !s->through_executor)
	{
		/* decided once per query, as the executor decides at plan time */
		if (rls_applies(table))
			s->through_executor = true;
		else
			open_scan(lookups, table, s);
	}
	if (s->through_executor)
	{
		fetch_through_executor(table, key, row);
		return;
	}

	/*
	 * The index AM allocates scan state as it goes (btree's list of dead
	 * items, for one): in the query's memory, not the call's, which the
	 * executor resets between calls.
	 */
	oldcxt = MemoryContextSwitchTo(lookups->estate->es_query_cxt);
	s->key.sk_argument = key;
	index_rescan(s->scan, &s->key, 1, NULL, 0);
	found = index_getnext_slot(s->scan, ForwardScanDirection, s->slot);
	MemoryContextSwitchTo(oldcxt);

	row->found = false;
	if (found)
	{
		bool		should_free;
		HeapTuple	tuple = ExecFetchSlotHeapTuple(s->slot, false, &should_free);

		row_from_tuple(tuple, RelationGetDescr(s->rel), row);
		if (should_free)
			heap_freetuple(tuple);
	}
}

void
ts_report_unknown_key(TsTable table, Datum key)
{
	const char *value = ts_quoted_value(TextDatumGetCString(key));

	if (table == TS_TIERS)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("unknown scaling tier \"%s\"", value),
				 errhint("Valid tiers are: %s.", ts_list_keys(TS_TIERS))));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown workload type \"%s\"", value),
			 errhint("Valid workload types are: %s.", ts_list_keys(TS_WORKLOAD_PROFILES))));
}

void
ts_fetch_required(TsLookups *lookups, TsTable table, Datum key, TsRow *row)
{
	Assert(table == TS_TIERS || table == TS_WORKLOAD_PROFILES);
	ts_fetch(lookups, table, key, row);
	if (!row->found)
		ts_report_unknown_key(table, key);
}

char *
ts_list_keys(TsTable table)
{
	StringInfoData buf;
	TsScan		s;
	HeapTuple	tuple;

	initStringInfo(&buf);
	scan_begin(&s, table, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext_ordered(s.scan, ForwardScanDirection)))
	{
		bool		isnull;
		Datum		key = heap_getattr(tuple, 1, RelationGetDescr(s.rel), &isnull);

		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", TextDatumGetCString(key));
	}
	scan_end(&s);
	return buf.data;
}
