/*
 * scaling_state.c: reading and writing endpoint_scaling_state and
 * training_scaling_state, an endpoint's request-rate history, and the
 * recent changes of a resource.
 */
#include "postgres.h"

#include <math.h>

#include <cjson/cJSON.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "scaling_state.h"
#include "sql_support.h"

static int64_t
parse_time(const char *text)
{
	return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(text),
												   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

static char *
time_text(const cJSON *item)
{
	return cJSON_IsString(item) ? pstrdup(item->valuestring) : NULL;
}

/*
 * The window of the stored text; an empty one when it cannot be read. The
 * texts are copied out and the cJSON tree freed before the timestamps are
 * parsed, so an error there leaks nothing; counts are never negative.
 */
void
recommendation_window_from_json(const char *json, RecommendationWindow *window)
{
	cJSON	   *doc = json ? cJSON_Parse(json) : NULL;
	const cJSON *direction,
			   *entry;
	char	   *since = NULL;
	char	   *at[WINDOW_MAX_ENTRIES];
	int32_t		replicas[WINDOW_MAX_ENTRIES];
	int			n = 0;
	bool		ok;
	int			i;

	memset(window, 0, sizeof(*window));
	if (doc == NULL)
		return;			/* NULL or not JSON: an empty window */
	direction = cJSON_GetObjectItemCaseSensitive(doc, "direction");
	since = time_text(cJSON_GetObjectItemCaseSensitive(doc, "since"));
	ok = cJSON_IsString(direction) && since != NULL;
	if (ok)
		window->direction = strcmp(direction->valuestring, "down") == 0 ? -1 : 1;
	cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(doc, "entries"))
	{
		const cJSON *count = cJSON_GetObjectItemCaseSensitive(entry, "replicas");

		if (!ok || n == WINDOW_MAX_ENTRIES || !cJSON_IsNumber(count) ||
			(at[n] = time_text(cJSON_GetObjectItemCaseSensitive(entry, "at"))) == NULL)
		{
			ok = false;
			break;
		}
		replicas[n++] = count->valuedouble < 0 ? 0 : count->valuedouble > INT32_MAX ? INT32_MAX : count->valueint;
	}
	cJSON_Delete(doc);
	if (!ok || n == 0)
	{
		memset(window, 0, sizeof(*window));
		return;
	}
	window->since_us = parse_time(since);
	for (i = 0; i < n; i++)
	{
		window->at_us[i] = parse_time(at[i]);
		window->replicas[i] = replicas[i];
	}
	window->n = n;
}

/* The forecast as a float8[] literal: {1.5,2,...}, each value exactly (%.17g). */
static char *
forecast_array_text(const StoredForecast *forecast)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < forecast->n; i++)
		appendStringInfo(&buf, "%s%.17g", i ? "," : "", forecast->rps[i]);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

void
endpoint_forecast_from_columns(bool made, TimestampTz made_at, TimestampTz from, Datum rps_array,
							   bool rps_null, StoredForecast *forecast)
{
	memset(forecast, 0, sizeof(*forecast));
	if (!made)
		return;
	forecast->made = true;
	forecast->made_at_us = made_at;
	forecast->from_us = from;
	if (!rps_null)
	{
		ArrayType  *array = DatumGetArrayTypeP(rps_array);
		Datum	   *elements;
		bool	   *nulls;
		int			count,
					i;

		deconstruct_array(array, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
						  &elements, &nulls, &count);
		/* a row written otherwise than by the cycle: what fits, a NULL as no load */
		for (i = 0; i < count && i < FORECAST_STORED_BINS; i++)
			forecast->rps[i] = nulls[i] ? 0 : DatumGetFloat8(elements[i]);
		forecast->n = i;
	}
}

