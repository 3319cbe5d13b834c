/*
 * schedule.c: cron expressions and the windows of schedule.h.
 */
#include "schedule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DAYS_1970_TO_2000 10957
#define MINUTES_PER_DAY 1440
#define US_PER_MINUTE INT64_C(60000000)

typedef struct CronField
{
	const char *name;
	int			lo;
	int			hi;
	const char *const *names;	/* names for lo, lo + 1, ...; NULL: numbers only */
} CronField;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
"oct", "nov", "dec", NULL};
static const char *const weekday_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const CronField fields[5] = {
	{"minute", 0, 59, NULL},
	{"hour", 0, 23, NULL},
	{"day of month", 1, 31, NULL},
	{"month", 1, 12, month_names},
	/* 7 is Sunday too */
	{"day of week", 0, 7, weekday_names}
};

/* a number or a name of the field at *p; -1 when there is none */
static int
read_value(const CronField *f, const char **p)
{
	int			i;

	if (isdigit((unsigned char) **p))
	{
		long		v = 0;

		while (isdigit((unsigned char) **p) && v < 1000)
			v = v * 10 + (*(*p)++ - '0');
		return isdigit((unsigned char) **p) ? -1 : (int) v;
	}
	for (i = 0; f->names && f->names[i]; i++)
		if (strncasecmp(*p, f->names[i], 3) == 0 && !isalpha((unsigned char) (*p)[3]))
		{
			*p += 3;
			return f->lo + i;
		}
	return -1;
}

/* one comma-separated item of field f into *bits */
static bool
parse_item(const CronField *f, const char *item, size_t len, uint64_t *bits, char *error, size_t error_len)
{
	char		text[64];
	const char *p = text;
	int			from = f->lo,
				to = f->hi,
				step = 1,
				v;

	if (len == 0 || len >= sizeof(text))
	{
		snprintf(error, error_len, "The %s field has an empty or overlong item.", f->name);
		return false;
	}
	memcpy(text, item, len);
	text[len] = '\0';
	if (*p == '*')
		p++;
	else
	{
		if ((from = read_value(f, &p)) < 0)
		{
			snprintf(error, error_len, "The %s field has \"%s\", which is not a number%s.", f->name, text,
					 f->names ? " or a name" : "");
			return false;
		}
		to = from;
		if (*p == '-')
		{
			p++;
			if ((to = read_value(f, &p)) < 0)
			{
				snprintf(error, error_len, "The %s field has \"%s\", whose range has no end.", f->name, text);
				return false;
			}
		}
		else if (*p == '/')
			to = f->hi;			/* "a/s": from a to the end */
	}
	if (*p == '/')
	{
		p++;
		if ((step = read_value(&fields[0], &p)) <= 0)	/* a number, never a name */
		{
			snprintf(error, error_len, "The %s field has \"%s\", whose step is not a positive number.", f->name, text);
			return false;
		}
	}
	if (*p != '\0')
	{
		snprintf(error, error_len, "The %s field has \"%s\", which cannot be read.", f->name, text);
		return false;
	}
	if (from < f->lo || to > f->hi || from > to)
	{
		snprintf(error, error_len, "The %s field has \"%s\", outside %d-%d or backwards.", f->name, text,
				 f->lo, f->hi);
		return false;
	}
	for (v = from; v <= to; v += step)
		*bits |= UINT64_C(1) << v;
	return true;
}

