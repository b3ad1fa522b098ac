/* test_logrec_budget.c - the per-message record within a line budget:
 * a record whose values would pass it has its longest values cut
 * further (ending in "...", escapes and UTF-8 characters whole), every
 * key kept in its place, the short values and numbers untouched; a
 * record within it is written as without one */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "log/logrec.h"
#include "util/buf.h"
#include "util/utf8.h"

/* the budget the log gives a kv line (4096 less prefix and newline) */
#define BUDGET 4022
/* longest filler a test value gets: past the 1024-byte cut */
#define FILL_MAX 1500

/* A record's field as a test gives it: a short fixed value, a number,
 * or count copies of unit (made long) */
struct field_spec {
	const char *key;
	const char *value;	/* NULL: a number, or a filled value */
	const char *unit;	/* filled value: repeated; NULL: number */
	size_t count;
};

/* A record as the milter makes one from a hostile message: plain,
 * escaped (quote, backslash, control bytes) and UTF-8 values near and
 * past the 1024-byte cut, among short values and numbers */
static const struct field_spec hostile[] = {
	{ "qid", "4XyZ1", NULL, 0 },
	{ "stage", "eom", NULL, 0 },
	{ "client_name", NULL, "\"\\", 600 },
	{ "client_ip", "192.0.2.10", NULL, 0 },
	{ "helo", NULL, "\x01", 1100 },
	{ "from", NULL, "a", 1000 },
	{ "spf", "pass", NULL, 0 },
	{ "dkim", "permerror,permerror", NULL, 0 },
	{ "dkim_d", NULL, "d\xc3\xa9", 400 },
	{ "dkim_s", NULL, "s\\", 700 },
	{ "dkim_reason", "malformed d=,malformed d=", NULL, 0 },
	{ "dmarc", "none", NULL, 0 },
	{ "dmarc_from", NULL, "l\xe2\x82\xac", 300 },
	{ "dmarc_authors", NULL, "x:pass,", 200 },
	{ "arc_reason", NULL, "\r\n", 500 },
	{ "forged_ar_removed", NULL, NULL, 0 },
	{ "verdict", "reject", NULL, 0 },
	{ "why", "dmarc-reject", NULL, 0 },
	{ "ms", NULL, NULL, 0 },
};
#define HOSTILE_COUNT (sizeof(hostile) / sizeof(hostile[0]))

/* filled - the values of spec (the record borrows them) */
struct filled {
	char text[HOSTILE_COUNT][FILL_MAX * 4 + 1];
};

/* make_record - r from spec; numbers are the field's index times 7 */
static void
make_record(struct logrec *r, const struct field_spec *spec, size_t n,
    struct filled *fill)
{
	size_t i, k, ulen;

	logrec_init(r);
	for (i = 0; i < n; i++) {
		if (spec[i].value != NULL) {
			logrec_add(r, spec[i].key, spec[i].value);
			continue;
		}
		if (spec[i].unit == NULL) {
			logrec_add_uint(r, spec[i].key, i * 7);
			continue;
		}
		ulen = strlen(spec[i].unit);
		fill->text[i][0] = '\0';
		for (k = 0; k < spec[i].count && (k + 1) * ulen <= FILL_MAX * 4;
		    k++)
			memcpy(fill->text[i] + k * ulen, spec[i].unit, ulen);
		fill->text[i][k * ulen] = '\0';
		logrec_add(r, spec[i].key, fill->text[i]);
	}
}

/* A value as the line wrote it: where its text starts and ends (without
 * quotes) and whether it was quoted. */
struct seen {
	char key[32];
	const char *text;
	size_t len;
	bool quoted;
};

/* kv_split - the line's fields as README's regular expression splits
 * it: key=value or key="..." with \" \\ \xHH, one space between; false
 * if the line is not made only of those */
