/* test_forecast.c: the seasonal forecast (forecast.c) and prediction in the policy and the simulator. */
#include "unit_test.h"

#include <math.h>
#include <stdlib.h>

#include "endpoint_policy.h"
#include "forecast.h"
#include "simulator.h"

#define DAY FORECAST_BINS_PER_DAY
#define S(seconds) ((int64_t) (seconds) * 1000000)

static double *
series(int n, double (*f) (int i))
{
	double	   *v = malloc(n * sizeof(double));
	int			i;

	for (i = 0; i < n; i++)
		v[i] = f(i);
	return v;
}

static double
sine(int i)
{
	return 200 + 150 * sin(2 * M_PI * i / DAY);
}

static double
flat(int i)
{
	(void) i;
	return 80;
}

/* weekdays 300 from 09:00 to 18:00 and 50 otherwise; days 5 and 6 of each week 50 all day */
static double
weekly(int i)
{
	int			day = i / DAY % 7;
	int			hour = i % DAY * 24 / DAY;

	return day < 5 && hour >= 9 && hour < 18 ? 300 : 50;
}

/* 100, growing 5 % a day */
static double
growing(int i)
{
	return 100 * pow(1.05, (double) i / DAY);
}

static double
max_relative_error(const LoadHistory *h, const ForecastModel *m, int from, int to, double (*f) (int i))
{
	double		worst = 0;
	int			j;

	for (j = from; j < to; j++)
	{
		double		e = fabs(forecast_bin(h, m, j) - f(j)) / f(j);

		if (isnan(e) || e > worst)
			worst = isnan(e) ? INFINITY : e;
	}
	return worst;
}

static void
test_seasons(void)
{
	LoadHistory h = {0, 3 * DAY, NULL};
	ForecastModel m;
	double	   *v;
	double		error;

	/* a pure sine: within 2 % over the next day */
	v = series(10 * DAY, sine);
	h.rps = v;
	CHECK(forecast_fit(&h, &m) && !m.weekly && m.daily_growth == 1.0);
	CHECK(max_relative_error(&h, &m, 3 * DAY, 4 * DAY, sine) < 0.02);
	h.n = 9 * DAY;
	CHECK(forecast_fit(&h, &m) && m.weekly && fabs(m.daily_growth - 1.0) < 1e-9);
	CHECK(max_relative_error(&h, &m, 9 * DAY, 10 * DAY, sine) < 0.02);
	CHECK(forecast_day_error(&h, 9 * DAY, &error) && error < 2.0);
	free(v);

	/* flat stays flat */
	v = series(2 * DAY, flat);
	h.rps = v;
	h.n = 2 * DAY;
	CHECK(forecast_fit(&h, &m));
	CHECK(max_relative_error(&h, &m, 2 * DAY, 3 * DAY, flat) == 0);
	free(v);

	/* weekdays and weekend: the weekly season keeps the weekend low and the weekdays high */
	v = series(15 * DAY, weekly);
	h.rps = v;
	h.n = 12 * DAY;				/* days 12 and 13 are a weekend, 14 a weekday */
	CHECK(forecast_fit(&h, &m) && m.weekly);
	CHECK(max_relative_error(&h, &m, 12 * DAY, 13 * DAY, weekly) < 1e-9);
	h.n = 14 * DAY;
	CHECK(forecast_fit(&h, &m));
	CHECK(max_relative_error(&h, &m, 14 * DAY, 15 * DAY, weekly) < 1e-9);
	free(v);

	/* growth: a week of it is seen once there are eight days */
	v = series(10 * DAY, growing);
	h.rps = v;
	h.n = 9 * DAY;
	CHECK(forecast_fit(&h, &m) && fabs(m.daily_growth - 1.05) < 0.001);
	CHECK(max_relative_error(&h, &m, 9 * DAY, 10 * DAY, growing) < 0.01);
	/* with fewer than eight days, fitted to the day levels */
	h.n = 5 * DAY;
	CHECK(forecast_fit(&h, &m) && fabs(m.daily_growth - 1.05) < 0.001);
	CHECK(max_relative_error(&h, &m, 5 * DAY, 6 * DAY, growing) < 0.01);
	h.n = 2 * DAY;				/* two days show no trend */
	CHECK(forecast_fit(&h, &m) && m.daily_growth == 1.0);
	free(v);

	/* a weekend then five weekdays is not a trend: no growth is fitted */
	v = series(12 * DAY, weekly);
	h.rps = v + 5 * DAY;		/* from the first weekend day */
	h.n = 7 * DAY;
	CHECK(forecast_fit(&h, &m) && m.daily_growth == 1.0);
	free(v);
}

