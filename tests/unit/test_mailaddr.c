/* test_mailaddr.c - From header parsing against a hostile table */
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

#include "core/mailaddr.h"
#include "util/buf.h"

struct from_case {
	const char *label;
	const char *in;
	enum mailaddr_status st;
	const char *domains;	/* comma-joined, for MAILADDR_OK */
};

static const struct from_case cases[] = {
	{ "plain addr-spec", "user@example.com", MAILADDR_OK, "example.com" },
	{ "leading space", " user@example.com", MAILADDR_OK, "example.com" },
	{ "angle address", "<user@example.com>", MAILADDR_OK, "example.com" },
	{ "display name", "John Doe <jd@Example.COM>", MAILADDR_OK, "example.com" },
	{ "quoted display name with specials",
	  "\"Doe, John <ceo@bank.example>\" <jd@example.com>", MAILADDR_OK,
	  "example.com" },
	{ "empty quoted display name", "\"\" <x@example.com>", MAILADDR_OK,
	  "example.com" },
	{ "quoted display starting with an escaped quote",
	  "\"\\\"a@bank.example\" <x@evil.example>", MAILADDR_OK,
	  "evil.example" },
	{ "quoted display with escaped quote",
	  "\"a \\\" b@bank.example\" <x@evil.example>", MAILADDR_OK, "evil.example" },
	{ "comment after", "user@example.com (Comment)", MAILADDR_OK, "example.com" },
	{ "comment with @ inside", "(ceo@bank.example) user@evil.example",
	  MAILADDR_OK, "evil.example" },
	{ "nested comments", "user@example.com (a (b (c@bank.example)) d)",
	  MAILADDR_OK, "example.com" },
	{ "comment inside domain", "user@(x)example.com", MAILADDR_OK, "example.com" },
	{ "quoted local part", "\"john doe\"@example.com", MAILADDR_OK, "example.com" },
	{ "quoted local part with @",
	  "\"user@bank.example\"@evil.example", MAILADDR_OK, "evil.example" },
	{ "encoded word display",
	  "=?utf-8?q?J=C3=B6rg?= <j@example.org>", MAILADDR_OK, "example.org" },
	{ "encoded word hiding an address",
	  "=?utf-8?q?ceo@bank.example?= <x@evil.example>", MAILADDR_OK,
	  "evil.example" },
	{ "encoded word with angle brackets",
	  "=?us-ascii?q?<ceo@bank.example>?= <x@evil.example>", MAILADDR_OK,
	  "evil.example" },
	{ "encoded word alone", "=?utf-8?q?x@bank.example?=", MAILADDR_R_NO_DOMAIN,
	  NULL },
	/* RFC 2047 5: no encoded word in an addr-spec; a reader that decodes
	 * it anyway must not see a mailbox we never judged */
	{ "encoded word as local part", "=?utf-8?q?ceo?=@bank.example",
	  MAILADDR_R_SYNTAX, NULL },
	{ "encoded word before a bare addr-spec",
	  "=?utf-8?q?x?= ceo@bank.example", MAILADDR_R_SYNTAX, NULL },
	/* not encoded words (RFC 2047 2: charset and encoding are
	 * non-empty tokens, the word ends in "?="), so the "@" in them
	 * starts a bare addr-spec, never a display name before <x@evil> */
	{ "not an encoded word: space in charset",
	  "=?utf 8?q?ceo@bank.example?= <x@evil.example>", MAILADDR_R_SYNTAX,
	  NULL },
	{ "not an encoded word: empty charset",
	  "=??q?ceo@bank.example?= <x@evil.example>", MAILADDR_R_BAD_DOMAIN,
	  NULL },
	{ "not an encoded word: no ?= at its end",
	  "=?utf-8?q?ceo@bank.example?x <x@evil.example>", MAILADDR_R_BAD_DOMAIN,
	  NULL },
	{ "shortest encoded word as local part", "=?a?q?x?=@example.com",
	  MAILADDR_R_SYNTAX, NULL },
	/* the shortest encoded word, 8 bytes, ends the value */
	{ "encoded word as domain", "x@=?a?q?\?=", MAILADDR_R_NO_DOMAIN, NULL },
	/* RFC 2047 2: no space in encoded-text */
	{ "not an encoded word: space in its text",
	  "=?utf-8?q?a b@bank.example?= <x@evil.example>", MAILADDR_R_SYNTAX,
	  NULL },
	{ "encoded word in a dotted local part", "a.=?utf-8?q?x?=@bank.example",
	  MAILADDR_R_SYNTAX, NULL },
	{ "folded CRLF", "John\r\n <j@example.com>", MAILADDR_OK, "example.com" },
	{ "folded LF", "John\n\t<j@example.com>\n", MAILADDR_OK, "example.com" },
	{ "two mailboxes", "a@one.example, b@two.example", MAILADDR_OK,
	  "one.example,two.example" },
	{ "group", "Team: a@one.example, b@two.example;", MAILADDR_OK,
	  "one.example,two.example" },
	{ "empty group", "undisclosed-recipients:;", MAILADDR_OK, "" },
	{ "group plus mailbox", "G:;, c@three.example", MAILADDR_OK, "three.example" },
	{ "unterminated group", "Team: a@one.example", MAILADDR_R_SYNTAX, NULL },
	{ "nested group", "A: B: x@y.example;;", MAILADDR_R_SYNTAX, NULL },
	{ "obs-route", "<@relay.example,@r2.example:user@example.com>", MAILADDR_OK,
	  "example.com" },
	/* obs-domain-list allows empty elements; it must end in ":" */
	{ "obs-route with repeated commas",
	  "<@relay.example,,@r2.example:user@example.com>", MAILADDR_OK,
	  "example.com" },
	{ "obs-route without colon", "<@relay.example,x user@example.com>",
	  MAILADDR_R_SYNTAX, NULL },
	{ "group without a name", ":a@example.com;", MAILADDR_R_SYNTAX, NULL },
	{ "quoted-pair in comment", "(a \\) b@bank.example) user@evil.example",
	  MAILADDR_OK, "evil.example" },
	{ "trailing dot inside angle", "<user@example.com.>", MAILADDR_OK,
	  "example.com" },
	{ "unterminated angle before a list", "<a@bank.example,,c@evil.example",
	  MAILADDR_R_SYNTAX, NULL },
	{ "bracket inside domain literal", "user@[192.0[2.1]", MAILADDR_R_SYNTAX,
	  NULL },
	{ "obs empty list elements", ",, user@example.com ,", MAILADDR_OK,
	  "example.com" },
	{ "obs-phrase with dot", "John Q. Public <jqp@example.com>", MAILADDR_OK,
	  "example.com" },
	{ "obs spaces around dots", "user . name @ example . com", MAILADDR_OK,
	  "example.com" },
	{ "trailing dot removed", "user@example.com.", MAILADDR_OK, "example.com" },
	{ "upper case domain", "user@EXAMPLE.Co.UK", MAILADDR_OK, "example.co.uk" },
	{ "UTF-8 domain passed through", "user@B\xc3\xbc" "cher.example",
	  MAILADDR_OK, "b\xc3\xbc" "cher.example" },
	{ "underscore label", "a@mail_1.example", MAILADDR_OK, "mail_1.example" },
	{ "double dot local part kept", "a..b@docomo.example", MAILADDR_OK,
	  "docomo.example" },
	{ "missing domain", "user", MAILADDR_R_NO_DOMAIN, NULL },
	{ "missing domain after @", "user@", MAILADDR_R_NO_DOMAIN, NULL },
	{ "angle without domain", "Name <user>", MAILADDR_R_NO_DOMAIN, NULL },
	{ "empty angle", "Name <>", MAILADDR_R_NO_DOMAIN, NULL },
	{ "only display name", "John Doe", MAILADDR_R_NO_DOMAIN, NULL },
	{ "empty value", "", MAILADDR_R_EMPTY, NULL },
	{ "only comment", " (nothing) ", MAILADDR_R_EMPTY, NULL },
	{ "unquoted @ in display name", "ceo@bank.example <x@evil.example>",
	  MAILADDR_R_SYNTAX, NULL },
	{ "trailing garbage", "user@example.com garbage", MAILADDR_R_SYNTAX, NULL },
	{ "garbage after angle", "<a@example.com> b@evil.example", MAILADDR_R_SYNTAX,
	  NULL },
	{ "two @", "a@b@example.com", MAILADDR_R_SYNTAX, NULL },
	{ "domain literal", "user@[192.0.2.1]", MAILADDR_R_BAD_DOMAIN, NULL },
	{ "empty domain literal", "user@[]", MAILADDR_R_BAD_DOMAIN, NULL },
	{ "domain literal as display name", "[x] <a@example.com>",
	  MAILADDR_R_SYNTAX, NULL },
	{ "domain literal later in a display name", "Jo [x] <a@example.com>",
	  MAILADDR_R_SYNTAX, NULL },
	{ "domain literal as local part", "[x]@example.com", MAILADDR_R_SYNTAX,
	  NULL },
	{ "double dot domain", "user@example..com", MAILADDR_R_BAD_DOMAIN, NULL },
	{ "leading dot domain", "user@.example.com", MAILADDR_R_NO_DOMAIN, NULL },
	{ "bad char in domain", "user@exa!mple.com", MAILADDR_R_BAD_DOMAIN, NULL },
	{ "unterminated quote", "\"abc <a@example.com>", MAILADDR_R_SYNTAX, NULL },
	{ "unterminated comment", "a@example.com (abc", MAILADDR_R_SYNTAX, NULL },
	{ "unbalanced paren", "a@example.com )", MAILADDR_R_SYNTAX, NULL },
	{ "unterminated angle", "Name <a@example.com", MAILADDR_R_SYNTAX, NULL },
	{ "stray >", "a@example.com>", MAILADDR_R_SYNTAX, NULL },
	{ "angle inside angle", "<<a@example.com>>", MAILADDR_R_SYNTAX, NULL },
	{ "backslash outside quotes", "a\\@example.com", MAILADDR_R_SYNTAX, NULL },
	{ "control char", "a@exa\x01mple.com", MAILADDR_R_SYNTAX, NULL },
	{ "semicolon alone", ";", MAILADDR_R_SYNTAX, NULL },
	{ "colon alone", ":", MAILADDR_R_SYNTAX, NULL },
	{ "words without dot in local", "john smith@example.com", MAILADDR_R_SYNTAX,
	  NULL },
	{ "label too long",
	  "a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	  MAILADDR_R_TOO_LONG, NULL },
	/* 45 Cyrillic letters: 90 bytes of UTF-8, a 57-byte A-label
	 * (xn--80aaaaafcbdojfv...): the DNS limit is idna.c's to check */
	{ "U-label over 63 bytes, A-label under",
	  "a@\xd0\xbc\xd0\xb8\xd0\xbd\xd0\xb8\xd1\x81\xd1\x82\xd0\xb5\xd1\x80"
	  "\xd1\x81\xd1\x82\xd0\xb2\xd0\xbe\xd0\xb7\xd0\xb4\xd1\x80\xd0\xb0"
	  "\xd0\xb2\xd0\xbe\xd0\xbe\xd1\x85\xd1\x80\xd0\xb0\xd0\xbd\xd0\xb5"
	  "\xd0\xbd\xd0\xb8\xd1\x8f\xd1\x81\xd0\xb0\xd1\x80\xd0\xb0\xd1\x82"
	  "\xd0\xbe\xd0\xb2\xd1\x81\xd0\xba\xd0\xbe\xd0\xb9\xd0\xbe\xd0\xb1"
	  "\xd0\xbb\xd0\xb0\xd1\x81\xd1\x82\xd0\xb8.\xd1\x80\xd1\x84",
	  MAILADDR_OK,
	  "\xd0\xbc\xd0\xb8\xd0\xbd\xd0\xb8\xd1\x81\xd1\x82\xd0\xb5\xd1\x80"
	  "\xd1\x81\xd1\x82\xd0\xb2\xd0\xbe\xd0\xb7\xd0\xb4\xd1\x80\xd0\xb0"
	  "\xd0\xb2\xd0\xbe\xd0\xbe\xd1\x85\xd1\x80\xd0\xb0\xd0\xbd\xd0\xb5"
	  "\xd0\xbd\xd0\xb8\xd1\x8f\xd1\x81\xd0\xb0\xd1\x80\xd0\xb0\xd1\x82"
	  "\xd0\xbe\xd0\xb2\xd1\x81\xd0\xba\xd0\xbe\xd0\xb9\xd0\xbe\xd0\xb1"
	  "\xd0\xbb\xd0\xb0\xd1\x81\xd1\x82\xd0\xb8.\xd1\x80\xd1\x84" },
};

/* join - the domains of a list, comma-joined */
static void
join(const struct mailaddr_list *l, struct buf *b)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (i > 0)
			buf_append_byte(b, ',');
		buf_append_str(b, l->addrs[i].domain);
	}
}