static bool
kv_split(const char *p, struct seen *out, size_t max, size_t *n_r)
{
	size_t n = 0, k;

	while (*p != '\0') {
		if (n == max)
			return false;
		for (k = 0; (p[k] >= 'a' && p[k] <= 'z') || p[k] == '_'; k++)
			;
		if (k == 0 || k >= sizeof(out[n].key) || p[k] != '=')
			return false;
		memcpy(out[n].key, p, k);
		out[n].key[k] = '\0';
		p += k + 1;
		out[n].quoted = *p == '"';
		if (out[n].quoted) {
			out[n].text = ++p;
			while (*p != '"' && *p != '\0')
				p += *p == '\\' && p[1] != '\0' ? 2 : 1;
			if (*p != '"')
				return false;
			out[n].len = (size_t)(p - out[n].text);
			p++;
		} else {
			out[n].text = p;
			p += strcspn(p, " \"");
			out[n].len = (size_t)(p - out[n].text);
			if (out[n].len == 0 || *p == '"')
				return false;
		}
		n++;
		if (*p == ' ' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			return false;
	}
	*n_r = n;
	return true;
}

/* json_split - the fields of a flat object {"k":"v","k":7,...}; false
 * unless every string is valid JSON (escapes whole, \u with four hex
 * digits, valid UTF-8) */
static bool
json_split(const char *p, struct seen *out, size_t max, size_t *n_r)
{
	size_t n = 0, k, u;

	if (*p++ != '{')
		return false;
	while (*p != '}') {
		if (n == max || *p++ != '"')
			return false;
		k = strcspn(p, "\"");
		if (k == 0 || k >= sizeof(out[n].key) || p[k] != '"' ||
		    p[k + 1] != ':')
			return false;
		memcpy(out[n].key, p, k);
		out[n].key[k] = '\0';
		p += k + 2;
		out[n].quoted = *p == '"';
		if (!out[n].quoted) {
			out[n].text = p;
			for (k = 0; p[k] >= '0' && p[k] <= '9'; k++)
				;
			if (k == 0)
				return false;
			out[n].len = k;
			p += k;
		} else {
			out[n].text = ++p;
			while (*p != '"') {
				if ((unsigned char)*p < 0x20)
					return false;
				if (*p == '\\' && p[1] == 'u') {
					for (u = 2; u < 6; u++)
						if (strchr("0123456789abcdef",
						    p[u]) == NULL || p[u] == '\0')
							return false;
					p += 6;
				} else if (*p == '\\') {
					if (p[1] == '\0' ||
					    strchr("\"\\/bfnrt", p[1]) == NULL)
						return false;
					p += 2;
				} else {
					u = utf8_seq_len((const unsigned char *)p,
					    strlen(p));
					if (u == 0)
						return false;
					p += u;
				}
			}
			out[n].len = (size_t)(p - out[n].text);
			p++;
		}
		n++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return false;
	}
	*n_r = n;
	return p[1] == '\0';
}

/* ends_cut - a value's text ends in "..." */
static bool
ends_cut(const struct seen *s)
{
	return s->len >= 3 && memcmp(s->text + s->len - 3, "...", 3) == 0;
}

/*
 * check_fitted - line (kv, or JSON after one "level" member) of the
 * hostile record within max: every field once in the record's order; a
 * short value or number exactly as given; a long one whole or cut:
 * quoted, ending in "...", the kept text a start of what the line
 * without a budget (full) wrote, so no escape or character is split in
 * it (the parser checks the escapes are whole, and JSON's UTF-8).
 */
static void
check_fitted(const char *label, const char *line, const char *full,
    size_t max, bool json)
{
	struct seen got[HOSTILE_COUNT + 2], all[HOSTILE_COUNT + 2];
	size_t n = 0, n_all = 0, i, cut = 0, off = json ? 1 : 0;
	bool ok;

	if (strlen(line) > max)
		fail_msg("%s: %zu bytes, budget %zu", label, strlen(line), max);
	ok = json ? json_split(line, got, HOSTILE_COUNT + 2, &n) :
	    kv_split(line, got, HOSTILE_COUNT + 2, &n);
	if (!ok || n != HOSTILE_COUNT + off)
		fail_msg("%s: does not parse into %zu fields (%zu): %s", label,
		    HOSTILE_COUNT + off, n, line);
	ok = json ? json_split(full, all, HOSTILE_COUNT + 2, &n_all) :
	    kv_split(full, all, HOSTILE_COUNT + 2, &n_all);
	assert_true(ok && n_all == n);
	for (i = off; i < n; i++) {
		const struct field_spec *f = &hostile[i - off];

		if (strcmp(got[i].key, f->key) != 0)
			fail_msg("%s: field %zu is %s, want %s", label, i,
			    got[i].key, f->key);
		if (got[i].len == all[i].len &&
		    memcmp(got[i].text, all[i].text, all[i].len) == 0)
			continue;
		if (f->unit == NULL)
			fail_msg("%s: short %s changed", label, f->key);
		cut++;
		if (!got[i].quoted || !ends_cut(&got[i]) ||
		    got[i].len - 3 > all[i].len ||
		    memcmp(got[i].text, all[i].text, got[i].len - 3) != 0)
			fail_msg("%s: %s is no cut of its value: %.*s", label,
			    f->key, (int)got[i].len, got[i].text);
	}
	if (cut == 0)
		fail_msg("%s: nothing was cut", label);
	/* the cut makes room and no more: each cut value leaves at most
	 * a byte of the search's rounding and an escape's bytes (6, less
	 * the one it has) unused */
	if (strlen(line) + 6 * cut < max)
		fail_msg("%s: %zu bytes, %zu cut values, budget %zu: cut too "
		    "much", label, strlen(line), cut, max);
}

/* Many long values: kv and JSON within the budget, each key in place,
 * short values and numbers untouched, for budgets down to where every
 * long value is cut to a few bytes */
static void
test_hostile_record_fits(void **state)
{
	static const size_t budgets[] = { BUDGET, 4095, 3000, 2048, 1200,
	    900 };
	static struct filled fill;
	struct logrec r;
	struct buf full = BUF_INIT, fulljs = BUF_INIT;
	size_t b;
	char label[64];

	(void)state;
	make_record(&r, hostile, HOSTILE_COUNT, &fill);
	logrec_format_kv(&r, SIZE_MAX, &full);
	logrec_format_json(&r, "\"level\":\"info\"", SIZE_MAX, &fulljs);
	/* what the line would be without a budget: several KB */
	assert_true(full.len > 2 * BUDGET && fulljs.len > 2 * BUDGET);
	for (b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		struct buf kv = BUF_INIT, js = BUF_INIT;

		logrec_format_kv(&r, budgets[b], &kv);
		(void)snprintf(label, sizeof(label), "kv in %zu", budgets[b]);
		check_fitted(label, buf_cstr(&kv), buf_cstr(&full), budgets[b],
		    false);
		logrec_format_json(&r, "\"level\":\"info\"", budgets[b], &js);
		(void)snprintf(label, sizeof(label), "json in %zu", budgets[b]);
		check_fitted(label, buf_cstr(&js), buf_cstr(&fulljs),
		    budgets[b], true);
		/* the prefix member stays first, counted in the budget */
		assert_true(strncmp(buf_cstr(&js), "{\"level\":\"info\",", 16)
		    == 0);
		buf_deinit(&kv);
		buf_deinit(&js);
	}
	buf_deinit(&full);
	buf_deinit(&fulljs);
}

/* the parsers the checks use: they refuse what a cut must not leave */
static void
test_json_split_self(void **state)
{
	struct seen s[2];
	size_t n;

	(void)state;
	assert_true(json_split("{\"a\":\"x\\u0001y\",\"b\":7}", s, 2, &n) &&
	    n == 2);
	/* a cut inside an escape or a UTF-8 character is not valid */
	assert_false(json_split("{\"a\":\"x\\u00\"}", s, 2, &n));
	assert_false(json_split("{\"a\":\"x\xc3\"}", s, 2, &n));
	assert_true(kv_split("a=1 b=\"x\\\"y\"", s, 2, &n) && n == 2);
	assert_false(kv_split("a=1 b=\"x", s, 2, &n));
}

/* A record within the budget is written byte for byte as without one,
 * down to a budget of exactly its length; one byte less cuts */
static void
test_within_budget_unchanged(void **state)
{
	struct logrec r;
	struct buf full = BUF_INIT, kv = BUF_INIT, js = BUF_INIT,
	    fulljs = BUF_INIT;
	char big[1200];

	(void)state;
	memset(big, 'h', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	logrec_init(&r);
	logrec_add(&r, "qid", "Q1");
	logrec_add(&r, "helo", big);
	logrec_add(&r, "verdict", "accept");
	logrec_add_uint(&r, "ms", 3);
	logrec_format_kv(&r, SIZE_MAX, &full);
	logrec_format_kv(&r, full.len, &kv);
	assert_int_equal(kv.len, full.len);
	assert_memory_equal(kv.data, full.data, full.len);
	logrec_format_json(&r, NULL, SIZE_MAX, &fulljs);
	logrec_format_json(&r, NULL, fulljs.len, &js);
	assert_string_equal(buf_cstr(&js), buf_cstr(&fulljs));
	buf_reset(&kv);
	logrec_format_kv(&r, full.len - 1, &kv);
	assert_true(kv.len <= full.len - 1 && kv.len >= full.len - 2);
	assert_non_null(strstr(buf_cstr(&kv), "...\" verdict=accept ms=3"));
	buf_reset(&js);
	logrec_format_json(&r, NULL, fulljs.len - 1, &js);
	assert_true(js.len <= fulljs.len - 1);
	assert_non_null(strstr(buf_cstr(&js), "...\",\"verdict\":\"accept\","
	    "\"ms\":3}"));
	buf_deinit(&full);
	buf_deinit(&kv);
	buf_deinit(&fulljs);
	buf_deinit(&js);
}

/* logrec_json_string_max - a free-form text within max as it is; over
 * it, or said to be cut, cut before a whole character and ending in
 * "..." */
static void
test_json_string_max(void **state)
{
	/* "a", then euro signs (3 bytes), a control byte (\u0001) */
	static const char text[] = "a\xe2\x82\xac\xe2\x82\xac\x01z";
	static const struct {
		size_t max;
		bool cut;
		const char *want;
	} cases[] = {
		{ 100, false, "\"a\xe2\x82\xac\xe2\x82\xac\\u0001z\"" },
		{ 16, false, "\"a\xe2\x82\xac\xe2\x82\xac\\u0001z\"" },
		{ 100, true, "\"a\xe2\x82\xac\xe2\x82\xac\\u0001z...\"" },
		{ 15, false, "\"a\xe2\x82\xac\xe2\x82\xac...\"" },
		{ 12, false, "\"a\xe2\x82\xac\xe2\x82\xac...\"" },
		{ 11, false, "\"a\xe2\x82\xac...\"" },
		{ 9, false, "\"a\xe2\x82\xac...\"" },
		{ 8, false, "\"a...\"" },
		{ 6, false, "\"a...\"" },
		{ 5, false, "\"...\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;

		logrec_json_string_max(&out, text, strlen(text), cases[i].max,
		    cases[i].cut);
		if (strcmp(buf_cstr(&out), cases[i].want) != 0 ||
		    out.len > cases[i].max)
			fail_msg("max %zu cut %d: [%s] want [%s]", cases[i].max,
			    cases[i].cut, buf_cstr(&out), cases[i].want);
		buf_deinit(&out);
	}
}

/* exact_line - r as kv (json false) or JSON within max must be want */
static void
exact_line(const struct logrec *r, bool json, size_t max, const char *want)
{
	struct buf out = BUF_INIT;

	if (json)
		logrec_format_json(r, NULL, max, &out);
	else
		logrec_format_kv(r, max, &out);
	if (strcmp(buf_cstr(&out), want) != 0)
		fail_msg("max %zu: [%s] want [%s]", max, buf_cstr(&out), want);
	buf_deinit(&out);
}

/* The cut to the byte: a long value (the first field, plain or quoted)
 * fills the line to exactly max; a short value whose cost is the cap
 * stays whole; when even "..." for each does not fit, each is "..." */
static void
test_exact_cuts(void **state)
{
	char a[201], spaced[401], b[11];
	struct logrec r;
	size_t i;

	(void)state;
	memset(a, 'a', 200);
	a[200] = '\0';
	memset(b, 'b', 10);
	b[10] = '\0';
	for (i = 0; i < 400; i += 2)
		memcpy(spaced + i, "a ", 2);
	spaced[400] = '\0';
	logrec_init(&r);
	logrec_add(&r, "long", a);
	logrec_add(&r, "q", "x y");
	/* 5 + 47 + 8 = 60: 42 bytes of text, then `..."` */
	exact_line(&r, false, 60, "long=\"aaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaa...\" q=\"x y\"");
	logrec_init(&r);
	logrec_add(&r, "v", spaced);
	/* 2 + 58: 53 bytes of text, spaces and all */
	exact_line(&r, false, 60, "v=\"a a a a a a a a a a a a a a "
	    "a a a a a a a a a a a a a...\"");
	logrec_init(&r);
	logrec_add(&r, "a", b);
	logrec_add(&r, "long", a);
	exact_line(&r, false, 28, "a=bbbbbbbbbb long=\"aaaaa...\"");
	exact_line(&r, true, 38, "{\"a\":\"bbbbbbbbbb\",\"long\":\"aaaaaaa...\"}");
	logrec_init(&r);
	logrec_add(&r, "a", a);
	logrec_add(&r, "b", a);
	exact_line(&r, false, 10, "a=\"...\" b=\"...\"");
}

/* A byte that is no UTF-8 is one U+FFFD in a cut string too, and the
 * text ends at its length, not at its NUL */
static void
test_json_cut_invalid_byte(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	logrec_json_string_max(&out, "A\xffZ", 2, 100, true);
	assert_string_equal(buf_cstr(&out), "\"A\\ufffd...\"");
	buf_deinit(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_split_self),
		cmocka_unit_test(test_hostile_record_fits),
		cmocka_unit_test(test_within_budget_unchanged),
		cmocka_unit_test(test_json_string_max),
		cmocka_unit_test(test_exact_cuts),
		cmocka_unit_test(test_json_cut_invalid_byte),
	};

	return cmocka_run_group_tests_name("logrec_budget", tests, NULL, NULL);
}
