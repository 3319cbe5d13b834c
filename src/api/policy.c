/*
 * policy.c: get_tenant_scaling_policy and validate_scaling_rules.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/uuid.h"

#include "table_access.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_get_tenant_scaling_policy);
PG_FUNCTION_INFO_V1(ts_validate_scaling_rules);

/* The seed's answer for a tenant without configuration. */
static void
default_policy(Datum *values, bool *nulls)
{
	values[0] = CStringGetTextDatum("basic");
	values[1] = Int32GetDatum(1);
	values[2] = DirectFunctionCall1(int4_numeric, Int32GetDatum(1));
	values[3] = Int32GetDatum(24);
	values[4] = BoolGetDatum(false);
	memset(nulls, 0, 5 * sizeof(bool));
}

Datum
ts_get_tenant_scaling_policy(PG_FUNCTION_ARGS)
{
	TsRow		config;
	Datum		values[5];
	bool		nulls[5];
	static const int columns[5] = {
		Anum_config_scaling_tier, Anum_config_max_concurrent_jobs, Anum_config_max_model_size_gb,
		Anum_config_max_training_duration_hours, Anum_config_auto_scaling_enabled
	};
	int			i;

	/* called once per tenant of a query: keep the scan open across calls */
	ts_fetch(ts_call_lookups(fcinfo), TS_TENANT_SCALING_CONFIG, PG_GETARG_DATUM(0), &config);
	if (!config.found)
		default_policy(values, nulls);
	else
		for (i = 0; i < 5; i++)
		{
			values[i] = config.values[columns[i] - 1];
			nulls[i] = config.nulls[columns[i] - 1];
		}
	ts_return_row(fcinfo, values, nulls);
	return (Datum) 0;
}

Datum
ts_validate_scaling_rules(PG_FUNCTION_ARGS)
{
	ScalingRules rules;

	ts_rules_from_jsonb(PG_GETARG_JSONB_P(0), &rules);
	PG_RETURN_BOOL(true);
}
