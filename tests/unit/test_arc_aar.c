/* test_arc_aar.c - ARC-Authentication-Results: the instance forms RFC
 * 8617 4.1.1 allows or refuses, as the verifier reads them from sets
 * sealed here, and the trusted-sealer reader (arc_trust) that takes a
 * DMARC, DKIM or SPF pass for the author out of an AAR */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arc_fixtures.h"
#include "core/arc_trust.h"
#include "core/dkim_sign.h"

struct aar_case {
	const char *aar, *author;
	bool want;
	const char *what;
	const char *org;	/* the author's org domain; NULL: unknown */
	unsigned strict;	/* ARC_TRUST_STRICT_*: adkim=s, aspf=s */
};

static const struct aar_case aar_cases[] = {
	{ " x.example; dmarc=pass header.from=a.example", "a.example", true,
	  "dmarc=pass", NULL, 0 },
	{ " x.example; dmarc=pass header.from=b.example", "a.example", false,
	  NULL, NULL, 0 },
	{ " x.example; dmarc=fail header.from=a.example", "a.example", false,
	  NULL, NULL, 0 },
	/* the sealer's own DMARC verdict wins over a pass read as aligned
	 * here (the author asks strict alignment: adkim=s, aspf=s) */
	{ " x.example; spf=pass smtp.mailfrom=b@bounce.a.example; dkim=pass "
	  "header.d=mail.a.example; dmarc=fail (p=reject) header.from=a.example",
	  "a.example", false, NULL, "a.example", 0 },
	{ " x.example; dmarc=fail header.from=A.Example; dkim=pass "
	  "header.d=a.example", "a.example", false, NULL, NULL, 0 },
	/* the author's record asks strict alignment: only the author domain
	 * itself aligns, for the identifier that is strict */
	{ " x.example; dkim=pass header.d=mail.a.example", "a.example", false,
	  NULL, "a.example", ARC_TRUST_STRICT_DKIM },
	{ " x.example; dkim=pass header.i=@mail.a.example", "a.example", false,
	  NULL, "a.example", ARC_TRUST_STRICT_DKIM },
	{ " x.example; dkim=pass header.d=A.example", "a.example", true,
	  "dkim=pass", "a.example", ARC_TRUST_STRICT_DKIM },
	{ " x.example; spf=pass smtp.mailfrom=b@bounce.a.example", "a.example",
	  false, NULL, "a.example", ARC_TRUST_STRICT_SPF },
	{ " x.example; spf=pass smtp.mailfrom=b@bounce.a.example", "a.example",
	  true, "spf=pass", "a.example", ARC_TRUST_STRICT_DKIM },
	{ " x.example; dkim=pass header.d=mail.a.example", "a.example", true,
	  "dkim=pass", "a.example", ARC_TRUST_STRICT_SPF },
	{ " x.example; dmarc=pass header.from=a.example", "a.example", true,
	  "dmarc=pass", "a.example",
	  ARC_TRUST_STRICT_DKIM | ARC_TRUST_STRICT_SPF },
	/* our own AAR since RFC 9989's polrec: header.from alone names the
	 * author; polrec.domain, where the record was found, never does */
	{ " x.example; dmarc=pass (p=reject dis=none) "
	  "header.from=sub.a.example polrec.p=reject polrec.domain=a.example",
	  "sub.a.example", true, "dmarc=pass", "a.example", 0 },
	{ " x.example; dmarc=pass polrec.domain=a.example "
	  "header.from=sub.a.example polrec.p=none", "sub.a.example", true,
	  "dmarc=pass", "a.example", 0 },
	{ " x.example; dmarc=pass header.from=sub.a.example polrec.p=reject "
	  "polrec.domain=a.example", "a.example", false, NULL, "a.example", 0 },
	{ " x.example; dkim=pass header.d=a.example; dmarc=fail (p=reject "
	  "dis=reject) header.from=sub.a.example polrec.p=reject "
	  "polrec.domain=a.example", "sub.a.example", false, NULL,
	  "a.example", 0 },
	{ " x.example; dkim=pass header.d=a.example; dmarc=fail "
	  "header.from=b.example polrec.p=reject polrec.domain=a.example",
	  "a.example", true, "dkim=pass", NULL, 0 },
	/* a failure for another author domain says nothing about this one */
	{ " x.example; dkim=pass header.d=a.example; dmarc=fail "
	  "header.from=b.example", "a.example", true, "dkim=pass", NULL, 0 },
	{ " x.example; spf=fail smtp.mailfrom=a.example; dkim=pass "
	  "(good) header.d=mail.a.example header.s=s", "a.example", true,
	  "dkim=pass", NULL, 0 },
	{ " x.example; dkim=pass header.i=@a.example", "a.example", true,
	  "dkim=pass", NULL, 0 },
	{ " x.example; spf=pass smtp.mailfrom=bob@a.example", "a.example",
	  true, "spf=pass", NULL, 0 },
	{ " x.example; spf=pass smtp.mailfrom=bob@evil.example", "a.example",
	  false, NULL, NULL, 0 },
	{ " x.example; dkim=pass header.d=example", "a.example", false, NULL,
	  NULL, 0 },
	/* relaxed alignment against the author's organizational domain:
	 * a sibling, or the org domain above a subdomain author, aligns */
	{ " x.example; dkim=pass header.d=a.example.com", "b.example.com",
	  true, "dkim=pass", "example.com", 0 },
	{ " x.example; spf=pass smtp.mailfrom=bounce@x.example.com",
	  "mail.example.com", true, "spf=pass", "example.com", 0 },
	{ " x.example; dkim=pass header.d=example.com", "mail.example.com",
	  true, "dkim=pass", "example.com", 0 },
	/* a public suffix above the author is not its organization */
	{ " x.example; dkim=pass header.d=co.uk header.i=@bank.co.uk",
	  "bank.co.uk", false, NULL, "bank.co.uk", 0 },
	{ " x.example; dkim=pass header.i=@bank.co.uk header.d=co.uk",
	  "bank.co.uk", false, NULL, "bank.co.uk", 0 },
	{ " x.example; dkim=pass header.d=bank.co.uk header.i=@co.uk",
	  "bank.co.uk", true, "dkim=pass", "bank.co.uk", 0 },
	{ " x.example; dkim=pass header.d=co.uk", "bank.co.uk", false, NULL,
	  "bank.co.uk", 0 },
	{ " x.example; dkim=pass header.d=example.org", "a.example.com",
	  false, NULL, "example.com", 0 },
	/* org domain unknown: the author domain or below it, no parent */
	{ " x.example; dkim=pass header.d=co.uk", "bank.co.uk", false, NULL,
	  "", 0 },
	{ " x.example; dkim=pass header.d=a.example.com", "b.example.com",
	  false, NULL, "", 0 },
	{ " x.example; dkim=pass header.d=mail.bank.co.uk", "bank.co.uk",
	  true, "dkim=pass", "", 0 },
	/* the authserv-id is not a result */
	{ " dmarc=pass header.from=a.example; none", "a.example", false, NULL,
	  NULL, 0 },
	/* a ';' in a quoted string or comment does not split */
	{ " x.example; dkim=fail reason=\"a; dmarc=pass header.from="
	  "a.example\"", "a.example", false, NULL, NULL, 0 },
	{ " x.example; dkim=fail (x; dmarc=pass header.from=a.example)",
	  "a.example", false, NULL, NULL, 0 },
	{ " x.example; dkim=pass (((((((((((deep))))))))))) header.d=a.example",
	  "a.example", false, NULL, NULL, 0 },
	{ " x.example; dkim=pass header.d=a.example (unclosed", "a.example",
	  false, NULL, NULL, 0 },
	/* a quoted string, with a quoted pair, is skipped whole */
	{ " x.example; dkim=pass reason=\"a \\\"b\\\" c\" header.d=a.example",
	  "a.example", true, "dkim=pass", NULL, 0 },
	{ " x.example; dkim=pass header.d=a.example reason=\"unclosed",
	  "a.example", false, NULL, NULL, 0 },
	{ " x.example; dkim=pass header.d=a.example reason=\"x\\\"",
	  "a.example", false, NULL, NULL, 0 },
	{ " x.example; spf=none reason=\"a\\\"; b\" ; dkim=pass "
	  "header.d=a.example", "a.example", true, "dkim=pass", NULL, 0 },
	/* no white space after the ';' (RFC 8601 2.2: CFWS is optional) */
	{ " x.example;dkim=pass header.d=a.example", "a.example", true,
	  "dkim=pass", NULL, 0 },
	/* the domain after the last '@' and nothing more */
	{ " x.example; spf=pass smtp.mailfrom=bob@a.example "
	  "smtp.helo=h.example", "a.example", true, "spf=pass", NULL, 0 },
	{ " x.example; dkim=pass header.i=x@y@a.example header.s=s",
	  "a.example", true, "dkim=pass", NULL, 0 },
	{ " x.example; dkim=pass header.i=@", "a.example", false, NULL, NULL,
	  0 },
	{ " x.example; spf=pass smtp.mailfrom=bob@", "a.example", false, NULL,
	  NULL, 0 },
	{ " x.example; spf=pass smtp.mailfrom=a.example", "a.example", true,
	  "spf=pass", NULL, 0 },
	{ " x.example; dkim/1=pass header.d=a.example", "a.example", true,
	  "dkim=pass", NULL, 0 },
	{ " x.example; arc=pass header.d=a.example", "a.example", false,
	  NULL, NULL, 0 },
	/* a header.d that does not align is not made up for by header.i */
	{ " x.example; dkim=pass header.d=x header.i=@a.example", "a.example",
	  false, NULL, NULL, 0 },
	/* a comment or quoted string right after another is skipped
	 * whole too */
	{ " x.example; dkim=fail (a)(x; dmarc=pass header.from=a.example )",
	  "a.example", false, NULL, NULL, 0 },
	{ " x.example; dkim=fail reason=\"a\"\"; dmarc=pass "
	  "header.from=a.example ;\"", "a.example", false, NULL, NULL, 0 },
	/* too deep a comment in the authserv-id: nothing is read */
	{ " mx ((((((((((deep)))))))))); dkim=pass header.d=a.example",
	  "a.example", false, NULL, NULL, 0 },
	/* white space must follow a quoted string before the next
	 * property (RFC 8601 2.2: propspec after CFWS) */
	{ " x.example; dkim=pass reason=\"a\"header.d=a.example",
	  "a.example", false, NULL, NULL, 0 },
	{ " x.example; dkim=pass header.d=x..a.example", "a.example", false,
	  NULL, NULL, 0 },
	/* an authserv-id may be a quoted string, ';' and all */
	{ "\"x;y\" 1; dkim=pass header.d=a.example", "a.example", true,
	  "dkim=pass", NULL, 0 },
	/* CFWS around "=", "/" and "." (RFC 8601 2.2): a dmarc=fail so
	 * written still outweighs the pass, and a pass still counts */
	{ " x.example; dkim=pass header.d=a.example; dmarc = fail "
	  "header.from = a.example", "a.example", false, NULL, NULL, 0 },
	{ " x.example; dkim=pass header.d=a.example; dmarc=fail (p=reject) "
	  "header (x) . (y) from=(z)a.example", "a.example", false, NULL,
	  NULL, 0 },
	{ " x.example; dkim=pass header.d=a.example; dmarc\r\n =\r\n fail "
	  "header.from=a.example", "a.example", false, NULL, NULL, 0 },
	{ " x.example; dkim = pass header.d = a.example", "a.example", true,
	  "dkim=pass", NULL, 0 },
	{ " x.example; dkim / 1 = pass header.d=(c)a.example", "a.example",
	  true, "dkim=pass", NULL, 0 },
	/* a value may be a quoted string (RFC 2045 value): its quotes go */
	{ " x.example; dkim=pass header.d=a.example; dmarc=fail "
	  "header.from=\"a.example\"", "a.example", false, NULL, NULL, 0 },
	{ " x.example; dmarc=pass header.from=\"a.example\"", "a.example",
	  true, "dmarc=pass", NULL, 0 },
	{ " x.example; spf=pass smtp.mailfrom=\"b b\"@a.example", "a.example",
	  true, "spf=pass", NULL, 0 },
	{ " x.example; dmarc=pass header.from=\"a.exa\\\"mple\"",
	  "a.example", false, NULL, NULL, 0 },
	/* stray pieces are passed over; a result must be there */
	{ " x.example; dkim=pass stray \"q\" = . header.d=a.example",
	  "a.example", true, "dkim=pass", NULL, 0 },
	{ " x.example; dkim=pass header.d=a.example header.", "a.example",
	  true, "dkim=pass", NULL, 0 },
	{ " x.example; dkim=pass header.d=a.example header", "a.example",
	  true, "dkim=pass", NULL, 0 },
	{ " x.example; dkim= header.d=a.example", "a.example", false, NULL,
	  NULL, 0 },
	{ " x.example; dkim pass header.d=a.example", "a.example", false,
	  NULL, NULL, 0 },
	{ " x.example; dkim/=pass header.d=a.example", "a.example", false,
	  NULL, NULL, 0 },
	{ " x.example; =pass header.d=a.example", "a.example", false, NULL,
	  NULL, 0 },
	{ " x.example; dkim=pass header.d=(unclosed", "a.example", false,
	  NULL, NULL, 0 },
	{ " x.example; dkim=pass header.d=\"a.example", "a.example", false,
	  NULL, NULL, 0 },
};

