/* test_dkim_sig.c - DKIM-Signature values and key records: every tag,
 * strictness on required tags, tolerance of unknown ones */
#include "config.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/dkim_key.h"
#include "core/dkim_sig.h"

#define U(s) ((const unsigned char *)(s))

static void
test_full_signature(void **state)
{
	static const char v[] =
	    " v=1; a=rsa-sha256; c=relaxed/simple; d=Example.COM;\r\n"
	    "\ts=sel.sub; i=joe@mail.example.com; q=dns/txt; l=1234;\r\n"
	    "\tt=1700000000; x=1700086400; z=From:a@b|To:c@d;\r\n"
	    "\th=From : To:subject:FROM; zz=future;\r\n"
	    "\tbh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
	    "\tb=AuUo FEfD\r\n xTDk";
	struct dkim_sig s;
	const char *why = NULL;

	(void)state;
	dkim_sig_init(&s);
	assert_int_equal(dkim_sig_parse(U(v), strlen(v), &s, &why), DKIM_SIG_OK);
	assert_int_equal(s.alg, DKIM_ALG_RSA_SHA256);
	assert_int_equal(s.hash, CRYPTO_HASH_SHA256);
	assert_int_equal(s.key_type, CRYPTO_KEY_RSA);
	assert_int_equal(s.hcanon, DKIM_CANON_RELAXED);
	assert_int_equal(s.bcanon, DKIM_CANON_SIMPLE);
	assert_string_equal(s.d, "Example.COM");
	assert_string_equal(s.s, "sel.sub");
	assert_string_equal(s.i, "joe@mail.example.com");
	assert_string_equal(s.i_domain, "mail.example.com");
	assert_true(s.has_l);
	assert_int_equal(s.l, 1234);
	assert_true(s.has_t && s.has_x);
	assert_int_equal(s.t, 1700000000);
	assert_int_equal(s.x, 1700086400);
	assert_int_equal(s.nnames, 4);
	assert_int_equal(s.names[1].len, 2);
	assert_memory_equal(s.names[1].p, "To", 2);
	assert_int_equal(s.bh.len, 32);
	assert_int_equal(s.b.len, 9);
	assert_string_equal(s.b8, "AuUoFEfD");
	/* b= raw span: from after "b=" to the end */
	assert_int_equal(s.b_end, strlen(v));
	assert_memory_equal(v + s.b_start, "AuUo", 4);
	dkim_sig_deinit(&s);
}

