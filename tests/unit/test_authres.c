/* test_authres.c - building Authentication-Results and spotting forgeries */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/authres.h"

static void
test_build_none_when_empty(void **state)
{
	struct authres ar;

	(void)state;
	authres_init(&ar, "mx.example.net");
	assert_string_equal(authres_finish(&ar), "mx.example.net; none");
	/* finishing twice does not add a second "none" */
	assert_string_equal(authres_finish(&ar), "mx.example.net; none");
	authres_deinit(&ar);
}

static void
test_build_design_example(void **state)
{
	struct authres ar;

	(void)state;
	authres_init(&ar, "mx.example.net");
	authres_add(&ar, "spf", "pass");
	authres_add_prop(&ar, "smtp", "mailfrom", "example.com");
	authres_add(&ar, "dkim", "pass");
	authres_add_prop(&ar, "header", "d", "example.com");
	authres_add_prop(&ar, "header", "s", "s1");
	authres_add_prop(&ar, "header", "a", "rsa-sha256");
	authres_add_prop(&ar, "header", "b", "AbCdEfGh");
	authres_add(&ar, "dmarc", "pass");
	authres_add_comment(&ar, "p=reject dis=none");
	authres_add_prop(&ar, "header", "from", "example.com");
	assert_string_equal(authres_finish(&ar),
	    "mx.example.net;\n"
	    "\tspf=pass smtp.mailfrom=example.com;\n"
	    "\tdkim=pass header.d=example.com header.s=s1 header.a=rsa-sha256 header.b=AbCdEfGh;\n"
	    "\tdmarc=pass (p=reject dis=none) header.from=example.com");
	authres_deinit(&ar);
}

#define LABEL63 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789k"

/* Values from the message must never break the field's syntax. */
static const struct {
	const char *value;
	const char *rendered;
} prop_cases[] = {
	{ "user@example.com", "user@example.com" },
	{ "first.last@example.com", "first.last@example.com" },
	{ "@example.com", "@example.com" },
	{ "a b@example.com", "\"a b@example.com\"" },
	{ "x;dkim=pass", "\"x;dkim=pass\"" },
	{ "quote\"and\\slash", "\"quote\\\"and\\\\slash\"" },
	{ "ctl\r\nx", "\"ctl??x\"" },
	{ "ab/cd+ef", "\"ab/cd+ef\"" },
	{ "", "\"\"" },
	{ "a@b@c", "\"a@b@c\"" },
	{ "..x@example.com", "\"..x@example.com\"" },
	/* each rule of dot-atom and of a host name on its own */
	{ ".x@example.com", "\".x@example.com\"" },
	{ "a..b@example.com", "\"a..b@example.com\"" },
	{ "a@-x.example", "\"a@-x.example\"" },
	{ "a@x+y.example", "\"a@x+y.example\"" },
	{ "a@x..example", "\"a@x..example\"" },
	/* RFC 6376 3.5 domain-name: labels end in a letter or digit, no
	 * empty last label, no underscore, two labels at least */
	{ "a@x.", "\"a@x.\"" },
	{ "a@x-.example", "\"a@x-.example\"" },
	{ "a@a.-b.example", "\"a@a.-b.example\"" },
	{ "a@x_y.example", "\"a@x_y.example\"" },
	{ "a@localhost", "\"a@localhost\"" },
	{ "a@x-y.example", "a@x-y.example" },
	{ "a@1.example", "a@1.example" },
	{ "a@" LABEL63 ".example", "a@" LABEL63 ".example" },
	{ "a@" LABEL63 "x.example", "\"a@" LABEL63 "x.example\"" },
};

static void
test_prop_quoting(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(prop_cases) / sizeof(prop_cases[0]); i++) {
		struct authres ar;
		char want[256];

		authres_init(&ar, "id");
		authres_add(&ar, "spf", "none");
		authres_add_prop(&ar, "smtp", "mailfrom", prop_cases[i].value);
		(void)snprintf(want, sizeof(want), "id;\n\tspf=none smtp.mailfrom=%s",
		    prop_cases[i].rendered);
		assert_string_equal(authres_finish(&ar), want);
		authres_deinit(&ar);
	}
}

static void
test_comment_and_reason_escaping(void **state)
{
	struct authres ar;

	(void)state;
	authres_init(&ar, "id");
	authres_add(&ar, "dkim", "fail");
	authres_add_comment(&ar, "bad (nested) \\ text");
	authres_add_reason(&ar, "body hash \"mismatch\"");
	assert_string_equal(authres_finish(&ar),
	    "id;\n\tdkim=fail (bad \\(nested\\) \\\\ text) reason=\"body hash \\\"mismatch\\\"\"");
	authres_deinit(&ar);
}

