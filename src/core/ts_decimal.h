/*
 * ts_decimal.h: exact decimal numbers for the pure decision code.
 *
 * The seed compares thresholds in PostgreSQL numeric, where 0.7 * 1.2 is
 * exactly 0.84. Doubles cannot promise that, so the decision code works on
 * value = coef * 10^exp with a 128-bit coefficient. Inputs keep at most
 * TS_DECIMAL_MAX_DIGITS significant digits (rounded half away from zero
 * beyond), which makes every product of two inputs and every comparison
 * exact. No PostgreSQL headers here.
 */
#ifndef TS_DECIMAL_H
#define TS_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TS_DECIMAL_MAX_DIGITS 18

/*
 * 8-byte aligned, as PostgreSQL's own int128: palloc and the structs these
 * live in only promise 8, and 16-byte SSE moves of a misaligned __int128
 * would fault.
 */
typedef __int128 ts_coef_t __attribute__((aligned(8)));

typedef struct TsDecimal
{
	ts_coef_t	coef;			/* signed coefficient, no trailing zeros */
	int32_t		exp;			/* power of ten */
} TsDecimal;

/* Parse "[+-]digits[.digits][e[+-]digits]"; false on anything else. */
extern bool ts_decimal_parse(const char *text, TsDecimal *out);

/* The shortest decimal that reads back as the same double; false if not finite. */
extern bool ts_decimal_from_double(double value, TsDecimal *out);

extern TsDecimal ts_decimal_from_int(int64_t value);

/* The nearest double (exact for coefficients below 2^53 and exponents within +-22); HUGE_VAL beyond. */
extern double ts_decimal_to_double(TsDecimal a);
extern TsDecimal ts_decimal_mul(TsDecimal a, TsDecimal b);

/*
 * a + b, exactly; false when their exponents are too far apart for that
 * (more than 18 places: 1 + 1e-30 does not fit).
 */
extern bool ts_decimal_add(TsDecimal a, TsDecimal b, TsDecimal *sum);
extern TsDecimal ts_decimal_negate(TsDecimal a);

/* -1, 0 or 1 as a is less than, equal to or greater than b. */
extern int	ts_decimal_cmp(TsDecimal a, TsDecimal b);

extern bool ts_decimal_is_negative(TsDecimal a);

/* Truncate toward zero, saturating at the int32 range. */
extern int32_t ts_decimal_trunc_int32(TsDecimal a);

/* Plain notation ("0.84", "-12", "1200"); buf of at least 64 bytes. */
extern void ts_decimal_to_string(TsDecimal a, char *buf, size_t buflen);

#endif
