/* test_headers.c - header list order and per-name indices */
#include "config.h"

#include <setjmp.h>
#include <stdbool.h>
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

/* obsolete "From :" (RFC 5322 4.5.1): the name the MTA may hand over
 * with its trailing white space is the same field as "From" */
static void
test_name_normalised(void **state)
{
	static const struct {
		const char *name, *want;
		bool eq;
	} cases[] = {
		{ "From", "From", true },
		{ "From ", "From", true },
		{ "from\t", "FROM", true },
		{ "From \t \t", "from", true },
		{ "From", "From ", true },
		{ " From", "From", false },	/* leading WSP is not a name */
		{ "Fro m", "From", false },
		{ "From_", "From", false },
		{ "Fromm", "From", false },
		{ "", "From", false },
		{ " ", "", true },
		{ "DKIM-Signature ", "dkim-signature", true },
		{ "Authentication-Results\t", "Authentication-Results", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_true(headers_name_is(cases[i].name, cases[i].want) ==
		    cases[i].eq);
	assert_int_equal(headers_name_len((const unsigned char *)"From \t", 6), 4);
	assert_int_equal(headers_name_len((const unsigned char *)"  ", 2), 0);
	assert_true(headers_name_eq((const unsigned char *)"From\0", 5,
	    (const unsigned char *)"From", 4) == false);
}

/* fields named "From" and "From " are numbered as one name */
static void
test_index_normalised(void **state)
{
	struct headers h;
	const struct header *f;

	(void)state;
	headers_init(&h);
	(void)headers_add(&h, "From", (const unsigned char *)" a@b", 4);
	f = headers_add(&h, "From ", (const unsigned char *)" c@d", 4);
	assert_int_equal(f->name_index, 2);
	assert_string_equal(f->name, "From ");
	f = headers_add(&h, "Authentication-Results\t", (const unsigned char *)" x", 2);
	assert_int_equal(f->name_index, 1);
	assert_int_equal(headers_count_named(&h, "from"), 2);
	assert_int_equal(headers_count_named(&h, "FROM "), 2);
	headers_deinit(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_name_index),
		cmocka_unit_test(test_name_normalised),
		cmocka_unit_test(test_index_normalised),
	};

	return cmocka_run_group_tests_name("headers", tests, NULL, NULL);
}
