/* test_util_cfws.c - cfws_skip: RFC 5322 white space and comments
 * between the tokens of Authentication-Results and its ARC form */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/cfws.h"

/* pass_cfws - cfws_skip over the first len octets of s from *i, comments
 * nested up to depth deep */
static bool
pass_cfws(const char *s, size_t len, size_t *i, unsigned depth)
{
	return cfws_skip((const unsigned char *)s, len, i, depth);
}

/* Blanks, CR and LF are skipped up to the first other octet */
static void
test_white_space(void **state)
{
	size_t i = 0;

	(void)state;
	assert_true(pass_cfws(" \t\r\n x", 7, &i, 1));
	assert_int_equal(i, 5);
	/* nothing to skip leaves *i where it is */
	assert_true(pass_cfws(" \t\r\n x", 7, &i, 1));
	assert_int_equal(i, 5);
	/* the end of the input is no error */
	i = 1;
	assert_true(pass_cfws("x \t", 3, &i, 1));
	assert_int_equal(i, 3);
	i = 0;
	assert_true(pass_cfws("", 0, &i, 1));
	assert_int_equal(i, 0);
	/* nothing is read past len */
	i = 0;
	assert_true(pass_cfws("  (", 2, &i, 0));
	assert_int_equal(i, 2);
	/* a stray ")" is a token, not a comment's end */
	i = 0;
	assert_true(pass_cfws(" )", 2, &i, 1));
	assert_int_equal(i, 1);
}

/* Comments and the blanks around them, one after another */
static void
test_comments(void **state)
{
	const char *s = "(a) (b)\t( c )x";
	size_t i = 0;

	(void)state;
	assert_true(pass_cfws(s, strlen(s), &i, 1));
	assert_int_equal(i, 13);
	/* "()" is a comment */
	i = 0;
	assert_true(pass_cfws("()y", 3, &i, 1));
	assert_int_equal(i, 2);
	/* a comment ending the input */
	i = 0;
	assert_true(pass_cfws(" (a)", 4, &i, 1));
	assert_int_equal(i, 4);
}

/* "\x" in a comment is x, whatever x is */
static void
test_quoted_pair(void **state)
{
	const char *s = "(a\\)b\\(c\\\\)z";
	size_t i = 0;

	(void)state;
	assert_true(pass_cfws(s, strlen(s), &i, 1));
	assert_int_equal(i, 11);
	/* a "\" ending the input quotes nothing, and the comment is open;
	 * *i stays inside the input, not past it */
	i = 0;
	assert_false(pass_cfws("(a\\", 3, &i, 1));
	assert_true(i <= 3);
	/* the ")" past len does not close it */
	i = 0;
	assert_false(pass_cfws("(a\\))", 4, &i, 1));
}

/* A comment that does not end is an error, wherever the input stops */
static void
test_unterminated(void **state)
{
	size_t i = 0;

	(void)state;
	assert_false(pass_cfws("(abc", 4, &i, 1));
	i = 0;
	assert_false(pass_cfws("(", 1, &i, 1));
	i = 0;
	assert_false(pass_cfws("(a(b)", 5, &i, 2));
	/* the ")" that would close it lies past len */
	i = 0;
	assert_false(pass_cfws("(a)", 2, &i, 1));
}

/* Nesting up to max_depth is a comment, one deeper an error */
static void
test_depth(void **state)
{
	const char *s = "(1(2(3)2)1)x";
	size_t i = 0;

	(void)state;
	assert_true(pass_cfws(s, strlen(s), &i, 3));
	assert_int_equal(i, 11);
	i = 0;
	assert_false(pass_cfws(s, strlen(s), &i, 2));
	/* the depth counts nesting, not the comments in a row */
	i = 0;
	assert_true(pass_cfws("(a)(b)(c)(d)x", 13, &i, 1));
	assert_int_equal(i, 12);
	/* depth 0 allows no comment at all, but white space still */
	i = 0;
	assert_true(pass_cfws("  x", 3, &i, 0));
	assert_int_equal(i, 2);
	i = 0;
	assert_false(pass_cfws("()", 2, &i, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_white_space),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_quoted_pair),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
