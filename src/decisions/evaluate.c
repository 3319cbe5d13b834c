/*
 * evaluate.c: from rows to decisions, for training workers and inference
 * replicas, shared by the cycle and scale_inference_endpoint.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"

#include "scaling_state.h"
#include "evaluate.h"
#include "simulator.h"
#include "settings.h"
#include "sql_support.h"

const ScalingRules *
stored_rules(const char *json, ScalingRules *buffer, RulesError *err)
{
	if (json == NULL)
		return scaling_rules_defaults();
	return scaling_rules_parse(json, strlen(json), buffer, err) ? buffer : NULL;
}

bool
stored_rules_parse(const char *json, ScalingRules *rules, RulesError *err)
{
	if (json == NULL)
	{
		scaling_rules_set_defaults(rules);
		return true;
	}
	return scaling_rules_parse(json, strlen(json), rules, err);
}

void
sql_row_read(SqlRow *row, HeapTuple tuple, TupleDesc desc)
{
	Assert(desc->natts <= SQL_ROW_MAX);
	heap_deform_tuple(tuple, desc, row->values, row->nulls);
}

bool
sql_row_bool(const SqlRow *row, int col)
{
	return !row->nulls[col - 1] && DatumGetBool(row->values[col - 1]);
}

pg_uuid_t *
sql_row_uuid(const SqlRow *row, int col)
{
	Assert(!row->nulls[col - 1]);
	return DatumGetUUIDP(row->values[col - 1]);
}

char *
sql_row_text(const SqlRow *row, int col)
{
	return row->nulls[col - 1] ? NULL : TextDatumGetCString(row->values[col - 1]);
}

int32
sql_row_int(const SqlRow *row, int col, bool *isnull)
{
	*isnull = row->nulls[col - 1];
	return *isnull ? 0 : DatumGetInt32(row->values[col - 1]);
}

bool
sql_row_time(const SqlRow *row, int col, TimestampTz *out)
{
	if (row->nulls[col - 1])
		return false;
	*out = DatumGetTimestampTz(row->values[col - 1]);
	return true;
}

MaybeDecimal
sql_row_decimal(const SqlRow *row, int col, char **text_out)
{
	MaybeDecimal m = {false, {0, 0}};
	char	   *value = NULL;

	if (!row->nulls[col - 1])
	{
		value = text_to_cstring(DatumGetTextPP(row->values[col - 1]));
		m.known = ts_decimal_parse(value, &m.value);
	}
	if (text_out)
		*text_out = value;
	return m;
}

static void
json_decimal(StringInfo buf, const char *key, MaybeDecimal m, bool more)
{
	char		text[64];

	if (m.known)
		ts_decimal_to_string(m.value, text, sizeof(text));
	appendStringInfo(buf, "\"%s\": %s%s", key, m.known ? text : "null", more ? ", " : "");
}

static void
json_time(StringInfo buf, const char *key, TimestampTz t, bool known)
{
	char		text[MAXDATELEN + 1];

	if (!known)
		appendStringInfo(buf, "\"%s\": null, ", key);
	else
		appendStringInfo(buf, "\"%s\": \"%s\", ", key,
						 JsonEncodeDateTime(text, TimestampTzGetDatum(t), TIMESTAMPTZOID, NULL));
}

void
endpoint_observe(const SqlRow *row, TimestampTz now, EndpointObservation *obs, EndpointPolicyState *state)
{
	bool		isnull;
	bool		has_capacity = !row->nulls[ENDPOINT_COL_STATE_CAPACITY - 1];
	bool		has_sampled_at;
	TimestampTz sampled_at;

	memset(obs, 0, sizeof(*obs));
	obs->now_us = now;
	obs->ready_replicas = sql_row_int(row, ENDPOINT_COL_CURRENT, &isnull);
	obs->desired_replicas = sql_row_int(row, ENDPOINT_COL_DESIRED, &isnull);	/* decisions start from it */
	obs->min_replicas = sql_row_int(row, ENDPOINT_COL_MIN, &isnull);
	obs->max_replicas = sql_row_int(row, ENDPOINT_COL_MAX, &isnull);
	obs->target_rps = sql_row_decimal(row, ENDPOINT_COL_TARGET_RPS, NULL);
	obs->replica_capacity_rps = sql_row_decimal(row, ENDPOINT_COL_CAPACITY, NULL);
	obs->history.has_last_scale_out = sql_row_time(row, ENDPOINT_COL_LAST_SCALE_OUT, &obs->history.last_scale_out_us);
	obs->history.has_last_scaled = sql_row_time(row, ENDPOINT_COL_LAST_SCALED, &obs->history.last_scaled_us);
	obs->has_metrics = sql_row_time(row, ENDPOINT_COL_METRICS_AT, &obs->metrics_at_us);
	if (obs->has_metrics)
	{
		obs->cpu_avg = sql_row_decimal(row, ENDPOINT_COL_CPU, NULL);
		obs->memory_avg = sql_row_decimal(row, ENDPOINT_COL_MEMORY, NULL);
		obs->latency_p95_ms = sql_row_decimal(row, ENDPOINT_COL_LATENCY, NULL);
		obs->requests_per_second = sql_row_decimal(row, ENDPOINT_COL_RPS, NULL);
	}
	has_sampled_at = sql_row_time(row, ENDPOINT_COL_STATE_SAMPLED_AT, &sampled_at);
	endpoint_state_from_columns(has_capacity,
								has_capacity ? DatumGetFloat8(row->values[ENDPOINT_COL_STATE_CAPACITY - 1]) : 0,
								sql_row_int(row, ENDPOINT_COL_STATE_SAMPLES, &isnull),
								has_sampled_at, sampled_at,
								sql_row_text(row, ENDPOINT_COL_STATE_WINDOW), state);
	{
		TimestampTz made_at = 0,
					from = 0;
		bool		made = sql_row_time(row, ENDPOINT_COL_FORECAST_MADE_AT, &made_at);

		sql_row_time(row, ENDPOINT_COL_FORECAST_FROM, &from);
		endpoint_forecast_from_columns(made, made_at, from, row->values[ENDPOINT_COL_FORECAST_RPS - 1],
									   row->nulls[ENDPOINT_COL_FORECAST_RPS - 1], &state->forecast);
	}
}

