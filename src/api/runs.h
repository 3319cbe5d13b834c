/*
 * runs.h: scheduler_runs rows and the one-cycle-at-a-time lock.
 */
#ifndef TS_RUNS_H
#define TS_RUNS_H

#include "postgres.h"

#include "cycle.h"

/* Take the cycle lock for this transaction; false when another cycle holds it. */
extern bool runs_try_cycle_lock(void);

extern int64 runs_insert(const char *origin, const char *status);
extern void runs_finish(int64 run_id, const char *status, const CycleResult *result,
						const char *message);

/* Mark runs a crash or shutdown left 'running' as failed; returns how many. */
extern int	runs_mark_abandoned(void);

extern void cycle_result_init(CycleResult *result);

#endif
