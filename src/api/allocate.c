/*
 * allocate.c: allocate_resources (README, SQL API).
 *
 * The workload's base requirements times the tier multiplier, truncated to
 * integers as the seed's int() does; cpu and gpu then capped by the
 * tenant's own limits, else its tier's.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "table_access.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_allocate_resources);

/* The tenant's override if set, else the tier's cap. */
static int32
resource_cap(const TsRow *config, int config_att, const TsRow *tier, int tier_att)
{
	if (config->found && !config->nulls[config_att - 1])
		return DatumGetInt32(config->values[config_att - 1]);
	return DatumGetInt32(tier->values[tier_att - 1]);
}

Datum
ts_allocate_resources(PG_FUNCTION_ARGS)
{
	Datum		tenant = PG_GETARG_DATUM(0);
	/* called once per tenant of a query: keep the scans open across calls */
	TsLookups  *lookups = ts_call_lookups(fcinfo);
	TsRow		workload;
	TsRow		config;
	TsRow		tier;
	TsDecimal	multiplier;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	int			i;

	ts_fetch_required(lookups, TS_WORKLOAD_PROFILES, PG_GETARG_DATUM(1), &workload);
	ts_fetch(lookups, TS_TENANT_SCALING_CONFIG, tenant, &config);
	/* an unknown tenant gets the default policy's tier, as the seed does */
	ts_fetch_required(lookups, TS_TIERS,
					  config.found ? config.values[Anum_config_scaling_tier - 1] : CStringGetTextDatum("basic"),
					  &tier);
	multiplier = ts_numeric_to_decimal(tier.values[Anum_tiers_resource_multiplier - 1],
									   "resource_multiplier");

	for (i = 0; i < 5; i++)
	{
		int32		base = DatumGetInt32(workload.values[Anum_workload_cpu - 1 + i]);

		values[i] = Int32GetDatum(ts_decimal_trunc_int32(ts_decimal_mul(ts_decimal_from_int(base),
																		multiplier)));
	}
	values[0] = Int32GetDatum(Min(DatumGetInt32(values[0]),
								  resource_cap(&config, Anum_config_max_cpu, &tier, Anum_tiers_max_cpu)));
	values[1] = Int32GetDatum(Min(DatumGetInt32(values[1]),
								  resource_cap(&config, Anum_config_max_gpu, &tier, Anum_tiers_max_gpu)));
	ts_return_row(fcinfo, values, nulls);
	return (Datum) 0;
}
