/*
 * forecast.h: an endpoint's request rate ahead, from its own history
 * (README, Predictive scaling).
 *
 * The history is binned: the mean request rate of each FORECAST_BIN_SECONDS
 * since the epoch. The forecast of a bin is the lower median of the same bin
 * on each of the last seven days and, once there is a week of history, the
 * lesser of that and the lower median of the same bin one to four weeks
 * back; each source is first scaled by the growth since its day (the ratio
 * of the last day's median to that of the same weekday a week before, once
 * eight days are known; before, a log-linear fit of the day medians when it
 * explains 90 % of their variance, which a weekly pattern does not). A lower median and the lesser of the two seasons
 * keep a one-off event (yesterday's or last week's) out of the forecast and
 * follow a weekday/weekend pattern, since the forecast is only ever a floor
 * under the reactive policy: too low costs nothing the reactive policy does
 * not already pay; too high costs replicas.
 *
 * Pure: the cycle, forecast_endpoint_load and the simulator bin their
 * history and call these.
 */
#ifndef FORECAST_H
#define FORECAST_H

#include <stdbool.h>
#include <stdint.h>

#define FORECAST_BIN_SECONDS 300
#define FORECAST_BIN_US ((int64_t) FORECAST_BIN_SECONDS * 1000000)
#define FORECAST_BINS_PER_DAY (86400 / FORECAST_BIN_SECONDS)
#define FORECAST_DAILY_SOURCES 7	/* days back */
#define FORECAST_WEEKLY_SOURCES 4	/* weeks back */
/* the most history read: four weeks and the day before them for the growth */
#define FORECAST_HISTORY_BINS ((FORECAST_WEEKLY_SOURCES * 7 + 1) * FORECAST_BINS_PER_DAY)
/* a forecast needs a day of history with samples in half of its bins */
#define FORECAST_MIN_BINS FORECAST_BINS_PER_DAY

/* The binned history, oldest first; NAN where a bin has no sample. */
typedef struct LoadHistory
{
	int64_t		start_us;		/* start of rps[0], a multiple of FORECAST_BIN_US */
	int32_t		n;				/* bins: the last ends where the forecast starts */
	const double *rps;
} LoadHistory;

typedef struct ForecastModel
{
	bool		usable;
	char		why_not[128];	/* when not usable, a sentence */
	int32_t		sampled_bins;	/* bins with a sample */
	double		daily_growth;	/* per day; 1 when none is seen */
	bool		weekly;			/* a week of history: the weekly season counts */
} ForecastModel;

/* The bin that holds at_us, as an index from the epoch. */
extern int64_t forecast_bin_of(int64_t at_us);

extern bool forecast_fit(const LoadHistory *history, ForecastModel *model);

/*
 * The forecast of bin j (an index into the history's bins, j >= n for the
 * future) from the bins before n; NAN when no source bin has a sample.
 */
extern double forecast_bin(const LoadHistory *history, const ForecastModel *model, int64_t j);

/*
 * The error of a day-ahead forecast of the day that ends at bin day_end
 * (made from the history before that day), as the weighted absolute
 * percentage error (sum |forecast - actual| / sum actual x 100). false when
 * that history is too short or the day has no load.
 */
extern bool forecast_day_error(const LoadHistory *history, int32_t day_end, double *error_percent);

/* What an endpoint keeps of its forecast between decisions (endpoint_scaling_state). */
#define FORECAST_STORED_BINS 48	/* four hours */
#define FORECAST_REFRESH_SECONDS 3600

typedef struct StoredForecast
{
	bool		made;			/* a forecast was attempted at made_at_us */
	int64_t		made_at_us;
	int64_t		from_us;		/* start of rps[0] */
	int32_t		n;				/* 0: no forecast (too little history) */
	double		rps[FORECAST_STORED_BINS];
} StoredForecast;

/* Whether a decision at now_us looking lead_s ahead needs a new forecast. */
extern bool forecast_needs_refresh(const StoredForecast *stored, int64_t now_us, int32_t lead_s);

/* Forecast the bins from the history's end on, as far as fits, into stored. */
extern void forecast_store(const LoadHistory *history, int64_t now_us, StoredForecast *stored);

/* The highest forecast of the bins that overlap [from_us, to_us); false when none is known. */
extern bool forecast_peak(const StoredForecast *stored, int64_t from_us, int64_t to_us, double *peak);

#endif