/* Control bytes become '?' in comments and reasons too; UTF-8 passes
 * through (RFC 6532 UTF-8 in header fields), bytes that are not UTF-8 do
 * not (the field would break its grammar: a client's 8-bit HELO) */
static void
test_comment_and_reason_controls(void **state)
{
	struct authres ar;

	(void)state;
	authres_init(&ar, "id");
	authres_add(&ar, "dkim", "neutral");
	authres_add_comment(&ar, "a\r\n\tb\x7f\x01()\xff\xc3\xa9");
	authres_add_reason(&ar, "r\r\n;x\xc3\xa9\xc3\\\xed\xa0\x80");
	authres_add_prop(&ar, "smtp", "helo", "h\xfe\xe2\x82\xac\"");
	assert_string_equal(authres_finish(&ar),
	    "id;\n\tdkim=neutral (a???b??\\(\\)?\xc3\xa9) reason=\"r??;x\xc3\xa9?"
	    "\\\\???\" smtp.helo=\"h?\xe2\x82\xac\\\"\"");
	authres_deinit(&ar);
}

/* assert_reason - the field for one spf=fail with reason text is
 * reason="want" */
static void
assert_reason(const char *text, const char *want)
{
	struct authres ar;
	char field[2100];

	(void)snprintf(field, sizeof(field), "id;\n\tspf=fail reason=\"%s\"", want);
	authres_init(&ar, "id");
	authres_add(&ar, "spf", "fail");
	authres_add_reason(&ar, text);
	assert_string_equal(authres_finish(&ar), field);
	authres_deinit(&ar);
}

/* A reason (an SPF explanation comes from the sender's DNS and can
 * expand to kilobytes) keeps its first 256 bytes and ends in "...", so
 * its line stays within RFC 5322's 998 octets; a UTF-8 character is
 * never split; 256 bytes exactly are kept whole */
static void
test_long_reason_cut(void **state)
{
	char text[2000], want[300];

	(void)state;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	(void)snprintf(want, sizeof(want), "%.256s...", text);
	assert_reason(text, want);
	/* "\xc3\xa9" straddles byte 256: cut before it */
	text[255] = '\xc3';
	text[256] = '\xa9';
	(void)snprintf(want, sizeof(want), "%.255s...", text);
	assert_reason(text, want);
	text[256] = '\0';	/* 256 bytes: whole, nothing cut, but the */
	(void)snprintf(want, sizeof(want), "%.255s?", text);	/* lone lead */
	assert_reason(text, want);	/* byte left is not UTF-8 */
	text[255] = 'x';
	assert_reason(text, text);
}

/* What comes before our value on the first line of the longest field
 * that carries it (the AAR of the 50th ARC set) */
#define FIRST_LINE_PREFIX (sizeof("ARC-Authentication-Results: i=50; ") - 1)

/* assert_lines - no line of the field passes RFC 5322's 998 octets (the
 * first with what precedes it) and none is blank; unfolded (line breaks
 * removed, RFC 5322 3.2.2, and each folding tab read as the space it
 * replaced: no text we write holds a tab) it reads want */
static void
assert_lines(const char *got, const char *want)
{
	struct buf unfolded = BUF_INIT;
	size_t len = FIRST_LINE_PREFIX, line = 0;
	bool blank = true;
	const char *p;

	for (p = got;; p++) {
		if (*p == '\n' || *p == '\0') {
			if (len > 998)
				fail_msg("line %zu: %zu octets", line, len);
			if (blank)
				fail_msg("line %zu is blank", line);
			if (*p == '\0')
				break;
			len = 0;
			line++;
			blank = true;
			continue;
		}
		len++;
		if (*p != ' ' && *p != '\t')
			blank = false;
		buf_append_byte(&unfolded, *p == '\t' ? ' ' : (unsigned char)*p);
	}
	assert_string_equal(buf_cstr(&unfolded), want);
	buf_deinit(&unfolded);
}

/* fill - s is n letters a..z, NUL-terminated */
static char *
fill(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = (char)('a' + i % 26);
	s[n] = '\0';
	return s;
}

/* domain253 - s is a 253-octet domain (the longest DNS allows) of c */
static char *
domain253(char s[254], char c)
{
	memset(s, c, 253);
	s[63] = s[127] = s[191] = '.';
	s[253] = '\0';
	return s;
}

