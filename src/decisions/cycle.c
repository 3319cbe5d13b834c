/*
 * cycle.c: one scheduler cycle over every auto-scaling tenant.
 *
 * Set-based: two queries read everything the cycle needs, one row per
 * auto-scaling tenant (its configuration, training bounds, derived
 * training inputs and desired state) and one row per endpoint of those
 * tenants, both in tenant order, through cursors fetched CYCLE_CHUNK rows
 * at a time. The C code merges the two streams, decides, and applies the
 * decisions in batches (apply.c). Nothing is read per tenant, so the cost
 * of a cycle grows linearly with the number of tenants and does not grow
 * with the length of their history.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "cycle.h"
#include "scaling_state.h"
#include "evaluate.h"
#include "sql_support.h"

#define CYCLE_CHUNK 5000
#define APPLY_BATCH 5000
#define CYCLE_WORK_MEM_KB 65536


/*
 * Every endpoint, in tenant order; those of tenants that do not auto-scale
 * are passed over as the tenants' stream goes by (a join with the tenants
 * here would read tenant_scaling_config a second time, in random heap
 * order: 0.8 s of a cycle at a million tenants).
 */
static const char *const endpoints_query =
ENDPOINT_SELECT
" ORDER BY e.tenant_id, e.endpoint_id";

static SPIPlanPtr training_plan = NULL;
static SPIPlanPtr endpoints_plan = NULL;

/* rows of a cursor, CYCLE_CHUNK at a time */
typedef struct RowStream
{
	Portal		portal;
	SPITupleTable *table;
	uint64		pos;
	bool		done;
} RowStream;

static void
stream_open(RowStream *s, SPIPlanPtr plan, Datum *values)
{
	memset(s, 0, sizeof(*s));
	/*
	 * Not read-only: the cursor takes a snapshot of its own, which sees the
	 * queue samples run_scaling_cycle() wrote just before in the same
	 * statement (the calling statement's snapshot predates them).
	 */
	s->portal = SPI_cursor_open(NULL, plan, values, NULL, false);
}

/* The current row, or NULL at the end. */
static HeapTuple
stream_peek(RowStream *s)
{
	if (s->table && s->pos < s->table->numvals)
		return s->table->vals[s->pos];
	if (s->done)
		return NULL;
	if (s->table)
		SPI_freetuptable(s->table);
	SPI_cursor_fetch(s->portal, true, CYCLE_CHUNK);
	s->table = SPI_tuptable;
	s->pos = 0;
	if (SPI_processed == 0)
	{
		s->done = true;
		return NULL;
	}
	return s->table->vals[0];
}

static void
stream_close(RowStream *s)
{
	if (s->table)
		SPI_freetuptable(s->table);
	SPI_cursor_close(s->portal);
}

void
cycle_count_not_scaled_n(CycleResult *result, const char *reason, int n)
{
	int			i;

	if (n <= 0)
		return;
	for (i = 0; i < result->not_scaled_kinds; i++)
		if (strcmp(result->not_scaled_reason[i], reason) == 0)
		{
			result->not_scaled_count[i] += n;
			return;
		}
	if (result->not_scaled_kinds < NOT_SCALED_REASONS)
	{
		result->not_scaled_reason[result->not_scaled_kinds] = MemoryContextStrdup(TopTransactionContext, reason);
		result->not_scaled_count[result->not_scaled_kinds++] = n;
	}
}

