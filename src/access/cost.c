/*
 * cost.c: running totals of tenant_resource_usage for the cost view.
 *
 * The seed's view aggregates all usage on every refresh. Here each insert
 * statement folds its rows into one row per (tenant, tier): sums, the sum
 * and count of each utilization, and the number of distinct training jobs
 * and inference endpoints, counted exactly through the set of values seen.
 * The ledger is append-only, so the totals are exactly what the seed's
 * definition over all usage gives, and a refresh reads one row per tenant.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/rel.h"

#include "security.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_maintain_usage_totals);
PG_FUNCTION_INFO_V1(ts_reject_usage_change);

/*
 * One statement: record the values not seen before (an insert that did not
 * conflict, xmax = 0), and add the statement's sums and new distinct values
 * to the totals.
 */
static const char *const fold_sql =
"WITH seen AS ("
"  INSERT INTO tenant_scaling.tenant_usage_distinct AS d (tenant_id, scaling_tier, kind, value)"
"  SELECT DISTINCT tenant_id, scaling_tier, 'j'::\"char\", training_jobs::text FROM new_rows"
"   WHERE training_jobs IS NOT NULL"
"  UNION"
"  SELECT DISTINCT tenant_id, scaling_tier, 'e'::\"char\", inference_endpoints FROM new_rows"
"   WHERE inference_endpoints IS NOT NULL"
"  ON CONFLICT DO NOTHING"
"  RETURNING d.tenant_id, d.scaling_tier, d.kind"
"), fresh AS ("
"  SELECT tenant_id, scaling_tier, count(*) FILTER (WHERE kind = 'j') AS jobs,"
"         count(*) FILTER (WHERE kind = 'e') AS endpoints"
"    FROM seen GROUP BY tenant_id, scaling_tier"
"), batch AS ("
"  SELECT tenant_id, scaling_tier, count(*) AS usage_rows, sum(cpu_hours) AS cpu, sum(gpu_hours) AS gpu,"
"         sum(storage_gb_days) AS storage, sum(network_gb) AS network,"
"         sum(cpu_utilization) AS cpu_util_sum, count(cpu_utilization) AS cpu_util_count,"
"         sum(memory_utilization) AS memory_util_sum, count(memory_utilization) AS memory_util_count,"
"         min(usage_date) AS first_date, max(usage_date) AS last_date"
"    FROM new_rows GROUP BY tenant_id, scaling_tier"
")"
" INSERT INTO tenant_scaling.tenant_usage_totals AS t"
" SELECT b.tenant_id, b.scaling_tier, b.usage_rows, b.cpu, b.gpu, b.storage, b.network,"
"        b.cpu_util_sum, b.cpu_util_count, b.memory_util_sum, b.memory_util_count,"
"        b.cpu_util_sum / NULLIF(b.cpu_util_count, 0), b.memory_util_sum / NULLIF(b.memory_util_count, 0),"
"        coalesce(f.jobs, 0), coalesce(f.endpoints, 0), b.first_date, b.last_date"
"   FROM batch b LEFT JOIN fresh f USING (tenant_id, scaling_tier)"
"  ORDER BY b.tenant_id, b.scaling_tier"
" ON CONFLICT (tenant_id, scaling_tier) DO UPDATE"
"    SET usage_rows = t.usage_rows + excluded.usage_rows,"
"        total_cpu_hours = t.total_cpu_hours + excluded.total_cpu_hours,"
"        total_gpu_hours = t.total_gpu_hours + excluded.total_gpu_hours,"
"        total_storage = t.total_storage + excluded.total_storage,"
"        total_network = t.total_network + excluded.total_network,"
/* sum() of no values is NULL, as in the seed's view */
"        cpu_util_sum = CASE WHEN t.cpu_util_sum IS NULL THEN excluded.cpu_util_sum"
"                            WHEN excluded.cpu_util_sum IS NULL THEN t.cpu_util_sum"
"                            ELSE t.cpu_util_sum + excluded.cpu_util_sum END,"
"        cpu_util_count = t.cpu_util_count + excluded.cpu_util_count,"
"        memory_util_sum = CASE WHEN t.memory_util_sum IS NULL THEN excluded.memory_util_sum"
"                               WHEN excluded.memory_util_sum IS NULL THEN t.memory_util_sum"
"                               ELSE t.memory_util_sum + excluded.memory_util_sum END,"
"        memory_util_count = t.memory_util_count + excluded.memory_util_count,"
/* the averages of the new sums and counts (SET reads the old row) */
"        avg_cpu_util = CASE WHEN t.cpu_util_sum IS NULL THEN excluded.cpu_util_sum"
"                            WHEN excluded.cpu_util_sum IS NULL THEN t.cpu_util_sum"
"                            ELSE t.cpu_util_sum + excluded.cpu_util_sum END"
"                       / NULLIF(t.cpu_util_count + excluded.cpu_util_count, 0),"
"        avg_memory_util = CASE WHEN t.memory_util_sum IS NULL THEN excluded.memory_util_sum"
"                               WHEN excluded.memory_util_sum IS NULL THEN t.memory_util_sum"
"                               ELSE t.memory_util_sum + excluded.memory_util_sum END"
"                          / NULLIF(t.memory_util_count + excluded.memory_util_count, 0),"
"        distinct_training_jobs = t.distinct_training_jobs + excluded.distinct_training_jobs,"
"        distinct_inference_endpoints = t.distinct_inference_endpoints + excluded.distinct_inference_endpoints,"
"        first_usage_date = least(t.first_usage_date, excluded.first_usage_date),"
"        last_usage_date = greatest(t.last_usage_date, excluded.last_usage_date)";

Datum
ts_maintain_usage_totals(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr fold_plan = NULL;
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("maintain_usage_totals must be called as an AFTER ... FOR EACH STATEMENT trigger")));
	/* it runs as the owner: only over the ledger's own rows */
	ts_check_trigger_relation(trigdata, "maintain_usage_totals", "tenant_resource_usage");

	SPI_connect();
	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
	{
		if (SPI_execute("DELETE FROM tenant_scaling.tenant_usage_distinct", false, 0) != SPI_OK_DELETE ||
			SPI_execute("DELETE FROM tenant_scaling.tenant_usage_totals", false, 0) != SPI_OK_DELETE)
			elog(ERROR, "clearing the usage totals failed");
	}
	else
	{
		if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
			elog(ERROR, "could not register the transition tables");
		if (SPI_execute_plan(ts_keep_plan(&fold_plan, fold_sql, 0, NULL), NULL, NULL, false, 0) < 0)
			elog(ERROR, "folding usage into the totals failed");
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}

Datum
ts_reject_usage_change(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "reject_usage_change must be called as a trigger");
	ts_check_trigger_relation(trigdata, "reject_usage_change", "tenant_resource_usage");
	/* the partition maintenance moves rows between partitions and prunes expired ones */
	if (ts_history_maintenance && trigdata->tg_relation->rd_rel->relispartition)
		return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple
							   : trigdata->tg_trigtuple);
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("rows of \"%s\" cannot be %s", ts_trigger_table_name(trigdata),
					TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? "updated" : "deleted"),
			 errdetail("Usage is an append-only ledger: the cost view's running totals are exact because rows are only added."),
			 errhint("Record usage as new rows; TRUNCATE clears all usage and its totals.")));
	PG_RETURN_NULL();
}
