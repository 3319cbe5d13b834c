/*
 * training_policy.h: a tenant's training workers sized to its queue
 * (README, Training policies), as KEDA's queue scaler sizes a deployment:
 * ceil((jobs queued + jobs running) / jobs_per_worker) within the tenant's
 * floor and ceiling, through the stabilization windows and rate limits of
 * behavior.h.
 *
 * The count is absolute and starts from the workers already ordered
 * (provisioning included), so a backlog is ordered once, however many
 * cycles its workers take to start; jobs running count, so the workers
 * that run them are not taken away.
 */
#ifndef TRAINING_POLICY_H
#define TRAINING_POLICY_H

#include "behavior.h"
#include "decide.h"

typedef struct TrainingQueueObservation
{
	int64_t		now_us;
	bool		has_queue;		/* the tenant has jobs or queue samples */
	int32_t		queued_jobs;
	int32_t		running_jobs;
	int32_t		desired_workers;	/* ordered; the decision starts from it */
	bool		floor_scheduled;	/* a schedule window set min_workers: applied even without a queue */
	ScalingHistory history;		/* for the cooldowns, when the rules give any */
	const ReplicaChange *changes;	/* applied, oldest first, within the rate-limit periods */
	int			n_changes;
} TrainingQueueObservation;

typedef struct TrainingQueueDecision
{
	int32_t		recommendation; /* what the queue asks for, before any constraint */
	int32_t		new_workers;
	int32_t		ceiling;
	int32_t		floor;
	const char *reason;			/* static string */
	int32_t		queued_jobs;	/* as counted (the caller's record) */
	int32_t		running_jobs;
	bool		window_changed; /* window differs from the one given: store it */
	RecommendationWindow window;
} TrainingQueueDecision;

/*
 * The floor and ceiling the rules' schedule sets now, into rules
 * (min_workers, max_workers), for either training policy; *out says which
 * window is in force.
 */
extern void training_apply_schedule(TrainingRules *rules, int64_t now_us, LocalTimeFn local_time,
									ScheduledBounds *out);

extern void decide_training_queue(const TrainingRules *rules, const TrainingBounds *bounds,
								  const TrainingQueueObservation *obs, const RecommendationWindow *window,
								  TrainingQueueDecision *out);

#endif