static void
test_aar(void **state)
{
	size_t i;
	char word[16];

	(void)state;
	for (i = 0; i < sizeof(aar_cases) / sizeof(aar_cases[0]); i++) {
		const struct aar_case *c = &aar_cases[i];
		const char *what = NULL;
		bool got = arc_trust_aar_vouches(c->aar, strlen(c->aar),
		    c->author, c->org, c->strict, &what);

		print_message("%s -> %d\n", c->aar, got);
		assert_int_equal(got, c->want);
		if (got)
			assert_string_equal(what, c->what);
	}
	assert_true(arc_trust_result_of(" mx; spf=none; arc=pass (x) "
	    "smtp.remote-ip=1.2.3.4", 39, "arc", word, sizeof(word)));
	assert_string_equal(word, "pass");
	assert_false(arc_trust_result_of(" mx; spf=none", 13, "arc", word,
	    sizeof(word)));
	/* the result and its NUL must fit */
	assert_false(arc_trust_result_of(" mx; arc=pass", 13, "arc", word, 4));
	assert_true(arc_trust_result_of(" mx; arc=pass", 13, "arc", word, 5));
	assert_string_equal(word, "pass");
	/* a malformed A-R gives no result */
	assert_false(arc_trust_result_of(" mx; arc=pass ((((((((((x))))))))))",
	    35, "arc", word, sizeof(word)));
	assert_false(arc_trust_result_of(" mx; arc=pass reason=\"x", 23,
	    "arc", word, sizeof(word)));
}

