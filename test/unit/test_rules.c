/* test_rules.c: the scaling_rules parser and validator. */
#include "unit_test.h"
#include "scaling_rules.h"

#include <stdlib.h>

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

	/* duplicates: the last counts, as jsonb keeps it */
	CHECK(parse("{\"training\": {\"scale_out_step\": 0, \"scale_out_step\": 3}}", &rules, &err));
	CHECK(rules.training.scale_out_step == 3);
	CHECK(parse("{\"inference\": {\"step\": 0}, \"inference\": {\"step\": 4}}", &rules, &err));
	CHECK(rules.inference.step == 4);
	CHECK(parse("{}", &rules, &err));
	CHECK(rules.training.scale_out_queue_size == 10);
	CHECK(rules.training.scale_out_step == 2);
	CHECK(rules.training.min_workers == 1);
	CHECK(!rules.training.max_workers_set);
	CHECK(rules.inference.policy == INFERENCE_POLICY_TARGET_TRACKING);
	CHECK(rules.inference.scale_out_cooldown_seconds == 0 && rules.inference.scale_in_cooldown_seconds == 0);
	CHECK(parse("{\"inference\": {\"policy\": \"step\"}}", &rules, &err));
	CHECK(rules.inference.scale_out_cooldown_seconds == 60 && rules.inference.scale_in_cooldown_seconds == 300);
	CHECK(parse("{\"inference\": {\"policy\": \"step\", \"scale_in_cooldown_seconds\": 5}}", &rules, &err));
	CHECK(rules.inference.scale_out_cooldown_seconds == 60 && rules.inference.scale_in_cooldown_seconds == 5);
	CHECK(parse("{}", &rules, &err));
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

/* the document is rejected with exactly this message and detail */
static void
rejects_with(const char *json, const char *message, const char *detail)
{
	ScalingRules rules;
	RulesError	err;

	CHECK(!parse(json, &rules, &err));
	CHECK_STR(err.message, message);
	CHECK_STR(err.detail, detail);
}

static bool
same_decimal(TsDecimal a, const char *text)
{
	TsDecimal	b;

	return ts_decimal_parse(text, &b) && a.coef == b.coef && a.exp == b.exp;
}

/* text repeated to n bytes, between prefix and suffix, parsed; err filled */
static bool
parse_long(const char *prefix, const char *unit, size_t n, const char *suffix,
		   ScalingRules *rules, RulesError *err)
{
	size_t		lp = strlen(prefix),
				lu = strlen(unit),
				ls = strlen(suffix);
	char	   *json = malloc(lp + n + ls + 1);
	size_t		i;
	bool		ok;

	memcpy(json, prefix, lp);
	for (i = 0; i < n; i++)
		json[lp + i] = unit[i % lu];
	memcpy(json + lp + n, suffix, ls + 1);
	ok = scaling_rules_parse(json, lp + n + ls, rules, err);
	free(json);
	return ok;
}

