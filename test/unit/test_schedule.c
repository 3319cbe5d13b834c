/* test_schedule.c: cron expressions, wall-clock days and schedule windows (schedule.c). */
#include "unit_test.h"

#include "endpoint_policy.h"
#include "schedule.h"
#include "scaling_rules.h"

#define MINUTE INT64_C(60000000)
#define DAY (1440 * MINUTE)

static bool
parses(const char *text)
{
	CronExpr	c;
	char		error[160];

	return cron_parse(text, &c, error, sizeof(error));
}

/* 2024-01-01 (a Monday) at hh:mm UTC, in microseconds since 2000-01-01 */
static int64_t
at(int day_of_january, int hour, int minute)
{
	return (civil_day_number(2024, 1, day_of_january) * 1440 + hour * 60 + minute) * MINUTE;
}

static bool
matches(const char *text, int64_t t)
{
	CronExpr	c;
	char		error[160];
	CivilTime	local;

	CHECK(cron_parse(text, &c, error, sizeof(error)));
	local_time_utc(t, "UTC", &local);
	return cron_matches(&c, civil_day_number(local.year, local.month, local.day), local.minute_of_day);
}

static void
test_cron(void)
{
	CronExpr	c;
	char		error[160];
	int32_t		y,
				m,
				d;

	/* the calendar: 2000-01-01 is day 0, a Saturday; 2024-02-29 exists */
	CHECK(civil_day_number(2000, 1, 1) == 0);
	civil_from_day_number(civil_day_number(2024, 2, 29), &y, &m, &d);
	CHECK(y == 2024 && m == 2 && d == 29);
	civil_from_day_number(-1, &y, &m, &d);
	CHECK(y == 1999 && m == 12 && d == 31);

	CHECK(matches("0 8 * * *", at(1, 8, 0)) && !matches("0 8 * * *", at(1, 8, 1)));
	CHECK(matches("*/15 * * * *", at(3, 13, 45)) && !matches("*/15 * * * *", at(3, 13, 46)));
	/* weekdays by number and by name; 2024-01-06 is a Saturday, 01-07 a Sunday (0 and 7) */
	CHECK(matches("0 9 * * 1-5", at(5, 9, 0)) && !matches("0 9 * * 1-5", at(6, 9, 0)));
	CHECK(matches("0 9 * * MON-FRI", at(1, 9, 0)) && !matches("0 9 * * mon-fri", at(7, 9, 0)));
	CHECK(matches("0 9 * * 0", at(7, 9, 0)) && matches("0 9 * * 7", at(7, 9, 0)) && matches("0 9 * * sun", at(7, 9, 0)));
	CHECK(matches("30 6-18/6 * * *", at(2, 12, 30)) && !matches("30 6-18/6 * * *", at(2, 15, 30)));
	CHECK(matches("0 0 1,15 * *", at(15, 0, 0)) && !matches("0 0 1,15 * *", at(14, 0, 0)));
	CHECK(matches("0 0 * jan *", at(20, 0, 0)) && !matches("0 0 * feb-dec *", at(20, 0, 0)));
	/* both days restricted: either matches (Vixie cron); the 13th, or any Friday */
	CHECK(matches("0 0 13 * 5", at(13, 0, 0)) && matches("0 0 13 * 5", at(5, 0, 0)) && !matches("0 0 13 * 5", at(4, 0, 0)));
	CHECK(matches("5/20 * * * *", at(1, 0, 45)) && !matches("5/20 * * * *", at(1, 0, 40)));
	/* a day field starting with "*" is unrestricted for the rule (Vixie): odd days that are Mondays */
	CHECK(matches("0 0 */2 * 1", at(1, 0, 0)) && !matches("0 0 */2 * 1", at(3, 0, 0)) &&
		  !matches("0 0 */2 * 1", at(8, 0, 0)) && matches("0 0 */2 * 1", at(15, 0, 0)));

	/* refused, with the field named */
	CHECK(!cron_parse("0 8 * *", &c, error, sizeof(error)) && strstr(error, "five fields") != NULL);
	CHECK(!cron_parse("0 8 * * * *", &c, error, sizeof(error)) && strstr(error, "more") != NULL);
	CHECK(!cron_parse("60 8 * * *", &c, error, sizeof(error)) && strstr(error, "minute") != NULL);
	CHECK(!cron_parse("0 24 * * *", &c, error, sizeof(error)) && strstr(error, "hour") != NULL);
	CHECK(!cron_parse("0 8 0 * *", &c, error, sizeof(error)) && strstr(error, "day of month") != NULL);
	CHECK(!cron_parse("0 8 * 13 *", &c, error, sizeof(error)) && strstr(error, "month") != NULL);
	CHECK(!cron_parse("0 8 * * 8", &c, error, sizeof(error)) && strstr(error, "day of week") != NULL);
	CHECK(!parses("0 8 * * mo") && !parses("*/0 * * * *") && !parses("5-1 * * * *") && !parses("1, * * * *"));
	CHECK(!parses("a * * * *") && !parses("1-* * * * *") && !parses("") && !parses("0 8 * * mon-") && !parses("99999999999 * * * *"));
	CHECK(parses("  0   8 * * *  ") && parses("0,30 8-17 * * mon,wed,fri"));
}