void
endpoint_state_from_columns(bool has_capacity, double capacity, int32 samples, bool has_sampled_at,
							TimestampTz sampled_at, const char *window_json, EndpointPolicyState *state)
{
	endpoint_policy_state_init(state);
	if (has_capacity)
	{
		state->capacity.known = true;
		state->capacity.rps_per_replica = capacity;
		state->capacity.samples = samples;
		state->capacity.sampled_at_us = has_sampled_at ? sampled_at : 0;
	}
	if (window_json)
		recommendation_window_from_json(window_json, &state->window);
}

static void
append_time(StringInfo buf, int64_t t)
{
	char		text[MAXDATELEN + 1];

	appendStringInfo(buf, "\"%s\"", JsonEncodeDateTime(text, TimestampTzGetDatum(t), TIMESTAMPTZOID, NULL));
}

char *
recommendation_window_json(const RecommendationWindow *window)
{
	StringInfoData buf;
	int			i;

	if (window->direction == 0 || window->n == 0)
		return NULL;
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"direction\": \"%s\", \"since\": ", window->direction < 0 ? "down" : "up");
	append_time(&buf, window->since_us);
	appendStringInfoString(&buf, ", \"entries\": [");
	for (i = 0; i < window->n; i++)
	{
		appendStringInfoString(&buf, i ? ", {\"at\": " : "{\"at\": ");
		append_time(&buf, window->at_us[i]);
		appendStringInfo(&buf, ", \"replicas\": %d}", window->replicas[i]);
	}
	appendStringInfoString(&buf, "]}");
	return buf.data;
}

#define STATE_UPSERT \
	"WITH input AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::int4[], $5::timestamptz[]," \
	"                                    $6::text[], $8::timestamptz[], $9::timestamptz[], $10::text[])" \
	"                 AS u(tenant_id, endpoint_id, capacity_rps, capacity_samples, capacity_sampled_at, recommendations," \
	"                      forecast_made_at, forecast_from, forecast_rps))," \
	" locked AS (SELECT e.tenant_id, e.endpoint_id FROM tenant_scaling.inference_endpoints e" \
	"             WHERE (e.tenant_id, e.endpoint_id) IN (SELECT tenant_id, endpoint_id FROM input)" \
	"               FOR NO KEY UPDATE OF e SKIP LOCKED)" \
	" INSERT INTO tenant_scaling.endpoint_scaling_state AS s (tenant_id, endpoint_id, capacity_rps," \
	"        capacity_samples, capacity_sampled_at, recommendations, forecast_made_at, forecast_from, forecast_rps," \
	"        updated_at)" \
	" SELECT i.tenant_id, i.endpoint_id, i.capacity_rps, i.capacity_samples, i.capacity_sampled_at," \
	"        i.recommendations::jsonb, i.forecast_made_at, i.forecast_from, i.forecast_rps::float8[], $7" \
	"   FROM input i JOIN locked l ON l.tenant_id = i.tenant_id AND l.endpoint_id = i.endpoint_id" \
	" ON CONFLICT (tenant_id, endpoint_id) DO UPDATE" \
	"    SET capacity_rps = excluded.capacity_rps, capacity_samples = excluded.capacity_samples," \
	"        capacity_sampled_at = excluded.capacity_sampled_at, recommendations = excluded.recommendations," \
	"        forecast_made_at = excluded.forecast_made_at, forecast_from = excluded.forecast_from," \
	"        forecast_rps = excluded.forecast_rps, updated_at = excluded.updated_at"

/* array, of capacity elements of size bytes each, in the current context (NULL: a new one) */
static void *
resized(void *array, int capacity, size_t size)
{
	return array ? repalloc(array, capacity * size) : palloc(capacity * size);
}

void
state_batch_init(ScalingStateBatch *batch, TimestampTz now)
{
	batch->context = AllocSetContextCreate(CurrentMemoryContext, "tenant_scaling endpoint states",
										   ALLOCSET_DEFAULT_SIZES);
	batch->now = now;
	batch->count = 0;
	state_batch_discard(batch);
}

