/* test_buf.c - the growable buffer and ASCII helpers */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

static void
test_append_keeps_nul(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_string_equal(buf_cstr(&b), "");
	buf_append(&b, "ab\0cd", 5);
	assert_int_equal(b.len, 5);
	assert_int_equal(b.data[5], '\0');
	assert_memory_equal(b.data, "ab\0cd", 5);
	buf_deinit(&b);
}

static void
test_growth_over_many_appends(void **state)
{
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 10000; i++)
		buf_append_byte(&b, (unsigned char)('a' + i % 26));
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.data[9999], 'a' + 9999 % 26);
	assert_int_equal(b.data[10000], '\0');
	buf_deinit(&b);
}

static void
test_printf_and_truncate(void **state)
{
	struct buf b = BUF_INIT;
	char *s;

	(void)state;
	buf_printf(&b, "%s=%d", "x", 42);
	buf_printf(&b, ";%c", 'y');
	assert_string_equal(buf_cstr(&b), "x=42;y");
	buf_truncate(&b, 2);
	assert_string_equal(buf_cstr(&b), "x=");
	s = buf_steal(&b);
	assert_string_equal(s, "x=");
	assert_null(b.data);
	free(s);
}

static void
test_ascii_case(void **state)
{
	char t[] = "  Mixed Case\t\r\n";

	(void)state;
	assert_int_equal(ascii_strcasecmp("From", "fROM"), 0);
	assert_true(ascii_strcasecmp("From", "Fro") > 0);
	assert_int_equal(ascii_strncasecmp("Authentication-Results", "authentication-resultsX", 22), 0);
	assert_true(ascii_memcaseeq("FROM", 4, "from"));
	assert_false(ascii_memcaseeq("FROM", 4, "fromx"));
	assert_false(ascii_memcaseeq("FRO", 3, "from"));
	assert_string_equal(str_trim(t), "Mixed Case");
	assert_string_equal(str_lower(t), "mixed case");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_keeps_nul),
		cmocka_unit_test(test_growth_over_many_appends),
		cmocka_unit_test(test_printf_and_truncate),
		cmocka_unit_test(test_ascii_case),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