static void
test_from_table(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct from_case *c = &cases[i];
		struct mailaddr_list l;
		struct buf b = BUF_INIT;
		const char *why;
		enum mailaddr_status st;

		st = mailaddr_parse_list((const unsigned char *)c->in,
		    strlen(c->in), &l, &why);
		join(&l, &b);
		if (st != c->st || (c->domains != NULL &&
		    strcmp(buf_cstr(&b), c->domains) != 0)) {
			printf("# case '%s': got %s (%s) [%s], want %s [%s]\n",
			    c->label, mailaddr_status_name(st), why, buf_cstr(&b),
			    mailaddr_status_name(c->st),
			    c->domains ? c->domains : "");
			bad++;
		}
		if (st != MAILADDR_OK)
			assert_int_equal(l.count, 0);
		buf_deinit(&b);
		mailaddr_list_free(&l);
	}
	assert_int_equal(bad, 0);
}

/* A value short enough for the parser's token array on the stack and the
 * same value pushed past it with leading white space (an allocated
 * array) parse alike */
static void
test_short_and_long_token_arrays(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct from_case *c = &cases[i];
		struct mailaddr_list l1, l2;
		struct buf b1 = BUF_INIT, b2 = BUF_INIT, in = BUF_INIT;
		const char *w1, *w2;
		enum mailaddr_status s1, s2;
		size_t k;

		for (k = 0; k < 80; k++)
			buf_append_byte(&in, k % 2 ? ' ' : '\t');
		buf_append_str(&in, c->in);
		s1 = mailaddr_parse_list((const unsigned char *)c->in,
		    strlen(c->in), &l1, &w1);
		s2 = mailaddr_parse_list(in.data, in.len, &l2, &w2);
		join(&l1, &b1);
		join(&l2, &b2);
		if (s1 != MAILADDR_R_TOO_LONG) {
			assert_int_equal(s1, s2);
			assert_string_equal(w1, w2);
			assert_string_equal(buf_cstr(&b1), buf_cstr(&b2));
		}
		buf_deinit(&b1);
		buf_deinit(&b2);
		buf_deinit(&in);
		mailaddr_list_free(&l1);
		mailaddr_list_free(&l2);
	}
}