void
state_batch_discard(ScalingStateBatch *batch)
{
	MemoryContextReset(batch->context);
	batch->count = 0;
	batch->capacity = 0;
	batch->tenants = NULL;
	batch->endpoints = NULL;
	batch->states = NULL;
	batch->training_count = 0;
	batch->training_capacity = 0;
	batch->training_tenants = NULL;
	batch->training_windows = NULL;
}

void
state_batch_add_training(ScalingStateBatch *batch, const pg_uuid_t *tenant, const RecommendationWindow *window)
{
	MemoryContext caller = MemoryContextSwitchTo(batch->context);

	if (batch->training_count == batch->training_capacity)
	{
		batch->training_capacity = batch->training_capacity ? batch->training_capacity * 2 : 64;
		batch->training_tenants = resized(batch->training_tenants, batch->training_capacity, sizeof(pg_uuid_t));
		batch->training_windows = resized(batch->training_windows, batch->training_capacity,
										  sizeof(RecommendationWindow));
	}
	batch->training_tenants[batch->training_count] = *tenant;
	batch->training_windows[batch->training_count] = *window;
	batch->training_count++;
	MemoryContextSwitchTo(caller);
}

void
state_batch_add(ScalingStateBatch *batch, const pg_uuid_t *tenant, const char *endpoint_id,
				const EndpointPolicyState *state)
{
	MemoryContext caller = MemoryContextSwitchTo(batch->context);

	if (batch->count == batch->capacity)
	{
		batch->capacity = batch->capacity ? batch->capacity * 2 : 64;
		batch->tenants = resized(batch->tenants, batch->capacity, sizeof(pg_uuid_t));
		batch->endpoints = resized(batch->endpoints, batch->capacity, sizeof(char *));
		batch->states = resized(batch->states, batch->capacity, sizeof(EndpointPolicyState));
	}
	batch->tenants[batch->count] = *tenant;
	batch->endpoints[batch->count] = pstrdup(endpoint_id);
	batch->states[batch->count] = *state;
	batch->count++;
	MemoryContextSwitchTo(caller);
}

static Datum
array_of(Datum *values, bool *nulls, int n, Oid type)
{
	int16		len;
	bool		byval;
	char		align;
	int			dims[1] = {n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(type, &len, &byval, &align);
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs, type, len, byval, align));
}

/*
 * The training windows. Only the cycle writes them, one cycle at a time
 * (cycle_lock), no tenant or operator can lock the rows (SELECT only), and
 * the table has no foreign key (whose check would wait on an operator's
 * open DELETE of the tenant): the upsert never waits. A deleted tenant's
 * row is pruned once it is a retention old.
 */
#define TRAINING_STATE_UPSERT \
	"INSERT INTO tenant_scaling.training_scaling_state AS s (tenant_id, recommendations, updated_at)" \
	" SELECT u.tenant_id, u.recommendations::jsonb, $3 FROM unnest($1::uuid[], $2::text[]) AS u(tenant_id, recommendations)" \
	"  WHERE u.tenant_id IN (SELECT c.tenant_id FROM tenant_scaling.tenant_scaling_config c)" \
	" ON CONFLICT (tenant_id) DO UPDATE SET recommendations = excluded.recommendations, updated_at = excluded.updated_at"

void
state_batch_write_training(ScalingStateBatch *batch)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[3] = {UUIDARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID};
	Datum		args[3];
	int			n = batch->training_count;
	MemoryContext caller;
	Datum	   *tenants;
	Datum	   *windows;
	bool	   *nulls;
	int			i;

	if (n > 0)
	{
		caller = MemoryContextSwitchTo(batch->context);
		tenants = palloc(n * sizeof(Datum));
		windows = palloc(n * sizeof(Datum));
		nulls = palloc0(n * sizeof(bool));
		for (i = 0; i < n; i++)
		{
			char	   *window = recommendation_window_json(&batch->training_windows[i]);

			tenants[i] = UUIDPGetDatum(&batch->training_tenants[i]);
			windows[i] = window ? CStringGetTextDatum(window) : (Datum) 0;
			nulls[i] = window == NULL;
		}
		args[0] = array_of(tenants, NULL, n, UUIDOID);
		args[1] = array_of(windows, nulls, n, TEXTOID);
		args[2] = TimestampTzGetDatum(batch->now);
		MemoryContextSwitchTo(caller);
		if (SPI_execute_plan(ts_keep_plan(&plan, TRAINING_STATE_UPSERT, 3, types), args, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "writing the tenants' training scaling state failed");
	}
}

