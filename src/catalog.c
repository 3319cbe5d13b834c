/*
 * catalog.c: cached OIDs and index scans over the extension's tables.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "commands/dbcommands.h"
#include "catalog/pg_collation_d.h"
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

#include "catalog.h"

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
ts_catalog_init(void)
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

static TsTableCache *
table_oids(TsTable table)
{
	TsTableCache *cache = &table_cache[table];

	if (!OidIsValid(cache->relid))
	{
		Oid			relid = lookup_relation(table_info[table].name);

		check_columns(table, relid);
		cache->indexid = lookup_relation(table_info[table].key_index);
		cache->relid = relid;
	}
	return cache;
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
	TsTableCache *cache = table_oids(table);
	int			i;

	s->rel = table_open(cache->relid, AccessShareLock);
	check_read_access(s->rel);
	s->index = index_open(cache->indexid, AccessShareLock);
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

/* Copy the first tuple the scan returns into row. */
static void
scan_first_into(TsScan *s, TsRow *row)
{
	HeapTuple	tuple = systable_getnext_ordered(s->scan, ForwardScanDirection);
	TupleDesc	desc = RelationGetDescr(s->rel);
	int			i;

	row->found = HeapTupleIsValid(tuple);
	if (!row->found)
		return;
	tuple = heap_copytuple(tuple);
	for (i = 0; i < TS_MAX_ATTS && i < desc->natts; i++)
		row->values[i] = heap_getattr(tuple, i + 1, desc, &row->nulls[i]);
}

void
ts_fetch_by_key(TsTable table, Datum key, TsRow *row)
{
	ScanKeyData skey;
	TsScan		s;

	ScanKeyInit(&skey, 1, BTEqualStrategyNumber, table_info[table].key_eq, key);
	scan_begin(&s, table, 1, &skey);
	scan_first_into(&s, row);
	scan_end(&s);
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
