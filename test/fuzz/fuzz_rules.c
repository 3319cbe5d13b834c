/*
 * fuzz_rules.c: a libFuzzer target over the pure C code (README, validate_scaling_rules).
 *
 * Each input is, whole, a scaling_rules document for scaling_rules_parse.
 * An accepted document must satisfy every rule of the validator, and must
 * read back the same once printed again. The same bytes, cut into tokens at
 * JSON punctuation and blanks, feed ts_decimal_parse (round trips through
 * ts_decimal_to_string, comparisons and products against doubles) and then
 * the inputs of decide_training, decide_inference and cooldown_refusal, whose
 * decisions must stay within their bounds. A broken invariant prints what
 * broke and calls abort(), which libFuzzer reports as a crash.
 *
 * Build (test/fuzz/run.sh does this):
 *   clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *     -Isrc test/fuzz/fuzz_rules.c src/ts_decimal.c src/scaling_rules.c src/decide.c -lcjson -lm
 *
 * The integer domains are those the SQL layer can pass: counts are never
 * negative (CHECK constraints and argument checks), min_replicas <= max_replicas,
 * tenant_scaling.max_training_workers is within 1..100000, and timestamps are
 * within PostgreSQL's range.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "scaling_rules.h"
#include "ts_decimal.h"

#define MAX_TOKENS 32
#define MAX_TOKEN_LEN 512

/* PostgreSQL's timestamp range, in microseconds since 2000-01-01 */
#define PG_MIN_TIMESTAMP_US INT64_C(-211813488000000000)
#define PG_MAX_TIMESTAMP_US INT64_C(9223371331199999999)
/* "now" up to about the year 3200 */
#define LATEST_NOW_US INT64_C(38000000000000000)

static const char *current_check_input;

static void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

static void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz_rules: invariant broken at %s:%d: %s\n", file, line, what);
	if (current_check_input)
		fprintf(stderr, "fuzz_rules: while checking \"%s\"\n", current_check_input);
	abort();
}

#define REQUIRE(cond) \
	do { \
		if (!(cond)) \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

/* ---- decimals ---- */

static int
digits_of(__int128 coef)
{
	int			n = 1;

	if (coef < 0)
		coef = -coef;
	while (coef >= 10)
	{
		coef /= 10;
		n++;
	}
	return n;
}

static bool
dec_equal(TsDecimal a, TsDecimal b)
{
	return a.coef == b.coef && a.exp == b.exp;
}

/* one value, one representation: no trailing zeros, zero has exponent 0 */
static void
check_normalized(TsDecimal d, int max_digits)
{
	if (d.coef == 0)
		REQUIRE(d.exp == 0);
	else
		REQUIRE(d.coef % 10 != 0);
	REQUIRE(digits_of(d.coef) <= max_digits);
}

static TsDecimal
dec_of(const char *text)
{
	TsDecimal	d;

	if (!ts_decimal_parse(text, &d))
		fuzz_fail(__FILE__, __LINE__, text);
	return d;
}

/* order of magnitude: the value is within [10^(m-1), 10^m) */
static int64_t
magnitude(TsDecimal d)
{
	return d.coef == 0 ? 0 : digits_of(d.coef) + (int64_t) d.exp;
}

/* significant digits of a decimal literal that ts_decimal_parse accepted */
static int
literal_digits(const char *text)
{
	const char *first = NULL;
	const char *last = NULL;
	int			n = 0;
	const char *p;

	for (p = text; *p && *p != 'e' && *p != 'E'; p++)
	{
		if (*p < '0' || *p > '9')
			continue;
		if (*p != '0')
		{
			if (!first)
				first = p;
			last = p;
		}
	}
	if (!first)
		return 0;
	for (p = first; p <= last; p++)
		if (*p >= '0' && *p <= '9')
			n++;
	return n;
}

/* the integer part of a plain-notation string, saturated to int32 */
static int32_t
trunc_of_string(const char *s)
{
	bool		negative = (*s == '-');
	int64_t		v = 0;

	if (negative)
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
	{
		v = v * 10 + (*s - '0');
		if (v > (int64_t) INT32_MAX + 1)
			v = (int64_t) INT32_MAX + 1;
	}
	if (negative)
		v = -v;
	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < INT32_MIN)
		return INT32_MIN;
	return (int32_t) v;
}