/* test_trust_newer_sets - a trusted sealer's AAR speaks for the message
 * only if nothing after it changed what its AMS signed, or every newer
 * set is a trusted one: otherwise anyone could take a message a trusted
 * list sealed, rewrite it under the same From and seal it again with a
 * key of their own, and the list's dmarc=pass would rescue it */
static void
test_trust_newer_sets(void **state)
{
	static const struct {
		const char *label;
		const char *old_ams;	/* the trusted set's AMS result */
		bool partial;		/* ... with body after its l= */
		const char *newer_sealer;
		bool want;
	} cases[] = {
		{ "rewritten under an untrusted set", "fail", false,
		  "evil.example", false },
		{ "AMS not judged, untrusted set above", "", false,
		  "evil.example", false },
		{ "unchanged since the trusted set", "pass", false,
		  "evil.example", true },
		{ "rewritten by a trusted set above", "fail", false,
		  "fwd.example", true },
		{ "body appended past l= under an untrusted set", "pass", true,
		  "evil.example", false },
		{ "body appended past l= by a trusted set", "pass", true,
		  "fwd.example", true },
	};
	static const char *const trusted[] = { "list.example", "fwd.example" };
	struct arc_set_result set[2], set3[3];
	struct arc_result r;
	struct arc_trust t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0, sizeof(r));
		memset(set, 0, sizeof(set));
		r.res = ARC_RES_PASS;
		r.sets = r.nset = 2;
		r.set = set;
		set[0].instance = 1;
		set[0].as_domain = "list.example";
		set[0].ams_result = cases[i].old_ams;
		set[0].ams_partial = cases[i].partial;
		set[0].aar = "mx.list.example; dmarc=pass header.from=a.example";
		set[1].instance = 2;
		set[1].as_domain = cases[i].newer_sealer;
		set[1].ams_result = "pass";
		set[1].aar = "mx.fwd.example; arc=pass";
		print_message("%s\n", cases[i].label);
		assert_int_equal(arc_trust_find(&r, trusted, 2, "a.example",
		    "a.example", 0, &t), cases[i].want);
		if (cases[i].want) {
			assert_int_equal(t.instance, 1);
			assert_string_equal(t.sealer, "list.example");
			assert_string_equal(t.what, "dmarc=pass");
		}
	}
	/* three sets: a trusted set rewritten under an untrusted newer one
	 * is passed over for an older trusted set whose AMS still verifies
	 * (nothing changed since it but what the middle one signed) */
	memset(&r, 0, sizeof(r));
	memset(set3, 0, sizeof(set3));
	r.res = ARC_RES_PASS;
	r.sets = r.nset = 3;
	r.set = set3;
	set3[0].instance = 1;
	set3[0].as_domain = "list.example";
	set3[0].ams_result = "pass";
	set3[0].aar = "mx.list.example; spf=pass smtp.mailfrom=a.example";
	set3[1].instance = 2;
	set3[1].as_domain = "fwd.example";
	set3[1].ams_result = "fail";
	set3[1].aar = "mx.fwd.example; dmarc=pass header.from=a.example";
	set3[2].instance = 3;
	set3[2].as_domain = "evil.example";
	set3[2].ams_result = "pass";
	set3[2].aar = "mx.evil.example; dmarc=pass header.from=a.example";
	assert_true(arc_trust_find(&r, trusted, 2, "a.example", "a.example", 0,
	    &t));
	assert_int_equal(t.instance, 1);
	assert_string_equal(t.sealer, "list.example");
	assert_string_equal(t.what, "spf=pass");
	/* a chain that did not pass, or no author: nothing */
	r.res = ARC_RES_FAIL;
	assert_false(arc_trust_find(&r, trusted, 2, "a.example", "a.example",
	    0, &t));
	r.res = ARC_RES_PASS;
	assert_false(arc_trust_find(&r, trusted, 2, "", "a.example", 0, &t));
	assert_false(arc_trust_find(&r, trusted, 2, NULL, NULL, 0, &t));
	assert_false(arc_trust_find(NULL, trusted, 2, "a.example", NULL, 0,
	    &t));
}

