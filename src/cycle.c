/*
 * cycle.c: one scheduler cycle over every auto-scaling tenant.
 *
 * Set-based: tenants are read in key order, CYCLE_CHUNK at a time, with
 * one query for their training inputs and one for their endpoints, so the
 * cost of a cycle grows linearly with the number of tenants. Decisions are
 * applied in batches (apply.c).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "cycle.h"
#include "evaluate.h"
#include "sql_support.h"

#define CYCLE_CHUNK 5000
#define APPLY_BATCH 5000

int			ts_metrics_max_age = 300;
int			ts_history_retention = 7 * 24 * 3600;
int			ts_cost_refresh_interval = 300;

/* columns: 1 tenant, 2 rules, 3 has training config, 4 distributed, 5 max workers,
 * 6 queue size, 7 avg wait, 8 stats time, 9 actual workers, 10 desired workers,
 * 11 last scale-out, 12 last change */
#define TRAINING_SELECT(op) \
	"SELECT c.tenant_id, c.scaling_rules::text, tc.tenant_id IS NOT NULL," \
	"       coalesce(tc.distributed_training_enabled, false), coalesce(tc.max_workers, 1)," \
	"       s.queue_size, s.avg_wait_time_seconds::text, s.timestamp," \
	"       (SELECT count(*)::int4 FROM tenant_scaling.tenant_training_workers w" \
	"         WHERE w.tenant_id = c.tenant_id AND w.status IN ('active', 'provisioning'))," \
	"       st.desired_workers, st.last_scale_out_at, st.last_scaled_at" \
	"  FROM tenant_scaling.tenant_scaling_config c" \
	"  LEFT JOIN tenant_scaling.tenant_training_config tc ON tc.tenant_id = c.tenant_id" \
	"  LEFT JOIN tenant_scaling.tenant_training_state st ON st.tenant_id = c.tenant_id" \
	"  LEFT JOIN LATERAL (SELECT q.queue_size, q.avg_wait_time_seconds, q.timestamp" \
	"                       FROM tenant_scaling.training_queue_stats q" \
	"                      WHERE q.tenant_id = c.tenant_id" \
	"                      ORDER BY q.timestamp DESC LIMIT 1) s ON true" \
	" WHERE c.auto_scaling_enabled AND c.tenant_id " op " $1" \
	" ORDER BY c.tenant_id LIMIT $2"

#define ENDPOINTS_OF_TENANTS \
	ENDPOINT_SELECT " WHERE e.tenant_id = ANY ($2) ORDER BY e.tenant_id, e.endpoint_id"

static SPIPlanPtr first_chunk_plan = NULL;
static SPIPlanPtr next_chunk_plan = NULL;
static SPIPlanPtr endpoints_plan = NULL;

/* a tenant of the current chunk */
typedef struct ChunkTenant
{
	pg_uuid_t	tenant_id;
	bool		rules_ok;
	ScalingRules rules;
	char	   *rules_error;
} ChunkTenant;

static SPIPlanPtr
keep_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types)
{
	if (*cache == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

		if (plan == NULL)
			elog(ERROR, "could not prepare a cycle query: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		*cache = plan;
	}
	return *cache;
}

void
cycle_count_not_scaled(CycleResult *result, const char *reason)
{
	int			i;

	for (i = 0; i < result->not_scaled_kinds; i++)
		if (strcmp(result->not_scaled_reason[i], reason) == 0)
		{
			result->not_scaled_count[i]++;
			return;
		}
	if (result->not_scaled_kinds < NOT_SCALED_REASONS)
	{
		result->not_scaled_reason[result->not_scaled_kinds] = MemoryContextStrdup(TopTransactionContext, reason);
		result->not_scaled_count[result->not_scaled_kinds++] = 1;
	}
}

char *
cycle_not_scaled_json(const CycleResult *result)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < result->not_scaled_kinds; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, result->not_scaled_reason[i]);
		appendStringInfo(&buf, ": %d", result->not_scaled_count[i]);
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static bool
time_value(HeapTuple row, TupleDesc desc, int col, TimestampTz *out)
{
	bool		isnull;
	Datum		d = SPI_getbinval(row, desc, col, &isnull);

	if (!isnull)
		*out = DatumGetTimestampTz(d);
	return !isnull;
}