static void
check_decimal(const char *text, TsDecimal d)
{
	static const TsDecimal one = {1, 0};
	static const TsDecimal zero = {0, 0};
	char		buf[64];
	TsDecimal	back;
	TsDecimal	from_double;
	size_t		len;

	current_check_input = text;
	check_normalized(d, TS_DECIMAL_MAX_DIGITS);
	REQUIRE(ts_decimal_is_negative(d) == (d.coef < 0));
	REQUIRE(ts_decimal_cmp(d, d) == 0);
	REQUIRE(ts_decimal_cmp(d, zero) == (d.coef > 0) - (d.coef < 0));
	REQUIRE(dec_equal(ts_decimal_mul(d, one), d));
	REQUIRE(dec_equal(ts_decimal_mul(d, zero), zero));

	/* printed in 64 bytes (what the callers give) and read back as the same */
	memset(buf, 'x', sizeof(buf));
	ts_decimal_to_string(d, buf, sizeof(buf));
	len = strnlen(buf, sizeof(buf));
	REQUIRE(len < sizeof(buf) - 1);
	REQUIRE(ts_decimal_parse(buf, &back));
	REQUIRE(dec_equal(back, d));

	if (strchr(buf, 'e') == NULL)
		REQUIRE(ts_decimal_trunc_int32(d) == trunc_of_string(buf));
	else
		REQUIRE(ts_decimal_trunc_int32(d) == (d.coef == 0 ? 0 : magnitude(d) > 0 ?
											  (d.coef > 0 ? INT32_MAX : INT32_MIN) : 0));

	/*
	 * A literal of at most 15 significant digits is the shortest decimal of
	 * the double nearest to it (DBL_DIG), while the double is normal.
	 */
	if (d.coef != 0 && literal_digits(text) <= 15 && magnitude(d) > -300 && magnitude(d) < 300)
	{
		double		v = strtod(text, NULL);

		REQUIRE(ts_decimal_from_double(v, &from_double));
		REQUIRE(dec_equal(from_double, d));
	}
	current_check_input = NULL;
}

static bool
normal_double(double v)
{
	return isfinite(v) && (v == 0 || fabs(v) > 1e-290);
}

static void
check_decimal_pair(const char *ta, TsDecimal a, const char *tb, TsDecimal b)
{
	char		buf[128];
	TsDecimal	p = ts_decimal_mul(a, b);
	int			c = ts_decimal_cmp(a, b);
	double		da = strtod(ta, NULL);
	double		db = strtod(tb, NULL);

	current_check_input = ta;
	REQUIRE(c >= -1 && c <= 1);
	REQUIRE(ts_decimal_cmp(b, a) == -c);
	REQUIRE(c != 0 || dec_equal(a, b));
	/* rounding to a double is monotonic, and so is rounding to 18 digits */
	if (da < db)
		REQUIRE(c <= 0);
	if (da > db)
		REQUIRE(c >= 0);

	/* products: exact, at most 36 digits, the sign of a * b */
	REQUIRE(dec_equal(p, ts_decimal_mul(b, a)));
	check_normalized(p, 2 * TS_DECIMAL_MAX_DIGITS);
	REQUIRE((p.coef > 0) - (p.coef < 0) == ((a.coef > 0) - (a.coef < 0)) * ((b.coef > 0) - (b.coef < 0)));
	if (magnitude(a) > -140 && magnitude(a) < 140 && magnitude(b) > -140 && magnitude(b) < 140)
	{
		double		expected = strtod(ta, NULL) * strtod(tb, NULL);
		double		got;

		memset(buf, 'x', sizeof(buf));
		ts_decimal_to_string(p, buf, sizeof(buf));
		REQUIRE(strnlen(buf, sizeof(buf)) < sizeof(buf) - 1);
		got = strtod(buf, NULL);
		if (normal_double(expected) && normal_double(got))
			REQUIRE(fabs(got - expected) <= 1e-13 * fabs(expected));
	}
	current_check_input = NULL;
}

/* ---- the rules document ---- */

