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
#include "scaling_rules.h"

/* columns of ENDPOINT_SELECT, in order */
#define ENDPOINT_SELECT \
	"SELECT e.tenant_id, e.endpoint_id, e.current_replicas, e.desired_replicas, e.min_replicas," \
	"       e.max_replicas, e.target_rps::text, e.last_scale_out_at, e.last_scaled_at," \
	"       m.ts, m.cpu_avg::text, m.memory_avg::text, m.latency_p95_ms::text," \
	"       m.requests_per_second::text" \
	"  FROM tenant_scaling.inference_endpoints e" \
	"  LEFT JOIN LATERAL (SELECT mm.ts, mm.cpu_avg, mm.memory_avg, mm.latency_p95_ms," \
	"                            mm.requests_per_second" \
	"                       FROM tenant_scaling.endpoint_metrics mm" \
	"                      WHERE mm.endpoint_id = e.endpoint_id AND mm.ts >= $1" \
	"                      ORDER BY mm.ts DESC LIMIT 1) m ON true "

/*
 * Decide for the endpoint in row (columns of ENDPOINT_SELECT). Returns true
 * and fills out when its desired count should change; otherwise *reason
 * says why not. Strings are palloc'd in the current context.
 */
extern bool evaluate_endpoint(HeapTuple row, TupleDesc desc, const InferenceRules *rules,
							  TimestampTz now, AppliedDecision *out, const char **reason);

/* The tenant's rules; false with err filled when the stored document is invalid. */
extern bool rules_from_text(const char *json, ScalingRules *rules, RulesError *err);

#endif