/* each obs-route domain is held to the domain cap on its own, not the
 * route as a whole */
static void
test_long_obs_route(void **state)
{
	struct buf in = BUF_INIT;
	struct mailaddr_list l;
	const char *why;
	int i;

	(void)state;
	buf_append_byte(&in, '<');
	for (i = 0; i < 30; i++)
		buf_append_str(&in, "@relay-number.example,");
	buf_append_str(&in, ":user@example.com>");
	assert_int_equal(mailaddr_parse_list(in.data, in.len, &l, &why),
	    MAILADDR_OK);
	assert_int_equal(l.count, 1);
	assert_string_equal(l.addrs[0].domain, "example.com");
	mailaddr_list_free(&l);
	buf_deinit(&in);
}

/* a long value of one-byte tokens only fills the allocated array: its
 * len tokens and the end (ASan sees one entry too few) */
static void
test_one_token_a_byte(void **state)
{
	unsigned char in[200];
	struct mailaddr_list l;
	const char *why;

	(void)state;
	memset(in, ',', sizeof(in));
	memcpy(in + sizeof(in) - 5, "a@b.c", 5);
	assert_int_equal(mailaddr_parse_list(in, sizeof(in), &l, &why),
	    MAILADDR_OK);
	assert_int_equal(l.count, 1);
	assert_string_equal(l.addrs[0].domain, "b.c");
	mailaddr_list_free(&l);
}

