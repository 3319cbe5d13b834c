/*
 * evaluate.h: turning the rows a cycle reads into decisions to apply.
 *
 * The queries here read everything a decision needs for many tenants at
 * once; the pure decision code decides; cooldowns are checked; what changes
 * becomes an AppliedDecision with its reason and inputs.
 */
#ifndef TS_EVALUATE_H
#define TS_EVALUATE_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "apply.h"
#include "decide.h"
#include "scaling_rules.h"

/* columns of ENDPOINT_SELECT, in order */
#define ENDPOINT_SELECT \
	"SELECT e.tenant_id, e.endpoint_id, e.current_replicas, e.desired_replicas, e.min_replicas," \
	"       e.max_replicas, e.target_rps::text, e.last_scale_out_at, e.last_scaled_at," \
	"       m.ts, m.cpu_avg::text, m.memory_avg::text, m.latency_p95_ms::text," \
	"       m.requests_per_second::text" \
	"  FROM tenant_scaling.inference_endpoints e" \
	"  LEFT JOIN tenant_scaling.endpoint_metrics_latest m" \
	"         ON m.tenant_id = e.tenant_id AND m.endpoint_id = e.endpoint_id AND m.ts >= $1 "

/* A result row, deformed once: column n is values[n - 1]. */
#define SQL_ROW_MAX 16

typedef struct SqlRow
{
	Datum		values[SQL_ROW_MAX];
	bool		nulls[SQL_ROW_MAX];
} SqlRow;

extern void sql_row_read(SqlRow *row, HeapTuple tuple, TupleDesc desc);
extern int32 sql_row_int(const SqlRow *row, int col, bool *isnull);
extern bool sql_row_time(const SqlRow *row, int col, TimestampTz *out);
/* a column cast to text in the query, parsed as an exact decimal; NULL is unknown */
extern MaybeDecimal sql_row_decimal(const SqlRow *row, int col, char **text_out);

/*
 * Decide for the endpoint in row (columns of ENDPOINT_SELECT). Returns true
 * and fills out when its desired count should change; otherwise *reason
 * says why not. Strings are palloc'd in the current context.
 */
extern bool evaluate_endpoint(const SqlRow *row, const InferenceRules *rules,
							  TimestampTz now, AppliedDecision *out, const char **reason);

/* The tenant's rules; false with err filled when the stored document is invalid. */
extern bool rules_from_text(const char *json, ScalingRules *rules, RulesError *err);

#endif
