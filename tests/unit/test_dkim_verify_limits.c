/* test_dkim_verify_limits.c - the verifier's caps: header and field
 * bytes, body hashes shared and bounded, and the signatures taken past
 * max_signatures (dkim_verifier_admit) */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dkim_verify_fixtures.h"
#include "../dkim/msgsplit.h"

/* A signature that comes after the header block went over a cap is
 * permerror like those before it, named by its d= and s=; it was
 * dropped, so a signed message whose cap tripped above its signatures
 * (Received fields added in transit go on top) was reported dkim=none,
 * "not signed" (RFC 8601 2.7.1). */
static void
test_signature_after_header_cap(void **state)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct tk_outcome o;
	char *m;
	size_t i;

	(void)state;
	p.max_headers = 1;	/* the second signature is over the cap */
	tk_verify((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, 0, dvfx_rfc_keys, 2, &o);
	assert_int_equal(o.count, 2);
	assert_int_equal(o.ignored, 0);
	dvfx_expect(&o, 0, DKIM_RES_PERMERROR, "header too large");
	dvfx_expect(&o, 1, DKIM_RES_PERMERROR, "header too large");
	assert_string_equal(o.domain[1], "football.example.com");
	assert_string_equal(o.key_name[1], "");	/* no lookup wanted */

	m = dvfx_replace(dvfx_rfc8463_msg, "DKIM-Signature: v=1; a=ed25519",
	    "Received: one\r\nReceived: two\r\nReceived: three\r\n"
	    "DKIM-Signature: v=1; a=ed25519");
	p.max_headers = 2;	/* both signatures are over the cap */
	tk_verify((const unsigned char *)m, strlen(m), &p, 0, dvfx_rfc_keys, 2,
	    &o);
	assert_int_equal(o.count, 2);
	for (i = 0; i < 2; i++)
		dvfx_expect(&o, i, DKIM_RES_PERMERROR, "header too large");
	/* the cap on signatures still holds for them */
	p.max_signatures = 1;
	tk_verify((const unsigned char *)m, strlen(m), &p, 0, dvfx_rfc_keys, 2,
	    &o);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.ignored, 1);
	free(m);
}

static void
test_body_hashes_are_shared(void **state)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct dkim_verifier *v = dkim_verifier_new(&p);
	static const char *sigs[] = {
		" v=1; a=rsa-sha256; c=relaxed/relaxed; d=e.com; s=a; h=from; bh=AAAA; b=AAAA",
		" v=1; a=ed25519-sha256; c=simple/relaxed; d=e.com; s=b; h=from; bh=AAAA; b=AAAA",
		" v=1; a=rsa-sha256; c=relaxed; d=e.com; s=c; h=from; bh=AAAA; b=AAAA",
		" v=1; a=rsa-sha256; c=relaxed/relaxed; d=e.com; s=d; l=5; h=from; bh=AAAA; b=AAAA",
		" v=1; a=rsa-sha256; c=relaxed/relaxed; d=e.com; s=e; l=5; h=from; bh=AAAA; b=AAAA",
	};
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(dkim_verifier_header(v,
		    (const unsigned char *)"DKIM-Signature", 14,
		    (const unsigned char *)sigs[i], strlen(sigs[i])), (int)i);
	dkim_verifier_eoh(v);
	/* relaxed+sha256 (a, b), simple+sha256 (c), relaxed+sha256+l=5 (d, e) */
	assert_int_equal(dkim_verifier_body_hashers(v), 3);
	dkim_verifier_free(&v);
}

/* Each distinct (c, a, l=) is a pass over the whole body: no more than
 * DKIM_VERIFY_MAX_BODIES are made, given from the bottom up (fields
 * added in transit go on top). Signatures above them get "policy"; those
 * that share one of them are still verified. */
