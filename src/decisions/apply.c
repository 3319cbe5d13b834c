/*
 * apply.c: writing applied decisions set-based, with per-tenant fallback.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "apply.h"
#include "sql_support.h"

/*
 * One statement: lock the endpoints decided for, skipping any another
 * transaction holds (a tenant's open scale_inference_endpoint, say: the cycle
 * never waits on a tenant); update those whose desired count is still the
 * one decided from (another writer may have moved it since); record the
 * training desired counts; log an event per change that happened, and
 * notify each. The last row counts the endpoints skipped as locked. No join
 * between the batch's rows: a generic plan, which guesses ten rows for
 * unnest, must not turn it quadratic.
 *
 * The NOTIFY payload carries the event id only: any role may LISTEN on any
 * channel, so a payload must say nothing a tenant may not read, and anyone
 * may send one, so it is a hint to read scaling_events, never an authority.
 */
static const char *const apply_sql =
"WITH d AS ("
"  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::int4[],"
"                       $7::text[], $8::text[])"
"    AS d(tenant_id, resource_kind, resource_id, action, previous_count, new_count, reason, inputs)"
"), locked AS ("
"  SELECT d.*, e.ctid AS row_id FROM d JOIN tenant_scaling.inference_endpoints e"
"      ON e.endpoint_id = d.resource_id AND e.tenant_id = d.tenant_id"
"   WHERE d.resource_kind = 'inference'"
"     FOR NO KEY UPDATE OF e SKIP LOCKED"
/* the rows it holds, by where they are: no second probe of the key */
"), endpoints AS ("
"  UPDATE tenant_scaling.inference_endpoints e"
"     SET desired_replicas = d.new_count, last_scaled_at = $9,"
"         last_scale_out_at = CASE WHEN d.action = 'scale_out' THEN $9 ELSE e.last_scale_out_at END"
"    FROM locked d"
"   WHERE e.ctid = d.row_id AND e.desired_replicas = d.previous_count"
"  RETURNING d.tenant_id, d.resource_kind, d.resource_id, d.action, d.previous_count, d.new_count,"
"            d.reason, d.inputs"
"), training AS ("
"  INSERT INTO tenant_scaling.tenant_training_state AS s"
"         (tenant_id, desired_workers, last_scale_out_at, last_scaled_at)"
"  SELECT d.tenant_id, d.new_count, CASE WHEN d.action = 'scale_out' THEN $9 END, $9"
"    FROM d WHERE d.resource_kind = 'training'"
"  ON CONFLICT (tenant_id) DO UPDATE"
"     SET desired_workers = excluded.desired_workers, last_scaled_at = excluded.last_scaled_at,"
"         last_scale_out_at = coalesce(excluded.last_scale_out_at, s.last_scale_out_at)"
"), applied AS ("
"  SELECT * FROM endpoints"
"  UNION ALL"
/* the upsert writes every training row or fails; a WITH that writes runs whether read or not */
"  SELECT * FROM d WHERE d.resource_kind = 'training'"
"), events AS ("
"  INSERT INTO tenant_scaling.scaling_events (created_at, tenant_id, resource_kind, resource_id, action,"
"         previous_count, new_count, reason, inputs, origin, run_id)"
"  SELECT $9, tenant_id, resource_kind, resource_id, action, previous_count, new_count, reason,"
"         inputs::jsonb, $10, $11 FROM applied"
"  RETURNING event_id, resource_kind"
")"
"SELECT e.resource_kind, 0::bigint FROM events e"
" CROSS JOIN LATERAL pg_catalog.pg_notify('tenant_scaling',"
"                   pg_catalog.json_build_object('event_id', e.event_id)::text) n"
" UNION ALL"
" SELECT 'locked', (SELECT pg_catalog.count(*) FROM d WHERE d.resource_kind = 'inference')"
"                  - (SELECT pg_catalog.count(*) FROM locked)";

static SPIPlanPtr apply_plan = NULL;
static int	writing_decisions = 0;

bool
ts_writing_decisions(void)
{
	return writing_decisions > 0;
}

const char *
resource_kind_name(ResourceKind kind)
{
	return kind == RESOURCE_TRAINING ? "training" : "inference";
}

void
batch_init(DecisionBatch *batch, TimestampTz now, const char *origin, int64 run_id)
{
	memset(batch, 0, sizeof(*batch));
	batch->context = AllocSetContextCreate(CurrentMemoryContext, "tenant_scaling decisions",
										   ALLOCSET_DEFAULT_SIZES);
	batch->capacity = 256;
	batch->items = palloc(sizeof(AppliedDecision) * batch->capacity);
	batch->now = now;
	batch->origin = origin;
	batch->run_id = run_id;
	batch->failures = makeStringInfo();
}