bool
cron_parse(const char *text, CronExpr *expr, char *error, size_t error_len)
{
	uint64_t	bits[5] = {0, 0, 0, 0, 0};
	bool		star[5] = {false, false, false, false, false};
	const char *p = text;
	int			n;

	memset(expr, 0, sizeof(*expr));
	for (n = 0; n < 5; n++)
	{
		const char *start;
		const char *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
		{
			snprintf(error, error_len, "A cron expression has five fields (minute hour day-of-month month "
					 "day-of-week); this one has %d.", n);
			return false;
		}
		start = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		end = p;
		/* as Vixie cron: a field that starts with "*" (also "*\/2") is unrestricted for the day rule */
		star[n] = *start == '*';
		while (start < end)
		{
			const char *comma = memchr(start, ',', end - start);
			const char *item_end = comma ? comma : end;

			if (!parse_item(&fields[n], start, item_end - start, &bits[n], error, error_len))
				return false;
			start = comma ? comma + 1 : end;
			if (comma && start == end)
			{
				snprintf(error, error_len, "The %s field ends with a comma.", fields[n].name);
				return false;
			}
		}
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0')
	{
		snprintf(error, error_len, "A cron expression has five fields (minute hour day-of-month month "
				 "day-of-week); this one has more.");
		return false;
	}
	expr->minutes = bits[0];
	expr->hours = (uint32_t) bits[1];
	expr->days = (uint32_t) bits[2];
	expr->months = (uint16_t) bits[3];
	/* Sunday is 0 and 7 */
	expr->weekdays = (uint8_t) ((bits[4] | (bits[4] >> 7)) & 0x7F);
	expr->days_restricted = !star[2];
	expr->weekdays_restricted = !star[4];
	return true;
}

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil) */
static int64_t
days_from_civil(int64_t y, int32_t m, int32_t d)
{
	int64_t		era;
	int64_t		yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t
civil_day_number(int32_t year, int32_t month, int32_t day)
{
	return days_from_civil(year, month, day) - DAYS_1970_TO_2000;
}

void
civil_from_day_number(int64_t day_number, int32_t *year, int32_t *month, int32_t *day)
{
	int64_t		z = day_number + DAYS_1970_TO_2000 + 719468;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*day = (int32_t) (doy - (153 * mp + 2) / 5 + 1);
	*month = (int32_t) (mp < 10 ? mp + 3 : mp - 9);
	*year = (int32_t) (yoe + era * 400 + (*month <= 2));
}

/* Sunday 0; 2000-01-01 was a Saturday */
static int32_t
weekday_of(int64_t day_number)
{
	int64_t		w = (day_number + 6) % 7;

	return (int32_t) (w < 0 ? w + 7 : w);
}

static bool
day_matches(const CronExpr *c, int64_t day_number)
{
	int32_t		year,
				month,
				day;
	bool		by_day,
				by_weekday;

	civil_from_day_number(day_number, &year, &month, &day);
	if (!(c->months >> month & 1))
		return false;
	by_day = c->days >> day & 1;
	by_weekday = c->weekdays >> weekday_of(day_number) & 1;
	if (c->days_restricted && c->weekdays_restricted)
		return by_day || by_weekday;
	return by_day && by_weekday;
}

bool
cron_matches(const CronExpr *c, int64_t day_number, int32_t minute_of_day)
{
	return day_matches(c, day_number) && (c->hours >> (minute_of_day / 60) & 1) &&
		(c->minutes >> (minute_of_day % 60) & 1);
}

bool
local_time_utc(int64_t utc_us, const char *tz, CivilTime *out)
{
	int64_t		minutes = utc_us >= 0 ? utc_us / US_PER_MINUTE : -((-utc_us + US_PER_MINUTE - 1) / US_PER_MINUTE);
	int64_t		day = minutes >= 0 ? minutes / MINUTES_PER_DAY : -((-minutes + MINUTES_PER_DAY - 1) / MINUTES_PER_DAY);

	(void) tz;
	civil_from_day_number(day, &out->year, &out->month, &out->day);
	out->minute_of_day = (int32_t) (minutes - day * MINUTES_PER_DAY);
	return true;
}

/*
 * Minutes back from (day, minute) to the latest start the expression
 * matches, fewer than limit; -1 when none. A day or an hour that cannot
 * match is passed over whole.
 */
static int32_t
minutes_since_start(const CronExpr *c, int64_t day, int32_t minute, int32_t limit)
{
	int64_t		k = 0;

	while (k < limit)
	{
		int32_t		back;

		if (!day_matches(c, day))
			back = minute + 1;
		else if (!(c->hours >> (minute / 60) & 1))
			back = minute % 60 + 1;
		else if (c->minutes >> (minute % 60) & 1)
			return (int32_t) k;
		else
			back = 1;
		k += back;
		minute -= back;
		if (minute < 0)
		{
			day--;
			minute += MINUTES_PER_DAY;
		}
	}
	return -1;
}

void
schedule_bounds(const Schedule *schedule, const char *endpoint_id, int64_t now_us, LocalTimeFn local_time,
				int32_t base_min, int32_t base_max, ScheduledBounds *out)
{
	int32_t		i;

	memset(out, 0, sizeof(*out));
	out->window = out->min_window = out->max_window = -1;
	out->min_count = base_min;
	out->max_count = base_max;
	out->minutes_left = 0;
	for (i = 0; i < schedule->n; i++)
	{
		const ScheduleWindow *w = &schedule->windows[i];
		CivilTime	local;
		int32_t		since;

		if (endpoint_id && w->endpoint_id[0] && strcmp(w->endpoint_id, endpoint_id) != 0)
			continue;
		if (!local_time(now_us, w->timezone[0] ? w->timezone : "UTC", &local))
			continue;
		since = minutes_since_start(&w->cron, civil_day_number(local.year, local.month, local.day),
									local.minute_of_day, w->duration_minutes);
		if (since < 0)
			continue;
		out->in_force = true;
		out->window = i;
		out->minutes_left = w->duration_minutes - since;
		if (w->min_set)
		{
			out->min_scheduled = true;
			out->min_count = w->min_count;
			out->min_window = i;
		}
		if (w->max_set)
		{
			out->max_scheduled = true;
			out->max_count = w->max_count;
			out->max_window = i;
		}
	}
	/* the bound set last moves the other */
	if (out->min_count > out->max_count)
	{
		if (out->min_window > out->max_window)
			out->max_count = out->min_count;
		else
			out->min_count = out->max_count;
	}
}