static void
test_signature_table(void **state)
{
	static const struct {
		const char *label, *v;
		enum dkim_sig_status st;
		const char *why;
	} cases[] = {
#define BASE "a=rsa-sha256; d=example.com; s=s; h=from; bh=AAAA; b=AAAA"
		{ "minimal", "v=1; " BASE, DKIM_SIG_OK, NULL },
		{ "ed25519", "v=1; a=ed25519-sha256; d=example.com; s=s; h=from; "
		  "bh=AAAA; b=AAAA", DKIM_SIG_OK, NULL },
		{ "rsa-sha1 parses", "v=1; a=rsa-sha1; d=example.com; s=s; h=from; "
		  "bh=AAAA; b=AAAA", DKIM_SIG_OK, NULL },
		{ "algorithm case-insensitive", "v=1; a=RSA-SHA256; d=example.com; "
		  "s=s; h=from; bh=AAAA; b=AAAA", DKIM_SIG_OK, NULL },
		{ "missing v", BASE, DKIM_SIG_E_SYNTAX, "missing v=" },
		{ "v=2", "v=2; " BASE, DKIM_SIG_E_VERSION, "unsupported version" },
		{ "missing a", "v=1; d=example.com; s=s; h=from; bh=AAAA; b=AAAA",
		  DKIM_SIG_E_SYNTAX, "missing a=" },
		{ "unknown a", "v=1; a=rsa-md5; d=example.com; s=s; h=from; bh=AAAA; "
		  "b=AAAA", DKIM_SIG_E_ALG, "unsupported algorithm" },
		{ "missing b", "v=1; a=rsa-sha256; d=example.com; s=s; h=from; "
		  "bh=AAAA", DKIM_SIG_E_SYNTAX, "missing b=" },
		{ "empty b", "v=1; a=rsa-sha256; d=example.com; s=s; h=from; "
		  "bh=AAAA; b=", DKIM_SIG_E_SYNTAX, "bad base64 in b=" },
		{ "bad b", "v=1; a=rsa-sha256; d=example.com; s=s; h=from; "
		  "bh=AAAA; b=AA!A", DKIM_SIG_E_SYNTAX, "bad base64 in b=" },
		{ "bad bh padding", "v=1; a=rsa-sha256; d=example.com; s=s; h=from; "
		  "bh=AAA; b=AAAA", DKIM_SIG_E_SYNTAX, "bad base64 in bh=" },
		{ "missing d", "v=1; a=rsa-sha256; s=s; h=from; bh=AAAA; b=AAAA",
		  DKIM_SIG_E_SYNTAX, "missing d=" },
		{ "missing s", "v=1; a=rsa-sha256; d=example.com; h=from; bh=AAAA; "
		  "b=AAAA", DKIM_SIG_E_SYNTAX, "missing s=" },
		{ "missing h", "v=1; a=rsa-sha256; d=example.com; s=s; bh=AAAA; "
		  "b=AAAA", DKIM_SIG_E_SYNTAX, "missing h=" },
		{ "h without From", "v=1; a=rsa-sha256; d=example.com; s=s; h=to:subject; "
		  "bh=AAAA; b=AAAA", DKIM_SIG_E_FROM, "From not signed" },
		{ "h empty name", "v=1; a=rsa-sha256; d=example.com; s=s; h=from::to; "
		  "bh=AAAA; b=AAAA", DKIM_SIG_E_SYNTAX, "empty header name in h=" },
		{ "c simple only", "v=1; c=simple; " BASE, DKIM_SIG_OK, NULL },
		{ "c unknown", "v=1; c=relaxed/nowsp; " BASE, DKIM_SIG_E_CANON,
		  "unsupported canonicalization" },
		{ "q list with dns/txt", "v=1; q=foo:dns/txt; " BASE, DKIM_SIG_OK, NULL },
		{ "q without dns/txt", "v=1; q=https; " BASE, DKIM_SIG_E_QUERY,
		  "unsupported query method" },
		{ "i in subdomain", "v=1; i=@a.b.example.com; " BASE, DKIM_SIG_OK, NULL },
		{ "i case differs", "v=1; i=@EXAMPLE.com; " BASE, DKIM_SIG_OK, NULL },
		{ "i outside d", "v=1; i=@example.net; " BASE, DKIM_SIG_E_AUID,
		  "i= not within d=" },
		{ "i suffix trick", "v=1; i=@badexample.com; " BASE, DKIM_SIG_E_AUID,
		  "i= not within d=" },
		{ "i without @", "v=1; i=example.com; " BASE, DKIM_SIG_E_SYNTAX,
		  "malformed i=" },
		/* i= is dkim-quoted-printable (2.11): judged once decoded */
		{ "i quoted-printable domain", "v=1; i=u=3Db@exa=6Dple.com; " BASE,
		  DKIM_SIG_OK, NULL },
		{ "i quoted-printable outside d", "v=1; i=@example=2Enet; " BASE,
		  DKIM_SIG_E_AUID, "i= not within d=" },
		{ "i quoted-printable @", "v=1; i=a=40example.net; " BASE,
		  DKIM_SIG_E_AUID, "i= not within d=" },
		{ "i broken escape", "v=1; i=a=4@example.com; " BASE,
		  DKIM_SIG_E_SYNTAX, "malformed i=" },
		{ "i NUL escape", "v=1; i=a=00@example.com; " BASE,
		  DKIM_SIG_E_SYNTAX, "malformed i=" },
		{ "i escape not hex", "v=1; i=a=zz@example.com; " BASE,
		  DKIM_SIG_E_SYNTAX, "malformed i=" },
		{ "l digits", "v=1; l=0; " BASE, DKIM_SIG_OK, NULL },
		{ "l huge saturates", "v=1; l=999999999999999999999999999; " BASE,
		  DKIM_SIG_OK, NULL },
		{ "l not digits", "v=1; l=-1; " BASE, DKIM_SIG_E_SYNTAX, "malformed l=" },
		{ "t 13 digits", "v=1; t=1234567890123; " BASE, DKIM_SIG_OK, NULL },
		{ "t not digits", "v=1; t=+1; " BASE, DKIM_SIG_E_SYNTAX,
		  "malformed t=" },
		{ "x empty", "v=1; x=; " BASE, DKIM_SIG_E_SYNTAX, "malformed x=" },
		{ "d with empty label", "v=1; a=rsa-sha256; d=a..b; s=s; h=from; "
		  "bh=AAAA; b=AAAA", DKIM_SIG_E_SYNTAX, "malformed d=" },
		{ "s with space", "v=1; a=rsa-sha256; d=example.com; s=a b; h=from; "
		  "bh=AAAA; b=AAAA", DKIM_SIG_E_SYNTAX, "malformed s=" },
		{ "duplicate tag", "v=1; v=1; " BASE, DKIM_SIG_E_SYNTAX, "duplicate tag" },
		{ "unknown tags ignored", "v=1; foo=bar; x_y=1; " BASE, DKIM_SIG_OK, NULL },
		{ "tag names are case-sensitive", "V=1; " BASE, DKIM_SIG_E_SYNTAX,
		  "missing v=" },
		{ "ARC-only and look-alike tags ignored",
		  "v=1; cv=fail; bhh=x; vv=2; b_=1; " BASE, DKIM_SIG_OK, NULL },
		{ "bh look-alike is not bh", "v=1; a=rsa-sha256; d=example.com; "
		  "s=s; h=from; bhh=AAAA; b=AAAA", DKIM_SIG_E_SYNTAX, "missing bh=" },
		{ "duplicate tag", "v=1; d=example.org; " BASE, DKIM_SIG_E_SYNTAX,
		  "duplicate tag" },
		{ "empty d", "v=1; a=rsa-sha256; d=; s=s; h=from; bh=AAAA; b=AAAA",
		  DKIM_SIG_E_SYNTAX, "malformed d=" },
		{ "folding inside tags", "v = 1 ;\r\n\ta=rsa-sha256;\r\n d=\r\n "
		  "example.com; s=s; h=from\r\n\t: to; bh=AA\r\n AA; b=AA AA",
		  DKIM_SIG_OK, NULL },
		/* RFC 8616 5: U-labels in d= and s=, UTF-8 in i='s local
		 * part; anything else non-ASCII stays an error */
		{ "U-label d", "v=1; a=rsa-sha256; d=b\xc3\xbc" "cher.example; s=s; "
		  "h=from; bh=AAAA; b=AAAA", DKIM_SIG_OK, NULL },
		{ "UTF-8 i local part", "v=1; i=j\xc3\xb6rg@example.com; " BASE,
		  DKIM_SIG_OK, NULL },
		{ "not UTF-8 in d", "v=1; a=rsa-sha256; d=b\xfc" "cher.example; s=s; "
		  "h=from; bh=AAAA; b=AAAA", DKIM_SIG_E_SYNTAX, "malformed d=" },
		{ "mixed script d", "v=1; a=rsa-sha256; d=p\xd0\xb0ypal.example; "
		  "s=s; h=from; bh=AAAA; b=AAAA", DKIM_SIG_E_SYNTAX,
		  "malformed d=" },
		{ "disallowed s", "v=1; a=rsa-sha256; d=example.com; "
		  "s=\xe2\x98\x83; h=from; bh=AAAA; b=AAAA", DKIM_SIG_E_SYNTAX,
		  "malformed s=" },
		{ "i escaped U-label domain", "v=1; a=rsa-sha256; "
		  "d=b\xc3\xbc" "cher.example; s=s; i=a@b=C3=BCcher.example; "
		  "h=from; bh=AAAA; b=AAAA", DKIM_SIG_OK, NULL },
		{ "U-label i domain outside d", "v=1; i=a@b\xc3\xbc" "cher.example; "
		  BASE, DKIM_SIG_E_AUID, "i= not within d=" },
		{ "UTF-8 in b", "v=1; a=rsa-sha256; d=example.com; s=s; h=from; "
		  "bh=AAAA; b=AA\xc3\xa9" "A", DKIM_SIG_E_SYNTAX, "bad base64 in b=" },
		{ "UTF-8 in h", "v=1; a=rsa-sha256; d=example.com; s=s; "
		  "h=from:t\xc3\xa9; bh=AAAA; b=AAAA", DKIM_SIG_E_SYNTAX, NULL },
		/* white space in a q= list may be a fold */
		{ "q folded list", "v=1; q=foo:\r\n dns/txt; " BASE, DKIM_SIG_OK,
		  NULL },
		/* ... after a method too, before its colon (3.5) */
		{ "q fold before a colon", "v=1; q=dns/txt\r\n :foo; " BASE,
		  DKIM_SIG_OK, NULL },
		/* i= folded: the fold is not part of the identity (2.11) */
		{ "i folded", "v=1; i=@exa\r\n mple.com; " BASE, DKIM_SIG_OK,
		  NULL },
		{ "i NUL escape at the end", "v=1; i=@example.com=00; " BASE,
		  DKIM_SIG_E_SYNTAX, "malformed i=" },
		/* the domain follows the last "@": an escaped one in the
		 * local part is the local part's */
		{ "i escaped @ in local part", "v=1; i=a=40b@example.com; " BASE,
		  DKIM_SIG_OK, NULL },
		{ "empty bh", "v=1; a=rsa-sha256; d=example.com; s=s; h=from; "
		  "bh=; b=AAAA", DKIM_SIG_E_SYNTAX, "bad base64 in bh=" },
		{ "garbage", "\x01\x02", DKIM_SIG_E_SYNTAX, NULL },
		{ "empty", "", DKIM_SIG_E_SYNTAX, "missing d=" },
#undef BASE
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dkim_sig s;
		const char *why = NULL;

		print_message("# %s\n", cases[i].label);
		dkim_sig_init(&s);
		assert_int_equal(dkim_sig_parse(U(cases[i].v), strlen(cases[i].v),
		    &s, &why), cases[i].st);
		if (cases[i].why != NULL)
			assert_string_equal(why, cases[i].why);
		dkim_sig_deinit(&s);
	}
}

