/*
 * tenant_scaling.c: module initialisation and configuration parameters.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "catalog.h"
#include "sql_support.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

int			ts_max_training_workers = 10;

void
_PG_init(void)
{
	if (IsBinaryUpgrade)
		return;

	DefineCustomIntVariable("tenant_scaling.max_training_workers",
							"Training worker ceiling of a tenant without its own bound.",
							"Used when neither scaling_rules.training.max_workers nor a "
							"tenant_training_config row bounds the tenant.",
							&ts_max_training_workers,
							10, 1, 100000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("tenant_scaling");
	ts_catalog_init();
}