void
state_batch_write_endpoints(ScalingStateBatch *batch)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[10] = {UUIDARRAYOID, TEXTARRAYOID, FLOAT8ARRAYOID, INT4ARRAYOID,
		TIMESTAMPTZARRAYOID, TEXTARRAYOID, TIMESTAMPTZOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID,
	TEXTARRAYOID};
	Datum		args[10];
	int			n = batch->count;
	MemoryContext caller;
	Datum	   *values[9];
	bool	   *nulls[9];
	int			i,
				c;

	if (n == 0)
		return;
	caller = MemoryContextSwitchTo(batch->context);
	for (c = 0; c < 9; c++)
	{
		values[c] = palloc(n * sizeof(Datum));
		nulls[c] = palloc0(n * sizeof(bool));
	}
	for (i = 0; i < n; i++)
	{
		const EndpointPolicyState *state = &batch->states[i];
		char	   *window = recommendation_window_json(&state->window);

		values[0][i] = UUIDPGetDatum(&batch->tenants[i]);
		values[1][i] = CStringGetTextDatum(batch->endpoints[i]);
		values[2][i] = Float8GetDatum(state->capacity.rps_per_replica);
		nulls[2][i] = !state->capacity.known;
		values[3][i] = Int32GetDatum(state->capacity.samples);
		values[4][i] = TimestampTzGetDatum(state->capacity.sampled_at_us);
		nulls[4][i] = !state->capacity.known;
		values[5][i] = window ? CStringGetTextDatum(window) : (Datum) 0;
		nulls[5][i] = window == NULL;
		values[6][i] = TimestampTzGetDatum(state->forecast.made_at_us);
		values[7][i] = TimestampTzGetDatum(state->forecast.from_us);
		nulls[6][i] = nulls[7][i] = nulls[8][i] = !state->forecast.made;
		if (state->forecast.made)
			values[8][i] = CStringGetTextDatum(forecast_array_text(&state->forecast));
	}
	args[0] = array_of(values[0], nulls[0], n, UUIDOID);
	args[1] = array_of(values[1], nulls[1], n, TEXTOID);
	args[2] = array_of(values[2], nulls[2], n, FLOAT8OID);
	args[3] = array_of(values[3], nulls[3], n, INT4OID);
	args[4] = array_of(values[4], nulls[4], n, TIMESTAMPTZOID);
	args[5] = array_of(values[5], nulls[5], n, TEXTOID);
	args[6] = TimestampTzGetDatum(batch->now);
	args[7] = array_of(values[6], nulls[6], n, TIMESTAMPTZOID);
	args[8] = array_of(values[7], nulls[7], n, TIMESTAMPTZOID);
	args[9] = array_of(values[8], nulls[8], n, TEXTOID);
	MemoryContextSwitchTo(caller);
	if (SPI_execute_plan(ts_keep_plan(&plan, STATE_UPSERT, 10, types), args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "writing the endpoints' scaling state failed");
}

void
state_batch_flush(ScalingStateBatch *batch)
{
	state_batch_write_endpoints(batch);
	state_batch_write_training(batch);
	state_batch_discard(batch);
}

void
state_batch_free(ScalingStateBatch *batch)
{
	MemoryContextDelete(batch->context);
}

#define CHANGES_SELECT \
	"SELECT created_at, previous_count, new_count FROM tenant_scaling.scaling_events" \
	" WHERE tenant_id = $1 AND created_at > $3 AND resource_kind = $5 AND resource_id = $2" \
	" ORDER BY created_at DESC, event_id DESC LIMIT $4"