/*
 * With prediction on, a forecast older than an hour, or one that no longer
 * reaches as far as the decision looks, is made again from the endpoint's
 * history; true when it was (the state is then stored).
 */
static bool
refresh_forecast(const SqlRow *row, const InferenceRules *rules, TimestampTz now, EndpointPolicyState *state)
{
	LoadHistory history;
	double	   *bins;

	if (rules->policy != INFERENCE_POLICY_TARGET_TRACKING || rules->predictive.mode == PREDICTIVE_OFF ||
		!forecast_needs_refresh(&state->forecast, now, rules->predictive.lead_seconds))
		return false;
	bins = endpoint_history_load(sql_row_uuid(row, ENDPOINT_COL_TENANT_ID),
								 sql_row_text(row, ENDPOINT_COL_ENDPOINT_ID), now, &history);
	forecast_store(&history, now, &state->forecast);
	/* 67 kB: freed at once, not with the tenant's context (a tenant may have many endpoints) */
	pfree(bins);
	return true;
}

/*
 * Decide, without the explanation; when the count would change, again with
 * it, and with the changes applied within the longest rate-limit period
 * when there may be any: without them every limit is at its most
 * permissive, so a decision that changes nothing would change nothing with
 * them. So the steady state formats nothing and reads no history. With
 * always_explain, the explanation is made whatever the decision.
 */
static void
decide_with_changes(const SqlRow *row, const InferenceRules *rules, EndpointObservation *obs,
					const EndpointPolicyState *state, EndpointDecision *d, bool always_explain)
{
	static ReplicaChange changes[SIMULATION_CHANGES];
	int64		period = (int64) rate_limit_longest_period(rules) * USECS_PER_SEC;

	d->explain = always_explain;
	decide_endpoint(rules, obs, state, d);
	if (d->action == ACTION_NONE)
		return;
	if (rules->policy == INFERENCE_POLICY_TARGET_TRACKING && obs->history.has_last_scaled &&
		obs->history.last_scaled_us > obs->now_us - period)
	{
		obs->changes = changes;
		obs->n_changes = scaling_changes_load(sql_row_uuid(row, ENDPOINT_COL_TENANT_ID), "inference",
											  sql_row_text(row, ENDPOINT_COL_ENDPOINT_ID),
											   obs->now_us - period, changes, SIMULATION_CHANGES);
	}
	else if (always_explain)
		return;
	d->explain = true;
	decide_endpoint(rules, obs, state, d);
}