static bool
dec_within(TsDecimal d, const char *low, const char *high)
{
	return ts_decimal_cmp(d, dec_of(low)) >= 0 && ts_decimal_cmp(d, dec_of(high)) <= 0;
}

#define INT_WITHIN(v, lo, hi) ((int64_t) (v) >= (lo) && (int64_t) (v) <= (hi))

static void
check_accepted_rules(const ScalingRules *rules)
{
	const TrainingRules *t = &rules->training;
	const InferenceRules *i = &rules->inference;
	const TsDecimal *decimals[] = {
		&t->scale_out_wait_seconds, &t->scale_in_wait_seconds,
		&i->cpu_high, &i->memory_high, &i->latency_p95_high_ms, &i->rps_high_factor,
		&i->cpu_low, &i->memory_low, &i->latency_p95_low_ms, &i->rps_low_factor
	};
	size_t		k;

	for (k = 0; k < sizeof(decimals) / sizeof(decimals[0]); k++)
		check_normalized(*decimals[k], TS_DECIMAL_MAX_DIGITS);	/* read exactly, never rounded */

	REQUIRE(INT_WITHIN(t->scale_out_queue_size, 0, INT32_MAX));
	REQUIRE(INT_WITHIN(t->scale_in_queue_size, 0, INT32_MAX));
	REQUIRE(dec_within(t->scale_out_wait_seconds, "0", "31536000"));
	REQUIRE(dec_within(t->scale_in_wait_seconds, "0", "31536000"));
	REQUIRE(INT_WITHIN(t->scale_out_step, 1, 10000));
	REQUIRE(INT_WITHIN(t->scale_in_step, 1, 10000));
	REQUIRE(INT_WITHIN(t->min_workers, 0, 100000));
	REQUIRE(INT_WITHIN(t->max_workers, 1, 100000));
	REQUIRE(INT_WITHIN(t->scale_in_cooldown_seconds, 0, 86400));
	REQUIRE(INT_WITHIN(t->scale_out_cooldown_seconds, 0, 86400));
	REQUIRE(t->scale_in_queue_size <= t->scale_out_queue_size);
	REQUIRE(ts_decimal_cmp(t->scale_in_wait_seconds, t->scale_out_wait_seconds) <= 0);
	if (t->max_workers_set)
		REQUIRE(t->min_workers <= t->max_workers);

	REQUIRE(dec_within(i->cpu_high, "0", "1"));
	REQUIRE(dec_within(i->memory_high, "0", "1"));
	REQUIRE(dec_within(i->cpu_low, "0", "1"));
	REQUIRE(dec_within(i->memory_low, "0", "1"));
	REQUIRE(dec_within(i->latency_p95_high_ms, "0", "3600000"));
	REQUIRE(dec_within(i->latency_p95_low_ms, "0", "3600000"));
	REQUIRE(dec_within(i->rps_high_factor, "0", "1000"));
	REQUIRE(dec_within(i->rps_low_factor, "0", "1000"));
	REQUIRE(INT_WITHIN(i->step, 1, 10000));
	REQUIRE(INT_WITHIN(i->scale_in_cooldown_seconds, 0, 86400));
	REQUIRE(INT_WITHIN(i->scale_out_cooldown_seconds, 0, 86400));
	REQUIRE(ts_decimal_cmp(i->cpu_low, i->cpu_high) <= 0);
	REQUIRE(ts_decimal_cmp(i->memory_low, i->memory_high) <= 0);
	REQUIRE(ts_decimal_cmp(i->latency_p95_low_ms, i->latency_p95_high_ms) <= 0);
	REQUIRE(ts_decimal_cmp(i->rps_low_factor, i->rps_high_factor) <= 0);
}