/* Numbers are read from their text, exactly, or refused. */
void
test_rules_numbers(void)
{
	ScalingRules rules;
	RulesError	err;
	char		expected[256];

	/* a double rounds the low threshold to 0.3 and lets it pass above cpu_high */
	rejects_with("{\"inference\": {\"cpu_low\": 0.30000000000000000001, \"cpu_high\": 0.3}}",
				 "invalid scaling_rules: \"inference.cpu_low\" must have at most 18 significant digits",
				 "The value given is 0.30000000000000000001.");
	/* 18 digits are read exactly, so the order check sees the difference */
	rejects("{\"inference\": {\"cpu_low\": 0.300000000000000001, \"cpu_high\": 0.3}}",
			"\"inference.cpu_low\" (0.300000000000000001) must not be greater than \"inference.cpu_high\" (0.3)");
	rejects("{\"training\": {\"scale_in_wait_seconds\": 300.000000000000001}}",
			"\"training.scale_in_wait_seconds\" (300.000000000000001) must not be greater than");
	CHECK(parse("{\"inference\": {\"cpu_low\": 0.299999999999999999, \"cpu_high\": 0.3}}", &rules, &err));

	/* 19 and 20 significant digits are refused, 18 are kept as written */
	rejects_with("{\"inference\": {\"cpu_high\": 0.12345678901234567891}}",
				 "invalid scaling_rules: \"inference.cpu_high\" must have at most 18 significant digits",
				 "The value given is 0.12345678901234567891.");
	rejects("{\"inference\": {\"cpu_high\": 0.1234567890123456789}}", "at most 18 significant digits");
	rejects("{\"training\": {\"scale_out_queue_size\": 1234567890123456789}}",
			"\"training.scale_out_queue_size\" must have at most 18 significant digits");
	rejects("{\"training\": {\"max_workers\": 4.0000000000000000001}}", "at most 18 significant digits");
	CHECK(parse("{\"inference\": {\"cpu_low\": 0.123456789012345678}}", &rules, &err));
	CHECK(same_decimal(rules.inference.cpu_low, "0.123456789012345678"));
	CHECK(parse("{\"inference\": {\"latency_p95_high_ms\": 3599999.99999999999}}", &rules, &err));
	CHECK(same_decimal(rules.inference.latency_p95_high_ms, "3599999.99999999999"));
	/* zeros after the last non-zero digit are not significant */
	CHECK(parse("{\"inference\": {\"cpu_low\": 0.300000000000000000000000}}", &rules, &err));
	CHECK(same_decimal(rules.inference.cpu_low, "0.3"));
	CHECK(parse("{\"training\": {\"scale_out_queue_size\": 1230000000.00000000000000000000}}", &rules, &err));
	CHECK(rules.training.scale_out_queue_size == 1230000000);

	/* integer keys: any exact integer, however written */
	CHECK(parse("{\"training\": {\"max_workers\": 4, \"scale_out_step\": 1E2, \"scale_in_step\": 2.0, "
				"\"min_workers\": 0.4e1, \"scale_out_queue_size\": 40e-1, \"scale_in_queue_size\": 2e0}}",
				&rules, &err));
	CHECK(rules.training.max_workers == 4);
	CHECK(rules.training.scale_out_step == 100);
	CHECK(rules.training.scale_in_step == 2);
	CHECK(rules.training.min_workers == 4);
	CHECK(rules.training.scale_out_queue_size == 4);
	CHECK(rules.training.scale_in_queue_size == 2);
	CHECK(parse("{\"training\": {\"scale_out_queue_size\": 2147483647}}", &rules, &err));
	CHECK(rules.training.scale_out_queue_size == INT32_MAX);
	rejects("{\"training\": {\"scale_out_queue_size\": 2147483648}}", "\"training.scale_out_queue_size\" must be an integer >= 0");
	rejects_with("{\"training\": {\"max_workers\": 4.5}}",
				 "invalid scaling_rules: \"training.max_workers\" must be an integer between 1 and 100000",
				 "The value given is 4.5.");
	/* a double reads this as 4 */
	rejects_with("{\"training\": {\"max_workers\": 4.0000000000000001}}",
				 "invalid scaling_rules: \"training.max_workers\" must be an integer between 1 and 100000",
				 "The value given is 4.0000000000000001.");
	rejects("{\"inference\": {\"step\": 15e-1}}", "\"inference.step\" must be an integer");

	/* -0 is 0, and the detail quotes it as given */
	CHECK(parse("{\"training\": {\"min_workers\": -0}, \"inference\": {\"cpu_low\": -0.0, \"memory_low\": -0e5}}",
				&rules, &err));
	CHECK(rules.training.min_workers == 0);
	CHECK(same_decimal(rules.inference.cpu_low, "0") && same_decimal(rules.inference.memory_low, "0"));
	rejects_with("{\"training\": {\"scale_out_step\": -0}}",
				 "invalid scaling_rules: \"training.scale_out_step\" must be an integer between 1 and 10000",
				 "The value given is -0.");

	/* beyond a double, both ways: range errors, or exact values within the range */
	rejects_with("{\"inference\": {\"latency_p95_high_ms\": 1e400}}",
				 "invalid scaling_rules: \"inference.latency_p95_high_ms\" must be a number between 0 and 3600000",
				 "The value given is 1e400.");
	rejects_with("{\"training\": {\"scale_out_queue_size\": 1e400}}",
				 "invalid scaling_rules: \"training.scale_out_queue_size\" must be an integer >= 0",
				 "The value given is 1e400.");
	rejects("{\"training\": {\"scale_in_wait_seconds\": -1e400}}", "\"training.scale_in_wait_seconds\" must be a number");
	rejects("{\"training\": {\"scale_out_queue_size\": 1e99999999999999999999}}", "\"training.scale_out_queue_size\"");
	rejects("{\"inference\": {\"cpu_low\": -1e-400}}", "\"inference.cpu_low\" must be a number between 0 and 1");
	rejects_with("{\"inference\": {\"step\": 1e-400}}",
				 "invalid scaling_rules: \"inference.step\" must be an integer between 1 and 10000",
				 "The value given is 1e-400.");
	/* 1e-400 is within 0..1 and PostgreSQL numeric keeps it: taken as it is */
	CHECK(parse("{\"inference\": {\"cpu_low\": 1e-400, \"memory_low\": 0, \"memory_high\": 1e-400}}",
				&rules, &err));
	CHECK(same_decimal(rules.inference.cpu_low, "1e-400"));
	CHECK(same_decimal(rules.inference.memory_high, "1e-400"));
	rejects("{\"inference\": {\"cpu_low\": 2e-400, \"cpu_high\": 1e-400}}",
			"\"inference.cpu_low\" (2e-400) must not be greater than \"inference.cpu_high\" (1e-400)");
	/* below what PostgreSQL numeric keeps, where TsDecimal would clamp the exponent */
	CHECK(parse("{\"inference\": {\"cpu_low\": 1e-16383}}", &rules, &err));
	CHECK(same_decimal(rules.inference.cpu_low, "1e-16383"));
	rejects_with("{\"inference\": {\"cpu_low\": 1.5e-16383}}",
				 "invalid scaling_rules: \"inference.cpu_low\" must be a number between 0 and 1",
				 "The value given is 1.5e-16383.");
	CHECK(!parse("{\"inference\": {\"cpu_low\": 2e-2000000000, \"cpu_high\": 1e-2000000000}}", &rules, &err));
	CHECK_STR(err.message, "invalid scaling_rules: \"inference.cpu_low\" must be a number between 0 and 1");
	CHECK_STR(err.hint, "PostgreSQL numeric keeps at most 16383 digits after the decimal point.");

	/* a long number: quoted up to SCALING_RULES_QUOTE_MAX bytes */
	CHECK(!parse_long("{\"inference\": {\"cpu_high\": 0.", "0", 1000000, "1}}", &rules, &err));
	CHECK_STR(err.message, "invalid scaling_rules: \"inference.cpu_high\" must be a number between 0 and 1");
	snprintf(expected, sizeof(expected), "The value given is 0.%.*s....", SCALING_RULES_QUOTE_MAX - 5,
			 "0000000000000000000000000000000000000000000000000000000000000000");
	CHECK_STR(err.detail, expected);
	CHECK(!parse_long("{\"inference\": {\"cpu_high\": 0.", "1", 1000000, "}}", &rules, &err));
	CHECK(strstr(err.message, "at most 18 significant digits") != NULL);
	CHECK(parse_long("{\"inference\": {\"cpu_low\": 0.", "0", 300, "1}}", &rules, &err));
	CHECK(same_decimal(rules.inference.cpu_low, "1e-301"));
	CHECK(parse_long("{\"inference\": {\"cpu_high\": 0.5", "0", 1000000, "}}", &rules, &err));
	CHECK(same_decimal(rules.inference.cpu_high, "0.5"));

	/* digits in strings are not numbers: key names, values, escapes */
	CHECK(parse("{\"inference\": {\"latency_p95_high_ms\": 250, \"cpu_high\": 0.9}}", &rules, &err));
	CHECK(same_decimal(rules.inference.latency_p95_high_ms, "250"));
	CHECK(same_decimal(rules.inference.cpu_high, "0.9"));
	rejects_with("{\"1.5\": 2}", "invalid scaling_rules: unknown key \"1.5\"", "");
	rejects("{\"training\": {\"-3\": 1}}", "unknown key \"training.-3\"");
	rejects_with("{\"training\": {\"max_workers\": \"-4.5e3\"}}",
				 "invalid scaling_rules: \"training.max_workers\" must be an integer between 1 and 100000",
				 "The value given is a string.");
	rejects("{\"x\\\"1\": \"2\\\\\", \"training\": {\"max_workers\": 3}}", "unknown key \"x\"1\"");
	/* numbers in structures the validator refuses still pair up, before and after */
	rejects_with("{\"training\": {\"scale_out_step\": 0}, \"extra\": {\"a\": [1, -2.5e3, {\"b\": 3}], \"c\": \"7\"}}",
				 "invalid scaling_rules: \"training.scale_out_step\" must be an integer between 1 and 10000",
				 "The value given is 0.");
	rejects("{\"extra\": [1, [2, [3.5]], {\"4\": 5}], \"training\": {\"max_workers\": 3}}", "unknown key \"extra\"");
	rejects("{\"training\": {\"max_workers\": [1, 2]}, \"inference\": {\"cpu_high\": 0.9}}",
			"\"training.max_workers\" must be an integer");
	rejects_with("{\"training\": {\"max_workers\": 4, \"min_workers\": 2}, \"inference\": {\"step\": [7], \"cpu_high\": 5}}",
				 "invalid scaling_rules: \"inference.step\" must be an integer between 1 and 10000",
				 "The value given is an array.");
	rejects_with("{\"training\": {\"max_workers\": 4, \"min_workers\": 5}}",
				 "invalid scaling_rules: \"training.min_workers\" (5) must not be greater than \"training.max_workers\" (4)",
				 "A low threshold cannot be above its high threshold; a key not given has its default.");
	rejects("[1, 2.5, -3]", "the document must be a JSON object");
	rejects("-12.5e1", "the document must be a JSON object");
}