/* the atext table says what RFC 5322 3.2.3 (and RFC 6532 for 8-bit
 * bytes) say */
static void
test_atext_table(void **state)
{
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		bool want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c >= 0x80 ||
		    (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", (int)c) != NULL);

		assert_int_equal(mailaddr_atext[c] != 0, want);
	}
}

static void
test_local_part_unquoted(void **state)
{
	struct mailaddr_list l;
	const char *why;
	const char *in = "\"a\\\"b c\"@example.com";

	(void)state;
	assert_int_equal(mailaddr_parse_list((const unsigned char *)in,
	    strlen(in), &l, &why), MAILADDR_OK);
	assert_int_equal(l.count, 1);
	assert_string_equal(l.addrs[0].local, "a\"b c");
	mailaddr_list_free(&l);
	/* folding inside the quotes is not part of the local part */
	in = "\"john\r\n doe\"@example.com";
	assert_int_equal(mailaddr_parse_list((const unsigned char *)in,
	    strlen(in), &l, &why), MAILADDR_OK);
	assert_string_equal(l.addrs[0].local, "john doe");
	mailaddr_list_free(&l);
	in = "john.q.doe@example.com";
	assert_int_equal(mailaddr_parse_list((const unsigned char *)in,
	    strlen(in), &l, &why), MAILADDR_OK);
	assert_string_equal(l.addrs[0].local, "john.q.doe");
	mailaddr_list_free(&l);
	/* a quoted-pair that ends the quoted string */
	in = "\"ab\\\"\"@example.com";
	assert_int_equal(mailaddr_parse_list((const unsigned char *)in,
	    strlen(in), &l, &why), MAILADDR_OK);
	assert_string_equal(l.addrs[0].local, "ab\"");
	mailaddr_list_free(&l);
	/* a quoted string that is not the value's first token */
	in = "Jo <\"j d\"@example.com>";
	assert_int_equal(mailaddr_parse_list((const unsigned char *)in,
	    strlen(in), &l, &why), MAILADDR_OK);
	assert_string_equal(l.addrs[0].local, "j d");
	mailaddr_list_free(&l);
}

