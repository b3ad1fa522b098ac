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
	struct arena a;
	struct headers h;
	const struct header *f;

	(void)state;
	arena_init(&a, 0, 0);
	headers_init(&h, &a);
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
	/* the value is NUL-terminated after value_len, for C string users */
	assert_int_equal(h.list[2].value[2], '\0');
	headers_deinit(&h);
	assert_int_equal(h.count, 0);
	arena_deinit(&a);
}

/* a cleared list starts over: the next message of a connection sees
 * none of the previous one's fields, numbering restarts, and the entry
 * storage is reused rather than allocated again */
static void
test_clear_starts_over(void **state)
{
	struct arena a;
	struct headers h;
	const struct header *f;
	const struct header *list;

	(void)state;
	arena_init(&a, 256, 256);
	headers_init(&h, &a);
	(void)headers_add(&h, "From", (const unsigned char *)" a@first", 8);
	(void)headers_add(&h, "From", (const unsigned char *)" b@first", 8);
	list = h.list;
	headers_clear(&h);
	arena_reset(&a);
	assert_int_equal(h.count, 0);
	assert_int_equal(h.bytes, 0);
	assert_int_equal(headers_count_named(&h, "From"), 0);
	f = headers_add(&h, "From", (const unsigned char *)" c@second", 9);
	assert_ptr_equal(h.list, list);
	assert_int_equal(f->name_index, 1);
	assert_int_equal(h.count, 1);
	assert_int_equal(h.bytes, 4 + 9);
	assert_memory_equal(f->value, " c@second", 9);
	/* a long value gets its own block and survives later additions */
	{
		static unsigned char big[3000];

		memset(big, 'v', sizeof(big));
		f = headers_add(&h, "Received", big, sizeof(big));
		(void)headers_add(&h, "To", (const unsigned char *)" x", 2);
		assert_memory_equal(h.list[1].value, big, sizeof(big));
		assert_string_equal(h.list[1].name, "Received");
	}
	headers_deinit(&h);
	arena_deinit(&a);
}

/* more than HEADERS_KEEP entries: clear lets the big list go */
static void
test_clear_drops_big_list(void **state)
{
	struct arena a;
	struct headers h;
	size_t i;

	(void)state;
	arena_init(&a, 0, 0);
	headers_init(&h, &a);
	for (i = 0; i < HEADERS_KEEP + 1; i++)
		(void)headers_add(&h, "X", (const unsigned char *)" y", 2);
	assert_true(h.cap > HEADERS_KEEP);
	headers_clear(&h);
	assert_null(h.list);
	assert_int_equal(h.cap, 0);
	(void)headers_add(&h, "X", (const unsigned char *)" z", 2);
	assert_int_equal(h.count, 1);
	headers_deinit(&h);
	arena_deinit(&a);
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
	struct arena a;
	struct headers h;
	const struct header *f;

	(void)state;
	arena_init(&a, 0, 0);
	headers_init(&h, &a);
	(void)headers_add(&h, "From", (const unsigned char *)" a@b", 4);
	f = headers_add(&h, "From ", (const unsigned char *)" c@d", 4);
	assert_int_equal(f->name_index, 2);
	assert_string_equal(f->name, "From ");
	f = headers_add(&h, "Authentication-Results\t", (const unsigned char *)" x", 2);
	assert_int_equal(f->name_index, 1);
	assert_int_equal(headers_count_named(&h, "from"), 2);
	assert_int_equal(headers_count_named(&h, "FROM "), 2);
	headers_deinit(&h);
	arena_deinit(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_name_index),
		cmocka_unit_test(test_clear_starts_over),
		cmocka_unit_test(test_clear_drops_big_list),
		cmocka_unit_test(test_name_normalised),
		cmocka_unit_test(test_index_normalised),
	};

	return cmocka_run_group_tests_name("headers", tests, NULL, NULL);
}
