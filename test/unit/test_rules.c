/* test_rules.c: the scaling_rules parser and validator. */
#include "unit_test.h"
#include "scaling_rules.h"

static bool
parse(const char *json, ScalingRules *rules, RulesError *err)
{
	return scaling_rules_parse(json, strlen(json), rules, err);
}

/* the document is rejected and the message contains what */
static void
rejects(const char *json, const char *what)
{
	ScalingRules rules;
	RulesError	err;
	bool		ok = parse(json, &rules, &err);

	CHECK(!ok);
	if (!ok && strstr(err.message, what) == NULL)
	{
		unit_failed++;
		fprintf(stderr, "for %s: message \"%s\" lacks \"%s\"\n", json, err.message, what);
	}
	else if (!ok)
		unit_passed++;
}

void
test_rules(void)
{
	ScalingRules rules;
	RulesError	err;
	TsDecimal	d;

	CHECK(parse("{}", &rules, &err));
	CHECK(rules.training.scale_out_queue_size == 10);
	CHECK(rules.training.scale_out_step == 2);
	CHECK(rules.training.min_workers == 1);
	CHECK(!rules.training.max_workers_set);
	CHECK(rules.inference.scale_out_cooldown_seconds == 60);
	CHECK(ts_decimal_parse("1.2", &d) && ts_decimal_cmp(rules.inference.rps_high_factor, d) == 0);

	CHECK(parse("{\"training\": {\"max_workers\": 4, \"scale_out_step\": 3, "
				"\"scale_out_wait_seconds\": 120.5}, "
				"\"inference\": {\"cpu_high\": 0.75, \"step\": 2}}", &rules, &err));
	CHECK(rules.training.max_workers_set && rules.training.max_workers == 4);
	CHECK(rules.training.scale_out_step == 3);
	CHECK(ts_decimal_parse("120.5", &d) && ts_decimal_cmp(rules.training.scale_out_wait_seconds, d) == 0);
	CHECK(ts_decimal_parse("0.75", &d) && ts_decimal_cmp(rules.inference.cpu_high, d) == 0);
	CHECK(rules.inference.step == 2);
	CHECK(parse("  {\"training\": {}}\n", &rules, &err));
	CHECK(parse("{\"inference\": {\"cpu_low\": 0.8, \"cpu_high\": 0.8}}", &rules, &err));
	CHECK(parse("{\"training\": {\"min_workers\": 0}}", &rules, &err));
	CHECK(parse("{\"training\": {\"min_workers\": 20}}", &rules, &err));	/* clamped to the ceiling later */

	/* the message of the design card, word for word */
	CHECK(!parse("{\"training\": {\"scale_out_step\": 0}}", &rules, &err));
	CHECK_STR(err.message, "invalid scaling_rules: \"training.scale_out_step\" must be an integer between 1 and 10000");
	CHECK_STR(err.detail, "The value given is 0.");

	CHECK(!parse("{\"training\": {\"bogus\": 1}}", &rules, &err));
	CHECK_STR(err.message, "invalid scaling_rules: unknown key \"training.bogus\"");
	CHECK(strstr(err.hint, "scale_out_queue_size") != NULL);

	rejects("", "not a valid JSON document");
	rejects("{", "not a valid JSON document");
	rejects("{} {}", "not a valid JSON document");
	rejects("[]", "the document must be a JSON object");
	rejects("null", "the document must be a JSON object");
	rejects("42", "the document must be a JSON object");
	rejects("{\"scaling\": {}}", "unknown key \"scaling\"");
	rejects("{\"training\": []}", "\"training\" must be an object");
	rejects("{\"inference\": null}", "\"inference\" must be an object");
	rejects("{\"training\": {\"max_workers\": \"4\"}}", "\"training.max_workers\" must be an integer");
	rejects("{\"training\": {\"max_workers\": 2.5}}", "\"training.max_workers\" must be an integer");
	rejects("{\"training\": {\"max_workers\": 0}}", "\"training.max_workers\"");
	rejects("{\"training\": {\"max_workers\": 1e9}}", "\"training.max_workers\"");
	rejects("{\"training\": {\"scale_out_queue_size\": -1}}", "\"training.scale_out_queue_size\" must be an integer >= 0");
	rejects("{\"training\": {\"scale_in_wait_seconds\": -5}}", "\"training.scale_in_wait_seconds\" must be a number");
	rejects("{\"training\": {\"scale_in_cooldown_seconds\": -1}}", "\"training.scale_in_cooldown_seconds\"");
	rejects("{\"training\": {\"scale_out_cooldown_seconds\": 86401}}", "\"training.scale_out_cooldown_seconds\"");
	rejects("{\"training\": {\"scale_in_step\": true}}", "\"training.scale_in_step\"");
	rejects("{\"training\": {\"min_workers\": 5, \"max_workers\": 4}}",
			"\"training.min_workers\" (5) must not be greater than \"training.max_workers\" (4)");
	rejects("{\"training\": {\"scale_in_queue_size\": 11}}",
			"\"training.scale_in_queue_size\" (11) must not be greater than \"training.scale_out_queue_size\" (10)");
	rejects("{\"training\": {\"scale_out_wait_seconds\": 30}}", "\"training.scale_in_wait_seconds\" (60)");
	rejects("{\"inference\": {\"cpu_high\": 1.5}}", "\"inference.cpu_high\" must be a number between 0 and 1");
	rejects("{\"inference\": {\"memory_low\": -0.1}}", "\"inference.memory_low\"");
	rejects("{\"inference\": {\"cpu_low\": 0.9}}",
			"\"inference.cpu_low\" (0.9) must not be greater than \"inference.cpu_high\" (0.8)");
	rejects("{\"inference\": {\"latency_p95_low_ms\": 300}}", "\"inference.latency_p95_low_ms\" (300)");
	rejects("{\"inference\": {\"rps_low_factor\": 2}}", "\"inference.rps_low_factor\" (2)");
	rejects("{\"inference\": {\"step\": 0}}", "\"inference.step\"");
	rejects("{\"inference\": {\"rps_high_factor\": {}}}", "\"inference.rps_high_factor\"");
	rejects("{\"inference\": {\"latency_p95_high_ms\": 1e400}}", "\"inference.latency_p95_high_ms\"");
	rejects("{\"inference\": {\"max_workers\": 3}}", "unknown key \"inference.max_workers\"");
}
