/*
 * simulator.c: the closed loop of simulator.h, one step at a time.
 */
#include "simulator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_UTILISATION_FOR_LATENCY 0.98
#define BASE_LATENCY_MS 40.0

bool
simulator_init(Simulator *sim, const InferenceRules *rules, const SimulationSettings *settings)
{
	memset(sim, 0, sizeof(*sim));
	sim->rules = *rules;
	sim->settings = *settings;
	endpoint_policy_state_init(&sim->state);
	sim->ready = settings->initial_replicas;
	sim->desired = settings->initial_replicas;
	/* at most one batch per step of a cold start is still starting; more share the last */
	{
		/* a cold and a warm batch per step */
		int64_t		batches = 2 * (settings->cold_start_us / (settings->step_us > 0 ? settings->step_us : 1) + 2);

		sim->starting_capacity = batches < 2 ? 2 : batches > (1 << 20) ? (1 << 20) : (int) batches;
	}
	sim->starting = malloc(sim->starting_capacity * sizeof(StartingBatch));
	sim->warm_ready = settings->warm_pool_size;
	if (settings->warm_pool_size > 0)
		sim->refill_at = malloc((size_t) settings->warm_pool_size * sizeof(int64_t));
	if (rules->predictive.mode != PREDICTIVE_OFF)
		sim->load_bins = malloc(FORECAST_HISTORY_BINS * sizeof(double));
	if (sim->starting == NULL || (settings->warm_pool_size > 0 && sim->refill_at == NULL) ||
		(rules->predictive.mode != PREDICTIVE_OFF && sim->load_bins == NULL))
	{
		simulator_free(sim);
		return false;
	}
	return true;
}

void
simulator_free(Simulator *sim)
{
	free(sim->starting);
	sim->starting = NULL;
	free(sim->load_bins);
	sim->load_bins = NULL;
	free(sim->refill_at);
	sim->refill_at = NULL;
}

static void
history_append(Simulator *sim, double value)
{
	if (sim->history_n == FORECAST_HISTORY_BINS)
	{
		/* forget the oldest day, as the cycle reads no more than FORECAST_HISTORY_BINS */
		memmove(sim->load_bins, sim->load_bins + FORECAST_BINS_PER_DAY,
				(FORECAST_HISTORY_BINS - FORECAST_BINS_PER_DAY) * sizeof(double));
		sim->history_n -= FORECAST_BINS_PER_DAY;
		sim->history_first_bin += FORECAST_BINS_PER_DAY;
	}
	sim->load_bins[sim->history_n++] = value;
}

/*
 * The step's request rate goes into its bin; a bin is history once a later
 * bin has begun, as the cycle reads only the bins before now's. Bins
 * skipped (a step longer than a bin) have no sample.
 */
static void
history_add(Simulator *sim, int64_t now_us, double rps)
{
	int64_t		bin = forecast_bin_of(now_us);

	if (!sim->has_open_bin)
	{
		sim->has_open_bin = true;
		sim->open_bin = sim->history_first_bin = bin;
		sim->open_sum = 0;
		sim->open_count = 0;
	}
	if (bin > sim->open_bin)
	{
		history_append(sim, sim->open_count > 0 ? sim->open_sum / sim->open_count : NAN);
		while (++sim->open_bin < bin)
			history_append(sim, NAN);
		sim->open_sum = 0;
		sim->open_count = 0;
	}
	sim->open_sum += rps;
	sim->open_count++;
}

static void
refresh_forecast(Simulator *sim, int64_t now_us)
{
	LoadHistory h;

	if (!forecast_needs_refresh(&sim->state.forecast, now_us, sim->rules.predictive.lead_seconds))
		return;
	h.start_us = sim->history_first_bin * FORECAST_BIN_US;
	h.n = sim->history_n;
	h.rps = sim->load_bins;
	forecast_store(&h, now_us, &sim->state.forecast);
}

static void
promote_ready(Simulator *sim, int64_t now_us)
{
	int			done = 0;

	while (done < sim->n_starting && sim->starting[done].ready_at_us <= now_us)
		sim->ready += sim->starting[done++].count;
	memmove(sim->starting, sim->starting + done, (sim->n_starting - done) * sizeof(StartingBatch));
	sim->n_starting -= done;
}

/* rounded to `places` decimals, so that the text shown is the value the policy saw */
static MaybeDecimal
rounded(double value, int places)
{
	MaybeDecimal m = {true, {0, 0}};
	double		scale = pow(10.0, places);

	m.known = ts_decimal_from_double(round(value * scale) / scale, &m.value);
	return m;
}

static void
observe(const Simulator *sim, int64_t now_us, TsDecimal demand, EndpointObservation *obs,
		SimulationStep *out)
{
	static const MaybeDecimal unknown = {false, {0, 0}};
	double		rps = ts_decimal_to_double(demand);

	memset(obs, 0, sizeof(*obs));
	obs->now_us = now_us;
	obs->has_metrics = true;
	obs->metrics_at_us = now_us;
	obs->requests_per_second.known = true;
	obs->requests_per_second.value = demand;
	obs->target_rps = unknown;
	obs->replica_capacity_rps = sim->settings.configured_capacity_rps;
	obs->cpu_avg = obs->memory_avg = obs->latency_p95_ms = unknown;
	if (sim->ready > 0)
	{
		double		rho = rps / (sim->ready * sim->settings.capacity_rps);
		double		busy = rho < 1.0 ? rho : 1.0;
		double		queueing = rho < MAX_UTILISATION_FOR_LATENCY ? rho : MAX_UTILISATION_FOR_LATENCY;

		obs->cpu_avg = rounded(100.0 * busy, 4);
		obs->memory_avg = rounded(40.0 + 20.0 * busy, 4);
		obs->latency_p95_ms = rounded(BASE_LATENCY_MS / (1.0 - queueing), 3);
	}
	obs->ready_replicas = sim->ready;
	obs->desired_replicas = sim->desired;
	obs->min_replicas = sim->settings.min_replicas;
	obs->max_replicas = sim->settings.max_replicas;
	obs->history = sim->history;
	obs->changes = sim->changes;
	obs->n_changes = sim->n_changes;
	out->cpu_percent = obs->cpu_avg;
	out->latency_p95_ms = obs->latency_p95_ms;
}

