/*
 * cycle.h: one scheduler cycle (README, The scheduler), shared by the background worker
 * and run_scaling_cycle().
 */
#ifndef TS_CYCLE_H
#define TS_CYCLE_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#include "apply.h"

#define NOT_SCALED_REASONS 24

typedef struct CycleResult
{
	int			tenants_evaluated;
	int			training_decisions;
	int			inference_decisions;
	int			errors;
	int64		pruned_rows;
	bool		cost_view_refreshed;
	/* decisions that changed nothing, by reason */
	const char *not_scaled_reason[NOT_SCALED_REASONS];
	int			not_scaled_count[NOT_SCALED_REASONS];
	int			not_scaled_kinds;
	StringInfo	failed_tenants;	/* JSON array elements */
} CycleResult;

#include "settings.h"

/*
 * Evaluate and apply every auto-scaling tenant; SPI must be connected. The
 * events carry origin, as the run does ("worker" or "sql").
 */
extern void ts_cycle_execute(int64 run_id, const char *origin, TimestampTz now, CycleResult *result);

/*
 * One training_queue_stats row per tenant with queued or recently finished
 * training_jobs (README, The training job queue); returns how many, and in *locked how many
 * tenants were skipped because another transaction held their derived row.
 * The worker runs it in a transaction of its own just before the cycle, so
 * the derived rows it touches are not locked for the whole cycle.
 */
extern uint64 ts_sample_job_queues(TimestampTz now, int *locked);

/* Count a decision (or n) that changed nothing. */
extern void cycle_count_not_scaled(CycleResult *result, const char *reason);
extern void cycle_count_not_scaled_n(CycleResult *result, const char *reason, int n);

/* {"reason": count, ...} */
extern char *cycle_not_scaled_json(const CycleResult *result);

#endif