/* parse_with - init s and parse a valid signature around one tag
 * ("i=...", "l=...", "b=..."; b=AAAA is added unless the tag is b=);
 * anything but DKIM_SIG_OK fails the test. The caller deinits s. */
static void
parse_with(struct dkim_sig *s, const char *tag)
{
	char in[200];
	const char *why = NULL;

	(void)snprintf(in, sizeof(in), "v=1; %s; a=rsa-sha256; "
	    "d=example.com; s=s; h=from; bh=AAAA%s", tag,
	    strncmp(tag, "b=", 2) == 0 ? "" : "; b=AAAA");
	dkim_sig_init(s);
	if (dkim_sig_parse(U(in), strlen(in), s, &why) != DKIM_SIG_OK)
		fail_msg("%s: %s", in, why != NULL ? why : "");
}

/* i= is kept decoded (RFC 6376 2.11): every =XX escape, from =01 to
 * =FF, is its octet, white space (a fold) is dropped */
static void
test_auid_decoded(void **state)
{
	static const struct {
		const char *i, *want;
	} cases[] = {
		{ "u=3Db@exa=6Dple.com", "u=b@example.com" },
		{ "a=01=09=0Fb@example.com", "a\x01\t\x0f" "b@example.com" },
		{ "a\r\n =3Db@example.com", "a=b@example.com" },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char tag[100];
		struct dkim_sig s;

		(void)snprintf(tag, sizeof(tag), "i=%s", cases[k].i);
		parse_with(&s, tag);
		assert_string_equal(s.i, cases[k].want);
		assert_string_equal(s.i_domain, "example.com");
		dkim_sig_deinit(&s);
	}
}

/* b8 (header.b= of Authentication-Results, RFC 6008) is taken from
 * b='s value alone: a short one ends with the tag, white space inside
 * is skipped */
static void
test_b8_stops_at_the_tag(void **state)
{
	static const struct {
		const char *b, *want;
	} cases[] = {
		{ "AAAA", "AAAA" },
		{ "AA\r\n AA", "AAAA" },
		{ "AAAA BBBB CCCC", "AAAABBBB" },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char tag[100];
		struct dkim_sig s;

		(void)snprintf(tag, sizeof(tag), "b=%s", cases[k].b);
		parse_with(&s, tag);
		assert_string_equal(s.b8, cases[k].want);
		dkim_sig_deinit(&s);
	}
}

/* h= last, its value ending the signature and the exact-size buffer
 * (no NUL after it): counting its names reads nothing past the value,
 * which only a sanitizer run can see */
static void
test_h_last_reads_within_the_value(void **state)
{
	static const char v[] = "v=1; a=rsa-sha256; d=example.com; s=s; "
	    "bh=AAAA; b=AAAA; h=from:to:cc:subject";
	unsigned char *exact = malloc(sizeof(v) - 1);
	struct dkim_sig s;
	const char *why = NULL;

	(void)state;
	assert_non_null(exact);
	memcpy(exact, v, sizeof(v) - 1);
	dkim_sig_init(&s);
	assert_int_equal(dkim_sig_parse(exact, sizeof(v) - 1, &s, &why),
	    DKIM_SIG_OK);
	free(exact);
	assert_int_equal(s.nnames, 4);
	assert_memory_equal(s.names[3].p, "subject", 7);
	dkim_sig_deinit(&s);
}

/* RFC 8616 5: d=, s= and i='s domain given as U-labels are used in
 * their A-label form (key lookup, i= within d=, alignment); i= itself
 * is kept as written */
static void
test_u_labels_become_a_labels(void **state)
{
	const char *v = "v=1; a=rsa-sha256; d=B\xc3\xbc" "cher.example; "
	    "s=s\xc3\xa9l; i=j\xc3\xb6rg@news.b\xc3\xbc" "cher.example; "
	    "h=from; bh=AAAA; b=AAAA";
	struct dkim_sig s;
	const char *why = NULL;

	(void)state;
	dkim_sig_init(&s);
	assert_int_equal(dkim_sig_parse(U(v), strlen(v), &s, &why),
	    DKIM_SIG_OK);
	assert_string_equal(s.d, "xn--bcher-kva.example");
	assert_string_equal(s.s, "xn--sl-bja");
	assert_string_equal(s.i_domain, "news.xn--bcher-kva.example");
	assert_string_equal(s.i, "j\xc3\xb6rg@news.b\xc3\xbc" "cher.example");
	dkim_sig_deinit(&s);

	/* an ASCII signature keeps its own strings, no second block */
	v = "v=1; a=rsa-sha256; d=xn--bcher-kva.example; s=s; h=from; "
	    "bh=AAAA; b=AAAA";
	dkim_sig_init(&s);
	assert_int_equal(dkim_sig_parse(U(v), strlen(v), &s, &why),
	    DKIM_SIG_OK);
	assert_string_equal(s.d, "xn--bcher-kva.example");
	assert_null(s.idn);
	dkim_sig_deinit(&s);

	/* each A-label name ends where it should, also when the block
	 * held a longer one before */
	v = "v=1; a=rsa-sha256; d=b\xc3\xbc" "cher-und-noch-viel-mehr.example; "
	    "s=s; h=from; bh=AAAA; b=AAAA";
	dkim_sig_init(&s);
	assert_int_equal(dkim_sig_parse(U(v), strlen(v), &s, &why),
	    DKIM_SIG_OK);
	assert_string_equal(s.d, "xn--bcher-und-noch-viel-mehr-vsc.example");
	dkim_sig_deinit(&s);
	v = "v=1; a=rsa-sha256; d=b\xc3\xbc" "ch.example; s=s; h=from; "
	    "bh=AAAA; b=AAAA";
	dkim_sig_init(&s);
	assert_int_equal(dkim_sig_parse(U(v), strlen(v), &s, &why),
	    DKIM_SIG_OK);
	assert_string_equal(s.d, "xn--bch-hoa.example");
	dkim_sig_deinit(&s);
}

static void
test_names_survive_syntax_errors(void **state)
{
	static const char v[] = "d=example.com; s=sel; v=1; a=rsa-sha256; bogus";
	struct dkim_sig s;
	const char *why;

	(void)state;
	dkim_sig_init(&s);
	assert_int_equal(dkim_sig_parse(U(v), strlen(v), &s, &why),
	    DKIM_SIG_E_SYNTAX);
	assert_string_equal(s.d, "example.com");
	assert_string_equal(s.s, "sel");
	dkim_sig_deinit(&s);
}

/* eq_or_null - s is NULL when want is, else equal to it */
static void
eq_or_null(const char *s, const char *want)
{
	if (want == NULL)
		assert_null(s);
	else
		assert_string_equal(s, want);
}

/* The copies of d= s= i= h= (one allocation per signature) reach the
 * struct exactly when each tag is judged, as separate copies did: i=
 * only once everything before it passed, h= once the crypto tags did;
 * an ARC field never keeps i=. */