void
endpoint_decide(const SqlRow *row, const InferenceRules *rules, TimestampTz now,
				EndpointObservation *obs, EndpointDecision *d, bool always_explain)
{
	EndpointPolicyState state;
	bool		refreshed;

	endpoint_observe(row, now, obs, &state);
	endpoint_apply_schedule(rules, sql_row_text(row, ENDPOINT_COL_ENDPOINT_ID), ts_local_time, obs);
	refreshed = refresh_forecast(row, rules, now, &state);
	decide_with_changes(row, rules, obs, &state, d, always_explain);
	if (refreshed)
		d->state_changed = true;
}

/* The decision's explanation as a JSON array, into buf: what the inputs alone do not say. */
static void
explanation_json(StringInfo buf, const EndpointDecision *d)
{
	int			i;

	bool		first = true;

	appendStringInfoChar(buf, '[');
	for (i = 0; i < d->n_steps; i++)
	{
		const ExplainStep *step = &d->steps[i];

		/* the inputs are the object's own keys, but for the capacity, said with its source */
		if (step->kind == EXPLAIN_INPUT && strcmp(step->name, "replica_capacity_rps") != 0)
			continue;
		appendStringInfo(buf, "%s{\"kind\": \"%s\", \"name\": ", first ? "" : ", ", explain_kind_name(step->kind));
		first = false;
		escape_json(buf, step->name);
		if (step->value[0])
		{
			appendStringInfoString(buf, ", \"value\": ");
			escape_json(buf, step->value);
		}
		if (step->before >= 0)
			appendStringInfo(buf, ", \"before\": %d", step->before);
		if (step->after >= 0)
			appendStringInfo(buf, ", \"after\": %d", step->after);
		appendStringInfoString(buf, ", \"detail\": ");
		escape_json(buf, step->detail);
		appendStringInfoChar(buf, '}');
	}
	appendStringInfoChar(buf, ']');
}

bool
evaluate_endpoint(const SqlRow *row, const InferenceRules *rules, TimestampTz now,
				  AppliedDecision *out, const char **reason, EndpointDecision *d)
{
	EndpointObservation obs;
	StringInfoData inputs;
	bool		warm_null;

	d->state_changed = false;
	d->action = ACTION_NONE;
	if (sql_row_bool(row, ENDPOINT_COL_PAUSED))
	{
		*reason = "paused";
		return false;
	}
	endpoint_decide(row, rules, now, &obs, d, false);
	if (d->action == ACTION_NONE)
	{
		*reason = pstrdup(d->reason);
		return false;
	}

	initStringInfo(&inputs);
	appendStringInfoChar(&inputs, '{');
	json_decimal(&inputs, "cpu_avg", obs.cpu_avg, true);
	json_decimal(&inputs, "memory_avg", obs.memory_avg, true);
	json_decimal(&inputs, "latency_p95_ms", obs.latency_p95_ms, true);
	json_decimal(&inputs, "requests_per_second", obs.requests_per_second, true);
	json_decimal(&inputs, "target_rps", obs.target_rps, true);
	json_decimal(&inputs, "replica_capacity_rps", obs.replica_capacity_rps, true);
	json_time(&inputs, "metrics_at", obs.metrics_at_us, obs.has_metrics);
	appendStringInfo(&inputs, "\"current_replicas\": %d, \"desired_replicas\": %d, "
					 "\"min_replicas\": %d, \"max_replicas\": %d, \"warm_pool_size\": %d, \"policy\": \"%s\", "
					 "\"explanation\": ",
					 obs.ready_replicas, obs.desired_replicas, obs.min_replicas, obs.max_replicas,
					 sql_row_int(row, ENDPOINT_COL_WARM_POOL, &warm_null),
					 rules->policy == INFERENCE_POLICY_STEP ? "step" : "target_tracking");
	explanation_json(&inputs, d);
	appendStringInfoChar(&inputs, '}');

	memcpy(&out->tenant_id, sql_row_uuid(row, ENDPOINT_COL_TENANT_ID), UUID_LEN);
	out->kind = RESOURCE_INFERENCE;
	out->resource_id = sql_row_text(row, ENDPOINT_COL_ENDPOINT_ID);
	out->action = d->action;
	out->previous_count = obs.desired_replicas;
	out->new_count = d->new_replicas;
	out->reason = pstrdup(d->reason);
	out->inputs = inputs.data;
	*reason = out->reason;
	return true;
}