/* parse_len_status - status of b's bytes, list freed */
static enum mailaddr_status
parse_len_status(const struct buf *b)
{
	struct mailaddr_list l;
	const char *why;
	enum mailaddr_status st = mailaddr_parse_list(b->data, b->len, &l, &why);

	mailaddr_list_free(&l);
	return st;
}

/* each cap lets the largest allowed input through and stops one more:
 * comment depth, domain and local-part length, header value length */
static void
test_caps_are_exact(void **state)
{
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < MAILADDR_MAX_NEST; i++)
		buf_append_byte(&b, '(');
	for (i = 0; i < MAILADDR_MAX_NEST; i++)
		buf_append_byte(&b, ')');
	buf_append_str(&b, "a@example.com");
	assert_int_equal(parse_len_status(&b), MAILADDR_OK);
	buf_reset(&b);
	for (i = 0; i < MAILADDR_MAX_NEST + 1; i++)
		buf_append_byte(&b, '(');
	for (i = 0; i < MAILADDR_MAX_NEST + 1; i++)
		buf_append_byte(&b, ')');
	buf_append_str(&b, "a@example.com");
	assert_int_equal(parse_len_status(&b), MAILADDR_R_SYNTAX);

	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 = MAILADDR_MAX_DOMAIN */
	buf_reset(&b);
	buf_append_str(&b, "a@");
	for (i = 0; i < 3; i++)
		buf_printf(&b, "%0*d.", MAILADDR_MAX_LABEL, 0);
	buf_printf(&b, "%0*d", MAILADDR_MAX_DOMAIN - 3 * (MAILADDR_MAX_LABEL + 1),
	    0);
	assert_int_equal(parse_len_status(&b), MAILADDR_OK);
	buf_append_byte(&b, '0');
	assert_int_equal(parse_len_status(&b), MAILADDR_R_TOO_LONG);

	buf_reset(&b);
	buf_printf(&b, "%0*d@example.com", MAILADDR_MAX_LOCAL, 0);
	assert_int_equal(parse_len_status(&b), MAILADDR_OK);
	buf_reset(&b);
	buf_printf(&b, "%0*d@example.com", MAILADDR_MAX_LOCAL + 1, 0);
	assert_int_equal(parse_len_status(&b), MAILADDR_R_TOO_LONG);

	buf_reset(&b);
	buf_append_str(&b, "a@example.com");
	while (b.len < MAILADDR_MAX_INPUT)
		buf_append_byte(&b, ' ');
	assert_int_equal(parse_len_status(&b), MAILADDR_OK);
	buf_append_byte(&b, ' ');
	assert_int_equal(parse_len_status(&b), MAILADDR_R_TOO_LONG);
	buf_deinit(&b);
}

