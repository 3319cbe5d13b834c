/*
 * security.c: tenant mapping, operators, and writes as the extension's owner.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "table_access.h"
#include "security.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_current_tenant_id);

#define ADMIN_ROLE "tenant_scaling_admin"

bool
ts_current_tenant(pg_uuid_t *tenant)
{
	static SPIPlanPtr plan = NULL;
	bool		found = false;
	bool		isnull;

	SPI_connect();
	if (SPI_execute_plan(ts_keep_plan(&plan,
									  "SELECT tenant_id FROM tenant_scaling.tenant_roles"
									  " WHERE role_name OPERATOR(pg_catalog.=) pg_catalog.current_user()::name",
									  0, NULL),
						 NULL, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading tenant_roles failed");
	if (SPI_processed > 0)
	{
		memcpy(tenant, DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)),
			   UUID_LEN);
		found = true;
	}
	SPI_finish();
	return found;
}

Datum
ts_current_tenant_id(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *tenant = palloc(sizeof(pg_uuid_t));

	if (!ts_current_tenant(tenant))
		PG_RETURN_NULL();
	PG_RETURN_UUID_P(tenant);
}

static Oid
extension_owner(void)
{
	static SPIPlanPtr plan = NULL;
	bool		isnull;
	Oid			owner;

	SPI_connect();
	if (SPI_execute_plan(ts_keep_plan(&plan,
									  "SELECT extowner FROM pg_catalog.pg_extension"
									  " WHERE extname OPERATOR(pg_catalog.=) 'tenant_scaling'",
									  0, NULL),
						 NULL, NULL, true, 1) != SPI_OK_SELECT || SPI_processed == 0)
		elog(ERROR, "extension \"tenant_scaling\" has no owner");
	owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return owner;
}

/* Superusers, the extension's owner and members of tenant_scaling_admin. */
static bool
is_operator(void)
{
	Oid			admin = get_role_oid(ADMIN_ROLE, true);

	return superuser() || GetUserId() == extension_owner() ||
		(OidIsValid(admin) && has_privs_of_role(GetUserId(), admin));
}

void
ts_check_acts_for_tenant(pg_uuid_t *tenant)
{
	pg_uuid_t	mine;

	if (is_operator())
		return;
	if (ts_current_tenant(&mine) && memcmp(&mine, tenant, UUID_LEN) == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("role \"%s\" may not act for tenant %s",
					GetUserNameFromId(GetUserId(), false),
					ts_uuid_text(tenant)),
			 errhint("Map the role to the tenant in tenant_scaling.tenant_roles, or grant it "
					 ADMIN_ROLE ".")));
}

void
ts_become_owner(TsSavedUser *saved)
{
	Oid			owner = extension_owner();

	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	SetUserIdAndSecContext(owner, saved->sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

void
ts_restore_user(const TsSavedUser *saved)
{
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}

/* The table a trigger fired for: a row trigger of a partitioned table fires on its partitions. */
static Oid
trigger_table(Relation rel)
{
	return rel->rd_rel->relispartition ? get_partition_parent(RelationGetRelid(rel), false) : RelationGetRelid(rel);
}

/* Its name, for messages: the table users wrote to, not the partition. */
const char *
ts_trigger_table_name(TriggerData *trigdata)
{
	char	   *name = get_rel_name(trigger_table(trigdata->tg_relation));

	return name ? name : RelationGetRelationName(trigdata->tg_relation);
}

void
ts_check_trigger_relation(TriggerData *trigdata, const char *function, const char *table)
{
	Relation	rel = trigdata->tg_relation;
	Oid			table_oid = trigger_table(rel);
	char	   *name = get_rel_name(table_oid);

	if (RelationGetNamespace(rel) == ts_schema_oid() && get_rel_namespace(table_oid) == ts_schema_oid() &&
		(table == NULL || (name != NULL && strcmp(name, table) == 0)))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("%s() fired on relation \"%s\"", function, RelationGetRelationName(rel)),
			 table ? errdetail("It is a trigger of tenant_scaling.%s only.", table)
			 : errdetail("It is a trigger of the tenant_scaling extension's own tables only.")));
}
