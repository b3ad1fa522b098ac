/* test_idna.c - IDNA2008 author domains: conversion, invalid labels,
 * mixed scripts and caps */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/idna.h"

struct idna_case {
	const char *label;
	const char *in;
	enum idna_status st;
	const char *ascii;	/* expected A-label form on IDNA_OK */
	const char *unicode;	/* expected U-label form on IDNA_OK */
};

static const struct idna_case cases[] = {
	/* valid */
	{ "plain ASCII, lower-cased", "Example.COM", IDNA_OK, "example.com",
	  "example.com" },
	{ "trailing dot dropped", "example.com.", IDNA_OK, "example.com",
	  "example.com" },
	/* UTS #46 full stops: a final one is the root dot, as "." is; a
	 * From of "bank.example<U+3002>" is bank.example's mail */
	{ "final ideographic full stop dropped", "bank.example\xe3\x80\x82",
	  IDNA_OK, "bank.example", "bank.example" },
	{ "final fullwidth full stop dropped", "b\xc3\xbc" "cher.example"
	  "\xef\xbc\x8e", IDNA_OK, "xn--bcher-kva.example",
	  "b\xc3\xbc" "cher.example" },
	{ "ideographic full stop between labels", "bank\xe3\x80\x82" "example",
	  IDNA_OK, "bank.example", "bank.example" },
	{ "two final full stops: empty label", "bank.example.\xe3\x80\x82",
	  IDNA_R_EMPTY, NULL, NULL },
	{ "only an ideographic full stop", "\xe3\x80\x82", IDNA_R_EMPTY, NULL,
	  NULL },
	{ "LDH label with -- is not an IDNA label", "r3--sn-x.example",
	  IDNA_OK, "r3--sn-x.example", "r3--sn-x.example" },
	{ "underscore kept", "_dmarc.example", IDNA_OK, "_dmarc.example",
	  "_dmarc.example" },
	{ "U-label, Latin", "b\xc3\xbc" "cher.example", IDNA_OK,
	  "xn--bcher-kva.example", "b\xc3\xbc" "cher.example" },
	{ "U-label upper case folded (UTS #46)", "B\xc3\x9c" "CHER.example",
	  IDNA_OK, "xn--bcher-kva.example", "b\xc3\xbc" "cher.example" },
	{ "A-label checked and kept", "xn--bcher-kva.example", IDNA_OK,
	  "xn--bcher-kva.example", "b\xc3\xbc" "cher.example" },
	{ "A-label in capitals", "XN--BCHER-KVA.Example", IDNA_OK,
	  "xn--bcher-kva.example", "b\xc3\xbc" "cher.example" },
	{ "U-label, Han + Hiragana (Japanese)", "\xe4\xbe\x8b\xe3\x81\x88.jp",
	  IDNA_OK, "xn--r8jz45g.jp", "\xe4\xbe\x8b\xe3\x81\x88.jp" },
	{ "U-label, Cyrillic only", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5"
	  "\xd1\x80.\xd1\x80\xd1\x84", IDNA_OK, "xn--e1afmkfd.xn--p1ai",
	  "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84" },
	{ "U-label, Arabic (right to left)", "\xd9\x85\xd8\xab\xd8\xa7\xd9\x84"
	  ".example", IDNA_OK, "xn--mgbh0fb.example",
	  "\xd9\x85\xd8\xab\xd8\xa7\xd9\x84.example" },
	{ "digits are Common: join any script", "b\xc3\xbc" "cher24.example",
	  IDNA_OK, "xn--bcher24-n2a.example", "b\xc3\xbc" "cher24.example" },
	{ "sharp s kept (non-transitional)", "stra\xc3\x9f" "e.de", IDNA_OK,
	  "xn--strae-oqa.de", "stra\xc3\x9f" "e.de" },
	{ "Latin + Han + Katakana (UTS #39 Japanese set)",
	  "abc\xe4\xbe\x8b\xe3\x82\xa2.jp", IDNA_OK, "xn--abc-li4bo69m.jp",
	  "abc\xe4\xbe\x8b\xe3\x82\xa2.jp" },
	{ "Latin + Hangul (UTS #39 Korean set)", "abc\xed\x95\x9c.kr",
	  IDNA_OK, "xn--abc-061p.kr", "abc\xed\x95\x9c.kr" },
	/* a script seen before is not counted again */
	{ "Hiragana + four Latin letters", "\xe3\x81\xb2" "abcd.jp", IDNA_OK,
	  "xn--abcd-pd4c.jp", "\xe3\x81\xb2" "abcd.jp" },
	/* combining marks (script Inherited) join their base's script */
	{ "Latin + combining dot above", "q\xcc\x87x.example", IDNA_OK,
	  "xn--qx-rub.example", "q\xcc\x87x.example" },
	/* mixed scripts: the homograph cases */
	{ "Cyrillic + Han is no allowed set", "\xd0\xb0\xe4\xbe\x8b.jp",
	  IDNA_R_MIXED_SCRIPT, NULL, NULL },
	{ "Latin + Cyrillic a (p\xd0\xb0ypal)", "p\xd0\xb0ypal.com",
	  IDNA_R_MIXED_SCRIPT, NULL, NULL },
	{ "Latin + Cyrillic as an A-label", "xn--pypal-4ve.com",
	  IDNA_R_MIXED_SCRIPT, NULL, NULL },
	{ "five scripts in one label",
	  "a\xd0\xb1\xce\xb3\xd5\xa1\xe1\x83\x90.example",
	  IDNA_R_MIXED_SCRIPT, NULL, NULL },
	{ "Latin + Greek omicron", "g\xce\xbf" "ogle.com", IDNA_R_MIXED_SCRIPT,
	  NULL, NULL },
	{ "Cyrillic + Latin in the second label", "example.\xd1\x80" "f",
	  IDNA_R_MIXED_SCRIPT, NULL, NULL },
	/* invalid */
	{ "disallowed symbol (snowman)", "\xe2\x98\x83.com", IDNA_R_INVALID,
	  NULL, NULL },
	{ "disallowed symbol as A-label", "xn--n3h.com", IDNA_R_INVALID, NULL,
	  NULL },
	{ "bad Punycode after xn--", "xn--zzzzzz.example", IDNA_R_INVALID,
	  NULL, NULL },
	{ "ZWJ outside its context (CONTEXTJ)", "a\xe2\x80\x8d" "b.com",
	  IDNA_R_INVALID, NULL, NULL },
	{ "U-label with -- in positions 3-4", "\xc3\xbc" "a--b.com",
	  IDNA_R_INVALID, NULL, NULL },
	{ "U-label starting with a hyphen", "-b\xc3\xbc" "cher.com",
	  IDNA_R_INVALID, NULL, NULL },
	{ "leading combining mark", "\xcc\x81" "a.com", IDNA_R_INVALID, NULL,
	  NULL },
	{ "Bidi: Arabic then Latin in one label",
	  "\xd9\x85\xd8\xab" "ab.example", IDNA_R_INVALID, NULL, NULL },
	{ "truncated UTF-8", "a\xc3.example", IDNA_R_ENCODING, NULL, NULL },
	{ "overlong UTF-8", "\xc0\xaf.example", IDNA_R_ENCODING, NULL, NULL },
	{ "UTF-16 surrogate in UTF-8", "\xed\xa0\x80.example", IDNA_R_ENCODING,
	  NULL, NULL },
	{ "space in name", "a b.example", IDNA_R_ENCODING, NULL, NULL },
	{ "xn-- alone is no A-label", "xn--.example", IDNA_R_INVALID, NULL,
	  NULL },
	{ "leading space", " example.com", IDNA_R_ENCODING, NULL, NULL },
	{ "leading control byte", "\x01" "example.com", IDNA_R_ENCODING, NULL,
	  NULL },
	{ "empty name", "", IDNA_R_EMPTY, NULL, NULL },
	{ "only a dot", ".", IDNA_R_EMPTY, NULL, NULL },
	{ "empty label", "a..example", IDNA_R_EMPTY, NULL, NULL },
	{ "leading dot", ".example", IDNA_R_EMPTY, NULL, NULL },
};

