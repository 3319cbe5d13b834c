/* unit_main.c: runs the unit tests of the pure C code; prints "N passed, N failed". */
#include "unit_test.h"

int			unit_passed = 0;
int			unit_failed = 0;

int
main(void)
{
	test_decimal();
	test_rules();
	test_rules_numbers();
	test_rules_quotes();
	test_invalid_rules();
	test_decide();
	test_cooldown();
	test_policy();
	test_forecast();
	test_training_policy();
	test_schedule();
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}
