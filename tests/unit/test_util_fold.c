/* test_util_fold.c - fold_lines: where a long header line breaks (RFC
 * 5322 2.1.1, 3.2.2), octet for octet */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/buf.h"
#include "util/fold.h"

/* put - append n copies of c to b */
static void
put(struct buf *b, char c, size_t n)
{
	while (n-- > 0)
		buf_append_byte(b, (unsigned char)c);
}

/* assert_folds - fold_lines of in, first_used octets before it, is want */
static void
assert_folds(const struct buf *in, size_t first_used, const struct buf *want)
{
	struct buf out = BUF_INIT;

	fold_lines(in->data, in->len, first_used, &out);
	assert_int_equal(out.len, want->len);
	assert_memory_equal(out.data, want->data, want->len);
	buf_deinit(&out);
}

/* A line of room octets stays; one more octet folds it at its last
 * blank, and the continuation counts a whole FOLD_LINE_MAX. */
static void
test_fits_exactly(void **state)
{
	struct buf in = BUF_INIT, want = BUF_INIT;

	(void)state;
	put(&in, 'a', 10);
	put(&in, ' ', 1);
	put(&in, 'b', FOLD_LINE_MAX - 20 - 11);
	assert_folds(&in, 20, &in);
	buf_append_byte(&in, 'b');
	put(&want, 'a', 10);
	put(&want, '\n', 1);
	put(&want, ' ', 1);
	put(&want, 'b', FOLD_LINE_MAX - 20 - 10);
	assert_folds(&in, 20, &want);
	/* the continuation line may hold FOLD_LINE_MAX octets itself */
	buf_reset(&in);
	buf_reset(&want);
	put(&in, 'a', 10);
	put(&in, ' ', 1);
	put(&in, 'b', FOLD_LINE_MAX - 8);
	put(&in, ' ', 1);
	put(&in, 'c', 6);
	put(&want, 'a', 10);
	put(&want, '\n', 1);
	put(&want, ' ', 1);
	put(&want, 'b', FOLD_LINE_MAX - 8);
	put(&want, ' ', 1);
	put(&want, 'c', 6);
	assert_folds(&in, 20, &want);
	buf_deinit(&in);
	buf_deinit(&want);
}

/* The break goes at the last blank that leaves at most room octets
 * before it: a blank exactly at room is taken, one past it is not. */
static void
test_last_blank_that_fits(void **state)
{
	struct buf in = BUF_INIT, want = BUF_INIT;
	const size_t room = FOLD_LINE_MAX - 8;

	(void)state;
	put(&in, 'a', 5);
	put(&in, ' ', 1);
	put(&in, 'b', room - 6);
	put(&in, ' ', 1);	/* at room */
	put(&in, 'c', 1);
	put(&in, ' ', 1);	/* at room + 2 */
	put(&in, 'd', 3);
	put(&want, 'a', 5);
	put(&want, ' ', 1);
	put(&want, 'b', room - 6);
	put(&want, '\n', 1);
	put(&want, ' ', 1);
	put(&want, 'c', 1);
	put(&want, ' ', 1);
	put(&want, 'd', 3);
	assert_folds(&in, 8, &want);
	buf_deinit(&in);
	buf_deinit(&want);
}

/* With no blank early enough the first one after room is taken; the
 * line is then still too long, and later blanks fold it again. */
static void
test_first_blank_after(void **state)
{
	struct buf in = BUF_INIT, want = BUF_INIT;

	(void)state;
	put(&in, 'a', FOLD_LINE_MAX + 5);
	put(&in, ' ', 1);
	put(&in, 'b', 3);
	put(&in, ' ', 1);
	put(&in, 'c', 3);
	put(&want, 'a', FOLD_LINE_MAX + 5);
	put(&want, '\n', 1);
	put(&want, ' ', 1);
	put(&want, 'b', 3);
	put(&want, ' ', 1);
	put(&want, 'c', 3);
	assert_folds(&in, 0, &want);
	/* a blank one past room is the first after it */
	buf_reset(&in);
	buf_reset(&want);
	put(&in, 'a', FOLD_LINE_MAX + 1);
	put(&in, ' ', 1);
	put(&in, 'b', 2);
	put(&want, 'a', FOLD_LINE_MAX + 1);
	put(&want, '\n', 1);
	put(&want, ' ', 1);
	put(&want, 'b', 2);
	assert_folds(&in, 0, &want);
	buf_deinit(&in);
	buf_deinit(&want);
}

/* No line of blanks alone: blanks leading or ending the line are no
 * fold points, and a line with nowhere else to fold stays long. */
static void
test_no_blank_line(void **state)
{
	struct buf in = BUF_INIT, want = BUF_INIT;

	(void)state;
	put(&in, ' ', 3);
	put(&in, 'a', FOLD_LINE_MAX + 2);
	put(&in, ' ', 3);
	assert_folds(&in, 0, &in);
	/* the blanks after the text are no fold point, the one inside is */
	buf_append_byte(&in, 'b');
	put(&want, ' ', 3);
	put(&want, 'a', FOLD_LINE_MAX + 2);
	put(&want, '\n', 1);
	put(&want, ' ', 3);
	put(&want, 'b', 1);
	assert_folds(&in, 0, &want);
	/* trailing blanks right at the room are no fold point either */
	buf_reset(&in);
	buf_reset(&want);
	put(&in, 'a', 1);
	put(&in, ' ', 1);
	put(&in, 'b', FOLD_LINE_MAX - 2);
	put(&in, ' ', 2);
	put(&want, 'a', 1);
	put(&want, '\n', 1);
	put(&want, ' ', 1);
	put(&want, 'b', FOLD_LINE_MAX - 2);
	put(&want, ' ', 2);
	assert_folds(&in, 0, &want);
	/* a long first line after leading blanks folds after its text */
	buf_reset(&in);
	buf_reset(&want);
	put(&in, ' ', 2);
	put(&in, 'a', 4);
	put(&in, ' ', 1);
	put(&in, 'b', 2);
	put(&want, ' ', 2);
	put(&want, 'a', 4);
	put(&want, '\n', 1);
	put(&want, ' ', 1);
	put(&want, 'b', 2);
	assert_folds(&in, FOLD_LINE_MAX + 5, &want);
	buf_deinit(&in);
	buf_deinit(&want);
}

