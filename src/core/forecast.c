/*
 * forecast.c: the seasonal forecast of forecast.h.
 */
#include "forecast.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY FORECAST_BINS_PER_DAY
#define WEEK (7 * DAY)
#define GROWTH_WEEK_MIN 0.5		/* a week's growth is taken within these bounds */
#define GROWTH_WEEK_MAX 2.0
#define GROWTH_FIT_MIN_DAYS 3	/* fewer days of history show no trend */
#define GROWTH_FIT_MIN_R2 0.9
#define GROWTH_DAY_MIN 0.8		/* a fitted day's growth is taken within these bounds */
#define GROWTH_DAY_MAX 1.25

int64_t
forecast_bin_of(int64_t at_us)
{
	/* floor division: before the epoch too */
	return at_us >= 0 ? at_us / FORECAST_BIN_US : -((-at_us + FORECAST_BIN_US - 1) / FORECAST_BIN_US);
}

static int
compare_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* the lower median of n values (n >= 1), sorting them */
static double
lower_median(double *values, int n)
{
	qsort(values, n, sizeof(double), compare_double);
	return values[(n - 1) / 2];
}

/* The median of the sampled bins of [from, from + DAY); NAN with fewer than half sampled. */
static double
day_level(const LoadHistory *h, int32_t from)
{
	double	   *values;
	double		level = NAN;
	int			n = 0;
	int32_t		i;

	if (from < 0 || from + DAY > h->n)
		return NAN;
	values = malloc(DAY * sizeof(double));
	if (values == NULL)
		return NAN;
	for (i = from; i < from + DAY; i++)
		if (!isnan(h->rps[i]))
			values[n++] = h->rps[i];
	if (n >= DAY / 2)
		level = lower_median(values, n);
	free(values);
	return level;
}

/*
 * Per-day growth of the day levels of the last `days` days, from a
 * least-squares fit of their logarithms; 1 unless the fit explains at least
 * GROWTH_FIT_MIN_R2 of their variance, which a weekday/weekend pattern does
 * not (five high days and two low ones are no trend).
 */
static double
fitted_growth(const LoadHistory *h, int days)
{
	double		sx = 0,
				sy = 0,
				sxx = 0,
				sxy = 0,
				syy = 0;
	int			n = 0;
	int			d;
	double		slope,
				r2,
				var_x,
				var_y;

	for (d = 0; d < days; d++)
	{
		double		level = day_level(h, h->n - (days - d) * DAY);

		if (isnan(level) || !(level > 0))
			continue;
		sx += d;
		sy += log(level);
		sxx += (double) d * d;
		sxy += d * log(level);
		syy += log(level) * log(level);
		n++;
	}
	if (n < GROWTH_FIT_MIN_DAYS)
		return 1.0;
	var_x = sxx - sx * sx / n;
	var_y = syy - sy * sy / n;
	if (!(var_x > 0) || !(var_y > 1e-12))
		return 1.0;
	slope = (sxy - sx * sy / n) / var_x;
	r2 = slope * slope * var_x / var_y;
	if (r2 < GROWTH_FIT_MIN_R2)
		return 1.0;
	return fmin(fmax(exp(slope), GROWTH_DAY_MIN), GROWTH_DAY_MAX);
}

/*
 * Per-day growth: with eight days, the last day against the same weekday a
 * week before (a weekly pattern cancels out); with three to seven, a fit.
 */
static double
daily_growth(const LoadHistory *h)
{
	double		last = day_level(h, h->n - DAY);
	double		week_before = day_level(h, h->n - 8 * DAY);
	double		ratio;

	if (isnan(week_before))
		return fitted_growth(h, h->n / DAY < 7 ? h->n / DAY : 7);
	if (isnan(last) || !(week_before > 0) || !(last > 0))
		return 1.0;
	ratio = last / week_before;
	if (ratio < GROWTH_WEEK_MIN)
		ratio = GROWTH_WEEK_MIN;
	if (ratio > GROWTH_WEEK_MAX)
		ratio = GROWTH_WEEK_MAX;
	return pow(ratio, 1.0 / 7.0);
}

