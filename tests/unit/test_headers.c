/* test_headers.c - header list order and per-name indices */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/headers.h"

static void
test_per_name_index(void **state)
{
	struct headers h;
	const struct header *f;

	(void)state;
	headers_init(&h);
	f = headers_add(&h, "Received", (const unsigned char *)" a", 2);
	assert_int_equal(f->name_index, 1);
	f = headers_add(&h, "Authentication-Results", (const unsigned char *)" x", 2);
	assert_int_equal(f->name_index, 1);
	f = headers_add(&h, "received", (const unsigned char *)" b", 2);
	assert_int_equal(f->name_index, 2);
	f = headers_add(&h, "AUTHENTICATION-RESULTS", (const unsigned char *)" y\0z", 4);
	assert_int_equal(f->name_index, 2);
	assert_int_equal(f->value_len, 4);
	assert_memory_equal(f->value, " y\0z", 4);
	assert_int_equal(h.count, 4);
	assert_int_equal(headers_count_named(&h, "authentication-results"), 2);
	assert_string_equal(h.list[2].name, "received");
	headers_deinit(&h);
	assert_int_equal(h.count, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_name_index),
	};

	return cmocka_run_group_tests_name("headers", tests, NULL, NULL);
}
