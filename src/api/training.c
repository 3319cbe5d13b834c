/*
 * training.c: check_training_scaling_trigger (README, check_training_scaling_trigger).
 *
 * Stateless, as the seed's: it reads the newest queue sample and the
 * workers that exist now (active or provisioning), and answers what the
 * worker count should be. The scheduler applies it with cooldowns. Three
 * primary-key lookups: the tenant's configuration, its training
 * configuration and its derived training inputs.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/uuid.h"

#include "table_access.h"
#include "sql_support.h"

PG_FUNCTION_INFO_V1(ts_check_training_scaling_trigger);

/* The tenant's rules, bounds and inputs, through lookups (NULL: one-shot). */
static void
read_training_state(TsLookups *lookups, pg_uuid_t *tenant, ScalingRules *rules,
					TrainingBounds *bounds, TrainingInput *input)
{
	TsRow		config;
	TsRow		training;
	TsRow		inputs;

	ts_fetch(lookups, TS_TENANT_SCALING_CONFIG, UUIDPGetDatum(tenant), &config);
	ts_rules_from_datum(config.values[Anum_config_scaling_rules - 1],
						!config.found || config.nulls[Anum_config_scaling_rules - 1], rules);

	ts_fetch(lookups, TS_TENANT_TRAINING_CONFIG, UUIDPGetDatum(tenant), &training);
	bounds->has_training_config = training.found;
	bounds->distributed_training_enabled = training.found &&
		!training.nulls[Anum_training_distributed - 1] &&
		DatumGetBool(training.values[Anum_training_distributed - 1]);
	/* a NULL max_workers is the column default, 1 */
	bounds->config_max_workers = training.found && !training.nulls[Anum_training_max_workers - 1] ?
		DatumGetInt32(training.values[Anum_training_max_workers - 1]) : 1;
	bounds->default_max_workers = ts_max_training_workers;

	/* the newest queue sample and the workers, kept by triggers (derived.c) */
	ts_fetch(lookups, TS_TENANT_TRAINING_INPUTS, UUIDPGetDatum(tenant), &inputs);
	input->has_stats = inputs.found && !inputs.nulls[Anum_inputs_stats_at - 1];
	input->queue_size = input->has_stats ? DatumGetInt32(inputs.values[Anum_inputs_queue_size - 1]) : 0;
	input->avg_wait_seconds.known = input->has_stats && !inputs.nulls[Anum_inputs_avg_wait - 1];
	if (input->avg_wait_seconds.known)
		input->avg_wait_seconds.value =
			ts_numeric_to_decimal(inputs.values[Anum_inputs_avg_wait - 1], "avg_wait_time_seconds");
	input->current_workers = !inputs.found ? 0 :
		DatumGetInt32(inputs.values[Anum_inputs_active_workers - 1]) +
		DatumGetInt32(inputs.values[Anum_inputs_provisioning_workers - 1]);
}

Datum
ts_check_training_scaling_trigger(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *tenant = PG_GETARG_UUID_P(0);
	ScalingRules rules;
	TrainingBounds bounds;
	TrainingInput input;
	TrainingDecision decision;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	/* called once per tenant of a query: keep the scans open across calls */
	read_training_state(ts_call_lookups(fcinfo), tenant, &rules, &bounds, &input);
	decide_training(&rules.training, &bounds, &input, &decision);

	values[0] = BoolGetDatum(decision.scale_out);
	values[1] = BoolGetDatum(decision.scale_in);
	values[2] = Int32GetDatum(decision.target_workers);
	ts_return_row(fcinfo, values, nulls);
	return (Datum) 0;
}
