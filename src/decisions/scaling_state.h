/*
 * scaling_state.h: what the policies keep between decisions, read and
 * written in batches: of an endpoint (tenant_scaling.endpoint_scaling_state:
 * target tracking's capacity estimate, stabilization window and forecast)
 * and of a tenant's training (training_scaling_state: the queue policy's
 * window); an endpoint's binned request-rate history, for its forecast; and
 * the changes the rate limits count (scaling_events).
 */
#ifndef TS_SCALING_STATE_H
#define TS_SCALING_STATE_H

#include "postgres.h"

#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "endpoint_policy.h"

/* The state of the capacity and window columns; empty where they are NULL. */
extern void endpoint_state_from_columns(bool has_capacity, double capacity, int32 samples,
										bool has_sampled_at, TimestampTz sampled_at,
										const char *window_json, EndpointPolicyState *state);

/* The forecast columns (made: forecast_made_at is not NULL). */
extern void endpoint_forecast_from_columns(bool made, TimestampTz made_at, TimestampTz from, Datum rps_array,
										   bool rps_null, StoredForecast *forecast);

/*
 * The endpoint's binned request rates before now's bin, as far back as a
 * forecast reads (FORECAST_HISTORY_BINS); under the caller's rights, so
 * row-level security decides what is read. Returns the palloc'd bins
 * history points into, for the caller to pfree.
 */
extern double *endpoint_history_load(const pg_uuid_t *tenant, const char *endpoint_id, TimestampTz now,
									 LoadHistory *history);

/* A stored window (recommendations jsonb as text); empty when NULL or unreadable. */
extern void recommendation_window_from_json(const char *json, RecommendationWindow *window);

/* The window as the jsonb text of endpoint_scaling_state.recommendations; NULL when empty. */
extern char *recommendation_window_json(const RecommendationWindow *window);

/*
 * States to store, gathered and written in one statement. A state is stored
 * unless another transaction holds the endpoint's row: every writer of the
 * state holds that row first, so the write never waits, and a state not
 * stored only delays what the window decides.
 */
typedef struct ScalingStateBatch
{
	MemoryContext context;		/* the items; reset by each flush */
	int			count;
	int			capacity;
	pg_uuid_t  *tenants;
	char	  **endpoints;
	EndpointPolicyState *states;
	/* the training queue policy's windows (training_scaling_state) */
	int			training_count;
	int			training_capacity;
	pg_uuid_t  *training_tenants;
	RecommendationWindow *training_windows;
	TimestampTz now;
} ScalingStateBatch;

extern void state_batch_init(ScalingStateBatch *batch, TimestampTz now);
extern void state_batch_add(ScalingStateBatch *batch, const pg_uuid_t *tenant, const char *endpoint_id,
							const EndpointPolicyState *state);
extern void state_batch_add_training(ScalingStateBatch *batch, const pg_uuid_t *tenant,
									 const RecommendationWindow *window);
extern void state_batch_flush(ScalingStateBatch *batch);
/* The two halves of a flush, each in a subtransaction of its own in the cycle; then discard. */
extern void state_batch_write_endpoints(ScalingStateBatch *batch);
extern void state_batch_write_training(ScalingStateBatch *batch);
/* Forget what was gathered (after a flush that failed). */
extern void state_batch_discard(ScalingStateBatch *batch);
extern void state_batch_free(ScalingStateBatch *batch);

/* The applied changes of a resource ("inference" or "training") after since, oldest first, at most max. */
extern int	scaling_changes_load(const pg_uuid_t *tenant, const char *kind, const char *resource_id,
								 TimestampTz since, ReplicaChange *changes, int max);

#endif