/* The queue policy's decision for the tenant of row (TRAINING_SELECT). */
static void
decide_queue(const SqlRow *row, const TrainingRules *rules, const TrainingBounds *bounds,
			 const TrainingInput *input, TimestampTz now, const ScalingHistory *history,
			 bool floor_scheduled, TrainingQueueDecision *d)
{
	static ReplicaChange changes[SIMULATION_CHANGES];
	TrainingQueueObservation obs;
	RecommendationWindow window;
	char	   *window_json = sql_row_text(row, TRAINING_COL_WINDOW);
	int64		period = (int64) behavior_longest_period(&rules->scale_up, &rules->scale_down) * USECS_PER_SEC;
	bool		isnull;
	int32		queued = sql_row_int(row, TRAINING_COL_QUEUED_JOBS, &isnull);

	memset(&obs, 0, sizeof(obs));
	obs.now_us = now;
	obs.has_queue = input->has_stats || sql_row_bool(row, TRAINING_COL_HAS_JOBS);
	/* the jobs queued here, or a queue reported by samples alone, whichever is longer */
	obs.queued_jobs = input->has_stats && input->queue_size > queued ? input->queue_size : queued;
	obs.running_jobs = sql_row_int(row, TRAINING_COL_RUNNING_JOBS, &isnull);
	obs.desired_workers = input->current_workers;
	obs.floor_scheduled = floor_scheduled;
	obs.history = *history;
	recommendation_window_from_json(window_json, &window);
	decide_training_queue(rules, bounds, &obs, &window, d);
	/* the rate limits need the recent changes only when the count changes after one */
	if (d->new_workers != obs.desired_workers && history->has_last_scaled && history->last_scaled_us > now - period)
	{
		const pg_uuid_t *tenant = sql_row_uuid(row, TRAINING_COL_TENANT_ID);

		obs.changes = changes;
		obs.n_changes = scaling_changes_load(tenant, "training", ts_uuid_text(tenant), now - period,
											 changes, SIMULATION_CHANGES);
		decide_training_queue(rules, bounds, &obs, &window, d);
	}
	d->queued_jobs = obs.queued_jobs;
	d->running_jobs = obs.running_jobs;
}

