/*
 * training_simulator.c: the closed loop of training_simulator.h, one step at a time.
 */
#include "training_simulator.h"

#include <stdlib.h>
#include <string.h>

bool
training_simulator_init(TrainingSimulator *sim, const TrainingRules *rules,
						const TrainingSimulationSettings *settings, const SimulatedJob *jobs, int32_t n_jobs)
{
	int32_t		i;

	memset(sim, 0, sizeof(*sim));
	sim->rules = *rules;
	sim->settings = *settings;
	/* the tenant's ceiling as a tenant_training_config would give it */
	sim->bounds.has_training_config = true;
	sim->bounds.distributed_training_enabled = true;
	sim->bounds.config_max_workers = settings->max_workers;
	sim->bounds.default_max_workers = settings->max_workers;
	sim->ready = sim->desired = settings->initial_workers;
	sim->jobs = malloc((n_jobs > 0 ? n_jobs : 1) * sizeof(SimulatedJob));
	/* at most every worker ever ordered is provisioning at once */
	sim->provisioning = malloc(((size_t) (settings->max_workers > 0 ? settings->max_workers : 1) + 1) * sizeof(int64_t));
	if (sim->jobs == NULL || sim->provisioning == NULL)
	{
		training_simulator_free(sim);
		return false;
	}
	for (i = 0; i < n_jobs; i++)
	{
		sim->jobs[i] = jobs[i];
		sim->jobs[i].started_us = sim->jobs[i].finished_us = -1;
	}
	sim->n_jobs = n_jobs;
	return true;
}

void
training_simulator_free(TrainingSimulator *sim)
{
	free(sim->jobs);
	free(sim->provisioning);
	sim->jobs = NULL;
	sim->provisioning = NULL;
}

bool
training_simulator_done(const TrainingSimulator *sim)
{
	int32_t		i;

	for (i = 0; i < sim->n_jobs; i++)
		if (sim->jobs[i].finished_us < 0)
			return false;
	return true;
}

/* Jobs done by now free their workers (a draining one goes); ready idle workers take queued jobs. */
static int32_t
run_jobs(TrainingSimulator *sim, int64_t now_us)
{
	int32_t		running = 0;
	int32_t		i;

	for (i = 0; i < sim->next_queued; i++)
	{
		SimulatedJob *job = &sim->jobs[i];

		if (job->finished_us >= 0)
			continue;
		if (job->started_us + job->duration_us <= now_us)
		{
			job->finished_us = job->started_us + job->duration_us;
			if (sim->draining > 0)
			{
				sim->draining--;
				sim->ready--;
			}
		}
		else
			running++;
	}
	while (sim->next_queued < sim->n_jobs && running < sim->ready &&
		   sim->jobs[sim->next_queued].submitted_us <= now_us)
	{
		sim->jobs[sim->next_queued++].started_us = now_us;
		running++;
	}
	return running;
}

/* Workers ordered start provisioning; workers given back go: provisioning, idle, then busy when done. */
static void
resize(TrainingSimulator *sim, int64_t now_us, int32_t to, int32_t running)
{
	int32_t		delta = to - sim->desired;

	/* never more provisioning than the ceiling (the array's size) */
	for (; delta > 0 && sim->n_provisioning <= sim->settings.max_workers; delta--)
		sim->provisioning[sim->n_provisioning++] = now_us + sim->settings.provision_us;
	for (delta = -delta; delta > 0 && sim->n_provisioning > 0; delta--)
		sim->n_provisioning--;
	if (delta > 0)
	{
		int32_t		idle = sim->ready - running - sim->draining;
		int32_t		taken = idle < delta ? (idle > 0 ? idle : 0) : delta;

		sim->ready -= taken;
		sim->draining += delta - taken;
	}
	sim->desired = to;
}

static void
decide(TrainingSimulator *sim, int64_t now_us, int32_t queued, int32_t running, TrainingSimulationStep *out)
{
	TrainingRules rules = sim->rules;
	ScheduledBounds scheduled;
	int32_t		to;

	training_apply_schedule(&rules, now_us, sim->settings.local_time, &scheduled);
	if (rules.policy == TRAINING_POLICY_QUEUE)
	{
		TrainingQueueObservation obs;
		TrainingQueueDecision d;

		memset(&obs, 0, sizeof(obs));
		obs.now_us = now_us;
		obs.has_queue = true;
		obs.queued_jobs = queued;
		obs.running_jobs = running;
		obs.desired_workers = sim->desired;
		obs.floor_scheduled = scheduled.min_scheduled;
		obs.history = sim->history;
		obs.changes = sim->changes;
		obs.n_changes = sim->n_changes;
		decide_training_queue(&rules, &sim->bounds, &obs, &sim->window, &d);
		sim->window = d.window;
		to = d.new_workers;
		out->reason = d.reason;
	}
	else
	{
		TrainingInput in;
		TrainingDecision d;
		const char *refusal = NULL;
		int64_t		waited = 0;
		int32_t		i;

		/* the queue sample the cycle takes: its size and average wait */
		for (i = sim->next_queued; i < sim->n_jobs && sim->jobs[i].submitted_us <= now_us; i++)
			waited += now_us - sim->jobs[i].submitted_us;
		in.has_stats = true;
		in.queue_size = queued;
		in.avg_wait_seconds.known = true;
		in.avg_wait_seconds.value = ts_decimal_from_int(queued > 0 ? waited / queued / 1000000 : 0);
		in.current_workers = sim->desired;
		decide_training(&rules, &sim->bounds, &in, &d);
		to = d.target_workers;
		out->reason = d.reason;
		if (to != sim->desired)
			refusal = cooldown_refusal(to > sim->desired ? ACTION_SCALE_OUT : ACTION_SCALE_IN, now_us,
									   &sim->history, rules.scale_in_cooldown_seconds,
									   rules.scale_out_cooldown_seconds);
		if (refusal)
		{
			to = sim->desired;
			out->reason = refusal;
		}
	}
	out->action = to > sim->desired ? ACTION_SCALE_OUT : to < sim->desired ? ACTION_SCALE_IN : ACTION_NONE;
	if (to != sim->desired)
	{
		behavior_remember_change(sim->changes, &sim->n_changes, TRAINING_SIMULATION_CHANGES, &sim->history,
								 now_us, sim->desired, to);
		resize(sim, now_us, to, running);
	}
}

void
training_simulator_step(TrainingSimulator *sim, TrainingSimulationStep *out)
{
	int64_t		now_us = sim->settings.start_us + (int64_t) sim->step_no * sim->settings.step_us;
	int32_t		running;
	int32_t		queued = 0;
	int32_t		finished = 0;
	int32_t		done = 0;
	int32_t		i;

	out->step_no = ++sim->step_no;
	out->at_us = now_us;
	while (done < sim->n_provisioning && sim->provisioning[done] <= now_us)
		done++;
	sim->ready += done;
	memmove(sim->provisioning, sim->provisioning + done, (sim->n_provisioning - done) * sizeof(int64_t));
	sim->n_provisioning -= done;
	running = run_jobs(sim, now_us);
	for (i = sim->next_queued; i < sim->n_jobs && sim->jobs[i].submitted_us <= now_us; i++)
		queued++;
	for (i = 0; i < sim->next_queued; i++)
		if (sim->jobs[i].finished_us >= 0)
			finished++;
	decide(sim, now_us, queued, running, out);
	out->queued = queued;
	out->running = running;
	out->finished = finished;
	out->desired_workers = sim->desired;
	out->ready_workers = sim->ready;
	out->workers = sim->ready + sim->n_provisioning;
}
