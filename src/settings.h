/*
 * settings.h: every configuration parameter of tenant_scaling (README,
 * Configuration), defined and registered in tenant_scaling.c.
 */
#ifndef TS_SETTINGS_H
#define TS_SETTINGS_H

#include "postgres.h"

/* decisions */
extern int	ts_max_training_workers;	/* ceiling of a tenant without its own bound */
extern int	ts_metrics_max_age;			/* seconds: oldest metrics a decision may use */

/* measurements */
extern int	ts_max_clock_skew;			/* seconds a sample may be ahead of the clock */

/* the cycle */
extern int	ts_history_retention;		/* seconds; 0 keeps everything */
extern int	ts_usage_retention;			/* seconds, of tenant_resource_usage; 0 keeps it */
extern bool ts_history_maintenance;		/* maintain_history_partitions is moving rows */
extern bool ts_capacity_change;		/* report_capacity_change is lowering a pool */
extern int	ts_cost_refresh_interval;	/* seconds; 0 never refreshes */
extern int	ts_cycle_lock_timeout;		/* milliseconds a cycle waits on a lock */

/* overrides: the reason an operator's change of a desired count is logged with */
extern char *ts_override_reason;

/* the scheduler */
extern bool ts_scheduler_enabled;
extern int	ts_naptime;					/* seconds between the starts of two cycles */
extern char *ts_database;
extern char *ts_scheduler_role;		/* the role cycles run as; empty: the superuser it connects as */

#endif
