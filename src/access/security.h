/*
 * security.h: who may act for which tenant (README, Security).
 *
 * Reads run as the caller, so row-level security decides what a tenant
 * sees. A function that writes on a tenant's behalf (a job, a scaling
 * decision) checks that the caller acts for the tenant, then does its
 * writes as the extension's owner: tenants hold no write privilege on the
 * tables whose rows enforce their limits.
 */
#ifndef TS_SECURITY_H
#define TS_SECURITY_H

#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/uuid.h"

typedef struct TsSavedUser
{
	Oid			userid;
	int			sec_context;
} TsSavedUser;

/* The tenant mapped to current_user in tenant_roles (as RLS shows it), or NULL. */
extern bool ts_current_tenant(pg_uuid_t *tenant);

/* An error unless the caller is an operator or mapped to tenant. */
extern void ts_check_acts_for_tenant(pg_uuid_t *tenant);

/* Become the extension's owner until ts_restore_user; an error restores it too. */
extern void ts_become_owner(TsSavedUser *saved);
extern void ts_restore_user(const TsSavedUser *saved);

/*
 * An error unless the trigger fired on tenant_scaling.table (any table of
 * the extension's schema when table is NULL). A trigger function attached
 * to someone else's table would read that table's columns as ours, and a
 * SECURITY DEFINER one would do it as the owner.
 */
extern void ts_check_trigger_relation(TriggerData *trigdata, const char *function, const char *table);
extern const char *ts_trigger_table_name(TriggerData *trigdata);

#endif