/* check_case - one row of the table */
static void
check_case(const struct idna_case *c)
{
	struct idna_name n;
	const char *why = NULL;
	enum idna_status st;

	st = idna_domain((const unsigned char *)c->in, strlen(c->in), &n, &why);
	if (st != c->st)
		fail_msg("%s: status %s, want %s (%s)", c->label,
		    idna_status_name(st), idna_status_name(c->st), why);
	assert_non_null(why);
	if (st != IDNA_OK) {
		assert_string_equal(n.ascii, "");
		assert_string_equal(n.unicode, "");
		return;
	}
	if (strcmp(n.ascii, c->ascii) != 0 || strcmp(n.unicode, c->unicode))
		fail_msg("%s: got %s / %s", c->label, n.ascii, n.unicode);
	assert_int_equal(n.international, strcmp(c->ascii, c->unicode) != 0 ||
	    strstr(c->ascii, "xn--") != NULL);
}

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* the why texts name the rule that was broken */
static void
test_reasons(void **state)
{
	struct idna_name n;
	const char *why;

	(void)state;
	assert_int_equal(idna_domain((const unsigned char *)"p\xd0\xb0ypal.com",
	    11, &n, &why), IDNA_R_MIXED_SCRIPT);
	assert_non_null(strstr(why, "mixes scripts"));
	assert_int_equal(idna_domain((const unsigned char *)"\xe2\x98\x83.com",
	    7, &n, &why), IDNA_R_INVALID);
	assert_non_null(strstr(why, "disallowed"));
	assert_int_equal(idna_domain((const unsigned char *)"x", 1, &n, NULL),
	    IDNA_OK);
}