/* seal_odd - one ARC set made here from the sealer's parts rather than by
 * arc_seal_make, so that it can hold what our sealer never writes: aar
 * is the whole AAR value; drop_s takes "s=s1;" out of the AMS after it
 * is signed (the seals still cover the field as it stands). chain holds
 * the canonical earlier sets and gets this one. Returns the sealed
 * message in LF form. */
static char *
seal_odd(const struct arcfx_msg *m, const struct crypto_privkey *key,
    unsigned inst, const char *cv, struct buf *chain, const char *aar,
    bool drop_s)
{
	static const char *const names[] = { "From", "Subject", "To" };
	struct dkim_sign_params sp;
	struct buf ams = BUF_INIT, as = BUF_INIT, hashed = BUF_INIT;
	struct buf out = BUF_INIT;
	unsigned char bh[CRYPTO_DIGEST_MAX];
	const char *why = NULL;
	size_t bhlen, unsigned_at;
	char *amsv, *s;

	bhlen = arcfx_body_hash(m, bh);
	memset(&sp, 0, sizeof(sp));
	sp.domain = "seal.example";
	sp.selector = "s1";
	sp.key = key;
	sp.hcanon = sp.bcanon = DKIM_CANON_RELAXED;
	sp.sign_headers = names;
	sp.nsign = 3;
	sp.t = ARCFX_NOW - 10;
	sp.kind = DKIM_SIG_KIND_ARC_AMS;
	sp.instance = inst;
	assert_true(dkim_sign_field(&sp, m->h, m->nh, bh, bhlen, &ams, &why));
	amsv = strdup(buf_cstr(&ams));
	assert_non_null(amsv);
	if (drop_s) {
		assert_non_null(s = strstr(amsv, "s=s1;"));
		memmove(s, s + 5, strlen(s + 5) + 1);
	}
	buf_printf(&as, " i=%u; cv=%s; a=rsa-sha256; d=seal.example; s=s1;"
	    " t=%d; b=", inst, cv, ARCFX_NOW - 10);
	buf_append(&hashed, chain->data, chain->len);
	dkim_canon_header(DKIM_CANON_RELAXED,
	    (const unsigned char *)"ARC-Authentication-Results", 26,
	    (const unsigned char *)aar, strlen(aar), true, &hashed);
	dkim_canon_header(DKIM_CANON_RELAXED,
	    (const unsigned char *)"ARC-Message-Signature", 21,
	    (const unsigned char *)amsv, strlen(amsv), true, &hashed);
	unsigned_at = hashed.len;
	dkim_canon_header(DKIM_CANON_RELAXED, (const unsigned char *)"ARC-Seal",
	    8, as.data, as.len, false, &hashed);
	assert_true(dkim_sign_append_b(key, &hashed, 10, &as, &why));
	/* the chain for the next set: this one with its seal signed */
	buf_truncate(&hashed, unsigned_at);
	dkim_canon_header(DKIM_CANON_RELAXED, (const unsigned char *)"ARC-Seal",
	    8, as.data, as.len, true, &hashed);
	buf_truncate(chain, 0);
	buf_append(chain, hashed.data, hashed.len);
	buf_printf(&out, "ARC-Seal:%s\r\nARC-Message-Signature:%s\r\n"
	    "ARC-Authentication-Results:%s\r\n", buf_cstr(&as), amsv, aar);
	buf_append(&out, m->data, m->len);
	free(amsv);
	buf_deinit(&ams);
	buf_deinit(&as);
	buf_deinit(&hashed);
	s = buf_steal(&out);
	arcfx_lf(s);
	return s;
}