/* assert_prop - the field for spf=none with smtp.mailfrom=value is want
 * exactly, and its lines are within the limit */
static void
assert_prop(const char *value, const char *want)
{
	struct authres ar;
	struct buf unfolded = BUF_INIT;
	const char *p;

	authres_init(&ar, "id");
	authres_add(&ar, "spf", "none");
	authres_add_prop(&ar, "smtp", "mailfrom", value);
	assert_string_equal(authres_finish(&ar), want);
	for (p = want; *p != '\0'; p++)
		if (*p != '\n')
			buf_append_byte(&unfolded, *p == '\t' ? ' ' : *p);
	assert_lines(authres_finish(&ar), buf_cstr(&unfolded));
	buf_deinit(&unfolded);
	authres_deinit(&ar);
}

/* A value that cannot fit on a line of its own (a 1,200-byte header.b or
 * HELO, a long quoted value) keeps its first 256 bytes, quoted, ending in
 * "..." (it then fits where it stands); a UTF-8 character is not split */
static void
test_long_value_cut(void **state)
{
	char value[1201], want[1400];

	(void)state;
	fill(value, 1200);
	(void)snprintf(want, sizeof(want),
	    "id;\n\tspf=none smtp.mailfrom=\"%.256s...\"", value);
	assert_prop(value, want);
	/* "\xc3\xa9" straddles byte 256: cut before it */
	value[255] = '\xc3';
	value[256] = '\xa9';
	(void)snprintf(want, sizeof(want),
	    "id;\n\tspf=none smtp.mailfrom=\"%.255s...\"", value);
	assert_prop(value, want);
	/* not a token: quoted, then cut; the escapes count too */
	fill(value, 1200);
	value[0] = '"';
	(void)snprintf(want, sizeof(want),
	    "id;\n\tspf=none smtp.mailfrom=\"\\%.256s...\"", value);
	assert_prop(value, want);
	/* the longest that fits on a line of its own is whole: "\t" and
	 * "smtp.mailfrom=" then 982 octets, 997 with room for a ";" */
	fill(value, 982);
	(void)snprintf(want, sizeof(want),
	    "id;\n\tspf=none\n\tsmtp.mailfrom=%s", value);
	assert_prop(value, want);
	fill(value, 983);
	(void)snprintf(want, sizeof(want),
	    "id;\n\tspf=none smtp.mailfrom=\"%.256s...\"", value);
	assert_prop(value, want);
}

/* An address too long for a line (SMTP servers take local-parts of
 * kilobytes) is written "@domain" (RFC 8601 2.2: the local-part may be
 * left out), whatever form its local-part had; when the domain is too
 * long as well, the whole is cut as other values are */
static void
test_long_address_value(void **state)
{
	char local[1501], value[2600], want[2800];

	(void)state;
	fill(local, 1500);
	(void)snprintf(value, sizeof(value), "%s@example.com", local);
	assert_prop(value, "id;\n\tspf=none smtp.mailfrom=@example.com");
	/* a quoted local-part holding "@" */
	(void)snprintf(value, sizeof(value), "\"a@b %s\"@example.com", local);
	assert_prop(value, "id;\n\tspf=none smtp.mailfrom=@example.com");
	/* a domain no line can hold either */
	(void)snprintf(value, sizeof(value), "a@%s.example", local);
	(void)snprintf(want, sizeof(want),
	    "id;\n\tspf=none smtp.mailfrom=\"%.256s...\"", value);
	assert_prop(value, want);
	/* an address that fits on a line of its own is whole there */
	fill(local, 965);
	(void)snprintf(value, sizeof(value), "%s@example.com", local);
	(void)snprintf(want, sizeof(want),
	    "id;\n\tspf=none\n\tsmtp.mailfrom=%s", value);
	assert_prop(value, want);
}

/* Long properties that each fit on a line, but not together, get one
 * line each; the next result starts its own line as always */