static bool
rules_equal(const ScalingRules *a, const ScalingRules *b)
{
	const TrainingRules *ta = &a->training,
			   *tb = &b->training;
	const InferenceRules *ia = &a->inference,
			   *ib = &b->inference;

	return ta->scale_out_queue_size == tb->scale_out_queue_size &&
		dec_equal(ta->scale_out_wait_seconds, tb->scale_out_wait_seconds) &&
		ta->scale_in_queue_size == tb->scale_in_queue_size &&
		dec_equal(ta->scale_in_wait_seconds, tb->scale_in_wait_seconds) &&
		ta->scale_out_step == tb->scale_out_step &&
		ta->scale_in_step == tb->scale_in_step &&
		ta->min_workers == tb->min_workers &&
		ta->max_workers_set == tb->max_workers_set &&
		(!ta->max_workers_set || ta->max_workers == tb->max_workers) &&
		ta->scale_in_cooldown_seconds == tb->scale_in_cooldown_seconds &&
		ta->scale_out_cooldown_seconds == tb->scale_out_cooldown_seconds &&
		dec_equal(ia->cpu_high, ib->cpu_high) &&
		dec_equal(ia->memory_high, ib->memory_high) &&
		dec_equal(ia->latency_p95_high_ms, ib->latency_p95_high_ms) &&
		dec_equal(ia->rps_high_factor, ib->rps_high_factor) &&
		dec_equal(ia->cpu_low, ib->cpu_low) &&
		dec_equal(ia->memory_low, ib->memory_low) &&
		dec_equal(ia->latency_p95_low_ms, ib->latency_p95_low_ms) &&
		dec_equal(ia->rps_low_factor, ib->rps_low_factor) &&
		ia->step == ib->step &&
		ia->scale_in_cooldown_seconds == ib->scale_in_cooldown_seconds &&
		ia->scale_out_cooldown_seconds == ib->scale_out_cooldown_seconds;
}

/* Every key written out, in the order of the README's scaling_rules, as the SQL layer would see it. */
static void
print_rules(const ScalingRules *rules, char *buf, size_t len)
{
	const TrainingRules *t = &rules->training;
	const InferenceRules *i = &rules->inference;
	char		d[10][64];
	char		max_workers[48] = "";

	ts_decimal_to_string(t->scale_out_wait_seconds, d[0], sizeof(d[0]));
	ts_decimal_to_string(t->scale_in_wait_seconds, d[1], sizeof(d[1]));
	ts_decimal_to_string(i->cpu_high, d[2], sizeof(d[2]));
	ts_decimal_to_string(i->memory_high, d[3], sizeof(d[3]));
	ts_decimal_to_string(i->latency_p95_high_ms, d[4], sizeof(d[4]));
	ts_decimal_to_string(i->rps_high_factor, d[5], sizeof(d[5]));
	ts_decimal_to_string(i->cpu_low, d[6], sizeof(d[6]));
	ts_decimal_to_string(i->memory_low, d[7], sizeof(d[7]));
	ts_decimal_to_string(i->latency_p95_low_ms, d[8], sizeof(d[8]));
	ts_decimal_to_string(i->rps_low_factor, d[9], sizeof(d[9]));
	if (t->max_workers_set)
		snprintf(max_workers, sizeof(max_workers), ", \"max_workers\": %d", (int) t->max_workers);
	snprintf(buf, len,
			 "{\"training\": {\"scale_out_queue_size\": %d, \"scale_out_wait_seconds\": %s, "
			 "\"scale_in_queue_size\": %d, \"scale_in_wait_seconds\": %s, "
			 "\"scale_out_step\": %d, \"scale_in_step\": %d, \"min_workers\": %d%s, "
			 "\"scale_in_cooldown_seconds\": %d, \"scale_out_cooldown_seconds\": %d}, "
			 "\"inference\": {\"cpu_high\": %s, \"memory_high\": %s, \"latency_p95_high_ms\": %s, "
			 "\"rps_high_factor\": %s, \"cpu_low\": %s, \"memory_low\": %s, "
			 "\"latency_p95_low_ms\": %s, \"rps_low_factor\": %s, \"step\": %d, "
			 "\"scale_in_cooldown_seconds\": %d, \"scale_out_cooldown_seconds\": %d}}",
			 (int) t->scale_out_queue_size, d[0], (int) t->scale_in_queue_size, d[1],
			 (int) t->scale_out_step, (int) t->scale_in_step, (int) t->min_workers, max_workers,
			 (int) t->scale_in_cooldown_seconds, (int) t->scale_out_cooldown_seconds,
			 d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], (int) i->step,
			 (int) i->scale_in_cooldown_seconds, (int) i->scale_out_cooldown_seconds);
}

