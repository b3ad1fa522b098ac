/* test_arc_sigs.c - the seals and AMSs of an ARC chain as the verifier
 * judges them (RFC 8617 5.2 steps 4-7): the public view of each set, and
 * sets signed here by hand, set by set, with keys generated here, so
 * that a set can hold what our sealer never writes (a bad seal, l=,
 * rsa-sha1, two keys, a t= in the future) */
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
#include "core/dkim_canon.h"

/* the public view of each set, and the verifier's life: the chain a
 * sealer extends is offered only once the structure is sound, and after
 * eom only when it passed */
static void
test_set_view(void **state)
{
	char *rec = arcfx_key_record();
	struct arc_verifier *v;
	const struct arc_result *r;
	const unsigned char *chain;
	size_t chain_len, i;
	unsigned sets;
	struct arcfx_msg m;

	(void)state;
	arcfx_load(&m, "chain2.eml");
	v = arcfx_verifier(0, 0, 0);
	assert_null(arc_verifier_result(v));
	assert_false(arc_verifier_chain(v, &chain, &chain_len, &sets));
	for (i = 0; i < m.nh; i++) {
		int idx = arc_verifier_header(v, m.h[i].name, m.h[i].name_len,
		    m.h[i].value, m.h[i].value_len);
	
		if (idx >= 0)
			arcfx_answer(v, idx, DNS_R_ANSWER, rec, NULL);
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
	arcfx_load(&m, "chain3-footer.eml");
	v = arcfx_verifier(0, 0, 0);
	r = arcfx_judge(v, &m, DNS_R_ANSWER, rec);
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
	arcfx_load(&m, "list-mod.eml");
	v = arcfx_verifier(0, 0, 0);
	r = arcfx_judge(v, &m, DNS_R_ANSWER, rec);
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
	arcfx_plain_msg(&m);
	v = arcfx_verifier(0, 0, 0);
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
	v = arcfx_verifier(0, 0, 0);
	arc_verifier_eom(v);
	r = arc_verifier_result(v);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason, "no end of header");
	arc_verifier_free(&v);
	free(m.data);
	free(rec);
}

/* One set for build_set: signed by hand, so that it can hold what our
 * sealer never writes */
struct setspec {
	unsigned inst;
	const char *cv;
	int as_key, ams_key;	/* selector k<n>, key arcfx_bkeys[n] */
	bool as_sha1;		/* a=rsa-sha1 seal */
	long l;			/* AMS l=, -1: none */
	int64_t t;		/* t= of both; 0: ARCFX_NOW - 10 */
	bool bad_as;		/* the seal signs other bytes */
};

/* find_field - the bottom-most field named name */
static const struct dkim_header *
find_field(const struct arcfx_msg *m, const char *name)
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
build_set(const struct arcfx_msg *m, const struct setspec *s, struct buf *chain)
{
	static const char *const names[] = { "From", "Subject", "To" };
	struct buf ams = BUF_INIT, as = BUF_INIT, hashed = BUF_INIT;
	struct buf out = BUF_INIT, aar = BUF_INIT;
	struct dkim_body *b;
	unsigned char bh[CRYPTO_DIGEST_MAX];
	int64_t t = s->t ? s->t : ARCFX_NOW - 10;
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
	sign_into(arcfx_bkeys[s->ams_key], CRYPTO_HASH_SHA256, &hashed, false,
	    &ams);
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
	sign_into(arcfx_bkeys[s->as_key], s->as_sha1 ? CRYPTO_HASH_SHA1 :
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
judge_built(struct arc_verifier *v, struct arcfx_msg *m, struct buf *names)
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
			arcfx_answer(v, idx, DNS_R_ANSWER,
			    buf_cstr(&arcfx_brecs[0]), NULL);
		else if (strcmp(kn, "k1._domainkey.seal.example") == 0)
			arcfx_answer(v, idx, DNS_R_ANSWER,
			    buf_cstr(&arcfx_brecs[1]), NULL);
	}
	arc_verifier_eoh(v, m->h, m->nh, true);
	arc_verifier_body(v, m->body, m->body_len);
	arc_verifier_eom(v);
	return arc_verifier_result(v);
}

