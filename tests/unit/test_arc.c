/* test_arc.c - the ARC core: chains sealed by dkimpy (tests/arc, made by
 * tests/arc/gen_fixtures.py) judged by arc_verify with canned key
 * answers; caps; the trusted-sealer AAR reader; and seal-then-verify
 * with a key generated here (arc_seal extending its own chain) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arc_seal.h"
#include "core/arc_trust.h"
#include "core/arc_verify.h"
#include "core/arc_verify_internal.h"
#include "core/dkim_sign.h"
#include "crypto/crypto.h"
#include "crypto/crypto_keygen.h"
#include "util/buf.h"

#define NOW 1800000000
#define MAX_FIELDS 128

/* A message split into milter-form fields (value after the colon,
 * LF-folded) and a body. */
struct msg {
	char *data;
	size_t len;
	struct dkim_header h[MAX_FIELDS];
	size_t nh;
	const unsigned char *body;
	size_t body_len;
};

static void
split(struct msg *m)
{
	size_t i = 0;

	m->nh = 0;
	while (i < m->len) {
		size_t e = i;
		const char *colon;

		while (e < m->len && m->data[e] != '\n')
			e++;
		if (e == i) {
			m->body = (const unsigned char *)m->data + e + 1;
			m->body_len = m->len - e - 1;
			return;
		}
		if (m->data[i] == ' ' || m->data[i] == '\t') {
			struct dkim_header *l = &m->h[m->nh - 1];

			l->value_len = (size_t)((const unsigned char *)m->data +
			    e - l->value);
		} else {
			assert_true(m->nh < MAX_FIELDS);
			colon = memchr(m->data + i, ':', e - i);
			assert_non_null(colon);
			m->h[m->nh].name = (const unsigned char *)m->data + i;
			m->h[m->nh].name_len = (size_t)(colon - m->data - i);
			m->h[m->nh].value = (const unsigned char *)colon + 1;
			m->h[m->nh].value_len = (size_t)(m->data + e - colon - 1);
			m->nh++;
		}
		i = e + 1;
	}
	m->body = (const unsigned char *)m->data + m->len;
	m->body_len = 0;
}

static void
load_raw(struct msg *m, const char *name)
{
	const char *top = getenv("top_srcdir") ? getenv("top_srcdir") :
	    TOP_SRCDIR;
	char path[1024];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/arc/%s", top, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	m->data = malloc((size_t)n + 1);
	assert_non_null(m->data);
	assert_int_equal(fread(m->data, 1, (size_t)n, f), (size_t)n);
	m->data[n] = '\0';
	m->len = (size_t)n;
	fclose(f);
}

static void
load(struct msg *m, const char *name)
{
	load_raw(m, name);
	split(m);
}

static char *
key_record(void)
{
	struct msg k;
	char *nl;

	load_raw(&k, "key.txt");
	if ((nl = strchr(k.data, '\n')) != NULL)
		*nl = '\0';
	return k.data;
}

/* judge - run a message through a verifier; keys answered with status
 * st (and the fixture key when DNS_R_ANSWER) */
static const struct arc_result *
judge_key(struct arc_verifier *v, struct msg *m, enum dns_status st,
    const char *rec, const char *keyname)
{
	struct dns_answer a;
	struct dns_rr rr;
	size_t i;

	memset(&a, 0, sizeof(a));
	memset(&rr, 0, sizeof(rr));
	a.status = st;
	if (st == DNS_R_ANSWER) {
		rr.type = DNS_T_TXT;
		rr.text = (char *)(uintptr_t)rec;
		rr.text_len = strlen(rec);
		a.count = 1;
		a.rr = &rr;
	}
	for (i = 0; i < m->nh; i++) {
		int idx = arc_verifier_header(v, m->h[i].name, m->h[i].name_len,
		    m->h[i].value, m->h[i].value_len);

		if (idx >= 0) {
			assert_string_equal(arc_verifier_key_name(v, idx),
			    keyname);
			arc_verifier_key_answer(v, idx, &a);
		}
	}
	arc_verifier_eoh(v, m->h, m->nh, true);
	arc_verifier_body(v, m->body, m->body_len);
	arc_verifier_eom(v);
	return arc_verifier_result(v);
}

static const struct arc_result *
judge(struct arc_verifier *v, struct msg *m, enum dns_status st,
    const char *rec)
{
	return judge_key(v, m, st, rec, "f1._domainkey.fuzz.example");
}

static const struct arc_result *
judge_seal(struct arc_verifier *v, struct msg *m, const char *rec)
{
	return judge_key(v, m, DNS_R_ANSWER, rec, "s1._domainkey.seal.example");
}

static struct arc_verifier *
verifier(size_t max_sets, size_t max_sigs, size_t max_bytes)
{
	struct arc_verify_params p;

	arc_verify_params_init(&p);
	p.now = NOW;
	if (max_sets)
		p.max_sets = max_sets;
	if (max_sigs)
		p.max_signatures = max_sigs;
	if (max_bytes)
		p.max_header_bytes = max_bytes;
	return arc_verifier_new(&p);
}

struct chain_case {
	const char *label, *file;
	enum dns_status st;
	size_t max_sets, max_sigs, max_bytes;
	enum arc_res want;
	const char *reason;		/* substring */
	unsigned sets, oldest_pass;
	bool oldest_pass_known;
};

static const struct chain_case chain_cases[] = {
	{ "1 set", "chain1.eml", DNS_R_ANSWER, 0, 0, 0, ARC_RES_PASS, "", 1, 0,
	  true },
	{ "2 sets", "chain2.eml", DNS_R_ANSWER, 0, 0, 0, ARC_RES_PASS, "", 2, 0,
	  true },
	{ "footer after the last seal", "chain3-footer.eml", DNS_R_ANSWER,
	  0, 0, 0, ARC_RES_FAIL, "ARC-Message-Signature i=3: body hash "
	  "mismatch", 3, 0, false },
	{ "changed before set 2", "list-mod.eml", DNS_R_ANSWER, 0, 0, 0,
	  ARC_RES_PASS, "", 2, 2, true },
	{ "no key", "chain2.eml", DNS_R_NXDOMAIN, 0, 0, 0, ARC_RES_FAIL,
	  "i=2: no key", 2, 0, false },
	{ "key timeout", "chain1.eml", DNS_R_TIMEOUT, 0, 0, 0, ARC_RES_FAIL,
	  "key lookup timed out", 1, 0, false },
	{ "ARCMaxSets 1", "chain2.eml", DNS_R_ANSWER, 1, 0, 0, ARC_RES_FAIL,
	  "more than 1 ARC sets", 0, 0, false },
	{ "ARCMaxSets 2", "chain2.eml", DNS_R_ANSWER, 2, 0, 0, ARC_RES_PASS,
	  "", 2, 0, true },
	/* beyond what RFC 8617 allows: 50 */
	{ "ARCMaxSets 100", "chain2.eml", DNS_R_ANSWER, 100, 0, 0,
	  ARC_RES_PASS, "", 2, 0, true },
	{ "ARCMaxSignatures 2", "chain2.eml", DNS_R_ANSWER, 0, 2, 0,
	  ARC_RES_FAIL, "need more than 2 signature checks", 2, 0, false },
	/* the newest AMS and both seals: no room left for set 1's AMS,
	 * so header.oldest-pass is not known */
	{ "ARCMaxSignatures 3", "chain2.eml", DNS_R_ANSWER, 0, 3, 0,
	  ARC_RES_PASS, "", 2, 0, false },
	{ "ARCMaxSignatures 3, changed before set 2", "list-mod.eml",
	  DNS_R_ANSWER, 0, 3, 0, ARC_RES_PASS, "", 2, 0, false },
	{ "ARCMaxSignatures 4", "list-mod.eml", DNS_R_ANSWER, 0, 4, 0,
	  ARC_RES_PASS, "", 2, 2, true },
	{ "ARCMaxHeaderBytes", "chain2.eml", DNS_R_ANSWER, 0, 0, 1000,
	  ARC_RES_FAIL, "ARC fields over 1000 bytes", 2, 0, false },
};

static void
test_chains(void **state)
{
	char *rec = key_record();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(chain_cases) / sizeof(chain_cases[0]); i++) {
		const struct chain_case *c = &chain_cases[i];
		struct arc_verifier *v = verifier(c->max_sets, c->max_sigs,
		    c->max_bytes);
		const struct arc_result *r;
		struct msg m;

		load(&m, c->file);
		r = judge(v, &m, c->st, rec);
		print_message("%s: arc=%s (%s)\n", c->label,
		    arc_res_name(r->res), r->reason);
		assert_int_equal(r->res, c->want);
		assert_non_null(strstr(r->reason, c->reason));
		assert_int_equal(r->sets, c->sets);
		assert_int_equal(r->oldest_pass, c->oldest_pass);
		assert_int_equal(r->oldest_pass_known, c->oldest_pass_known);
		arc_verifier_free(&v);
		assert_null(v);
		free(m.data);
	}
	free(rec);
}

/* The fixture key (tests/arc/key.txt) with a longer public exponent:
 * 64 bits (2^63+1) is verified and the seal fails; 65 bits (2^64+1) is
 * refused before any work, as each exponent bit costs a multiplication */
#define FIXTURE_E_REC(e) "v=DKIM1; k=rsa; p=MIGlMA0GCSqGSIb3DQEBAQUAA4GTADCBj" \
    "wKBgQDrVs9xyHaWWFV0blyb00/61+sralsf1OMjOhxhqPCSO6+S8niOoTVqHnaCx2EJiC" \
    "jvfOXkvijt/KJO0wp01cH50rtoDHC8sSoMBigwP+KCo0pxqBg7IjjhEHQ8cr1jyoovyBb" \
    "Vu9SIrxh7F1i6wI7xrhirLLYR04oTq30KW91J0QIJA" e "AAAAAAAAAB"

