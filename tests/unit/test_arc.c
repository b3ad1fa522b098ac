/* test_arc.c - the ARC core: chains sealed by dkimpy (tests/arc, made by
 * tests/arc/gen_fixtures.py) judged by arc_verify with canned key
 * answers; caps; the trusted-sealer AAR reader; and seal-then-verify
 * with a key generated here (arc_seal extending its own chain) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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
};

static const struct chain_case chain_cases[] = {
	{ "1 set", "chain1.eml", DNS_R_ANSWER, 0, 0, 0, ARC_RES_PASS, "", 1, 0 },
	{ "2 sets", "chain2.eml", DNS_R_ANSWER, 0, 0, 0, ARC_RES_PASS, "", 2, 0 },
	{ "footer after the last seal", "chain3-footer.eml", DNS_R_ANSWER,
	  0, 0, 0, ARC_RES_FAIL, "ARC-Message-Signature i=3: body hash "
	  "mismatch", 3, 0 },
	{ "changed before set 2", "list-mod.eml", DNS_R_ANSWER, 0, 0, 0,
	  ARC_RES_PASS, "", 2, 2 },
	{ "no key", "chain2.eml", DNS_R_NXDOMAIN, 0, 0, 0, ARC_RES_FAIL,
	  "i=2: no key", 2, 0 },
	{ "key timeout", "chain1.eml", DNS_R_TIMEOUT, 0, 0, 0, ARC_RES_FAIL,
	  "key lookup timed out", 1, 0 },
	{ "ARCMaxSets 1", "chain2.eml", DNS_R_ANSWER, 1, 0, 0, ARC_RES_FAIL,
	  "more than 1 ARC sets", 0, 0 },
	{ "ARCMaxSignatures 2", "chain2.eml", DNS_R_ANSWER, 0, 2, 0,
	  ARC_RES_FAIL, "need more than 2 signature checks", 2, 0 },
	{ "ARCMaxHeaderBytes", "chain2.eml", DNS_R_ANSWER, 0, 0, 1000,
	  ARC_RES_FAIL, "ARC fields over 1000 bytes", 2, 0 },
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
	struct arc_set_result set[2];
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
		if (cases[i].want)
			assert_int_equal(t.instance, 1);
	}
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
};

/* RFC 8617 4.1.1: arc-info = instance [CFWS] ";" ..., after the field's
 * own [CFWS]: comments around the instance of an AAR */
static const struct odd_case odd_cases[] = {
	{ "comment before i=", " (hop 1) i=1; mx.seal.example; spf=pass",
	  ARC_RES_PASS, "" },
	{ "comment after the instance", " i=1 (first);\r\n\tmx.seal.example;"
	  " spf=pass", ARC_RES_PASS, "" },
	{ "nested comments and a quoted pair", " (a (b \\) c)) i=1 ((x));"
	  " mx.seal.example; spf=pass", ARC_RES_PASS, "" },
	{ "comment that does not end", " (hop i=1; mx.seal.example; spf=pass",
	  ARC_RES_FAIL, "ARC-Authentication-Results without a valid i=" },
	{ "comments nested nine deep", " (((((((((x))))))))) i=1;"
	  " mx.seal.example; spf=pass", ARC_RES_FAIL,
	  "ARC-Authentication-Results without a valid i=" },
	{ "comment between i and =", " i (x) =1; mx.seal.example; spf=pass",
	  ARC_RES_FAIL, "ARC-Authentication-Results without a valid i=" },
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
			assert_string_equal(r->set[0].aar,
			    "mx.seal.example; spf=pass");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_names),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_key_exponent),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_older_bodies_bounded),
		cmocka_unit_test(test_aar),
		cmocka_unit_test(test_trust_newer_sets),
		cmocka_unit_test(test_seal_verify),
		cmocka_unit_test(test_seal_sign_headers),
		cmocka_unit_test(test_odd_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
