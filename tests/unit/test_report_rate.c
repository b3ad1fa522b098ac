/* test_report_rate.c - the failure reports' rate limit: per_hour reports
 * per domain and hour, domains counted apart, and a full table forgets
 * the domain counted longest ago, not one still counting */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "report/report_rate.h"

static void
test_per_hour(void **state)
{
	struct report_rate *r = report_rate_new(2);

	(void)state;
	assert_true(report_rate_take(r, "a.example", 7));
	assert_true(report_rate_take(r, "a.example", 7));
	assert_false(report_rate_take(r, "a.example", 7));
	assert_true(report_rate_take(r, "b.example", 7));	/* its own */
	assert_true(report_rate_take(r, "a.example", 8));	/* next hour */
	assert_true(report_rate_take(r, "a.example", 8));
	assert_false(report_rate_take(r, "a.example", 8));
	report_rate_free(&r);
	assert_null(r);
	r = report_rate_new(0);
	assert_false(report_rate_take(r, "a.example", 7));
	assert_false(report_rate_take(r, "a.example", 7));
	report_rate_free(&r);
}

/* name - "d<k>.example" */
static const char *
name(char *b, size_t n, unsigned k)
{
	(void)snprintf(b, n, "d%u.example", k);
	return b;
}

static void
test_full_table(void **state)
{
	struct report_rate *r = report_rate_new(1);
	char b[32];
	unsigned k, old = REPORT_RATE_DOMAINS / 2;

	(void)state;
	/* every slot taken in hour 1, then again in hour 2 but one */
	for (k = 0; k < REPORT_RATE_DOMAINS; k++)
		assert_true(report_rate_take(r, name(b, sizeof(b), k), 1));
	for (k = 0; k < REPORT_RATE_DOMAINS; k++)
		if (k != old)
			assert_true(report_rate_take(r, name(b, sizeof(b), k), 2));
	/* a new domain takes the slot of the one counted in hour 1 ... */
	assert_true(report_rate_take(r, "new.example", 2));
	assert_false(report_rate_take(r, "new.example", 2));
	/* ... and every other is still counted: over its limit */
	for (k = 0; k < REPORT_RATE_DOMAINS; k++)
		if (k != old && report_rate_take(r, name(b, sizeof(b), k), 2))
			fail_msg("%s forgotten, not d%u.example", b, old);
	report_rate_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_hour),
		cmocka_unit_test(test_full_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
