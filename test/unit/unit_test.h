/* unit_test.h: a minimal harness; each CHECK counts as one assertion. */
#ifndef UNIT_TEST_H
#define UNIT_TEST_H

#include <stdio.h>
#include <string.h>

extern int	unit_passed;
extern int	unit_failed;

#define CHECK(cond) \
	do { \
		if (cond) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

#define CHECK_STR(actual, expected) \
	do { \
		const char *a_ = (actual), *e_ = (expected); \
		if (strcmp(a_, e_) == 0) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "%s:%d: got \"%s\", expected \"%s\"\n", __FILE__, __LINE__, a_, e_); \
		} \
	} while (0)

void		test_decimal(void);
void		test_rules(void);
void		test_rules_numbers(void);
void		test_rules_quotes(void);
void		test_invalid_rules(void);
void		test_decide(void);
void		test_cooldown(void);
void		test_policy(void);
void		test_forecast(void);
void		test_training_policy(void);
void		test_schedule(void);

#endif