struct odd_case {
	const char *label, *aar;
	enum arc_res want;
	const char *reason;		/* substring */
	const char *text;	/* the AAR as the set shows it; NULL:
				 * "mx.seal.example; spf=pass" */
};

/* RFC 8617 4.1.1: arc-info = instance [CFWS] ";" ..., after the field's
 * own [CFWS]: comments around the instance of an AAR */
static const struct odd_case odd_cases[] = {
	{ "comment before i=", " (hop 1) i=1; mx.seal.example; spf=pass",
	  ARC_RES_PASS, "", NULL },
	{ "comment after the instance", " i=1 (first);\r\n\tmx.seal.example;"
	  " spf=pass", ARC_RES_PASS, "", NULL },
	{ "nested comments and a quoted pair", " (a (b \\) c)) i=1 ((x));"
	  " mx.seal.example; spf=pass", ARC_RES_PASS, "", NULL },
	{ "comment that does not end", " (hop i=1; mx.seal.example; spf=pass",
	  ARC_RES_FAIL, "ARC-Authentication-Results without a valid i=",
	  NULL },
	{ "comments nested nine deep", " (((((((((x))))))))) i=1;"
	  " mx.seal.example; spf=pass", ARC_RES_FAIL,
	  "ARC-Authentication-Results without a valid i=", NULL },
	{ "comment between i and =", " i (x) =1; mx.seal.example; spf=pass",
	  ARC_RES_FAIL, "ARC-Authentication-Results without a valid i=",
	  NULL },
	/* instance = [FWS] "i" [FWS] "=" [FWS] 1*2DIGIT */
	{ "white space around =", " i \r\n\t= 1 ; mx.seal.example; spf=pass",
	  ARC_RES_PASS, "", NULL },
	{ "leading zeros", " i=0001; mx.seal.example; spf=pass",
	  ARC_RES_PASS, "", NULL },
	{ "five digits", " i=10001; mx.seal.example; spf=pass",
	  ARC_RES_FAIL, "ARC-Authentication-Results without a valid i=",
	  NULL },
	{ "no = after i", " i:1; mx.seal.example; spf=pass",
	  ARC_RES_FAIL, "ARC-Authentication-Results without a valid i=",
	  NULL },
	{ "no digits", " i=; mx.seal.example; spf=pass",
	  ARC_RES_FAIL, "ARC-Authentication-Results without a valid i=",
	  NULL },
	{ "no ; after the instance", " i=1 mx.seal.example; spf=pass",
	  ARC_RES_FAIL, "ARC-Authentication-Results without a valid i=",
	  NULL },
	{ "another instance", " i=2; mx.seal.example; spf=pass",
	  ARC_RES_FAIL,
	  "ARC set i=1 incomplete (no ARC-Authentication-Results)", NULL },
	{ "another tag", " x=1; mx.seal.example; spf=pass",
	  ARC_RES_FAIL, "ARC-Authentication-Results without a valid i=",
	  NULL },
	/* no white space where it may be left out, more where it may be
	 * put: the text is the payload with white space runs made one */
	{ "no space before i", "i=1; mx.seal.example; spf=pass",
	  ARC_RES_PASS, "", NULL },
	{ "no space after ;", " i=1;mx.seal.example; spf=pass",
	  ARC_RES_PASS, "", NULL },
	{ "runs of white space", " i=1;  x \r\n\ty;\t z  ",
	  ARC_RES_PASS, "", "x y; z" },
};

