/* test_tagvalue.c - RFC 6376 3.2 tag=value lists: good, folded and hostile
 * input */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/tagvalue.h"

static void
test_table(void **state)
{
	static const struct {
		const char *label;
		const char *in;
		unsigned flags;
		enum tagvalue_status st;
		size_t count;
		const char *tag, *value;	/* one tag to look at */
	} cases[] = {
		{ "two tags", "v=1; a=rsa-sha256", 0, TAGVALUE_OK, 2, "a", "rsa-sha256" },
		{ "empty list", "", 0, TAGVALUE_OK, 0, NULL, NULL },
		{ "only separator", ";", 0, TAGVALUE_OK, 0, NULL, NULL },
		{ "trailing separator", "v=1;", 0, TAGVALUE_OK, 1, "v", "1" },
		{ "empty specs tolerated", "v=1;; ;p=x", 0, TAGVALUE_OK, 2, "p", "x" },
		{ "folding everywhere", " v = 1 ;\r\n\ta\r\n\t= x\r\n y \r\n", 0,
		  TAGVALUE_OK, 2, "a", "x\r\n y" },
		{ "bare LF folding", "a=\n x", 0, TAGVALUE_OK, 1, "a", "x" },
		{ "empty values", "v=;p=", 0, TAGVALUE_OK, 2, "p", "" },
		{ "name with digit and _", "a_1=z", 0, TAGVALUE_OK, 1, "a_1", "z" },
		{ "base64 with spaces", "b=AB CD\r\n EF==", 0, TAGVALUE_OK, 1, "b",
		  "AB CD\r\n EF==" },
		{ "duplicate", "v=1;v=2", 0, TAGVALUE_E_DUPLICATE, 1, NULL, NULL },
		{ "case differs (sensitive)", "V=1;v=2", 0, TAGVALUE_OK, 2, "v", "2" },
		{ "case differs (insensitive)", "V=1;v=2", TAGVALUE_CASE_INSENSITIVE,
		  TAGVALUE_E_DUPLICATE, 1, NULL, NULL },
		{ "name starts with digit", "1v=1", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "no equals", "v", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "no equals after good tag", "v=a;b", 0, TAGVALUE_E_SYNTAX, 1, NULL, NULL },
		{ "no name", "=x", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "space inside name", "a b=1", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "8-bit value", "v=\x80", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "control char value", "v=a\x01", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "8-bit name", "\xc3\xa9=1", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tagvalue_list l;
		const char *why = NULL;
		enum tagvalue_status st;

		print_message("# %s\n", cases[i].label);
		st = tagvalue_parse((const unsigned char *)cases[i].in,
		    strlen(cases[i].in), cases[i].flags, &l, &why);
		assert_int_equal(st, cases[i].st);
		assert_int_equal(l.count, cases[i].count);
		if (st != TAGVALUE_OK)
			assert_non_null(why);
		if (cases[i].tag != NULL) {
			const struct tagvalue *t = tagvalue_find(&l,
			    cases[i].tag, cases[i].flags);

			assert_non_null(t);
			assert_true(tagvalue_value_eq(t, cases[i].value));
		}
	}
}

static void
test_embedded_nul_is_syntax_error(void **state)
{
	static const unsigned char in[] = { 'v', '=', 'a', 0, 'b' };
	struct tagvalue_list l;

	(void)state;
	assert_int_equal(tagvalue_parse(in, sizeof(in), 0, &l, NULL),
	    TAGVALUE_E_SYNTAX);
}

static void
test_raw_span_covers_whitespace(void **state)
{
	static const char in[] = "a=1; b= AB\r\n CD ; c=2";
	struct tagvalue_list l;
	const struct tagvalue *b;

	(void)state;
	assert_int_equal(tagvalue_parse((const unsigned char *)in,
	    strlen(in), 0, &l, NULL), TAGVALUE_OK);
	b = tagvalue_find(&l, "b", 0);
	assert_non_null(b);
	assert_int_equal(b->raw_start, 7);		/* just after "b=" */
	assert_int_equal(b->raw_end, 16);		/* the ; */
	assert_true(tagvalue_value_eq(b, "AB\r\n CD"));
}

static void
test_tag_count_is_capped(void **state)
{
	char in[TAGVALUE_MAX_TAGS * 8 + 16];
	struct tagvalue_list l;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i <= TAGVALUE_MAX_TAGS; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "t%zu=1;", i);
	assert_int_equal(tagvalue_parse((const unsigned char *)in, n, 0, &l,
	    NULL), TAGVALUE_E_TOO_MANY);
	assert_int_equal(l.count, TAGVALUE_MAX_TAGS);
}

static void
test_random_input_never_crashes(void **state)
{
	static const unsigned char alphabet[] = "ab=; \t\r\n\x80\x00zZ09_-";
	unsigned char in[64];
	uint32_t seed = 12345;
	struct tagvalue_list l;
	size_t iter, i, len;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % sizeof(in);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		(void)tagvalue_parse(in, len, iter & 1, &l, NULL);
		assert_true(l.count <= TAGVALUE_MAX_TAGS);
		for (i = 0; i < l.count; i++) {
			assert_true(l.tag[i].value >= in);
			assert_true(l.tag[i].value + l.tag[i].value_len <= in + len);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_embedded_nul_is_syntax_error),
		cmocka_unit_test(test_raw_span_covers_whitespace),
		cmocka_unit_test(test_tag_count_is_capped),
		cmocka_unit_test(test_random_input_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