void
batch_add(DecisionBatch *batch, const AppliedDecision *decision)
{
	if (batch->count == batch->capacity)
	{
		batch->capacity *= 2;
		batch->items = repalloc(batch->items, sizeof(AppliedDecision) * batch->capacity);
	}
	batch->items[batch->count] = *decision;
	batch->items[batch->count].resource_id = MemoryContextStrdup(batch->context, decision->resource_id);
	batch->items[batch->count].reason = MemoryContextStrdup(batch->context, decision->reason);
	batch->items[batch->count].inputs = MemoryContextStrdup(batch->context, decision->inputs);
	batch->count++;
}

void
batch_free(DecisionBatch *batch)
{
	MemoryContextDelete(batch->context);
	pfree(batch->items);
}

/* Forget the written items and everything their writing allocated. */
static void
batch_reset(DecisionBatch *batch)
{
	batch->count = 0;
	MemoryContextReset(batch->context);
}

/* the text fields of a decision, as the apply statement takes them */
typedef enum DecisionText
{
	DECISION_KIND,
	DECISION_RESOURCE_ID,
	DECISION_ACTION,
	DECISION_REASON,
	DECISION_INPUTS
} DecisionText;

static const char *
decision_text(const AppliedDecision *d, DecisionText field)
{
	switch (field)
	{
		case DECISION_KIND:
			return resource_kind_name(d->kind);
		case DECISION_RESOURCE_ID:
			return d->resource_id;
		case DECISION_ACTION:
			return scaling_action_name(d->action);
		case DECISION_REASON:
			return d->reason;
		case DECISION_INPUTS:
			return d->inputs;
	}
	return NULL;				/* keep the compiler quiet */
}

