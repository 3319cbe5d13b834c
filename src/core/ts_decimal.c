/*
 * ts_decimal.c: exact decimal parsing, product and comparison.
 *
 * Coefficients hold at most 18 digits after parsing, so a product holds at
 * most 36 and fits in 128 bits; comparison aligns exponents only when both
 * numbers have the same order of magnitude, which keeps the aligned
 * coefficient within 38 digits.
 */
#include "ts_decimal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
count_digits(__int128 magnitude)
{
	int			n = 1;

	/* 128-bit division is a library call: count in 64 bits when it fits */
	if (magnitude <= INT64_MAX)
	{
		int64_t		m = (int64_t) magnitude;

		while (m >= 10)
		{
			m /= 10;
			n++;
		}
		return n;
	}
	while (magnitude >= 10)
	{
		magnitude /= 10;
		n++;
	}
	return n;
}

static __int128
abs128(__int128 v)
{
	return v < 0 ? -v : v;
}

static TsDecimal
normalize(__int128 coef, int64_t exp)
{
	TsDecimal	d;

	if (coef == 0)
		exp = 0;
	if (coef >= INT64_MIN && coef <= INT64_MAX)
	{
		int64_t		small = (int64_t) coef;

		while (small != 0 && small % 10 == 0)
		{
			small /= 10;
			exp++;
		}
		coef = small;
	}
	while (coef != 0 && coef % 10 == 0)
	{
		coef /= 10;
		exp++;
	}
	/* exponents beyond int32 cannot come from 18-digit inputs we accept */
	if (exp > INT32_MAX / 2)
		exp = INT32_MAX / 2;
	if (exp < INT32_MIN / 2)
		exp = INT32_MIN / 2;
	d.coef = coef;
	d.exp = (int32_t) exp;
	return d;
}

bool
ts_decimal_parse(const char *text, TsDecimal *out)
{
	const char *p = text;
	bool		negative = false;
	bool		any_digit = false;
	bool		round_up = false;
	__int128	coef = 0;
	int			kept = 0;
	int64_t		exp = 0;

	if (*p == '+' || *p == '-')
		negative = (*p++ == '-');
	for (; *p >= '0' && *p <= '9'; p++)
	{
		any_digit = true;
		if (coef == 0 && *p == '0')
			continue;
		if (kept < TS_DECIMAL_MAX_DIGITS)
		{
			coef = coef * 10 + (*p - '0');
			kept++;
		}
		else
		{
			if (kept == TS_DECIMAL_MAX_DIGITS)
				round_up = (*p >= '5');
			kept++;
			exp++;
		}
	}
	if (*p == '.')
	{
		for (p++; *p >= '0' && *p <= '9'; p++)
		{
			any_digit = true;
			if (coef == 0 && *p == '0')
			{
				exp--;
				continue;
			}
			if (kept < TS_DECIMAL_MAX_DIGITS)
			{
				coef = coef * 10 + (*p - '0');
				kept++;
				exp--;
			}
			else if (kept++ == TS_DECIMAL_MAX_DIGITS)
				round_up = (*p >= '5');
		}
	}
	if (!any_digit)
		return false;
	if (*p == 'e' || *p == 'E')
	{
		bool		exp_negative = false;
		int64_t		e = 0;
		bool		exp_digit = false;

		p++;
		if (*p == '+' || *p == '-')
			exp_negative = (*p++ == '-');
		for (; *p >= '0' && *p <= '9'; p++)
		{
			exp_digit = true;
			/* exact up to INT32_MAX, then saturated there (normalize clamps more) */
			if (e <= INT32_MAX)
				e = e * 10 + (*p - '0');
		}
		if (!exp_digit)
			return false;
		if (e > INT32_MAX)
			e = INT32_MAX;
		exp += exp_negative ? -e : e;
	}
	if (*p != '\0')
		return false;
	if (round_up)
		coef++;
	*out = normalize(negative ? -coef : coef, exp);
	return true;
}

bool
ts_decimal_from_double(double value, TsDecimal *out)
{
	char		buf[64];
	int			precision;

	if (!isfinite(value))
		return false;
	for (precision = 1; precision <= 17; precision++)
	{
		snprintf(buf, sizeof(buf), "%.*g", precision, value);
		if (strtod(buf, NULL) == value)
			break;
	}
	return ts_decimal_parse(buf, out);
}

double
ts_decimal_to_double(TsDecimal a)
{
	double		coef = (double) a.coef;

	if (a.exp >= 0)
		return a.exp > 308 ? HUGE_VAL : coef * pow(10.0, a.exp);
	return a.exp < -308 ? 0.0 : coef / pow(10.0, -a.exp);
}

