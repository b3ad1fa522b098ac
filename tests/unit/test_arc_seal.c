/* test_arc_seal.c - ARC sealing (RFC 8617 5.1): arc_seal_make extending
 * its own chain with a key generated here, judged by the verifier; the
 * SignHeaders an AMS must never sign; the instances and tags it writes */
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
#include "core/arc_seal.h"

/* The SignHeaders the sealing tests use by default */
static const char *const plain_names[] = { "From", "Subject", "To" };

/* seal_with - seal m (after the sets in chain) with key, the AMS given
 * names as SignHeaders; returns the sealed message (CRLF-ended new
 * fields, then m) */
static char *
seal_with(const struct arcfx_msg *m, const struct crypto_privkey *key,
    unsigned instance, const char *cv, const unsigned char *chain,
    size_t chain_len, const char *const *names, size_t nnames)
{
	struct arc_seal_params p;
	struct buf aar = BUF_INIT, ams = BUF_INIT, as = BUF_INIT, out = BUF_INIT;
	unsigned char bh[CRYPTO_DIGEST_MAX];
	const char *why = NULL;
	size_t bhlen;

	bhlen = arcfx_body_hash(m, bh);
	memset(&p, 0, sizeof(p));
	p.domain = "seal.example";
	p.selector = "s1";
	p.key = key;
	p.instance = instance;
	p.cv = cv;
	p.t = ARCFX_NOW - 10;
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
seal_once(const struct arcfx_msg *m, const struct crypto_privkey *key,
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
	struct arcfx_msg m, s1, s2;
	struct arc_verifier *v;
	const struct arc_result *r;
	const unsigned char *chain;
	size_t chain_len;
	unsigned sets;
	char *w;

	(void)state;
	key = arcfx_seal_key(&rec);
	arcfx_plain_msg(&m);
	w = seal_once(&m, key, 1, "none", NULL, 0);
	arcfx_lf(w);
	s1.data = w;
	s1.len = strlen(w);
	arcfx_split(&s1);
	v = arcfx_verifier(0, 0, 0);
	r = arcfx_judge_seal(v, &s1, buf_cstr(&rec));
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_true(arc_verifier_chain(v, &chain, &chain_len, &sets));
	assert_int_equal(sets, 1);
	w = seal_once(&s1, key, 2, "pass", chain, chain_len);
	arc_verifier_free(&v);
	arcfx_lf(w);
	s2.data = w;
	s2.len = strlen(w);
	arcfx_split(&s2);
	v = arcfx_verifier(0, 0, 0);
	r = arcfx_judge_seal(v, &s2, buf_cstr(&rec));
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
	struct arcfx_msg m, s1, s2;
	struct arc_verifier *v;
	const struct arc_result *r;
	const unsigned char *chain;
	size_t chain_len, i;
	unsigned sets;
	char *w;

	(void)state;
	key = arcfx_seal_key(&rec);
	m.data = strdup("Authentication-Results: mx.seal.example; none\n"
	    "From: a@a.example\nSubject: hi\nTo: b@b.example\n\nbody\n");
	assert_non_null(m.data);
	m.len = strlen(m.data);
	arcfx_split(&m);
	w = seal_with(&m, key, 1, "none", NULL, 0, names, 5);
	arcfx_lf(w);
	r = arcfx_judge_sealed(&s1, w, &v, buf_cstr(&rec), "one set");
	assert_int_equal(r->res, ARC_RES_PASS);
	assert_true(arc_verifier_chain(v, &chain, &chain_len, &sets));
	w = seal_with(&s1, key, 2, "pass", chain, chain_len, names, 5);
	arc_verifier_free(&v);
	arcfx_lf(w);
	r = arcfx_judge_sealed(&s2, w, &v, buf_cstr(&rec),
	    "SignHeaders ARC-Seal");
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
	struct arcfx_msg m;
	size_t bhlen;

	(void)state;
	arcfx_bkeys_make();
	arcfx_plain_msg(&m);
	bhlen = arcfx_body_hash(&m, bh);
	memset(&p, 0, sizeof(p));
	p.domain = "seal.example";
	p.selector = "k0";
	p.key = arcfx_bkeys[0];
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
	arcfx_split(&m);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_verify),
		cmocka_unit_test(test_seal_sign_headers),
		cmocka_unit_test(test_seal_make_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