static void
start_batch(Simulator *sim, int64_t ready_at_us, int32_t count)
{
	if (count <= 0)
		return;
	if (sim->n_starting > 0 && sim->n_starting == sim->starting_capacity)
	{
		/* the last batch takes the later time: never ready sooner than modelled */
		StartingBatch *last = &sim->starting[sim->n_starting - 1];

		last->count += count;
		if (ready_at_us > last->ready_at_us)
			last->ready_at_us = ready_at_us;
	}
	else
	{
		/* batches stay in ready order: a warm batch may be ready before earlier cold ones */
		int			i = sim->n_starting;

		while (i > 0 && sim->starting[i - 1].ready_at_us > ready_at_us)
		{
			sim->starting[i] = sim->starting[i - 1];
			i--;
		}
		sim->starting[i] = (StartingBatch) {ready_at_us, count};
		sim->n_starting++;
	}
}

/* Warm replicas refilled by now join the pool. */
static void
refill_warm_pool(Simulator *sim, int64_t now_us)
{
	int32_t		done = 0;

	while (done < sim->n_refilling && sim->refill_at[done] <= now_us)
		done++;
	if (done == 0)
		return;
	sim->warm_ready += done;
	memmove(sim->refill_at, sim->refill_at + done, (sim->n_refilling - done) * sizeof(int64_t));
	sim->n_refilling -= done;
}

/*
 * Replicas ordered now start, from the warm pool first (which refills behind
 * them); replicas given back go from the latest starting ones, then the
 * ready, and back into the pool while it is short.
 */
static void
resize(Simulator *sim, int64_t now_us, int32_t to)
{
	int32_t		delta = to - sim->desired;
	int32_t		given_back;

	if (delta > 0)
	{
		int32_t		warm = delta < sim->warm_ready ? delta : sim->warm_ready;
		int32_t		i;

		sim->warm_ready -= warm;
		for (i = 0; i < warm; i++)
			sim->refill_at[sim->n_refilling++] = now_us + sim->settings.cold_start_us;
		start_batch(sim, now_us + sim->settings.warm_start_us, warm);
		start_batch(sim, now_us + sim->settings.cold_start_us, delta - warm);
	}
	for (delta = -delta; delta > 0 && sim->n_starting > 0;)
	{
		StartingBatch *last = &sim->starting[sim->n_starting - 1];
		int32_t		taken = last->count < delta ? last->count : delta;

		last->count -= taken;
		delta -= taken;
		if (last->count == 0)
			sim->n_starting--;
	}
	if (delta > 0)
		sim->ready -= delta;
	/* ready replicas given back are initialised: each takes the place of a refill, the latest first */
	given_back = delta > 0 ? delta : 0;
	while (given_back > 0 && sim->n_refilling > 0)
	{
		sim->n_refilling--;
		sim->warm_ready++;
		given_back--;
	}
	sim->desired = to;
}

static void
forget_old_changes(Simulator *sim, int64_t now_us)
{
	int64_t		since = now_us - (int64_t) rate_limit_longest_period(&sim->rules) * 1000000;
	int			old = 0;

	while (old < sim->n_changes && sim->changes[old].at_us <= since)
		old++;
	memmove(sim->changes, sim->changes + old, (sim->n_changes - old) * sizeof(ReplicaChange));
	sim->n_changes -= old;
}

void
simulator_step(Simulator *sim, TsDecimal demand, SimulationStep *out)
{
	int64_t		now_us = sim->settings.start_us + (int64_t) sim->step_no * sim->settings.step_us;
	EndpointObservation obs;
	int32_t		before;

	out->step_no = ++sim->step_no;
	out->at_us = now_us;
	promote_ready(sim, now_us);
	refill_warm_pool(sim, now_us);
	forget_old_changes(sim, now_us);
	out->ready_replicas = sim->ready;
	observe(sim, now_us, demand, &obs, out);
	endpoint_apply_schedule(&sim->rules, sim->settings.endpoint_id ? sim->settings.endpoint_id : "",
							sim->settings.local_time, &obs);
	out->has_forecast = false;
	if (sim->load_bins != NULL)
	{
		history_add(sim, now_us, ts_decimal_to_double(demand));
		refresh_forecast(sim, now_us);
		out->has_forecast = forecast_peak(&sim->state.forecast, now_us, now_us + 1, &out->forecast_rps);
	}
	sim->decision.explain = false;	/* the rows carry the reason, not the steps */
	decide_endpoint(&sim->rules, &obs, &sim->state, &sim->decision);
	/* kept only where the scheduler would store it */
	if (sim->decision.state_changed)
		sim->state = sim->decision.state;
	before = sim->desired;
	if (sim->decision.new_replicas != before)
	{
		behavior_remember_change(sim->changes, &sim->n_changes, SIMULATION_CHANGES, &sim->history, now_us,
								 before, sim->decision.new_replicas);
		resize(sim, now_us, sim->decision.new_replicas);
	}
	out->desired_replicas = sim->desired;
	out->action = sim->decision.action;
	out->forecast_replicas = sim->decision.forecast_replicas;
	out->warm_replicas = sim->warm_ready + sim->n_refilling;
	memcpy(out->reason, sim->decision.reason, sizeof(out->reason));
}