static void
test_copies_appear_when_judged(void **state)
{
	static const struct {
		const char *label, *in;
		enum dkim_sig_kind kind;
		const char *d, *s, *i, *h;
		size_t nnames;
	} cases[] = {
		{ "full", "v=1; a=rsa-sha256; d=Ex.com; s=s1; i=u@sub.ex.com; "
		    "h=From : To; bh=AAAA; b=AAAA", DKIM_SIG_KIND_DKIM,
		    "Ex.com", "s1", "u@sub.ex.com", "From : To", 2 },
		{ "no i=", "v=1; a=rsa-sha256; d=ex.com; s=s1; h=from; "
		    "bh=AAAA; b=AAAA", DKIM_SIG_KIND_DKIM, "ex.com", "s1",
		    NULL, "from", 1 },
		{ "bad a=", "v=1; a=rsa-md5; d=ex.com; s=s1; i=@ex.com; "
		    "h=from; bh=AAAA; b=AAAA", DKIM_SIG_KIND_DKIM, "ex.com",
		    "s1", NULL, NULL, 0 },
		{ "bad t=", "v=1; a=rsa-sha256; d=ex.com; s=s1; i=@ex.com; "
		    "h=from:to:cc; bh=AAAA; b=AAAA; t=x", DKIM_SIG_KIND_DKIM,
		    "ex.com", "s1", NULL, "from:to:cc", 3 },
		{ "list error", "d=ex.com; s=s1; h=from; i=@ex.com; !",
		    DKIM_SIG_KIND_DKIM, "ex.com", "s1", NULL, NULL, 0 },
		{ "no d=", "v=1; s=s1; h=from", DKIM_SIG_KIND_DKIM, NULL, "s1",
		    NULL, NULL, 0 },
		{ "nothing", "", DKIM_SIG_KIND_DKIM, NULL, NULL, NULL, NULL,
		    0 },
		{ "AMS", "i=1; a=rsa-sha256; d=ex.com; s=s1; h=from:arc-x; "
		    "bh=AAAA; b=AAAA", DKIM_SIG_KIND_ARC_AMS, "ex.com", "s1",
		    NULL, "from:arc-x", 2 },
		{ "AS", "i=2; a=rsa-sha256; d=ex.com; s=s1; cv=none; b=AAAA",
		    DKIM_SIG_KIND_ARC_SEAL, "ex.com", "s1", NULL, NULL, 0 },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct dkim_sig sig;
		const char *why;

		dkim_sig_init(&sig);
		if (cases[k].kind == DKIM_SIG_KIND_DKIM)
			(void)dkim_sig_parse(U(cases[k].in),
			    strlen(cases[k].in), &sig, &why);
		else
			(void)dkim_sig_parse_arc(U(cases[k].in),
			    strlen(cases[k].in), cases[k].kind, &sig, &why);
		print_message("%s\n", cases[k].label);
		eq_or_null(sig.d, cases[k].d);
		eq_or_null(sig.s, cases[k].s);
		eq_or_null(sig.i, cases[k].i);
		eq_or_null(sig.h, cases[k].h);
		assert_int_equal(sig.nnames, cases[k].nnames);
		if (cases[k].nnames > 0) {
			/* the names point into the copy of h= */
			assert_true(sig.names[0].p == (const unsigned char *)sig.h);
			assert_true(sig.names[sig.nnames - 1].p +
			    sig.names[sig.nnames - 1].len ==
			    (const unsigned char *)sig.h + strlen(sig.h));
		}
		dkim_sig_deinit(&sig);
		assert_null(sig.block);
	}
}

/* ref_h - h= judged as first written: split at ':', trim FWS, refuse an
 * empty name or one with a byte outside ftext; the names' count, or -1
 * with *why_r */
static int
ref_h(const char *h, const char **why_r, int *from_r)
{
	size_t len = strlen(h), start = 0;
	int n = 0;

	*from_r = 0;
	while (start <= len) {
		const char *c = memchr(h + start, ':', len - start);
		size_t end = c != NULL ? (size_t)(c - h) : len, s = start,
		    e = end, i;

		while (s < e && strchr(" \t\r\n", h[s]) != NULL)
			s++;
		while (e > s && strchr(" \t\r\n", h[e - 1]) != NULL)
			e--;
		if (s == e) {
			*why_r = "empty header name in h=";
			return -1;
		}
		for (i = s; i < e; i++)
			if ((unsigned char)h[i] < 33 ||
			    (unsigned char)h[i] > 126 || h[i] == ':') {
				*why_r = "invalid header name in h=";
				return -1;
			}
		if (e - s == 4 && strncasecmp(h + s, "from", 4) == 0)
			*from_r = 1;
		n++;
		start = end + 1;
	}
	return n;
}

/* The one-pass h= parser against ref_h on random lists of names, colons
 * and folding white space */
static void
test_h_matches_reference(void **state)
{
	static const char *const pieces[] = { "from", "From", "to", ":",
	    ":", " ", "\r\n\t", "\t", "x-y", "subject", "a b", "\x7f" };
	uint32_t seed = 6376;
	int round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		char h[200], in[300];
		size_t len = 0, k, want = 0;
		struct dkim_sig sig;
		const char *why = NULL, *rwhy = NULL;
		enum dkim_sig_status st;
		int n, from;

		seed = seed * 1103515245u + 12345u;
		want = (seed >> 8) % 12;
		for (k = 0; k < want; k++) {
			const char *pc;

			seed = seed * 1103515245u + 12345u;
			pc = pieces[(seed >> 8) % (sizeof(pieces) /
			    sizeof(pieces[0]))];
			memcpy(h + len, pc, strlen(pc));
			len += strlen(pc);
		}
		h[len] = '\0';
		(void)snprintf(in, sizeof(in), "v=1; a=rsa-sha256; d=ex.com; "
		    "s=s1; bh=AAAA; b=AAAA; h=%s", h);
		dkim_sig_init(&sig);
		st = dkim_sig_parse(U(in), strlen(in), &sig, &why);
		n = ref_h(h, &rwhy, &from);
		/* the tag list refuses bytes it does not allow (and trims
		 * the value's ends) before h= is looked at */
		if (sig.h == NULL) {
			assert_int_equal(st, DKIM_SIG_E_SYNTAX);
			dkim_sig_deinit(&sig);
			continue;
		}
		if (n < 0) {
			assert_int_equal(st, DKIM_SIG_E_SYNTAX);
			assert_string_equal(why, rwhy);
		} else {
			assert_int_equal(st, from ? DKIM_SIG_OK :
			    DKIM_SIG_E_FROM);
			assert_int_equal(sig.nnames, (size_t)n);
		}
		dkim_sig_deinit(&sig);
	}
}

/* l= around the 19 digits that cannot overflow and UINT64_MAX */
static void
test_l_values(void **state)
{
	static const struct {
		const char *l;
		uint64_t want;
	} cases[] = {
		{ "0", 0 }, { "0001234", 1234 },
		{ "9999999999999999999", UINT64_C(9999999999999999999) },
		{ "18446744073709551614", UINT64_C(18446744073709551614) },
		{ "18446744073709551615", UINT64_MAX },
		{ "18446744073709551616", UINT64_MAX },
		{ "99999999999999999999", UINT64_MAX },
		{ "000000000000000000001", 1 },
		{ "00000000000000000000018446744073709551615", UINT64_MAX },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char tag[100];
		struct dkim_sig sig;

		(void)snprintf(tag, sizeof(tag), "l=%s", cases[k].l);
		parse_with(&sig, tag);
		assert_true(sig.has_l);
		assert_true(sig.l == cases[k].want);
		dkim_sig_deinit(&sig);
	}
}