static Datum
text_array(const AppliedDecision *items, int n, DecisionText field)
{
	Datum	   *elems = palloc(sizeof(Datum) * n);
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(decision_text(&items[i], field));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static Datum
int_array(const AppliedDecision *items, int n, bool previous)
{
	Datum	   *elems = palloc(sizeof(Datum) * n);
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = Int32GetDatum(previous ? items[i].previous_count : items[i].new_count);
	return PointerGetDatum(construct_array(elems, n, INT4OID, 4, true, TYPALIGN_INT));
}

static Datum
uuid_array(const AppliedDecision *items, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * n);
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = UUIDPGetDatum((pg_uuid_t *) &items[i].tenant_id);
	return PointerGetDatum(construct_array(elems, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
}

static SPIPlanPtr
apply_plan_prepared(void)
{
	Oid			types[11] = {UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID,
		INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID, TEXTOID, INT8OID};

	return ts_keep_plan(&apply_plan, apply_sql, 11, types);
}

/* The apply statement; its own writes of desired counts are not overrides (overrides.c). */
static int
execute_apply(Datum *values, const char *nulls)
{
	int			ret;

	writing_decisions++;
	PG_TRY();
	{
		ret = SPI_execute_plan(apply_plan_prepared(), values, nulls, false, 0);
	}
	PG_FINALLY();
	{
		writing_decisions--;
	}
	PG_END_TRY();
	return ret;
}

/* Write items[0..n) in the current transaction; count what was applied. */
static void
write_decisions(DecisionBatch *batch, const AppliedDecision *items, int n)
{
	Datum		values[11];
	char		nulls[11];
	uint64		i;
	int			ret;
	int			training = 0;
	int			inference = 0;
	int			locked = 0;

	if (n == 0)
		return;
	memset(nulls, ' ', sizeof(nulls));
	values[0] = uuid_array(items, n);
	values[1] = text_array(items, n, DECISION_KIND);
	values[2] = text_array(items, n, DECISION_RESOURCE_ID);
	values[3] = text_array(items, n, DECISION_ACTION);
	values[4] = int_array(items, n, true);
	values[5] = int_array(items, n, false);
	values[6] = text_array(items, n, DECISION_REASON);
	values[7] = text_array(items, n, DECISION_INPUTS);
	values[8] = TimestampTzGetDatum(batch->now);
	values[9] = CStringGetTextDatum(batch->origin);
	values[10] = Int64GetDatum(batch->run_id);
	if (batch->run_id == 0)
		nulls[10] = 'n';

	ret = execute_apply(values, nulls);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "applying scaling decisions failed: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *kind = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		bool		isnull;

		if (strcmp(kind, "training") == 0)
			training++;
		else if (strcmp(kind, "inference") == 0)
			inference++;
		else
			locked = (int) DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	batch->training_applied += training;
	batch->inference_applied += inference;
	batch->locked += locked;
	/* an endpoint whose desired count another writer moved is left to the next decision */
	batch->superseded += n - training - inference - locked;
}

void
batch_flush(DecisionBatch *batch)
{
	MemoryContext caller = MemoryContextSwitchTo(batch->context);

	write_decisions(batch, batch->items, batch->count);
	MemoryContextSwitchTo(caller);
	batch_reset(batch);
}

typedef struct WriteCall
{
	DecisionBatch *batch;
	const AppliedDecision *items;
	int			n;
} WriteCall;

static void
write_call(void *arg)
{
	WriteCall  *call = (WriteCall *) arg;

	write_decisions(call->batch, call->items, call->n);
}

/*
 * Write items[0..n) in an internal subtransaction. Returns false, with the
 * error in *error, when it failed and was rolled back; nothing of it is
 * counted then.
 */
static bool
write_in_subtransaction(DecisionBatch *batch, const AppliedDecision *items, int n, ErrorData **error)
{
	WriteCall	call = {batch, items, n};
	int			training = batch->training_applied;
	int			inference = batch->inference_applied;
	int			superseded = batch->superseded;
	int			locked = batch->locked;

	if (ts_try_subtransaction(write_call, &call, error))
		return true;
	batch->training_applied = training;
	batch->inference_applied = inference;
	batch->superseded = superseded;
	batch->locked = locked;
	return false;
}

void
append_failure_json(StringInfo failures, const pg_uuid_t *tenant, const AppliedDecision *decision,
					const char *message)
{
	if (failures->len > 0)
		appendStringInfoString(failures, ", ");
	appendStringInfo(failures, "{\"tenant_id\": \"%s\", ", ts_uuid_text(tenant));
	if (decision)
	{
		appendStringInfo(failures, "\"resource_kind\": \"%s\", \"resource_id\": ",
						 resource_kind_name(decision->kind));
		escape_json(failures, ts_quoted_value(decision->resource_id));
		appendStringInfoString(failures, ", ");
	}
	appendStringInfoString(failures, "\"error\": ");
	escape_json(failures, message);
	appendStringInfoChar(failures, '}');
}

/* A decision that could not be written: reported, or counted as locked when it waited too long. */
static void
record_failure(DecisionBatch *batch, const AppliedDecision *decision, const ErrorData *error)
{
	char	   *tenant_text;

	if (error->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
	{
		batch->locked++;
		return;
	}
	tenant_text = ts_uuid_text(&decision->tenant_id);
	append_failure_json(batch->failures, &decision->tenant_id, decision, error->message);
	batch->decisions_failed++;
	ereport(WARNING,
			(errmsg("tenant_scaling: the %s decision for %s of tenant %s was not applied: %s",
					resource_kind_name(decision->kind), ts_quoted_value(decision->resource_id), tenant_text,
					error->message)));
}

/* Write one tenant's decisions together, or, when that fails, each on its own. */
static void
write_tenant_isolated(DecisionBatch *batch, const AppliedDecision *items, int n)
{
	ErrorData  *error;
	int			i;

	if (write_in_subtransaction(batch, items, n, &error))
		return;
	if (n == 1)
	{
		record_failure(batch, &items[0], error);
		return;
	}
	for (i = 0; i < n; i++)
		if (!write_in_subtransaction(batch, &items[i], 1, &error))
			record_failure(batch, &items[i], error);
}

void
batch_flush_isolated(DecisionBatch *batch)
{
	ErrorData  *error;
	MemoryContext caller;
	int			start;

	if (batch->count == 0)
		return;
	caller = MemoryContextSwitchTo(batch->context);
	if (!write_in_subtransaction(batch, batch->items, batch->count, &error))
	{
		/* items are grouped by tenant: retry each tenant's group alone */
		for (start = 0; start < batch->count;)
		{
			int			end = start + 1;

			while (end < batch->count &&
				   memcmp(&batch->items[end].tenant_id, &batch->items[start].tenant_id, UUID_LEN) == 0)
				end++;
			write_tenant_isolated(batch, batch->items + start, end - start);
			start = end;
		}
	}
	MemoryContextSwitchTo(caller);
	batch_reset(batch);
}
