/* test_logrec.c - the per-message log record: key=value and JSON escaping */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "log/logrec.h"
#include "util/buf.h"

/* One value and how each format must write it. */
struct escape_case {
	const char *label;
	const char *value;
	const char *kv;		/* "k=..." */
	const char *json;	/* {"k":...} */
};

static const struct escape_case escape_cases[] = {
	{ "plain word", "pass", "k=pass", "{\"k\":\"pass\"}" },
	{ "empty", "", "k=\"\"", "{\"k\":\"\"}" },
	{ "space", "a b", "k=\"a b\"", "{\"k\":\"a b\"}" },
	{ "quote and backslash", "a\"b\\c", "k=\"a\\\"b\\\\c\"",
	  "{\"k\":\"a\\\"b\\\\c\"}" },
	{ "equals sign", "x=y", "k=\"x=y\"", "{\"k\":\"x=y\"}" },
	{ "CR LF cannot forge a line", "a\r\nverdict=accept",
	  "k=\"a\\x0d\\x0averdict=accept\"",
	  "{\"k\":\"a\\r\\nverdict=accept\"}" },
	{ "tab and other controls", "\t\x01\x7f", "k=\"\\x09\\x01\\x7f\"",
	  "{\"k\":\"\\t\\u0001\\u007f\"}" },
	{ "valid UTF-8", "b\xc3\xa9" "b\xe2\x82\xac", "k=\"b\\xc3\\xa9b\\xe2\\x82\\xac\"",
	  "{\"k\":\"b\xc3\xa9" "b\xe2\x82\xac\"}" },
	{ "invalid UTF-8 byte", "a\xff" "b", "k=\"a\\xffb\"",
	  "{\"k\":\"a\\ufffdb\"}" },
	{ "overlong encoding", "\xc0\xaf", "k=\"\\xc0\\xaf\"",
	  "{\"k\":\"\\ufffd\\ufffd\"}" },
	{ "UTF-16 surrogate", "\xed\xa0\x80", "k=\"\\xed\\xa0\\x80\"",
	  "{\"k\":\"\\ufffd\\ufffd\\ufffd\"}" },
	{ "truncated sequence at the end", "x\xe2\x82", "k=\"x\\xe2\\x82\"",
	  "{\"k\":\"x\\ufffd\\ufffd\"}" },
};

static void
test_escape_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
		const struct escape_case *c = &escape_cases[i];
		struct logrec r;
		struct buf kv = BUF_INIT, js = BUF_INIT;

		logrec_init(&r);
		logrec_add(&r, "k", c->value);
		logrec_format_kv(&r, SIZE_MAX, &kv);
		logrec_format_json(&r, NULL, SIZE_MAX, &js);
		if (strcmp(buf_cstr(&kv), c->kv) != 0 ||
		    strcmp(buf_cstr(&js), c->json) != 0)
			fail_msg("%s: kv [%s] want [%s]; json [%s] want [%s]",
			    c->label, buf_cstr(&kv), c->kv, buf_cstr(&js), c->json);
		buf_deinit(&kv);
		buf_deinit(&js);
	}
}

static void
test_record_order_numbers_prefix(void **state)
{
	struct logrec r;
	struct buf kv = BUF_INIT, js = BUF_INIT;

	(void)state;
	logrec_init(&r);
	logrec_add(&r, "qid", "4XyZ1");
	logrec_add(&r, "auth", NULL);	/* absent: left out */
	logrec_add(&r, "verdict", "reject");
	logrec_add_uint(&r, "ms", 42);
	logrec_format_kv(&r, SIZE_MAX, &kv);
	assert_string_equal(buf_cstr(&kv), "qid=4XyZ1 verdict=reject ms=42");
	logrec_format_json(&r, "\"level\":\"info\"", SIZE_MAX, &js);
	assert_string_equal(buf_cstr(&js),
	    "{\"level\":\"info\",\"qid\":\"4XyZ1\",\"verdict\":\"reject\",\"ms\":42}");
	buf_deinit(&kv);
	buf_deinit(&js);
}