static void
test_history_limits(void)
{
	LoadHistory h = {0, DAY - 1, NULL};
	ForecastModel m;
	StoredForecast stored;
	double	   *v = series(2 * DAY, flat);
	double		peak = 0;
	double		error;
	int			i;

	/* shorter than a day: no forecast, and a sentence that says so */
	h.rps = v;
	CHECK(!forecast_fit(&h, &m) && !m.usable && strstr(m.why_not, "needs 24 h") != NULL);
	CHECK(isnan(forecast_bin(&h, &m, DAY)));
	forecast_store(&h, S(86400), &stored);
	CHECK(stored.made && stored.n == 0);
	CHECK(!forecast_peak(&stored, S(86400), S(90000), &peak));
	/* no day before the one to check */
	h.n = 2 * DAY - 1;
	CHECK(!forecast_day_error(&h, 2 * DAY - 1, &error));
	/* a day, but fewer than half of its bins sampled */
	h.n = DAY;
	for (i = 0; i < DAY / 2 + 1; i++)
		v[i] = NAN;
	CHECK(!forecast_fit(&h, &m));
	/* a gap of missing bins is skipped, not read as zero load */
	for (i = 0; i < DAY / 2 + 1; i++)
		v[i] = 80;
	for (i = 10; i < 20; i++)
		v[i] = NAN;
	h.n = 2 * DAY;
	CHECK(forecast_fit(&h, &m) && forecast_bin(&h, &m, 2 * DAY + 15) == 80);
	free(v);

	/* the stored forecast: four hours from the history's end, refreshed hourly or when short */
	v = series(2 * DAY, sine);
	h.rps = v;
	h.start_us = S(86400);
	h.n = 2 * DAY;
	forecast_store(&h, S(3 * 86400), &stored);
	CHECK(stored.n == FORECAST_STORED_BINS && stored.from_us == S(3 * 86400));
	CHECK(fabs(stored.rps[0] - sine(0)) < 1e-9);
	CHECK(forecast_peak(&stored, S(3 * 86400), S(3 * 86400 + 600), &peak) && peak == fmax(stored.rps[0], stored.rps[1]));
	CHECK(!forecast_needs_refresh(&stored, S(3 * 86400 + 3599), 600));
	CHECK(forecast_needs_refresh(&stored, S(3 * 86400 + 3600), 600));
	CHECK(forecast_needs_refresh(&stored, S(3 * 86400 + 100), 4 * 3600));
	CHECK(forecast_needs_refresh(&stored, S(3 * 86400 - 1), 600));
	free(v);
	CHECK(forecast_bin_of(-1) == -1 && forecast_bin_of(0) == 0 && forecast_bin_of(S(300)) == 1);
}

/* an endpoint at 2 replicas of 100 rps capacity with a forecast of `rps` from now on */
static EndpointDecision
decide_with_forecast(const char *rules_json, double rps)
{
	ScalingRules rules;
	RulesError	err;
	EndpointObservation obs;
	EndpointPolicyState state;
	EndpointDecision d;
	int			i;

	CHECK(scaling_rules_parse(rules_json, strlen(rules_json), &rules, &err));
	memset(&obs, 0, sizeof(obs));
	obs.now_us = S(86400);
	obs.has_metrics = true;
	obs.metrics_at_us = obs.now_us;
	ts_decimal_parse("60", &obs.cpu_avg.value);
	obs.cpu_avg.known = true;
	ts_decimal_parse("120", &obs.requests_per_second.value);
	obs.requests_per_second.known = true;
	ts_decimal_parse("100", &obs.replica_capacity_rps.value);
	obs.replica_capacity_rps.known = true;
	obs.ready_replicas = obs.desired_replicas = 2;
	obs.min_replicas = 1;
	obs.max_replicas = 8;
	endpoint_policy_state_init(&state);
	state.forecast.made = true;
	state.forecast.made_at_us = obs.now_us;
	state.forecast.from_us = obs.now_us;
	state.forecast.n = FORECAST_STORED_BINS;
	for (i = 0; i < FORECAST_STORED_BINS; i++)
		state.forecast.rps[i] = i < 2 ? 120 : rps;	/* from the third bin (10 min) on */
	d.explain = true;
	decide_endpoint(&rules.inference, &obs, &state, &d);
	return d;
}

