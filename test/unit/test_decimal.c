/* test_decimal.c: exact parsing, products, comparisons and printing. */
#include "unit_test.h"
#include "ts_decimal.h"

static TsDecimal
dec(const char *s)
{
	TsDecimal	d = {0, 0};

	if (!ts_decimal_parse(s, &d))
		fprintf(stderr, "cannot parse %s\n", s);
	return d;
}

static int
cmp(const char *a, const char *b)
{
	return ts_decimal_cmp(dec(a), dec(b));
}

static const char *
str(TsDecimal d)
{
	static char buf[64];

	ts_decimal_to_string(d, buf, sizeof(buf));
	return buf;
}

void
test_decimal(void)
{
	TsDecimal	d;

	/* parsing */
	CHECK(ts_decimal_parse("0", &d) && d.coef == 0);
	CHECK(ts_decimal_parse("-0.000", &d) && d.coef == 0 && d.exp == 0);
	CHECK(ts_decimal_parse("80.00", &d) && d.coef == 8 && d.exp == 1);
	CHECK(ts_decimal_parse("0.84", &d) && d.coef == 84 && d.exp == -2);
	CHECK(ts_decimal_parse("1e3", &d) && d.coef == 1 && d.exp == 3);
	CHECK(ts_decimal_parse("1.5E-2", &d) && d.coef == 15 && d.exp == -3);
	CHECK(ts_decimal_parse("+7", &d) && d.coef == 7);
	CHECK(ts_decimal_parse(".5", &d) && d.coef == 5 && d.exp == -1);
	CHECK(ts_decimal_parse("5.", &d) && d.coef == 5 && d.exp == 0);
	CHECK(!ts_decimal_parse("", &d));
	CHECK(!ts_decimal_parse("-", &d));
	CHECK(!ts_decimal_parse("NaN", &d));
	CHECK(!ts_decimal_parse("Infinity", &d));
	CHECK(!ts_decimal_parse("1e", &d));
	CHECK(!ts_decimal_parse("1.2.3", &d));
	CHECK(!ts_decimal_parse("12abc", &d));
	/* more than 18 significant digits round half away from zero */
	CHECK(ts_decimal_parse("1234567890123456789", &d) && d.coef == 123456789012345679LL && d.exp == 1);
	CHECK(ts_decimal_parse("0.10000000000000000049", &d) && d.coef == 1 && d.exp == -1);

	/* comparisons are exact where doubles are not */
	CHECK(cmp("0.84", "0.84") == 0);
	CHECK(ts_decimal_cmp(dec("0.84"), ts_decimal_mul(dec("0.7"), dec("1.2"))) == 0);
	CHECK(ts_decimal_cmp(dec("0.8400000000000001"), ts_decimal_mul(dec("0.7"), dec("1.2"))) > 0);
	CHECK(ts_decimal_cmp(dec("0.35"), ts_decimal_mul(dec("0.7"), dec("0.5"))) == 0);
	CHECK(cmp("80", "80.0") == 0);
	CHECK(cmp("80.000000000000001", "80") > 0);
	CHECK(cmp("79.999999999999999", "80") < 0);
	CHECK(cmp("-1", "1") < 0);
	CHECK(cmp("-2", "-1") < 0);
	CHECK(cmp("0", "-0.1") > 0);
	CHECK(cmp("1e20", "99999999999999999999") == 0);	/* 20 digits round to 18 */
	CHECK(cmp("1e17", "99999999999999999") > 0);
	CHECK(cmp("1e-30", "0") > 0);
	CHECK(cmp("123456789012345678", "123456789012345677") > 0);
	CHECK(cmp("0.000000000000000001", "0.000000000000000002") < 0);
	/* exponents of ten digits are read exactly, longer ones saturate (found by the fuzzer) */
	CHECK(ts_decimal_parse("1e1000000002", &d) && d.coef == 1 && d.exp == 1000000002);
	CHECK(ts_decimal_parse("9.01e1000000002", &d) && d.coef == 901 && d.exp == 1000000000);
	CHECK(cmp("1e1000000000", "1e999999999") > 0);
	CHECK(cmp("1e99999999999999999999", "1e2000000000") >= 0);

	/* products */
	CHECK(ts_decimal_cmp(ts_decimal_mul(dec("0.8"), dec("100")), dec("80")) == 0);
	d = ts_decimal_mul(dec("999999999999999999"), dec("999999999999999999"));
	CHECK(d.coef == (__int128) 999999999999999999LL * 999999999999999999LL && d.exp == 0);
	CHECK(ts_decimal_cmp(d, dec("999999999999999999e18")) < 0);

	/* from double: the shortest text that reads back */
	CHECK(ts_decimal_from_double(1.2, &d) && ts_decimal_cmp(d, dec("1.2")) == 0);
	CHECK(ts_decimal_from_double(0.1, &d) && ts_decimal_cmp(d, dec("0.1")) == 0);
	CHECK(ts_decimal_from_double(300, &d) && ts_decimal_cmp(d, dec("300")) == 0);
	CHECK(ts_decimal_from_double(1.0 / 3.0, &d) && ts_decimal_cmp(d, dec("0.3333333333333333")) == 0);

	/* truncation */
	CHECK(ts_decimal_trunc_int32(dec("7.9")) == 7);
	CHECK(ts_decimal_trunc_int32(dec("-7.9")) == -7);
	CHECK(ts_decimal_trunc_int32(dec("1e12")) == INT32_MAX);
	CHECK(ts_decimal_trunc_int32(dec("-1e12")) == INT32_MIN);
	CHECK(ts_decimal_trunc_int32(dec("0.0001")) == 0);
	CHECK(ts_decimal_trunc_int32(ts_decimal_mul(dec("1.5"), dec("3"))) == 4);

	/* printing */
	CHECK_STR(str(dec("0.84")), "0.84");
	CHECK_STR(str(dec("1200")), "1200");
	CHECK_STR(str(dec("-12.5")), "-12.5");
	CHECK_STR(str(dec("0")), "0");
	CHECK_STR(str(dec("0.001")), "0.001");
	CHECK_STR(str(dec("1e50")), "1e50");
	CHECK_STR(str(dec("-2.5e-60")), "-2.5e-60");
}