void
cycle_count_not_scaled(CycleResult *result, const char *reason)
{
	cycle_count_not_scaled_n(result, reason, 1);
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

static void
note_rules_failure(CycleResult *result, const pg_uuid_t *tenant, const char *message)
{
	append_failure_json(result->failed_tenants, tenant, NULL, message);
	result->errors++;
}

/* One tenant: its training decision, then each of its endpoints from the stream. */
static void
evaluate_tenant(HeapTuple tuple, TupleDesc desc, RowStream *endpoints, TimestampTz now,
				DecisionBatch *batch, ScalingStateBatch *states, CycleResult *result)
{
	SqlRow		row;
	SqlRow		ep_row;
	pg_uuid_t	tenant;
	ScalingRules parsed;
	const ScalingRules *rules;
	RulesError	err;
	AppliedDecision decision;
	EndpointDecision ep_decision;
	TrainingQueueDecision queue_decision;
	const char *reason;
	bool		rules_ok;
	HeapTuple	ep;

	sql_row_read(&row, tuple, desc);
	memcpy(&tenant, sql_row_uuid(&row, TRAINING_COL_TENANT_ID), UUID_LEN);
	rules = stored_rules(sql_row_text(&row, TRAINING_COL_RULES), &parsed, &err);
	rules_ok = rules != NULL;
	result->tenants_evaluated++;
	if (!rules_ok)
		note_rules_failure(result, &tenant, err.message);
	else
	{
		if (evaluate_training(&row, &rules->training, now, &decision, &reason, &queue_decision))
			batch_add(batch, &decision);
		else
			cycle_count_not_scaled(result, reason);
		if (queue_decision.window_changed)
			state_batch_add_training(states, &tenant, &queue_decision.window);
	}

	/* both streams are in tenant order (uuid order is memcmp's) */
	while ((ep = stream_peek(endpoints)) != NULL)
	{
		int			order;

		sql_row_read(&ep_row, ep, endpoints->table->tupdesc);
		order = memcmp(sql_row_uuid(&ep_row, ENDPOINT_COL_TENANT_ID), &tenant, UUID_LEN);
		if (order > 0)
			break;
		endpoints->pos++;
		if (order < 0)
			continue;			/* an endpoint of a tenant that does not auto-scale */
		if (!rules_ok)
			continue;
		if (evaluate_endpoint(&ep_row, &rules->inference, now, &decision, &reason, &ep_decision))
			batch_add(batch, &decision);
		else
			cycle_count_not_scaled(result, reason);
		if (ep_decision.state_changed)
			state_batch_add(states, &tenant, sql_row_text(&ep_row, ENDPOINT_COL_ENDPOINT_ID), &ep_decision.state);
	}
}

/*
 * The settings of a cycle's statements, undone by AtEOXact_GUC(true, level):
 * its two sorted reads sort in memory, as a function's SET clause would
 * have them, and no lock is waited for longer than tenant_scaling.lock_timeout.
 */
static int
cycle_settings_begin(void)
{
	int			level = NewGUCNestLevel();

	if (work_mem < CYCLE_WORK_MEM_KB)
		(void) set_config_option("work_mem", CppAsString2(CYCLE_WORK_MEM_KB), PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("lock_timeout", psprintf("%d", ts_cycle_lock_timeout), PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

/* finished jobs in this window make the processing rate */
#define RATE_WINDOW_MINUTES 10

/*
 * The tenants' samples, inserted only for tenants whose derived inputs row
 * is free: the insert's trigger updates that row, and a tenant's own open
 * INSERT INTO training_queue_stats holds it. Every tenant with jobs has the
 * row (the jobs trigger creates it with the first job), so nothing here
 * waits for a tenant.
 */
static const char *const sample_sql =
"WITH sample AS ("
"  SELECT tenant_id, count(*) FILTER (WHERE status = 'queued') AS queue_size,"
"         coalesce(round(avg(extract(epoch FROM $1 - submitted_at)) FILTER (WHERE status = 'queued'), 3), 0)"
"           AS avg_wait,"
"         coalesce(max(extract(epoch FROM $1 - submitted_at)) FILTER (WHERE status = 'queued'), 0)::int AS max_wait,"
"         round(count(*) FILTER (WHERE finished_at >= $1 - interval '" CppAsString2(RATE_WINDOW_MINUTES) " minutes')"
"               / " CppAsString2(RATE_WINDOW_MINUTES) ".0, 3) AS rate"
"    FROM tenant_scaling.training_jobs"
"   WHERE status = 'queued' OR finished_at >= $1 - interval '" CppAsString2(RATE_WINDOW_MINUTES) " minutes'"
"   GROUP BY tenant_id"
"), free AS ("
"  SELECT i.tenant_id FROM tenant_scaling.tenant_training_inputs i"
"   WHERE i.tenant_id IN (SELECT tenant_id FROM sample)"
"     FOR NO KEY UPDATE OF i SKIP LOCKED"
"), inserted AS ("
"  INSERT INTO tenant_scaling.training_queue_stats (tenant_id, queue_size, avg_wait_time_seconds,"
"         max_wait_time_seconds, processing_rate_per_minute, timestamp)"
"  SELECT s.tenant_id, s.queue_size, s.avg_wait, s.max_wait, s.rate, $1 FROM sample s"
"   WHERE s.tenant_id IN (SELECT tenant_id FROM free)"
"   ORDER BY s.tenant_id"
"  RETURNING 1"
")"
"SELECT (SELECT pg_catalog.count(*) FROM inserted), (SELECT pg_catalog.count(*) FROM sample)";

uint64
ts_sample_job_queues(TimestampTz now, int *locked)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {TIMESTAMPTZOID};
	Datum		values[1] = {TimestampTzGetDatum(now)};
	int			gucs = cycle_settings_begin();
	bool		isnull;
	int64		inserted;
	int64		sampled;

	if (SPI_execute_plan(ts_keep_plan(&plan, sample_sql, 1, types), values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "sampling the training job queues failed");
	inserted = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	sampled = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	*locked = (int) (sampled - inserted);
	AtEOXact_GUC(true, gucs);
	return (uint64) inserted;
}

typedef struct PruneCall
{
	const char *sql;
	TimestampTz now;
	int64		pruned;
} PruneCall;

static void
prune_one(void *arg)
{
	PruneCall  *call = (PruneCall *) arg;
	Oid			types[2] = {TIMESTAMPTZOID, INTERVALOID};
	Interval	retention = {.time = (int64) ts_history_retention * USECS_PER_SEC};
	Datum		values[2] = {TimestampTzGetDatum(call->now), IntervalPGetDatum(&retention)};
	bool		isnull;
	/* every statement gets both; those that need only the time leave $2 unused */
	int			ret = SPI_execute_with_args(call->sql, 2, types, values, NULL, false, 0);

	if (ret == SPI_OK_DELETE)
		call->pruned = (int64) SPI_processed;
	else if (ret == SPI_OK_SELECT && SPI_processed == 1)
		call->pruned = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	else
		elog(ERROR, "pruning history failed");
}

/*
 * Retention. The history tables are partitioned by time: each is maintained
 * by maintain_history_partitions (the owner's work: partitions made ahead,
 * those past the retention dropped, events and runs folded into the pruned
 * totals as they go), one table per subtransaction, so that a table another
 * transaction holds longer than lock_timeout waits for a later cycle alone.
 * A training window no decision has touched for a retention is deleted: its
 * tenant is gone or idle.
 */
static const char *const prune_statements[] = {
	"DELETE FROM tenant_scaling.training_scaling_state WHERE updated_at < $1 - $2",
	"SELECT rows_pruned FROM tenant_scaling.maintain_history_partitions($1, 'endpoint_metrics')",
	"SELECT rows_pruned FROM tenant_scaling.maintain_history_partitions($1, 'training_queue_stats')",
	"SELECT rows_pruned FROM tenant_scaling.maintain_history_partitions($1, 'scaling_events')",
	"SELECT rows_pruned FROM tenant_scaling.maintain_history_partitions($1, 'scheduler_runs')",
	"SELECT rows_pruned FROM tenant_scaling.maintain_history_partitions($1, 'tenant_resource_usage')",
};

/*
 * Run fn(arg) in a subtransaction; false when it waited on a lock longer
 * than lock_timeout (and was rolled back). Any other error is raised.
 */
static bool
try_unless_locked(void (*fn) (void *arg), void *arg)
{
	ErrorData  *error;

	if (ts_try_subtransaction(fn, arg, &error))
		return true;
	if (error->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
		ReThrowError(error);
	return false;
}

/* Run sql in a subtransaction; false when it waited on a lock too long. */
static bool
prune_with(const char *sql, TimestampTz now, int64 *pruned)
{
	PruneCall	call = {sql, now, 0};

	if (!try_unless_locked(prune_one, &call))
		return false;
	*pruned += call.pruned;
	return true;
}

/* History past the retention, table by table; partitions are made whatever the retention. */
static int64
prune_history(TimestampTz now, CycleResult *result)
{
	int64		pruned = 0;
	int			i;

	for (i = ts_history_retention > 0 ? 0 : 1; i < lengthof(prune_statements); i++)
		if (!prune_with(prune_statements[i], now, &pruned))
			cycle_count_not_scaled(result, "prune_locked");
	return pruned;
}

typedef struct ReclaimCall
{
	int64		run_id;
	const char *origin;
} ReclaimCall;

static void
reclaim_capacity(void *arg)
{
	static SPIPlanPtr plan = NULL;
	ReclaimCall *call = (ReclaimCall *) arg;
	Oid			types[2] = {TEXTOID, INT8OID};
	Datum		values[2] = {CStringGetTextDatum(call->origin), Int64GetDatum(call->run_id)};

	if (SPI_execute_plan(ts_keep_plan(&plan, "SELECT count(*) FROM tenant_scaling.reclaim_capacity($1, $2)", 2, types),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "reclaiming capacity failed");
}

/*
 * GPU capacity: the jobs waiting for it tried again, guaranteed tenants
 * given their GPUs back by preemption, idle GPUs shared by weight
 * (reclaim_capacity; each admission and preemption is an event of the run).
 * A tenant another transaction holds is passed over inside; a wait on the
 * pools themselves skips the step until the next cycle.
 */
static void
maybe_reclaim_capacity(int64 run_id, const char *origin, CycleResult *result)
{
	ReclaimCall call = {run_id, origin};

	if (!try_unless_locked(reclaim_capacity, &call))
		cycle_count_not_scaled(result, "capacity_locked");
}

static void
refresh_cost_view(void *arg)
{
	if (SPI_execute("SELECT tenant_scaling.refresh_cost_optimization_view()", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "refreshing the cost view failed");
}

/*
 * The cost view, once the extension has one, every cost_refresh_interval,
 * and at the first cycle that finds it empty beside totals (after a restore).
 * A refresh that waits on a lock too long (an operator's own refresh in an
 * open transaction) is skipped, not the cycle: it is tried again next cycle.
 */
static bool
maybe_refresh_cost_view(CycleResult *result)
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
	/* also when the view is empty but the totals are not: a restore brings the totals, not the view */
	ret = SPI_execute_with_args("SELECT 1 WHERE EXISTS (SELECT FROM tenant_scaling.scheduler_runs"
								"                      WHERE cost_view_refreshed AND started_at > pg_catalog.now() - $1)"
								" AND (EXISTS (SELECT FROM tenant_scaling.tenant_cost_optimization)"
								"      OR NOT EXISTS (SELECT FROM tenant_scaling.tenant_usage_totals))",
								1, types, values, NULL, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed > 0)
		return false;
	if (try_unless_locked(refresh_cost_view, NULL))
		return true;
	cycle_count_not_scaled(result, "cost_view_locked");
	return false;
}

static void
write_endpoint_states(void *arg)
{
	state_batch_write_endpoints((ScalingStateBatch *) arg);
}

static void
write_training_states(void *arg)
{
	state_batch_write_training((ScalingStateBatch *) arg);
}

/* One half of the states in a subtransaction; false (and said) when it was not stored. */
static bool
store_part(void (*write) (void *), ScalingStateBatch *states, int n, const char *what, CycleResult *result)
{
	ErrorData  *error = NULL;

	if (n == 0 || ts_try_subtransaction(write, states, &error))
		return true;
	ereport(WARNING,
			(errmsg("tenant_scaling: the scaling state of %d %s was not stored: %s", n, what, error->message)));
	FreeErrorData(error);
	cycle_count_not_scaled_n(result, "state_not_stored", n);
	return false;
}

/*
 * What the policies keep, each kind in a subtransaction: a failure to store
 * it costs a window its progress, never the cycle's decisions, nor the
 * other kind's states.
 */
static void
store_states(ScalingStateBatch *states, CycleResult *result)
{
	store_part(write_endpoint_states, states, states->count, "endpoints", result);
	store_part(write_training_states, states, states->training_count, "tenants' training", result);
	state_batch_discard(states);
}

void
ts_cycle_execute(int64 run_id, const char *origin, TimestampTz now, CycleResult *result)
{
	MemoryContext tenant_context = AllocSetContextCreate(CurrentMemoryContext, "tenant_scaling tenant",
														 ALLOCSET_DEFAULT_SIZES);
	MemoryContext outer = CurrentMemoryContext;
	Oid			ts_type[1] = {TIMESTAMPTZOID};
	Datum		metrics_since[1];
	DecisionBatch batch;
	ScalingStateBatch states;
	RowStream	tenants;
	RowStream	endpoints;
	HeapTuple	row;
	int			gucs = cycle_settings_begin();

	metrics_since[0] = TimestampTzGetDatum(now - (int64) ts_metrics_max_age * USECS_PER_SEC);
	batch_init(&batch, now, origin, run_id);
	state_batch_init(&states, now);
	stream_open(&tenants, ts_keep_plan(&training_plan, TRAINING_SELECT, 0, NULL), NULL);
	stream_open(&endpoints, ts_keep_plan(&endpoints_plan, endpoints_query, 1, ts_type), metrics_since);

	while ((row = stream_peek(&tenants)) != NULL)
	{
		MemoryContextSwitchTo(tenant_context);
		evaluate_tenant(row, tenants.table->tupdesc, &endpoints, now, &batch, &states, result);
		tenants.pos++;
		MemoryContextSwitchTo(outer);
		MemoryContextReset(tenant_context);
		if (batch.count >= APPLY_BATCH)
			batch_flush_isolated(&batch);
		if (states.count + states.training_count >= APPLY_BATCH)
			store_states(&states, result);
	}
	batch_flush_isolated(&batch);
	store_states(&states, result);
	stream_close(&tenants);
	stream_close(&endpoints);

	result->training_decisions = batch.training_applied;
	result->inference_decisions = batch.inference_applied;
	result->errors += batch.decisions_failed;
	cycle_count_not_scaled_n(result, "superseded", batch.superseded);
	cycle_count_not_scaled_n(result, "locked", batch.locked);
	if (batch.failures->len > 0)
	{
		if (result->failed_tenants->len > 0)
			appendStringInfoString(result->failed_tenants, ", ");
		appendStringInfoString(result->failed_tenants, batch.failures->data);
	}
	result->cost_view_refreshed = maybe_refresh_cost_view(result);
	/* last: dropping a partition locks its table, and admission a pool's usage row, until the cycle commits */
	result->pruned_rows = prune_history(now, result);
	maybe_reclaim_capacity(run_id, origin, result);
	batch_free(&batch);
	state_batch_free(&states);
	MemoryContextDelete(tenant_context);
	AtEOXact_GUC(true, gucs);
}