static void
test_long_value_cut(void **state)
{
	struct logrec r;
	struct buf kv = BUF_INIT, js = BUF_INIT;
	char *big = malloc(LOGREC_VALUE_MAX * 4);

	(void)state;
	assert_non_null(big);
	memset(big, 'a', LOGREC_VALUE_MAX * 4 - 1);
	big[LOGREC_VALUE_MAX * 4 - 1] = '\0';
	logrec_init(&r);
	logrec_add(&r, "helo", big);
	logrec_format_kv(&r, SIZE_MAX, &kv);
	logrec_format_json(&r, NULL, SIZE_MAX, &js);
	/* helo="aaa...aaa..." : key, =, quotes, the kept bytes */
	assert_int_equal(kv.len, strlen("helo=\"\"") + LOGREC_VALUE_MAX);
	assert_memory_equal(kv.data + kv.len - 4, "...\"", 4);
	assert_int_equal(js.len, strlen("{\"helo\":\"\"}") + LOGREC_VALUE_MAX);
	buf_deinit(&kv);
	buf_deinit(&js);
	free(big);
}

/* numbers are written in decimal, the largest one too */
static void
test_number_extremes(void **state)
{
	struct logrec r;
	struct buf kv = BUF_INIT, js = BUF_INIT;

	(void)state;
	logrec_init(&r);
	logrec_add_uint(&r, "a", 0);
	logrec_add_uint(&r, "b", 10);
	logrec_add_uint(&r, "c", UINT64_MAX);
	logrec_format_kv(&r, SIZE_MAX, &kv);
	assert_string_equal(buf_cstr(&kv), "a=0 b=10 c=18446744073709551615");
	logrec_format_json(&r, NULL, SIZE_MAX, &js);
	assert_string_equal(buf_cstr(&js),
	    "{\"a\":0,\"b\":10,\"c\":18446744073709551615}");
	buf_deinit(&kv);
	buf_deinit(&js);
}

/* A cut that splits a UTF-8 sequence leaves no broken sequence in JSON:
 * its bytes become U+FFFD before the "..."; in kv they are \xHH */
static void
test_cut_inside_utf8(void **state)
{
	struct logrec r;
	struct buf v = BUF_INIT, kv = BUF_INIT, js = BUF_INIT;
	size_t kept = LOGREC_VALUE_MAX - 3;

	(void)state;
	/* "a" x (kept - 1), then a 3-byte euro sign across the cut */
	while (v.len < kept - 1)
		buf_append_byte(&v, 'a');
	buf_append(&v, "\xe2\x82\xac" "tail", 7);
	while (v.len < LOGREC_VALUE_MAX + 10)
		buf_append_byte(&v, 'z');
	logrec_init(&r);
	logrec_add(&r, "k", buf_cstr(&v));
	logrec_format_json(&r, NULL, SIZE_MAX, &js);
	assert_int_equal(js.len, strlen("{\"k\":\"") + kept - 1 +
	    strlen("\\ufffd...\"}"));
	assert_string_equal(buf_cstr(&js) + js.len - strlen("a\\ufffd...\"}"),
	    "a\\ufffd...\"}");
	logrec_format_kv(&r, SIZE_MAX, &kv);
	assert_string_equal(buf_cstr(&kv) + kv.len - strlen("a\\xe2...\""),
	    "a\\xe2...\"");
	buf_deinit(&v);
	buf_deinit(&kv);
	buf_deinit(&js);
}

static void
test_field_cap(void **state)
{
	struct logrec r;
	struct buf kv = BUF_INIT;
	size_t i;

	(void)state;
	logrec_init(&r);
	for (i = 0; i < LOGREC_MAX_FIELDS + 5; i++)
		logrec_add(&r, "k", "v");
	assert_int_equal(r.count, LOGREC_MAX_FIELDS);
	logrec_format_kv(&r, SIZE_MAX, &kv);
	assert_int_equal(kv.len, LOGREC_MAX_FIELDS * 4 - 1);
	buf_deinit(&kv);
}

/* ref_kv_value - the key=value escaping written the simplest way, byte
 * by byte, as the formatter did before it copied by runs */