int
scaling_changes_load(const pg_uuid_t *tenant, const char *kind, const char *resource_id, TimestampTz since,
					 ReplicaChange *changes, int max)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[5] = {UUIDOID, TEXTOID, TIMESTAMPTZOID, INT4OID, TEXTOID};
	Datum		values[5];
	uint64		i,
				n;

	values[0] = UUIDPGetDatum(tenant);
	values[1] = CStringGetTextDatum(resource_id);
	values[2] = TimestampTzGetDatum(since);
	values[3] = Int32GetDatum(max);
	values[4] = CStringGetTextDatum(kind);
	if (SPI_execute_plan(ts_keep_plan(&plan, CHANGES_SELECT, 5, types), values, NULL, true, max) != SPI_OK_SELECT)
		elog(ERROR, "reading the recent changes failed");
	n = SPI_processed;
	/* newest first from the query, oldest first for the policy */
	for (i = 0; i < n; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[n - 1 - i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		changes[i].at_us = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 1, &isnull));
		changes[i].from = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
		changes[i].to = DatumGetInt32(SPI_getbinval(tuple, desc, 3, &isnull));
	}
	return (int) n;
}

#define HISTORY_SELECT \
	"SELECT date_bin('" CppAsString2(FORECAST_BIN_SECONDS) " seconds', m.ts, timestamptz '2000-01-01 00:00:00+00')," \
	"       avg(m.requests_per_second)::float8" \
	"  FROM tenant_scaling.endpoint_metrics m" \
	" WHERE m.endpoint_id = $2 AND m.tenant_id = $1 AND m.ts >= $3 AND m.ts < $4" \
	"   AND m.requests_per_second IS NOT NULL" \
	" GROUP BY 1"

double *
endpoint_history_load(const pg_uuid_t *tenant, const char *endpoint_id, TimestampTz now, LoadHistory *history)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[4] = {UUIDOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[4];
	int64		end_bin = forecast_bin_of(now);
	int64		first_bin = end_bin - FORECAST_HISTORY_BINS;
	double	   *rps = palloc(FORECAST_HISTORY_BINS * sizeof(double));
	int32		first_sampled = FORECAST_HISTORY_BINS;
	uint64		i;

	for (i = 0; i < FORECAST_HISTORY_BINS; i++)
		rps[i] = NAN;
	values[0] = UUIDPGetDatum(tenant);
	values[1] = CStringGetTextDatum(endpoint_id);
	values[2] = TimestampTzGetDatum(first_bin * FORECAST_BIN_US);
	values[3] = TimestampTzGetDatum(end_bin * FORECAST_BIN_US);
	if (SPI_execute_plan(ts_keep_plan(&plan, HISTORY_SELECT, 4, types), values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading the endpoint's request-rate history failed");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		bin_null,
					rps_null;
		TimestampTz bin = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 1, &bin_null));
		Datum		mean = SPI_getbinval(tuple, desc, 2, &rps_null);
		int64		k = forecast_bin_of(bin) - first_bin;

		if (bin_null || rps_null || k < 0 || k >= FORECAST_HISTORY_BINS)
			continue;
		rps[k] = DatumGetFloat8(mean);
		if (k < first_sampled)
			first_sampled = (int32) k;
	}
	SPI_freetuptable(SPI_tuptable);
	/* from the first sampled bin: the forecast measures its history from there */
	history->start_us = (first_bin + (first_sampled < FORECAST_HISTORY_BINS ? first_sampled : 0)) * FORECAST_BIN_US;
	history->n = first_sampled < FORECAST_HISTORY_BINS ? FORECAST_HISTORY_BINS - first_sampled : 0;
	history->rps = rps + (first_sampled < FORECAST_HISTORY_BINS ? first_sampled : 0);
	return rps;
}
