/*
 * scaling_rules.c: parse and validate scaling_rules with libcjson.
 *
 * Every key is described once in a table (name, kind, range, where it goes),
 * so the parser, the range checks and the error messages cannot drift apart.
 *
 * Numbers are read from their text in the document, not from cJSON's double,
 * which would round 0.30000000000000000001 to 0.3 and hide that it is above
 * a cpu_high of 0.3. A number is taken exactly or refused: more significant
 * digits than a TsDecimal keeps is an error, not a rounding.
 */
#include "scaling_rules.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * An integer key takes any number whose exact value is an integer: 4, but
 * also 4.0, 4e0 and 0.4e1, as the double-based parser did and as PostgreSQL
 * numeric compares them (jsonb keeps 4.0 as written). 4.5 is refused, and so
 * is 4.0000000000000001, which a double would have read as 4.
 */
typedef enum RuleKind
{
	RULE_INTEGER,
	RULE_NUMBER,
	RULE_CHOICE,				/* a string of a list, kept as its index */
	RULE_OBJECT,				/* a nested object of its own keys */
	RULE_RATE_LIMITS,			/* an array of rate-limit objects */
	RULE_STRING,				/* a string of 1 to max - 1 bytes, into a char[max] */
	RULE_CRON,					/* a cron expression, parsed into a CronExpr */
	RULE_WINDOWS				/* an array of schedule windows, into a Schedule */
} RuleKind;

struct RuleTable;

/* bounds are integers, so that they convert exactly */
typedef struct RuleKey
{
	const char *name;
	RuleKind	kind;
	int64_t		min;
	int64_t		max;
	size_t		offset;			/* into the struct of the object the key is in */
	bool		min_exclusive;	/* the value must be above min */
	const char *const *choices; /* RULE_CHOICE: NULL-terminated */
	const struct RuleTable *nested; /* RULE_OBJECT, RULE_RATE_LIMITS (the elements) */
	int32_t		max_scale;		/* at most this many digits after the point; 0: no limit */
} RuleKey;

/* a pair of keys where the low threshold must not exceed the high one */
typedef struct RuleOrder
{
	const char *low;
	const char *high;
	bool		when_both_given;	/* compared only when the object gives both */
} RuleOrder;

/* the keys of one object */
typedef struct RuleTable
{
	const RuleKey *keys;
	const RuleOrder *orders;	/* may be NULL */
	const char *const *required;	/* keys that must be given; may be NULL */
} RuleTable;

typedef struct RuleSection
{
	const char *name;
	size_t		offset;			/* into ScalingRules */
	RuleTable	table;
} RuleSection;

/* the most keys an object's table has */
#define RULE_KEYS_MAX 20

/* A key's path in messages: "inference.behavior.scale_up.policies[0].type". */
#define RULE_PATH_MAX 160

#define ONE_YEAR_SECONDS 31536000
#define ONE_DAY_SECONDS 86400
#define ONE_HOUR_MS 3600000
#define MAX_STEP 10000
#define MAX_WORKERS 100000

/*
 * The most digits after the decimal point PostgreSQL numeric keeps, so the
 * smallest exponent of any number the SQL layer can pass. Refusing smaller
 * ones keeps every accepted number far from the exponents TsDecimal clamps.
 */
#define NUMERIC_MAX_SCALE 16383


static const char *const policy_names[] = {"target_tracking", "step", NULL};
static const char *const select_names[] = {"max", "min", "disabled", NULL};
static const char *const rate_limit_names[] = {"pods", "percent", NULL};
static const char *const rate_limit_required[] = {"type", "value", "period_seconds", NULL};

#define MAX_RATE_VALUE 100000
#define MAX_RATE_PERIOD_SECONDS 1800	/* the HPA's */
#define MAX_STABILIZATION_SECONDS 3600	/* the HPA's */