/* the algorithm sets hash and key type; no i= means i_domain is d=
 * (RFC 6376 3.5: i= defaults to "@" d=) */
static void
test_alg_fields_and_default_auid(void **state)
{
	static const struct {
		const char *a;
		enum crypto_hash hash;
		enum crypto_key_type key;
	} cases[] = {
		{ "rsa-sha256", CRYPTO_HASH_SHA256, CRYPTO_KEY_RSA },
		{ "rsa-sha1", CRYPTO_HASH_SHA1, CRYPTO_KEY_RSA },
		{ "ed25519-sha256", CRYPTO_HASH_SHA256, CRYPTO_KEY_ED25519 },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char in[200];
		struct dkim_sig sig;
		const char *why;

		(void)snprintf(in, sizeof(in), "v=1; a=%s; d=ex.com; s=s; "
		    "h=from; bh=AAAA; b=AAAA", cases[k].a);
		dkim_sig_init(&sig);
		assert_int_equal(dkim_sig_parse(U(in), strlen(in), &sig, &why),
		    DKIM_SIG_OK);
		assert_int_equal(sig.hash, cases[k].hash);
		assert_int_equal(sig.key_type, cases[k].key);
		assert_non_null(sig.i_domain);
		assert_string_equal(sig.i_domain, "ex.com");
		dkim_sig_deinit(&sig);
	}
}

/* parse_status - dkim_sig_parse's status for in */
static enum dkim_sig_status
parse_status(const char *in)
{
	struct dkim_sig sig;
	const char *why;
	enum dkim_sig_status st;

	dkim_sig_init(&sig);
	st = dkim_sig_parse(U(in), strlen(in), &sig, &why);
	dkim_sig_deinit(&sig);
	return st;
}

/* the limits let their largest value through and stop one more: l= of
 * 76 digits (RFC 6376 3.5, "76DIGIT"), and a key name
 * s._domainkey.d of DKIM_MAX_DNS_NAME octets */
static void
test_limits_are_exact(void **state)
{
	char in[600], sel[300];
	size_t n;

	(void)state;
	(void)snprintf(in, sizeof(in), "v=1; l=%076d; a=rsa-sha256; d=ex.com; "
	    "s=s; h=from; bh=AAAA; b=AAAA", 1);
	assert_int_equal(parse_status(in), DKIM_SIG_OK);
	(void)snprintf(in, sizeof(in), "v=1; l=%077d; a=rsa-sha256; d=ex.com; "
	    "s=s; h=from; bh=AAAA; b=AAAA", 1);
	assert_int_equal(parse_status(in), DKIM_SIG_E_SYNTAX);

	/* "." + "_domainkey" + "." is 12 octets; d=example.com is 11 */
	n = DKIM_MAX_DNS_NAME - 12 - 11;
	(void)snprintf(sel, sizeof(sel), "%063d.%063d.%063d.%0*d", 0, 0, 0,
	    (int)(n - 3 * 64), 0);
	assert_int_equal(strlen(sel), n);
	(void)snprintf(in, sizeof(in), "v=1; a=rsa-sha256; d=example.com; "
	    "s=%s; h=from; bh=AAAA; b=AAAA", sel);
	assert_int_equal(parse_status(in), DKIM_SIG_OK);
	(void)snprintf(in, sizeof(in), "v=1; a=rsa-sha256; d=example.com; "
	    "s=%s0; h=from; bh=AAAA; b=AAAA", sel);
	assert_int_equal(parse_status(in), DKIM_SIG_E_SYNTAX);
}

/* arc_status - dkim_sig_parse_arc's status for in, sig left for checks */
static enum dkim_sig_status
arc_status(const char *in, enum dkim_sig_kind kind, struct dkim_sig *sig)
{
	const char *why;

	dkim_sig_init(sig);
	return dkim_sig_parse_arc(U(in), strlen(in), kind, sig, &why);
}

/* RFC 8617: i= is 1..50 (4.2.1); an AMS need not sign From (4.1.2); an
 * ARC-Seal has no h= and is always relaxed (4.1.3, 5.1.1); the instance
 * is known even when the tag list is broken (5.2) */
static void
test_arc_rules(void **state)
{
	struct dkim_sig sig;

	(void)state;
	assert_int_equal(arc_status("i=0; a=rsa-sha256; d=ex.com; s=s1; "
	    "cv=none; b=AAAA", DKIM_SIG_KIND_ARC_SEAL, &sig), DKIM_SIG_E_SYNTAX);
	dkim_sig_deinit(&sig);
	assert_int_equal(arc_status("i=50; a=rsa-sha256; d=ex.com; s=s1; "
	    "cv=pass; b=AAAA", DKIM_SIG_KIND_ARC_SEAL, &sig), DKIM_SIG_OK);
	assert_int_equal(sig.instance, 50);
	/* the seal's canonicalization is relaxed whatever c= says */
	assert_int_equal(sig.hcanon, DKIM_CANON_RELAXED);
	assert_int_equal(sig.bcanon, DKIM_CANON_RELAXED);
	dkim_sig_deinit(&sig);
	assert_int_equal(arc_status("i=51; a=rsa-sha256; d=ex.com; s=s1; "
	    "cv=pass; b=AAAA", DKIM_SIG_KIND_ARC_SEAL, &sig), DKIM_SIG_E_SYNTAX);
	assert_int_equal(sig.instance, 51);
	dkim_sig_deinit(&sig);
	assert_int_equal(arc_status("i=1; a=rsa-sha256; d=ex.com; s=s1; "
	    "cv=none; h=from; b=AAAA", DKIM_SIG_KIND_ARC_SEAL, &sig),
	    DKIM_SIG_E_SYNTAX);
	dkim_sig_deinit(&sig);
	assert_int_equal(arc_status("i=1; a=rsa-sha256; d=ex.com; s=s1; "
	    "h=to:subject; bh=AAAA; b=AAAA", DKIM_SIG_KIND_ARC_AMS, &sig),
	    DKIM_SIG_OK);
	assert_int_equal(sig.nnames, 2);
	dkim_sig_deinit(&sig);
	assert_int_equal(arc_status("i=3; d=ex.com; s=s1; !",
	    DKIM_SIG_KIND_ARC_SEAL, &sig), DKIM_SIG_E_SYNTAX);
	assert_int_equal(sig.instance, 3);
	/* and so is the sealer, for the results */
	assert_string_equal(sig.d, "ex.com");
	assert_string_equal(sig.s, "s1");
	dkim_sig_deinit(&sig);
	/* an AMS naming ARC-Seal is invalid wherever the name is */
	assert_int_equal(arc_status("i=1; a=rsa-sha256; d=ex.com; s=s1; "
	    "h=ARC-Seal:from; bh=AAAA; b=AAAA", DKIM_SIG_KIND_ARC_AMS, &sig),
	    DKIM_SIG_E_SYNTAX);
	dkim_sig_deinit(&sig);
	assert_int_equal(arc_status("i=1; a=rsa-sha256; d=ex.com; s=s1; "
	    "h=from:arc-seal; bh=AAAA; b=AAAA", DKIM_SIG_KIND_ARC_AMS, &sig),
	    DKIM_SIG_E_SYNTAX);
	dkim_sig_deinit(&sig);
}