bool
forecast_fit(const LoadHistory *h, ForecastModel *m)
{
	int32_t		first = -1;
	int32_t		i;

	memset(m, 0, sizeof(*m));
	m->daily_growth = 1.0;
	for (i = 0; i < h->n; i++)
		if (!isnan(h->rps[i]))
		{
			if (first < 0)
				first = i;
			m->sampled_bins++;
		}
	if (first < 0 || h->n - first < FORECAST_MIN_BINS || m->sampled_bins < FORECAST_MIN_BINS / 2)
	{
		snprintf(m->why_not, sizeof(m->why_not),
				 "The history has %.1f h with samples in %d of its %d-minute bins; a forecast needs 24 h, "
				 "half of them sampled.", first < 0 ? 0.0 : (h->n - first) * FORECAST_BIN_SECONDS / 3600.0,
				 m->sampled_bins, FORECAST_BIN_SECONDS / 60);
		return false;
	}
	m->usable = true;
	m->weekly = h->n - first > WEEK;
	m->daily_growth = daily_growth(h);
	return true;
}

/* the lower median of bin j's sources spaced `period` bins apart, up to max_sources; NAN if none */
static double
season(const LoadHistory *h, double growth, int64_t j, int32_t period, int max_sources)
{
	double		values[FORECAST_DAILY_SOURCES > FORECAST_WEEKLY_SOURCES ?
						   FORECAST_DAILY_SOURCES : FORECAST_WEEKLY_SOURCES];
	int			n = 0;
	int64_t		k = 1;
	int64_t		s;

	/* the most recent sources before the history's end */
	if (j >= h->n)
		k = (j - h->n) / period + 1;
	for (; n < max_sources && (s = j - k * period) >= 0; k++)
	{
		double		v;

		if (s >= h->n || isnan(v = h->rps[s]))
			continue;
		values[n++] = v * pow(growth, (double) (k * period) / DAY);
	}
	return n == 0 ? NAN : lower_median(values, n);
}

double
forecast_bin(const LoadHistory *h, const ForecastModel *m, int64_t j)
{
	double		daily,
				weekly;

	if (!m->usable)
		return NAN;
	daily = season(h, m->daily_growth, j, DAY, FORECAST_DAILY_SOURCES);
	if (!m->weekly)
		return daily;
	weekly = season(h, m->daily_growth, j, WEEK, FORECAST_WEEKLY_SOURCES);
	if (isnan(weekly))
		return daily;
	if (isnan(daily))
		return weekly;
	return daily < weekly ? daily : weekly;
}

bool
forecast_day_error(const LoadHistory *h, int32_t day_end, double *error_percent)
{
	LoadHistory before = *h;
	ForecastModel m;
	double		abs_error = 0,
				actual = 0;
	int32_t		j;

	if (day_end > h->n || day_end - DAY < 0)
		return false;
	before.n = day_end - DAY;
	if (!forecast_fit(&before, &m))
		return false;
	for (j = day_end - DAY; j < day_end; j++)
	{
		double		f = forecast_bin(&before, &m, j);

		if (isnan(h->rps[j]))
			continue;
		abs_error += fabs((isnan(f) ? 0 : f) - h->rps[j]);
		actual += h->rps[j];
	}
	if (!(actual > 0))
		return false;
	*error_percent = 100.0 * abs_error / actual;
	return true;
}

bool
forecast_needs_refresh(const StoredForecast *stored, int64_t now_us, int32_t lead_s)
{
	if (!stored->made || now_us < stored->made_at_us ||
		now_us - stored->made_at_us >= (int64_t) FORECAST_REFRESH_SECONDS * 1000000)
		return true;
	/* a usable forecast that no longer reaches as far as the decision looks */
	return stored->n > 0 &&
		now_us + (int64_t) lead_s * 1000000 > stored->from_us + stored->n * FORECAST_BIN_US;
}

void
forecast_store(const LoadHistory *h, int64_t now_us, StoredForecast *stored)
{
	ForecastModel m;
	int32_t		i;

	memset(stored, 0, sizeof(*stored));
	stored->made = true;
	stored->made_at_us = now_us;
	stored->from_us = h->start_us + h->n * FORECAST_BIN_US;
	if (!forecast_fit(h, &m))
		return;
	for (i = 0; i < FORECAST_STORED_BINS; i++)
	{
		double		f = forecast_bin(h, &m, (int64_t) h->n + i);

		stored->rps[i] = isnan(f) ? 0 : f;
	}
	stored->n = FORECAST_STORED_BINS;
}

bool
forecast_peak(const StoredForecast *stored, int64_t from_us, int64_t to_us, double *peak)
{
	bool		found = false;
	int32_t		i;

	for (i = 0; i < stored->n; i++)
	{
		int64_t		start = stored->from_us + i * FORECAST_BIN_US;

		if (start + FORECAST_BIN_US <= from_us || start >= to_us)
			continue;
		if (!found || stored->rps[i] > *peak)
			*peak = stored->rps[i];
		found = true;
	}
	return found;
}