static void
check_rules_document(const uint8_t *data, size_t size, ScalingRules *rules, bool *accepted)
{
	RulesError	err;
	ScalingRules again;
	RulesError	err2;
	char		printed[4096];
	bool		ok;

	/* the exact bytes, not a terminated copy: ASan sees any read past len */
	ok = scaling_rules_parse((const char *) data, size, rules, &err);
	REQUIRE(memchr(err.message, '\0', sizeof(err.message)) != NULL);
	REQUIRE(memchr(err.detail, '\0', sizeof(err.detail)) != NULL);
	REQUIRE(memchr(err.hint, '\0', sizeof(err.hint)) != NULL);
	*accepted = ok;
	if (!ok)
	{
		REQUIRE(strncmp(err.message, "invalid scaling_rules: ", 23) == 0);
		REQUIRE(err.message[23] != '\0');
		scaling_rules_set_defaults(rules);
		return;
	}
	REQUIRE(err.message[0] == '\0');
	check_accepted_rules(rules);

	/* the same rules, every key given, read back as the same */
	print_rules(rules, printed, sizeof(printed));
	current_check_input = printed;
	REQUIRE(scaling_rules_parse(printed, strlen(printed), &again, &err2));
	REQUIRE(rules_equal(rules, &again));
	current_check_input = NULL;
}

/* ---- values for the decisions, drawn from the input ---- */

typedef struct Source
{
	uint64_t	state;
	const TsDecimal *values;
	int			nvalues;
	int			next;
} Source;