static void
test_policy_floor(void)
{
	EndpointDecision d;

	/* off: the forecast is not looked at */
	d = decide_with_forecast("{}", 600);
	CHECK(d.new_replicas == 2 && d.forecast_replicas == -1);
	/* forecast_only: the floor is said, not applied */
	d = decide_with_forecast("{\"inference\": {\"predictive\": {\"mode\": \"forecast_only\", \"lead_seconds\": 900}}}", 600);
	CHECK(d.new_replicas == 2 && d.forecast_replicas == 10);
	/* forecast_and_scale: 600 rps at 60 % of 100 need 10, bounded by max 8 */
	d = decide_with_forecast("{\"inference\": {\"predictive\": {\"mode\": \"forecast_and_scale\", \"lead_seconds\": 900}}}", 600);
	CHECK(d.new_replicas == 8 && d.forecast_replicas == 10);
	CHECK_STR(d.reason, "predicted_load");
	/* the rise is 10 minutes ahead: a lead of 5 minutes does not see it yet */
	d = decide_with_forecast("{\"inference\": {\"predictive\": {\"mode\": \"forecast_and_scale\", \"lead_seconds\": 300}}}", 600);
	CHECK(d.new_replicas == 2 && d.forecast_replicas == 2);
	/* a forecast below the load never scales in */
	d = decide_with_forecast("{\"inference\": {\"predictive\": {\"mode\": \"forecast_and_scale\"}}}", 10);
	CHECK(d.new_replicas == 2);
}

/* a daily step: 50 rps, 400 from 09:00 to 17:00, at 15 s steps for eight days */
static double
daily_step_at(int64_t step)
{
	int64_t		second = step * 15 % 86400;

	return second >= 9 * 3600 && second < 17 * 3600 ? 400 : 50;
}

/* SLO-breach steps (no replica ready, or demand above 80 % of the ready capacity) on the last day */
static int
breach_steps_last_day(const char *rules_json, int *replica_steps)
{
	ScalingRules rules;
	RulesError	err;
	SimulationSettings settings = {50, {false, {0, 0}}, 1, 1, 40, S(15), S(90), 0};
	Simulator	sim;
	SimulationStep step;
	int			breaches = 0;
	int64_t		i,
				n = 8 * 5760;

	CHECK(scaling_rules_parse(rules_json, strlen(rules_json), &rules, &err));
	CHECK(simulator_init(&sim, &rules.inference, &settings));
	*replica_steps = 0;
	for (i = 0; i < n; i++)
	{
		TsDecimal	demand = ts_decimal_from_int((int64_t) daily_step_at(i));

		simulator_step(&sim, demand, &step);
		if (i >= n - 5760)
		{
			*replica_steps += step.desired_replicas;
			if (step.ready_replicas == 0 || daily_step_at(i) > 0.8 * 50 * step.ready_replicas)
				breaches++;
		}
	}
	simulator_free(&sim);
	return breaches;
}

static void
test_simulated_prediction(void)
{
	int			off_replicas,
				on_replicas;
	int			off = breach_steps_last_day("{}", &off_replicas);
	int			on = breach_steps_last_day("{\"inference\": {\"predictive\": {\"mode\": \"forecast_and_scale\"}}}",
										   &on_replicas);

	/* reactive scaling breaches at the morning step; the forecast is there before it */
	CHECK(off > 0);
	CHECK(on == 0);
	CHECK(on_replicas <= 1.1 * off_replicas);
}

void
test_forecast(void)
{
	test_seasons();
	test_history_limits();
	test_policy_floor();
	test_simulated_prediction();
}
