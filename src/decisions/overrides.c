/*
 * overrides.c: a desired count changed by hand is audited like a decision.
 *
 * An operator's UPDATE of inference_endpoints.desired_replicas or of
 * tenant_training_state.desired_workers writes a scaling_events row with
 * origin manual and sends its NOTIFY, as an applied decision does (an
 * INSERT is not a change: pg_restore inserts every row it restores); the
 * reason is tenant_scaling.override_reason (set_desired_replicas and
 * set_desired_workers set it), else manual_override. The statement trigger
 * runs as the extension's owner (operators may not write events) on its own
 * tables only, and stands aside while the extension writes its own
 * decisions, which log their events themselves.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "apply.h"
#include "security.h"
#include "settings.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_audit_desired_change);

/* $1 reason, $2 the role that made the change */
#define AUDIT(changed) \
	"WITH changed AS (" changed ")," \
	" events AS (" \
	"  INSERT INTO tenant_scaling.scaling_events (tenant_id, resource_kind, resource_id, action, previous_count," \
	"         new_count, reason, inputs, origin)" \
	"  SELECT tenant_id, resource_kind, resource_id," \
	"         CASE WHEN new_count > previous_count THEN 'scale_out' ELSE 'scale_in' END," \
	"         previous_count, new_count, $1, pg_catalog.jsonb_build_object('overridden_by', $2::text), 'manual'" \
	"    FROM changed ORDER BY tenant_id, resource_id" \
	"  RETURNING event_id)" \
	" SELECT pg_catalog.pg_notify('tenant_scaling', pg_catalog.json_build_object('event_id', event_id)::text)" \
	"   FROM events"

static const char *const endpoints_sql = AUDIT(
	"SELECT n.tenant_id, 'inference' AS resource_kind, n.endpoint_id AS resource_id,"
	"       o.desired_replicas AS previous_count, n.desired_replicas AS new_count"
	"  FROM old_rows o JOIN new_rows n ON n.endpoint_id = o.endpoint_id"
	" WHERE n.desired_replicas <> o.desired_replicas");

static const char *const training_update_sql = AUDIT(
	"SELECT n.tenant_id, 'training' AS resource_kind, n.tenant_id::text AS resource_id,"
	"       o.desired_workers AS previous_count, n.desired_workers AS new_count"
	"  FROM old_rows o JOIN new_rows n ON n.tenant_id = o.tenant_id"
	" WHERE n.desired_workers <> o.desired_workers");

Datum
ts_audit_desired_change(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr plans[2];
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	bool		endpoints;
	int			which;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) || !TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("audit_desired_change must be called as an AFTER UPDATE ... FOR EACH STATEMENT trigger")));
	endpoints = strcmp(RelationGetRelationName(trigdata->tg_relation), "inference_endpoints") == 0;
	ts_check_trigger_relation(trigdata, "audit_desired_change",
							  endpoints ? "inference_endpoints" : "tenant_training_state");
	if (ts_writing_decisions())
		return PointerGetDatum(NULL);
	which = endpoints ? 0 : 1;

	values[0] = CStringGetTextDatum(ts_override_reason && ts_override_reason[0] ?
									ts_quoted_value(ts_override_reason) : "manual_override");
	/* who made the change: the role outside this owner-run trigger */
	values[1] = CStringGetTextDatum(GetUserNameFromId(GetOuterUserId(), false));
	SPI_connect();
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "could not register the transition tables");
	if (SPI_execute_plan(ts_keep_plan(&plans[which],
									  which == 0 ? endpoints_sql : training_update_sql,
									  2, types),
						 values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "auditing the desired count failed");
	SPI_finish();
	return PointerGetDatum(NULL);
}
