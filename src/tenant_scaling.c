/*
 * tenant_scaling.c: module initialisation and every configuration parameter
 * (declared in settings.h).
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "settings.h"
#include "table_access.h"
#include "scheduler.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

int			ts_max_training_workers = 10;
int			ts_metrics_max_age = 300;
int			ts_max_clock_skew = 300;
int			ts_history_retention = 7 * 24 * 3600;
int			ts_usage_retention = 0;
bool		ts_history_maintenance = false;
bool		ts_capacity_change = false;
int			ts_cost_refresh_interval = 300;
int			ts_cycle_lock_timeout = 100;
bool		ts_scheduler_enabled = true;
int			ts_naptime = 15;
char	   *ts_database = NULL;
char	   *ts_scheduler_role = NULL;
char	   *ts_override_reason = NULL;

/* settings a session or the configuration file may change */
static void
define_runtime_settings(void)
{
	DefineCustomIntVariable("tenant_scaling.max_training_workers",
							"Training worker ceiling of a tenant without its own bound.",
							"Used when neither scaling_rules.training.max_workers nor a "
							"tenant_training_config row bounds the tenant.",
							&ts_max_training_workers, 10, 1, 100000,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tenant_scaling.metrics_max_age",
							"Oldest endpoint metrics sample an inference decision may use.",
							"An endpoint without a newer sample is not scaled (reason no_recent_metrics).",
							&ts_metrics_max_age, 300, 1, 86400,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomBoolVariable("tenant_scaling.enabled",
							 "Whether the scheduler runs scaling cycles.",
							 "run_scaling_cycle() works either way.",
							 &ts_scheduler_enabled, true,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tenant_scaling.naptime",
							"Time between the starts of two scheduler cycles.",
							NULL,
							&ts_naptime, 15, 1, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("tenant_scaling.cost_refresh_interval",
							"How often a cycle refreshes the cost view; 0 turns it off.",
							NULL,
							&ts_cost_refresh_interval, 300, 0, 86400 * 7,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("tenant_scaling.max_clock_skew",
							"How far ahead of the server's clock a measurement may be stamped.",
							"Endpoint metrics and queue samples stamped later are refused.",
							&ts_max_clock_skew, 300, 0, 86400,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("tenant_scaling.lock_timeout",
							"Longest a scaling cycle waits for a row or table another transaction holds.",
							"What stays locked longer is skipped (reason locked) and retried next cycle.",
							&ts_cycle_lock_timeout, 100, 1, 60000,
							PGC_SUSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomStringVariable("tenant_scaling.override_reason",
							   "Reason logged with a desired count changed by hand.",
							   "set_desired_replicas and set_desired_workers set it for their change; empty logs manual_override.",
							   &ts_override_reason, "",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tenant_scaling.history_retention",
							"Age after which a cycle deletes queue stats, metrics, events and runs; 0 keeps them.",
							NULL,
							&ts_history_retention, 7 * 86400, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("tenant_scaling.usage_retention",
							"Age after which a cycle drops the partitions of tenant_resource_usage; 0 keeps them.",
							"Usage is billing data: kept by default. The cost view's totals keep what was dropped.",
							&ts_usage_retention, 0, 0, INT_MAX,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomBoolVariable("tenant_scaling.history_maintenance",
							 "Set by maintain_history_partitions while it moves and prunes history rows.",
							 "Lets the append-only usage ledger's trigger pass them; only a superuser may set it.",
							 &ts_history_maintenance, false,
							 PGC_SUSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	DefineCustomBoolVariable("tenant_scaling.capacity_change",
							 "Set by report_capacity_change while it lowers a pool's capacity.",
							 "Lets a capacity under the pool's use pass, since the function preempts the rest; only a superuser may set it.",
							 &ts_capacity_change, false,
							 PGC_SUSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
}

void
_PG_init(void)
{
	if (IsBinaryUpgrade)
		return;

	define_runtime_settings();
	ts_table_access_init();
	if (!process_shared_preload_libraries_in_progress)
	{
		MarkGUCPrefixReserved("tenant_scaling");
		return;
	}

	DefineCustomStringVariable("tenant_scaling.role",
							   "Role the scheduler runs its cycles as.",
							   "Empty: the bootstrap superuser it connects as. The extension creates the default, "
							   "tenant_scaling_scheduler, with what a cycle needs.",
							   &ts_scheduler_role, "tenant_scaling_scheduler",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("tenant_scaling.database",
							   "Database the scheduler connects to.",
							   "It must have the tenant_scaling extension installed.",
							   &ts_database, "postgres",
							   PGC_POSTMASTER, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("tenant_scaling");
	ts_register_scheduler();
}