static void
test_body_hashes_are_bounded(void **state)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct dkim_verifier *v;
	const struct dkim_result *r;
	const size_t nsig = DKIM_VERIFY_MAX_BODIES + 4;
	char sig[160];
	size_t i;

	(void)state;
	p.max_signatures = 50;
	v = dkim_verifier_new(&p);
	for (i = 0; i < nsig; i++) {
		/* the last one asks l=1 again: the first shares its hash */
		(void)snprintf(sig, sizeof(sig), " v=1; a=rsa-sha256; "
		    "c=relaxed/relaxed; d=e.com; s=s%zu; l=%zu; h=from; "
		    "bh=AAAA; b=AAAA", i, i + 1 < nsig ? i + 1 : (size_t)1);
		assert_int_equal(dkim_verifier_header(v,
		    (const unsigned char *)"DKIM-Signature", 14,
		    (const unsigned char *)sig, strlen(sig)), (int)i);
	}
	dkim_verifier_eoh(v);
	assert_int_equal(dkim_verifier_body_hashers(v), DKIM_VERIFY_MAX_BODIES);
	dkim_verifier_body(v, (const unsigned char *)"a body\r\n", 8);
	dkim_verifier_eom(v);
	assert_int_equal(dkim_verifier_result_count(v), nsig);
	for (i = 0; i < nsig; i++) {
		/* the bottom one and the 7 above it take the 8 hashes;
		 * the top one (l=1) shares the bottom one's */
		bool over = i >= 1 && i < nsig - DKIM_VERIFY_MAX_BODIES;

		r = dkim_verifier_result(v, i);
		assert_int_equal(r->result == DKIM_RES_POLICY &&
		    strcmp(r->reason, "too many body hashes") == 0, over);
	}
	dkim_verifier_free(&v);
}

/* prefer_x - dkim_verifier_admit's callback: d=x.com only */
static bool
prefer_x(const char *d, void *arg)
{
	(*(int *)arg)++;
	return strcmp(d, "x.com") == 0;
}

/* Signatures beyond max_signatures that the caller prefers (the
 * author's) are taken after all, the bottom-most two, once, before eoh;
 * the rest stay ignored. */
static void
test_admit_takes_the_bottom_preferred(void **state)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct dkim_verifier *v;
	int idx[DKIM_VERIFY_EXTRA_PREFERRED], asked = 0;

	(void)state;
	p.max_signatures = 2;
	v = dkim_verifier_new(&p);
	assert_int_equal(dvfx_add_sig(v, "a.com", "s0"), 0);
	assert_int_equal(dvfx_add_sig(v, "x.com", "s1"), 1);
	/* beyond */
	assert_int_equal(dvfx_add_sig(v, "x.com", "s2"), -1);
	assert_int_equal(dkim_verifier_header(v,
	    (const unsigned char *)"DKIM-Signature", 14,
	    (const unsigned char *)" v=1; broken", 12), -1);
	assert_int_equal(dvfx_add_sig(v, "x.com", "s4"), -1);
	assert_int_equal(dkim_verifier_header(v, (const unsigned char *)"From",
	    4, (const unsigned char *)" a@x.com", 8), -1);
	assert_int_equal(dvfx_add_sig(v, "x.com", "s5"), -1);
	assert_int_equal(dvfx_add_sig(v, "y.com", "s6"), -1);
	assert_int_equal(dkim_verifier_ignored(v), 5);

	assert_int_equal(dkim_verifier_admit(v, prefer_x, &asked, idx), 2);
	assert_int_equal(asked, 3);	/* s6, s5, s4: not s2 nor the broken one */
	assert_int_equal(idx[0], 2);
	assert_int_equal(idx[1], 3);
	assert_string_equal(dkim_verifier_key_name(v, 2),
	    "s5._domainkey.x.com");
	assert_string_equal(dkim_verifier_key_name(v, 3),
	    "s4._domainkey.x.com");
	assert_int_equal(dkim_verifier_ignored(v), 3);
	/* no more room: s2 stays out */
	assert_int_equal(dkim_verifier_admit(v, prefer_x, &asked, idx), 0);
	dkim_verifier_eoh(v);
	dkim_verifier_eom(v);
	assert_int_equal(dkim_verifier_result_count(v), 4);
	assert_string_equal(dkim_verifier_result(v, 2)->selector, "s5");
	dkim_verifier_free(&v);

	/* after eoh the header block is gone: nothing is admitted */
	v = dkim_verifier_new(&p);
	(void)dvfx_add_sig(v, "x.com", "s0");
	(void)dvfx_add_sig(v, "x.com", "s1");
	(void)dvfx_add_sig(v, "x.com", "s2");
	dkim_verifier_eoh(v);
	assert_int_equal(dkim_verifier_admit(v, prefer_x, &asked, idx), 0);
	assert_int_equal(dkim_verifier_ignored(v), 1);
	dkim_verifier_free(&v);
}

