/*
 * evaluate.h: turning the rows a cycle reads into decisions to apply, for
 * both kinds of resource (training workers per tenant, replicas per
 * inference endpoint).
 *
 * The queries here read everything a decision needs for many tenants at
 * once; the pure decision code decides; cooldowns are checked; what changes
 * becomes an AppliedDecision with its reason and inputs. Their columns are
 * read by the names below, never by bare position.
 */
#ifndef TS_EVALUATE_H
#define TS_EVALUATE_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "apply.h"
#include "decide.h"
#include "endpoint_policy.h"
#include "training_policy.h"
#include "scaling_rules.h"

/*
 * The pauses in force (pause_scaling): uncorrelated, so each is a hashed
 * subplan, built once per query and probed per row, which keeps the cycle's
 * scans in their order.
 */
#define ACTIVE_PAUSE " (p.until IS NULL OR p.until > pg_catalog.now())"
#define TENANT_PAUSES \
	"SELECT p.tenant_id FROM tenant_scaling.scaling_pauses p WHERE p.endpoint_id IS NULL AND" ACTIVE_PAUSE
#define ENDPOINT_PAUSES \
	"SELECT p.tenant_id, p.endpoint_id FROM tenant_scaling.scaling_pauses p" \
	" WHERE p.endpoint_id IS NOT NULL AND" ACTIVE_PAUSE

/* one row per auto-scaling tenant, in tenant order: TRAINING_COL_* */
#define TRAINING_SELECT \
	"SELECT c.tenant_id, c.scaling_rules::text, tc.tenant_id IS NOT NULL," \
	"       coalesce(tc.distributed_training_enabled, false), coalesce(tc.max_workers, 1)," \
	"       i.queue_size, i.avg_wait_time_seconds::text, i.stats_at," \
	"       coalesce(i.active_workers, 0) + coalesce(i.provisioning_workers, 0)," \
	"       st.desired_workers, st.last_scale_out_at, st.last_scaled_at," \
	"       c.tenant_id IN (" TENANT_PAUSES ")," \
	"       jc.tenant_id IS NOT NULL, coalesce(jc.queued_jobs, 0), coalesce(jc.running_jobs, 0)," \
	"       ts.recommendations::text" \
	"  FROM tenant_scaling.tenant_scaling_config c" \
	"  LEFT JOIN tenant_scaling.tenant_training_config tc ON tc.tenant_id = c.tenant_id" \
	"  LEFT JOIN tenant_scaling.tenant_training_inputs i ON i.tenant_id = c.tenant_id" \
	"  LEFT JOIN tenant_scaling.tenant_training_state st ON st.tenant_id = c.tenant_id" \
	"  LEFT JOIN tenant_scaling.tenant_job_counts jc ON jc.tenant_id = c.tenant_id" \
	"  LEFT JOIN tenant_scaling.training_scaling_state ts ON ts.tenant_id = c.tenant_id" \
	" WHERE c.auto_scaling_enabled" \
	" ORDER BY c.tenant_id"

typedef enum TrainingColumn
{
	TRAINING_COL_TENANT_ID = 1,
	TRAINING_COL_RULES,			/* text */
	TRAINING_COL_HAS_CONFIG,	/* a tenant_training_config row exists */
	TRAINING_COL_DISTRIBUTED,
	TRAINING_COL_MAX_WORKERS,
	TRAINING_COL_QUEUE_SIZE,
	TRAINING_COL_AVG_WAIT,		/* text */
	TRAINING_COL_STATS_AT,
	TRAINING_COL_ACTUAL_WORKERS,	/* active and provisioning */
	TRAINING_COL_DESIRED_WORKERS,
	TRAINING_COL_LAST_SCALE_OUT,
	TRAINING_COL_LAST_SCALED,
	TRAINING_COL_PAUSED,		/* the whole tenant is paused */
	TRAINING_COL_HAS_JOBS,		/* a tenant_job_counts row: the tenant queues jobs here */
	TRAINING_COL_QUEUED_JOBS,
	TRAINING_COL_RUNNING_JOBS,
	TRAINING_COL_WINDOW			/* text: training_scaling_state.recommendations */
} TrainingColumn;

/* an endpoint with its newest metrics no older than $1: ENDPOINT_COL_* */
#define ENDPOINT_SELECT \
	"SELECT e.tenant_id, e.endpoint_id, e.current_replicas, e.desired_replicas, e.min_replicas," \
	"       e.max_replicas, e.target_rps::text, e.last_scale_out_at, e.last_scaled_at," \
	"       m.ts, m.cpu_avg::text, m.memory_avg::text, m.latency_p95_ms::text," \
	"       m.requests_per_second::text," \
	"       e.tenant_id IN (" TENANT_PAUSES ") OR (e.tenant_id, e.endpoint_id) IN (" ENDPOINT_PAUSES ")," \
	"       e.replica_capacity_rps::text, s.capacity_rps, s.capacity_samples, s.recommendations::text," \
	"       s.capacity_sampled_at, s.forecast_made_at, s.forecast_from, s.forecast_rps, e.warm_pool_size" \
	"  FROM tenant_scaling.inference_endpoints e" \
	"  LEFT JOIN tenant_scaling.endpoint_metrics_latest m" \
	"         ON m.tenant_id = e.tenant_id AND m.endpoint_id = e.endpoint_id AND m.ts >= $1 " \
	"  LEFT JOIN tenant_scaling.endpoint_scaling_state s" \
	"         ON s.tenant_id = e.tenant_id AND s.endpoint_id = e.endpoint_id "

