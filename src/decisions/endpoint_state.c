/*
 * endpoint_state.c: reading and writing endpoint_scaling_state, and the
 * recent changes of an endpoint.
 */
#include "postgres.h"

#include <cjson/cJSON.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"

#include "endpoint_state.h"
#include "sql_support.h"

static bool
parse_time(const cJSON *item, int64_t *out)
{
	if (!cJSON_IsString(item))
		return false;
	*out = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(item->valuestring),
												   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	return true;
}

/* The window of the stored text; false (and an empty window) when it cannot be read. */
static bool
window_from_json(const char *json, RecommendationWindow *window)
{
	cJSON	   *doc = cJSON_Parse(json);
	const cJSON *direction,
			   *entry;
	bool		ok;

	memset(window, 0, sizeof(*window));
	if (doc == NULL)
		return false;
	direction = cJSON_GetObjectItemCaseSensitive(doc, "direction");
	ok = cJSON_IsString(direction) &&
		parse_time(cJSON_GetObjectItemCaseSensitive(doc, "since"), &window->since_us);
	if (ok)
		window->direction = strcmp(direction->valuestring, "down") == 0 ? -1 : 1;
	cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(doc, "entries"))
	{
		const cJSON *replicas = cJSON_GetObjectItemCaseSensitive(entry, "replicas");

		if (!ok || window->n == WINDOW_MAX_ENTRIES || !cJSON_IsNumber(replicas) ||
			!parse_time(cJSON_GetObjectItemCaseSensitive(entry, "at"), &window->at_us[window->n]))
		{
			ok = false;
			break;
		}
		window->replicas[window->n++] = replicas->valueint;
	}
	cJSON_Delete(doc);
	if (!ok || window->n == 0)
		memset(window, 0, sizeof(*window));
	return ok;
}

void
endpoint_state_from_columns(bool has_capacity, double capacity, int32 samples, const char *window_json,
							EndpointPolicyState *state)
{
	endpoint_policy_state_init(state);
	if (has_capacity)
	{
		state->capacity.known = true;
		state->capacity.rps_per_replica = capacity;
		state->capacity.samples = samples;
	}
	if (window_json)
		window_from_json(window_json, &state->window);
}

static void
append_time(StringInfo buf, int64_t t)
{
	char		text[MAXDATELEN + 1];

	appendStringInfo(buf, "\"%s\"", JsonEncodeDateTime(text, TimestampTzGetDatum(t), TIMESTAMPTZOID, NULL));
}

char *
endpoint_window_json(const RecommendationWindow *window)
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
	"WITH locked AS (SELECT e.tenant_id, e.endpoint_id FROM tenant_scaling.inference_endpoints e" \
	"                 WHERE e.tenant_id = $1 AND e.endpoint_id = $2 FOR NO KEY UPDATE OF e SKIP LOCKED)" \
	" INSERT INTO tenant_scaling.endpoint_scaling_state AS s" \
	"        (tenant_id, endpoint_id, capacity_rps, capacity_samples, recommendations, updated_at)" \
	" SELECT tenant_id, endpoint_id, $3, $4, $5::jsonb, $6 FROM locked" \
	" ON CONFLICT (tenant_id, endpoint_id) DO UPDATE" \
	"    SET capacity_rps = excluded.capacity_rps, capacity_samples = excluded.capacity_samples," \
	"        recommendations = excluded.recommendations, updated_at = excluded.updated_at"

void
endpoint_state_write(const pg_uuid_t *tenant, const char *endpoint_id, const EndpointPolicyState *state,
					 TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[6] = {UUIDOID, TEXTOID, FLOAT8OID, INT4OID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	char	   *window = endpoint_window_json(&state->window);

	values[0] = UUIDPGetDatum(tenant);
	values[1] = CStringGetTextDatum(endpoint_id);
	values[2] = Float8GetDatum(state->capacity.rps_per_replica);
	values[3] = Int32GetDatum(state->capacity.samples);
	values[4] = window ? CStringGetTextDatum(window) : (Datum) 0;
	values[5] = TimestampTzGetDatum(now);
	if (!state->capacity.known)
		nulls[2] = 'n';
	if (window == NULL)
		nulls[4] = 'n';
	if (SPI_execute_plan(ts_keep_plan(&plan, STATE_UPSERT, 6, types), values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "writing the endpoint's scaling state failed");
}

#define CHANGES_SELECT \
	"SELECT created_at, previous_count, new_count FROM tenant_scaling.scaling_events" \
	" WHERE tenant_id = $1 AND created_at > $3 AND resource_kind = 'inference' AND resource_id = $2" \
	" ORDER BY created_at DESC, event_id DESC LIMIT $4"

int
endpoint_changes_load(const pg_uuid_t *tenant, const char *endpoint_id, TimestampTz since,
					  ReplicaChange *changes, int max)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[4] = {UUIDOID, TEXTOID, TIMESTAMPTZOID, INT4OID};
	Datum		values[4];
	uint64		i,
				n;

	values[0] = UUIDPGetDatum(tenant);
	values[1] = CStringGetTextDatum(endpoint_id);
	values[2] = TimestampTzGetDatum(since);
	values[3] = Int32GetDatum(max);
	if (SPI_execute_plan(ts_keep_plan(&plan, CHANGES_SELECT, 4, types), values, NULL, true, max) != SPI_OK_SELECT)
		elog(ERROR, "reading the endpoint's recent changes failed");
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