static void
test_key_exponent(void **state)
{
	static const struct {
		const char *rec, *reason;
	} cases[] = {
		{ FIXTURE_E_REC("I"), "did not verify" },
		{ FIXTURE_E_REC("Q"), "key exponent too large" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arc_verifier *v = verifier(0, 0, 0);
		const struct arc_result *r;
		struct msg m;

		load(&m, "chain1.eml");
		r = judge(v, &m, DNS_R_ANSWER, cases[i].rec);
		print_message("e case %zu: arc=%s (%s)\n", i,
		    arc_res_name(r->res), r->reason);
		assert_int_equal(r->res, ARC_RES_FAIL);
		assert_non_null(strstr(r->reason, cases[i].reason));
		arc_verifier_free(&v);
		free(m.data);
	}
}

/* an incomplete header (a cap hit) fails whatever the chain */
static void
test_incomplete(void **state)
{
	struct arc_verifier *v = verifier(0, 0, 0);
	struct msg m;

	(void)state;
	load(&m, "chain1.eml");
	assert_true(arc_verifier_header(v, m.h[0].name, m.h[0].name_len,
	    m.h[0].value, m.h[0].value_len) >= 0);
	arc_verifier_eoh(v, m.h, m.nh, false);
	arc_verifier_eom(v);
	assert_int_equal(arc_verifier_result(v)->res, ARC_RES_FAIL);
	assert_string_equal(arc_verifier_result(v)->reason,
	    "header fields over the header caps");
	assert_int_equal(arc_verifier_result(v)->sets, 0);
	arc_verifier_free(&v);
	free(m.data);
}

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

/* lf - the sealed text in the fixtures' form: CRLF -> LF */
static void
lf(char *w)
{
	char *x;

	for (x = w; *x; x++)
		if (*x == '\r')
			memmove(x, x + 1, strlen(x));
}

/* seal_key - an RSA key made here; its key record in rec */
static struct crypto_privkey *
seal_key(struct buf *rec)
{
	struct buf pem = BUF_INIT, der = BUF_INIT;
	struct crypto_privkey *key;
	const char *err = NULL;

	assert_true(crypto_keygen_pem(CRYPTO_KEY_RSA, 2048, &pem, &err));
	key = crypto_privkey_from_pem(pem.data, pem.len, &err);
	assert_non_null(key);
	crypto_privkey_public_der(key, &der);
	buf_append_str(rec, "v=DKIM1; k=rsa; p=");
	crypto_base64_encode(der.data, der.len, rec);
	buf_deinit(&pem);
	buf_deinit(&der);
	return key;
}

/* plain_msg - the unsealed message the sealing tests start from */
static void
plain_msg(struct msg *m)
{
	m->data = strdup("From: a@a.example\nSubject: hi\nTo: b@b.example\n\n"
	    "body\n");
	assert_non_null(m->data);
	m->len = strlen(m->data);
	split(m);
}

/* body_hash - m's body hash as every ARC set here signs it (relaxed,
 * SHA-256) into bh; its length */
static size_t
body_hash(const struct msg *m, unsigned char bh[CRYPTO_DIGEST_MAX])
{
	struct dkim_body *b = dkim_body_new(DKIM_CANON_RELAXED,
	    CRYPTO_HASH_SHA256, false, 0);
	size_t n;

	dkim_body_update(b, m->body, m->body_len);
	n = dkim_body_final(b, bh);
	dkim_body_free(&b);
	return n;
}

/* The SignHeaders the sealing tests use by default */
static const char *const plain_names[] = { "From", "Subject", "To" };

/* seal_with - seal m (after the sets in chain) with key, the AMS given
 * names as SignHeaders; returns the sealed message (CRLF-ended new
 * fields, then m) */
static char *
seal_with(const struct msg *m, const struct crypto_privkey *key,
    unsigned instance, const char *cv, const unsigned char *chain,
    size_t chain_len, const char *const *names, size_t nnames)
{
	struct arc_seal_params p;
	struct buf aar = BUF_INIT, ams = BUF_INIT, as = BUF_INIT, out = BUF_INIT;
	unsigned char bh[CRYPTO_DIGEST_MAX];
	const char *why = NULL;
	size_t bhlen;

	bhlen = body_hash(m, bh);
	memset(&p, 0, sizeof(p));
	p.domain = "seal.example";
	p.selector = "s1";
	p.key = key;
	p.instance = instance;
	p.cv = cv;
	p.t = NOW - 10;
	p.sign_headers = names;
	p.nsign = nnames;
	p.authres = "mx.seal.example; spf=pass\n\tsmtp.mailfrom=a.example";
	assert_true(arc_seal_make(&p, m->h, m->nh, bh, bhlen, chain, chain_len,
	    &aar, &ams, &as, &why));
	buf_printf(&out, "ARC-Seal:%s\r\nARC-Message-Signature:%s\r\n"
	    "ARC-Authentication-Results:%s\r\n", buf_cstr(&as), buf_cstr(&ams),
	    buf_cstr(&aar));
	buf_append(&out, m->data, m->len);
	buf_deinit(&aar);
	buf_deinit(&ams);
	buf_deinit(&as);
	return buf_steal(&out);
}

/* seal_once - seal_with the default SignHeaders */
static char *
seal_once(const struct msg *m, const struct crypto_privkey *key,
    unsigned instance, const char *cv, const unsigned char *chain,
    size_t chain_len)
{
	return seal_with(m, key, instance, cv, chain, chain_len, plain_names,
	    sizeof(plain_names) / sizeof(plain_names[0]));
}

static void
test_seal_verify(void **state)
{
	struct buf rec = BUF_INIT;
	struct crypto_privkey *key;
	struct msg m, s1, s2;
	struct arc_verifier *v;
	const struct arc_result *r;
	const unsigned char *chain;
	size_t chain_len;
	unsigned sets;
	char *w;

	(void)state;
	key = seal_key(&rec);
	plain_msg(&m);
	w = seal_once(&m, key, 1, "none", NULL, 0);
	lf(w);
	s1.data = w;
	s1.len = strlen(w);
	split(&s1);
	v = verifier(0, 0, 0);
	r = judge_seal(v, &s1, buf_cstr(&rec));
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_true(arc_verifier_chain(v, &chain, &chain_len, &sets));
	assert_int_equal(sets, 1);
	w = seal_once(&s1, key, 2, "pass", chain, chain_len);
	arc_verifier_free(&v);
	lf(w);
	s2.data = w;
	s2.len = strlen(w);
	split(&s2);
	v = verifier(0, 0, 0);
	r = judge_seal(v, &s2, buf_cstr(&rec));
	print_message("two sets: arc=%s %s\n", arc_res_name(r->res), r->reason);
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_int_equal(r->sets, 2);
	assert_string_equal(r->set[0].aar,
	    "mx.seal.example; spf=pass smtp.mailfrom=a.example");
	arc_verifier_free(&v);
	free(s2.data);
	free(s1.data);
	free(m.data);
	crypto_privkey_free(&key);
	buf_deinit(&rec);
}

/* seal_odd - one ARC set made here from the sealer's parts rather than by
 * arc_seal_make, so that it can hold what our sealer never writes: aar
 * is the whole AAR value; drop_s takes "s=s1;" out of the AMS after it
 * is signed (the seals still cover the field as it stands). chain holds
 * the canonical earlier sets and gets this one. Returns the sealed
 * message in LF form. */
static char *
seal_odd(const struct msg *m, const struct crypto_privkey *key,
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

	bhlen = body_hash(m, bh);
	memset(&sp, 0, sizeof(sp));
	sp.domain = "seal.example";
	sp.selector = "s1";
	sp.key = key;
	sp.hcanon = sp.bcanon = DKIM_CANON_RELAXED;
	sp.sign_headers = names;
	sp.nsign = 3;
	sp.t = NOW - 10;
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
	    " t=%d; b=", inst, cv, NOW - 10);
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
	lf(s);
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

/* judge_sealed - s made of the sealed text w, judged by a new verifier
 * (*v, the caller frees it) with the seal key's record rec */
static const struct arc_result *
judge_sealed(struct msg *s, char *w, struct arc_verifier **v,
    const char *rec, const char *label)
{
	const struct arc_result *r;

	s->data = w;
	s->len = strlen(w);
	split(s);
	*v = verifier(0, 0, 0);
	r = judge_seal(*v, s, rec);
	print_message("%s: arc=%s (%s)\n", label, arc_res_name(r->res),
	    r->reason);
	return r;
}

/* test_seal_sign_headers - SignHeaders naming ARC-Seal and
 * Authentication-Results: the AMS of a second set must sign neither
 * (RFC 8617 4.1.2: an AMS naming ARC-Seal is invalid; an A-R is deleted
 * downstream, and by the milter itself when forged, after the AMS is
 * made), so the extended chain still passes */
static void
test_seal_sign_headers(void **state)
{
	static const char *const names[] = {
		"From", "arc-seal", "Subject", "Authentication-Results", "To"
	};
	struct buf rec = BUF_INIT;
	struct crypto_privkey *key;
	struct msg m, s1, s2;
	struct arc_verifier *v;
	const struct arc_result *r;
	const unsigned char *chain;
	size_t chain_len, i;
	unsigned sets;
	char *w;

	(void)state;
	key = seal_key(&rec);
	m.data = strdup("Authentication-Results: mx.seal.example; none\n"
	    "From: a@a.example\nSubject: hi\nTo: b@b.example\n\nbody\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	split(&m);
	w = seal_with(&m, key, 1, "none", NULL, 0, names, 5);
	lf(w);
	r = judge_sealed(&s1, w, &v, buf_cstr(&rec), "one set");
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_true(arc_verifier_chain(v, &chain, &chain_len, &sets));
	w = seal_with(&s1, key, 2, "pass", chain, chain_len, names, 5);
	arc_verifier_free(&v);
	lf(w);
	r = judge_sealed(&s2, w, &v, buf_cstr(&rec), "SignHeaders ARC-Seal");
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_int_equal(r->sets, 2);
	for (i = 0; i < s2.nh; i++)
		if (s2.h[i].name_len == 21 && memcmp(s2.h[i].name,
		    "ARC-Message-Signature", 21) == 0) {
			char *ams = strndup((const char *)s2.h[i].value,
			    s2.h[i].value_len);

			assert_non_null(ams);
			assert_null(strstr(ams, "Authentication-Results"));
			assert_null(strstr(ams, "arc-seal"));
			free(ams);
		}
	arc_verifier_free(&v);
	free(s2.data);
	free(s1.data);
	free(m.data);
	crypto_privkey_free(&key);
	buf_deinit(&rec);
}

/* test_odd_sets - sets our sealer never writes but RFC 8617 allows (or
 * refuses), sealed here, judged by the verifier */
static void
test_odd_sets(void **state)
{
	struct buf rec = BUF_INIT, chain = BUF_INIT;
	struct crypto_privkey *key;
	struct arc_verifier *v;
	const struct arc_result *r;
	struct msg m, s1, s2;
	size_t i;

	(void)state;
	key = seal_key(&rec);
	plain_msg(&m);
	for (i = 0; i < sizeof(odd_cases) / sizeof(odd_cases[0]); i++) {
		const struct odd_case *c = &odd_cases[i];

		buf_truncate(&chain, 0);
		r = judge_sealed(&s1, seal_odd(&m, key, 1, "none", &chain,
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
	r = judge_sealed(&s1, seal_odd(&m, key, 1, "none", &chain,
	    " i=1; mx.seal.example; spf=pass", true), &v, buf_cstr(&rec),
	    "newest AMS without s=");
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_null(strstr(r->reason, "without a valid i="));
	arc_verifier_free(&v);
	r = judge_sealed(&s2, seal_odd(&s1, key, 2, "pass", &chain,
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

/* test_field_names - ARC field names as MTAs hand them: any case, and
 * with the obsolete white space before the colon (RFC 5322 4.5.1) */
static void
test_field_names(void **state)
{
	static const struct {
		const char *name;
		enum arc_field kind;
	} cases[] = {
		{ "ARC-Seal", ARC_FIELD_SEAL },
		{ "arc-seal", ARC_FIELD_SEAL },
		{ "ARC-Seal ", ARC_FIELD_SEAL },
		{ "ARC-Seal \t ", ARC_FIELD_SEAL },
		{ "ARC-Message-Signature ", ARC_FIELD_AMS },
		{ "ARC-Authentication-Results\t", ARC_FIELD_AAR },
		{ " ARC-Seal", ARC_FIELD_NONE },
		{ "ARC-Seals", ARC_FIELD_NONE },
		{ "ARC-", ARC_FIELD_NONE },
		{ "", ARC_FIELD_NONE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(arc_field_kind((const unsigned char *)cases[i].name,
		    strlen(cases[i].name)), cases[i].kind);
}

/* a chain whose older AMSs each ask another l= makes no more than
 * ARC_VERIFY_MAX_BODIES body hashes: each is a pass over the whole
 * body, and 25 of them would hash a large message 25 times only for
 * header.oldest-pass; those left unhashed leave it unknown */
static void
test_older_bodies_bounded(void **state)
{
	struct arc_verifier *v = verifier(0, 0, 0);
	struct buf text = BUF_INIT;
	const struct arc_result *r;
	struct msg m;
	unsigned k, sets = 25;

	(void)state;
	for (k = sets; k >= 1; k--) {
		buf_printf(&text, "ARC-Seal: i=%u; cv=%s; a=rsa-sha256; "
		    "d=fuzz.example; s=f1; t=1796177127; b=AAAA\n", k,
		    k == 1 ? "none" : "pass");
		buf_printf(&text, "ARC-Message-Signature: i=%u; a=rsa-sha256; "
		    "c=relaxed/relaxed; d=fuzz.example; s=f1; t=1796177127; "
		    "h=from; l=%u; bh=AAAA; b=AAAA\n", k, k);
		buf_printf(&text, "ARC-Authentication-Results: i=%u; "
		    "fuzz.example; arc=%s\n", k, k == 1 ? "none" : "pass");
	}
	buf_printf(&text, "From: a@fuzz.example\n\n");
	for (k = 0; k < 64; k++)
		buf_printf(&text, "line %u of a body longer than every l=\n", k);
	memset(&m, 0, sizeof(m));
	m.len = text.len;
	m.data = buf_steal(&text);
	split(&m);
	r = judge(v, &m, DNS_R_NXDOMAIN, NULL);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_true(v->nbodies >= 1);
	assert_true(v->nbodies <= ARC_VERIFY_MAX_BODIES);
	arc_verifier_free(&v);
	free(m.data);
}

/* test_names_and_defaults - the result words and the documented
 * defaults of arc_verify_params_init */
static void
test_names_and_defaults(void **state)
{
	struct arc_verify_params p;

	(void)state;
	assert_string_equal(arc_res_name(ARC_RES_NONE), "none");
	assert_string_equal(arc_res_name(ARC_RES_PASS), "pass");
	assert_string_equal(arc_res_name(ARC_RES_FAIL), "fail");
	assert_string_equal(arc_cv_name(ARC_RES_NONE), "none");
	assert_string_equal(arc_cv_name(ARC_RES_PASS), "pass");
	assert_string_equal(arc_cv_name(ARC_RES_FAIL), "fail");
	memset(&p, 0xa5, sizeof(p));
	arc_verify_params_init(&p);
	assert_int_equal(p.max_sets, ARC_VERIFY_MAX_SETS);
	assert_int_equal(p.max_signatures, ARC_VERIFY_MAX_SIGNATURES);
	assert_int_equal(p.max_header_bytes, ARC_VERIFY_MAX_HEADER_BYTES);
	assert_false(p.allow_rsa_sha1);
	assert_int_equal(p.min_rsa_bits, 1024);
	assert_int_equal(p.max_rsa_bits, 8192);
	assert_int_equal(p.clock_skew, 300);
	assert_int_equal(p.now, 0);
}

/* text_msg - a message of ARC fields written in a short hand, with dummy
 * signatures (the chain's structure is judged before any signature):
 * tokens separated by spaces, each a kind letter, an instance and for a
 * seal its cv= letter (n none, p pass, f fail):
 *   S<i><cv>  ARC-Seal           s<i><cv>  ARC-Seal that does not parse
 *   M<i>      AMS                m<i>      AMS that does not parse
 *   A<i>      AAR
 * then From, a blank line and a body. */
static void
text_msg(struct msg *m, const char *spec)
{
	struct buf text = BUF_INIT;
	const char *p = spec;

	while (*p != '\0') {
		char kind = *p++;
		unsigned inst = (unsigned)strtoul(p, (char **)&p, 10);
		const char *cv = "";

		if (kind == 'S' || kind == 's') {
			cv = *p == 'n' ? "none" : *p == 'p' ? "pass" : "fail";
			p++;
		}
		switch (kind) {
		case 'S':
		case 's':
			buf_printf(&text, "ARC-Seal: i=%u; cv=%s; a=%s; "
			    "d=fuzz.example; s=f1; t=1796177127; b=AAAA\n",
			    inst, cv, kind == 'S' ? "rsa-sha256" : "rsa-md5");
			break;
		case 'M':
		case 'm':
			buf_printf(&text, "ARC-Message-Signature: i=%u; "
			    "a=rsa-sha256; c=relaxed/relaxed; d=fuzz.example; "
			    "s=f1; t=1796177127; h=from;%s b=AAAA\n", inst,
			    kind == 'M' ? " bh=AAAA;" : "");
			break;
		case 'A':
			buf_printf(&text, "ARC-Authentication-Results: i=%u; "
			    "fuzz.example; arc=none\n", inst);
			break;
		default:
			fail_msg("bad spec %s", spec);
		}
		while (*p == ' ')
			p++;
	}
	buf_append_str(&text, "From: a@fuzz.example\n\nbody\n");
	memset(m, 0, sizeof(*m));
	m->len = text.len;
	m->data = buf_steal(&text);
	split(m);
}

/* RFC 8617 5.2 steps 1-3: what fails the chain before any signature is
 * checked, with its reason, and N as far as the walk went */
static void
test_structure(void **state)
{
	static const struct {
		const char *spec;
		size_t max_sets;
		const char *reason;	/* the whole reason */
		unsigned sets;
	} cases[] = {
		{ "S2n M2 A2 S1n M1 A1", 0, "ARC-Seal i=2 has cv=none", 2 },
		{ "S2p M2 A2 S1p M1 A1", 0, "ARC-Seal i=1 has cv=pass", 2 },
		{ "S2p M2 A2 S1f M1 A1", 0, "ARC-Seal i=1 has cv=fail", 2 },
		{ "S2f M2 A2 S1n M1 A1", 0, "ARC-Seal i=2 records cv=fail", 2 },
		{ "S1f M1 A1", 0, "ARC-Seal i=1 records cv=fail", 1 },
		{ "M2 A2 S1n M1 A1", 0,
		  "ARC set i=2 incomplete (no ARC-Seal)", 2 },
		{ "S2p A2 S1n M1 A1", 0,
		  "ARC set i=2 incomplete (no ARC-Message-Signature)", 2 },
		{ "S2p M2 S1n M1 A1", 0,
		  "ARC set i=2 incomplete (no ARC-Authentication-Results)", 2 },
		{ "S2p M2 A2 S1n M1", 0,
		  "ARC set i=1 incomplete (no ARC-Authentication-Results)", 2 },
		{ "S2p M2 A2", 0, "ARC set i=1 incomplete (no ARC-Seal)", 2 },
		{ "S1n S1n M1 A1", 0, "duplicate ARC-Seal i=1", 1 },
		{ "S1n M1 M1 A1", 0, "duplicate ARC-Message-Signature i=1", 1 },
		{ "S1n M1 A1 A1", 0,
		  "duplicate ARC-Authentication-Results i=1", 1 },
		/* a duplicate ends the walk: what follows is not read */
		{ "S1n S1n M2 A2 S2p", 0, "duplicate ARC-Seal i=1", 1 },
		{ "A1 A1 S3p", 0,
		  "duplicate ARC-Authentication-Results i=1", 1 },
		{ "S0n M1 A1", 0, "ARC-Seal without a valid i=", 0 },
		{ "S1n M0 A1", 0,
		  "ARC-Message-Signature without a valid i=", 1 },
		{ "S1n M1 A0", 0,
		  "ARC-Authentication-Results without a valid i=", 1 },
		{ "A0 S2p M2 A2", 0,
		  "ARC-Authentication-Results without a valid i=", 0 },
		/* an instance beyond the array, whatever max_sets says */
		{ "S9999p M1 A1", 0, "more than 50 ARC sets", 0 },
		{ "S51p M1 A1", 100, "more than 50 ARC sets", 0 },
		{ "M51 S1n M1 A1", 0, "more than 50 ARC sets", 0 },
		{ "S1n M1 A3", 2, "more than 2 ARC sets", 1 },
		{ "A3 S1n M1 A1", 2, "more than 2 ARC sets", 0 },
		/* the seals and the newest AMS must parse; an older AMS
		 * need not (5.2 steps 4-5 only verify the newest) */
		{ "s1n M1 A1", 0, "ARC-Seal i=1: unsupported algorithm", 1 },
		{ "S2p M2 A2 s1n M1 A1", 0,
		  "ARC-Seal i=1: unsupported algorithm", 2 },
		{ "S1n m1 A1", 0, "ARC-Message-Signature i=1: missing bh=", 1 },
		{ "S2p m2 A2 S1n M1 A1", 0,
		  "ARC-Message-Signature i=2: missing bh=", 2 },
		{ "S2p M2 A2 S1n m1 A1", 0,
		  "ARC-Message-Signature i=2: no key answer", 2 },
	};
	const unsigned char *chain;
	size_t i, chain_len;
	unsigned sets;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arc_verifier *v = verifier(cases[i].max_sets, 0, 0);
		const struct arc_result *r;
		struct msg m;

		text_msg(&m, cases[i].spec);
		arc_verifier_eoh(v, m.h, m.nh, true);
		/* decided at end of header but for the last case (an older
		 * AMS need not parse): no chain to extend */
		assert_int_equal(arc_verifier_chain(v, &chain, &chain_len,
		    &sets), i + 1 == sizeof(cases) / sizeof(cases[0]));
		arc_verifier_body(v, m.body, m.body_len);
		arc_verifier_eom(v);
		r = arc_verifier_result(v);
		print_message("%s: arc=%s (%s) sets %u\n", cases[i].spec,
		    arc_res_name(r->res), r->reason, r->sets);
		assert_int_equal(r->res, ARC_RES_FAIL);
		assert_string_equal(r->reason, cases[i].reason);
		assert_int_equal(r->sets, cases[i].sets);
		assert_int_equal(r->nset, cases[i].sets);
		assert_false(r->oldest_pass_known);
		arc_verifier_free(&v);
		free(m.data);
	}
}

/* an AAR whose value ends right after its instance: the ';' that must
 * follow is looked for in the value, not in the next field's */
static void
test_aar_instance_at_end(void **state)
{
	struct arc_verifier *v = verifier(0, 0, 0);
	const struct arc_result *r;
	struct msg m;

	(void)state;
	m.data = strdup("ARC-Seal: i=1; cv=none; a=rsa-sha256; d=fuzz.example;"
	    " s=f1; b=AAAA\nARC-Message-Signature: i=1; a=rsa-sha256; "
	    "d=fuzz.example; s=f1; h=from; bh=AAAA; b=AAAA\n"
	    "ARC-Authentication-Results: i=1\nX-Next:;x\n"
	    "ARC-Authentication-Results: i=\nX-Next:1;\n"
	    "From: a@fuzz.example\n\nbody\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	split(&m);
	arc_verifier_eoh(v, m.h, m.nh, true);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason,
	    "ARC-Authentication-Results without a valid i=");
	arc_verifier_free(&v);
	free(m.data);
}

/* arc_lengths - the ARC fields' value bytes in CRLF form (what the
 * ARCMaxHeaderBytes cap counts at end of header) */
static size_t
arc_lengths(const struct msg *m)
{
	size_t i, k, n = 0;

	for (i = 0; i < m->nh; i++) {
		if (arc_field_kind(m->h[i].name, m->h[i].name_len) ==
		    ARC_FIELD_NONE)
			continue;
		n += m->h[i].value_len;
		for (k = 0; k < m->h[i].value_len; k++)
			n += m->h[i].value[k] == '\n';
	}
	return n;
}

/* ARCMaxHeaderBytes: a chain of exactly that many bytes passes, one more
 * fails; over the cap at arrival, no key lookup starts; the walk stops
 * at the field that crosses it */
static void
test_header_bytes(void **state)
{
	char *rec = key_record();
	struct arc_verifier *v;
	const struct arc_result *r;
	struct msg m, t;
	size_t total, i;
	char want[64];

	(void)state;
	load(&m, "chain2.eml");
	total = arc_lengths(&m);
	v = verifier(0, 0, total);
	r = judge(v, &m, DNS_R_ANSWER, rec);
	assert_int_equal(r->res, ARC_RES_PASS);
	arc_verifier_free(&v);
	v = verifier(0, 0, total - 1);
	r = judge(v, &m, DNS_R_ANSWER, rec);
	assert_int_equal(r->res, ARC_RES_FAIL);
	snprintf(want, sizeof(want), "ARC fields over %zu bytes", total - 1);
	assert_string_equal(r->reason, want);
	arc_verifier_free(&v);
	/* at arrival: the first field (the seal, about 300 bytes) is over
	 * a 200-byte cap already, and so is every field after it */
	v = verifier(0, 0, 200);
	for (i = 0; i < m.nh; i++)
		assert_int_equal(arc_verifier_header(v, m.h[i].name,
		    m.h[i].name_len, m.h[i].value, m.h[i].value_len), -1);
	arc_verifier_free(&v);
	v = verifier(0, 0, m.h[0].value_len);
	assert_int_equal(arc_verifier_header(v, m.h[0].name, m.h[0].name_len,
	    m.h[0].value, m.h[0].value_len), 0);
	arc_verifier_free(&v);
	free(m.data);
	/* two fields of two keys: the second starts its lookup while the
	 * two together are within the cap */
	m.data = strdup("ARC-Seal: i=1; cv=none; a=rsa-sha256; "
	    "d=fuzz.example; s=a1; b=AAAA\nARC-Message-Signature: i=1; "
	    "a=rsa-sha256; d=fuzz.example; s=a2; h=from; bh=AAAA; b=AAAA\n"
	    "\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	split(&m);
	for (i = 0; i < 2; i++) {
		v = verifier(0, 0, m.h[0].value_len + m.h[1].value_len - i);
		assert_int_equal(arc_verifier_header(v, m.h[0].name,
		    m.h[0].name_len, m.h[0].value, m.h[0].value_len), 0);
		assert_int_equal(arc_verifier_header(v, m.h[1].name,
		    m.h[1].name_len, m.h[1].value, m.h[1].value_len),
		    i == 0 ? 1 : -1);
		arc_verifier_free(&v);
	}
	free(m.data);
	/* set 1 written above set 2: the cap trips within set 2 and the
	 * walk ends there, N is 1 */
	text_msg(&t, "S1n M1 A1 S2p M2 A2");
	v = verifier(0, 0, t.h[0].value_len + t.h[1].value_len +
	    t.h[2].value_len + 1);
	arc_verifier_eoh(v, t.h, t.nh, true);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_non_null(strstr(r->reason, "ARC fields over"));
	assert_int_equal(r->sets, 1);
	arc_verifier_free(&v);
	free(t.data);
	free(rec);
}

/* answer - answer lookup idx of v with status st and up to two records,
 * each a TXT record, "A" (an A record) or "CNAME:text" (a CNAME record
 * with text); the records are in an array of their exact size, as the
 * resolver gives them */
static void
answer(struct arc_verifier *v, int idx, enum dns_status st,
    const char *rec0, const char *rec1)
{
	const char *recs[2] = { rec0, rec1 };
	struct dns_answer a;
	size_t i, n = (rec0 != NULL) + (rec1 != NULL);

	memset(&a, 0, sizeof(a));
	a.status = st;
	a.rr = n ? calloc(n, sizeof(*a.rr)) : NULL;
	for (i = 0; i < 2; i++) {
		struct dns_rr *rr = &a.rr[a.count];

		if (recs[i] == NULL)
			continue;
		if (strcmp(recs[i], "A") == 0) {
			rr->type = DNS_T_A;
		} else if (strncmp(recs[i], "CNAME:", 6) == 0) {
			rr->type = DNS_T_CNAME;
			rr->text = (char *)(uintptr_t)recs[i] + 6;
			rr->text_len = strlen(rr->text);
		} else {
			rr->type = DNS_T_TXT;
			rr->text = (char *)(uintptr_t)recs[i];
			rr->text_len = strlen(recs[i]);
		}
		a.count++;
	}
	arc_verifier_key_answer(v, idx, &a);
	free(a.rr);
}

/* seal_field - arc_verifier_header for an ARC-Seal of value text */
static int
seal_field(struct arc_verifier *v, const char *text)
{
	return arc_verifier_header(v, (const unsigned char *)"ARC-Seal", 8,
	    (const unsigned char *)text, strlen(text));
}

/* key lookups: one per distinct key name (chain2 signs all four with
 * one key), -1 for every other field; a second answer, an answer for no
 * lookup and a missing answer */
static void
test_key_lookups(void **state)
{
	char *rec = key_record();
	struct arc_verifier *v;
	const struct arc_result *r;
	struct msg m;
	size_t i;
	int started = 0;

	(void)state;
	load(&m, "chain2.eml");
	v = verifier(0, 0, 0);
	for (i = 0; i < m.nh; i++) {
		int idx = arc_verifier_header(v, m.h[i].name, m.h[i].name_len,
		    m.h[i].value, m.h[i].value_len);

		if (i == 0)
			assert_int_equal(idx, 0);
		else
			assert_int_equal(idx, -1);
		started += idx >= 0;
	}
	assert_int_equal(started, 1);
	assert_string_equal(arc_verifier_key_name(v, 0),
	    "f1._domainkey.fuzz.example");
	assert_null(arc_verifier_key_name(v, 1));
	assert_null(arc_verifier_key_name(v, -1));
	/* the first answer counts; no lookup 1 or -1 was started */
	answer(v, 0, DNS_R_NXDOMAIN, NULL, NULL);
	answer(v, 0, DNS_R_ANSWER, rec, NULL);
	answer(v, 1, DNS_R_ANSWER, rec, NULL);
	answer(v, -1, DNS_R_ANSWER, rec, NULL);
	arc_verifier_eoh(v, m.h, m.nh, true);
	arc_verifier_body(v, m.body, m.body_len);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason, "ARC-Message-Signature i=2: no key");
	arc_verifier_free(&v);
	/* never answered (or answered with nothing) */
	v = verifier(0, 0, 0);
	for (i = 0; i < m.nh; i++)
		(void)arc_verifier_header(v, m.h[i].name, m.h[i].name_len,
		    m.h[i].value, m.h[i].value_len);
	arc_verifier_key_answer(v, 0, NULL);
	arc_verifier_eoh(v, m.h, m.nh, true);
	arc_verifier_body(v, m.body, m.body_len);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason,
	    "ARC-Message-Signature i=2: no key answer");
	arc_verifier_free(&v);
	free(m.data);
	/* key names compare without case: one lookup for d=FUZZ.example
	 * and d=fuzz.example; an AAR starts none */
	m.data = strdup("ARC-Seal: i=1; cv=none; a=rsa-sha256; "
	    "d=FUZZ.example; s=F1; b=AAAA\nARC-Message-Signature: i=1; "
	    "a=rsa-sha256; d=fuzz.example; s=f1; h=from; bh=AAAA; b=AAAA\n"
	    "ARC-Authentication-Results: i=1; x; arc=none\n"
	    "ARC-Message-Signature: i=2; a=rsa-sha256; d=fuzz.example; "
	    "s=f2; h=from; bh=AAAA; b=AAAA\n\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	split(&m);
	v = verifier(0, 0, 0);
	assert_int_equal(arc_verifier_header(v, m.h[0].name, m.h[0].name_len,
	    m.h[0].value, m.h[0].value_len), 0);
	assert_int_equal(arc_verifier_header(v, m.h[1].name, m.h[1].name_len,
	    m.h[1].value, m.h[1].value_len), -1);
	assert_int_equal(arc_verifier_header(v, m.h[2].name, m.h[2].name_len,
	    m.h[2].value, m.h[2].value_len), -1);
	assert_int_equal(arc_verifier_header(v, m.h[3].name, m.h[3].name_len,
	    m.h[3].value, m.h[3].value_len), 1);
	assert_string_equal(arc_verifier_key_name(v, 1),
	    "f2._domainkey.fuzz.example");
	assert_null(arc_verifier_key_name(v, 2));
	assert_null(arc_verifier_key_name(v, INT_MIN));
	assert_null(arc_verifier_key_name(v, INT_MAX));
	/* after end of header, no lookup starts */
	arc_verifier_eoh(v, m.h, m.nh, true);
	assert_int_equal(seal_field(v, " i=2; cv=pass; a=rsa-sha256; "
	    "d=fuzz.example; s=f9; b=AAAA"), -1);
	arc_verifier_free(&v);
	free(m.data);
	/* a field that does not parse starts none; nor does one beyond
	 * max_sets, while one at max_sets does */
	v = verifier(2, 0, 0);
	assert_int_equal(seal_field(v, " i=1; cv=none; a=rsa-md5; "
	    "d=fuzz.example; s=f1; b=AAAA"), -1);
	assert_int_equal(seal_field(v, " i=3; cv=pass; a=rsa-sha256; "
	    "d=fuzz.example; s=f1; b=AAAA"), -1);
	assert_int_equal(seal_field(v, " i=2; cv=pass; a=rsa-sha256; "
	    "d=fuzz.example; s=f1; b=AAAA"), 0);
	arc_verifier_free(&v);
	free(rec);
}

/* what a key answer gives: the first usable TXT record is the key; the
 * reason of a failed lookup, a revoked key, an unusable record, a key
 * that does not fit the signature or the size policy */
static void
test_key_answers(void **state)
{
	static const char ed_rec[] = "v=DKIM1; k=ed25519; "
	    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
	char *rec = key_record();
	char *sha1_only = malloc(strlen(rec) + 16);
	char *sha256_only = malloc(strlen(rec) + 16);
	char *cname = malloc(strlen(rec) + 8);
	const struct {
		enum dns_status st;
		const char *rec0, *rec1;
		unsigned min_bits, max_bits;
		const char *reason;	/* "" for a pass */
	} cases[] = {
		{ DNS_R_ANSWER, rec, NULL, 0, 0, "" },
		{ DNS_R_ANSWER, "A", rec, 0, 0, "" },
		{ DNS_R_ANSWER, "v=DKIM1; k=rsa; p=!!", rec, 0, 0, "" },
		/* the first usable record, even after a revoked one (RFC
		 * 6376 6.1.2 leaves the choice among several records open;
		 * DKIM verification takes the revoked one) */
		{ DNS_R_ANSWER, "v=DKIM1; k=rsa; p=", rec, 0, 0, "" },
		{ DNS_R_ANSWER, "v=DKIM1; k=rsa; p=", NULL, 0, 0,
		  "key revoked" },
		{ DNS_R_ANSWER, "v=DKIM1; k=rsa; p=", "v=DKIM1; k=rsa; p=!!", 0,
		  0, "key revoked" },
		{ DNS_R_ANSWER, "v=DKIM1; k=rsa; p=!!", NULL, 0, 0,
		  "bad base64 in key p=" },
		{ DNS_R_ANSWER, "A", NULL, 0, 0, "no key" },
		{ DNS_R_ANSWER, NULL, NULL, 0, 0, "no key" },
		{ DNS_R_NODATA, NULL, NULL, 0, 0, "no key" },
		{ DNS_R_NXDOMAIN, NULL, NULL, 0, 0, "no key" },
		{ DNS_R_SERVFAIL, NULL, NULL, 0, 0,
		  "key lookup failed (SERVFAIL)" },
		{ DNS_R_BOGUS, NULL, NULL, 0, 0,
		  "key lookup failed DNSSEC validation" },
		{ DNS_R_TIMEOUT, NULL, NULL, 0, 0, "key lookup timed out" },
		{ DNS_R_ERROR, NULL, NULL, 0, 0, "key lookup error" },
		{ DNS_R_ANSWER, ed_rec, NULL, 0, 0, "key type mismatch" },
		{ DNS_R_ANSWER, sha1_only, NULL, 0, 0,
		  "hash not allowed by key h=" },
		{ DNS_R_ANSWER, sha256_only, NULL, 0, 0, "" },
		/* only TXT records are read */
		{ DNS_R_ANSWER, cname, NULL, 0, 0, "no key" },
		{ DNS_R_ANSWER, cname, rec, 0, 0, "" },
		/* the fixture key has 1024 bits */
		{ DNS_R_ANSWER, rec, NULL, 1024, 1024, "" },
		{ DNS_R_ANSWER, rec, NULL, 1025, 0, "key too small" },
		{ DNS_R_ANSWER, rec, NULL, 0, 1023, "key too large" },
	};
	size_t i;

	(void)state;
	assert_non_null(sha1_only);
	assert_non_null(sha256_only);
	assert_non_null(cname);
	strcpy(sha1_only, "v=DKIM1; h=sha1;");
	strcat(sha1_only, rec + strlen("v=DKIM1;"));
	strcpy(sha256_only, "v=DKIM1; h=sha256;");
	strcat(sha256_only, rec + strlen("v=DKIM1;"));
	strcpy(cname, "CNAME:");
	strcat(cname, rec);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arc_verify_params p;
		struct arc_verifier *v;
		const struct arc_result *r;
			struct msg m;
		size_t k;
		char want[128];

		arc_verify_params_init(&p);
		p.now = NOW;
		if (cases[i].min_bits)
			p.min_rsa_bits = cases[i].min_bits;
		if (cases[i].max_bits)
			p.max_rsa_bits = cases[i].max_bits;
		v = arc_verifier_new(&p);
		load(&m, "chain1.eml");
		for (k = 0; k < m.nh; k++) {
			int idx = arc_verifier_header(v, m.h[k].name,
			    m.h[k].name_len, m.h[k].value, m.h[k].value_len);

			if (idx >= 0)
				answer(v, idx, cases[i].st, cases[i].rec0,
				    cases[i].rec1);
		}
		arc_verifier_eoh(v, m.h, m.nh, true);
		arc_verifier_body(v, m.body, m.body_len);
		arc_verifier_eom(v);
		r = arc_verifier_result(v);
		print_message("case %zu: arc=%s (%s)\n", i,
		    arc_res_name(r->res), r->reason);
		if (*cases[i].reason == '\0') {
			assert_int_equal(r->res, ARC_RES_PASS);
			assert_string_equal(r->reason, "");
		} else {
			assert_int_equal(r->res, ARC_RES_FAIL);
			snprintf(want, sizeof(want),
			    "ARC-Message-Signature i=1: %s", cases[i].reason);
			assert_string_equal(r->reason, want);
		}
		arc_verifier_free(&v);
		free(m.data);
	}
	free(sha1_only);
	free(sha256_only);
	free(cname);
	free(rec);
}

/* the public view of each set, and the verifier's life: the chain a
 * sealer extends is offered only once the structure is sound, and after
 * eom only when it passed */
static void
test_set_view(void **state)
{
	char *rec = key_record();
	struct arc_verifier *v;
	const struct arc_result *r;
	const unsigned char *chain;
	size_t chain_len, i;
	unsigned sets;
	struct msg m;

	(void)state;
	load(&m, "chain2.eml");
	v = verifier(0, 0, 0);
	assert_null(arc_verifier_result(v));
	assert_false(arc_verifier_chain(v, &chain, &chain_len, &sets));
	for (i = 0; i < m.nh; i++) {
		int idx = arc_verifier_header(v, m.h[i].name, m.h[i].name_len,
		    m.h[i].value, m.h[i].value_len);
	
		if (idx >= 0)
			answer(v, idx, DNS_R_ANSWER, rec, NULL);
	}
	arc_verifier_eoh(v, m.h, m.nh, true);
	assert_true(arc_verifier_chain(v, &chain, &chain_len, &sets));
	assert_int_equal(sets, 2);
	assert_true(chain_len > 0);
	assert_null(arc_verifier_result(v));
	arc_verifier_body(v, m.body, m.body_len);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_non_null(r);
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_true(r->oldest_pass_known);
	assert_int_equal(r->oldest_pass, 0);
	assert_int_equal(r->nset, 2);
	assert_int_equal(r->signatures_verified, 4);
	for (i = 0; i < 2; i++) {
		const struct arc_set_result *s = &r->set[i];

		assert_int_equal(s->instance, i + 1);
		assert_string_equal(s->cv, i == 0 ? "none" : "pass");
		assert_string_equal(s->as_domain, "fuzz.example");
		assert_string_equal(s->as_selector, "f1");
		assert_string_equal(s->as_alg, "rsa-sha256");
		assert_string_equal(s->ams_domain, "fuzz.example");
		assert_string_equal(s->ams_selector, "f1");
		assert_string_equal(s->ams_alg, "rsa-sha256");
		assert_string_equal(s->as_result, "pass");
		assert_string_equal(s->as_reason, "");
		assert_string_equal(s->ams_result, "pass");
		assert_string_equal(s->ams_reason, "");
		assert_false(s->ams_partial);
	}
	assert_string_equal(r->set[0].aar,
	    "hop.fuzz.example; spf=pass smtp.mailfrom=example.org");
	assert_string_equal(r->set[1].aar,
	    "hop.fuzz.example; spf=pass smtp.mailfrom=example.org; arc=pass");
	assert_true(arc_verifier_chain(v, &chain, &chain_len, &sets));
	arc_verifier_free(&v);
	free(m.data);
	/* a changed body: the newest AMS fails, the seals are not judged;
	 * the chain is not offered after eom */
	load(&m, "chain3-footer.eml");
	v = verifier(0, 0, 0);
	r = judge(v, &m, DNS_R_ANSWER, rec);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_false(r->oldest_pass_known);
	assert_string_equal(r->set[2].ams_result, "fail");
	assert_string_equal(r->set[2].ams_reason, "body hash mismatch");
	assert_string_equal(r->set[2].as_result, "");
	assert_false(arc_verifier_chain(v, &chain, &chain_len, &sets));
	assert_int_equal(sets, 3);
	arc_verifier_free(&v);
	free(m.data);
	/* changed before set 2: set 1's AMS fails, oldest-pass is 2 */
	load(&m, "list-mod.eml");
	v = verifier(0, 0, 0);
	r = judge(v, &m, DNS_R_ANSWER, rec);
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_true(r->oldest_pass_known);
	assert_int_equal(r->oldest_pass, 2);
	assert_string_equal(r->set[0].ams_result, "fail");
	assert_string_equal(r->set[0].ams_reason, "body hash mismatch");
	assert_string_equal(r->set[1].ams_result, "pass");
	assert_string_equal(r->set[0].as_result, "pass");
	arc_verifier_free(&v);
	free(m.data);
	/* no ARC field at all: none, and there is a chain to start */
	plain_msg(&m);
	v = verifier(0, 0, 0);
	arc_verifier_eoh(v, m.h, m.nh, true);
	assert_true(arc_verifier_chain(v, &chain, &chain_len, &sets));
	assert_int_equal(sets, 0);
	assert_int_equal(chain_len, 0);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_NONE);
	assert_string_equal(r->reason, "");
	assert_int_equal(r->sets, 0);
	assert_true(arc_verifier_chain(v, &chain, &chain_len, &sets));
	arc_verifier_free(&v);
	/* eom without eoh */
	v = verifier(0, 0, 0);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason, "no end of header");
	arc_verifier_free(&v);
	free(m.data);
	free(rec);
}

/* Two sealing keys made here (2048 bits), by
 * selector k0 and k1 of seal.example */
static struct crypto_privkey *bkeys[2];
static struct buf brecs[2];

static void
bkeys_make(void)
{
	struct buf pem = BUF_INIT, der = BUF_INIT;
	const char *err = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (bkeys[i] != NULL)
			continue;
		buf_reset(&pem);
		buf_reset(&der);
		assert_true(crypto_keygen_pem(CRYPTO_KEY_RSA, 2048, &pem,
		    &err));
		bkeys[i] = crypto_privkey_from_pem(pem.data, pem.len, &err);
		assert_non_null(bkeys[i]);
		crypto_privkey_public_der(bkeys[i], &der);
		buf_init(&brecs[i]);
		buf_append_str(&brecs[i], "v=DKIM1; k=rsa; p=");
		crypto_base64_encode(der.data, der.len, &brecs[i]);
	}
	buf_deinit(&pem);
	buf_deinit(&der);
}

/* One set for build_set: signed by hand, so that it can hold what our
 * sealer never writes */
struct setspec {
	unsigned inst;
	const char *cv;
	int as_key, ams_key;	/* selector k<n>, key bkeys[n] */
	bool as_sha1;		/* a=rsa-sha1 seal */
	long l;			/* AMS l=, -1: none */
	int64_t t;		/* t= of both; 0: NOW - 10 */
	bool bad_as;		/* the seal signs other bytes */
};

/* find_field - the bottom-most field named name */
static const struct dkim_header *
find_field(const struct msg *m, const char *name)
{
	size_t i;

	for (i = m->nh; i-- > 0;)
		if (m->h[i].name_len == strlen(name) &&
		    strncasecmp((const char *)m->h[i].name, name,
		    m->h[i].name_len) == 0)
			return &m->h[i];
	fail_msg("no %s", name);
	return NULL;
}

/* sign_into - sign the digest of hashed and append the base64 to v */
static void
sign_into(const struct crypto_privkey *key, enum crypto_hash hash,
    const struct buf *hashed, bool bad, struct buf *v)
{
	struct crypto_digest *d = crypto_digest_new(hash);
	unsigned char dg[CRYPTO_DIGEST_MAX];
	struct buf sig = BUF_INIT;
	size_t n;

	crypto_digest_update(d, hashed->data, hashed->len);
	n = crypto_digest_final(d, dg);
	crypto_digest_free(&d);
	if (bad)
		dg[0] ^= 1;
	assert_true(crypto_sign(key, hash, dg, n, &sig));
	crypto_base64_encode(sig.data, sig.len, v);
	buf_deinit(&sig);
}

/* build_set - m with the set s on top (LF form, the caller frees it);
 * chain holds the canonical sets before and gets this one. The AMS
 * signs From, Subject and To (relaxed/relaxed, SHA-256). */
static char *
build_set(const struct msg *m, const struct setspec *s, struct buf *chain)
{
	static const char *const names[] = { "From", "Subject", "To" };
	struct buf ams = BUF_INIT, as = BUF_INIT, hashed = BUF_INIT;
	struct buf out = BUF_INIT, aar = BUF_INIT;
	struct dkim_body *b;
	unsigned char bh[CRYPTO_DIGEST_MAX];
	int64_t t = s->t ? s->t : NOW - 10;
	size_t bhlen, i, unsigned_at;
	char *w;

	b = dkim_body_new(DKIM_CANON_RELAXED, CRYPTO_HASH_SHA256, s->l >= 0,
	    s->l >= 0 ? (uint64_t)s->l : 0);
	dkim_body_update(b, m->body, m->body_len);
	bhlen = dkim_body_final(b, bh);
	dkim_body_free(&b);
	buf_printf(&aar, " i=%u; mx.seal.example; spf=pass", s->inst);
	buf_printf(&ams, " i=%u; a=rsa-sha256; c=relaxed/relaxed; "
	    "d=seal.example; s=k%d; t=%lld;", s->inst, s->ams_key,
	    (long long)t);
	if (s->l >= 0)
		buf_printf(&ams, " l=%ld;", s->l);
	buf_append_str(&ams, " h=from:subject:to; bh=");
	crypto_base64_encode(bh, bhlen, &ams);
	buf_append_str(&ams, "; b=");
	for (i = 0; i < 3; i++) {
		const struct dkim_header *h = find_field(m, names[i]);

		dkim_canon_header(DKIM_CANON_RELAXED, h->name, h->name_len,
		    h->value, h->value_len, true, &hashed);
	}
	dkim_canon_header(DKIM_CANON_RELAXED,
	    (const unsigned char *)"ARC-Message-Signature", 21, ams.data,
	    ams.len, false, &hashed);
	sign_into(bkeys[s->ams_key], CRYPTO_HASH_SHA256, &hashed, false, &ams);
	buf_printf(&as, " i=%u; cv=%s; a=rsa-sha%s; d=seal.example; s=k%d; "
	    "t=%lld; b=", s->inst, s->cv, s->as_sha1 ? "1" : "256", s->as_key,
	    (long long)t);
	buf_reset(&hashed);
	buf_append(&hashed, chain->data, chain->len);
	dkim_canon_header(DKIM_CANON_RELAXED,
	    (const unsigned char *)"ARC-Authentication-Results", 26, aar.data,
	    aar.len, true, &hashed);
	dkim_canon_header(DKIM_CANON_RELAXED,
	    (const unsigned char *)"ARC-Message-Signature", 21, ams.data,
	    ams.len, true, &hashed);
	unsigned_at = hashed.len;
	dkim_canon_header(DKIM_CANON_RELAXED, (const unsigned char *)"ARC-Seal",
	    8, as.data, as.len, false, &hashed);
	sign_into(bkeys[s->as_key], s->as_sha1 ? CRYPTO_HASH_SHA1 :
	    CRYPTO_HASH_SHA256, &hashed, s->bad_as, &as);
	buf_truncate(&hashed, unsigned_at);
	dkim_canon_header(DKIM_CANON_RELAXED, (const unsigned char *)"ARC-Seal",
	    8, as.data, as.len, true, &hashed);
	buf_truncate(chain, 0);
	buf_append(chain, hashed.data, hashed.len);
	buf_printf(&out, "ARC-Seal:%s\nARC-Message-Signature:%s\n"
	    "ARC-Authentication-Results:%s\n", buf_cstr(&as), buf_cstr(&ams),
	    buf_cstr(&aar));
	buf_append(&out, m->data, m->len);
	buf_deinit(&ams);
	buf_deinit(&as);
	buf_deinit(&aar);
	buf_deinit(&hashed);
	w = buf_steal(&out);
	return w;
}

/* judge_built - judge m with a verifier of params p, each key lookup
 * answered by selector; the names looked up are joined in names */
static const struct arc_result *
judge_built(struct arc_verifier *v, struct msg *m, struct buf *names)
{
	size_t i;

	for (i = 0; i < m->nh; i++) {
		int idx = arc_verifier_header(v, m->h[i].name, m->h[i].name_len,
		    m->h[i].value, m->h[i].value_len);
		const char *kn;
	
		if (idx < 0)
			continue;
		kn = arc_verifier_key_name(v, idx);
		assert_non_null(kn);
		if (names != NULL)
			buf_printf(names, "%s%s", names->len ? " " : "", kn);
		if (strcmp(kn, "k0._domainkey.seal.example") == 0)
			answer(v, idx, DNS_R_ANSWER, buf_cstr(&brecs[0]),
			    NULL);
		else if (strcmp(kn, "k1._domainkey.seal.example") == 0)
			answer(v, idx, DNS_R_ANSWER, buf_cstr(&brecs[1]),
			    NULL);
	}
	arc_verifier_eoh(v, m->h, m->nh, true);
	arc_verifier_body(v, m->body, m->body_len);
	arc_verifier_eom(v);
	return arc_verifier_result(v);
}

/* built_msg - s from the text w (taking it) */
static void
built_msg(struct msg *s, char *w)
{
	memset(s, 0, sizeof(*s));
	s->data = w;
	s->len = strlen(w);
	split(s);
}

/* RFC 8617 5.2 step 6: every seal down to i=1 is verified. A first set
 * whose seal does not verify under a second set that does fails the
 * chain, whatever the newer sets say; the oldest-pass found before that
 * (set 1's AMS no longer covers the changed Subject) is dropped with it */
static void
test_oldest_seal_checked(void **state)
{
	struct setspec s1 = { 1, "none", 0, 0, false, -1, 0, true };
	struct setspec s2 = { 2, "pass", 1, 1, false, -1, 0, false };
	struct buf chain = BUF_INIT;
	struct arc_verifier *v;
	const struct arc_result *r;
	struct msg m, a, b;
	int good;

	(void)state;
	bkeys_make();
	plain_msg(&m);
	for (good = 0; good <= 1; good++) {
		s1.bad_as = !good;
		buf_truncate(&chain, 0);
		built_msg(&a, build_set(&m, &s1, &chain));
		/* the Subject set 1's AMS signed changes (same length) */
		memcpy(strstr(a.data, "Subject: hi"), "Subject: HI", 11);
		built_msg(&b, build_set(&a, &s2, &chain));
		v = verifier(0, 0, 0);
		r = judge_built(v, &b, NULL);
		print_message("seal 1 %s: arc=%s (%s)\n", good ? "good" : "bad",
		    arc_res_name(r->res), r->reason);
		assert_string_equal(r->set[1].as_result, "pass");
		assert_string_equal(r->set[1].ams_result, "pass");
		assert_string_equal(r->set[0].ams_result, "fail");
		assert_string_equal(r->set[0].ams_reason,
		    "signature did not verify");
		if (good) {
			assert_int_equal(r->res, ARC_RES_PASS);
			assert_int_equal(r->oldest_pass, 2);
			assert_true(r->oldest_pass_known);
			assert_string_equal(r->set[0].as_result, "pass");
		} else {
			assert_int_equal(r->res, ARC_RES_FAIL);
			assert_string_equal(r->reason,
			    "ARC-Seal i=1: signature did not verify");
			assert_int_equal(r->oldest_pass, 0);
			assert_false(r->oldest_pass_known);
			assert_string_equal(r->set[0].as_result, "fail");
			assert_string_equal(r->set[0].as_reason,
			    "signature did not verify");
		}
		arc_verifier_free(&v);
		free(b.data);
		free(a.data);
	}
	free(m.data);
	buf_deinit(&chain);
}

/* a seal and an AMS under different keys: both are looked up (the AMS's
 * name is read at arrival too) and each signature finds its own */
static void
test_two_keys(void **state)
{
	struct setspec s1 = { 1, "none", 0, 1, false, -1, 0, false };
	struct setspec s2 = { 2, "pass", 1, 0, false, -1, 0, false };
	struct buf chain = BUF_INIT, names = BUF_INIT;
	struct arc_verifier *v;
	const struct arc_result *r;
	struct msg m, a, b;

	(void)state;
	bkeys_make();
	plain_msg(&m);
	built_msg(&a, build_set(&m, &s1, &chain));
	v = verifier(0, 0, 0);
	r = judge_built(v, &a, &names);
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_string_equal(buf_cstr(&names), "k0._domainkey.seal.example "
	    "k1._domainkey.seal.example");
	assert_string_equal(r->set[0].as_selector, "k0");
	assert_string_equal(r->set[0].ams_selector, "k1");
	arc_verifier_free(&v);
	built_msg(&b, build_set(&a, &s2, &chain));
	buf_reset(&names);
	v = verifier(0, 0, 0);
	r = judge_built(v, &b, &names);
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_string_equal(buf_cstr(&names), "k1._domainkey.seal.example "
	    "k0._domainkey.seal.example");
	assert_int_equal(r->signatures_verified, 4);
	arc_verifier_free(&v);
	free(b.data);
	free(a.data);
	free(m.data);
	buf_deinit(&chain);
	buf_deinit(&names);
}

/* an AMS with l=: a body of exactly l= bytes is all signed; one byte
 * more is a pass with content after l= (ams_partial); one byte less
 * fails (RFC 6376 3.5: a signer cannot hash more body than there is) */
static void
test_ams_length(void **state)
{
	static const struct {
		long l;
		enum arc_res want;
		bool partial;
	} cases[] = {
		{ 6, ARC_RES_PASS, false },	/* "body\r\n" */
		{ 5, ARC_RES_PASS, true },
		{ 0, ARC_RES_PASS, true },
		{ 7, ARC_RES_FAIL, false },
	};
	struct buf chain = BUF_INIT;
	struct msg m, a;
	size_t i;

	(void)state;
	bkeys_make();
	plain_msg(&m);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct setspec s = { 1, "none", 0, 0, false, cases[i].l, 0,
		    false };
		struct arc_verifier *v = verifier(0, 0, 0);
		const struct arc_result *r;

		buf_truncate(&chain, 0);
		built_msg(&a, build_set(&m, &s, &chain));
		r = judge_built(v, &a, NULL);
		print_message("l=%ld: arc=%s (%s) partial %d\n", cases[i].l,
		    arc_res_name(r->res), r->reason, r->set[0].ams_partial);
		assert_int_equal(r->res, cases[i].want);
		assert_int_equal(r->set[0].ams_partial, cases[i].partial);
		if (cases[i].want == ARC_RES_FAIL)
			assert_string_equal(r->reason,
			    "ARC-Message-Signature i=1: body shorter than l=");
		arc_verifier_free(&v);
		free(a.data);
	}
	free(m.data);
	buf_deinit(&chain);
}

/* change - the first from in m's text changed to to (same length): a
 * hop that modifies the message before it seals */
static void
change(struct msg *m, const char *from, const char *to)
{
	char *at = strstr(m->data, from);

	assert_non_null(at);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(at, to, strlen(to));
}

/* three sets: RFC 8617 5.2 steps 4-7 with the signature cap. Set 1's
 * AMS has l= and so a body hash of its own, verified all the same
 * (within ARC_VERIFY_MAX_BODIES); older AMSs are checked while
 * max_signatures leaves room; oldest-pass is the set above the newest
 * AMS that fails; the seals stop at the first that fails */
static void
test_three_sets(void **state)
{
	static const struct {
		const char *label;
		bool change1, change2;	/* Subject after set 1, To after 2 */
		bool bad_as2;
		size_t max_sigs;
		enum arc_res want;
		const char *reason;
		bool known;
		unsigned oldest_pass;
		size_t verified;
	} cases[] = {
		{ "unchanged", false, false, false, 0, ARC_RES_PASS, "",
		  true, 0, 6 },
		{ "room for one older AMS", false, false, false, 5,
		  ARC_RES_PASS, "", false, 0, 5 },
		{ "room for both older AMSs", false, false, false, 6,
		  ARC_RES_PASS, "", true, 0, 6 },
		{ "changed after set 1", true, false, false, 0, ARC_RES_PASS,
		  "", true, 2, 6 },
		{ "changed after sets 1 and 2", true, true, false, 0,
		  ARC_RES_PASS, "", true, 3, 5 },
		{ "seal 2 does not verify", false, false, true, 0,
		  ARC_RES_FAIL, "ARC-Seal i=2: signature did not verify",
		  false, 0, 5 },
	};
	struct buf chain = BUF_INIT;
	struct msg m, a, b, c;
	size_t i;

	(void)state;
	bkeys_make();
	plain_msg(&m);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct setspec s1 = { 1, "none", 0, 0, false, 6, 0, false };
		struct setspec s2 = { 2, "pass", 1, 0, false, -1, 0, false };
		struct setspec s3 = { 3, "pass", 0, 1, false, -1, 0, false };
		struct arc_verifier *v;
		const struct arc_result *r;

		s2.bad_as = cases[i].bad_as2;
		buf_truncate(&chain, 0);
		built_msg(&a, build_set(&m, &s1, &chain));
		if (cases[i].change1)
			change(&a, "Subject: hi", "Subject: HI");
		built_msg(&b, build_set(&a, &s2, &chain));
		if (cases[i].change2)
			change(&b, "To: b@b.example", "To: c@b.example");
		built_msg(&c, build_set(&b, &s3, &chain));
		v = verifier(0, cases[i].max_sigs, 0);
		r = judge_built(v, &c, NULL);
		print_message("%s: arc=%s (%s) oldest-pass %u%s, %zu "
		    "verified\n", cases[i].label, arc_res_name(r->res),
		    r->reason, r->oldest_pass, r->oldest_pass_known ? "" :
		    " (unknown)", r->signatures_verified);
		assert_int_equal(r->res, cases[i].want);
		assert_string_equal(r->reason, cases[i].reason);
		assert_int_equal(r->oldest_pass_known, cases[i].known);
		assert_int_equal(r->oldest_pass, cases[i].oldest_pass);
		assert_int_equal(r->signatures_verified, cases[i].verified);
		assert_int_equal(r->sets, 3);
		arc_verifier_free(&v);
		free(c.data);
		free(b.data);
		free(a.data);
	}
	free(m.data);
	buf_deinit(&chain);
}

/* the ARC fields need not be on top: fields added above and between
 * the sets (Received, as each hop adds one) are passed over; the AAR
 * text ends where its value does, whatever field follows */
static void
test_sets_among_fields(void **state)
{
	struct setspec s1 = { 1, "none", 0, 0, false, -1, 0, false };
	struct setspec s2 = { 2, "pass", 0, 0, false, -1, 0, false };
	struct buf chain = BUF_INIT, text = BUF_INIT;
	struct arc_verifier *v;
	const struct arc_result *r;
	struct msg m, a, b;

	(void)state;
	bkeys_make();
	m.data = strdup("From:a@a.example\nSubject:hi\nTo:b@b.example\n\n"
	    "body\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	split(&m);
	built_msg(&a, build_set(&m, &s1, &chain));
	buf_append_str(&text, "Received:by hop2.example\n");
	buf_append(&text, a.data, a.len);
	free(a.data);
	built_msg(&a, buf_steal(&text));
	built_msg(&b, build_set(&a, &s2, &chain));
	buf_append_str(&text, "Received: by hop3.example\n");
	buf_append(&text, b.data, b.len);
	free(b.data);
	built_msg(&b, buf_steal(&text));
	v = verifier(0, 0, 0);
	r = judge_built(v, &b, NULL);
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_int_equal(r->sets, 2);
	assert_true(r->oldest_pass_known);
	assert_int_equal(r->oldest_pass, 0);
	assert_string_equal(r->set[0].aar, "mx.seal.example; spf=pass");
	assert_string_equal(r->set[1].aar, "mx.seal.example; spf=pass");
	arc_verifier_free(&v);
	free(b.data);
	free(a.data);
	free(m.data);
	buf_deinit(&chain);
	buf_deinit(&text);
}

/* rsa-sha1 (RFC 8301) only when allowed; t= in the future beyond the
 * clock skew */
static void
test_seal_policy(void **state)
{
	struct setspec sha1 = { 1, "none", 0, 0, true, -1, 0, false };
	struct setspec future = { 1, "none", 0, 0, false, -1, NOW + 301,
	    false };
	struct setspec skewed = { 1, "none", 0, 0, false, -1, NOW + 299,
	    false };
	struct buf chain = BUF_INIT;
	struct arc_verify_params p;
	struct arc_verifier *v;
	const struct arc_result *r;
	struct msg m, a;

	(void)state;
	bkeys_make();
	plain_msg(&m);
	built_msg(&a, build_set(&m, &sha1, &chain));
	v = verifier(0, 0, 0);
	r = judge_built(v, &a, NULL);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason,
	    "ARC-Seal i=1: rsa-sha1 not accepted (RFC 8301)");
	assert_string_equal(r->set[0].as_alg, "rsa-sha1");
	arc_verifier_free(&v);
	arc_verify_params_init(&p);
	p.now = NOW;
	p.allow_rsa_sha1 = true;
	v = arc_verifier_new(&p);
	r = judge_built(v, &a, NULL);
	assert_int_equal(r->res, ARC_RES_PASS);
	arc_verifier_free(&v);
	free(a.data);
	buf_truncate(&chain, 0);
	built_msg(&a, build_set(&m, &future, &chain));
	v = verifier(0, 0, 0);
	r = judge_built(v, &a, NULL);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason, "ARC-Message-Signature i=1: "
	    "signature timestamp in the future");
	arc_verifier_free(&v);
	free(a.data);
	buf_truncate(&chain, 0);
	built_msg(&a, build_set(&m, &skewed, &chain));
	v = verifier(0, 0, 0);
	r = judge_built(v, &a, NULL);
	assert_int_equal(r->res, ARC_RES_PASS);
	arc_verifier_free(&v);
	free(a.data);
	free(m.data);
	buf_deinit(&chain);
}

/* arc_seal_make: instances 1..50 only; t= written only when set; the
 * AMS relaxed/relaxed; no From, nothing to sign */
static void
test_seal_make_edges(void **state)
{
	static const char *const names[] = { "From", "Subject", "To" };
	struct arc_seal_params p;
	struct buf aar = BUF_INIT, ams = BUF_INIT, as = BUF_INIT;
	unsigned char bh[CRYPTO_DIGEST_MAX];
	const char *why;
	struct msg m;
	size_t bhlen;

	(void)state;
	bkeys_make();
	plain_msg(&m);
	bhlen = body_hash(&m, bh);
	memset(&p, 0, sizeof(p));
	p.domain = "seal.example";
	p.selector = "k0";
	p.key = bkeys[0];
	p.cv = "pass";
	p.sign_headers = names;
	p.nsign = 3;
	p.authres = "mx.seal.example; spf=pass";
	p.instance = 0;
	why = NULL;
	assert_false(arc_seal_make(&p, m.h, m.nh, bh, bhlen, NULL, 0, &aar,
	    &ams, &as, &why));
	assert_string_equal(why, "ARC chain is full (50 sets)");
	p.instance = 51;
	why = NULL;
	assert_false(arc_seal_make(&p, m.h, m.nh, bh, bhlen, NULL, 0, &aar,
	    &ams, &as, &why));
	assert_string_equal(why, "ARC chain is full (50 sets)");
	assert_int_equal(aar.len + ams.len + as.len, 0);
	p.instance = 50;
	p.t = 0;
	assert_true(arc_seal_make(&p, m.h, m.nh, bh, bhlen, NULL, 0, &aar,
	    &ams, &as, &why));
	assert_non_null(strstr(buf_cstr(&as), " i=50; cv=pass;"));
	assert_null(strstr(buf_cstr(&as), "t="));
	assert_null(strstr(buf_cstr(&ams), "t="));
	assert_non_null(strstr(buf_cstr(&ams), "c=relaxed/relaxed"));
	assert_non_null(strstr(buf_cstr(&ams), "h=From:Subject:To;"));
	assert_string_equal(buf_cstr(&aar), " i=50; mx.seal.example; spf=pass");
	buf_reset(&aar);
	buf_reset(&ams);
	buf_reset(&as);
	p.t = 1;
	assert_true(arc_seal_make(&p, m.h, m.nh, bh, bhlen, NULL, 0, &aar,
	    &ams, &as, &why));
	assert_non_null(strstr(buf_cstr(&as), " t=1;"));
	assert_non_null(strstr(buf_cstr(&ams), " t=1;"));
	buf_reset(&aar);
	buf_reset(&ams);
	buf_reset(&as);
	free(m.data);
	/* no From: the AMS cannot be made, nothing is returned */
	m.data = strdup("Subject: hi\n\nbody\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	split(&m);
	why = NULL;
	assert_false(arc_seal_make(&p, m.h, m.nh, bh, bhlen, NULL, 0, &aar,
	    &ams, &as, &why));
	assert_non_null(why);
	assert_int_equal(aar.len + ams.len + as.len, 0);
	free(m.data);
	buf_deinit(&aar);
	buf_deinit(&ams);
	buf_deinit(&as);
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
		cmocka_unit_test(test_names_and_defaults),
		cmocka_unit_test(test_field_names),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_aar_instance_at_end),
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_key_lookups),
		cmocka_unit_test(test_key_answers),
		cmocka_unit_test(test_set_view),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_key_exponent),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_older_bodies_bounded),
		cmocka_unit_test(test_aar),
		cmocka_unit_test(test_trust_newer_sets),
		cmocka_unit_test(test_seal_verify),
		cmocka_unit_test(test_seal_sign_headers),
		cmocka_unit_test(test_odd_sets),
		cmocka_unit_test(test_oldest_seal_checked),
		cmocka_unit_test(test_two_keys),
		cmocka_unit_test(test_ams_length),
		cmocka_unit_test(test_three_sets),
		cmocka_unit_test(test_sets_among_fields),
		cmocka_unit_test(test_seal_policy),
		cmocka_unit_test(test_seal_make_edges),
		cmocka_unit_test(test_aar_resinfo_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
