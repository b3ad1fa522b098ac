/* test_buf.c - the growable buffer and ASCII helpers */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
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

/* test_append_matches_reference - the inline fast path and the growth
 * path give the bytes a plain array gets, whatever the sizes: appends
 * that fill the buffer to its last byte, one past it, empty ones, and
 * reuse after buf_reset */
static void
test_append_matches_reference(void **state)
{
	static unsigned char ref[1 << 16];
	unsigned char chunk[700];
	struct buf b = BUF_INIT;
	size_t len = 0, round, i;
	unsigned seed = 12345;

	(void)state;
	for (round = 0; round < 4000; round++) {
		size_t n;

		seed = seed * 1103515245u + 12345u;
		switch (seed >> 28) {
		case 0:
			n = 0;
			break;
		case 1:
			/* exactly what is left before the NUL, or one more */
			n = b.cap > b.len + 1 ? b.cap - b.len - 1 +
			    ((seed >> 8) & 1) : 1;
			break;
		default:
			n = (seed >> 8) % 40;
			break;
		}
		if (n > sizeof(chunk))
			n = sizeof(chunk);
		if (len + n >= sizeof(ref) || (seed >> 24) == 0xff) {
			buf_reset(&b);
			len = 0;
		}
		for (i = 0; i < n; i++)
			chunk[i] = (unsigned char)(seed >> (i % 24));
		if ((seed & 3) == 0 && n > 0 && memchr(chunk, 0, n) == NULL) {
			char str[sizeof(chunk) + 1];

			memcpy(str, chunk, n);
			str[n] = '\0';
			buf_append_str(&b, str);
		} else if ((seed & 3) == 1 && n == 1) {
			buf_append_byte(&b, chunk[0]);
		} else if ((seed & 3) == 2) {
			/* room for more than is written, then commit */
			unsigned char *p = buf_space(&b, n + (seed >> 5) % 8);

			memcpy(p, chunk, n);
			buf_commit(&b, n);
		} else {
			buf_append(&b, chunk, n);
		}
		memcpy(ref + len, chunk, n);
		len += n;
		assert_int_equal(b.len, len);
		if (b.data != NULL) {
			assert_true(b.cap > b.len);
			assert_int_equal(b.data[b.len], '\0');
			assert_memory_equal(b.data, ref, len);
		}
	}
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

/* reserve_aborts - buf_reserve(extra) on a buffer holding len bytes, in
 * a child; true when the child died of SIGABRT */
static bool
reserve_aborts(size_t len, size_t extra)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct buf b = BUF_INIT;

		buf_append(&b, "0123456789", len);
		buf_reserve(&b, extra);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* A size that would wrap around (payload, extra and the NUL past
 * SIZE_MAX) aborts instead of growing too little */
static void
test_reserve_overflow(void **state)
{
	(void)state;
	assert_true(reserve_aborts(0, SIZE_MAX));
	assert_true(reserve_aborts(3, SIZE_MAX - 3));
	assert_true(reserve_aborts(10, SIZE_MAX - 5));
	assert_false(reserve_aborts(3, 1000));
}

/* The first growth is 256 bytes and then doubles; a reserve that fits,
 * the NUL counted, keeps the block */
static void
test_capacity_steps(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_append_byte(&b, 'x');
	assert_int_equal(b.cap, 256);
	assert_memory_equal(b.data, "x", 2);
	buf_reserve(&b, 254);
	assert_int_equal(b.cap, 256);
	buf_reserve(&b, 255);
	assert_int_equal(b.cap, 512);
	buf_deinit(&b);
	buf_reserve(&b, 255);
	assert_int_equal(b.cap, 256);
	buf_reserve(&b, 1000);
	assert_int_equal(b.cap, 1024);
	buf_deinit(&b);
	/* a byte that needs the block to grow is there after it */
	memset(buf_space(&b, 255), 'a', 255);
	buf_commit(&b, 255);
	assert_int_equal(b.cap, 256);
	buf_append_byte(&b, 'y');
	assert_int_equal(b.cap, 512);
	assert_memory_equal(b.data + 254, "ay", 3);
	buf_deinit(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_keeps_nul),
		cmocka_unit_test(test_growth_over_many_appends),
		cmocka_unit_test(test_append_matches_reference),
		cmocka_unit_test(test_printf_and_truncate),
		cmocka_unit_test(test_ascii_case),
		cmocka_unit_test(test_reserve_overflow),
		cmocka_unit_test(test_capacity_steps),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