/* A blank right after a bare CR is no fold point: the LF added would
 * end the line there. */
static void
test_not_after_cr(void **state)
{
	struct buf in = BUF_INIT, want = BUF_INIT;

	(void)state;
	put(&in, 'a', 4);
	put(&in, ' ', 1);
	put(&in, 'b', FOLD_LINE_MAX - 7);
	put(&in, '\r', 1);
	put(&in, ' ', 1);
	put(&in, 'c', 4);
	put(&want, 'a', 4);
	put(&want, '\n', 1);
	put(&want, ' ', 1);
	put(&want, 'b', FOLD_LINE_MAX - 7);
	put(&want, '\r', 1);
	put(&want, ' ', 1);
	put(&want, 'c', 4);
	assert_folds(&in, 0, &want);
	/* and after the room the same */
	buf_reset(&in);
	buf_reset(&want);
	put(&in, 'a', FOLD_LINE_MAX + 1);
	put(&in, '\r', 1);
	put(&in, ' ', 1);
	put(&in, 'b', 1);
	put(&in, ' ', 1);
	put(&in, 'c', 1);
	put(&want, 'a', FOLD_LINE_MAX + 1);
	put(&want, '\r', 1);
	put(&want, ' ', 1);
	put(&want, 'b', 1);
	put(&want, '\n', 1);
	put(&want, ' ', 1);
	put(&want, 'c', 1);
	assert_folds(&in, 0, &want);
	buf_deinit(&in);
	buf_deinit(&want);
}

/* Line breaks already there are kept, their CRLF or LF not counted, and
 * each line after one has the whole FOLD_LINE_MAX. */
static void
test_existing_breaks(void **state)
{
	struct buf in = BUF_INIT, want = BUF_INIT;

	(void)state;
	put(&in, 'a', 1);
	put(&in, ' ', 1);
	put(&in, 'b', FOLD_LINE_MAX - 10 - 2);
	buf_append(&in, "\r\n", 2);
	put(&in, ' ', 1);
	put(&in, 'c', 5);
	put(&in, ' ', 1);
	put(&in, 'c', FOLD_LINE_MAX - 7);
	buf_append_byte(&in, '\n');
	put(&in, ' ', 1);
	put(&in, 'd', 5);
	put(&in, ' ', 1);
	put(&in, 'd', FOLD_LINE_MAX - 7);
	buf_append(&in, "\r\n", 2);
	assert_folds(&in, 10, &in);
	/* one octet more on the second line folds that line only */
	buf_reset(&in);
	put(&in, 'a', 3);
	buf_append(&in, "\r\n", 2);
	put(&in, ' ', 1);
	put(&in, 'c', 5);
	put(&in, ' ', 1);
	put(&in, 'd', FOLD_LINE_MAX - 6);
	buf_append(&in, "\r\n", 2);
	put(&want, 'a', 3);
	buf_append(&want, "\r\n", 2);
	put(&want, ' ', 1);
	put(&want, 'c', 5);
	put(&want, '\n', 1);
	put(&want, ' ', 1);
	put(&want, 'd', FOLD_LINE_MAX - 6);
	buf_append(&want, "\r\n", 2);
	assert_folds(&in, 10, &want);
	buf_deinit(&in);
	buf_deinit(&want);
}

/* An empty value gives nothing, a value of line breaks gives them back */
static void
test_empty(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	(void)state;
	fold_lines((const unsigned char *)"", 0, 5000, &out);
	assert_int_equal(out.len, 0);
	buf_append(&in, "\r\n\n\r\n", 5);
	assert_folds(&in, 5000, &in);
	buf_deinit(&in);
	buf_deinit(&out);
}

/* A last line of blanks alone, over the room, has nowhere to fold and
 * stays; it ends an exact-size buffer (no NUL, no LF after it), so a
 * search that looked one octet past the line shows under a sanitizer */
static void
test_blank_line_at_the_end(void **state)
{
	static const size_t lens[] = { 1, 2, 79 };
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		unsigned char *blanks = malloc(lens[k]);
		struct buf out = BUF_INIT;

		assert_non_null(blanks);
		memset(blanks, ' ', lens[k]);
		blanks[0] = '\t';
		fold_lines(blanks, lens[k], 5000, &out);
		assert_int_equal(out.len, lens[k]);
		assert_memory_equal(out.data, blanks, lens[k]);
		free(blanks);
		buf_deinit(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_exactly),
		cmocka_unit_test(test_last_blank_that_fits),
		cmocka_unit_test(test_first_blank_after),
		cmocka_unit_test(test_no_blank_line),
		cmocka_unit_test(test_not_after_cr),
		cmocka_unit_test(test_existing_breaks),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_blank_line_at_the_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