static void
test_long_props_folded(void **state)
{
	struct authres ar;
	char d[601], s[501], b[701], want[2200];

	(void)state;
	fill(d, 600);
	fill(s, 500);
	fill(b, 700);
	d[0] = 'd';
	s[0] = 's';
	authres_init(&ar, "id");
	authres_add(&ar, "dkim", "pass");
	authres_add_prop(&ar, "header", "d", d);
	authres_add_prop(&ar, "header", "s", s);
	authres_add_prop(&ar, "header", "a", "rsa-sha256");
	authres_add_prop(&ar, "header", "b", b);
	authres_add(&ar, "spf", "pass");
	authres_add_prop(&ar, "smtp", "mailfrom", "example.com");
	(void)snprintf(want, sizeof(want),
	    "id;\n\tdkim=pass header.d=%s\n\theader.s=%s header.a=rsa-sha256"
	    "\n\theader.b=%s;\n\tspf=pass smtp.mailfrom=example.com", d, s, b);
	assert_string_equal(authres_finish(&ar), want);
	(void)snprintf(want, sizeof(want),
	    "id; dkim=pass header.d=%s header.s=%s header.a=rsa-sha256"
	    " header.b=%s; spf=pass smtp.mailfrom=example.com", d, s, b);
	assert_lines(authres_finish(&ar), want);
	authres_deinit(&ar);
}

/* A long comment is folded at its spaces (RFC 5322 3.2.2 FWS); a word no
 * line can hold keeps its first 256 bytes and "..." */
static void
test_long_comment_folded(void **state)
{
	struct authres ar;
	struct buf text = BUF_INIT, want = BUF_INIT;
	char word[1201];
	size_t i;

	(void)state;
	for (i = 0; i < 150; i++)
		buf_printf(&text, "%sword%03zu(x)", i > 0 ? " " : "", i);
	authres_init(&ar, "id");
	authres_add(&ar, "dmarc", "none");
	authres_add_comment(&ar, buf_cstr(&text));
	authres_add_prop(&ar, "header", "from", "example.com");
	buf_append_str(&want, "id; dmarc=none (");
	for (i = 0; i < 150; i++)
		buf_printf(&want, "%sword%03zu\\(x\\)", i > 0 ? " " : "", i);
	buf_append_str(&want, ") header.from=example.com");
	/* folded between words, not only between results */
	assert_non_null(strstr(authres_finish(&ar), ")\n\tword"));
	assert_lines(authres_finish(&ar), buf_cstr(&want));
	authres_deinit(&ar);

	fill(word, 1200);
	buf_reset(&text);
	buf_printf(&text, "x %s y", word);
	buf_reset(&want);
	buf_printf(&want, "id;\n\tdmarc=none (x %.256s... y) header.from=example.com",
	    word);
	authres_init(&ar, "id");
	authres_add(&ar, "dmarc", "none");
	authres_add_comment(&ar, buf_cstr(&text));
	authres_add_prop(&ar, "header", "from", "example.com");
	assert_string_equal(authres_finish(&ar), buf_cstr(&want));
	authres_deinit(&ar);
	buf_deinit(&text);
	buf_deinit(&want);
}

/* checks_dmarc's comment for several authors: four 253-octet author
 * domains and header.from made a 1,300-octet line; now the comment is
 * folded before the author that does not fit */
static void
test_several_authors_folded(void **state)
{
	struct authres ar;
	char d[4][254], comment[1200], want[2000];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		domain253(d[i], (char)('a' + i));
	(void)snprintf(comment, sizeof(comment),
	    "p=reject dis=reject; authors %s %s %s %s", d[0], d[1], d[2], d[3]);
	authres_init(&ar, "mx.example.net");
	authres_add(&ar, "spf", "pass");
	authres_add_prop(&ar, "smtp", "mailfrom", d[0]);
	authres_add(&ar, "dmarc", "fail");
	authres_add_comment(&ar, comment);
	authres_add_prop(&ar, "header", "from", d[3]);
	(void)snprintf(want, sizeof(want), "mx.example.net;\n"
	    "\tspf=pass smtp.mailfrom=%s;\n"
	    "\tdmarc=fail (p=reject dis=reject; authors %s %s %s\n"
	    "\t%s) header.from=%s", d[0], d[0], d[1], d[2], d[3], d[3]);
	assert_string_equal(authres_finish(&ar), want);
	(void)snprintf(want, sizeof(want), "mx.example.net; "
	    "spf=pass smtp.mailfrom=%s; dmarc=fail (%s) header.from=%s",
	    d[0], comment, d[3]);
	assert_lines(authres_finish(&ar), want);
	authres_deinit(&ar);
}

/* A line of 997 octets (998 with the ";" of a next result) is written as
 * before; one octet more and the last property starts a line */
