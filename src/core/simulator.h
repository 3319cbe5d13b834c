/*
 * simulator.h: a closed loop of one endpoint and its policy on a simulated
 * clock (simulate_inference_scaling, backtest_endpoint_scaling).
 *
 * The service model (README, Simulating a policy): a ready replica serves
 * capacity_rps requests per second at 100 % cpu; with utilisation
 * rho = demand / (ready x capacity_rps), cpu = 100 min(rho, 1) %, p95 =
 * 40 ms / (1 - min(rho, 0.98)) and memory = 40 + 20 min(rho, 1) % (a
 * serving process holds its model); at zero ready replicas only the request
 * rate is seen. Ordered replicas are ready after cold_start; a scale-in
 * removes replicas still starting first, the latest first. The policy is
 * decide_endpoint, the scheduler's, fed only with what it would see in
 * production: the modelled metrics, the rules and the bounds. With
 * prediction on, it learns its forecast from the request rates of the
 * earlier steps, binned and refreshed as the cycle bins and refreshes the
 * stored history.
 *
 * A warm pool (README, Warm pools) keeps warm_pool_size replicas
 * initialised but not serving: a scale-out takes them first, ready after
 * warm_start instead of cold_start, and the pool refills behind them in a
 * cold start; replicas given back return to the pool while it is short.
 */
#ifndef SIMULATOR_H
#define SIMULATOR_H

#include "endpoint_policy.h"

typedef struct SimulationSettings
{
	double		capacity_rps;	/* the model's, never shown to the policy */
	MaybeDecimal configured_capacity_rps;	/* what the endpoint has configured, if any */
	int32_t		initial_replicas;
	int32_t		min_replicas;
	int32_t		max_replicas;
	int64_t		step_us;
	int64_t		cold_start_us;
	int64_t		start_us;
	LocalTimeFn local_time;		/* for the rules' schedule; NULL: none is in force */
	int32_t		warm_pool_size;
	int64_t		warm_start_us;
	const char *endpoint_id;	/* the schedule windows that apply; NULL: those for every endpoint */
} SimulationSettings;

typedef struct SimulationStep
{
	int32_t		step_no;
	int64_t		at_us;
	int32_t		desired_replicas;	/* after this step's decision */
	int32_t		ready_replicas; /* serving during this step */
	MaybeDecimal cpu_percent;	/* as the policy saw them */
	MaybeDecimal latency_p95_ms;
	ScalingAction action;
	char		reason[96];
	bool		has_forecast;	/* prediction on and a forecast of this step's bin */
	double		forecast_rps;
	int32_t		forecast_replicas;	/* the floor it implied; -1: none */
	int32_t		warm_replicas;	/* in the warm pool, initialised or refilling */
} SimulationStep;

/* Replicas ordered together, ready at the same time. */
typedef struct StartingBatch
{
	int64_t		ready_at_us;
	int32_t		count;
} StartingBatch;

#define SIMULATION_CHANGES 64

typedef struct Simulator
{
	InferenceRules rules;
	SimulationSettings settings;
	EndpointPolicyState state;
	int32_t		ready;
	int32_t		desired;
	StartingBatch *starting;	/* oldest first */
	int			n_starting;
	int			starting_capacity;
	ReplicaChange changes[SIMULATION_CHANGES];	/* oldest first */
	int			n_changes;
	ScalingHistory history;
	int32_t		step_no;
	EndpointDecision decision;	/* the last step's, with its explanation */
	/* the binned request rates seen, for the forecast (prediction on only) */
	double	   *load_bins;		/* FORECAST_HISTORY_BINS, oldest first */
	int32_t		history_n;		/* closed bins */
	int64_t		history_first_bin;	/* forecast_bin_of the first */
	bool		has_open_bin;	/* false before the first step */
	int64_t		open_bin;		/* the bin the current steps add to (negative before 2000) */
	double		open_sum;
	int32_t		open_count;
	/* the warm pool: initialised, and refilling (ready in the pool at refill_at, oldest first) */
	int32_t		warm_ready;
	int64_t    *refill_at;
	int32_t		n_refilling;
} Simulator;

/* false when out of memory */
extern bool simulator_init(Simulator *sim, const InferenceRules *rules, const SimulationSettings *settings);
extern void simulator_step(Simulator *sim, TsDecimal demand, SimulationStep *out);
extern void simulator_free(Simulator *sim);

#endif