#define R(field) offsetof(RateLimit, field)
static const RuleKey rate_limit_keys[] = {
	{"type", RULE_CHOICE, 0, 0, R(kind), false, rate_limit_names},
	{"value", RULE_INTEGER, 1, MAX_RATE_VALUE, R(value)},
	{"period_seconds", RULE_INTEGER, 1, MAX_RATE_PERIOD_SECONDS, R(period_seconds)},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
#undef R
static const RuleTable rate_limit_table = {rate_limit_keys, NULL, rate_limit_required};

/* schedule windows: the same keys for both sections but the names of their bounds */
static const char *const window_required[] = {"cron", "duration_minutes", NULL};

#define W(field) offsetof(ScheduleWindow, field)
static const RuleKey inference_window_keys[] = {
	{"cron", RULE_CRON, 0, 0, W(cron)},
	{"timezone", RULE_STRING, 0, SCHEDULE_TZ_MAX, W(timezone)},
	{"duration_minutes", RULE_INTEGER, 1, SCHEDULE_MAX_DURATION_MINUTES, W(duration_minutes)},
	{"min_replicas", RULE_INTEGER, 0, MAX_WORKERS, W(min_count)},
	{"max_replicas", RULE_INTEGER, 1, MAX_WORKERS, W(max_count)},
	{"endpoint_id", RULE_STRING, 0, SCHEDULE_ENDPOINT_MAX, W(endpoint_id)},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
static const RuleKey training_window_keys[] = {
	{"cron", RULE_CRON, 0, 0, W(cron)},
	{"timezone", RULE_STRING, 0, SCHEDULE_TZ_MAX, W(timezone)},
	{"duration_minutes", RULE_INTEGER, 1, SCHEDULE_MAX_DURATION_MINUTES, W(duration_minutes)},
	{"min_workers", RULE_INTEGER, 0, MAX_WORKERS, W(min_count)},
	{"max_workers", RULE_INTEGER, 1, MAX_WORKERS, W(max_count)},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
#undef W
static const RuleOrder inference_window_orders[] = {{"min_replicas", "max_replicas", true}, {NULL, NULL}};
static const RuleOrder training_window_orders[] = {{"min_workers", "max_workers", true}, {NULL, NULL}};
static const RuleTable inference_window_table = {inference_window_keys, inference_window_orders, window_required};
static const RuleTable training_window_table = {training_window_keys, training_window_orders, window_required};

#define B(field) offsetof(ScalingBehavior, field)
static const RuleKey behavior_direction_keys[] = {
	{"stabilization_window_seconds", RULE_INTEGER, 0, MAX_STABILIZATION_SECONDS, B(stabilization_window_seconds)},
	/* 1 + tolerance is computed exactly, so its digits stop at 18 places */
	{"tolerance", RULE_NUMBER, 0, 1, B(tolerance), false, NULL, NULL, TS_DECIMAL_MAX_DIGITS},
	{"select_policy", RULE_CHOICE, 0, 0, B(select_policy), false, select_names},
	{"policies", RULE_RATE_LIMITS, 1, MAX_RATE_LIMITS, B(policies), false, NULL, &rate_limit_table},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
static const RuleTable behavior_direction_table = {behavior_direction_keys, NULL, NULL};

/* the training directions: as the inference ones, without a tolerance (counts of jobs are exact) */
static const RuleKey training_direction_keys[] = {
	{"stabilization_window_seconds", RULE_INTEGER, 0, MAX_STABILIZATION_SECONDS, B(stabilization_window_seconds)},
	{"select_policy", RULE_CHOICE, 0, 0, B(select_policy), false, select_names},
	{"policies", RULE_RATE_LIMITS, 1, MAX_RATE_LIMITS, B(policies), false, NULL, &rate_limit_table},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
static const RuleTable training_direction_table = {training_direction_keys, NULL, NULL};

static const char *const training_policy_names[] = {"queue", "step", NULL};

#define MAX_JOBS_PER_WORKER 1000

#define T(field) offsetof(TrainingRules, field)
static const RuleKey training_behavior_keys[] = {
	{"scale_up", RULE_OBJECT, 0, 0, 0, false, NULL, &training_direction_table},
	{"scale_down", RULE_OBJECT, 0, 0, T(scale_down) - T(scale_up), false, NULL, &training_direction_table},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
static const RuleTable training_behavior_table = {training_behavior_keys, NULL, NULL};

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
	{"policy", RULE_CHOICE, 0, 0, T(policy), false, training_policy_names},
	{"jobs_per_worker", RULE_INTEGER, 1, MAX_JOBS_PER_WORKER, T(jobs_per_worker)},
	{"behavior", RULE_OBJECT, 0, 0, T(scale_up), false, NULL, &training_behavior_table},
	{"schedule", RULE_WINDOWS, 1, SCHEDULE_MAX_WINDOWS, T(schedule), false, NULL, &training_window_table},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
#undef T
#undef B

/* "behavior" is an object of two directions within InferenceRules */
#define I(field) offsetof(InferenceRules, field)
static const RuleKey behavior_keys[] = {
	{"scale_up", RULE_OBJECT, 0, 0, 0, false, NULL, &behavior_direction_table},
	{"scale_down", RULE_OBJECT, 0, 0, I(scale_down) - I(scale_up), false, NULL, &behavior_direction_table},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
static const RuleTable behavior_table = {behavior_keys, NULL, NULL};

#undef I

static const char *const predictive_mode_names[] = {"off", "forecast_only", "forecast_and_scale", NULL};

/* at most what a stored forecast still covers when it is refreshed */
#define MAX_PREDICTIVE_LEAD_SECONDS 10800

#define P(field) offsetof(PredictiveRules, field)
static const RuleKey predictive_keys[] = {
	{"mode", RULE_CHOICE, 0, 0, P(mode), false, predictive_mode_names},
	{"lead_seconds", RULE_INTEGER, 0, MAX_PREDICTIVE_LEAD_SECONDS, P(lead_seconds)},
	{NULL, RULE_INTEGER, 0, 0, 0}
};
#undef P
static const RuleTable predictive_table = {predictive_keys, NULL, NULL};

#define I(field) offsetof(InferenceRules, field)
static const RuleKey inference_keys[] = {
	{"policy", RULE_CHOICE, 0, 0, I(policy), false, policy_names},
	{"target_utilization", RULE_NUMBER, 0, 1, I(target_utilization), true},
	{"behavior", RULE_OBJECT, 0, 0, I(scale_up), false, NULL, &behavior_table},
	{"predictive", RULE_OBJECT, 0, 0, I(predictive), false, NULL, &predictive_table},
	{"schedule", RULE_WINDOWS, 1, SCHEDULE_MAX_WINDOWS, I(schedule), false, NULL, &inference_window_table},
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

#define FITS(keys) _Static_assert(sizeof(keys) / sizeof(keys[0]) <= RULE_KEYS_MAX + 1, #keys " has too many keys")
FITS(training_keys);
FITS(training_behavior_keys);
FITS(training_direction_keys);
FITS(inference_keys);
FITS(behavior_keys);
FITS(behavior_direction_keys);
FITS(rate_limit_keys);
FITS(predictive_keys);
FITS(inference_window_keys);
FITS(training_window_keys);
#undef FITS

static const RuleSection sections[] = {
	{"training", offsetof(ScalingRules, training), {training_keys, training_orders, NULL}},
	{"inference", offsetof(ScalingRules, inference), {inference_keys, inference_orders, NULL}},
	{NULL, 0, {NULL, NULL, NULL}}
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
	/* the step policy's, set when it is chosen and they are not given (resolve_training_cooldowns) */
	t->scale_in_cooldown_seconds = 0;
	t->scale_out_cooldown_seconds = 0;

	/*
	 * The queue policy (README, Training policies): a worker per job queued
	 * or running; up at most tenfold or 10 workers a minute, so a backlog is
	 * met within two cycles; down to the most the last five minutes needed,
	 * so workers are not given back between two waves of jobs. The seed's
	 * cooldowns (300 s) are the step policy's only (resolve_training_cooldowns).
	 */
	t->policy = TRAINING_POLICY_QUEUE;
	t->jobs_per_worker = 1;
	t->scale_up.stabilization_window_seconds = 0;
	t->scale_up.select_policy = SELECT_POLICY_MAX;
	t->scale_up.n_policies = 2;
	t->scale_up.policies[0] = (RateLimit) {RATE_LIMIT_PODS, 10, 60};
	t->scale_up.policies[1] = (RateLimit) {RATE_LIMIT_PERCENT, 900, 60};
	t->scale_down.stabilization_window_seconds = 300;
	t->scale_down.select_policy = SELECT_POLICY_MAX;
	t->scale_down.n_policies = 1;
	t->scale_down.policies[0] = (RateLimit) {RATE_LIMIT_PERCENT, 100, 60};

	ts_decimal_parse("0.8", &i->cpu_high);
	ts_decimal_parse("0.8", &i->memory_high);
	i->latency_p95_high_ms = ts_decimal_from_int(200);
	ts_decimal_parse("1.2", &i->rps_high_factor);
	ts_decimal_parse("0.3", &i->cpu_low);
	ts_decimal_parse("0.3", &i->memory_low);
	i->latency_p95_low_ms = ts_decimal_from_int(50);
	ts_decimal_parse("0.5", &i->rps_low_factor);
	i->step = 1;
	/* the step policy's, set when it is chosen and they are not given (resolve_cooldowns) */
	i->scale_in_cooldown_seconds = 0;
	i->scale_out_cooldown_seconds = 0;

	/*
	 * Target tracking (README, Inference policies): sized for 60 % of a
	 * replica's capacity, the headroom of an HPA at its usual cpu target, so
	 * that a jump an HPA absorbs within a cold start is absorbed here too
	 * (p95 passes 200 ms at 80 % in the service model); up within 5 %, at
	 * most tenfold or 4 replicas per 15 s, so a burst sized from the
	 * request rate is met in one step while a runaway metric stays bounded;
	 * down to the highest recommendation of the last five minutes.
	 */
	i->policy = INFERENCE_POLICY_TARGET_TRACKING;
	ts_decimal_parse("0.6", &i->target_utilization);
	i->scale_up.stabilization_window_seconds = 0;
	ts_decimal_parse("0.05", &i->scale_up.tolerance);
	i->scale_up.select_policy = SELECT_POLICY_MAX;
	i->scale_up.n_policies = 2;
	i->scale_up.policies[0] = (RateLimit) {RATE_LIMIT_PODS, 4, 15};
	i->scale_up.policies[1] = (RateLimit) {RATE_LIMIT_PERCENT, 900, 15};
	i->scale_down.stabilization_window_seconds = 300;
	ts_decimal_parse("0.1", &i->scale_down.tolerance);
	i->scale_down.select_policy = SELECT_POLICY_MAX;
	i->scale_down.n_policies = 1;
	i->scale_down.policies[0] = (RateLimit) {RATE_LIMIT_PERCENT, 100, 15};

	/*
	 * Prediction is asked for (README, Predictive scaling): each endpoint
	 * with it reads its history once an hour. Ten minutes ahead covers a
	 * cold start of a few minutes, a cycle and the five-minute bin.
	 */
	i->predictive.mode = PREDICTIVE_OFF;
	i->predictive.lead_seconds = 600;
}

const ScalingRules *
scaling_rules_defaults(void)
{
	static ScalingRules defaults;
	static bool built = false;

	/* built once: every tenant without overrides starts from these */
	if (!built)
	{
		build_defaults(&defaults);
		built = true;
	}
	return &defaults;
}

void
scaling_rules_set_defaults(ScalingRules *rules)
{
	*rules = *scaling_rules_defaults();
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

	if (key->max == INT32_MAX)
		snprintf(buf, len, "%s >= %" PRId64, kind, key->min);
	else if (key->min_exclusive)
		snprintf(buf, len, "%s above %" PRId64 " and at most %" PRId64, kind, key->min, key->max);
	else
		snprintf(buf, len, "%s between %" PRId64 " and %" PRId64, kind, key->min, key->max);
}

/*
 * Copy text for a message into buf, of SCALING_RULES_QUOTE_MAX + 1 bytes: a
 * 10 MB key must neither make a 10 MB message nor be cut by the message
 * buffer, losing the closing quote. A longer text ends with "...", cut
 * before a UTF-8 character rather than inside one.
 */
static void
quote_text(const char *text, char *buf)
{
	size_t		cut = SCALING_RULES_QUOTE_MAX - 3;
	int			i;

	if (strnlen(text, SCALING_RULES_QUOTE_MAX + 1) <= SCALING_RULES_QUOTE_MAX)
	{
		strcpy(buf, text);
		return;
	}
	/* a character has at most 3 continuation bytes (10xxxxxx) after its first */
	for (i = 0; i < 3 && ((unsigned char) text[cut] & 0xC0) == 0x80; i++)
		cut--;
	memcpy(buf, text, cut);
	strcpy(buf + cut, "...");
}

static void
list_names(const char *const *names, const char *what, char *buf, size_t len)
{
	size_t		pos = (size_t) snprintf(buf, len, "%s", what);
	int			i;

	for (i = 0; names[i] && pos < len; i++)
		pos += (size_t) snprintf(buf + pos, len - pos, "%s\"%s\"", i == 0 ? "" : ", ", names[i]);
	if (pos < len)
		snprintf(buf + pos, len - pos, ".");
}

static void
list_keys(const RuleKey *keys, const char *path, char *buf, size_t len)
{
	const RuleKey *key;
	size_t		pos = (size_t) snprintf(buf, len, "Valid keys of \"%s\" are ", path);

	for (key = keys; key->name && pos < len; key++)
		pos += (size_t) snprintf(buf + pos, len - pos, "%s%s", key == keys ? "" : ", ", key->name);
	if (pos < len)
		snprintf(buf + pos, len - pos, ".");
}

/*
 * Significant digits of a number's text: from the first non-zero digit to the
 * last one, so 0.300000000000000000000 has 1 and 1e400 has 1. With at most
 * TS_DECIMAL_MAX_DIGITS of them, ts_decimal_parse reads the text without
 * rounding.
 */
static size_t
significant_digits(const char *text)
{
	size_t		digits = 0;		/* since the first non-zero one */
	size_t		kept = 0;		/* up to the last non-zero one */
	const char *p;

	for (p = text; *p && *p != 'e' && *p != 'E'; p++)
	{
		if (*p < '0' || *p > '9' || (digits == 0 && *p == '0'))
			continue;
		digits++;
		if (*p != '0')
			kept = digits;
	}
	return kept;
}

/* the exact value within the key's range, and an integer for an integer key */
static bool
in_range(const RuleKey *key, TsDecimal v)
{
	int			low = ts_decimal_cmp(v, ts_decimal_from_int(key->min));

	/* normalized: no trailing zeros, so a fraction has a negative exponent */
	if (key->kind == RULE_INTEGER && v.exp < 0)
		return false;
	return (key->min_exclusive ? low > 0 : low >= 0) &&
		ts_decimal_cmp(v, ts_decimal_from_int(key->max)) <= 0;
}

/* item's valuestring is the number's text (attach_numbers) */
static bool
apply_number(const char *path, const RuleKey *key, const cJSON *item, void *target, RulesError *err)
{
	char		range[96];
	char		given[SCALING_RULES_QUOTE_MAX + 1];
	char		detail[128];
	TsDecimal	v;

	format_range(key, range, sizeof(range));
	if (!cJSON_IsNumber(item))
	{
		snprintf(detail, sizeof(detail), "The value given is %s.", json_type_name(item));
		return fail(err, detail, NULL, "\"%s.%s\" must be %s", path, key->name, range);
	}
	quote_text(item->valuestring, given);
	snprintf(detail, sizeof(detail), "The value given is %s.", given);
	if (significant_digits(item->valuestring) > TS_DECIMAL_MAX_DIGITS)
		return fail(err, detail, NULL, "\"%s.%s\" must have at most %d significant digits",
					path, key->name, TS_DECIMAL_MAX_DIGITS);
	if (!ts_decimal_parse(item->valuestring, &v))
		return fail(err, detail, NULL, "\"%s.%s\" is a number that cannot be read", path, key->name);
	if (v.coef != 0 && v.exp < -NUMERIC_MAX_SCALE)
	{
		char		hint[96];

		snprintf(hint, sizeof(hint), "PostgreSQL numeric keeps at most %d digits after the decimal point.",
				 NUMERIC_MAX_SCALE);
		return fail(err, detail, hint, "\"%s.%s\" must be %s", path, key->name, range);
	}
	if (!in_range(key, v))
		return fail(err, detail, NULL, "\"%s.%s\" must be %s", path, key->name, range);
	if (key->max_scale > 0 && v.coef != 0 && v.exp < -key->max_scale)
		return fail(err, detail, NULL, "\"%s.%s\" must have at most %d digits after the decimal point",
					path, key->name, key->max_scale);
	if (key->kind == RULE_INTEGER)
		*(int32_t *) ((char *) target + key->offset) = ts_decimal_trunc_int32(v);
	else
		*(TsDecimal *) ((char *) target + key->offset) = v;
	return true;
}

static bool
apply_choice(const char *path, const RuleKey *key, const cJSON *item, void *target, RulesError *err)
{
	char		hint[256];
	char		detail[128];
	int32_t		i;

	list_names(key->choices, "It is one of ", hint, sizeof(hint));
	if (!cJSON_IsString(item))
	{
		snprintf(detail, sizeof(detail), "The value given is %s.", json_type_name(item));
		return fail(err, detail, hint, "\"%s.%s\" must be a string", path, key->name);
	}
	for (i = 0; key->choices[i]; i++)
		if (strcmp(key->choices[i], item->valuestring) == 0)
		{
			*(int32_t *) ((char *) target + key->offset) = i;
			return true;
		}
	{
		char		given[SCALING_RULES_QUOTE_MAX + 1];

		quote_text(item->valuestring, given);
		return fail(err, NULL, hint, "unknown value \"%s\" of \"%s.%s\"", given, path, key->name);
	}
}

static bool parse_object(const char *path, const RuleTable *table, const cJSON *object,
						 void *target, RulesError *err);

/* An array of key->min to key->max elements ("rate limits", "windows"), or the error saying so. */
static bool
check_array(const char *path, const RuleKey *key, const cJSON *item, const char *what, const char *hint,
			RulesError *err)
{
	char		detail[64];

	if (cJSON_IsArray(item) && cJSON_GetArraySize(item) >= key->min && cJSON_GetArraySize(item) <= key->max)
		return true;
	if (cJSON_IsArray(item))
		snprintf(detail, sizeof(detail), "The array given has %d elements.", cJSON_GetArraySize(item));
	else
		snprintf(detail, sizeof(detail), "The value given is %s.", json_type_name(item));
	return fail(err, detail, hint, "\"%s.%s\" must be an array of %" PRId64 " to %" PRId64 " %s",
				path, key->name, key->min, key->max, what);
}

/* An array of 1 to MAX_RATE_LIMITS rate-limit objects; it replaces the defaults. */
static bool
apply_rate_limits(const char *path, const RuleKey *key, const cJSON *item, void *target,
				  RulesError *err)
{
	ScalingBehavior *behavior = (ScalingBehavior *) target;
	const cJSON *element;
	int			n = 0;

	if (!check_array(path, key, item, "rate limits",
					 "Use [{\"type\": \"percent\", \"value\": 100, \"period_seconds\": 15}].", err))
		return false;
	cJSON_ArrayForEach(element, item)
	{
		char		element_path[RULE_PATH_MAX];
		RateLimit	limit = {RATE_LIMIT_PODS, 1, 1};

		snprintf(element_path, sizeof(element_path), "%s.%s[%d]", path, key->name, n);
		if (!parse_object(element_path, key->nested, element, &limit, err))
			return false;
		behavior->policies[n++] = limit;
	}
	behavior->n_policies = n;
	return true;
}

static bool
apply_string(const char *path, const RuleKey *key, const cJSON *item, void *target, RulesError *err)
{
	char		detail[128];
	size_t		len;

	if (!cJSON_IsString(item))
	{
		snprintf(detail, sizeof(detail), "The value given is %s.", json_type_name(item));
		return fail(err, detail, NULL, "\"%s.%s\" must be a string", path, key->name);
	}
	len = strlen(item->valuestring);
	if (len == 0 || len >= (size_t) key->max)
	{
		snprintf(detail, sizeof(detail), "The string given has %zu bytes.", len);
		return fail(err, detail, NULL, "\"%s.%s\" must have 1 to %" PRId64 " bytes", path, key->name, key->max - 1);
	}
	memcpy((char *) target + key->offset, item->valuestring, len + 1);
	return true;
}

static bool
apply_cron(const char *path, const RuleKey *key, const cJSON *item, void *target, RulesError *err)
{
	char		detail[160];
	char		given[SCALING_RULES_QUOTE_MAX + 1];

	if (!cJSON_IsString(item))
	{
		snprintf(detail, sizeof(detail), "The value given is %s.", json_type_name(item));
		return fail(err, detail, NULL, "\"%s.%s\" must be a string", path, key->name);
	}
	if (cron_parse(item->valuestring, (CronExpr *) ((char *) target + key->offset), detail, sizeof(detail)))
		return true;
	quote_text(item->valuestring, given);
	return fail(err, detail, "Use five fields, such as \"0 8 * * mon-fri\" (08:00 on weekdays).",
				"invalid cron expression \"%s\" in \"%s.%s\"", given, path, key->name);
}

/* An array of 1 to SCHEDULE_MAX_WINDOWS windows, each setting at least one bound. */
static bool
apply_windows(const char *path, const RuleKey *key, const cJSON *item, void *target, RulesError *err)
{
	Schedule   *schedule = (Schedule *) ((char *) target + key->offset);
	const RuleKey *bound;
	const cJSON *element;
	int			n = 0;

	if (!check_array(path, key, item, "windows",
					 "Use [{\"cron\": \"0 8 * * mon-fri\", \"duration_minutes\": 600, \"min_replicas\": 4}].",
					 err))
		return false;
	cJSON_ArrayForEach(element, item)
	{
		char		element_path[RULE_PATH_MAX];
		ScheduleWindow window;

		memset(&window, 0, sizeof(window));
		snprintf(element_path, sizeof(element_path), "%s.%s[%d]", path, key->name, n);
		if (!parse_object(element_path, key->nested, element, &window, err))
			return false;
		for (bound = key->nested->keys; bound->name; bound++)
		{
			bool		given = cJSON_GetObjectItemCaseSensitive(element, bound->name) != NULL;

			if (bound->offset == offsetof(ScheduleWindow, min_count))
				window.min_set = given;
			else if (bound->offset == offsetof(ScheduleWindow, max_count))
				window.max_set = given;
		}
		if (!window.min_set && !window.max_set)
			return fail(err, "A window sets the minimum, the maximum or both while it lasts.", NULL,
						"\"%s\" sets no bound", element_path);
		schedule->windows[n++] = window;
	}
	schedule->n = n;
	return true;
}

static bool
apply_value(const char *path, const RuleKey *key, const cJSON *item, void *target, RulesError *err)
{
	char		nested_path[RULE_PATH_MAX];

	switch (key->kind)
	{
		case RULE_STRING:
			return apply_string(path, key, item, target, err);
		case RULE_CRON:
			return apply_cron(path, key, item, target, err);
		case RULE_WINDOWS:
			return apply_windows(path, key, item, target, err);
		case RULE_INTEGER:
		case RULE_NUMBER:
			return apply_number(path, key, item, target, err);
		case RULE_CHOICE:
			return apply_choice(path, key, item, target, err);
		case RULE_OBJECT:
			snprintf(nested_path, sizeof(nested_path), "%s.%s", path, key->name);
			return parse_object(nested_path, key->nested, item, (char *) target + key->offset, err);
		case RULE_RATE_LIMITS:
			/* the elements go into the ScalingBehavior that holds the array */
			return apply_rate_limits(path, key, item, target, err);
	}
	return false;
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
check_orders(const char *path, const RuleTable *table, const void *target, const cJSON *object,
			 RulesError *err)
{
	const RuleOrder *order;

	for (order = table->orders; order && order->low; order++)
	{
		const RuleKey *low = find_key(table->keys, order->low);
		const RuleKey *high = find_key(table->keys, order->high);
		char		low_text[64],
					high_text[64];

		/* min_workers against max_workers only when a max is given */
		if (strcmp(order->high, "max_workers") == 0 &&
			!cJSON_GetObjectItemCaseSensitive(object, "max_workers"))
			continue;
		if (order->when_both_given && (!cJSON_GetObjectItemCaseSensitive(object, order->low) ||
									   !cJSON_GetObjectItemCaseSensitive(object, order->high)))
			continue;
		if (ts_decimal_cmp(value_as_decimal(low, target), value_as_decimal(high, target)) <= 0)
			continue;
		ts_decimal_to_string(value_as_decimal(low, target), low_text, sizeof(low_text));
		ts_decimal_to_string(value_as_decimal(high, target), high_text, sizeof(high_text));
		return fail(err, "A low threshold cannot be above its high threshold; a key not given has its default.",
					NULL, "\"%s.%s\" (%s) must not be greater than \"%s.%s\" (%s)",
					path, low->name, low_text, path, high->name, high_text);
	}
	return true;
}

static bool
check_required(const char *path, const RuleTable *table, const cJSON *object, RulesError *err)
{
	const char *const *name;

	for (name = table->required; name && *name; name++)
		if (!cJSON_GetObjectItemCaseSensitive(object, *name))
		{
			char		hint[128];

			list_names(table->required, "Each of these keys is needed: ", hint, sizeof(hint));
			return fail(err, NULL, hint, "\"%s\" has no \"%s\"", path, *name);
		}
	return true;
}

/* The keys of object into target, each checked against its table entry. */
static bool
parse_object(const char *path, const RuleTable *table, const cJSON *object, void *target,
			 RulesError *err)
{
	const cJSON *item;
	const cJSON *last[RULE_KEYS_MAX] = {NULL};	/* the member that counts, by key */

	if (!cJSON_IsObject(object))
	{
		char		detail[64];

		snprintf(detail, sizeof(detail), "The value given is %s.", json_type_name(object));
		return fail(err, detail, NULL, "\"%s\" must be an object", path);
	}
	/*
	 * Of duplicate keys the last counts and the others are not read, as
	 * jsonb keeps them, so a document means the same to the C parser as to
	 * SQL; the members are read in order, so the first wrong one is named.
	 */
	cJSON_ArrayForEach(item, object)
	{
		const RuleKey *key = find_key(table->keys, item->string);

		if (key != NULL)
			last[key - table->keys] = item;
	}
	cJSON_ArrayForEach(item, object)
	{
		const RuleKey *key = find_key(table->keys, item->string);

		if (key == NULL)
		{
			char		hint[sizeof(err->hint)];
			char		name[SCALING_RULES_QUOTE_MAX + 1];

			list_keys(table->keys, path, hint, sizeof(hint));
			quote_text(item->string, name);
			return fail(err, NULL, hint, "unknown key \"%s.%s\"", path, name);
		}
		if (last[key - table->keys] != item)
			continue;
		if (!apply_value(path, key, item, target, err))
			return false;
	}
	return check_required(path, table, object, err) && check_orders(path, table, target, object, err);
}

/*
 * The step policy keeps the seed's cooldowns unless they are given; target
 * tracking has its stabilization windows and rate limits instead.
 */
static void
resolve_training_cooldowns(TrainingRules *rules, const cJSON *object)
{
	if (rules->policy != TRAINING_POLICY_STEP)
		return;
	if (!cJSON_GetObjectItemCaseSensitive(object, "scale_in_cooldown_seconds"))
		rules->scale_in_cooldown_seconds = 300;
	if (!cJSON_GetObjectItemCaseSensitive(object, "scale_out_cooldown_seconds"))
		rules->scale_out_cooldown_seconds = 300;
}

static void
resolve_cooldowns(InferenceRules *rules, const cJSON *object)
{
	if (rules->policy != INFERENCE_POLICY_STEP)
		return;
	if (!cJSON_GetObjectItemCaseSensitive(object, "scale_in_cooldown_seconds"))
		rules->scale_in_cooldown_seconds = 300;
	if (!cJSON_GetObjectItemCaseSensitive(object, "scale_out_cooldown_seconds"))
		rules->scale_out_cooldown_seconds = 60;
}

static bool
parse_section(const RuleSection *section, const cJSON *object, ScalingRules *rules,
			  RulesError *err)
{
	if (!parse_object(section->name, &section->table, object, (char *) rules + section->offset, err))
		return false;
	if (section->offset == offsetof(ScalingRules, training))
	{
		rules->training.max_workers_set =
			cJSON_GetObjectItemCaseSensitive(object, "max_workers") != NULL;
		resolve_training_cooldowns(&rules->training, object);
	}
	else
		resolve_cooldowns(&rules->inference, object);
	return true;
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
	const cJSON *last[2] = {NULL, NULL};

	if (!cJSON_IsObject(doc))
	{
		char		detail[64];

		snprintf(detail, sizeof(detail), "The value given is %s.", json_type_name(doc));
		return fail(err, detail, "Use an object such as {\"training\": {\"max_workers\": 4}}.",
					"the document must be a JSON object");
	}
	/* as in parse_object: of a duplicate section the last counts */
	cJSON_ArrayForEach(item, doc)
	{
		const RuleSection *section = find_section(item->string);

		if (section != NULL)
			last[section - sections] = item;
	}
	cJSON_ArrayForEach(item, doc)
	{
		const RuleSection *section = find_section(item->string);

		if (section == NULL)
		{
			char		name[SCALING_RULES_QUOTE_MAX + 1];

			quote_text(item->string, name);
			return fail(err, NULL, "The top-level keys are \"training\" and \"inference\".",
						"unknown key \"%s\"", name);
		}
		if (last[section - sections] != item)
			continue;
		if (!parse_section(section, item, rules, err))
			return false;
	}
	return true;
}

/*
 * The number texts of a document, in order. cJSON keeps no number text, so
 * the input is scanned again: outside strings, a '-' or a digit can only
 * start a number, which runs over the characters cJSON's parse_number
 * collects. Strings are skipped with their backslash escapes, as cJSON's
 * parse_string skips them.
 */
typedef struct NumberScan
{
	const char *json;
	size_t		len;
	size_t		pos;
	bool		out_of_memory;
} NumberScan;

static bool
is_number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

/* The next number token as [*start, *end); false at the end of the input. */
static bool
next_number(NumberScan *scan, size_t *start, size_t *end)
{
	const char *s = scan->json;
	size_t		p = scan->pos;

	while (p < scan->len)
	{
		if (s[p] == '"')
		{
			for (p++; p < scan->len && s[p] != '"'; p++)
				if (s[p] == '\\' && p + 1 < scan->len)
					p++;
			p++;				/* the closing quote, or past the end */
		}
		else if (s[p] == '-' || (s[p] >= '0' && s[p] <= '9'))
		{
			*start = p;
			while (p < scan->len && is_number_char(s[p]))
				p++;
			*end = scan->pos = p;
			return true;
		}
		else
			p++;
	}
	scan->pos = scan->len;
	return false;
}

/*
 * Give the number nodes of a pre-order walk the number texts of the document,
 * the k-th node the k-th text: cJSON appends children in document order, so
 * the two orders are the same. The text goes into the node's valuestring,
 * unused for numbers; cJSON_Delete frees the valuestring of any node, so the
 * text is freed with the tree on every path. False when a node finds no text
 * left, or out of memory.
 */
static bool
attach_numbers(cJSON *item, NumberScan *scan)
{
	for (; item != NULL; item = item->next)
	{
		size_t		start,
					end;

		if (!cJSON_IsNumber(item))
		{
			if (!attach_numbers(item->child, scan))
				return false;
			continue;
		}
		if (!next_number(scan, &start, &end))
			return false;
		item->valuestring = cJSON_malloc(end - start + 1);
		if (item->valuestring == NULL)
		{
			scan->out_of_memory = true;
			return false;
		}
		memcpy(item->valuestring, scan->json + start, end - start);
		item->valuestring[end - start] = '\0';
	}
	return true;
}

bool
scaling_rules_parse(const char *json, size_t len, ScalingRules *rules, RulesError *err)
{
	cJSON	   *doc;
	const char *end = NULL;
	NumberScan	scan = {json, len, 0, false};
	size_t		start,
				stop;
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
	/* as many texts as number nodes, or the pairing cannot be trusted */
	if (!attach_numbers(doc, &scan) || next_number(&scan, &start, &stop))
		ok = scan.out_of_memory ?
			fail(err, NULL, NULL, "out of memory reading the numbers of the document") :
			fail(err, "The numbers libcjson read do not match the numbers of the text.", NULL,
				 "the numbers of the document could not be read");
	else
		ok = parse_document(doc, rules, err);
	cJSON_Delete(doc);
	return ok;
}
