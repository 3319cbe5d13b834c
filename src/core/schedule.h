/*
 * schedule.h: recurring windows that set a resource's bounds (README,
 * Scheduled scaling), as AWS scheduled actions and KEDA's cron scaler do.
 *
 * A window starts at each minute its cron expression matches, in its time
 * zone's wall-clock time, and lasts duration_minutes of wall-clock time;
 * while it lasts, it sets the minimum and/or maximum of the endpoint's
 * replicas or of the tenant's training workers. Of the windows in force,
 * the one listed last sets each bound it gives.
 *
 * Pure: the wall-clock time of an instant in a time zone comes from the
 * caller (LocalTimeFn), PostgreSQL's time zone data in the extension.
 */
#ifndef SCHEDULE_H
#define SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A parsed five-field cron expression: minute hour day-of-month month day-of-week. */
typedef struct CronExpr
{
	uint64_t	minutes;		/* bit n: minute n, 0-59 */
	uint32_t	hours;			/* 0-23 */
	uint32_t	days;			/* 1-31 */
	uint16_t	months;			/* 1-12 */
	uint8_t		weekdays;		/* 0-6, Sunday 0 */
	bool		days_restricted;	/* day of month not "*" */
	bool		weekdays_restricted;	/* day of week not "*" */
} CronExpr;

/*
 * Parse text; false with a sentence in error (of error_len bytes) saying
 * which field is wrong and why. Fields take "*", "n", "a-b", "*\/s",
 * "a-b/s", "a/s" and lists of these; months JAN-DEC and days SUN-SAT by
 * name; day of week 7 is Sunday. When both days are restricted, either
 * matches, as in Vixie cron.
 */
extern bool cron_parse(const char *text, CronExpr *expr, char *error, size_t error_len);

/* Wall-clock time; days are counted from 2000-01-01 (PostgreSQL's epoch). */
typedef struct CivilTime
{
	int32_t		year;
	int32_t		month;			/* 1-12 */
	int32_t		day;			/* 1-31 */
	int32_t		minute_of_day;	/* 0-1439 */
} CivilTime;

extern bool cron_matches(const CronExpr *expr, int64_t day_number, int32_t minute_of_day);
extern int64_t civil_day_number(int32_t year, int32_t month, int32_t day);
extern void civil_from_day_number(int64_t day_number, int32_t *year, int32_t *month, int32_t *day);

/* The wall-clock time of utc_us (microseconds since 2000-01-01 UTC) in time zone tz; false if unknown. */
typedef bool (*LocalTimeFn) (int64_t utc_us, const char *tz, CivilTime *out);

/* UTC wall-clock time, whatever tz says (unit tests, fuzzing). */
extern bool local_time_utc(int64_t utc_us, const char *tz, CivilTime *out);

#define SCHEDULE_MAX_WINDOWS 8
#define SCHEDULE_TZ_MAX 48		/* bytes of a time zone name, with its terminator */
#define SCHEDULE_ENDPOINT_MAX 254	/* bytes of an endpoint id (at most 253), with its terminator */
#define SCHEDULE_MAX_DURATION_MINUTES 10080 /* a week */

typedef struct ScheduleWindow
{
	CronExpr	cron;
	char		timezone[SCHEDULE_TZ_MAX];	/* "" is UTC */
	char		endpoint_id[SCHEDULE_ENDPOINT_MAX]; /* "": every endpoint (inference only) */
	int32_t		duration_minutes;
	int32_t		min_count;
	int32_t		max_count;
	bool		min_set;
	bool		max_set;
} ScheduleWindow;

typedef struct Schedule
{
	int32_t		n;
	ScheduleWindow windows[SCHEDULE_MAX_WINDOWS];
} Schedule;

/* The bounds in force at now_us, and the windows that set them; all false when zeroed. */
typedef struct ScheduledBounds
{
	bool		in_force;		/* a window is in force */
	bool		min_scheduled;	/* min_count is a window's, else the base */
	bool		max_scheduled;
	int32_t		window;			/* the last window in force */
	int32_t		min_window;		/* the window that set min_count */
	int32_t		max_window;
	int32_t		min_count;
	int32_t		max_count;
	int32_t		minutes_left;	/* of the last window in force */
} ScheduledBounds;

/*
 * The bounds at now_us: base_min/base_max unless windows in force for
 * endpoint_id (NULL: training, where every window counts) set them; a
 * minimum set above the maximum raises the maximum to it, and the reverse.
 * A window whose time zone local_time does not know is not in force.
 */
extern void schedule_bounds(const Schedule *schedule, const char *endpoint_id, int64_t now_us,
							LocalTimeFn local_time, int32_t base_min, int32_t base_max,
							ScheduledBounds *out);

#endif
