/* test_util_name_index.c - name_index: every name kept is found with its
 * value through the growth of the table, a second add of a name keeps
 * the first value, case is ignored only when asked, and init and deinit
 * leave a usable empty index whatever the memory held before */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util/name_index.h"

#define NAMES 1000

static char names[NAMES][16];

/* dirty_init - name_index_init over memory full of garbage */
static void
dirty_init(struct name_index *x, bool nocase)
{
	memset(x, 0xa5, sizeof(*x));
	name_index_init(x, nocase);
}

/* Many names: each is found with its own value after every growth, and
 * names never added are not */
static void
test_many_names(void **state)
{
	struct name_index x;
	size_t i, v;

	(void)state;
	dirty_init(&x, false);
	assert_false(name_index_find(&x, "none", &v));
	for (i = 0; i < NAMES; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "key%zu", i);
		assert_true(name_index_add(&x, names[i], i * 3, NULL));
		assert_true(name_index_find(&x, names[0], &v));
		assert_int_equal(v, 0);
		assert_true(name_index_find(&x, names[i], &v));
		assert_int_equal(v, i * 3);
	}
	assert_int_equal(x.count, NAMES);
	assert_true(x.count * 2 <= x.cap);
	for (i = 0; i < NAMES; i++) {
		assert_true(name_index_find(&x, names[i], &v));
		assert_int_equal(v, i * 3);
	}
	assert_false(name_index_find(&x, "key1000", &v));
	assert_false(name_index_find(&x, "KEY1", &v));
	name_index_deinit(&x);
	assert_false(name_index_find(&x, names[1], &v));
	assert_int_equal(x.count, 0);
	assert_null(x.slot);
}

/* A name added twice keeps its first value and reports it; old_r may
 * be NULL */
static void
test_duplicate_keeps_first(void **state)
{
	struct name_index x;
	size_t v = 77, old = 99;

	(void)state;
	dirty_init(&x, false);
	assert_true(name_index_add(&x, "a", 1, &old));
	assert_int_equal(old, 99);
	assert_false(name_index_add(&x, "a", 2, &old));
	assert_int_equal(old, 1);
	assert_false(name_index_add(&x, "a", 3, NULL));
	assert_true(name_index_find(&x, "a", &v));
	assert_int_equal(v, 1);
	assert_int_equal(x.count, 1);
	name_index_deinit(&x);
}

/* nocase folds ASCII letters only, and survives deinit */
static void
test_nocase(void **state)
{
	struct name_index x;
	size_t v = 0;

	(void)state;
	dirty_init(&x, true);
	assert_true(name_index_add(&x, "Example.COM", 5, NULL));
	assert_true(name_index_find(&x, "example.com", &v));
	assert_int_equal(v, 5);
	assert_false(name_index_add(&x, "EXAMPLE.com", 6, NULL));
	assert_false(name_index_find(&x, "example.co", &v));
	name_index_deinit(&x);
	assert_true(x.nocase);
	assert_true(name_index_add(&x, "\xc3\x89", 1, NULL));
	assert_true(name_index_add(&x, "\xc3\xa9", 2, NULL));
	assert_true(name_index_find(&x, "\xc3\x89", &v));
	assert_int_equal(v, 1);
	name_index_deinit(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_names),
		cmocka_unit_test(test_duplicate_keeps_first),
		cmocka_unit_test(test_nocase),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