static void
test_under_limit_unchanged(void **state)
{
	struct authres ar;
	char value[1000], want[1100];
	size_t n = 997 - strlen("\tspf=pass smtp.mailfrom=");

	(void)state;
	fill(value, n);
	authres_init(&ar, "id");
	authres_add(&ar, "spf", "pass");
	authres_add_prop(&ar, "smtp", "mailfrom", value);
	authres_add(&ar, "dkim", "none");
	(void)snprintf(want, sizeof(want),
	    "id;\n\tspf=pass smtp.mailfrom=%s;\n\tdkim=none", value);
	assert_string_equal(authres_finish(&ar), want);
	assert_int_equal(strchr(want + 4, '\n') - (want + 4), 998);
	authres_deinit(&ar);

	fill(value, n + 1);
	authres_init(&ar, "id");
	authres_add(&ar, "spf", "pass");
	authres_add_prop(&ar, "smtp", "mailfrom", value);
	authres_add(&ar, "dkim", "none");
	(void)snprintf(want, sizeof(want),
	    "id;\n\tspf=pass\n\tsmtp.mailfrom=%s;\n\tdkim=none", value);
	assert_string_equal(authres_finish(&ar), want);
	authres_deinit(&ar);
}

/* fold_received - authres_fold_received of in, as a C string */
static char *
fold_received(struct buf *out, const char *in)
{
	buf_reset(out);
	authres_fold_received((const unsigned char *)in, strlen(in), out);
	return (char *)out->data;
}

/* assert_refolded - every line of got is within 998 octets (the first
 * counting the AAR's prefix), each line after the first starts with a
 * blank and holds more than blanks, and got without the line breaks
 * authres_fold_received added (an LF not in in) is in */
static void
assert_refolded(const char *got, const char *in)
{
	struct buf back = BUF_INIT;
	size_t len = FIRST_LINE_PREFIX, line = 0;
	const char *p, *q = in;
	bool text = false;

	for (p = got;; p++) {
		if (*p == '\n' || *p == '\0') {
			if (len > 998)
				fail_msg("line %zu: %zu octets", line, len);
			if (line > 0 && !text)
				fail_msg("line %zu holds blanks alone", line);
			if (*p == '\0')
				break;
			if (*q != '\n' && (p[1] != ' ' && p[1] != '\t'))
				fail_msg("line %zu: a break not before a blank",
				    line + 1);
			len = 0;
			line++;
			text = false;
			if (*q != '\n')
				continue;	/* a break we added */
		} else if (*p != '\r' || p[1] != '\n') {
			len++;
		}
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			text = true;
		buf_append_byte(&back, (unsigned char)*p);
		q++;
	}
	assert_string_equal(buf_cstr(&back), in);
	buf_deinit(&back);
}

/* words - n octets of "w12345 w12346 ...", NUL-terminated */
static char *
words(char *s, size_t n)
{
	size_t i = 0;
	unsigned w = 0;

	while (i < n) {
		int k = snprintf(s + i, n - i + 1, "%sw%05u", i > 0 ? " " : "",
		    w++);

		i += (size_t)k < n - i ? (size_t)k : n - i;
	}
	s[n] = '\0';
	return s;
}

/* ARCSeal outbound copies our A-R of the way in: one written before
 * lines were kept short (or by other software with our authserv-id) is
 * folded again before the last blank that fits; fields within the limit
 * and their folding are kept byte for byte */