static void
test_embedded_nul_is_error(void **state)
{
	struct mailaddr_list l;
	const char *why;
	static const unsigned char in[] = "a@example.com\0b@evil.example";
	/* inside a comment, where no token is made */
	static const unsigned char in2[] = "a@example.com (x\0y)";

	(void)state;
	assert_int_not_equal(mailaddr_parse_list(in, sizeof(in) - 1, &l, &why),
	    MAILADDR_OK);
	assert_int_equal(l.count, 0);
	assert_int_equal(mailaddr_parse_list(in2, sizeof(in2) - 1, &l, &why),
	    MAILADDR_R_SYNTAX);
	assert_string_equal(why, "NUL byte in comment");
	/* a NUL ends no quoted string or domain literal: what follows it
	 * is never read as a mailbox */
	assert_int_equal(mailaddr_parse_list((const unsigned char *)
	    "\"a\0@x.example", 13, &l, &why), MAILADDR_R_SYNTAX);
	assert_string_equal(why, "unterminated quoted string");
	assert_int_equal(mailaddr_parse_list((const unsigned char *)
	    "a@[x\0", 5, &l, &why), MAILADDR_R_SYNTAX);
	assert_string_equal(why, "unterminated domain literal");
}

/* parse_utf8_domain - status of "a@" + labels of n "\xc3\xbc" each */
static enum mailaddr_status
parse_utf8_domain(size_t labels, size_t n)
{
	struct buf b = BUF_INIT;
	struct mailaddr_list l;
	const char *why;
	enum mailaddr_status st;
	size_t i, k;

	buf_append_str(&b, "a@");
	for (i = 0; i < labels; i++) {
		for (k = 0; k < n; k++)
			buf_append_str(&b, "\xc3\xbc");
		buf_append_byte(&b, '.');
	}
	buf_append_str(&b, "example");
	st = mailaddr_parse_list(b.data, b.len, &l, &why);
	mailaddr_list_free(&l);
	buf_deinit(&b);
	return st;
}

/* U-labels are bounded at 4 bytes a code point of the A-label limits:
 * the exact check is on the A-labels (idna.c), and a valid name must not
 * stop here for being long in UTF-8 */
static void
test_utf8_domain_caps(void **state)
{
	(void)state;
	assert_int_equal(parse_utf8_domain(1, 32), MAILADDR_OK);
	assert_int_equal(parse_utf8_domain(1, MAILADDR_MAX_ULABEL / 2),
	    MAILADDR_OK);
	assert_int_equal(parse_utf8_domain(1, MAILADDR_MAX_ULABEL / 2 + 1),
	    MAILADDR_R_TOO_LONG);
	assert_int_equal(parse_utf8_domain(4, 100), MAILADDR_OK);
	assert_int_equal(parse_utf8_domain(6, 100), MAILADDR_R_TOO_LONG);
}

/* every byte from 0x80 up counts as UTF-8 for the label cap (a bad
 * sequence is idna.c's to refuse) */