static uint64_t
next_bits(Source *s)
{
	/* splitmix64 */
	uint64_t	z = (s->state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static bool
next_bool(Source *s)
{
	return next_bits(s) & 1;
}

static MaybeDecimal
next_maybe(Source *s)
{
	MaybeDecimal m = {false, {0, 0}};
	uint64_t	r = next_bits(s);

	if (r % 8 == 0)
		return m;				/* NULL */
	m.known = true;
	if (s->nvalues > 0 && (r >> 3) % 4 != 0)
		m.value = s->values[s->next++ % s->nvalues];
	else
	{
		/* a small value around the thresholds, 0 to 1999.99 (mul by 1 normalizes) */
		TsDecimal	raw = {(int64_t) ((r >> 5) % 200000), -2};
		TsDecimal	one = {1, 0};

		m.value = ts_decimal_mul(raw, one);
	}
	return m;
}

/* an integer within [lo, hi], often at or next to an edge */
static int64_t
next_int(Source *s, int64_t lo, int64_t hi)
{
	uint64_t	r = next_bits(s);
	uint64_t	span = (uint64_t) hi - (uint64_t) lo + 1;	/* hi - lo may not fit int64 */

	switch (r % 8)
	{
		case 0:
			return lo;
		case 1:
			return hi;
		case 2:
			return lo + 1 <= hi ? lo + 1 : lo;
		case 3:
			return hi - 1 >= lo ? hi - 1 : hi;
		case 4:
		case 5:
			if (s->nvalues > 0)
			{
				int64_t		v = ts_decimal_trunc_int32(s->values[s->next++ % s->nvalues]);

				if (v >= lo && v <= hi)
					return v;
			}
			/* FALLTHROUGH */
		case 6:
			return (int64_t) ((uint64_t) lo + (r >> 3) % (span < 64 ? span : 64));
		default:
			return (int64_t) ((uint64_t) lo + (r >> 3) % span);
	}
}

/* Rules the validator accepts, when the input itself is not a valid document. */
static void
draw_rules(Source *s, ScalingRules *rules)
{
	TrainingRules *t = &rules->training;
	InferenceRules *i = &rules->inference;

	if (next_bool(s))
		return;					/* keep the defaults */
	t->scale_out_queue_size = (int32_t) next_int(s, 0, INT32_MAX);
	t->scale_in_queue_size = (int32_t) next_int(s, 0, t->scale_out_queue_size);
	t->scale_out_step = (int32_t) next_int(s, 1, 10000);
	t->scale_in_step = (int32_t) next_int(s, 1, 10000);
	t->max_workers_set = next_bool(s);
	t->max_workers = (int32_t) next_int(s, 1, 100000);
	t->min_workers = (int32_t) next_int(s, 0, t->max_workers_set ? t->max_workers : 100000);
	t->scale_in_cooldown_seconds = (int32_t) next_int(s, 0, 86400);
	t->scale_out_cooldown_seconds = (int32_t) next_int(s, 0, 86400);
	i->step = (int32_t) next_int(s, 1, 10000);
	i->scale_in_cooldown_seconds = (int32_t) next_int(s, 0, 86400);
	i->scale_out_cooldown_seconds = (int32_t) next_int(s, 0, 86400);
}

static bool
reason_is(const char *reason, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(reason, *names) == 0)
			return true;
	return false;
}

static void
check_training(Source *s, const TrainingRules *rules)
{
	static const char *const reasons[] = {
		"above_max_workers", "queue_backlog", "at_max_workers", "queue_idle",
		"at_min_workers", "within_thresholds", "no_queue_stats", NULL
	};
	TrainingBounds bounds;
	TrainingInput in;
	TrainingDecision d;
	int32_t		ceiling;
	int32_t		floor;
	int64_t		current;
	int64_t		target;
	bool		out_wanted;
	bool		in_wanted;

	bounds.has_training_config = next_bool(s);
	bounds.distributed_training_enabled = next_bool(s);
	bounds.config_max_workers = (int32_t) next_int(s, 0, INT32_MAX);
	bounds.default_max_workers = (int32_t) next_int(s, 1, 100000);
	in.has_stats = next_bool(s);
	in.queue_size = (int32_t) next_int(s, 0, INT32_MAX);
	in.avg_wait_seconds = next_maybe(s);
	in.current_workers = (int32_t) next_int(s, 0, INT32_MAX);

	decide_training(rules, &bounds, &in, &d);

	ceiling = training_ceiling(rules, &bounds);
	floor = rules->min_workers < ceiling ? rules->min_workers : ceiling;
	current = in.current_workers;
	target = d.target_workers;
	REQUIRE(d.ceiling == ceiling);
	REQUIRE(d.floor == floor);
	REQUIRE(ceiling >= 0);
	if (rules->max_workers_set)
		REQUIRE(ceiling <= rules->max_workers);
	if (bounds.has_training_config)
		REQUIRE(ceiling <= (bounds.distributed_training_enabled ? bounds.config_max_workers : 1));
	if (!rules->max_workers_set && !bounds.has_training_config)
		REQUIRE(ceiling == bounds.default_max_workers);
	REQUIRE(d.reason != NULL && reason_is(d.reason, reasons));
	REQUIRE(d.scale_out == (target > current));
	REQUIRE(d.scale_in == (target < current));

	out_wanted = in.has_stats && in.queue_size > rules->scale_out_queue_size &&
		in.avg_wait_seconds.known && ts_decimal_cmp(in.avg_wait_seconds.value, rules->scale_out_wait_seconds) > 0;
	in_wanted = in.has_stats && in.queue_size < rules->scale_in_queue_size &&
		in.avg_wait_seconds.known && ts_decimal_cmp(in.avg_wait_seconds.value, rules->scale_in_wait_seconds) < 0;
	/* the validator keeps the two conditions apart */
	REQUIRE(!(out_wanted && in_wanted));

	if (current > ceiling)
	{
		REQUIRE(target == ceiling);
		return;
	}
	REQUIRE(target <= ceiling);
	if (d.scale_out)
	{
		REQUIRE(out_wanted);
		REQUIRE(target - current <= rules->scale_out_step);
		REQUIRE(target == current + rules->scale_out_step || target == ceiling);
	}
	if (d.scale_in)
	{
		REQUIRE(in_wanted);
		REQUIRE(target >= floor);
		REQUIRE(current - target <= rules->scale_in_step);
		REQUIRE(target == current - rules->scale_in_step || target == floor);
	}
	if (out_wanted && current < ceiling)
		REQUIRE(d.scale_out);
	if (in_wanted && current > floor)
		REQUIRE(d.scale_in);
	if (!in.has_stats)
		REQUIRE(target == current);
	if (current >= floor)
		REQUIRE(target >= floor);
}

static void
check_inference(Source *s, const InferenceRules *rules)
{
	static const TsDecimal hundred = {1, 2};
	InferenceInput in;
	InferenceDecision d;
	int64_t		current;
	int64_t		target;
	bool		all_known;

	in.cpu_avg = next_maybe(s);
	in.memory_avg = next_maybe(s);
	in.latency_p95_ms = next_maybe(s);
	in.requests_per_second = next_maybe(s);
	in.target_rps = next_maybe(s);
	in.min_replicas = (int32_t) next_int(s, 0, INT32_MAX);
	in.max_replicas = (int32_t) next_int(s, in.min_replicas, INT32_MAX);
	in.current_replicas = (int32_t) next_int(s, 0, INT32_MAX);
	memset(d.reason, 'x', sizeof(d.reason));

	decide_inference(rules, &in, &d);

	current = in.current_replicas;
	target = d.new_replicas;
	REQUIRE(memchr(d.reason, '\0', sizeof(d.reason)) != NULL);
	REQUIRE(d.reason[0] != '\0');
	REQUIRE(d.delta >= 0);
	REQUIRE(d.delta == (target > current ? target - current : current - target));
	REQUIRE(d.action == (target > current ? ACTION_SCALE_OUT :
						 target < current ? ACTION_SCALE_IN : ACTION_NONE));
	REQUIRE(strcmp(scaling_action_name(d.action), d.action == ACTION_SCALE_OUT ? "scale_out" :
				   d.action == ACTION_SCALE_IN ? "scale_in" : "none") == 0);

	if (current > in.max_replicas)
	{
		REQUIRE(target == in.max_replicas);
		REQUIRE(strcmp(d.reason, "above_max_replicas") == 0);
		return;
	}
	if (current < in.min_replicas)
	{
		REQUIRE(target == in.min_replicas);
		REQUIRE(strcmp(d.reason, "below_min_replicas") == 0);
		return;
	}
	/* within the bounds: stays within them, one step at most */
	REQUIRE(target >= in.min_replicas && target <= in.max_replicas);
	REQUIRE(d.delta <= rules->step);
	all_known = in.cpu_avg.known && in.memory_avg.known && in.latency_p95_ms.known &&
		in.requests_per_second.known && in.target_rps.known;
	/* a scale-in needs every metric, and only when each is low */
	if (d.action == ACTION_SCALE_IN)
	{
		REQUIRE(all_known);
		REQUIRE(strcmp(d.reason, "all_metrics_low") == 0);
		REQUIRE(ts_decimal_cmp(in.cpu_avg.value, ts_decimal_mul(rules->cpu_low, hundred)) < 0);
		REQUIRE(ts_decimal_cmp(in.requests_per_second.value,
							   ts_decimal_mul(in.target_rps.value, rules->rps_low_factor)) < 0);
	}
	/* a scale-out names the metrics that are known and high */
	if (d.action == ACTION_SCALE_OUT)
	{
		if (strstr(d.reason, "cpu_high"))
			REQUIRE(in.cpu_avg.known &&
					ts_decimal_cmp(in.cpu_avg.value, ts_decimal_mul(rules->cpu_high, hundred)) > 0);
		if (strstr(d.reason, "memory_high"))
			REQUIRE(in.memory_avg.known);
		if (strstr(d.reason, "latency_high"))
			REQUIRE(in.latency_p95_ms.known &&
					ts_decimal_cmp(in.latency_p95_ms.value, rules->latency_p95_high_ms) > 0);
		if (strstr(d.reason, "rps_high"))
			REQUIRE(in.requests_per_second.known && in.target_rps.known);
	}
	if (!in.cpu_avg.known && !in.memory_avg.known && !in.latency_p95_ms.known &&
		!in.requests_per_second.known)
		REQUIRE(d.action == ACTION_NONE);
	if (d.action == ACTION_NONE && current < in.max_replicas && current > in.min_replicas)
		REQUIRE(strcmp(d.reason, "within_target") == 0 || strcmp(d.reason, "insufficient_data") == 0);
}

static void
check_cooldown(Source *s, int32_t scale_in_cooldown_s, int32_t scale_out_cooldown_s)
{
	ScalingHistory h;
	ScalingAction action = (ScalingAction) (next_bits(s) % 3);
	int64_t		now = next_int(s, 0, LATEST_NOW_US);
	const char *refusal;

	h.has_last_scale_out = next_bool(s);
	h.last_scale_out_us = next_bool(s) ? now - next_int(s, 0, INT64_C(200000000000)) :
		next_int(s, PG_MIN_TIMESTAMP_US, PG_MAX_TIMESTAMP_US);
	h.has_last_scaled = next_bool(s);
	h.last_scaled_us = next_bool(s) ? now - next_int(s, 0, INT64_C(200000000000)) :
		next_int(s, PG_MIN_TIMESTAMP_US, PG_MAX_TIMESTAMP_US);

	refusal = cooldown_refusal(action, now, &h, scale_in_cooldown_s, scale_out_cooldown_s);
	/* refused exactly while the last change is more recent than the cooldown */
	if (action == ACTION_NONE)
		REQUIRE(refusal == NULL);
	else if (action == ACTION_SCALE_OUT)
		REQUIRE(h.has_last_scale_out &&
				h.last_scale_out_us > now - (int64_t) scale_out_cooldown_s * 1000000 ?
				refusal != NULL && strcmp(refusal, "scale_out_cooldown") == 0 : refusal == NULL);
	else
		REQUIRE(h.has_last_scaled &&
				h.last_scaled_us > now - (int64_t) scale_in_cooldown_s * 1000000 ?
				refusal != NULL && strcmp(refusal, "scale_in_cooldown") == 0 : refusal == NULL);
}

/* ---- the entry point ---- */

/* blanks, JSON punctuation and NUL end a token; a table keeps the byte loop cheap */
static bool separators[256];

static void
init_separators(void)
{
	static const char chars[] = " \t\n\r,:[]{}\"";
	const char *c;

	separators[0] = true;
	for (c = chars; *c; c++)
		separators[(uint8_t) *c] = true;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char tokens[MAX_TOKENS][MAX_TOKEN_LEN + 1];
	TsDecimal	values[MAX_TOKENS];
	int			owner[MAX_TOKENS];
	int			ntokens = 0;
	int			nvalues = 0;
	ScalingRules rules;
	bool		accepted;
	Source		source;
	size_t		pos = 0;
	uint64_t	hash = UINT64_C(14695981039346656037);
	int			k;

	if (!separators[0])
		init_separators();
	check_rules_document(data, size, &rules, &accepted);

	/* tokens between JSON punctuation, as decimals */
	while (pos < size && ntokens < MAX_TOKENS)
	{
		size_t		start;
		size_t		len;

		while (pos < size && separators[data[pos]])
			pos++;
		start = pos;
		while (pos < size && !separators[data[pos]])
			pos++;
		len = pos - start;
		if (len == 0 || len > MAX_TOKEN_LEN)
			continue;
		memcpy(tokens[ntokens], data + start, len);
		tokens[ntokens][len] = '\0';
		if (ts_decimal_parse(tokens[ntokens], &values[nvalues]))
		{
			check_decimal(tokens[ntokens], values[nvalues]);
			owner[nvalues++] = ntokens;
		}
		ntokens++;
	}
	for (k = 1; k < nvalues; k++)
		check_decimal_pair(tokens[owner[k - 1]], values[k - 1], tokens[owner[k]], values[k]);

	/* the decisions, from the rules read (or drawn) and values from the input */
	for (pos = 0; pos < size; pos++)
		hash = (hash ^ data[pos]) * UINT64_C(1099511628211);
	source.state = hash;
	source.values = values;
	source.nvalues = nvalues;
	source.next = 0;
	if (!accepted)
		draw_rules(&source, &rules);
	for (k = 0; k < 4; k++)
	{
		check_training(&source, &rules.training);
		check_inference(&source, &rules.inference);
		check_cooldown(&source, rules.training.scale_in_cooldown_seconds,
					   rules.training.scale_out_cooldown_seconds);
		check_cooldown(&source, rules.inference.scale_in_cooldown_seconds,
					   rules.inference.scale_out_cooldown_seconds);
	}
	return 0;
}