static void
test_fold_received(void **state)
{
	struct buf out = BUF_INIT;
	char in[4000], w[3000], want[4000];
	const char *got;
	size_t first = 998 - FIRST_LINE_PREFIX;

	(void)state;
	/* within the limit: unchanged, whatever its line breaks */
	got = fold_received(&out, "mx.example.net;\r\n\tspf=pass "
	    "smtp.mailfrom=example.com;\n\tdkim=none");
	assert_string_equal(got, "mx.example.net;\r\n\tspf=pass "
	    "smtp.mailfrom=example.com;\n\tdkim=none");
	/* the first line at exactly 998 octets with the prefix, then one
	 * more octet: the break goes before its last blank */
	words(in, first);
	assert_string_equal(fold_received(&out, in), in);
	words(in, first + 1);
	got = fold_received(&out, in);
	assert_refolded(got, in);
	assert_non_null(strchr(got, '\n'));
	assert_true(strchr(got, '\n') - got == strrchr(in, ' ') - in);
	/* a line of 2,978 octets of words: folded, nothing else moved */
	(void)snprintf(in, sizeof(in), "mx.example.net; dkim=none (%s)",
	    words(w, 2950));
	assert_refolded(fold_received(&out, in), in);
	/* continuation lines count from their own start, CRLF or LF */
	(void)snprintf(in, sizeof(in), "mx.example.net;\r\n\tdmarc=none "
	    "(%s);\n\tspf=none", words(w, 1500));
	assert_refolded(fold_received(&out, in), in);
	/* a run of 1,200 octets without a blank gets a line of its own,
	 * longer than 998 (nothing else can be done without changing the
	 * text): breaks go before the blanks on either side of it */
	memset(w, 'x', 1200);
	w[1200] = '\0';
	(void)snprintf(in, sizeof(in), "mx.example.net; spf=none "
	    "smtp.helo=%s; dkim=none", w);
	got = fold_received(&out, in);
	assert_int_equal(strlen(got), strlen(in) + 2);
	assert_non_null(strstr(got, "spf=none\n smtp.helo="));
	assert_non_null(strstr(got, w));
	assert_non_null(strstr(got, ";\n dkim=none"));
	/* blanks are never left alone on a line: 1,200 of them after a word
	 * go with the word, the last one and the text after it start the
	 * next line */
	memset(w, ' ', 1200);
	w[1200] = '\0';
	(void)snprintf(in, sizeof(in), "x%sy", w);
	assert_refolded(fold_received(&out, in), in);
	/* nor blanks that end the line: a break before them would leave
	 * them alone on the next (fuzz_authres found this) */
	memset(w, 'x', 1200);
	(void)snprintf(in, sizeof(in), "%.1200s\t\t", w);
	assert_string_equal(fold_received(&out, in), in);
	(void)snprintf(in, sizeof(in), "x %.1200s  \r\n\ty", w);
	(void)snprintf(want, sizeof(want), "x\n %.1200s  \r\n\ty", w);
	assert_string_equal(fold_received(&out, in), want);
	memset(w, ' ', 1200);
	/* a blank-only run before any text cannot be folded: left long */
	(void)snprintf(in, sizeof(in), "%sy", w);
	assert_string_equal(fold_received(&out, in), in);
	buf_deinit(&out);
}

/* Every result starts a folded line; the id, methods, results and
 * property names are copied as given */
static void
test_many_results(void **state)
{
	struct authres ar;
	struct buf want = BUF_INIT;
	size_t i;

	(void)state;
	authres_init(&ar, "mx.example.net");
	buf_append_str(&want, "mx.example.net");
	for (i = 0; i < 50; i++) {
		authres_add(&ar, "dkim", i % 2 ? "fail" : "pass");
		authres_add_prop(&ar, "header", "d", "example.com");
		buf_printf(&want, ";\n\tdkim=%s header.d=example.com",
		    i % 2 ? "fail" : "pass");
	}
	assert_string_equal(authres_finish(&ar), buf_cstr(&want));
	buf_deinit(&want);
	authres_deinit(&ar);
}

/* RFC 2045 5.1: a token is 1* of any CHAR except SPACE, CTLs and
 * tspecials; checked for every byte value in the middle of a word */
static void
test_token_every_byte(void **state)
{
	unsigned c;

	(void)state;
	for (c = 1; c < 256; c++) {
		char v[4] = { 'a', (char)c, 'b', '\0' };
		bool want = c > 0x20 && c < 0x7f &&
		    strchr("()<>@,;:\\\"/[]?=", (int)c) == NULL;

		if (authres_value_is_token(v) != want)
			fail_msg("byte 0x%02x: token %d, want %d", c, !want, want);
	}
	assert_false(authres_value_is_token(""));
}

/* RFC 8601 2.2 / RFC 5322 3.2.3: local-part@domain is written unquoted
 * when the local part is a dot-atom; checked for every byte value */
static void
test_address_local_part_every_byte(void **state)
{
	unsigned c;

	(void)state;
	for (c = 1; c < 256; c++) {
		char v[32] = { 'a', (char)c, 'b', '\0' };
		bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') ||
		    strchr("!#$%&'*+-/=?^_`{|}~.", (int)c) != NULL;
		struct authres ar;
		const char *got;

		strcat(v, "@example.com");
		authres_init(&ar, "id");
		authres_add(&ar, "spf", "pass");
		authres_add_prop(&ar, "smtp", "mailfrom", v);
		got = authres_finish(&ar) + strlen("id;\n\tspf=pass smtp.mailfrom=");
		if ((got[0] != '"') != plain)
			fail_msg("byte 0x%02x: rendered %s", c, got);
		authres_deinit(&ar);
	}
}

/* Received A-R values (after the colon) and whether they claim to be
 * from "mx.example.net". */