bool
evaluate_training(const SqlRow *row, const TrainingRules *tenant_rules, TimestampTz now,
				  AppliedDecision *out, const char **reason, TrainingQueueDecision *queue)
{
	TrainingRules scheduled_rules;
	const TrainingRules *rules = tenant_rules;
	ScheduledBounds scheduled = {0};
	const pg_uuid_t *tenant = sql_row_uuid(row, TRAINING_COL_TENANT_ID);
	TrainingBounds bounds;
	TrainingInput input;
	TrainingDecision d;
	ScalingHistory history = {false, 0, false, 0};
	TimestampTz stats_at = 0;
	bool		isnull;
	bool		has_desired;
	int32		actual;
	const char *refusal;
	char	   *wait_text;
	StringInfoData inputs;

	queue->window_changed = false;
	if (sql_row_bool(row, TRAINING_COL_PAUSED))
	{
		*reason = "paused";
		return false;
	}
	bounds.has_training_config = sql_row_bool(row, TRAINING_COL_HAS_CONFIG);
	bounds.distributed_training_enabled = sql_row_bool(row, TRAINING_COL_DISTRIBUTED);
	bounds.config_max_workers = sql_row_int(row, TRAINING_COL_MAX_WORKERS, &isnull);
	bounds.default_max_workers = ts_max_training_workers;
	input.has_stats = sql_row_time(row, TRAINING_COL_STATS_AT, &stats_at);
	input.queue_size = sql_row_int(row, TRAINING_COL_QUEUE_SIZE, &isnull);
	input.avg_wait_seconds = sql_row_decimal(row, TRAINING_COL_AVG_WAIT, &wait_text);
	actual = sql_row_int(row, TRAINING_COL_ACTUAL_WORKERS, &isnull);
	input.current_workers = sql_row_int(row, TRAINING_COL_DESIRED_WORKERS, &isnull);
	has_desired = !isnull;
	if (!has_desired)
		input.current_workers = actual;
	history.has_last_scale_out = sql_row_time(row, TRAINING_COL_LAST_SCALE_OUT, &history.last_scale_out_us);
	history.has_last_scaled = sql_row_time(row, TRAINING_COL_LAST_SCALED, &history.last_scaled_us);
	/* a copy only to change: most tenants have no schedule */
	if (tenant_rules->schedule.n > 0)
	{
		scheduled_rules = *tenant_rules;
		training_apply_schedule(&scheduled_rules, now, ts_local_time, &scheduled);
		rules = &scheduled_rules;
	}

	if (rules->policy == TRAINING_POLICY_QUEUE)
	{
		decide_queue(row, rules, &bounds, &input, now, &history, scheduled.min_scheduled, queue);
		d.target_workers = queue->new_workers;
		d.scale_out = queue->new_workers > input.current_workers;
		d.scale_in = queue->new_workers < input.current_workers;
		d.ceiling = queue->ceiling;
		d.floor = queue->floor;
		d.reason = queue->reason;
		*reason = d.reason;
		if (!d.scale_out && !d.scale_in)
			return false;
	}
	else
	{
		decide_training(rules, &bounds, &input, &d);
		*reason = d.reason;
		if (!d.scale_out && !d.scale_in)
			return false;
		refusal = cooldown_refusal(d.scale_out ? ACTION_SCALE_OUT : ACTION_SCALE_IN, now, &history,
								   rules->scale_in_cooldown_seconds, rules->scale_out_cooldown_seconds);
		if (refusal)
		{
			*reason = refusal;
			return false;
		}
	}

	initStringInfo(&inputs);
	appendStringInfo(&inputs, "{\"queue_size\": %d, \"avg_wait_time_seconds\": %s, ",
					 input.queue_size, input.avg_wait_seconds.known ? wait_text : "null");
	if (input.has_stats)
	{
		char		text[MAXDATELEN + 1];

		appendStringInfo(&inputs, "\"stats_at\": \"%s\", ",
						 JsonEncodeDateTime(text, TimestampTzGetDatum(stats_at), TIMESTAMPTZOID, NULL));
	}
	appendStringInfo(&inputs, "\"actual_workers\": %d, \"desired_workers\": %s, "
					 "\"ceiling\": %d, \"floor\": %d, ",
					 actual, has_desired ? psprintf("%d", input.current_workers) : "null",
					 d.ceiling, d.floor);
	if (scheduled.in_force)
		appendStringInfo(&inputs, "\"schedule_window\": %d, ", scheduled.window);
	if (rules->policy == TRAINING_POLICY_QUEUE)
		appendStringInfo(&inputs, "\"policy\": \"queue\", \"queued_jobs\": %d, \"running_jobs\": %d, "
						 "\"jobs_per_worker\": %d, \"recommendation\": %d}",
						 queue->queued_jobs, queue->running_jobs, rules->jobs_per_worker, queue->recommendation);
	else
		appendStringInfoString(&inputs, "\"policy\": \"step\"}");

	out->tenant_id = *tenant;
	out->kind = RESOURCE_TRAINING;
	out->resource_id = ts_uuid_text(tenant);
	out->action = d.scale_out ? ACTION_SCALE_OUT : ACTION_SCALE_IN;
	out->previous_count = input.current_workers;
	out->new_count = d.target_workers;
	out->reason = (char *) d.reason;
	out->inputs = inputs.data;
	return true;
}