static int32
int_value(HeapTuple row, TupleDesc desc, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(row, desc, col, isnull);

	return *isnull ? 0 : DatumGetInt32(d);
}

/* The training decision of one tenant row; true when it changes the desired count. */
static bool
evaluate_training(HeapTuple row, TupleDesc desc, const ChunkTenant *tenant, TimestampTz now,
				  AppliedDecision *out, const char **reason)
{
	const TrainingRules *rules = &tenant->rules.training;
	TrainingBounds bounds;
	TrainingInput input;
	TrainingDecision d;
	ScalingHistory history = {false, 0, false, 0};
	TimestampTz stats_at = 0;
	bool		isnull;
	bool		has_desired;
	int32		actual;
	const char *refusal;
	char	   *wait_text;
	StringInfoData inputs;

	bounds.has_training_config = DatumGetBool(SPI_getbinval(row, desc, 3, &isnull));
	bounds.distributed_training_enabled = DatumGetBool(SPI_getbinval(row, desc, 4, &isnull));
	bounds.config_max_workers = int_value(row, desc, 5, &isnull);
	bounds.default_max_workers = ts_max_training_workers;
	input.has_stats = time_value(row, desc, 8, &stats_at);
	input.queue_size = int_value(row, desc, 6, &isnull);
	wait_text = SPI_getvalue(row, desc, 7);
	input.avg_wait_seconds.known = wait_text && ts_decimal_parse(wait_text, &input.avg_wait_seconds.value);
	actual = int_value(row, desc, 9, &isnull);
	input.current_workers = int_value(row, desc, 10, &isnull);
	has_desired = !isnull;
	if (!has_desired)
		input.current_workers = actual;
	history.has_last_scale_out = time_value(row, desc, 11, &history.last_scale_out_us);
	history.has_last_scaled = time_value(row, desc, 12, &history.last_scaled_us);

	decide_training(rules, &bounds, &input, &d);
	*reason = d.reason;
	if (!d.scale_out && !d.scale_in)
		return false;
	refusal = cooldown_refusal(d.scale_out ? ACTION_SCALE_OUT : ACTION_SCALE_IN, now, &history,
							   rules->scale_in_cooldown_seconds, rules->scale_out_cooldown_seconds);
	if (refusal)
	{
		*reason = refusal;
		return false;
	}

	initStringInfo(&inputs);
	appendStringInfo(&inputs, "{\"queue_size\": %d, \"avg_wait_time_seconds\": %s, ",
					 input.queue_size, input.avg_wait_seconds.known ? wait_text : "null");
	if (input.has_stats)
	{
		char		text[MAXDATELEN + 1];

		appendStringInfo(&inputs, "\"stats_at\": \"%s\", ",
						 JsonEncodeDateTime(text, TimestampTzGetDatum(stats_at), TIMESTAMPTZOID, NULL));
	}
	appendStringInfo(&inputs, "\"actual_workers\": %d, \"desired_workers\": %s, "
					 "\"ceiling\": %d, \"floor\": %d}",
					 actual, has_desired ? psprintf("%d", input.current_workers) : "null",
					 d.ceiling, d.floor);

	out->tenant_id = tenant->tenant_id;
	out->kind = RESOURCE_TRAINING;
	out->resource_id = DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum((pg_uuid_t *) &tenant->tenant_id)));
	out->action = d.scale_out ? ACTION_SCALE_OUT : ACTION_SCALE_IN;
	out->previous_count = input.current_workers;
	out->new_count = d.target_workers;
	out->reason = (char *) d.reason;
	out->inputs = inputs.data;
	return true;
}

