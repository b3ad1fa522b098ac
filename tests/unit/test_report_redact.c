/* test_report_redact.c - failure-report redaction (RFC 6590) of
 * local-parts written with white space or comments around the '@'
 * (RFC 5322 CFWS, or obsolete forms an MTA still reads), and a bounded
 * property check: redacting twice equals once, and no local-part text
 * is left against the '@' of an address whose domain is kept */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/report_redact.h"
#include "util/buf.h"

/* check_redact - name: value comes out as want (with CRLF added) */
static void
check_redact(const char *name, const char *value, const char *want)
{
	struct buf got = BUF_INIT, w = BUF_INIT;

	report_redact_header(&got, name, (const unsigned char *)value,
	    strlen(value), true);
	buf_printf(&w, "%s: %s\r\n", name, want);
	assert_string_equal(buf_cstr(&got), buf_cstr(&w));
	buf_deinit(&got);
	buf_deinit(&w);
}

/* White space or a comment before the '@' is part of what goes */
static void
test_cfws_before_at(void **state)
{
	(void)state;
	check_redact("To", "bob @example.net", "redacted@example.net");
	check_redact("To", "bob (c) @example.net", "redacted@example.net");
	check_redact("To", "\"bob\" @example.net", "redacted@example.net");
	check_redact("To", "Bob <bob\t(Bob Smith)\t@example.net>",
	    "Bob <redacted@example.net>");
	check_redact("Subject", "mail bob @example.net now",
	    "mail redacted@example.net now");
}

/* White space or a comment after the '@' stays with the domain */
static void
test_cfws_after_at(void **state)
{
	(void)state;
	check_redact("To", "bob@ example.net", "redacted@ example.net");
	check_redact("To", "bob@(c)example.net", "redacted@(c)example.net");
	check_redact("To", "bob @ (c) example.net",
	    "redacted@ (c) example.net");
}

/* Folded forms: the fold before the '@' goes with the local-part, the
 * one after it stays */
static void
test_cfws_folded(void **state)
{
	(void)state;
	check_redact("To", "bob\n @example.net", "redacted@example.net");
	check_redact("To", "bob (c)\n\t@example.net", "redacted@example.net");
	check_redact("To", "\"bob\"\n @example.net", "redacted@example.net");
	check_redact("To", "bob@\n example.net", "redacted@\r\n example.net");
	check_redact("To", "bob@\n (c)example.net",
	    "redacted@\r\n (c)example.net");
}

/* Runs of '@' with white space: the whole run up to the last address
 * goes, so that a second pass finds the same ("a@ #b@c" and ",b\t@b@x,"
 * once came out different when redacted twice); text that is no address
 * stays, and so do msg-ids and an empty "header.i= @d" */
static void
test_cfws_runs(void **state)
{
	(void)state;
	check_redact("Subject", ",b\t@b@x,", ",redacted@x,");
	check_redact("Subject", "a@ #b@c", "redacted@c");
	check_redact("Subject", "x @ y@example.net", "redacted@example.net");
	check_redact("Subject", "meet @ 5, meet @ noon, x @ y, x (c) @",
	    "meet @ 5, meet @ noon, x @ y, x (c) @");
	/* white space on one side only asks for a dot in the domain too */
	check_redact("Subject", "ping bob @home, bob@ home",
	    "ping bob @home, bob@ home");
	check_redact("Message-ID", "<a @h.example>", "<a @h.example>");
	check_redact("In-Reply-To", "bob @example.net <c@ h.example>",
	    "redacted@example.net <c@ h.example>");
	check_redact("Authentication-Results", "rx; dkim=fail header.i= "
	    "@rf.test smtp.mailfrom=bob (x) @rf.test", "rx; dkim=fail "
	    "header.i= @rf.test smtp.mailfrom=redacted@rf.test");
}

/* RFC 5322 4.4 obs-local-part: white space or a comment around a dot
 * joins the words ("john . smith@d" is john.smith@d to an MTA), so the
 * words before it go too */
static void
test_cfws_around_dots(void **state)
{
	(void)state;
	check_redact("To", "john . smith@example.net", "redacted@example.net");
	check_redact("To", "john. smith@example.net", "redacted@example.net");
	check_redact("To", "Jo <john .smith@example.net>",
	    "Jo <redacted@example.net>");
	check_redact("To", "john.(c) smith@example.net",
	    "redacted@example.net");
	check_redact("To", "\"john\" .\n smith@example.net",
	    "redacted@example.net");
	/* words not joined by a dot are no local-part */
	check_redact("To", "John Smith smith@example.net",
	    "John Smith redacted@example.net");
}

/* A backslash outside a quoted-string still quotes the next character
 * to an MTA: "a\@b@d" is the local-part a@b, all of which goes */
static void
test_backslash_before_at(void **state)
{
	(void)state;
	check_redact("To", "a\\@b@example.net", "redacted@example.net");
	check_redact("To", "Jo <jo\\.x@example.net>", "Jo <redacted@example.net>");
	/* inside a quoted-string it quotes the next character: an escaped
	 * quote does not close it */
	check_redact("To", "\"a\\\" b\"@example.net", "redacted@example.net");
}

