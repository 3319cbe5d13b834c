/*
 * scaling_rules.c: parse and validate scaling_rules with libcjson.
 *
 * Every key is described once in a table (name, kind, range, where it goes),
 * so the parser, the range checks and the error messages cannot drift apart.
 */
#include "scaling_rules.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef enum RuleKind
{
	RULE_INTEGER,
	RULE_NUMBER
} RuleKind;

typedef struct RuleKey
{
	const char *name;
	RuleKind	kind;
	double		min;
	double		max;
	size_t		offset;			/* into TrainingRules or InferenceRules */
} RuleKey;

/* a pair of keys where the low threshold must not exceed the high one */
typedef struct RuleOrder
{
	const char *low;
	const char *high;
} RuleOrder;

typedef struct RuleSection
{
	const char *name;
	size_t		offset;			/* into ScalingRules */
	const RuleKey *keys;
	const RuleOrder *orders;
} RuleSection;

#define ONE_YEAR_SECONDS 31536000.0
#define ONE_DAY_SECONDS 86400.0
#define ONE_HOUR_MS 3600000.0
#define MAX_STEP 10000.0
#define MAX_WORKERS 100000.0

#define T(field) offsetof(TrainingRules, field)
static const RuleKey training_keys[] = {
	{"scale_out_queue_size", RULE_INTEGER, 0, INT32_MAX, T(scale_out_queue_size)},
	{"scale_out_wait_seconds", RULE_NUMBER, 0, ONE_YEAR_SECONDS, T(scale_out_wait_seconds)},
	{"scale_in_queue_size", RULE_INTEGER, 0, INT32_MAX, T(scale_in_queue_size)},
	{"scale_in_wait_seconds", RULE_NUMBER, 0, ONE_YEAR_SECONDS, T(scale_in_wait_seconds)},
	{"scale_out_step", RULE_INTEGER, 1, MAX_STEP, T(scale_out_step)},
	{"scale_in_step", RULE_INTEGER, 1, MAX_STEP, T(scale_in_step)},
	{"min_workers", RULE_INTEGER, 0, MAX_WORKERS, T(min_workers)},
	{"max_workers", RULE_INTEGER, 1, MAX_WORKERS, T(max_workers)},
	{"scale_in_cooldown_seconds", RULE_INTEGER, 0, ONE_DAY_SECONDS, T(scale_in_cooldown_seconds)},
	{"scale_out_cooldown_seconds", RULE_INTEGER, 0, ONE_DAY_SECONDS, T(scale_out_cooldown_seconds)},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
#undef T

#define I(field) offsetof(InferenceRules, field)
static const RuleKey inference_keys[] = {
	{"cpu_high", RULE_NUMBER, 0, 1, I(cpu_high)},
	{"memory_high", RULE_NUMBER, 0, 1, I(memory_high)},
	{"latency_p95_high_ms", RULE_NUMBER, 0, ONE_HOUR_MS, I(latency_p95_high_ms)},
	{"rps_high_factor", RULE_NUMBER, 0, 1000, I(rps_high_factor)},
	{"cpu_low", RULE_NUMBER, 0, 1, I(cpu_low)},
	{"memory_low", RULE_NUMBER, 0, 1, I(memory_low)},
	{"latency_p95_low_ms", RULE_NUMBER, 0, ONE_HOUR_MS, I(latency_p95_low_ms)},
	{"rps_low_factor", RULE_NUMBER, 0, 1000, I(rps_low_factor)},
	{"step", RULE_INTEGER, 1, MAX_STEP, I(step)},
	{"scale_in_cooldown_seconds", RULE_INTEGER, 0, ONE_DAY_SECONDS, I(scale_in_cooldown_seconds)},
	{"scale_out_cooldown_seconds", RULE_INTEGER, 0, ONE_DAY_SECONDS, I(scale_out_cooldown_seconds)},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
#undef I

static const RuleOrder training_orders[] = {
	{"scale_in_queue_size", "scale_out_queue_size"},
	{"scale_in_wait_seconds", "scale_out_wait_seconds"},
	{"min_workers", "max_workers"},
	{NULL, NULL}
};

static const RuleOrder inference_orders[] = {
	{"cpu_low", "cpu_high"},
	{"memory_low", "memory_high"},
	{"latency_p95_low_ms", "latency_p95_high_ms"},
	{"rps_low_factor", "rps_high_factor"},
	{NULL, NULL}
};

static const RuleSection sections[] = {
	{"training", offsetof(ScalingRules, training), training_keys, training_orders},
	{"inference", offsetof(ScalingRules, inference), inference_keys, inference_orders},
	{NULL, 0, NULL, NULL}
};

static void
build_defaults(ScalingRules *rules)
{
	TrainingRules *t = &rules->training;
	InferenceRules *i = &rules->inference;

	memset(rules, 0, sizeof(*rules));
	t->scale_out_queue_size = 10;
	t->scale_out_wait_seconds = ts_decimal_from_int(300);
	t->scale_in_queue_size = 2;
	t->scale_in_wait_seconds = ts_decimal_from_int(60);
	t->scale_out_step = 2;
	t->scale_in_step = 1;
	t->min_workers = 1;
	t->max_workers = 10;
	t->max_workers_set = false;
	t->scale_in_cooldown_seconds = 300;
	t->scale_out_cooldown_seconds = 300;

	ts_decimal_parse("0.8", &i->cpu_high);
	ts_decimal_parse("0.8", &i->memory_high);
	i->latency_p95_high_ms = ts_decimal_from_int(200);
	ts_decimal_parse("1.2", &i->rps_high_factor);
	ts_decimal_parse("0.3", &i->cpu_low);
	ts_decimal_parse("0.3", &i->memory_low);
	i->latency_p95_low_ms = ts_decimal_from_int(50);
	ts_decimal_parse("0.5", &i->rps_low_factor);
	i->step = 1;
	i->scale_in_cooldown_seconds = 300;
	i->scale_out_cooldown_seconds = 60;
}

void
scaling_rules_set_defaults(ScalingRules *rules)
{
	static ScalingRules defaults;
	static bool built = false;

	/* parsed once: every tenant without overrides starts from these */
	if (!built)
	{
		build_defaults(&defaults);
		built = true;
	}
	*rules = defaults;
}

static bool fail(RulesError *err, const char *detail, const char *hint, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

static bool
fail(RulesError *err, const char *detail, const char *hint, const char *fmt,...)
{
	va_list		args;
	int			n;

	n = snprintf(err->message, sizeof(err->message), "invalid scaling_rules: ");
	va_start(args, fmt);
	vsnprintf(err->message + n, sizeof(err->message) - n, fmt, args);
	va_end(args);
	snprintf(err->detail, sizeof(err->detail), "%s", detail ? detail : "");
	snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
	return false;
}

static const char *
json_type_name(const cJSON *item)
{
	if (cJSON_IsString(item))
		return "a string";
	if (cJSON_IsNumber(item))
		return "a number";
	if (cJSON_IsBool(item))
		return "a boolean";
	if (cJSON_IsNull(item))
		return "null";
	if (cJSON_IsArray(item))
		return "an array";
	if (cJSON_IsObject(item))
		return "an object";
	return "not a JSON value";
}

static const RuleKey *
find_key(const RuleKey *keys, const char *name)
{
	for (; keys->name; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static void
format_range(const RuleKey *key, char *buf, size_t len)
{
	const char *kind = key->kind == RULE_INTEGER ? "an integer" : "a number";

	if (key->max >= INT32_MAX)
		snprintf(buf, len, "%s >= %.15g", kind, key->min);
	else
		snprintf(buf, len, "%s between %.15g and %.15g", kind, key->min, key->max);
}

static void
list_keys(const RuleKey *keys, const char *section, char *buf, size_t len)
{
	const RuleKey *key;
	size_t		pos = (size_t) snprintf(buf, len, "Valid keys of \"%s\" are ", section);

	for (key = keys; key->name && pos < len; key++)
		pos += (size_t) snprintf(buf + pos, len - pos, "%s%s", key == keys ? "" : ", ", key->name);
	if (pos < len)
		snprintf(buf + pos, len - pos, ".");
}

static bool
apply_value(const RuleSection *section, const RuleKey *key, const cJSON *item,
			void *target, RulesError *err)
{
	char		range[96];
	char		detail[128];
	double		v = item->valuedouble;

	format_range(key, range, sizeof(range));
	if (!cJSON_IsNumber(item))
	{
		snprintf(detail, sizeof(detail), "The value given is %s.", json_type_name(item));
		return fail(err, detail, NULL, "\"%s.%s\" must be %s", section->name, key->name, range);
	}
	if (!isfinite(v) || v < key->min || v > key->max ||
		(key->kind == RULE_INTEGER && v != floor(v)))
	{
		TsDecimal	given;
		char		text[64];

		if (ts_decimal_from_double(v, &given))
		{
			ts_decimal_to_string(given, text, sizeof(text));
			snprintf(detail, sizeof(detail), "The value given is %s.", text);
		}
		else
			snprintf(detail, sizeof(detail), "The value given is out of range.");
		return fail(err, detail, NULL, "\"%s.%s\" must be %s", section->name, key->name, range);
	}
	if (key->kind == RULE_INTEGER)
		*(int32_t *) ((char *) target + key->offset) = (int32_t) v;
	else if (!ts_decimal_from_double(v, (TsDecimal *) ((char *) target + key->offset)))
		return fail(err, NULL, NULL, "\"%s.%s\" must be %s", section->name, key->name, range);
	return true;
}

static TsDecimal
value_as_decimal(const RuleKey *key, const void *target)
{
	const char *field = (const char *) target + key->offset;

	if (key->kind == RULE_INTEGER)
		return ts_decimal_from_int(*(const int32_t *) field);
	return *(const TsDecimal *) field;
}

/* Low thresholds may equal but never exceed their high ones, after defaults. */
static bool
check_orders(const RuleSection *section, const void *target, const cJSON *object,
			 RulesError *err)
{
	const RuleOrder *order;

	for (order = section->orders; order->low; order++)
	{
		const RuleKey *low = find_key(section->keys, order->low);
		const RuleKey *high = find_key(section->keys, order->high);
		char		low_text[64],
					high_text[64];

		/* min_workers against max_workers only when a max is given */
		if (strcmp(order->high, "max_workers") == 0 &&
			!cJSON_GetObjectItemCaseSensitive(object, "max_workers"))
			continue;
		if (ts_decimal_cmp(value_as_decimal(low, target), value_as_decimal(high, target)) <= 0)
			continue;
		ts_decimal_to_string(value_as_decimal(low, target), low_text, sizeof(low_text));
		ts_decimal_to_string(value_as_decimal(high, target), high_text, sizeof(high_text));
		return fail(err, "A low threshold cannot be above its high threshold; a key not given has its default.",
					NULL, "\"%s.%s\" (%s) must not be greater than \"%s.%s\" (%s)",
					section->name, low->name, low_text, section->name, high->name, high_text);
	}
	return true;
}

static bool
parse_section(const RuleSection *section, const cJSON *object, ScalingRules *rules,
			  RulesError *err)
{
	void	   *target = (char *) rules + section->offset;
	const cJSON *item;

	if (!cJSON_IsObject(object))
	{
		char		detail[64];

		snprintf(detail, sizeof(detail), "The value given is %s.", json_type_name(object));
		return fail(err, detail, NULL, "\"%s\" must be an object", section->name);
	}
	cJSON_ArrayForEach(item, object)
	{
		const RuleKey *key = find_key(section->keys, item->string);

		if (key == NULL)
		{
			char		hint[sizeof(err->hint)];

			list_keys(section->keys, section->name, hint, sizeof(hint));
			return fail(err, NULL, hint, "unknown key \"%s.%s\"", section->name, item->string);
		}
		if (!apply_value(section, key, item, target, err))
			return false;
	}
	if (section->offset == offsetof(ScalingRules, training))
		rules->training.max_workers_set =
			cJSON_GetObjectItemCaseSensitive(object, "max_workers") != NULL;
	return check_orders(section, target, object, err);
}

static const RuleSection *
find_section(const char *name)
{
	const RuleSection *s;

	for (s = sections; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static bool
parse_document(const cJSON *doc, ScalingRules *rules, RulesError *err)
{
	const cJSON *item;

	if (!cJSON_IsObject(doc))
	{
		char		detail[64];

		snprintf(detail, sizeof(detail), "The value given is %s.", json_type_name(doc));
		return fail(err, detail, "Use an object such as {\"training\": {\"max_workers\": 4}}.",
					"the document must be a JSON object");
	}
	cJSON_ArrayForEach(item, doc)
	{
		const RuleSection *section = find_section(item->string);

		if (section == NULL)
			return fail(err, NULL, "The top-level keys are \"training\" and \"inference\".",
						"unknown key \"%s\"", item->string);
		if (!parse_section(section, item, rules, err))
			return false;
	}
	return true;
}

bool
scaling_rules_parse(const char *json, size_t len, ScalingRules *rules, RulesError *err)
{
	cJSON	   *doc;
	const char *end = NULL;
	bool		ok;

	scaling_rules_set_defaults(rules);
	memset(err, 0, sizeof(*err));
	doc = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (doc != NULL)
	{
		/* cJSON stops after the first value: anything but blanks after it is an error */
		while (end < json + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
			end++;
		if (end != json + len)
		{
			cJSON_Delete(doc);
			doc = NULL;
		}
	}
	if (doc == NULL)
		return fail(err, NULL, NULL, "not a valid JSON document");
	ok = parse_document(doc, rules, err);
	cJSON_Delete(doc);
	return ok;
}
