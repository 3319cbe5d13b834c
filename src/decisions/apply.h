/*
 * apply.h: applying scaling decisions.
 *
 * A decision that changes a count becomes, in one statement: the new
 * desired count, a scaling_events row, and a NOTIFY on channel
 * tenant_scaling sent at commit. Decisions are gathered in a batch and
 * written set-based; when a batch fails (a user trigger rejecting an event,
 * say), it is written again tenant by tenant, each in its own
 * subtransaction, and a tenant's group that fails decision by decision, so
 * one bad decision is skipped and reported, naming its resource, while every
 * other decision is applied and nothing of the bad one is half-written. An
 * endpoint another transaction holds is skipped, never waited for, and
 * counted as locked.
 */
#ifndef TS_APPLY_H
#define TS_APPLY_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "decide.h"

typedef enum ResourceKind
{
	RESOURCE_TRAINING,
	RESOURCE_INFERENCE
} ResourceKind;

typedef struct AppliedDecision
{
	pg_uuid_t	tenant_id;
	ResourceKind kind;
	char	   *resource_id;
	ScalingAction action;
	int32		previous_count;
	int32		new_count;
	char	   *reason;
	char	   *inputs;			/* a JSON object, as text */
} AppliedDecision;

typedef struct DecisionBatch
{
	MemoryContext context;		/* the items' strings; reset by each flush */
	AppliedDecision *items;
	int			count;
	int			capacity;
	TimestampTz now;
	const char *origin;			/* "worker", "sql" or "manual" */
	int64		run_id;			/* 0 for none */
	/* what was written */
	int			training_applied;
	int			inference_applied;
	int			superseded;		/* the row moved since it was read */
	int			locked;			/* another transaction held the row */
	int			decisions_failed;
	StringInfo	failures;		/* JSON array elements, comma-separated */
} DecisionBatch;

extern void batch_init(DecisionBatch *batch, TimestampTz now, const char *origin, int64 run_id);
/* Add a copy of decision (its strings too). */
extern void batch_add(DecisionBatch *batch, const AppliedDecision *decision);
extern void batch_free(DecisionBatch *batch);

/* Write the batch as described above, then empty it. */
extern void batch_flush_isolated(DecisionBatch *batch);

/* Write the batch in the current (sub)transaction; errors propagate. */
extern void batch_flush(DecisionBatch *batch);

extern const char *resource_kind_name(ResourceKind kind);

/* True while a batch is being written: its desired counts are decisions, not overrides. */
extern bool ts_writing_decisions(void);

/*
 * Append to failures (comma-separated JSON objects, scheduler_runs.failed_tenants)
 * what failed: a decision, or the whole tenant when decision is NULL.
 */
extern void append_failure_json(StringInfo failures, const pg_uuid_t *tenant,
								const AppliedDecision *decision, const char *message);

#endif