/* test_odd_sets - sets our sealer never writes but RFC 8617 allows (or
 * refuses), sealed here, judged by the verifier */
static void
test_odd_sets(void **state)
{
	struct buf rec = BUF_INIT, chain = BUF_INIT;
	struct crypto_privkey *key;
	struct arc_verifier *v;
	const struct arc_result *r;
	struct arcfx_msg m, s1, s2;
	size_t i;

	(void)state;
	key = arcfx_seal_key(&rec);
	arcfx_plain_msg(&m);
	for (i = 0; i < sizeof(odd_cases) / sizeof(odd_cases[0]); i++) {
		const struct odd_case *c = &odd_cases[i];

		buf_truncate(&chain, 0);
		r = arcfx_judge_sealed(&s1, seal_odd(&m, key, 1, "none", &chain,
		    c->aar, false), &v, buf_cstr(&rec), c->label);
		assert_int_equal(r->res, c->want);
		assert_non_null(strstr(r->reason, c->reason));
		if (c->want == ARC_RES_PASS)
			assert_string_equal(r->set[0].aar, c->text != NULL ?
			    c->text : "mx.seal.example; spf=pass");
		arc_verifier_free(&v);
		free(s1.data);
	}
	/* an older set's AMS without s= is still a set (only the newest AMS
	 * must verify, RFC 8617 5.2): the chain passes; the newest without
	 * s= fails for that reason, not for a missing instance */
	buf_truncate(&chain, 0);
	r = arcfx_judge_sealed(&s1, seal_odd(&m, key, 1, "none", &chain,
	    " i=1; mx.seal.example; spf=pass", true), &v, buf_cstr(&rec),
	    "newest AMS without s=");
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_null(strstr(r->reason, "without a valid i="));
	arc_verifier_free(&v);
	r = arcfx_judge_sealed(&s2, seal_odd(&s1, key, 2, "pass", &chain,
	    " i=2; mx.seal.example; arc=pass", false), &v, buf_cstr(&rec),
	    "older AMS without s=");
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_int_equal(r->sets, 2);
	/* it does not validate: header.oldest-pass is 2 (5.2 step 5) */
	assert_true(r->oldest_pass_known);
	assert_int_equal(r->oldest_pass, 2);
	assert_string_equal(r->set[0].ams_result, "fail");
	assert_string_equal(r->set[0].ams_reason, "missing s=");
	assert_string_equal(r->set[0].ams_selector, "");
	arc_verifier_free(&v);
	free(s2.data);
	free(s1.data);
	free(m.data);
	buf_deinit(&chain);
	crypto_privkey_free(&key);
	buf_deinit(&rec);
}