static const struct {
	const char *label;
	const char *value;
	int ours;
} forged_cases[] = {
	{ "plain", " mx.example.net; dkim=pass header.d=bank.example", 1 },
	{ "no space", "mx.example.net;dkim=pass", 1 },
	{ "upper case", " MX.Example.NET; spf=pass", 1 },
	{ "trailing dot", " mx.example.net.; spf=pass", 1 },
	{ "version", " mx.example.net 1; spf=pass", 1 },
	{ "comment before", " (forged) mx.example.net; dkim=pass", 1 },
	{ "nested comment", " (a (b) c)mx.example.net; dkim=pass", 1 },
	{ "comment after", " mx.example.net (x); dkim=pass", 1 },
	{ "folded", "\r\n\tmx.example.net;\r\n\tdkim=pass", 1 },
	{ "lf folded", "\n mx.example.net\n ; dkim=pass", 1 },
	{ "tabs", "\t\tmx.example.net\t;\tdkim=pass", 1 },
	{ "vertical tab first", "\v mx.example.net; dkim=pass", 1 },
	{ "form feed first", " \fmx.example.net; dkim=pass", 1 },
	{ "control after comment", " (x)\x1fmx.example.net; dkim=pass", 1 },
	{ "NBSP first", " \xc2\xa0mx.example.net; dkim=pass", 1 },
	{ "only controls", " \v\f\x7f", 0 },
	{ "half an NBSP", " \xc2mx.example.net; dkim=pass", 0 },
	{ "NBSP after", " mx.example.net\xc2\xa0; dkim=pass", 1 },
	{ "quoted", " \"mx.example.net\"; dkim=pass", 1 },
	{ "quoted escaped", " \"mx.exa\\mple.net\"; dkim=pass", 1 },
	{ "bare id", " mx.example.net", 1 },
	{ "id then garbage", " mx.example.net garbage; dkim=pass", 1 },
	{ "none", " mx.example.net; none", 1 },
	{ "other host", " mx.other.example; dkim=pass", 0 },
	{ "prefix of ours", " mx.example; dkim=pass", 0 },
	{ "ours as prefix", " mx.example.net.evil; dkim=pass", 0 },
	{ "subdomain", " a.mx.example.net; dkim=pass", 0 },
	{ "in a comment only", " (mx.example.net) other; dkim=pass", 0 },
	{ "unterminated comment", " (mx.example.net; dkim=pass", 0 },
	{ "unterminated quote", " \"mx.example.net; dkim=pass", 0 },
	{ "empty", "", 0 },
	{ "only space", "   \r\n ", 0 },
	{ "only comment", " (x)", 0 },
	{ "semicolon first", " ; mx.example.net", 0 },
	{ "DEL first", " \x7fmx.example.net; dkim=pass", 1 },
	{ "0xC2 then another byte first", " \xc2Xmx.example.net; dkim=pass", 0 },
	{ "comment right after id", " mx.example.net(x); dkim=pass", 1 },
	{ "0xC2 then another byte after", " mx.example.net\xc2X; dkim=pass", 0 },
	{ "unterminated quote, id only", " \"mx.example.net", 0 },
};

static void
test_forgery_recognition(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(forged_cases) / sizeof(forged_cases[0]); i++) {
		int got = authres_is_ours((const unsigned char *)forged_cases[i].value,
		    strlen(forged_cases[i].value), "mx.example.net");

		if (got != forged_cases[i].ours)
			fail_msg("case \"%s\": got %d, want %d", forged_cases[i].label,
			    got, forged_cases[i].ours);
	}
}

/* Received A-R values and whether they claim to be from
 * "mx.xn--bcher-kva.example", whose U-label form is "mx.bücher.example"
 * (RFC 5890 2.3.2.1: the same name) */
static const struct {
	const char *label;
	const char *value;
	int ours;
} idn_cases[] = {
	{ "A-label", " mx.xn--bcher-kva.example; dmarc=pass", 1 },
	{ "A-label upper case", " MX.XN--BCHER-KVA.example; dmarc=pass", 1 },
	{ "U-label", " mx.b\xc3\xbc" "cher.example; dmarc=pass", 1 },
	{ "U-label upper case", " MX.B\xc3\x9c" "CHER.EXAMPLE; dmarc=pass", 1 },
	{ "U-label quoted", " \"mx.b\xc3\xbc" "cher.example\"; dmarc=pass", 1 },
	{ "U-label version", " mx.b\xc3\xbc" "cher.example 1; dmarc=pass", 1 },
	{ "U-label ideographic stop", " mx\xe3\x80\x82" "b\xc3\xbc" "cher.example; dmarc=pass", 1 },
	{ "other U-label", " mx.b\xc3\xa4" "cher.example; dmarc=pass", 0 },
	{ "U-label as prefix", " mx.b\xc3\xbc" "cher.example.evil; dmarc=pass", 0 },
	{ "not UTF-8", " mx.b\xfc" "cher.example; dmarc=pass", 0 },
};

