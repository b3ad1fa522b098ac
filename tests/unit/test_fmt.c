/* test_fmt.c - the printf-free appenders write what printf would */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "util/buf.h"
#include "util/fmt.h"
#include "util/str.h"

static const uint64_t uint_cases[] = {
	0, 1, 9, 10, 11, 99, 100, 101, 4294967295u, 4294967296u,
	10000000000000000000u, UINT64_MAX - 1, UINT64_MAX,
};

static void
test_uint_like_printf(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(uint_cases) / sizeof(uint_cases[0]); i++) {
		struct buf b = BUF_INIT;
		char want[32], got[FMT_UINT_MAX_DIGITS + 1];
		size_t n;

		(void)snprintf(want, sizeof(want), "%llu",
		    (unsigned long long)uint_cases[i]);
		/* appended after what is there, not over it */
		FMT_LIT(&b, "n=");
		fmt_uint(&b, uint_cases[i]);
		assert_string_equal(buf_cstr(&b) + 2, want);
		assert_int_equal(b.len, 2 + strlen(want));
		n = fmt_uint_str(got, sizeof(got), uint_cases[i]);
		assert_string_equal(got, want);
		assert_int_equal(n, strlen(want));
		buf_deinit(&b);
	}
}

static void
test_hex2_every_byte(void **state)
{
	struct buf b = BUF_INIT, want = BUF_INIT;
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		fmt_hex2(&b, (unsigned char)c);
		buf_printf(&want, "%02x", c);
	}
	assert_int_equal(b.len, 512);
	assert_string_equal(buf_cstr(&b), buf_cstr(&want));
	buf_deinit(&b);
	buf_deinit(&want);
}

static void
test_literal_length(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	FMT_LIT(&b, "");
	assert_int_equal(b.len, 0);
	FMT_LIT(&b, ";\n\t");
	FMT_LIT(&b, "a\0b");	/* the length is the literal's, NUL and all */
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, ";\n\ta\0b", 7);
	buf_deinit(&b);
}

/* str_copy: strlcpy's contract, cut included */
static void
test_str_copy(void **state)
{
	char dst[6];

	(void)state;
	assert_int_equal(str_copy(dst, sizeof(dst), "abc"), 3);
	assert_string_equal(dst, "abc");
	assert_int_equal(str_copy(dst, sizeof(dst), "abcde"), 5);
	assert_string_equal(dst, "abcde");
	assert_int_equal(str_copy(dst, sizeof(dst), "abcdefgh"), 8);
	assert_string_equal(dst, "abcde");
	assert_int_equal(str_copy(dst, sizeof(dst), ""), 0);
	assert_string_equal(dst, "");
	assert_int_equal(str_copy(dst, 1, "xyz"), 3);
	assert_string_equal(dst, "");
}

/* uint_str_aborts - fmt_uint_str told its buffer is size bytes, in a
 * child; true when the child died of SIGABRT. The real buffer is larger,
 * so a call that wrongly goes on returns instead of crashing. */
static bool
uint_str_aborts(size_t size)
{
	char out[FMT_UINT_MAX_DIGITS * 2];
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		(void)fmt_uint_str(out, size, 7);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* A buffer one byte short of the longest number is the caller's bug,
 * caught even when the number at hand would fit */
static void
test_uint_str_short_buffer(void **state)
{
	(void)state;
	assert_true(uint_str_aborts(FMT_UINT_MAX_DIGITS));
	assert_true(uint_str_aborts(0));
	assert_false(uint_str_aborts(FMT_UINT_MAX_DIGITS + 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_like_printf),
		cmocka_unit_test(test_hex2_every_byte),
		cmocka_unit_test(test_literal_length),
		cmocka_unit_test(test_str_copy),
		cmocka_unit_test(test_uint_str_short_buffer),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
