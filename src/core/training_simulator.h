/*
 * training_simulator.h: a tenant's training queue and workers on a
 * simulated clock, decided each step by the scheduler's training policy
 * (simulate_training_scaling).
 *
 * The model (README, simulate_training_scaling): jobs are queued at their
 * submission step and run in submission order, one per ready worker, for
 * their duration; a worker ordered is ready after the provisioning time; a
 * scale-in removes workers still provisioning first, then idle ones, and a
 * busy worker only once its job is done (no job is lost). Each step the
 * policy sees what the cycle would: the jobs queued and running (the queue
 * policy) or the queue sample, its size and average wait (the seed's).
 */
#ifndef TRAINING_SIMULATOR_H
#define TRAINING_SIMULATOR_H

#include "behavior.h"
#include "decide.h"
#include "training_policy.h"

typedef struct SimulatedJob
{
	int64_t		submitted_us;
	int64_t		duration_us;
	int64_t		started_us;		/* -1: queued */
	int64_t		finished_us;	/* -1: not finished */
} SimulatedJob;

typedef struct TrainingSimulationSettings
{
	int32_t		initial_workers;
	int32_t		max_workers;	/* the tenant's ceiling */
	int64_t		step_us;
	int64_t		provision_us;
	int64_t		start_us;
	LocalTimeFn local_time;		/* for the rules' schedule; NULL: none is in force */
} TrainingSimulationSettings;

typedef struct TrainingSimulationStep
{
	int32_t		step_no;
	int64_t		at_us;
	int32_t		queued;			/* after this step's starts */
	int32_t		running;
	int32_t		finished;		/* jobs finished so far */
	int32_t		desired_workers;	/* after this step's decision */
	int32_t		ready_workers;
	int32_t		workers;		/* ready and provisioning: what is paid for */
	ScalingAction action;
	const char *reason;
} TrainingSimulationStep;

#define TRAINING_SIMULATION_CHANGES 64

typedef struct TrainingSimulator
{
	TrainingRules rules;
	TrainingBounds bounds;
	TrainingSimulationSettings settings;
	SimulatedJob *jobs;			/* in submission order */
	int32_t		n_jobs;
	int32_t		next_queued;	/* the first job not yet started */
	int32_t		ready;			/* ready workers */
	int32_t		desired;
	int64_t    *provisioning;	/* ready times of the workers being provisioned, oldest first */
	int32_t		n_provisioning;
	int32_t		draining;		/* busy workers to remove when their job ends */
	RecommendationWindow window;
	ReplicaChange changes[TRAINING_SIMULATION_CHANGES];
	int			n_changes;
	ScalingHistory history;
	int32_t		step_no;
} TrainingSimulator;

/* jobs are copied; false when out of memory */
extern bool training_simulator_init(TrainingSimulator *sim, const TrainingRules *rules,
									const TrainingSimulationSettings *settings,
									const SimulatedJob *jobs, int32_t n_jobs);
extern void training_simulator_step(TrainingSimulator *sim, TrainingSimulationStep *out);
/* every job finished */
extern bool training_simulator_done(const TrainingSimulator *sim);
extern void training_simulator_free(TrainingSimulator *sim);

#endif
