/*
 * endpoint.c: scale_inference_endpoint, the seed's scale_inference_endpoints
 * for one endpoint, applied at once.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "apply.h"
#include "cycle.h"
#include "scaling_state.h"
#include "evaluate.h"
#include "settings.h"
#include "security.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_scale_inference_endpoint);

/*
 * The row is locked so that two callers cannot both scale from the same
 * count; NO KEY, so that metrics being inserted for it (whose foreign key
 * takes KEY SHARE) neither wait for the decision nor hold it up.
 */
#define ENDPOINT_FOR_UPDATE ENDPOINT_SELECT " WHERE e.endpoint_id = $2 FOR NO KEY UPDATE OF e"

static SPIPlanPtr endpoint_plan = NULL;

/* The errors of an endpoint that is missing, or that another tenant owns. */
static void
check_endpoint_owner(text *endpoint_id, pg_uuid_t *tenant, bool found, pg_uuid_t *owner)
{
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("inference endpoint \"%s\" does not exist", ts_quoted_value(text_to_cstring(endpoint_id)))));
	if (memcmp(owner, tenant, UUID_LEN) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("inference endpoint \"%s\" does not belong to tenant %s",
						ts_quoted_value(text_to_cstring(endpoint_id)),
						ts_uuid_text(tenant)),
				 errhint("Pass the tenant that owns the endpoint.")));
}

static HeapTuple
lock_endpoint(pg_uuid_t *tenant, text *endpoint_id, TimestampTz now, TupleDesc *desc)
{
	Oid			types[2] = {TIMESTAMPTZOID, TEXTOID};
	Datum		values[2];
	bool		isnull;
	pg_uuid_t  *owner;

	values[0] = TimestampTzGetDatum(now - (int64) ts_metrics_max_age * USECS_PER_SEC);
	values[1] = PointerGetDatum(endpoint_id);
	if (SPI_execute_plan(ts_keep_plan(&endpoint_plan, ENDPOINT_FOR_UPDATE, 2, types),
						 values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading the endpoint failed");
	/* checked again under the lock: the endpoint may have gone or moved since it was seen */
	*desc = SPI_tuptable->tupdesc;
	owner = SPI_processed ? DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0], *desc, 1, &isnull)) : NULL;
	check_endpoint_owner(endpoint_id, tenant, SPI_processed > 0, owner);
	return SPI_tuptable->vals[0];
}

/*
 * Under the caller's row-level security: another tenant's endpoint does not
 * exist for a tenant role; an operator is told whose it is.
 */
static void
check_endpoint_visible(pg_uuid_t *tenant, text *endpoint_id)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {PointerGetDatum(endpoint_id)};
	bool		isnull;

	if (SPI_execute_plan(ts_keep_plan(&plan, "SELECT tenant_id FROM tenant_scaling.inference_endpoints"
									  " WHERE endpoint_id OPERATOR(pg_catalog.=) $1", 1, types),
						 values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading the endpoint failed");
	check_endpoint_owner(endpoint_id, tenant, SPI_processed > 0,
						 SPI_processed ? DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0],
																	 SPI_tuptable->tupdesc, 1, &isnull)) : NULL);
}

/*
 * The tenant's rules; false when its auto-scaling is off (or it has no
 * configuration, whose default is off), which the scheduler honours too.
 * The rules are the defaults when there is no configuration.
 */