/* max_field_bytes: a field of that many bytes with its colon is taken,
 * one more is over the cap (every signature: permerror) */
static void
test_field_bytes_cap(void **state)
{
	const unsigned char *m = (const unsigned char *)dvfx_rfc8463_msg;
	size_t len = strlen(dvfx_rfc8463_msg), pos = 0, longest = 0;
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct msg_field f;
	struct tk_outcome o;

	(void)state;
	while (msg_next_field(m, len, &pos, &f) == 1)
		if (f.name_len + 1 + f.value_len > longest)
			longest = f.name_len + 1 + f.value_len;
	p.max_field_bytes = longest;
	tk_verify(m, len, &p, 0, dvfx_rfc_keys, 2, &o);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");
	dvfx_expect(&o, 1, DKIM_RES_PASS, "");
	p.max_field_bytes = longest - 1;
	tk_verify(m, len, &p, 0, dvfx_rfc_keys, 2, &o);
	dvfx_expect(&o, 0, DKIM_RES_PERMERROR, "header too large");
	dvfx_expect(&o, 1, DKIM_RES_PERMERROR, "header too large");
}

/* max_header_bytes counts the names and the values (as given) of all
 * fields: a block of exactly that many bytes is taken, one more is over
 * the cap; so is a single field */
static void
test_header_bytes_cap(void **state)
{
	static const char sig[] = " v=1; a=rsa-sha256; d=example.com; s=s; "
	    "h=from; bh=AAAA; b=AAAA";
	const unsigned char *m = (const unsigned char *)dvfx_rfc8463_msg;
	size_t len = strlen(dvfx_rfc8463_msg), pos = 0, total = 0;
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct dkim_verifier *v;
	struct msg_field f;
	struct tk_outcome o;
	size_t i;

	(void)state;
	while (msg_next_field(m, len, &pos, &f) == 1)
		total += f.name_len + f.value_len;
	p.max_header_bytes = total;
	tk_verify(m, len, &p, 0, dvfx_rfc_keys, 2, &o);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");
	dvfx_expect(&o, 1, DKIM_RES_PASS, "");
	p.max_header_bytes = total - 1;
	tk_verify(m, len, &p, 0, dvfx_rfc_keys, 2, &o);
	dvfx_expect(&o, 0, DKIM_RES_PERMERROR, "header too large");
	dvfx_expect(&o, 1, DKIM_RES_PERMERROR, "header too large");
	/* one field alone, at the cap and one byte over it */
	for (i = 0; i < 2; i++) {
		const struct dkim_result *r;

		p = dvfx_params(DVFX_RFC_NOW);
		p.max_header_bytes = 14 + strlen(sig) - i;
		v = dkim_verifier_new(&p);
		assert_int_equal(dkim_verifier_header(v,
		    (const unsigned char *)"DKIM-Signature", 14,
		    (const unsigned char *)sig, strlen(sig)), 0);
		dkim_verifier_eom(v);
		r = dkim_verifier_result(v, 0);
		assert_int_equal(r->result, i == 0 ? DKIM_RES_TEMPERROR :
		    DKIM_RES_PERMERROR);
		assert_string_equal(r->reason, i == 0 ? "no key answer" :
		    "header too large");
		dkim_verifier_free(&v);
	}
	/* a field folded with a bare LF (as milters pass it) counts as
	 * given, as the session's MaxHeaderBytes does, not as the CRLF
	 * form kept for hashing: a block the session kept fits here too */
	for (i = 0; i < 2; i++) {
		const struct dkim_result *r;

		p = dvfx_params(DVFX_RFC_NOW);
		p.max_header_bytes = 3 + 4 + 14 + strlen(sig) - i;
		v = dkim_verifier_new(&p);
		assert_int_equal(dkim_verifier_header(v,
		    (const unsigned char *)"X-A", 3,
		    (const unsigned char *)"a\n b", 4), -1);
		assert_int_equal(dkim_verifier_header(v,
		    (const unsigned char *)"DKIM-Signature", 14,
		    (const unsigned char *)sig, strlen(sig)), 0);
		dkim_verifier_eom(v);
		r = dkim_verifier_result(v, 0);
		assert_string_equal(r->reason, i == 0 ? "no key answer" :
		    "header too large");
		dkim_verifier_free(&v);
	}
}

