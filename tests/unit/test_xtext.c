/* test_xtext.c - RFC 3461 xtext decoding of ENVID and finding an ESMTP
 * parameter among MAIL FROM's arguments */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/buf.h"
#include "util/xtext.h"

/* decoded - xtext_decode_envid's verdict and text for in */
static const char *
decoded(struct buf *b, const char *in)
{
	return xtext_decode_envid(in, b) ? buf_cstr(b) : NULL;
}

static void
test_decode(void **state)
{
	struct buf b = BUF_INIT;
	char longest[3 * XTEXT_ENVID_MAX + 4];
	size_t i;

	(void)state;
	assert_string_equal(decoded(&b, "QQ314159"), "QQ314159");
	assert_string_equal(decoded(&b, ""), "");
	/* "+", "=" and the space come as hexchars */
	assert_string_equal(decoded(&b, "a+2Bb+3Dc+20d"), "a+b=c d");
	/* hexchar is upper case only; a "+" needs two digits */
	assert_null(decoded(&b, "a+2b"));
	assert_null(decoded(&b, "a+2"));
	assert_null(decoded(&b, "a+"));
	assert_null(decoded(&b, "a+G0"));
	assert_null(decoded(&b, "a+2a"));
	assert_null(decoded(&b, "a+2f"));
	assert_string_equal(decoded(&b, "+2A+2F+7E"), "*/~");
	/* both ends of 33-126 are xtext as they are */
	assert_string_equal(decoded(&b, "!~"), "!~");
	/* a raw "=" or a character outside 33-126 is not xtext */
	assert_null(decoded(&b, "a=b"));
	assert_null(decoded(&b, "a b"));
	assert_null(decoded(&b, "a\x80"));
	assert_null(decoded(&b, "a\x7f"));
	/* a line break or another control character is never decoded into
	 * a header field value */
	assert_null(decoded(&b, "a+0D+0ABcc:+20x@y"));
	assert_null(decoded(&b, "a+00b"));
	assert_null(decoded(&b, "a+1F"));
	assert_null(decoded(&b, "a+7F"));
	assert_null(decoded(&b, "a+C3+A9"));
	assert_int_equal(b.len, 0);
	/* at most 100 characters, counted decoded */
	for (i = 0; i < XTEXT_ENVID_MAX; i++)
		memcpy(longest + 3 * i, "+41", 3);
	longest[3 * XTEXT_ENVID_MAX] = '\0';
	assert_non_null(decoded(&b, longest));
	assert_int_equal(b.len, XTEXT_ENVID_MAX);
	strcpy(longest + 3 * XTEXT_ENVID_MAX, "B");
	assert_null(decoded(&b, longest));
	buf_deinit(&b);
}

static void
test_esmtp_param(void **state)
{
	char *args[] = { "SIZE=1000", "body=8BITMIME", "envid=x+2By",
	    "SMTPUTF8", "ENVIDX=no", NULL };
	char *none[] = { "ENVID", "ENVI=a", NULL };

	(void)state;
	assert_string_equal(xtext_esmtp_param(args, "ENVID"), "x+2By");
	assert_string_equal(xtext_esmtp_param(args, "BODY"), "8BITMIME");
	assert_null(xtext_esmtp_param(args, "RET"));
	/* a keyword without a value, or another keyword's prefix */
	assert_null(xtext_esmtp_param(none, "ENVID"));
	assert_null(xtext_esmtp_param(NULL, "ENVID"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_esmtp_param),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