/* ref_domain_ok - dkim_domain_ok as first written, compare by compare */
static bool
ref_domain_ok(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len == 0 || len > DKIM_MAX_DNS_NAME)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0 || name[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && name[len - 1] != '-';
}

/* The class table and the table-driven dkim_domain_ok against their
 * definitions, on every byte and on random names near the limits */
static void
test_classes_and_domain_ok(void **state)
{
	static const char *const pieces[] = { "a", "Z", "0", "-", "_", ".",
	    "..", "ex", "\x80", " ", "!", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	uint32_t seed = 1035;
	unsigned c;
	int round;

	(void)state;
	for (c = 0; c < 256; c++) {
		unsigned k = dkim_sig_classes[c];

		assert_int_equal((k & DKIM_SIG_C_FWS) != 0, c == ' ' ||
		    c == '\t' || c == '\r' || c == '\n');
		assert_int_equal((k & DKIM_SIG_C_FTEXT) != 0,
		    c >= 33 && c <= 126 && c != ':');
		assert_int_equal((k & DKIM_SIG_C_LDH) != 0, (c < 0x80 &&
		    isalnum((int)c)) || c == '_');
		assert_int_equal((k & DKIM_SIG_C_HYPHEN) != 0, c == '-');
		assert_int_equal((k & DKIM_SIG_C_DOT) != 0, c == '.');
		assert_int_equal(k & ~0x1fu, 0);
	}
	for (round = 0; round < 30000; round++) {
		char name[300];
		size_t len = 0, want;

		seed = seed * 1103515245u + 12345u;
		want = (seed >> 8) % 270;
		while (len < want) {
			const char *pc;

			seed = seed * 1103515245u + 12345u;
			pc = pieces[(seed >> 8) % (sizeof(pieces) /
			    sizeof(pieces[0]))];
			if (len + strlen(pc) >= sizeof(name))
				break;
			memcpy(name + len, pc, strlen(pc));
			len += strlen(pc);
		}
		name[len] = '\0';
		assert_int_equal(dkim_domain_ok(name), ref_domain_ok(name));
	}
}

static void
test_time_checks(void **state)
{
	struct dkim_sig s;
	const char *why = NULL;

	(void)state;
	dkim_sig_init(&s);
	s.has_t = true;
	s.t = 1000;
	assert_true(dkim_sig_check_time(&s, 1000, 0, &why));
	assert_false(dkim_sig_check_time(&s, 999, 0, &why));
	assert_string_equal(why, "signature timestamp in the future");
	assert_true(dkim_sig_check_time(&s, 900, 100, &why));
	s.has_x = true;
	s.x = 2000;
	assert_true(dkim_sig_check_time(&s, 2000, 0, &why));
	assert_false(dkim_sig_check_time(&s, 2001, 0, &why));
	assert_string_equal(why, "signature expired");
	assert_true(dkim_sig_check_time(&s, 2100, 100, &why));
	s.x = 1000;
	assert_false(dkim_sig_check_time(&s, 1000, 0, &why));
	assert_string_equal(why, "x= not after t=");
	s.x = 999;
	assert_false(dkim_sig_check_time(&s, 1000, 0, &why));
	assert_string_equal(why, "x= not after t=");
	dkim_sig_deinit(&s);
}

/*
 * test_time_values - t= and x= as a signature carries them, judged at
 * NOW with 300 s of skew (RFC 6376 3.5): values up to 10^12 and beyond
 * (40 bits) are read exactly, leading zeros do not count, and a value too
 * large for any clock is later than all of them (the RFC's "infinite"),
 * never a syntax error nor an overflow into the past.
 */
static void
test_time_values(void **state)
{
#define NOW 1700000000
	static const struct {
		const char *label, *tags;
		int64_t t, x;		/* expected values; -1: tag absent */
		const char *why;	/* NULL: the time checks pass */
	} cases[] = {
		{ "x exactly now", "t=1699999000; x=1700000000;", 1699999000,
		  NOW, NULL },
		{ "x at the end of the skew", "x=1699999700;", -1, 1699999700, NULL },
		{ "x one second past the skew", "x=1699999699;", -1, 1699999699,
		  "signature expired" },
		{ "t at the end of the skew", "t=1700000300;", 1700000300, -1, NULL },
		{ "t one second past the skew", "t=1700000301;", 1700000301, -1,
		  "signature timestamp in the future" },
		{ "x before t", "t=1700000000; x=1699999999;", NOW, 1699999999,
		  "x= not after t=" },
		{ "x 10^12", "x=1000000000000;", -1, INT64_C(1000000000000), NULL },
		{ "x 2^40", "x=1099511627776;", -1, INT64_C(1099511627776), NULL },
		{ "x 13 digits after t", "t=1699999000; x=9999999999999;",
		  1699999000, INT64_C(9999999999999), NULL },
		{ "t 13 digits", "t=1099511627776;", INT64_C(1099511627776), -1,
		  "signature timestamp in the future" },
		{ "x leading zeros", "x=00000000001700086400;", -1, 1700086400,
		  NULL },
		{ "x leading zeros, past", "x=000000000000001;", -1, 1,
		  "signature expired" },
		{ "t leading zeros", "t=0000000000001699999000;", 1699999000, -1,
		  NULL },
		{ "x 18 digits", "x=999999999999999999;", -1,
		  INT64_C(999999999999999999), NULL },
		{ "x 2^63", "x=9223372036854775808;", -1, DKIM_SIG_TIME_INFINITE,
		  NULL },
		{ "x 2^64", "x=18446744073709551616;", -1, DKIM_SIG_TIME_INFINITE,
		  NULL },
		{ "x 30 digits", "t=1699999000; x=999999999999999999999999999999;",
		  1699999000, DKIM_SIG_TIME_INFINITE, NULL },
		{ "t 2^63", "t=9223372036854775808;", DKIM_SIG_TIME_INFINITE, -1,
		  "signature timestamp in the future" },
		{ "t and x huge", "t=99999999999999999999; x=99999999999999999999;",
		  DKIM_SIG_TIME_INFINITE, DKIM_SIG_TIME_INFINITE, "x= not after t=" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char v[300];
		struct dkim_sig s;
		const char *why = NULL;
		bool ok;

		(void)snprintf(v, sizeof(v), "v=1; a=rsa-sha256; d=example.com; "
		    "s=s; h=from; bh=AAAA; b=AAAA; %s", cases[i].tags);
		dkim_sig_init(&s);
		if (dkim_sig_parse(U(v), strlen(v), &s, &why) != DKIM_SIG_OK)
			fail_msg("%s: parse: %s", cases[i].label, why);
		if (s.has_t != (cases[i].t >= 0) || (s.has_t && s.t != cases[i].t))
			fail_msg("%s: t=%lld", cases[i].label, (long long)s.t);
		if (s.has_x != (cases[i].x >= 0) || (s.has_x && s.x != cases[i].x))
			fail_msg("%s: x=%lld", cases[i].label, (long long)s.x);
		why = NULL;
		ok = dkim_sig_check_time(&s, NOW, 300, &why);
		if (ok != (cases[i].why == NULL) || (!ok &&
		    strcmp(why, cases[i].why) != 0))
			fail_msg("%s: %s", cases[i].label, ok ? "passed" : why);
		dkim_sig_deinit(&s);
	}
#undef NOW
}

static void
test_domain_helpers(void **state)
{
	static const char dotted[] = ".example.com";
	char name[300];

	(void)state;
	assert_true(dkim_domain_ok("example.com"));
	assert_true(dkim_domain_ok("a-b.c_d.example"));
	assert_false(dkim_domain_ok("-a.example"));
	assert_false(dkim_domain_ok("a-.example"));
	assert_false(dkim_domain_ok("a..b"));
	assert_false(dkim_domain_ok("a.b."));
	assert_false(dkim_domain_ok(""));
	assert_true(dkim_domain_within("mail.example.com", "example.com"));
	assert_true(dkim_domain_within("EXAMPLE.com", "example.COM"));
	assert_false(dkim_domain_within("badexample.com", "example.com"));
	assert_false(dkim_domain_within("com", "example.com"));
	/* a shorter name at the end of a longer string: no byte before
	 * it may count */
	assert_false(dkim_domain_within(dotted + 9, "example.com"));
	assert_true(dkim_domain_within("a.b", "b"));
	assert_false(dkim_domain_within("a.", ""));
	/* DKIM_MAX_DNS_NAME octets, and one more */
	(void)snprintf(name, sizeof(name), "%063d.%063d.%063d.%061d", 0, 0, 0,
	    0);
	assert_int_equal(strlen(name), DKIM_MAX_DNS_NAME);
	assert_true(dkim_domain_ok(name));
	(void)snprintf(name, sizeof(name), "%063d.%063d.%063d.%062d", 0, 0, 0,
	    0);
	assert_false(dkim_domain_ok(name));
}

#define ED "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define RSA "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR" \
    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC" \
    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3" \
    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB"

static void
test_key_records(void **state)
{
	static const struct {
		const char *label, *rec;
		enum dkim_key_status st;
		const char *why;
		enum crypto_key_type type;
		bool sha1, sha256, testing, strict;
	} cases[] = {
		{ "rsa default k", "v=DKIM1; p=" RSA, DKIM_KEY_OK, NULL,
		  CRYPTO_KEY_RSA, true, true, false, false },
		{ "no v", "p=" RSA, DKIM_KEY_OK, NULL, CRYPTO_KEY_RSA, true, true,
		  false, false },
		{ "ed25519", "v=DKIM1; k=ed25519; p=" ED, DKIM_KEY_OK, NULL,
		  CRYPTO_KEY_ED25519, true, true, false, false },
		{ "h=sha256", "k=rsa; h=sha256; p=" RSA, DKIM_KEY_OK, NULL,
		  CRYPTO_KEY_RSA, false, true, false, false },
		{ "h with unknown", "h=sha512 : sha1; p=" RSA, DKIM_KEY_OK, NULL,
		  CRYPTO_KEY_RSA, true, false, false, false },
		{ "h with white space", "h=sha1 :\r\n\tsha256; p=" RSA, DKIM_KEY_OK,
		  NULL, CRYPTO_KEY_RSA, true, true, false, false },
		{ "t=y:s", "t=y:s; p=" RSA, DKIM_KEY_OK, NULL, CRYPTO_KEY_RSA, true,
		  true, true, true },
		{ "t unknown flag", "t=q; p=" RSA, DKIM_KEY_OK, NULL, CRYPTO_KEY_RSA,
		  true, true, false, false },
		{ "s=email:other", "s=other:email; p=" RSA, DKIM_KEY_OK, NULL,
		  CRYPTO_KEY_RSA, true, true, false, false },
		{ "unknown tags", "v=DKIM1; n=a note; foo=bar; p=" RSA, DKIM_KEY_OK,
		  NULL, CRYPTO_KEY_RSA, true, true, false, false },
		{ "folded base64", "v=DKIM1; p=" "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
		  "\r\n\tiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
		  " DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
		  " Ip3G+2kryOTIKT+l/K4w3QIDAQAB", DKIM_KEY_OK, NULL, CRYPTO_KEY_RSA,
		  true, true, false, false },
		{ "revoked", "v=DKIM1; p=", DKIM_KEY_REVOKED, "key revoked",
		  CRYPTO_KEY_RSA, true, true, false, false },
		{ "revoked with spaces", "v=DKIM1; p= ;", DKIM_KEY_REVOKED,
		  "key revoked", CRYPTO_KEY_RSA, true, true, false, false },
		{ "no p", "v=DKIM1; k=rsa", DKIM_KEY_E_SYNTAX,
		  "key record without p=", 0, 0, 0, 0, 0 },
		{ "v not first tolerated", "k=rsa; v=DKIM1; p=" RSA, DKIM_KEY_OK,
		  NULL, CRYPTO_KEY_RSA, true, true, false, false },
		{ "v=DKIM2 not first", "k=rsa; v=DKIM2; p=" RSA, DKIM_KEY_E_VERSION,
		  "bad key version", 0, 0, 0, 0, 0 },
		{ "v=DKIM2", "v=DKIM2; p=" RSA, DKIM_KEY_E_VERSION, "bad key version",
		  0, 0, 0, 0, 0 },
		{ "unknown k", "k=dsa; p=" RSA, DKIM_KEY_E_TYPE, "unknown key type",
		  0, 0, 0, 0, 0 },
		/* s=* is every service, email among them (3.6.1) */
		{ "s=*", "s=*; p=" RSA, DKIM_KEY_OK, NULL, CRYPTO_KEY_RSA, true,
		  true, false, false },
		{ "s=other", "s=other; p=" RSA, DKIM_KEY_E_SERVICE, "key not for email",
		  0, 0, 0, 0, 0 },
		{ "bad base64", "p=AB!C", DKIM_KEY_E_KEY, "bad base64 in key p=",
		  0, 0, 0, 0, 0 },
		{ "not DER", "p=AAAA", DKIM_KEY_E_KEY, "key p= is not an RSA key",
		  0, 0, 0, 0, 0 },
		{ "ed25519 wrong length", "k=ed25519; p=AAAA", DKIM_KEY_E_KEY,
		  "key p= is not an Ed25519 key", 0, 0, 0, 0, 0 },
		{ "rsa key as ed25519", "k=ed25519; p=" RSA, DKIM_KEY_E_KEY,
		  "key p= is not an Ed25519 key", 0, 0, 0, 0, 0 },
		{ "duplicate p", "p=" RSA "; p=" RSA, DKIM_KEY_E_SYNTAX,
		  "malformed key record", 0, 0, 0, 0, 0 },
		{ "garbage", "\xff\xfe", DKIM_KEY_E_SYNTAX, "malformed key record",
		  0, 0, 0, 0, 0 },
		/* tag names are case-sensitive (3.2): these are unknown tags */
		{ "upper-case tags ignored", "V=DKIM2; H=sha1; S=other; T=y:s; "
		  "P=x; p=" RSA, DKIM_KEY_OK, NULL, CRYPTO_KEY_RSA, true, true, false,
		  false },
		{ "upper-case K ignored", "K=ed25519; p=" ED, DKIM_KEY_E_KEY,
		  "key p= is not an RSA key", 0, 0, 0, 0, 0 },
		{ "upper-case P ignored", "P=" RSA, DKIM_KEY_E_SYNTAX,
		  "key record without p=", 0, 0, 0, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dkim_key k;
		const char *why = NULL;
		enum dkim_key_status st;

		print_message("# %s\n", cases[i].label);
		memset(&k, 0xa5, sizeof(k));	/* the parse sets every field */
		st = dkim_key_parse(U(cases[i].rec), strlen(cases[i].rec), &k, &why);
		assert_int_equal(st, cases[i].st);
		if (cases[i].why != NULL)
			assert_string_equal(why, cases[i].why);
		if (st == DKIM_KEY_OK) {
			assert_non_null(k.pk);
			assert_int_equal(k.type, cases[i].type);
			assert_int_equal(k.allow_sha1, cases[i].sha1);
			assert_int_equal(k.allow_sha256, cases[i].sha256);
			assert_int_equal(k.testing, cases[i].testing);
			assert_int_equal(k.strict, cases[i].strict);
		} else {
			assert_null(k.pk);
		}
		dkim_key_deinit(&k);
	}
}

static void
test_mutated_inputs_never_crash(void **state)
{
	static const char sig[] = " v=1; a=rsa-sha256; c=relaxed/simple; "
	    "d=example.com; s=s; i=@example.com; l=10; t=1; x=2; "
	    "h=from:to; bh=AAAA; b=AAAA";
	static const char key[] = "v=DKIM1; k=ed25519; h=sha256; t=y:s; "
	    "s=email; p=" ED;
	char buf[sizeof(sig) > sizeof(key) ? sizeof(sig) : sizeof(key)];
	uint32_t seed = 99;
	size_t iter, k, len;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		const char *src = iter & 1 ? key : sig;
		struct dkim_sig s;
		struct dkim_key dk;
		const char *why;

		len = strlen(src);
		memcpy(buf, src, len);
		for (k = 0; k < 1 + iter % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % len] = (char)(seed >> 24);
		}
		seed = seed * 1103515245u + 12345u;
		len -= (seed >> 16) % 4;	/* sometimes truncated */
		if (iter & 1) {
			if (dkim_key_parse(U(buf), len, &dk, &why) == DKIM_KEY_OK)
				assert_non_null(dk.pk);
			dkim_key_deinit(&dk);
		} else {
			dkim_sig_init(&s);
			if (dkim_sig_parse(U(buf), len, &s, &why) == DKIM_SIG_OK)
				assert_true(s.nnames > 0);
			dkim_sig_deinit(&s);
		}
	}
}

/* parse_with_h - a signature whose h= is the given list */
static enum dkim_sig_status
parse_with_h(const char *h, struct dkim_sig *s, const char **why_r)
{
	static const char head[] = "v=1; a=rsa-sha256; d=example.com; s=s; "
	    "bh=AAAA; b=AAAA; h=";
	char *v = malloc(sizeof(head) + strlen(h));
	enum dkim_sig_status st;

	assert_non_null(v);
	memcpy(v, head, sizeof(head) - 1);
	memcpy(v + sizeof(head) - 1, h, strlen(h) + 1);
	dkim_sig_init(s);
	st = dkim_sig_parse((const unsigned char *)v, strlen(v), s, why_r);
	free(v);	/* the names point into the signature's own copy */
	return st;
}

/* long_h - "from" then n - 1 more names, the one at bad_at (when not 0)
 * empty */
static char *
long_h(size_t n, size_t bad_at)
{
	char *h = malloc(n * 8 + 1), *w = h;
	size_t i;

	assert_non_null(h);
	w += sprintf(w, "from");
	for (i = 1; i < n; i++)
		w += sprintf(w, i == bad_at ? ":" : ":x%zu", i);
	return h;
}

/* h= lists up to and over DKIM_SIG_MAX_HNAMES: every name kept in
 * order, the cap reported, an earlier bad name reported first, folding
 * around names trimmed */
static void
test_h_list_sizes(void **state)
{
	struct dkim_sig s;
	const char *why = NULL;
	char *h;

	(void)state;
	h = long_h(DKIM_SIG_MAX_HNAMES, 0);
	assert_int_equal(parse_with_h(h, &s, &why), DKIM_SIG_OK);
	assert_int_equal(s.nnames, DKIM_SIG_MAX_HNAMES);
	assert_int_equal(s.names[DKIM_SIG_MAX_HNAMES - 1].len, 4);
	assert_memory_equal(s.names[DKIM_SIG_MAX_HNAMES - 1].p, "x255", 4);
	dkim_sig_deinit(&s);
	free(h);

	h = long_h(DKIM_SIG_MAX_HNAMES + 1, 0);
	assert_int_equal(parse_with_h(h, &s, &why), DKIM_SIG_E_SYNTAX);
	assert_string_equal(why, "too many names in h=");
	dkim_sig_deinit(&s);
	free(h);

	h = long_h(5000, 10);
	assert_int_equal(parse_with_h(h, &s, &why), DKIM_SIG_E_SYNTAX);
	assert_string_equal(why, "empty header name in h=");
	dkim_sig_deinit(&s);
	free(h);

	assert_int_equal(parse_with_h("from:", &s, &why), DKIM_SIG_E_SYNTAX);
	assert_string_equal(why, "empty header name in h=");
	dkim_sig_deinit(&s);

	assert_int_equal(parse_with_h(" To :\r\n\tFROM\r\n :\r\n subject ",
	    &s, &why), DKIM_SIG_OK);
	assert_int_equal(s.nnames, 3);
	assert_int_equal(s.names[0].len, 2);
	assert_memory_equal(s.names[1].p, "FROM", 4);
	assert_int_equal(s.names[1].len, 4);
	assert_int_equal(s.names[2].len, 7);
	dkim_sig_deinit(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_signature),
		cmocka_unit_test(test_signature_table),
		cmocka_unit_test(test_h_list_sizes),
		cmocka_unit_test(test_names_survive_syntax_errors),
		cmocka_unit_test(test_u_labels_become_a_labels),
		cmocka_unit_test(test_copies_appear_when_judged),
		cmocka_unit_test(test_h_matches_reference),
		cmocka_unit_test(test_l_values),
		cmocka_unit_test(test_alg_fields_and_default_auid),
		cmocka_unit_test(test_limits_are_exact),
		cmocka_unit_test(test_arc_rules),
		cmocka_unit_test(test_classes_and_domain_ok),
		cmocka_unit_test(test_time_checks),
		cmocka_unit_test(test_time_values),
		cmocka_unit_test(test_domain_helpers),
		cmocka_unit_test(test_key_records),
		cmocka_unit_test(test_mutated_inputs_never_crash),
		cmocka_unit_test(test_auid_decoded),
		cmocka_unit_test(test_b8_stops_at_the_tag),
		cmocka_unit_test(test_h_last_reads_within_the_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