/* a signature over the header cap stays "header too large" whatever
 * answer is given for it (no lookup was asked) */
static void
test_over_cap_signature_ignores_answers(void **state)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct dkim_verifier *v;
	struct dns_answer a;
	int idx;

	(void)state;
	p.max_headers = 1;
	p.max_signatures = 1;
	v = dkim_verifier_new(&p);
	assert_int_equal(dkim_verifier_header(v, (const unsigned char *)"From",
	    4, (const unsigned char *)" a@e.com", 8), -1);
	idx = dvfx_add_sig(v, "e.com", "s");
	assert_int_equal(idx, 0);
	assert_null(dkim_verifier_key_name(v, idx));
	/* over the caps, a field not DKIM-Signature or a signature beyond
	 * max_signatures has no index */
	assert_int_equal(dkim_verifier_header(v, (const unsigned char *)"From",
	    4, (const unsigned char *)" b@e.com", 8), -1);
	memset(&a, 0, sizeof(a));
	a.status = DNS_R_NXDOMAIN;
	dkim_verifier_key_answer(v, idx, &a);
	assert_int_equal(dvfx_add_sig(v, "e.com", "t"), -1);
	dkim_verifier_eom(v);
	assert_int_equal(dkim_verifier_result(v, 0)->result,
	    DKIM_RES_PERMERROR);
	assert_string_equal(dkim_verifier_result(v, 0)->reason,
	    "header too large");
	assert_string_equal(dkim_verifier_result(v, 0)->selector, "s");
	assert_int_equal(dkim_verifier_result_count(v), 1);
	dkim_verifier_free(&v);
}

/* dkim_verifier_admit: the first signature beyond the cap is one it
 * looks at; many beyond the cap are all remembered in order */