/* an AAR whose value ends right after its instance: the ';' that must
 * follow is looked for in the value, not in the next field's */
static void
test_aar_instance_at_end(void **state)
{
	struct arc_verifier *v = arcfx_verifier(0, 0, 0);
	const struct arc_result *r;
	struct arcfx_msg m;

	(void)state;
	m.data = strdup("ARC-Seal: i=1; cv=none; a=rsa-sha256; d=fuzz.example;"
	    " s=f1; b=AAAA\nARC-Message-Signature: i=1; a=rsa-sha256; "
	    "d=fuzz.example; s=f1; h=from; bh=AAAA; b=AAAA\n"
	    "ARC-Authentication-Results: i=1\nX-Next:;x\n"
	    "ARC-Authentication-Results: i=\nX-Next:1;\n"
	    "From: a@fuzz.example\n\nbody\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	arcfx_split(&m);
	arc_verifier_eoh(v, m.h, m.nh, true);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason,
	    "ARC-Authentication-Results without a valid i=");
	arc_verifier_free(&v);
	free(m.data);
}

/* at most ARC_TRUST_MAX_RESINFO resinfos of an AAR are read, and
 * property values of at most 320 bytes */
static void
test_aar_resinfo_cap(void **state)
{
	struct buf b = BUF_INIT;
	const char *what = NULL;
	size_t i, n;

	(void)state;
	for (n = 320; n <= 321; n++) {
		buf_reset(&b);
		buf_append_str(&b, " x.example; spf=pass smtp.mailfrom=");
		for (i = strlen("@a.example"); i < n; i++)
			buf_append_byte(&b, 'x');
		buf_append_str(&b, "@a.example");
		assert_int_equal(arc_trust_aar_vouches(buf_cstr(&b), b.len,
		    "a.example", NULL, 0, &what), n == 320);
	}
	buf_reset(&b);
	buf_append_str(&b, " x.example");
	for (i = 0; i < ARC_TRUST_MAX_RESINFO - 2; i++)
		buf_append_str(&b, "; spf=none");
	buf_append_str(&b, "; dkim=pass header.d=a.example");
	assert_true(arc_trust_aar_vouches(buf_cstr(&b), b.len, "a.example",
	    NULL, 0, &what));
	assert_string_equal(what, "dkim=pass");
	buf_reset(&b);
	buf_append_str(&b, " x.example");
	for (i = 0; i < ARC_TRUST_MAX_RESINFO - 1; i++)
		buf_append_str(&b, "; spf=none");
	buf_append_str(&b, "; dkim=pass header.d=a.example");
	assert_false(arc_trust_aar_vouches(buf_cstr(&b), b.len, "a.example",
	    NULL, 0, &what));
	buf_deinit(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aar_instance_at_end),
		cmocka_unit_test(test_aar),
		cmocka_unit_test(test_trust_newer_sets),
		cmocka_unit_test(test_odd_sets),
		cmocka_unit_test(test_aar_resinfo_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
