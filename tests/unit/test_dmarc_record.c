/* test_dmarc_record.c - DMARC record parsing in both modes */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/dmarc_record.h"
#include "core/tagvalue.h"

/* parse - helper over a C string, copied to exactly its bytes so that
 * ASan sees a read past the record */
static enum dmarc_record_status
parse(const char *s, enum dmarc_mode m, struct dmarc_record *r)
{
	size_t n = strlen(s);
	unsigned char *in = malloc(n > 0 ? n : 1);
	enum dmarc_record_status st;
	const char *why;

	assert_non_null(in);
	memcpy(in, s, n);
	st = dmarc_record_parse(in, n, m, r, &why);
	free(in);
	return st;
}

static void
test_is_dmarc(void **state)
{
	static const struct { const char *in; bool yes; } t[] = {
		{ "v=DMARC1", true }, { "v=DMARC1;", true },
		{ "v = DMARC1 ; p=none", true }, { " v=DMARC1;p=reject", true },
		{ "v=dmarc1; p=none", false }, { "v=DMARC10; p=none", false },
		{ "p=none; v=DMARC1", false }, { "v=DMARC", false },
		{ "V=DMARC1", true }, { "", false }, { "v=spf1 -all", false },
		{ "v=DMARC1 p=none", false },
		/* the version tag is v "=" DMARC1 and nothing else */
		{ "v:DMARC1; p=none", false }, { "v=DMARC1x", false },
		{ "x=DMARC1; p=none", false },
		/* cut off before the version value */
		{ " ", false }, { "v", false }, { "v =", false },
		{ "v= ", false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* exactly the record's bytes, so that ASan sees a read past
		 * them */
		size_t n = strlen(t[i].in);
		unsigned char *in = malloc(n > 0 ? n : 1);
		bool yes;

		assert_non_null(in);
		memcpy(in, t[i].in, n);
		yes = dmarc_record_is_dmarc(in, n);
		free(in);
		if (yes != t[i].yes)
			fail_msg("is_dmarc(\"%s\")", t[i].in);
	}
	/* only len bytes are the record: what follows them in memory
	 * ("1;" here) does not complete a cut-off "v=DMARC" */
	assert_false(dmarc_record_is_dmarc((const unsigned char *)"v=DMARC1;",
	    7));
}

static void
test_full_record(void **state)
{
	struct dmarc_record r;

	(void)state;
	assert_int_equal(parse("v=DMARC1; p=reject; sp=quarantine; np=none; "
	    "adkim=s; aspf=s; psd=n; t=y; rua=mailto:a@example.com; "
	    "ruf=mailto:f@example.com; fo=1", DMARC_MODE_RFC9989, &r),
	    DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.sp, DMARC_POLICY_QUARANTINE);
	assert_int_equal(r.np, DMARC_POLICY_NONE);
	assert_true(r.adkim_strict);
	assert_true(r.aspf_strict);
	assert_int_equal(r.psd, DMARC_PSD_N);
	assert_true(r.testing);
	assert_string_equal(r.rua, "mailto:a@example.com");
	assert_true(r.rua_valid);
	assert_string_equal(r.ruf, "mailto:f@example.com");
	assert_string_equal(r.fo, "1");
	assert_int_equal(r.warnings, 0);
	dmarc_record_clear(&r);
}

static void
test_defaults(void **state)
{
	struct dmarc_record r;

	(void)state;
	assert_int_equal(parse("v=DMARC1", DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_UNSET);
	assert_int_equal(r.sp, DMARC_POLICY_UNSET);
	assert_int_equal(r.np, DMARC_POLICY_UNSET);
	assert_false(r.adkim_strict);
	assert_false(r.aspf_strict);
	assert_int_equal(r.psd, DMARC_PSD_U);
	assert_false(r.testing);
	assert_int_equal(r.pct, 100);
	assert_null(r.rua);
	dmarc_record_clear(&r);
	/* psd=u is the default written out: no warning */
	assert_int_equal(parse("v=DMARC1; psd=u", DMARC_MODE_RFC9989, &r),
	    DMARC_REC_OK);
	assert_int_equal(r.psd, DMARC_PSD_U);
	assert_int_equal(r.warnings, 0);
	dmarc_record_clear(&r);
	/* a cleared record holds the defaults again, pct=100 among them */
	assert_int_equal(parse("v=DMARC1; p=none; pct=5", DMARC_MODE_RFC7489,
	    &r), DMARC_REC_OK);
	assert_int_equal(r.pct, 5);
	dmarc_record_clear(&r);
	assert_int_equal(r.pct, 100);
	assert_int_equal(r.p, DMARC_POLICY_UNSET);
}

static void
test_pct_by_mode(void **state)
{
	struct dmarc_record r;

	(void)state;
	assert_int_equal(parse("v=DMARC1; p=reject; pct=20; rf=afrf; ri=3600",
	    DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
	assert_int_equal(r.pct, 100);		/* removed tag ignored */
	assert_int_equal(r.warnings, 0);
	dmarc_record_clear(&r);
	assert_int_equal(parse("v=DMARC1; p=reject; pct=20", DMARC_MODE_RFC7489,
	    &r), DMARC_REC_OK);
	assert_int_equal(r.pct, 20);
	dmarc_record_clear(&r);
	assert_int_equal(parse("v=DMARC1; p=reject; pct=200", DMARC_MODE_RFC7489,
	    &r), DMARC_REC_OK);
	assert_int_equal(r.pct, 100);
	assert_int_equal(r.warnings, 1);
	dmarc_record_clear(&r);
	assert_int_equal(parse("v=DMARC1; p=reject; pct=2x", DMARC_MODE_RFC7489,
	    &r), DMARC_REC_OK);
	assert_int_equal(r.pct, 100);
	assert_int_equal(r.warnings, 1);
	dmarc_record_clear(&r);
	assert_int_equal(parse("v=DMARC1; p=reject; pct=101", DMARC_MODE_RFC7489,
	    &r), DMARC_REC_OK);
	assert_int_equal(r.pct, 100);
	assert_int_equal(r.warnings, 1);
	dmarc_record_clear(&r);
	/* 100 itself is good; four digits are not (1*3DIGIT) */
	assert_int_equal(parse("v=DMARC1; p=reject; pct=100", DMARC_MODE_RFC7489,
	    &r), DMARC_REC_OK);
	assert_int_equal(r.pct, 100);
	assert_int_equal(r.warnings, 0);
	dmarc_record_clear(&r);
	assert_int_equal(parse("v=DMARC1; p=reject; pct=0050", DMARC_MODE_RFC7489,
	    &r), DMARC_REC_OK);
	assert_int_equal(r.pct, 100);
	assert_int_equal(r.warnings, 1);
	dmarc_record_clear(&r);
	/* np, psd, t do not exist in RFC 7489 */
	assert_int_equal(parse("v=DMARC1; p=none; np=reject; psd=y; t=y",
	    DMARC_MODE_RFC7489, &r), DMARC_REC_OK);
	assert_int_equal(r.np, DMARC_POLICY_UNSET);
	assert_int_equal(r.psd, DMARC_PSD_U);
	assert_false(r.testing);
	dmarc_record_clear(&r);
	/* ... not even when they come before p= */
	assert_int_equal(parse("v=DMARC1; np=reject; p=none", DMARC_MODE_RFC7489,
	    &r), DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_NONE);
	assert_int_equal(r.np, DMARC_POLICY_UNSET);
	assert_int_equal(r.warnings, 0);
	dmarc_record_clear(&r);
}

/* the reason: "ok", or the first warning */
static void
test_reason(void **state)
{
	static const char ok[] = "v=DMARC1; p=none";
	static const char bad[] = "v=DMARC1; p=none; adkim=x; aspf=y";
	struct dmarc_record r;
	const char *why = NULL;

	(void)state;
	assert_int_equal(dmarc_record_parse((const unsigned char *)ok,
	    sizeof(ok) - 1, DMARC_MODE_RFC9989, &r, &why), DMARC_REC_OK);
	assert_string_equal(why, "ok");
	dmarc_record_clear(&r);
	why = NULL;
	assert_int_equal(dmarc_record_parse((const unsigned char *)bad,
	    sizeof(bad) - 1, DMARC_MODE_RFC9989, &r, &why), DMARC_REC_OK);
	assert_string_equal(why, "bad alignment mode ignored");
	assert_int_equal(r.warnings, 2);
	dmarc_record_clear(&r);
}

/* a copy owns its strings: it outlives the record it was made from */
static void
test_copy(void **state)
{
	struct dmarc_record r, c;

	(void)state;
	assert_int_equal(parse("v=DMARC1; p=reject; sp=none; adkim=s; "
	    "rua=mailto:a@example.com; ruf=mailto:f@example.com; fo=1",
	    DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
	dmarc_record_copy(&c, &r);
	assert_ptr_not_equal(c.rua, r.rua);
	assert_ptr_not_equal(c.ruf, r.ruf);
	assert_ptr_not_equal(c.fo, r.fo);
	dmarc_record_clear(&r);
	assert_int_equal(c.p, DMARC_POLICY_REJECT);
	assert_int_equal(c.sp, DMARC_POLICY_NONE);
	assert_true(c.adkim_strict);
	assert_true(c.rua_valid);
	assert_string_equal(c.rua, "mailto:a@example.com");
	assert_string_equal(c.ruf, "mailto:f@example.com");
	assert_string_equal(c.fo, "1");
	dmarc_record_clear(&c);
	/* absent strings stay absent */
	assert_int_equal(parse("v=DMARC1; p=none", DMARC_MODE_RFC9989, &r),
	    DMARC_REC_OK);
	dmarc_record_copy(&c, &r);
	assert_null(c.rua);
	assert_null(c.ruf);
	assert_null(c.fo);
	dmarc_record_clear(&c);
	dmarc_record_clear(&r);
}

static void
test_bad_values(void **state)
{
	struct dmarc_record r;

	(void)state;
	assert_int_equal(parse("v=DMARC1; p=block; sp=x; np=; adkim=q; aspf=strict;"
	    " psd=maybe; t=1", DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_INVALID);
	assert_int_equal(r.sp, DMARC_POLICY_INVALID);
	assert_int_equal(r.np, DMARC_POLICY_UNSET);	/* empty value: malformed */
	assert_false(r.adkim_strict);
	assert_false(r.aspf_strict);
	assert_int_equal(r.psd, DMARC_PSD_U);
	assert_false(r.testing);
	assert_true(r.warnings >= 5);
	dmarc_record_clear(&r);
}

static void
test_syntax_oddities(void **state)
{
	struct dmarc_record r;

	(void)state;
	/* case-insensitive names and keywords, extra separators, unknown tags */
	assert_int_equal(parse("v=DMARC1;;  P = Reject ;x-foo=bar;;sp=NONE;",
	    DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.sp, DMARC_POLICY_NONE);
	dmarc_record_clear(&r);
	/* repeated tag: first wins */
	assert_int_equal(parse("v=DMARC1; p=none; p=reject", DMARC_MODE_RFC9989,
	    &r), DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_NONE);
	assert_int_equal(r.warnings, 1);
	dmarc_record_clear(&r);
	/* garbage tag without '=' is skipped */
	assert_int_equal(parse("v=DMARC1; garbage; p=quarantine",
	    DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_QUARANTINE);
	dmarc_record_clear(&r);
	/* not a record */
	assert_int_equal(parse("p=reject; v=DMARC1", DMARC_MODE_RFC9989, &r),
	    DMARC_REC_NOT_DMARC);
	dmarc_record_clear(&r);
	/* a tag name with "_" or digits is an unknown tag (DKIM's tag-name,
	 * the shared tokenizer's), ignored without a warning */
	assert_int_equal(parse("v=DMARC1; rua_x=1; x2=y; p=reject",
	    DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.warnings, 0);
	dmarc_record_clear(&r);
	/* warnings keep the record's order; a repeated unknown tag is silent */
	assert_int_equal(parse("v=DMARC1; adkim=x; foo; zz=1; zz=2; p=none",
	    DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
	assert_int_equal(r.warnings, 2);
	assert_string_equal(r.warning, "bad alignment mode ignored");
	assert_int_equal(r.p, DMARC_POLICY_NONE);
	dmarc_record_clear(&r);
	/* an empty first p does not hide a later good one */
	assert_int_equal(parse("v=DMARC1; p= ; p=quarantine",
	    DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_QUARANTINE);
	assert_int_equal(r.warnings, 1);
	dmarc_record_clear(&r);
}

static void
test_rua_validity(void **state)
{
	static const struct { const char *rua; bool ok; } t[] = {
		{ "mailto:a@example.com", true },
		{ "bogus, mailto:a@example.com", true },
		{ "https://example.com/r", true },
		{ "a@example.com", false }, { "mailto:", false }, { ":x", false },
		/* white space only after the scheme is no URI */
		{ "mailto: ,x", false },
		/* scheme characters of RFC 3986 3.1 */
		{ "a+b:x", true },
		/* the list ends the record: nothing is read after it */
		{ "mailto:a@example.com,", true }, { "mailto", false },
		{ "a,mailto:", false },
	};
	char rec[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct dmarc_record r;

		snprintf(rec, sizeof(rec), "v=DMARC1; p=bad; rua=%s", t[i].rua);
		assert_int_equal(parse(rec, DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
		if (r.rua_valid != t[i].ok)
			fail_msg("rua '%s'", t[i].rua);
		dmarc_record_clear(&r);
	}
}

static void
test_caps_and_binary(void **state)
{
	struct dmarc_record r;
	static char big[DMARC_RECORD_MAX_LEN + 16];
	static const unsigned char bin[] = "v=DMARC1; p=reject\0; sp=none";
	const char *why;
	size_t i;

	(void)state;
	/* longer than a TXT record can be: not a record */
	memset(big, 'a', sizeof(big));
	memcpy(big, "v=DMARC1; x=", 12);
	assert_int_equal(dmarc_record_parse((const unsigned char *)big,
	    sizeof(big), DMARC_MODE_RFC9989, &r, &why), DMARC_REC_TOO_LONG);
	dmarc_record_clear(&r);
	/* over 4 KB, a long unknown tag before p=: read whole (no RFC
	 * limits a record; this one failed open as "too long") */
	memset(big, 'a', 6000);
	memcpy(big, "v=DMARC1; x=", 12);
	strcpy(big + 6000, "; p=reject; sp=quarantine");
	assert_int_equal(parse(big, DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.sp, DMARC_POLICY_QUARANTINE);
	dmarc_record_clear(&r);
	/* many tags: more than one tag list holds, unknown ones ignored, a
	 * known tag after them still read, its repeat still a repeat */
	{
		static char many[8192];

		strcpy(many, "v=DMARC1; p=quarantine");
		for (i = 0; i < 300; i++)
			strcat(many, i % 7 == 3 ? "; bad tag" : "; x=1");
		strcat(many, "; sp=reject; p=none; adkim=s");
		assert_int_equal(parse(many, DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
		assert_int_equal(r.p, DMARC_POLICY_QUARANTINE);
		assert_int_equal(r.sp, DMARC_POLICY_REJECT);
		assert_true(r.adkim_strict);
		assert_true(r.warnings > 0);	/* the bad tags, the second p= */
		dmarc_record_clear(&r);
	}
	/* the first tag of the second list (v= and 63 more fill the
	 * first) is read like any other */
	{
		static char edge[1024];

		strcpy(edge, "v=DMARC1");
		for (i = 0; i < TAGVALUE_MAX_TAGS - 1; i++)
			strcat(edge, "; x=1");
		strcat(edge, "; p=reject");
		assert_int_equal(parse(edge, DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
		assert_int_equal(r.p, DMARC_POLICY_REJECT);
		dmarc_record_clear(&r);
	}
	/* the same without spaces, a known tag last in the first list: the
	 * second list starts just after its ';', nothing read twice */
	{
		static char edge[1024];

		strcpy(edge, "v=DMARC1");
		for (i = 0; i < TAGVALUE_MAX_TAGS - 2; i++)
			strcat(edge, ";x=1");
		strcat(edge, ";adkim=s;p=reject");
		assert_int_equal(parse(edge, DMARC_MODE_RFC9989, &r), DMARC_REC_OK);
		assert_int_equal(r.p, DMARC_POLICY_REJECT);
		assert_true(r.adkim_strict);
		assert_int_equal(r.warnings, 0);
		dmarc_record_clear(&r);
	}
	/* exactly DMARC_RECORD_MAX_LEN bytes is still a record */
	memset(big, 'a', DMARC_RECORD_MAX_LEN);
	memcpy(big, "v=DMARC1; p=reject; x=", 22);
	assert_int_equal(dmarc_record_parse((const unsigned char *)big,
	    DMARC_RECORD_MAX_LEN, DMARC_MODE_RFC9989, &r, &why), DMARC_REC_OK);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	dmarc_record_clear(&r);
	assert_int_equal(dmarc_record_parse(bin, sizeof(bin) - 1,
	    DMARC_MODE_RFC9989, &r, &why), DMARC_REC_OK);
	assert_int_not_equal(r.p, DMARC_POLICY_REJECT);	/* "reject\0" is bad */
	assert_int_equal(r.sp, DMARC_POLICY_NONE);
	dmarc_record_clear(&r);
}

/* random records never crash and always give a defined status */
static void
test_random_record_fuzz(void **state)
{
	static const char alpha[] = "v=DMARC1;pnspqrejctu y,:mailto@ \t\x7f\x00";
	unsigned char in[96];
	uint32_t x = 777;
	int round;

	(void)state;
	for (round = 0; round < 20000; round++) {
		size_t len = 9 + (x % (sizeof(in) - 9)), i;
		struct dmarc_record r;
		const char *why;

		memcpy(in, "v=DMARC1;", 9);
		for (i = 9; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			in[i] = (unsigned char)alpha[x % (sizeof(alpha) - 1)];
		}
		assert_int_equal(dmarc_record_parse(in, len, DMARC_MODE_RFC9989,
		    &r, &why), DMARC_REC_OK);
		assert_non_null(why);
		dmarc_record_clear(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_dmarc),
		cmocka_unit_test(test_full_record),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pct_by_mode),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_syntax_oddities),
		cmocka_unit_test(test_rua_validity),
		cmocka_unit_test(test_caps_and_binary),
		cmocka_unit_test(test_random_record_fuzz),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