/* A key from the document is quoted up to SCALING_RULES_QUOTE_MAX bytes. */
void
test_rules_quotes(void)
{
	ScalingRules rules;
	RulesError	err;
	char		expected[256];
	char		e_acute[64] = "";
	int			i;

	/* 10 MB of key name: 61 bytes and "..." */
	CHECK(!parse_long("{\"training\": {\"", "k", 10 * 1024 * 1024, "\": 1}}", &rules, &err));
	snprintf(expected, sizeof(expected), "invalid scaling_rules: unknown key \"training.%.*s...\"",
			 SCALING_RULES_QUOTE_MAX - 3,
			 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
	CHECK_STR(err.message, expected);
	CHECK(!parse_long("{\"", "abc", 10 * 1024 * 1024, "\": {}}", &rules, &err));
	CHECK(strlen(err.message) == strlen("invalid scaling_rules: unknown key \"\"") + SCALING_RULES_QUOTE_MAX);
	CHECK(strstr(err.message, "...\"") != NULL);

	/* exactly the limit is quoted whole, one more byte is cut */
	CHECK(!parse_long("{\"training\": {\"", "q", SCALING_RULES_QUOTE_MAX, "\": 1}}", &rules, &err));
	CHECK(strstr(err.message, "...") == NULL);
	CHECK(strlen(err.message) == strlen("invalid scaling_rules: unknown key \"training.\"") + SCALING_RULES_QUOTE_MAX);
	CHECK(!parse_long("{\"training\": {\"", "q", SCALING_RULES_QUOTE_MAX + 1, "\": 1}}", &rules, &err));
	CHECK(strstr(err.message, "q...\"") != NULL);

	/* two-byte characters: the cut falls before one, never inside */
	for (i = 0; i < (SCALING_RULES_QUOTE_MAX - 4) / 2; i++)
		strcat(e_acute, "\xc3\xa9");
	CHECK(!parse_long("{\"inference\": {\"", "\xc3\xa9", 1000, "\": 1}}", &rules, &err));
	snprintf(expected, sizeof(expected), "invalid scaling_rules: unknown key \"inference.%s...\"", e_acute);
	CHECK_STR(err.message, expected);
	CHECK(!parse_long("{\"inference\": {\"a", "\xc3\xa9", 1000, "\": 1}}", &rules, &err));
	snprintf(expected, sizeof(expected), "invalid scaling_rules: unknown key \"inference.a%s...\"", e_acute);
	CHECK_STR(err.message, expected);
}