static void
ref_kv_value(struct buf *out, const char *s)
{
	const unsigned char *v = (const unsigned char *)s;
	size_t n = strnlen(s, LOGREC_VALUE_MAX + 1), i;
	bool cut = n > LOGREC_VALUE_MAX, plain = n > 0;
	char hex[5];

	if (cut)
		n = LOGREC_VALUE_MAX - 3;
	for (i = 0; i < n; i++)
		if (v[i] <= 0x20 || v[i] >= 0x7f || v[i] == '"' ||
		    v[i] == '\\' || v[i] == '=')
			plain = false;
	if (!cut && plain) {
		buf_append(out, v, n);
		return;
	}
	buf_append_byte(out, '"');
	for (i = 0; i < n; i++) {
		if (v[i] == '"' || v[i] == '\\') {
			buf_append_byte(out, '\\');
			buf_append_byte(out, v[i]);
		} else if (v[i] < 0x20 || v[i] >= 0x7f) {
			(void)snprintf(hex, sizeof(hex), "\\x%02x", v[i]);
			buf_append_str(out, hex);
		} else {
			buf_append_byte(out, v[i]);
		}
	}
	if (cut)
		buf_append_str(out, "...");
	buf_append_byte(out, '"');
}

/* test_kv_matches_reference - random values (mostly plain bytes, some
 * that need escaping, lengths around the cut) give what the byte by
 * byte reference gives */
static void
test_kv_matches_reference(void **state)
{
	static const unsigned char odd[] = { ' ', '=', '"', '\\', '\r',
	    '\n', 0x01, 0x1f, 0x7f, 0x80, 0xc3, 0xff, 'a' };
	static const size_t lens[] = { 0, 1, 2, 7, 40, LOGREC_VALUE_MAX - 4,
	    LOGREC_VALUE_MAX - 3, LOGREC_VALUE_MAX - 1, LOGREC_VALUE_MAX,
	    LOGREC_VALUE_MAX + 1, LOGREC_VALUE_MAX + 50 };
	char v[LOGREC_VALUE_MAX + 64];
	unsigned seed = 4242;
	size_t round, i;

	(void)state;
	/* every byte, alone and inside a plain value */
	for (i = 1; i < 256; i++) {
		struct logrec r;
		struct buf got = BUF_INIT, want = BUF_INIT;
		char one[2] = { (char)i, '\0' }, mid[4] = { 'a', (char)i, 'b', '\0' };

		logrec_init(&r);
		logrec_add(&r, "k", one);
		logrec_add(&r, "m", mid);
		logrec_format_kv(&r, SIZE_MAX, &got);
		buf_append_str(&want, "k=");
		ref_kv_value(&want, one);
		buf_append_str(&want, " m=");
		ref_kv_value(&want, mid);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.data, want.data, want.len);
		buf_deinit(&got);
		buf_deinit(&want);
	}
	for (round = 0; round < 3000; round++) {
		struct logrec r;
		struct buf got = BUF_INIT, want = BUF_INIT;
		size_t n = lens[round % (sizeof(lens) / sizeof(lens[0]))];
		unsigned density;

		seed = seed * 1103515245u + 12345u;
		density = (seed >> 16) % 4;	/* 0: plain only ... 3: often odd */
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			if (density > 0 && (seed >> 16) % (density == 3 ? 3 : 60) == 0)
				v[i] = (char)odd[(seed >> 8) % sizeof(odd)];
			else
				v[i] = (char)('!' + (seed >> 8) % 90);
			if (v[i] == '=' && density == 0)
				v[i] = 'x';
		}
		v[n] = '\0';
		logrec_init(&r);
		/* the value first, between, or last of a few fields; numbers
		 * and plain words around it */
		if (round % 3 != 0) {
			logrec_add(&r, "qid", "ABC123");
			logrec_add_uint(&r, "ms", round);
			buf_printf(&want, "qid=ABC123 ms=%zu ", round);
		}
		logrec_add(&r, "k", v);
		buf_append_str(&want, "k=");
		ref_kv_value(&want, v);
		if (round % 3 != 2) {
			logrec_add(&r, "verdict", "accept");
			logrec_add(&r, "e", "");
			buf_append_str(&want, " verdict=accept e=\"\"");
		}
		logrec_format_kv(&r, SIZE_MAX, &got);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.data, want.data, want.len);
		buf_deinit(&got);
		buf_deinit(&want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_table),
		cmocka_unit_test(test_record_order_numbers_prefix),
		cmocka_unit_test(test_long_value_cut),
		cmocka_unit_test(test_number_extremes),
		cmocka_unit_test(test_cut_inside_utf8),
		cmocka_unit_test(test_field_cap),
		cmocka_unit_test(test_kv_matches_reference),
	};

	return cmocka_run_group_tests_name("logrec", tests, NULL, NULL);
}