/* 8-bit bytes next to the '@' are local-part text (RFC 6532 UTF-8, or
 * Latin-1: hidden too), from 0x80 on */
static void
test_eight_bit_local(void **state)
{
	(void)state;
	check_redact("To", "\x80@example.net", "redacted@example.net");
	check_redact("To", "x\xff@example.net", "redacted@example.net");
}

/* The property check: random values over the characters that matter */
static const char alphabet[] = "@()\"<>.,\\[]= \t\r\nabxyz0";

static uint32_t
next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static bool
is_local(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    strchr(".=", c) != NULL;
}

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* skip_simple - past white space and comments holding no ( ) \ or quote
 * (outside a quoted-string, where parentheses are text), forward
 * (step 1) or back (step -1) from i; *spaced_r set when it moved */
static size_t
skip_simple(const char *o, size_t n, size_t i, int step, bool inq,
    bool *spaced_r)
{
	size_t j;

	for (;;) {
		if (step > 0 && i < n && is_ws(o[i]))
			i++;
		else if (step < 0 && i > 0 && is_ws(o[i - 1]))
			i--;
		else if (!inq && step > 0 && i < n && o[i] == '(') {
			for (j = i + 1; j < n && strchr("()\\\"", o[j]) == NULL; j++)
				continue;
			if (j >= n || o[j] != ')')
				return i;
			i = j + 1;
		} else if (!inq && step < 0 && i > 0 && o[i - 1] == ')') {
			for (j = i - 1; j > 0 && strchr("()\\\"", o[j - 1]) == NULL;
			    j--)
				continue;
			if (j == 0 || o[j - 1] != '(')
				return i;
			i = j - 1;
		} else
			return i;
		*spaced_r = true;
	}
}

/* leaked_at - an '@' in o with a domain after it (a letter or digit,
 * and a dot in it when white space or a comment is on either side),
 * whose local-part text before it is not exactly "redacted"; or -1 */
static long
leaked_at(const char *o, size_t n)
{
	size_t i, j, k, e, depth = 0;
	bool inq = false, spaced, dot;

	for (i = 0; i < n; i++) {
		if ((inq || depth > 0) && o[i] == '\\') {
			i++;
			continue;
		}
		if (inq)
			inq = o[i] != '"';
		else if (o[i] == '(')
			depth++;
		else if (depth > 0)
			depth -= o[i] == ')';
		else
			inq = o[i] == '"';
		if (o[i] != '@')
			continue;
		spaced = false;
		j = skip_simple(o, n, i + 1, 1, inq, &spaced);
		k = skip_simple(o, n, i, -1, inq, &spaced);
		if (j >= n || !((o[j] >= 'a' && o[j] <= 'z') ||
		    (o[j] >= '0' && o[j] <= '9')))
			continue;
		for (dot = false, e = j; !dot && e + 1 < n &&
		    (is_local(o[e]) && o[e] != '='); e++)
			dot = o[e] == '.' && ((o[e + 1] >= 'a' &&
			    o[e + 1] <= 'z') || (o[e + 1] >= '0' && o[e + 1] <= '9'));
		if ((spaced && !dot) || k == 0 || !is_local(o[k - 1]))
			continue;
		for (e = k; k > 0 && is_local(o[k - 1]); k--)
			continue;
		if (e - k != 8 || memcmp(o + k, "redacted", 8) != 0)
			return (long)i;
	}
	return -1;
}

static void
test_property(void **state)
{
	char in[40];
	struct buf once = BUF_INIT, twice = BUF_INIT;
	uint32_t x = 2463534242u;
	size_t t, n, i;

	(void)state;
	for (t = 0; t < 20000; t++) {
		n = 1 + next_rand(&x) % (sizeof(in) - 1);
		for (i = 0; i < n; i++)
			in[i] = alphabet[next_rand(&x) % (sizeof(alphabet) - 1)];
		buf_truncate(&once, 0);
		buf_truncate(&twice, 0);
		report_redact_text(&once, (const unsigned char *)in, n);
		report_redact_text(&twice, once.data, once.len);
		if (once.len != twice.len || memcmp(once.data, twice.data,
		    once.len) != 0 || leaked_at((const char *)once.data,
		    once.len) >= 0)
			fail_msg("input \"%.*s\" gave \"%.*s\", then \"%.*s\"",
			    (int)n, in, (int)once.len, (const char *)once.data,
			    (int)twice.len, (const char *)twice.data);
	}
	buf_deinit(&once);
	buf_deinit(&twice);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfws_before_at),
		cmocka_unit_test(test_cfws_after_at),
		cmocka_unit_test(test_cfws_folded),
		cmocka_unit_test(test_cfws_runs),
		cmocka_unit_test(test_cfws_around_dots),
		cmocka_unit_test(test_backslash_before_at),
		cmocka_unit_test(test_eight_bit_local),
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