static void
test_windows(void)
{
	const char *json = "{\"inference\": {\"schedule\": ["
		"{\"cron\": \"0 8 * * mon-fri\", \"duration_minutes\": 600, \"min_replicas\": 10},"
		"{\"cron\": \"0 12 * * *\", \"duration_minutes\": 60, \"max_replicas\": 6, \"endpoint_id\": \"chat\"}]}}";
	ScalingRules rules;
	RulesError	err;
	ScheduledBounds b;

	CHECK(scaling_rules_parse(json, strlen(json), &rules, &err));
	CHECK(rules.inference.schedule.n == 2 && rules.inference.schedule.windows[0].min_set &&
		  !rules.inference.schedule.windows[0].max_set);
	/* Monday 09:30: the first window, 510 minutes left */
	schedule_bounds(&rules.inference.schedule, "embed", at(1, 9, 30), local_time_utc, 1, 20, &b);
	CHECK(b.in_force && b.window == 0 && b.min_count == 10 && b.max_count == 20 && b.minutes_left == 510);
	/* before 08:00, after 18:00, on Saturday: not in force */
	schedule_bounds(&rules.inference.schedule, "embed", at(1, 7, 59), local_time_utc, 1, 20, &b);
	CHECK(!b.in_force && b.min_count == 1);
	schedule_bounds(&rules.inference.schedule, "embed", at(1, 18, 0), local_time_utc, 1, 20, &b);
	CHECK(!b.in_force);
	schedule_bounds(&rules.inference.schedule, "embed", at(6, 9, 0), local_time_utc, 1, 20, &b);
	CHECK(!b.in_force);
	/* a window that began yesterday is still in force past midnight */
	{
		const char *night = "{\"training\": {\"schedule\": [{\"cron\": \"0 22 * * *\", \"duration_minutes\": 240,"
			" \"min_workers\": 3}]}}";

		CHECK(scaling_rules_parse(night, strlen(night), &rules, &err));
		schedule_bounds(&rules.training.schedule, NULL, at(2, 1, 59), local_time_utc, 1, 10, &b);
		CHECK(b.in_force && b.min_count == 3 && b.minutes_left == 1);
		schedule_bounds(&rules.training.schedule, NULL, at(2, 2, 0), local_time_utc, 1, 10, &b);
		CHECK(!b.in_force);
	}
	/* at 12:10 on Monday both: the endpoint's own window lowers the maximum below the minimum of the first */
	CHECK(scaling_rules_parse(json, strlen(json), &rules, &err));
	schedule_bounds(&rules.inference.schedule, "chat", at(1, 12, 10), local_time_utc, 1, 20, &b);
	CHECK(b.in_force && b.window == 1 && b.max_count == 6 && b.min_count == 6);
	schedule_bounds(&rules.inference.schedule, "embed", at(1, 12, 10), local_time_utc, 1, 20, &b);
	CHECK(b.window == 0 && b.max_count == 20 && b.min_count == 10);
	/* a minimum above the endpoint's maximum raises it */
	schedule_bounds(&rules.inference.schedule, "embed", at(1, 9, 0), local_time_utc, 1, 4, &b);
	CHECK(b.min_count == 10 && b.max_count == 10);

	/* the policy follows the scheduled bounds at once, and says why */
	{
		EndpointObservation obs;
		EndpointPolicyState state;
		EndpointDecision d;

		memset(&obs, 0, sizeof(obs));
		obs.now_us = at(1, 8, 0);
		obs.ready_replicas = obs.desired_replicas = 2;
		obs.min_replicas = 1;
		obs.max_replicas = 20;
		endpoint_apply_schedule(&rules.inference, "embed", local_time_utc, &obs);
		CHECK(obs.min_replicas == 10 && obs.schedule.in_force);
		endpoint_policy_state_init(&state);
		d.explain = true;
		decide_endpoint(&rules.inference, &obs, &state, &d);
		CHECK(d.new_replicas == 10);
		CHECK_STR(d.reason, "scheduled_min_replicas");
		/* the step policy too, metrics or not, when a schedule sets the bound */
		{
			const char *step = "{\"inference\": {\"policy\": \"step\", \"schedule\": [{\"cron\": \"0 8 * * *\","
				" \"duration_minutes\": 60, \"min_replicas\": 5}]}}";
			ScalingRules step_rules;

			CHECK(scaling_rules_parse(step, strlen(step), &step_rules, &err));
			obs.min_replicas = 1;
			obs.max_replicas = 20;
			endpoint_apply_schedule(&step_rules.inference, "embed", local_time_utc, &obs);
			decide_endpoint(&step_rules.inference, &obs, &state, &d);
			CHECK(d.new_replicas == 5);
			CHECK_STR(d.reason, "scheduled_min_replicas");
			/* outside the window the step policy keeps the seed's way: nothing without metrics */
			obs.now_us = at(1, 10, 0);
			obs.min_replicas = 3;
			endpoint_apply_schedule(&step_rules.inference, "embed", local_time_utc, &obs);
			decide_endpoint(&step_rules.inference, &obs, &state, &d);
			CHECK(d.new_replicas == 2);
			CHECK_STR(d.reason, "no_recent_metrics");
		}
	}

	/* bad windows */
	{
		const char *bad[] = {
			"{\"inference\": {\"schedule\": [{\"cron\": \"0 8 * *\", \"duration_minutes\": 60, \"min_replicas\": 1}]}}",
			"{\"inference\": {\"schedule\": [{\"cron\": \"0 8 * * *\", \"duration_minutes\": 60}]}}",
			"{\"inference\": {\"schedule\": [{\"cron\": \"0 8 * * *\", \"min_replicas\": 1}]}}",
			"{\"inference\": {\"schedule\": [{\"cron\": \"0 8 * * *\", \"duration_minutes\": 10081, \"min_replicas\": 1}]}}",
			"{\"inference\": {\"schedule\": [{\"cron\": \"0 8 * * *\", \"duration_minutes\": 60, \"min_replicas\": 5, \"max_replicas\": 4}]}}",
			"{\"inference\": {\"schedule\": [{\"cron\": \"0 8 * * *\", \"duration_minutes\": 60, \"min_workers\": 1}]}}",
			"{\"inference\": {\"schedule\": [{\"cron\": \"0 8 * * *\", \"duration_minutes\": 60, \"min_replicas\": 1, \"timezone\": \"\"}]}}",
			"{\"inference\": {\"schedule\": []}}",
			"{\"inference\": {\"schedule\": {}}}",
			"{\"training\": {\"schedule\": [{\"cron\": 8, \"duration_minutes\": 60, \"min_workers\": 1}]}}",
			NULL
		};
		int			i;

		for (i = 0; bad[i]; i++)
			CHECK(!scaling_rules_parse(bad[i], strlen(bad[i]), &rules, &err) &&
				  strncmp(err.message, "invalid scaling_rules: ", 23) == 0);
	}
}

void
test_schedule(void)
{
	test_cron();
	test_windows();
}
