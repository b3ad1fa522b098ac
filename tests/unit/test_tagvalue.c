/* test_tagvalue.c - RFC 6376 3.2 tag=value lists: good, folded and hostile
 * input */
#include "config.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
		{ "every letter once, both cases",
		  "a=1;b=1;c=1;d=1;e=1;f=1;g=1;h=1;i=1;j=1;k=1;l=1;m=1;n=1;"
		  "o=1;p=1;q=1;r=1;s=1;t=1;u=1;v=1;w=1;x=1;y=1;z=1;"
		  "A=2;B=2;C=2;D=2;E=2;F=2;G=2;H=2;I=2;J=2;K=2;L=2;M=2;N=2;"
		  "O=2;P=2;Q=2;R=2;S=2;T=2;U=2;V=2;W=2;X=2;Y=2;Z=2", 0,
		  TAGVALUE_OK, 52, "Z", "2" },
		{ "last letter repeated later", "Z=1;b=2;bh=3;Z=4", 0,
		  TAGVALUE_E_DUPLICATE, 3, NULL, NULL },
		{ "z and Z (insensitive)", "z=1;Z=2", TAGVALUE_CASE_INSENSITIVE,
		  TAGVALUE_E_DUPLICATE, 1, NULL, NULL },
		{ "letter and longer name", "b=1;bh=2;B_=3", 0, TAGVALUE_OK, 3,
		  "bh", "2" },
		{ "longer name repeated", "bh=1;b=2;bh=3", 0,
		  TAGVALUE_E_DUPLICATE, 2, NULL, NULL },
		{ "name starts with digit", "1v=1", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "no equals", "v", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "no equals after good tag", "v=a;b", 0, TAGVALUE_E_SYNTAX, 1, NULL, NULL },
		{ "no name", "=x", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "space inside name", "a b=1", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "8-bit value", "v=\x80", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "control char value", "v=a\x01", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "8-bit name", "\xc3\xa9=1", 0, TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		/* RFC 8616 5: DKIM-Signature values may hold UTF-8 */
		{ "UTF-8 value allowed", "d=b\xc3\xbc" "cher.example; s=s",
		  TAGVALUE_UTF8, TAGVALUE_OK, 2, "d", "b\xc3\xbc" "cher.example" },
		{ "UTF-8 among a long value", "b=AAAAAAAAAAAAAAAAAAAA\xc3\xa9"
		  "AAAAAAAAAAAAAAAAAAAAAA; x=1", TAGVALUE_UTF8, TAGVALUE_OK, 2,
		  "b", "AAAAAAAAAAAAAAAAAAAA\xc3\xa9" "AAAAAAAAAAAAAAAAAAAAAA" },
		{ "UTF-8 name still refused", "\xc3\xa9=1", TAGVALUE_UTF8,
		  TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		{ "control char still refused", "v=a\x01", TAGVALUE_UTF8,
		  TAGVALUE_E_SYNTAX, 0, NULL, NULL },
		/* the last byte of a value may be a UTF-8 continuation byte:
		 * it is part of the value, not cut off */
		{ "UTF-8 value ends in 8-bit byte", "s=caf\xc3\xa9; d=x",
		  TAGVALUE_UTF8, TAGVALUE_OK, 2, "s", "caf\xc3\xa9" },
		/* 0x80, the lowest 8-bit byte, is a continuation byte too
		 * (U+0100 is C4 80) */
		{ "UTF-8 value with byte 0x80", "d=\xc4\x80.example",
		  TAGVALUE_UTF8, TAGVALUE_OK, 1, "d", "\xc4\x80.example" },
		/* 'a', the first letter, shares its bit with 'A' when case is
		 * ignored, as every other letter does */
		{ "a and A (insensitive)", "a=1;A=2", TAGVALUE_CASE_INSENSITIVE,
		  TAGVALUE_E_DUPLICATE, 1, NULL, NULL },
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

/* the reason names what is wrong (it reaches the A-R comment and log) */
static void
test_syntax_reasons(void **state)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{ "x-y=a", "invalid character in tag name" },
		{ "v=1; bh.x=2", "invalid character in tag name" },
		{ "a b=1", "tag without '='" },
		{ "v", "tag without '='" },
		{ "v=1;b;", "tag without '='" },
		{ "1v=1", "tag name must start with a letter" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tagvalue_list l;
		const char *why = NULL;

		print_message("# %s\n", cases[i].in);
		assert_int_equal(tagvalue_parse((const unsigned char *)cases[i].in,
		    strlen(cases[i].in), 0, &l, &why), TAGVALUE_E_SYNTAX);
		assert_string_equal(why, cases[i].why);
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

/* TAGVALUE_DMARC: malformed and repeated tags are entries with a
 * problem, in order; the first good occurrence of a name counts */
static void
test_dmarc_dialect(void **state)
{
	static const char rep[] = "v=DMARC1; P=none; p=reject";
	static const char bad[] = "v=DMARC1; 1x=2; garbage; p=a\x01" "b; np=; "
	    "sp=none ; fo = 1 : d";
	static const char crlf[] = "v=DMARC1;\r\np=none";
	struct tagvalue_list l;
	const struct tagvalue *t;
	size_t i;

	(void)state;
	assert_int_equal(tagvalue_parse((const unsigned char *)rep,
	    strlen(rep), TAGVALUE_DMARC, &l, NULL), TAGVALUE_OK);
	assert_int_equal(l.count, 3);
	assert_non_null(t = tagvalue_find(&l, "p", TAGVALUE_DMARC));
	assert_true(tagvalue_value_eq(t, "none"));
	assert_string_equal(l.tag[2].problem, "repeated tag ignored");
	assert_non_null(l.tag[2].name);
	/* DKIM's rule for the same list: invalid */
	assert_int_equal(tagvalue_parse((const unsigned char *)rep,
	    strlen(rep), TAGVALUE_CASE_INSENSITIVE, &l, NULL),
	    TAGVALUE_E_DUPLICATE);

	assert_int_equal(tagvalue_parse((const unsigned char *)bad,
	    strlen(bad), TAGVALUE_DMARC, &l, NULL), TAGVALUE_OK);
	assert_int_equal(l.count, 7);
	for (i = 1; i <= 4; i++) {
		assert_non_null(l.tag[i].problem);
		assert_null(l.tag[i].name);
	}
	assert_null(tagvalue_find(&l, "p", TAGVALUE_DMARC));
	assert_null(tagvalue_find(&l, "np", TAGVALUE_DMARC));
	assert_non_null(t = tagvalue_find(&l, "sp", TAGVALUE_DMARC));
	assert_true(tagvalue_value_eq(t, "none"));
	assert_non_null(t = tagvalue_find(&l, "fo", TAGVALUE_DMARC));
	assert_true(tagvalue_value_eq(t, "1 : d"));
	assert_false(l.truncated);

	/* WSP only: CR LF is not white space in a DMARC record */
	assert_int_equal(tagvalue_parse((const unsigned char *)crlf,
	    strlen(crlf), TAGVALUE_DMARC, &l, NULL), TAGVALUE_OK);
	assert_null(tagvalue_find(&l, "p", TAGVALUE_DMARC));
	assert_int_equal(tagvalue_parse((const unsigned char *)crlf,
	    strlen(crlf), 0, &l, NULL), TAGVALUE_OK);
	assert_non_null(tagvalue_find(&l, "p", 0));

	/* repeated tags alone, without the rest of the dialect */
	assert_int_equal(tagvalue_parse((const unsigned char *)"a=1;a=2", 7,
	    TAGVALUE_DUP_FIRST, &l, NULL), TAGVALUE_OK);
	assert_true(tagvalue_value_eq(tagvalue_find(&l, "a", 0), "1"));
	/* a malformed tag does not make a later one of its name a repeat */
	assert_int_equal(tagvalue_parse((const unsigned char *)"p=;P=reject;p=none",
	    18, TAGVALUE_DMARC, &l, NULL), TAGVALUE_OK);
	assert_int_equal(l.count, 3);
	assert_non_null(l.tag[0].problem);
	assert_null(l.tag[1].problem);
	assert_string_equal(l.tag[2].problem, "repeated tag ignored");
	assert_true(tagvalue_value_eq(tagvalue_find(&l, "p", TAGVALUE_DMARC),
	    "reject"));
}

/* TAGVALUE_LENIENT: past the cap the rest is ignored, not an error */
static void
test_dmarc_cap_truncates(void **state)
{
	char in[TAGVALUE_MAX_TAGS * 8 + 16];
	struct tagvalue_list l;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i <= TAGVALUE_MAX_TAGS; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "t%zu=1;", i);
	assert_int_equal(tagvalue_parse((const unsigned char *)in, n,
	    TAGVALUE_DMARC, &l, NULL), TAGVALUE_OK);
	assert_int_equal(l.count, TAGVALUE_MAX_TAGS);
	assert_true(l.truncated);
	/* a list is reused for the next record: nothing of this one stays,
	 * neither the flag nor the tags past the new count */
	assert_int_equal(tagvalue_parse((const unsigned char *)"t0=2", 4,
	    TAGVALUE_DMARC, &l, NULL), TAGVALUE_OK);
	assert_int_equal(l.count, 1);
	assert_false(l.truncated);
	assert_true(tagvalue_value_eq(tagvalue_find(&l, "t0", 0), "2"));
	assert_null(tagvalue_find(&l, "t1", 0));
}

/* expect_one_byte - what "b=" + a run of letters with byte c at position
 * k must give: the plain byte rule of RFC 6376 3.2 that the scanner's
 * eight-bytes-at-a-time path must not change */
static void
expect_one_byte(const unsigned char *in, size_t len, unsigned char c,
    size_t k, unsigned flags)
{
	bool crlf = c == '\r' || c == '\n';
	bool wsp = c == ' ' || c == '\t' ||
	    (crlf && (flags & TAGVALUE_WSP_ONLY) == 0);
	bool valchar = c >= 0x21 && c <= 0x7e;
	size_t run = len - 2;
	struct tagvalue_list l;
	enum tagvalue_status st = tagvalue_parse(in, len, flags, &l, NULL);

	if (!valchar && !wsp) {
		assert_int_equal(st, TAGVALUE_E_SYNTAX);
		assert_int_equal(l.count, 0);
		return;
	}
	assert_int_equal(st, TAGVALUE_OK);
	assert_int_equal(l.count, 1);
	assert_int_equal(l.tag[0].raw_start, 2);
	assert_int_equal(l.tag[0].raw_end, len);
	if (valchar || (k > 0 && k + 1 < run)) {
		/* inside the value: kept */
		assert_ptr_equal(l.tag[0].value, in + 2);
		assert_int_equal(l.tag[0].value_len, run);
	} else {
		/* leading or trailing white space: trimmed */
		assert_ptr_equal(l.tag[0].value, in + 2 + (k == 0));
		assert_int_equal(l.tag[0].value_len, run - 1);
	}
}

/* every byte value at every position of values of 1 to 40 bytes, with
 * both white space dialects: long values (b=, bh=, p=) go through the
 * word-at-a-time path, whose edges are the positions around each eighth
 * byte and the end of the value */
static void
test_long_value_every_byte_every_position(void **state)
{
	unsigned char in[2 + 40];
	unsigned c;
	size_t len, k, i;

	(void)state;
	for (len = 3; len <= sizeof(in); len++)
		for (c = 0; c < 256; c++) {
			if (c == ';')
				continue;	/* a separator: see test_table */
			for (k = 0; k < len - 2; k++) {
				in[0] = 'b';
				in[1] = '=';
				for (i = 2; i < len; i++)
					in[i] = (unsigned char)('A' + i % 26);
				in[2 + k] = (unsigned char)c;
				expect_one_byte(in, len, (unsigned char)c, k, 0);
				expect_one_byte(in, len, (unsigned char)c, k,
				    TAGVALUE_WSP_ONLY);
			}
		}
}

/* a folded base64 value: each fold keeps its place, the separator ends
 * the value even when it sits inside an eight-byte word */
static void
test_long_folded_value_and_separator(void **state)
{
	static const char in[] =
	    "b=dGhpcyBpcyBhIHNpZ25hdHVyZQ==\r\n\t dGhpcyBpcyBhIHNpZ25h"
	    "  \r\n ;bh=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=;x=1";
	struct tagvalue_list l;

	(void)state;
	assert_int_equal(tagvalue_parse((const unsigned char *)in,
	    sizeof(in) - 1, 0, &l, NULL), TAGVALUE_OK);
	assert_int_equal(l.count, 3);
	assert_int_equal(l.tag[0].value_len, strlen(
	    "dGhpcyBpcyBhIHNpZ25hdHVyZQ==\r\n\t dGhpcyBpcyBhIHNpZ25h"));
	assert_int_equal(l.tag[0].raw_end, (size_t)(strchr(in, ';') - in));
	assert_true(tagvalue_value_eq(&l.tag[1],
	    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="));
	assert_true(tagvalue_value_eq(&l.tag[2], "1"));
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
		(void)tagvalue_parse(in, len, (iter & 2) ? TAGVALUE_DMARC :
		    (unsigned)(iter & 1), &l, NULL);
		assert_true(l.count <= TAGVALUE_MAX_TAGS);
		for (i = 0; i < l.count; i++) {
			assert_true(l.tag[i].raw_end <= len);
			if (l.tag[i].name == NULL)
				continue;	/* a malformed entry */
			assert_true(l.tag[i].value >= in);
			assert_true(l.tag[i].value + l.tag[i].value_len <= in + len);
		}
	}
}

/* ref_fws - white space under flags, byte by byte */
static int
ref_fws(unsigned char c, unsigned flags)
{
	return c == ' ' || c == '\t' || ((flags & TAGVALUE_WSP_ONLY) == 0 &&
	    (c == '\r' || c == '\n'));
}

/* ref_name_eq - tag names equal under flags */
static int
ref_name_eq(const struct tagvalue *a, const struct tagvalue *b,
    unsigned flags)
{
	size_t i;

	if (a->name_len != b->name_len)
		return 0;
	for (i = 0; i < a->name_len; i++) {
		int x = a->name[i], y = b->name[i];

		if ((flags & TAGVALUE_CASE_INSENSITIVE) != 0) {
			x = x >= 'A' && x <= 'Z' ? x + 32 : x;
			y = y >= 'A' && y <= 'Z' ? y + 32 : y;
		}
		if (x != y)
			return 0;
	}
	return 1;
}

/* ref_spec - one tag-spec, the grammar of tagvalue.h a byte at a time;
 * returns the reason of a malformed one, NULL when good; *empty for a
 * spec of white space only */
static const char *
ref_spec(const unsigned char *p, size_t len, unsigned flags, size_t *pos,
    struct tagvalue *t, int *empty)
{
	size_t i = *pos, vend;

	while (i < len && ref_fws(p[i], flags))
		i++;
	*empty = i == len || p[i] == ';';
	if (*empty) {
		*pos = i;
		return NULL;
	}
	if (!isalpha(p[i]) || p[i] >= 0x80)
		return "tag name must start with a letter";
	t->name = p + i;
	while (i < len && p[i] < 0x80 && (isalnum(p[i]) || p[i] == '_'))
		i++;
	t->name_len = (size_t)(p + i - t->name);
	if (i < len && p[i] != '=' && p[i] != ';' && !ref_fws(p[i], flags))
		return "invalid character in tag name";
	while (i < len && ref_fws(p[i], flags))
		i++;
	if (i == len || p[i] != '=')
		return "tag without '='";
	t->raw_start = ++i;
	while (i < len && ref_fws(p[i], flags))
		i++;
	t->value = p + i;
	for (vend = i; i < len && p[i] != ';'; i++) {
		if (p[i] >= 0x21 && p[i] <= 0x7e)
			vend = i + 1;
		else if (!ref_fws(p[i], flags))
			return "invalid character in tag value";
	}
	t->value_len = vend - (size_t)(t->value - p);
	t->raw_end = i;
	if (t->value_len == 0 && (flags & TAGVALUE_NONEMPTY) != 0)
		return "empty tag value";
	*pos = i;
	return NULL;
}

/* ref_parse - tagvalue_parse written plainly, for comparison */
static enum tagvalue_status
ref_parse(const unsigned char *p, size_t len, unsigned flags,
    struct tagvalue_list *out, const char **why_r)
{
	size_t pos = 0, j;

	out->count = 0;
	out->truncated = 0;
	for (;;) {
		struct tagvalue t;
		size_t start = pos;
		int empty;
		const char *why;

		memset(&t, 0, sizeof(t));
		why = ref_spec(p, len, flags, &pos, &t, &empty);
		if (why != NULL) {
			if ((flags & TAGVALUE_LENIENT) == 0) {
				*why_r = why;
				return TAGVALUE_E_SYNTAX;
			}
			for (pos = start; pos < len && p[pos] != ';'; pos++)
				;
			memset(&t, 0, sizeof(t));
			t.raw_start = start;
			t.raw_end = pos;
			t.problem = why;
			empty = 0;
		} else if (!empty) {
			for (j = 0; j < out->count; j++)
				if (out->tag[j].problem == NULL &&
				    ref_name_eq(&out->tag[j], &t, flags))
					break;
			if (j < out->count) {
				if ((flags & TAGVALUE_DUP_FIRST) == 0) {
					*why_r = "duplicate tag";
					return TAGVALUE_E_DUPLICATE;
				}
				t.problem = "repeated tag ignored";
			}
		}
		if (!empty) {
			if (out->count == TAGVALUE_MAX_TAGS) {
				if ((flags & TAGVALUE_LENIENT) == 0) {
					*why_r = "too many tags";
					return TAGVALUE_E_TOO_MANY;
				}
				out->truncated = 1;
				break;
			}
			out->tag[out->count++] = t;
		}
		if (pos >= len)
			break;
		pos++;
	}
	return TAGVALUE_OK;
}

/* the constant class table says what its bits are defined to say */
static void
test_class_table(void **state)
{
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		unsigned k = tagvalue_classes[c];

		assert_int_equal((k & TAGVALUE_C_WSP) != 0,
		    c == ' ' || c == '\t');
		assert_int_equal((k & TAGVALUE_C_CRLF) != 0,
		    c == '\r' || c == '\n');
		assert_int_equal((k & TAGVALUE_C_ALPHA) != 0,
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
		assert_int_equal((k & TAGVALUE_C_NAME) != 0,
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_');
		assert_int_equal((k & TAGVALUE_C_VAL) != 0,
		    c >= 0x21 && c <= 0x7e && c != ';');
		assert_int_equal(k & ~0x1fu, 0);
	}
}

/* tagvalue_parse against ref_parse on random lists of short names (one
 * letter in both cases, repeats likely), values with folds and odd bytes,
 * long runs, up to and past TAGVALUE_MAX_TAGS tags, under each dialect */
static void
test_matches_reference(void **state)
{
	static const char *const pieces[] = {
		"a", "b", "B", "bh", "c", "x_1", "9", "=", "=", "; ", ";", " ",
		"\t", "\r\n\t", "\n", "dGhpcyBpcyBhIHNpZ25hdHVyZQ==", "v=1",
		"rsa-sha256", ":", "\x80", "\x00", "\x7f", "\x01", "ab=;",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "=\t",
	};
	static const unsigned dialects[] = { 0, TAGVALUE_DMARC,
	    TAGVALUE_CASE_INSENSITIVE, TAGVALUE_WSP_ONLY, TAGVALUE_NONEMPTY,
	    TAGVALUE_LENIENT, TAGVALUE_LENIENT | TAGVALUE_DUP_FIRST };
	static struct tagvalue_list got, want;
	unsigned char in[600];
	uint32_t seed = 6376;
	size_t iter, i;

	(void)state;
	for (iter = 0; iter < 30000; iter++) {
		size_t len = 0, target;
		unsigned flags = dialects[iter % (sizeof(dialects) /
		    sizeof(dialects[0]))];
		const char *wg = "unset", *ww = "unset";
		enum tagvalue_status sg, sw;

		seed = seed * 1103515245u + 12345u;
		target = (seed >> 8) % sizeof(in);
		while (len < target) {
			const char *pc;
			size_t n;

			seed = seed * 1103515245u + 12345u;
			pc = pieces[(seed >> 8) % (sizeof(pieces) /
			    sizeof(pieces[0]))];
			n = pc[0] == '\0' ? 1 : strlen(pc);
			if (len + n > sizeof(in))
				break;
			memcpy(in + len, pc, n);
			len += n;
		}
		sg = tagvalue_parse(in, len, flags, &got, &wg);
		sw = ref_parse(in, len, flags, &want, &ww);
		assert_int_equal(sg, sw);
		assert_string_equal(sg == TAGVALUE_OK ? "unset" : wg,
		    sw == TAGVALUE_OK ? "unset" : ww);
		assert_int_equal(got.count, want.count);
		assert_int_equal(got.truncated, want.truncated);
		for (i = 0; i < got.count; i++) {
			const struct tagvalue *g = &got.tag[i], *w = &want.tag[i];

			assert_int_equal(g->raw_start, w->raw_start);
			assert_int_equal(g->raw_end, w->raw_end);
			assert_true((g->problem == NULL) == (w->problem == NULL));
			if (g->problem != NULL) {
				assert_string_equal(g->problem, w->problem);
				if (w->name == NULL)
					continue;
			}
			assert_ptr_equal(g->name, w->name);
			assert_int_equal(g->name_len, w->name_len);
			assert_ptr_equal(g->value, w->value);
			assert_int_equal(g->value_len, w->value_len);
		}
	}
}

/* a byte other than VALCHAR at every offset of a long value, so at
 * every place inside and across the eight-byte blocks the scanner takes
 * at once: white space keeps the value whole, anything else is refused */
static void
test_value_every_offset(void **state)
{
	static const unsigned char odd[] = { 0x00, 0x01, 0x1f, 0x7f, 0x80,
	    0xff };
	static const char *const fws[] = { " ", "\t", "\r\n\t", "\n " };
	const char *base = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef";
	size_t blen = strlen(base), k, j;

	(void)state;
	for (k = 1; k < blen; k++) {
		char in[64], want[64];
		struct tagvalue_list l;
		const struct tagvalue *t;

		for (j = 0; j < sizeof(fws) / sizeof(fws[0]); j++) {
			size_t n = (size_t)snprintf(in, sizeof(in), "b=%.*s%s%s;x=1",
			    (int)k, base, fws[j], base + k);

			(void)snprintf(want, sizeof(want), "%.*s%s%s", (int)k,
			    base, fws[j], base + k);
			assert_int_equal(tagvalue_parse((const unsigned char *)in,
			    n, 0, &l, NULL), TAGVALUE_OK);
			assert_non_null(t = tagvalue_find(&l, "b", 0));
			assert_int_equal(t->value_len, strlen(want));
			assert_memory_equal(t->value, want, t->value_len);
			assert_non_null(tagvalue_find(&l, "x", 0));
		}
		for (j = 0; j < sizeof(odd); j++) {
			size_t n = (size_t)snprintf(in, sizeof(in), "b=%s;x=1",
			    base);

			in[2 + k] = (char)odd[j];
			assert_int_equal(tagvalue_parse((const unsigned char *)in,
			    n, 0, &l, NULL), TAGVALUE_E_SYNTAX);
		}
		/* trailing white space is not part of the value */
		{
			size_t n = (size_t)snprintf(in, sizeof(in), "b=%.*s \t \r\n ",
			    (int)k, base);

			assert_int_equal(tagvalue_parse((const unsigned char *)in,
			    n, 0, &l, NULL), TAGVALUE_OK);
			assert_int_equal(l.tag[0].value_len, k);
			assert_int_equal(l.tag[0].raw_end, n);
		}
	}
}

/* eight_bit says whether a value holds a byte 0x80-0xff; a UTF-8 lead
 * byte just past the list's end is not part of its last value (callers
 * hand in a slice of a header, not a string) */
static void
test_eight_bit_and_end_of_list(void **state)
{
	static const unsigned char in[] = "s=caf\xc3\xa9; d=example.com\xc3";
	struct tagvalue_list l;

	(void)state;
	assert_int_equal(tagvalue_parse(in, sizeof(in) - 2, TAGVALUE_UTF8,
	    &l, NULL), TAGVALUE_OK);
	assert_int_equal(l.count, 2);
	assert_true(l.tag[0].eight_bit);
	assert_false(l.tag[1].eight_bit);
	assert_int_equal(l.tag[1].value_len, strlen("example.com"));
	assert_int_equal(l.tag[1].raw_end, sizeof(in) - 2);
	/* the flag is the new value's, not left from the list's last use */
	assert_int_equal(tagvalue_parse((const unsigned char *)"s=cafe", 6,
	    TAGVALUE_UTF8, &l, NULL), TAGVALUE_OK);
	assert_false(l.tag[0].eight_bit);
}

/* a control byte anywhere in a long value is refused even when the
 * bytes before the list are all VALCHARs: the word-at-a-time scan reads
 * the value's own bytes, not its neighbours */
static void
test_control_byte_after_valchars(void **state)
{
	unsigned char buf[64 + 2 + 40];
	unsigned char *list = buf + 64;
	struct tagvalue_list l;
	size_t k;

	(void)state;
	for (k = 0; k < 40; k++) {
		memset(buf, 'A', sizeof(buf));
		list[0] = 'b';
		list[1] = '=';
		list[2 + k] = 0x01;
		assert_int_equal(tagvalue_parse(list, 2 + 40, 0, &l, NULL),
		    TAGVALUE_E_SYNTAX);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_every_offset),
		cmocka_unit_test(test_eight_bit_and_end_of_list),
		cmocka_unit_test(test_control_byte_after_valchars),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_syntax_reasons),
		cmocka_unit_test(test_embedded_nul_is_syntax_error),
		cmocka_unit_test(test_raw_span_covers_whitespace),
		cmocka_unit_test(test_tag_count_is_capped),
		cmocka_unit_test(test_dmarc_dialect),
		cmocka_unit_test(test_dmarc_cap_truncates),
		cmocka_unit_test(test_long_value_every_byte_every_position),
		cmocka_unit_test(test_long_folded_value_and_separator),
		cmocka_unit_test(test_random_input_never_crashes),
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_class_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