TsDecimal
ts_decimal_from_int(int64_t value)
{
	return normalize(value, 0);
}

TsDecimal
ts_decimal_mul(TsDecimal a, TsDecimal b)
{
	return normalize(a.coef * b.coef, (int64_t) a.exp + b.exp);
}

bool
ts_decimal_add(TsDecimal a, TsDecimal b, TsDecimal *sum)
{
	TsDecimal  *high = a.exp >= b.exp ? &a : &b;
	TsDecimal  *low = a.exp >= b.exp ? &b : &a;
	__int128	coef = high->coef;
	int64_t		shift = (int64_t) high->exp - low->exp;

	if (high->coef == 0 || low->coef == 0)
	{
		*sum = high->coef == 0 ? *low : *high;
		return true;
	}
	/* 10^36 times an 18-digit coefficient would not fit */
	if (shift > 36 - TS_DECIMAL_MAX_DIGITS)
		return false;
	while (shift-- > 0)
		coef *= 10;
	*sum = normalize(coef + low->coef, low->exp);
	return true;
}

TsDecimal
ts_decimal_negate(TsDecimal a)
{
	a.coef = -a.coef;
	return a;
}

bool
ts_decimal_is_negative(TsDecimal a)
{
	return a.coef < 0;
}

int
ts_decimal_cmp(TsDecimal a, TsDecimal b)
{
	int			sign_a = (a.coef > 0) - (a.coef < 0);
	int			sign_b = (b.coef > 0) - (b.coef < 0);
	__int128	ma,
				mb;
	int64_t		mag_a,
				mag_b;
	int			result;

	if (sign_a != sign_b)
		return sign_a < sign_b ? -1 : 1;
	if (sign_a == 0)
		return 0;
	ma = abs128(a.coef);
	mb = abs128(b.coef);
	mag_a = count_digits(ma) + (int64_t) a.exp;
	mag_b = count_digits(mb) + (int64_t) b.exp;
	if (mag_a != mag_b)
		result = mag_a < mag_b ? -1 : 1;
	else
	{
		/* same magnitude: the aligned coefficient has no more digits than the other */
		for (; a.exp > b.exp; a.exp--)
			ma *= 10;
		for (; b.exp > a.exp; b.exp--)
			mb *= 10;
		result = (ma > mb) - (ma < mb);
	}
	return sign_a > 0 ? result : -result;
}

int32_t
ts_decimal_trunc_int32(TsDecimal a)
{
	__int128	v = a.coef;
	int32_t		e;

	if (a.exp >= 0)
	{
		for (e = 0; e < a.exp; e++)
		{
			v *= 10;
			if (abs128(v) > INT32_MAX)
				break;
		}
	}
	else
	{
		for (e = a.exp; e < 0 && v != 0; e++)
			v /= 10;
	}
	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < INT32_MIN)
		return INT32_MIN;
	return (int32_t) v;
}

void
ts_decimal_to_string(TsDecimal a, char *buf, size_t buflen)
{
	char		digits[48];
	int			ndigits = 0;
	__int128	m = abs128(a.coef);
	size_t		pos = 0;
	int			point;
	int			i;

	do
	{
		digits[ndigits++] = (char) ('0' + (int) (m % 10));
		m /= 10;
	} while (m != 0);
	/* digits are reversed; point = number of digits before the decimal point */
	point = ndigits + a.exp;
	if (point > 40 || point < -40)
	{
		/* far outside any threshold: scientific form, d.ddde+N */
		pos = (size_t) snprintf(buf, buflen, "%s%c", a.coef < 0 ? "-" : "", digits[ndigits - 1]);
		if (ndigits > 1 && pos + 1 < buflen)
		{
			buf[pos++] = '.';
			for (i = ndigits - 2; i >= 0 && pos + 1 < buflen; i--)
				buf[pos++] = digits[i];
		}
		snprintf(buf + pos, buflen - pos, "e%d", point - 1);
		return;
	}
#define PUT(c) do { if (pos + 1 < buflen) buf[pos++] = (c); } while (0)
	if (a.coef < 0)
		PUT('-');
	if (point <= 0)
	{
		PUT('0');
		PUT('.');
		for (i = 0; i < -point; i++)
			PUT('0');
		for (i = ndigits - 1; i >= 0; i--)
			PUT(digits[i]);
	}
	else
	{
		for (i = 0; i < point; i++)
		{
			int			idx = ndigits - 1 - i;

			PUT(idx >= 0 ? digits[idx] : '0');
		}
		if (point < ndigits)
		{
			PUT('.');
			for (i = ndigits - 1 - point; i >= 0; i--)
				PUT(digits[i]);
		}
	}
#undef PUT
	buf[pos] = '\0';
}