static void
test_forgery_idn(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(idn_cases) / sizeof(idn_cases[0]); i++) {
		int got = authres_is_ours((const unsigned char *)idn_cases[i].value,
		    strlen(idn_cases[i].value), "mx.xn--bcher-kva.example");

		if (got != idn_cases[i].ours)
			fail_msg("case \"%s\": got %d, want %d", idn_cases[i].label,
			    got, idn_cases[i].ours);
	}
	/* UTS #46 maps a fullwidth letter to ASCII: "\uff4dx.example.net"
	 * is the host name "mx.example.net", an ASCII id */
	{
		const char *v = " \xef\xbd\x8dx.example.net; dmarc=pass";

		assert_true(authres_is_ours((const unsigned char *)v, strlen(v),
		    "mx.example.net"));
	}
}

static void
test_forgery_hostile_bytes(void **state)
{
	unsigned char deep[200];
	unsigned char nul[] = "mx.example.net\0; dkim=pass";
	unsigned char nul_in_id[] = "mx.exam\0ple.net; dkim=pass";
	size_t i;

	(void)state;
	/* a NUL right after the id ends the token there: still ours */
	assert_true(authres_is_ours(nul, sizeof(nul) - 1, "mx.example.net"));
	assert_false(authres_is_ours(nul_in_id, sizeof(nul_in_id) - 1, "mx.example.net"));
	/* only comments, however deep, carry no id */
	for (i = 0; i < sizeof(deep); i++)
		deep[i] = i < 100 ? '(' : ')';
	assert_false(authres_is_ours(deep, sizeof(deep), "mx.example.net"));
	/* our id behind comments nested deeper than any limit is still a
	 * forgery of ours: a reader that unwinds them finds it */
	{
		unsigned char fake[300];
		size_t n = 0;
		const char *tail = "mx.example.net; dmarc=pass";

		for (i = 0; i < 100; i++)
			fake[n++] = '(';
		for (i = 0; i < 100; i++)
			fake[n++] = ')';
		memcpy(fake + n, tail, strlen(tail));
		n += strlen(tail);
		assert_true(authres_is_ours(fake, n, "mx.example.net"));
		/* unterminated at depth 100: all comment, no id */
		assert_false(authres_is_ours(fake, 100, "mx.example.net"));
	}
	/* our id configured with a trailing dot is the same host */
	assert_true(authres_is_ours((const unsigned char *)" mx.example.net; "
	    "dkim=pass", strlen(" mx.example.net; dkim=pass"), "mx.example.net."));
	/* no id at all never matches, even an id that is only a dot */
	assert_false(authres_is_ours((const unsigned char *)" (c) ; dkim=pass",
	    strlen(" (c) ; dkim=pass"), "."));
	/* the length is honoured: a value cut inside the id is not ours */
	assert_false(authres_is_ours((const unsigned char *)"mx.example.net", 5,
	    "mx.example.net"));
	/* an over-long id cannot overflow the parser */
	{
		unsigned char big[5000];

		memset(big, 'a', sizeof(big));
		assert_false(authres_is_ours(big, sizeof(big), "mx.example.net"));
		big[0] = '"';
		assert_false(authres_is_ours(big, sizeof(big), "mx.example.net"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_none_when_empty),
		cmocka_unit_test(test_build_design_example),
		cmocka_unit_test(test_prop_quoting),
		cmocka_unit_test(test_comment_and_reason_escaping),
		cmocka_unit_test(test_comment_and_reason_controls),
		cmocka_unit_test(test_long_reason_cut),
		cmocka_unit_test(test_long_value_cut),
		cmocka_unit_test(test_long_address_value),
		cmocka_unit_test(test_long_props_folded),
		cmocka_unit_test(test_long_comment_folded),
		cmocka_unit_test(test_several_authors_folded),
		cmocka_unit_test(test_under_limit_unchanged),
		cmocka_unit_test(test_fold_received),
		cmocka_unit_test(test_many_results),
		cmocka_unit_test(test_token_every_byte),
		cmocka_unit_test(test_address_local_part_every_byte),
		cmocka_unit_test(test_forgery_recognition),
		cmocka_unit_test(test_forgery_hostile_bytes),
		cmocka_unit_test(test_forgery_idn),
	};

	return cmocka_run_group_tests_name("authres", tests, NULL, NULL);
}