static void
test_byte_0x80_is_utf8(void **state)
{
	unsigned char in[80];
	struct mailaddr_list l;
	const char *why;

	(void)state;
	memcpy(in, "a@", 2);
	memset(in + 2, 0x80, 70);
	memcpy(in + 72, ".example", 8);
	assert_int_equal(mailaddr_parse_list(in, sizeof(in), &l, &why),
	    MAILADDR_OK);
	mailaddr_list_free(&l);
}

static void
test_address_cap(void **state)
{
	struct buf b = BUF_INIT;
	struct mailaddr_list l;
	const char *why;
	int i;

	(void)state;
	for (i = 0; i < MAILADDR_MAX_ADDRS + 1; i++)
		buf_printf(&b, "%sa%d@example.com", i ? "," : "", i);
	assert_int_equal(mailaddr_parse_list(b.data, b.len, &l, &why),
	    MAILADDR_R_TOO_LONG);
	buf_deinit(&b);
}

static void
test_input_cap_and_deep_comments(void **state)
{
	struct buf b = BUF_INIT;
	struct mailaddr_list l;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		buf_append_byte(&b, '(');
	buf_append_str(&b, "a@example.com");
	assert_int_equal(mailaddr_parse_list(b.data, b.len, &l, &why),
	    MAILADDR_R_SYNTAX);
	buf_reset(&b);
	for (i = 0; i < MAILADDR_MAX_INPUT + 1; i++)
		buf_append_byte(&b, ' ');
	assert_int_equal(mailaddr_parse_list(b.data, b.len, &l, &why),
	    MAILADDR_R_TOO_LONG);
	buf_deinit(&b);
}

/* every prefix of hostile inputs must give a defined answer */
static void
test_prefixes_never_crash(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].in);

		for (n = 0; n <= len; n++) {
			/* exactly n bytes: ASan sees a read past them */
			unsigned char *in = malloc(n > 0 ? n : 1);
			struct mailaddr_list l;
			const char *why = NULL;

			assert_non_null(in);
			memcpy(in, cases[i].in, n);
			(void)mailaddr_parse_list(in, n, &l, &why);
			free(in);
			assert_non_null(why);
			mailaddr_list_free(&l);
		}
	}
}

/* xorshift32 - deterministic pseudo-random bytes for the fuzz loop */
static uint32_t
xorshift32(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* random bytes drawn mostly from the syntax's specials must never crash,
 * and every OK result must hold sane domains */
static void
test_random_input_fuzz(void **state)
{
	static const char alpha[] = "a.@<>,;:\"()[]\\=? \r\nZ\x80\x01-_";
	unsigned char in[64];
	uint32_t seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		size_t len = xorshift32(&seed) % sizeof(in), i;
		struct mailaddr_list l;
		const char *why;

		for (i = 0; i < len; i++)
			in[i] = (unsigned char)alpha[xorshift32(&seed) %
			    (sizeof(alpha) - 1)];
		if (mailaddr_parse_list(in, len, &l, &why) == MAILADDR_OK) {
			for (i = 0; i < l.count; i++) {
				const char *d = l.addrs[i].domain;

				assert_true(d[0] != '\0' && d[0] != '.');
				assert_null(strstr(d, ".."));
				assert_true(d[strlen(d) - 1] != '.');
			}
		}
		mailaddr_list_free(&l);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_table),
		cmocka_unit_test(test_local_part_unquoted),
		cmocka_unit_test(test_caps_are_exact),
		cmocka_unit_test(test_embedded_nul_is_error),
		cmocka_unit_test(test_address_cap),
		cmocka_unit_test(test_utf8_domain_caps),
		cmocka_unit_test(test_byte_0x80_is_utf8),
		cmocka_unit_test(test_input_cap_and_deep_comments),
		cmocka_unit_test(test_prefixes_never_crash),
		cmocka_unit_test(test_random_input_fuzz),
		cmocka_unit_test(test_short_and_long_token_arrays),
		cmocka_unit_test(test_one_token_a_byte),
		cmocka_unit_test(test_long_obs_route),
		cmocka_unit_test(test_atext_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