typedef enum EndpointColumn
{
	ENDPOINT_COL_TENANT_ID = 1,
	ENDPOINT_COL_ENDPOINT_ID,
	ENDPOINT_COL_CURRENT,
	ENDPOINT_COL_DESIRED,
	ENDPOINT_COL_MIN,
	ENDPOINT_COL_MAX,
	ENDPOINT_COL_TARGET_RPS,	/* text */
	ENDPOINT_COL_LAST_SCALE_OUT,
	ENDPOINT_COL_LAST_SCALED,
	ENDPOINT_COL_METRICS_AT,	/* NULL: no recent metrics */
	ENDPOINT_COL_CPU,			/* text, as are the other metrics */
	ENDPOINT_COL_MEMORY,
	ENDPOINT_COL_LATENCY,
	ENDPOINT_COL_RPS,
	ENDPOINT_COL_PAUSED,		/* the endpoint or its whole tenant is paused */
	ENDPOINT_COL_CAPACITY,		/* text: replica_capacity_rps, configured */
	ENDPOINT_COL_STATE_CAPACITY,	/* float8: the estimate (endpoint_scaling_state) */
	ENDPOINT_COL_STATE_SAMPLES,
	ENDPOINT_COL_STATE_WINDOW,	/* text: recommendations, jsonb */
	ENDPOINT_COL_STATE_SAMPLED_AT,	/* the last sample the estimate learnt */
	ENDPOINT_COL_FORECAST_MADE_AT,
	ENDPOINT_COL_FORECAST_FROM,
	ENDPOINT_COL_FORECAST_RPS,	/* float8[] */
	ENDPOINT_COL_WARM_POOL		/* the actuator's, passed on in the event */
} EndpointColumn;

/* A result row, deformed once: column n is values[n - 1]; read it with sql_row_*. */
#define SQL_ROW_MAX 32

typedef struct SqlRow
{
	Datum		values[SQL_ROW_MAX];
	bool		nulls[SQL_ROW_MAX];
} SqlRow;

extern void sql_row_read(SqlRow *row, HeapTuple tuple, TupleDesc desc);
extern bool sql_row_bool(const SqlRow *row, int col);
extern pg_uuid_t *sql_row_uuid(const SqlRow *row, int col);
/* a text column as a C string, or NULL */
extern char *sql_row_text(const SqlRow *row, int col);
extern int32 sql_row_int(const SqlRow *row, int col, bool *isnull);
extern bool sql_row_time(const SqlRow *row, int col, TimestampTz *out);
/* a column cast to text in the query, parsed as an exact decimal; NULL is unknown */
extern MaybeDecimal sql_row_decimal(const SqlRow *row, int col, char **text_out);

/*
 * Decide for the tenant's training workers (row of TRAINING_SELECT) or for
 * the endpoint (row of ENDPOINT_SELECT); the queue policy's window, when it
 * changed, is in queue_decision (window_changed). Returns true and fills out when
 * the desired count should change; otherwise *reason says why not. Strings
 * are palloc'd in the current context.
 */
extern bool evaluate_training(const SqlRow *row, const TrainingRules *rules,
							  TimestampTz now, AppliedDecision *out, const char **reason,
							  TrainingQueueDecision *queue_decision);
extern bool evaluate_endpoint(const SqlRow *row, const InferenceRules *rules,
							  TimestampTz now, AppliedDecision *out, const char **reason,
							  EndpointDecision *decision);

/*
 * What decide_endpoint needs of the endpoint of row: the observation (its
 * changes loaded when the rate limits may need them, see evaluate.c) and
 * the kept state.
 */
extern void endpoint_observe(const SqlRow *row, TimestampTz now, EndpointObservation *obs,
							 EndpointPolicyState *state);

/*
 * Observe and decide, as evaluate_endpoint does, without applying or storing
 * anything; the explanation is made when the count changes, or always.
 */
extern void endpoint_decide(const SqlRow *row, const InferenceRules *rules, TimestampTz now,
							EndpointObservation *obs, EndpointDecision *d, bool always_explain);

/*
 * Parse a tenant's stored rules (NULL: the defaults); false, with err
 * filled, when the document is invalid (the cycle reports the tenant and
 * goes on, where the SQL functions raise).
 */
extern bool stored_rules_parse(const char *json, ScalingRules *rules, RulesError *err);
/* The same without copying the defaults: buffer, the defaults, or NULL (err filled). */
extern const ScalingRules *stored_rules(const char *json, ScalingRules *buffer, RulesError *err);

#endif