static bool
tenant_rules(pg_uuid_t *tenant, ScalingRules *rules)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[1] = {UUIDOID};
	Datum		values[1] = {UUIDPGetDatum(tenant)};
	RulesError	err;
	char	   *json;
	bool		isnull;

	if (SPI_execute_plan(ts_keep_plan(&plan, "SELECT scaling_rules::text, auto_scaling_enabled"
									  "  FROM tenant_scaling.tenant_scaling_config WHERE tenant_id = $1",
									  1, types),
						 values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading the tenant's scaling rules failed");
	if (SPI_processed == 0)
	{
		scaling_rules_set_defaults(rules);
		return false;
	}
	json = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (!stored_rules_parse(json, rules, &err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s", err.message)));
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)) && !isnull;
}

Datum
ts_scale_inference_endpoint(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *tenant = PG_GETARG_UUID_P(0);
	text	   *endpoint_id = PG_GETARG_TEXT_PP(1);
	/*
	 * The clock, not the transaction's start: a caller that kept its
	 * transaction open would otherwise date the decision, and its cooldown,
	 * in the past.
	 */
	TimestampTz now = GetCurrentTimestamp();
	ScalingRules rules;
	TupleDesc	desc;
	HeapTuple	tuple;
	SqlRow		row;
	AppliedDecision decision;
	EndpointDecision endpoint_decision;
	const char *reason;
	int32		previous;
	int32		new_count;
	const char *action = "none";
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spi;
	TsSavedUser owner_switch;
	bool		auto_scaling;
	bool		isnull;

	SPI_connect();
	/* what the caller may see decides whether it may scale it; then the writes are the owner's */
	check_endpoint_visible(tenant, endpoint_id);
	ts_become_owner(&owner_switch);
	auto_scaling = tenant_rules(tenant, &rules);
	tuple = lock_endpoint(tenant, endpoint_id, now, &desc);
	sql_row_read(&row, tuple, desc);
	previous = sql_row_int(&row, ENDPOINT_COL_DESIRED, &isnull);
	new_count = previous;
	if (!auto_scaling)
		reason = "auto_scaling_disabled";
	else if (evaluate_endpoint(&row, &rules.inference, now, &decision, &reason, &endpoint_decision))
	{
		DecisionBatch batch;

		batch_init(&batch, now, "manual", 0);
		batch_add(&batch, &decision);
		batch_flush(&batch);
		new_count = decision.new_count;
		action = scaling_action_name(decision.action);
	}
	if (auto_scaling && endpoint_decision.state_changed)
	{
		ScalingStateBatch states;

		state_batch_init(&states, now);
		state_batch_add(&states, tenant, text_to_cstring(endpoint_id), &endpoint_decision.state);
		state_batch_flush(&states);
		state_batch_free(&states);
	}
	ts_restore_user(&owner_switch);
	/* the result outlives SPI's memory */
	spi = MemoryContextSwitchTo(caller);
	values[0] = CStringGetTextDatum(action);
	values[1] = Int32GetDatum(previous);
	values[2] = Int32GetDatum(new_count);
	values[3] = CStringGetTextDatum(reason);
	MemoryContextSwitchTo(spi);
	SPI_finish();
	ts_return_row(fcinfo, values, nulls);
	return (Datum) 0;
}

/*
 * explain_endpoint_scaling: what the policy would decide for the endpoint
 * now, step by step, under the caller's rights (row-level security decides
 * what it may see), storing nothing.
 */
PG_FUNCTION_INFO_V1(ts_explain_endpoint_scaling);

#define ENDPOINT_READ ENDPOINT_SELECT " WHERE e.endpoint_id = $2"
#define EXPLAIN_COLUMNS 7

static void
explain_row(ReturnSetInfo *rsinfo, int step_no, const char *kind, const char *name, const char *value,
			int32 before, int32 after, const char *detail)
{
	Datum		values[EXPLAIN_COLUMNS];
	bool		nulls[EXPLAIN_COLUMNS] = {false};

	values[0] = Int32GetDatum(step_no);
	values[1] = CStringGetTextDatum(kind);
	values[2] = CStringGetTextDatum(name);
	values[3] = value && value[0] ? CStringGetTextDatum(value) : (Datum) 0;
	nulls[3] = !(value && value[0]);
	values[4] = Int32GetDatum(before);
	nulls[4] = before < 0;
	values[5] = Int32GetDatum(after);
	nulls[5] = after < 0;
	values[6] = CStringGetTextDatum(detail);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum
ts_explain_endpoint_scaling(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	pg_uuid_t  *tenant = PG_GETARG_UUID_P(0);
	text	   *endpoint_id = PG_GETARG_TEXT_PP(1);
	TimestampTz now = GetCurrentTimestamp();
	static SPIPlanPtr plan = NULL;
	Oid			types[2] = {TIMESTAMPTZOID, TEXTOID};
	Datum		args[2];
	ScalingRules rules;
	SqlRow		row;
	EndpointObservation obs;
	EndpointDecision d;
	bool		auto_scaling;
	int			i;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SPI_connect();
	check_endpoint_visible(tenant, endpoint_id);
	auto_scaling = tenant_rules(tenant, &rules);
	args[0] = TimestampTzGetDatum(now - (int64) ts_metrics_max_age * USECS_PER_SEC);
	args[1] = PointerGetDatum(endpoint_id);
	if (SPI_execute_plan(ts_keep_plan(&plan, ENDPOINT_READ, 2, types), args, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "reading the endpoint failed");
	sql_row_read(&row, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
	endpoint_decide(&row, &rules.inference, now, &obs, &d, true);
	explain_row(rsinfo, 1, "input", "policy",
				rules.inference.policy == INFERENCE_POLICY_STEP ? "step" : "target_tracking",
				-1, -1, "the tenant's scaling_rules");
	for (i = 0; i < d.n_steps; i++)
		explain_row(rsinfo, i + 2, explain_kind_name(d.steps[i].kind), d.steps[i].name, d.steps[i].value,
					d.steps[i].before, d.steps[i].after, d.steps[i].detail);
	if (!auto_scaling || sql_row_bool(&row, ENDPOINT_COL_PAUSED))
		explain_row(rsinfo, i + 2, "result", "none", psprintf("%d", obs.desired_replicas),
					obs.desired_replicas, obs.desired_replicas,
					!auto_scaling ? "auto_scaling_disabled: nothing is applied" : "paused: nothing is applied");
	SPI_finish();
	return (Datum) 0;
}