static void
test_admit_edges(void **state)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct dkim_verifier *v;
	int idx[DKIM_VERIFY_EXTRA_PREFERRED], asked = 0;
	char sel[16];
	size_t i, n;

	(void)state;
	p.max_signatures = 1;
	v = dkim_verifier_new(&p);
	assert_int_equal(dvfx_add_sig(v, "a.com", "s0"), 0);
	assert_int_equal(dvfx_add_sig(v, "x.com", "s1"), -1);
	assert_int_equal(dkim_verifier_admit(v, prefer_x, &asked, idx), 1);
	assert_int_equal(idx[0], 1);
	assert_string_equal(dkim_verifier_key_name(v, 1),
	    "s1._domainkey.x.com");
	dkim_verifier_free(&v);
	/* 20 beyond the cap, x.com only at the bottom two */
	v = dkim_verifier_new(&p);
	assert_int_equal(dvfx_add_sig(v, "a.com", "s0"), 0);
	for (i = 1; i <= 20; i++) {
		(void)snprintf(sel, sizeof(sel), "s%zu", i);
		assert_int_equal(dvfx_add_sig(v, i >= 19 ? "x.com" : "y.com",
		    sel), -1);
	}
	assert_int_equal(dkim_verifier_ignored(v), 20);
	asked = 0;
	assert_int_equal(dkim_verifier_admit(v, prefer_x, &asked, idx), 2);
	assert_int_equal(asked, 2);
	assert_string_equal(dkim_verifier_key_name(v, idx[0]),
	    "s20._domainkey.x.com");
	assert_string_equal(dkim_verifier_key_name(v, idx[1]),
	    "s19._domainkey.x.com");
	dkim_verifier_free(&v);
	/* x.com at the top two of the 20: all 20 are looked at */
	v = dkim_verifier_new(&p);
	assert_int_equal(dvfx_add_sig(v, "a.com", "s0"), 0);
	for (i = 1; i <= 20; i++) {
		(void)snprintf(sel, sizeof(sel), "s%zu", i);
		(void)dvfx_add_sig(v, i <= 2 ? "x.com" : "y.com", sel);
	}
	asked = 0;
	assert_int_equal(dkim_verifier_admit(v, prefer_x, &asked, idx), 2);
	assert_int_equal(asked, 20);
	assert_string_equal(dkim_verifier_key_name(v, idx[0]),
	    "s2._domainkey.x.com");
	assert_string_equal(dkim_verifier_key_name(v, idx[1]),
	    "s1._domainkey.x.com");
	dkim_verifier_free(&v);
	/* of 70 beyond the cap, the bottom 64 (the verifier's hard
	 * ceiling on signatures) are looked at: s7 is the last */
	for (n = 0; n < 2; n++) {
		size_t at = 7 - n;

		v = dkim_verifier_new(&p);
		assert_int_equal(dvfx_add_sig(v, "a.com", "s0"), 0);
		for (i = 1; i <= 70; i++) {
			(void)snprintf(sel, sizeof(sel), "s%zu", i);
			(void)dvfx_add_sig(v, i == at ? "x.com" : "y.com", sel);
		}
		asked = 0;
		assert_int_equal(dkim_verifier_admit(v, prefer_x, &asked, idx),
		    n == 0 ? 1 : 0);
		assert_int_equal(asked, 64);
		dkim_verifier_free(&v);
	}
	/* max_signatures and the two admitted, each with a body hash of
	 * its own (l=): all are judged */
	p.max_signatures = 5;
	v = dkim_verifier_new(&p);
	for (i = 1; i <= 7; i++) {
		char sig[160];

		(void)snprintf(sig, sizeof(sig), " v=1; a=rsa-sha256; "
		    "c=relaxed/relaxed; d=x.com; s=s%zu; l=%zu; h=from; "
		    "bh=AAAA; b=AAAA", i, i);
		assert_int_equal(dkim_verifier_header(v,
		    (const unsigned char *)"DKIM-Signature", 14,
		    (const unsigned char *)sig, strlen(sig)), i <= 5 ?
		    (int)i - 1 : -1);
	}
	assert_int_equal(dkim_verifier_admit(v, prefer_x, &asked, idx), 2);
	dkim_verifier_eoh(v);
	assert_int_equal(dkim_verifier_body_hashers(v), 7);
	dkim_verifier_body(v, (const unsigned char *)"a body\r\n", 8);
	dkim_verifier_eom(v);
	assert_int_equal(dkim_verifier_result_count(v), 7);
	for (i = 0; i < 7; i++) {
		const struct dkim_result *r = dkim_verifier_result(v, i);

		(void)snprintf(sel, sizeof(sel), "s%zu", i < 5 ? i + 1 :
		    12 - i);
		assert_int_equal(r->result, DKIM_RES_TEMPERROR);
		assert_string_equal(r->reason, "no key answer");
		assert_string_equal(r->selector, sel);
	}
	dkim_verifier_free(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_after_header_cap),
		cmocka_unit_test(test_body_hashes_are_shared),
		cmocka_unit_test(test_body_hashes_are_bounded),
		cmocka_unit_test(test_admit_takes_the_bottom_preferred),
		cmocka_unit_test(test_field_bytes_cap),
		cmocka_unit_test(test_header_bytes_cap),
		cmocka_unit_test(test_over_cap_signature_ignores_answers),
		cmocka_unit_test(test_admit_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
