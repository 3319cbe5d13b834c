/*
 * table_access.h: direct, cached access to the extension's own tables.
 *
 * The hot functions read a few rows by key; going through the executor or
 * SPI for that costs more than the decision itself, so they scan the
 * indexes directly under the statement's snapshot, after the same
 * privilege checks the executor would make. OIDs are cached per backend
 * and forgotten on any relcache invalidation.
 *
 * A SQL function called once per row of a query (CROSS JOIN LATERAL over
 * many tenants) looks up through TsLookups: its index scans are opened at
 * the first call and only rescanned at the next ones, as the executor's
 * inner index scan of a nested loop is, and closed when the query ends.
 */
#ifndef TS_TABLE_ACCESS_H
#define TS_TABLE_ACCESS_H

#include "postgres.h"

#include "access/htup.h"
#include "fmgr.h"
#include "utils/uuid.h"

typedef enum TsTable
{
	TS_TIERS,
	TS_WORKLOAD_PROFILES,
	TS_TENANT_SCALING_CONFIG,
	TS_TENANT_TRAINING_CONFIG,
	TS_TENANT_TRAINING_INPUTS,
	TS_TABLE_COUNT
} TsTable;

/* column numbers, checked against the catalog when a table is first used */
enum
{
	Anum_tiers_tier = 1,
	Anum_tiers_tier_rank,
	Anum_tiers_resource_multiplier,
	Anum_tiers_max_cpu,
	Anum_tiers_max_gpu,
	Natts_tiers = Anum_tiers_max_gpu
};

enum
{
	Anum_workload_type = 1,
	Anum_workload_cpu,
	Anum_workload_gpu,
	Anum_workload_memory_gb,
	Anum_workload_storage_gb,
	Anum_workload_network_mbps,
	Natts_workload = Anum_workload_network_mbps
};

enum
{
	Anum_config_tenant_id = 1,
	Anum_config_scaling_tier,
	Anum_config_max_concurrent_jobs,
	Anum_config_max_model_size_gb,
	Anum_config_max_training_duration_hours,
	Anum_config_auto_scaling_enabled,
	Anum_config_scaling_rules,
	Anum_config_created_at,
	Anum_config_updated_at,
	Anum_config_max_cpu,
	Anum_config_max_gpu,
	Natts_config = Anum_config_max_gpu
};

enum
{
	Anum_training_tenant_id = 1,
	Anum_training_distributed,
	Anum_training_max_workers,
	Natts_training = Anum_training_max_workers
};

enum
{
	Anum_inputs_tenant_id = 1,
	Anum_inputs_queue_size,
	Anum_inputs_avg_wait,
	Anum_inputs_max_wait,
	Anum_inputs_processing_rate,
	Anum_inputs_stats_at,
	Anum_inputs_active_workers,
	Anum_inputs_provisioning_workers,
	Natts_inputs = Anum_inputs_provisioning_workers
};

#define TS_MAX_ATTS 16

/* A row read by key: values and nulls indexed by column number - 1. */
typedef struct TsRow
{
	bool		found;
	Datum		values[TS_MAX_ATTS];
	bool		nulls[TS_MAX_ATTS];
} TsRow;

/* Oid of the extension's schema; an error if the extension is not installed. */
extern Oid	ts_schema_oid(void);

/*
 * The row of table with primary key key (uuid or text), or found = false.
 * By-reference values are in CurrentMemoryContext.
 */
extern void ts_fetch_by_key(TsTable table, Datum key, TsRow *row);

/* The open scans of one call site of a SQL function, for one query. */
typedef struct TsLookups TsLookups;

/*
 * The lookups of fcinfo's call site in the running query, or NULL where
 * there is no query to tie them to (then ts_fetch is ts_fetch_by_key).
 */
extern TsLookups *ts_call_lookups(FunctionCallInfo fcinfo);

/* As ts_fetch_by_key, through lookups' open scan of table when not NULL. */
extern void ts_fetch(TsLookups *lookups, TsTable table, Datum key, TsRow *row);

/* As ts_fetch, but a missing tier or workload type is the error that lists the valid ones. */
extern void ts_fetch_required(TsLookups *lookups, TsTable table, Datum key, TsRow *row);

/* The error for a tier or workload type that does not exist. */
extern void ts_report_unknown_key(TsTable table, Datum key) pg_attribute_noreturn();

/* The primary keys of a text-keyed table in order, comma-separated (for hints). */
extern char *ts_list_keys(TsTable table);

extern void ts_table_access_init(void);

#endif