/* built_msg - s from the text w (taking it) */
static void
built_msg(struct arcfx_msg *s, char *w)
{
	memset(s, 0, sizeof(*s));
	s->data = w;
	s->len = strlen(w);
	arcfx_split(s);
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
	struct arcfx_msg m, a, b;
	int good;

	(void)state;
	arcfx_bkeys_make();
	arcfx_plain_msg(&m);
	for (good = 0; good <= 1; good++) {
		s1.bad_as = !good;
		buf_truncate(&chain, 0);
		built_msg(&a, build_set(&m, &s1, &chain));
		/* the Subject set 1's AMS signed changes (same length) */
		memcpy(strstr(a.data, "Subject: hi"), "Subject: HI", 11);
		built_msg(&b, build_set(&a, &s2, &chain));
		v = arcfx_verifier(0, 0, 0);
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
	struct arcfx_msg m, a, b;

	(void)state;
	arcfx_bkeys_make();
	arcfx_plain_msg(&m);
	built_msg(&a, build_set(&m, &s1, &chain));
	v = arcfx_verifier(0, 0, 0);
	r = judge_built(v, &a, &names);
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_string_equal(buf_cstr(&names), "k0._domainkey.seal.example "
	    "k1._domainkey.seal.example");
	assert_string_equal(r->set[0].as_selector, "k0");
	assert_string_equal(r->set[0].ams_selector, "k1");
	arc_verifier_free(&v);
	built_msg(&b, build_set(&a, &s2, &chain));
	buf_reset(&names);
	v = arcfx_verifier(0, 0, 0);
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
	struct arcfx_msg m, a;
	size_t i;

	(void)state;
	arcfx_bkeys_make();
	arcfx_plain_msg(&m);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct setspec s = { 1, "none", 0, 0, false, cases[i].l, 0,
		    false };
		struct arc_verifier *v = arcfx_verifier(0, 0, 0);
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
change(struct arcfx_msg *m, const char *from, const char *to)
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
	struct arcfx_msg m, a, b, c;
	size_t i;

	(void)state;
	arcfx_bkeys_make();
	arcfx_plain_msg(&m);
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
		v = arcfx_verifier(0, cases[i].max_sigs, 0);
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
	struct arcfx_msg m, a, b;

	(void)state;
	arcfx_bkeys_make();
	m.data = strdup("From:a@a.example\nSubject:hi\nTo:b@b.example\n\n"
	    "body\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	arcfx_split(&m);
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
	v = arcfx_verifier(0, 0, 0);
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
	struct setspec future = { 1, "none", 0, 0, false, -1, ARCFX_NOW + 301,
	    false };
	struct setspec skewed = { 1, "none", 0, 0, false, -1, ARCFX_NOW + 299,
	    false };
	struct buf chain = BUF_INIT;
	struct arc_verify_params p;
	struct arc_verifier *v;
	const struct arc_result *r;
	struct arcfx_msg m, a;

	(void)state;
	arcfx_bkeys_make();
	arcfx_plain_msg(&m);
	built_msg(&a, build_set(&m, &sha1, &chain));
	v = arcfx_verifier(0, 0, 0);
	r = judge_built(v, &a, NULL);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason,
	    "ARC-Seal i=1: rsa-sha1 not accepted (RFC 8301)");
	assert_string_equal(r->set[0].as_alg, "rsa-sha1");
	arc_verifier_free(&v);
	arc_verify_params_init(&p);
	p.now = ARCFX_NOW;
	p.allow_rsa_sha1 = true;
	v = arc_verifier_new(&p);
	r = judge_built(v, &a, NULL);
	assert_int_equal(r->res, ARC_RES_PASS);
	arc_verifier_free(&v);
	free(a.data);
	buf_truncate(&chain, 0);
	built_msg(&a, build_set(&m, &future, &chain));
	v = arcfx_verifier(0, 0, 0);
	r = judge_built(v, &a, NULL);
	assert_int_equal(r->res, ARC_RES_FAIL);
	assert_string_equal(r->reason, "ARC-Message-Signature i=1: "
	    "signature timestamp in the future");
	arc_verifier_free(&v);
	free(a.data);
	buf_truncate(&chain, 0);
	built_msg(&a, build_set(&m, &skewed, &chain));
	v = arcfx_verifier(0, 0, 0);
	r = judge_built(v, &a, NULL);
	assert_int_equal(r->res, ARC_RES_PASS);
	arc_verifier_free(&v);
	free(a.data);
	free(m.data);
	buf_deinit(&chain);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_view),
		cmocka_unit_test(test_oldest_seal_checked),
		cmocka_unit_test(test_two_keys),
		cmocka_unit_test(test_ams_length),
		cmocka_unit_test(test_three_sets),
		cmocka_unit_test(test_sets_among_fields),
		cmocka_unit_test(test_seal_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