/* Read the next chunk of tenants after *last; returns how many. */
static int
fetch_tenant_chunk(bool first, pg_uuid_t *last)
{
	Oid			types[2] = {UUIDOID, INT4OID};
	Datum		values[2];
	SPIPlanPtr	plan = first ? keep_plan(&first_chunk_plan, TRAINING_SELECT(">="), 2, types)
		: keep_plan(&next_chunk_plan, TRAINING_SELECT(">"), 2, types);
	int			ret;

	values[0] = UUIDPGetDatum(last);
	values[1] = Int32GetDatum(CYCLE_CHUNK);
	ret = SPI_execute_plan(plan, values, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading tenants failed: %s", SPI_result_code_string(ret));
	return (int) SPI_processed;
}

static SPITupleTable *
fetch_endpoints(ChunkTenant *tenants, int n, TimestampTz now)
{
	Oid			types[2] = {TIMESTAMPTZOID, UUIDARRAYOID};
	Datum		values[2];
	Datum	   *ids = palloc(sizeof(Datum) * n);
	int			i;
	int			ret;

	for (i = 0; i < n; i++)
		ids[i] = UUIDPGetDatum(&tenants[i].tenant_id);
	values[0] = TimestampTzGetDatum(now - (int64) ts_metrics_max_age * USECS_PER_SEC);
	values[1] = PointerGetDatum(construct_array(ids, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
	ret = SPI_execute_plan(keep_plan(&endpoints_plan, ENDPOINTS_OF_TENANTS, 2, types),
						   values, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading endpoints failed: %s", SPI_result_code_string(ret));
	return SPI_tuptable;
}

static void
note_rules_failure(CycleResult *result, const ChunkTenant *tenant)
{
	char	   *id = DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum((pg_uuid_t *) &tenant->tenant_id)));

	if (result->failed_tenants->len > 0)
		appendStringInfoString(result->failed_tenants, ", ");
	appendStringInfo(result->failed_tenants, "{\"tenant_id\": \"%s\", \"error\": ", id);
	escape_json(result->failed_tenants, tenant->rules_error);
	appendStringInfoChar(result->failed_tenants, '}');
	result->errors++;
}

/* Evaluate one chunk: training rows in SPI_tuptable, then their endpoints. */
static void
evaluate_chunk(int n, TimestampTz now, DecisionBatch *batch, CycleResult *result, pg_uuid_t *last)
{
	SPITupleTable *training = SPI_tuptable;
	ChunkTenant *tenants = palloc(sizeof(ChunkTenant) * n);
	SPITupleTable *endpoints;
	uint64		e = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		bool		isnull;
		RulesError	err;

		memcpy(&tenants[i].tenant_id,
			   DatumGetUUIDP(SPI_getbinval(training->vals[i], training->tupdesc, 1, &isnull)), UUID_LEN);
		tenants[i].rules_ok = rules_from_text(SPI_getvalue(training->vals[i], training->tupdesc, 2),
											  &tenants[i].rules, &err);
		tenants[i].rules_error = tenants[i].rules_ok ? NULL : pstrdup(err.message);
	}
	*last = tenants[n - 1].tenant_id;
	endpoints = fetch_endpoints(tenants, n, now);

	for (i = 0; i < n; i++)
	{
		ChunkTenant *t = &tenants[i];
		AppliedDecision decision;
		const char *reason;

		result->tenants_evaluated++;
		if (!t->rules_ok)
			note_rules_failure(result, t);
		else if (evaluate_training(training->vals[i], training->tupdesc, t, now, &decision, &reason))
			batch_add(batch, &decision);
		else
			cycle_count_not_scaled(result, reason);

		/* this tenant's endpoints: both result sets are in tenant order */
		for (; e < endpoints->numvals; e++)
		{
			bool		isnull;
			pg_uuid_t  *owner = DatumGetUUIDP(SPI_getbinval(endpoints->vals[e], endpoints->tupdesc, 1, &isnull));

			if (memcmp(owner, &t->tenant_id, UUID_LEN) != 0)
				break;
			if (!t->rules_ok)
				continue;
			if (evaluate_endpoint(endpoints->vals[e], endpoints->tupdesc, &t->rules.inference, now,
								  &decision, &reason))
				batch_add(batch, &decision);
			else
				cycle_count_not_scaled(result, reason);
		}
		if (batch->count >= APPLY_BATCH)
			batch_flush_isolated(batch);
	}
	SPI_freetuptable(endpoints);
	SPI_freetuptable(training);
}

static int64
prune_history(TimestampTz now)
{
	static const char *const statements[] = {
		"DELETE FROM tenant_scaling.training_queue_stats WHERE timestamp < $1",
		"DELETE FROM tenant_scaling.endpoint_metrics WHERE ts < $1",
		"DELETE FROM tenant_scaling.scaling_events WHERE created_at < $1",
		"DELETE FROM tenant_scaling.worker_runs WHERE started_at < $1 AND status <> 'running'",
	};
	Oid			types[1] = {TIMESTAMPTZOID};
	Datum		values[1];
	int64		pruned = 0;
	int			i;

	if (ts_history_retention <= 0)
		return 0;
	values[0] = TimestampTzGetDatum(now - (int64) ts_history_retention * USECS_PER_SEC);
	for (i = 0; i < lengthof(statements); i++)
	{
		if (SPI_execute_with_args(statements[i], 1, types, values, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "pruning history failed");
		pruned += SPI_processed;
	}
	return pruned;
}

/* The cost view, once the extension has one, every cost_refresh_interval. */
static bool
maybe_refresh_cost_view(TimestampTz now)
{
	Oid			types[1] = {INTERVALOID};
	Datum		values[1];
	Interval   *interval;
	int			ret;
	bool		isnull;

	if (ts_cost_refresh_interval <= 0)
		return false;
	ret = SPI_execute("SELECT pg_catalog.to_regprocedure('tenant_scaling.refresh_cost_optimization_view()') IS NOT NULL",
					  true, 1);
	if (ret != SPI_OK_SELECT || !DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		return false;
	interval = palloc0(sizeof(Interval));
	interval->time = (int64) ts_cost_refresh_interval * USECS_PER_SEC;
	values[0] = IntervalPGetDatum(interval);
	ret = SPI_execute_with_args("SELECT 1 FROM tenant_scaling.worker_runs"
								" WHERE cost_view_refreshed AND started_at > pg_catalog.now() - $1 LIMIT 1",
								1, types, values, NULL, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed > 0)
		return false;
	if (SPI_execute("SELECT tenant_scaling.refresh_cost_optimization_view()", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "refreshing the cost view failed");
	return true;
}

void
ts_cycle_execute(int64 run_id, TimestampTz now, CycleResult *result)
{
	MemoryContext chunk_context = AllocSetContextCreate(CurrentMemoryContext, "tenant_scaling chunk",
														ALLOCSET_DEFAULT_SIZES);
	MemoryContext outer = CurrentMemoryContext;
	DecisionBatch batch;
	pg_uuid_t	last;
	bool		first = true;
	int			n;

	memset(&last, 0, sizeof(last));
	batch_init(&batch, now, "worker", run_id);
	for (;;)
	{
		MemoryContextSwitchTo(chunk_context);
		n = fetch_tenant_chunk(first, &last);
		first = false;
		if (n > 0)
			evaluate_chunk(n, now, &batch, result, &last);
		else
			SPI_freetuptable(SPI_tuptable);
		batch_flush_isolated(&batch);
		MemoryContextSwitchTo(outer);
		MemoryContextReset(chunk_context);
		if (n < CYCLE_CHUNK)
			break;
	}
	result->training_decisions = batch.training_applied;
	result->inference_decisions = batch.inference_applied;
	result->errors += batch.tenants_failed;
	for (n = 0; n < batch.superseded; n++)
		cycle_count_not_scaled(result, "superseded");
	if (batch.failures->len > 0)
	{
		if (result->failed_tenants->len > 0)
			appendStringInfoString(result->failed_tenants, ", ");
		appendStringInfoString(result->failed_tenants, batch.failures->data);
	}
	result->pruned_rows = prune_history(now);
	result->cost_view_refreshed = maybe_refresh_cost_view(now);
	MemoryContextDelete(chunk_context);
}