/* (p, len): bytes past len are not read; an embedded NUL is an error */
static void
test_length_not_nul(void **state)
{
	static const unsigned char in[] = "b\xc3\xbc" "cher.exampleGARBAGE";
	static const unsigned char nul[] = "b\xc3\xbc" "ch\0er.example";
	struct idna_name n;

	(void)state;
	assert_int_equal(idna_domain(in, 15, &n, NULL), IDNA_OK);
	assert_string_equal(n.ascii, "xn--bcher-kva.example");
	assert_int_equal(idna_domain(nul, sizeof(nul) - 1, &n, NULL),
	    IDNA_R_ENCODING);
}

/* labels over 63 and names over 253 octets, counted in A-label form */
static void
test_over_long(void **state)
{
	char in[2048], want[300];
	struct idna_name n;
	size_t i, len = 0;

	(void)state;
	/* 63 ASCII octets: fine; 64: too long */
	memset(in, 'a', 64);
	assert_int_equal(idna_domain((unsigned char *)in, 63, &n, NULL),
	    IDNA_OK);
	assert_int_equal(idna_domain((unsigned char *)in, 64, &n, NULL),
	    IDNA_R_TOO_LONG);
	/* 21 scattered Han characters: 63 bytes of UTF-8, 67 as an A-label */
	for (i = 0; i < 21; i++) {
		unsigned cp = 0x4e00 + (unsigned)(i * 977) % 0x5000;

		in[len++] = (char)(0xe0 | (cp >> 12));
		in[len++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		in[len++] = (char)(0x80 | (cp & 0x3f));
	}
	assert_int_equal(idna_domain((unsigned char *)in, len, &n, NULL),
	    IDNA_R_TOO_LONG);
	/* 4 x 63 + 3 dots = 255 > 253; 3 x 63 + 61 + 3 dots = 253 fits */
	len = 0;
	for (i = 0; i < 4; i++) {
		memset(in + len, 'b', 63);
		len += 63;
		in[len++] = '.';
	}
	assert_int_equal(idna_domain((unsigned char *)in, len - 1, &n, NULL),
	    IDNA_R_TOO_LONG);
	assert_int_equal(idna_domain((unsigned char *)in, len - 3, &n, NULL),
	    IDNA_OK);
	memcpy(want, in, len - 3);
	want[len - 3] = '\0';
	assert_string_equal(n.ascii, want);
	/* 4 x 61 + 4 dots + "\xc3\xbc\xc3\xbc" is 252 bytes, but 256 once
	 * the last label is "xn--tdaa" */
	len = 0;
	for (i = 0; i < 4; i++) {
		memset(in + len, 'c', 61);
		len += 61;
		in[len++] = '.';
	}
	memcpy(in + len, "\xc3\xbc\xc3\xbc", 4);
	len += 4;
	assert_int_equal(len, 252);
	assert_int_equal(idna_domain((unsigned char *)in, len, &n, NULL),
	    IDNA_R_TOO_LONG);
	/* the label-by-label path holds the same 253 limit: at it, fits */
	assert_int_equal(idna_domain_full((unsigned char *)want,
	    strlen(want), &n, NULL), IDNA_OK);
	/* 3 x 61 + 58 + 4 dots + "xn--tdaa" is 253 octets: fits; one more
	 * "c" does not */
	len = 0;
	for (i = 0; i < 4; i++) {
		memset(in + len, 'c', i < 3 ? 61 : 58);
		len += i < 3 ? 61 : 58;
		in[len++] = '.';
	}
	memcpy(in + len, "\xc3\xbc\xc3\xbc", 4);
	len += 4;
	assert_int_equal(idna_domain((unsigned char *)in, len, &n, NULL),
	    IDNA_OK);
	assert_int_equal(strlen(n.ascii), 253);
	memmove(in + 1, in, len);
	assert_int_equal(idna_domain((unsigned char *)in, len + 1, &n, NULL),
	    IDNA_R_TOO_LONG);
	/* soft hyphens (U+00AD) map to nothing (UTS #46): an input of
	 * IDNA_MAX_INPUT bytes may still be a short name, one byte more is
	 * refused before any label is copied */
	in[0] = 'a';
	for (i = 0; i < 511; i++)
		memcpy(in + 1 + 2 * i, "\xc2\xad", 2);
	in[1023] = 'a';
	in[1024] = 'a';
	assert_int_equal(idna_domain((unsigned char *)in, IDNA_MAX_INPUT, &n,
	    NULL), IDNA_OK);
	assert_string_equal(n.ascii, "aa");
	assert_int_equal(idna_domain((unsigned char *)in, IDNA_MAX_INPUT + 1,
	    &n, NULL), IDNA_R_TOO_LONG);
	/* an A-label of just 63 octets: 55 "b" and a "\xc3\xbc" */
	memset(in, 'b', 55);
	memcpy(in + 55, "\xc3\xbc", 2);
	assert_int_equal(idna_domain((unsigned char *)in, 57, &n, NULL),
	    IDNA_OK);
	assert_int_equal(strlen(n.ascii), 63);
	assert_string_equal(n.ascii + 59, "-8yf");
	/* input over the byte cap */
	memset(in, 'd', sizeof(in));
	assert_int_equal(idna_domain((unsigned char *)in, sizeof(in), &n, NULL),
	    IDNA_R_TOO_LONG);
}

/* xorshift32 - deterministic pseudo-random bytes */
static uint32_t
xorshift32(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* random UTF-8-ish bytes never crash; OK results are short and ASCII */
static void
test_random_input(void **state)
{
	static const unsigned char alpha[] = "ax-.\xc3\xbc\xd0\xb0\xe2\x80\x8d"
	    "\xce\xbf\xe4\xbe\x8bX_\xf0\x9f\x98\x80";
	unsigned char in[40];
	uint32_t seed = 4242;
	int round;

	(void)state;
	for (round = 0; round < 5000; round++) {
		size_t len = xorshift32(&seed) % sizeof(in), i;
		struct idna_name n;

		for (i = 0; i < len; i++)
			in[i] = alpha[xorshift32(&seed) % (sizeof(alpha) - 1)];
		if (idna_domain(in, len, &n, NULL) != IDNA_OK)
			continue;
		assert_true(strlen(n.ascii) <= IDNA_MAX_NAME);
		for (i = 0; n.ascii[i] != '\0'; i++)
			assert_true((unsigned char)n.ascii[i] < 0x80 &&
			    !(n.ascii[i] >= 'A' && n.ascii[i] <= 'Z'));
	}
}

/* check_same - idna_domain and idna_domain_full agree on in[0..len) */
static void
check_same(const unsigned char *in, size_t len)
{
	struct idna_name a, b;
	const char *wa = NULL, *wb = NULL;
	enum idna_status sa = idna_domain(in, len, &a, &wa);
	enum idna_status sb = idna_domain_full(in, len, &b, &wb);

	assert_int_equal(sa, sb);
	assert_string_equal(wa, wb);
	assert_string_equal(a.ascii, b.ascii);
	assert_string_equal(a.unicode, b.unicode);
	assert_int_equal(a.international, b.international);
}

/* The plain-ASCII shortcut gives what the label-by-label path gives:
 * random names of dots, letters of both cases, "xn--" pieces, controls,
 * high bytes, near the 63 and 253 limits */
static void
test_shortcut_matches_full(void **state)
{
	static const char *const pieces[] = {
		"a", "B", "x", "X", "n", "N", "-", "--", ".", "..", "xn--",
		"XN--", "xn-", "zz9", "_", "\x80", "\xc3\xbc", " ", "\t", "\x7f",
		"!", "0", "xn--bcher-kva", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	unsigned char in[300];
	uint32_t seed = 5891;
	int round;

	(void)state;
	for (round = 0; round < 256; round++) {
		/* every byte, inside a label, alone and at a label's start */
		unsigned char one[] = { 'a', (unsigned char)round, 'b', '.',
		    (unsigned char)round, 'x' };

		check_same(one, sizeof(one));
		check_same(one + 1, 1);
		check_same(one + 3, 3);
	}
	for (round = 0; round < 20000; round++) {
		size_t len = 0, want = xorshift32(&seed) % 280;

		while (len < want) {
			const char *pc = pieces[xorshift32(&seed) %
			    (sizeof(pieces) / sizeof(pieces[0]))];
			size_t n = strlen(pc);

			if (len + n > sizeof(in))
				break;
			memcpy(in + len, pc, n);
			len += n;
		}
		check_same(in, len);
		/* every prefix of a short one, trailing dot cases included */
		if (len < 20) {
			size_t k;

			for (k = 0; k <= len; k++)
				check_same(in, k);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_length_not_nul),
		cmocka_unit_test(test_over_long),
		cmocka_unit_test(test_random_input),
		cmocka_unit_test(test_shortcut_matches_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
