/* test_dkim_verify_results.c - the verifier end to end on the RFC 8463
 * example: both signatures pass (CRLF or bare LF, any chunking), and the
 * result that tampering, each key answer, the key and hash policy and the
 * clock give; the result words and the defaults */
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

/* The RSA key above with a larger public exponent: each exponent bit
 * costs a multiplication when verifying */
#define RSA_E_REC(e) "v=DKIM1; k=rsa; p=" \
    "MIGlMA0GCSqGSIb3DQEBAQUAA4GTADCBjwKBgQDkHlOQoBTzWRiGs5V6NpP3idY6" \
    "Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/" \
    "e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G" \
    "+2kryOTIKT+l/K4w3QIJA" e "AAAAAAAAAB"

static const struct tk_key rfc_keys_e64[] = {	/* e = 2^63 + 1 */
	{ DVFX_ED_NAME, DNS_R_ANSWER, DVFX_ED_REC },
	{ DVFX_RSA_NAME, DNS_R_ANSWER, RSA_E_REC("I") },
};

static const struct tk_key rfc_keys_e65[] = {	/* e = 2^64 + 1 */
	{ DVFX_ED_NAME, DNS_R_ANSWER, DVFX_ED_REC },
	{ DVFX_RSA_NAME, DNS_R_ANSWER, RSA_E_REC("Q") },
};

static void
test_rfc8463_example_passes_both(void **state)
{
	struct tk_outcome o;
	size_t chunk;

	(void)state;
	for (chunk = 0; chunk < 8; chunk++) {
		dvfx_run(dvfx_rfc8463_msg, dvfx_rfc_keys, 2, chunk, &o);
		assert_int_equal(o.count, 2);
		dvfx_expect(&o, 0, DKIM_RES_PASS, "");
		dvfx_expect(&o, 1, DKIM_RES_PASS, "");
	}
	assert_string_equal(o.key_name[0], DVFX_ED_NAME);
	assert_string_equal(o.key_name[1], DVFX_RSA_NAME);
	assert_int_equal(o.r[1].key_bits, 1024);
	assert_false(o.r[0].l_used);
}

static void
test_rfc8463_example_with_bare_lf_passes(void **state)
{
	struct tk_outcome o;
	struct buf b = BUF_INIT;
	const char *p;

	(void)state;
	for (p = dvfx_rfc8463_msg; *p; p++)
		if (*p != '\r')
			buf_append_byte(&b, (unsigned char)*p);
	dvfx_run(buf_cstr(&b), dvfx_rfc_keys, 2, 3, &o);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");
	dvfx_expect(&o, 1, DKIM_RES_PASS, "");
	buf_deinit(&b);
}

static void
test_tampering_is_detected(void **state)
{
	static const struct {
		const char *label, *from, *to;
		enum dkim_res res;
		const char *reason;
	} cases[] = {
		{ "body changed", "hungry", "angry", DKIM_RES_FAIL,
		  "body hash mismatch" },
		{ "signed header changed", "dinner", "lunch", DKIM_RES_FAIL,
		  "signature did not verify" },
		{ "From added above (oversigned)", "From: Joe",
		  "From: Mallory <m@evil.example>\r\nFrom: Joe",
		  DKIM_RES_FAIL, "signature did not verify" },
		{ "Subject added below (oversigned)", "Date: Fri",
		  "Subject: two\r\nDate: Fri", DKIM_RES_FAIL,
		  "signature did not verify" },
		{ "unsigned header added", "Message-ID:",
		  "X-Mailer: any\r\nMessage-ID:", DKIM_RES_PASS, "" },
		{ "whitespace changed (relaxed)", "Is dinner ready?",
		  "Is   dinner\tready?  ", DKIM_RES_PASS, "" },
		{ "trailing blank lines added", "Joe.\r\n\r\n",
		  "Joe.\r\n\r\n\r\n\r\n", DKIM_RES_PASS, "" },
		{ "header folded anew (relaxed)", "Subject: Is dinner",
		  "Subject: Is\r\n dinner", DKIM_RES_PASS, "" },
		{ "b= changed", "b=/gCr", "b=/gCs", DKIM_RES_FAIL,
		  "signature did not verify" },
		{ "bad base64 in b=", "b=/gCr", "b=/g!r", DKIM_RES_PERMERROR,
		  "bad base64 in b=" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = dvfx_replace(dvfx_rfc8463_msg, cases[i].from,
		    cases[i].to);
		struct tk_outcome o;

		dvfx_run(m, dvfx_rfc_keys, 2, 5, &o);
		assert_int_equal(o.count, 2);
		print_message("# %s\n", cases[i].label);
		dvfx_expect(&o, 0, cases[i].res, cases[i].reason);
		free(m);
	}
}

static void
test_key_answers_map_to_results(void **state)
{
	static const struct {
		const char *label;
		enum dns_status status;
		const char *txt;
		enum dkim_res res;
		const char *reason;
	} cases[] = {
		{ "nxdomain", DNS_R_NXDOMAIN, NULL, DKIM_RES_PERMERROR, "no key" },
		{ "nodata", DNS_R_NODATA, NULL, DKIM_RES_PERMERROR, "no key" },
		{ "timeout", DNS_R_TIMEOUT, NULL, DKIM_RES_TEMPERROR,
		  "key lookup timed out" },
		{ "servfail", DNS_R_SERVFAIL, NULL, DKIM_RES_TEMPERROR,
		  "key lookup failed (SERVFAIL)" },
		{ "bogus", DNS_R_BOGUS, NULL, DKIM_RES_TEMPERROR,
		  "key lookup failed DNSSEC validation" },
		{ "error", DNS_R_ERROR, NULL, DKIM_RES_TEMPERROR,
		  "key lookup error" },
		{ "revoked", DNS_R_ANSWER, "v=DKIM1; k=ed25519; p=",
		  DKIM_RES_PERMERROR, "key revoked" },
		{ "wrong k=", DNS_R_ANSWER, DVFX_RSA_REC, DKIM_RES_PERMERROR,
		  "key type mismatch" },
		{ "h=sha1 only", DNS_R_ANSWER, DVFX_ED_REC "; h=sha1",
		  DKIM_RES_PERMERROR, "hash not allowed by key h=" },
		{ "h= lists sha256", DNS_R_ANSWER,
		    DVFX_ED_REC "; h=sha1:sha256",
		  DKIM_RES_PASS, "" },
		{ "h=sha256 only", DNS_R_ANSWER, DVFX_ED_REC "; h=sha256",
		  DKIM_RES_PASS, "" },
		{ "t=s with i= equal to d=", DNS_R_ANSWER, DVFX_ED_REC "; t=s",
		  DKIM_RES_PASS, "" },
		{ "s=email", DNS_R_ANSWER, DVFX_ED_REC "; s=email",
		    DKIM_RES_PASS, "" },
		{ "s=other", DNS_R_ANSWER, DVFX_ED_REC "; s=other",
		  DKIM_RES_PERMERROR, "key not for email" },
		{ "syntax error", DNS_R_ANSWER, "v=DKIM1; k=ed25519; p",
		  DKIM_RES_PERMERROR, "malformed key record" },
		{ "unknown tag ignored", DNS_R_ANSWER, DVFX_ED_REC "; zz=top",
		  DKIM_RES_PASS, "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tk_key keys[2] = {
			{ DVFX_ED_NAME, cases[i].status, cases[i].txt },
			{ DVFX_RSA_NAME, DNS_R_ANSWER, DVFX_RSA_REC },
		};
		struct tk_outcome o;

		print_message("# %s\n", cases[i].label);
		dvfx_run(dvfx_rfc8463_msg, keys, 2, 0, &o);
		dvfx_expect(&o, 0, cases[i].res, cases[i].reason);
		dvfx_expect(&o, 1, DKIM_RES_PASS, "");
	}
}

static void
test_policy_limits(void **state)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct tk_outcome o;

	(void)state;
	p.min_rsa_bits = 2048;
	tk_verify((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, 0, dvfx_rfc_keys, 2, &o);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");
	dvfx_expect(&o, 1, DKIM_RES_POLICY, "key too small");

	/* the RFC key has 1024 bits: both bounds take it */
	p = dvfx_params(DVFX_RFC_NOW);
	p.min_rsa_bits = p.max_rsa_bits = 1024;
	tk_verify((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, 0, dvfx_rfc_keys, 2, &o);
	dvfx_expect(&o, 1, DKIM_RES_PASS, "");

	p = dvfx_params(DVFX_RFC_NOW);
	p.max_rsa_bits = 512;
	tk_verify((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, 0, dvfx_rfc_keys, 2, &o);
	dvfx_expect(&o, 1, DKIM_RES_POLICY, "key too large");

	/* the RFC key's modulus with a public exponent of 64 bits (2^63+1:
	 * verified, so the signature fails) and of 65 bits (2^64+1: refused
	 * before any work, as a key too large is) */
	p = dvfx_params(DVFX_RFC_NOW);
	tk_verify((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, 0, rfc_keys_e64, 2, &o);
	dvfx_expect(&o, 1, DKIM_RES_FAIL, "signature did not verify");
	tk_verify((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, 0, rfc_keys_e65, 2, &o);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");
	dvfx_expect(&o, 1, DKIM_RES_POLICY, "key exponent too large");

	p = dvfx_params(DVFX_RFC_NOW);
	p.max_signatures = 1;
	tk_verify((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, 0, dvfx_rfc_keys, 2, &o);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.ignored, 1);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");

	p = dvfx_params(DVFX_RFC_NOW);
	p.max_headers = 3;
	tk_verify((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, 0, dvfx_rfc_keys, 2, &o);
	dvfx_expect(&o, 0, DKIM_RES_PERMERROR, "header too large");
}

static void
test_clock_judges_t_and_x(void **state)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW - 3600);
	struct tk_outcome o;
	char *m;

	(void)state;
	tk_verify((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, 0, dvfx_rfc_keys, 2, &o);
	dvfx_expect(&o, 0, DKIM_RES_PERMERROR,
	    "signature timestamp in the future");
	assert_string_equal(o.key_name[0], "");	/* no lookup wanted */
	p.now = DVFX_RFC_NOW - 200;	/* within the default 300 s skew */
	tk_verify((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, 0, dvfx_rfc_keys, 2, &o);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");
	/* x= changes the signed header, so only the judgement is checked */
	m = dvfx_replace(dvfx_rfc8463_msg, "t=1528637909; h=from : to :\r\n",
	    "t=1528637909; x=1528637910; h=from : to :\r\n");
	p.now = DVFX_RFC_NOW + 1 + 300;	/* at the edge of the skew */
	tk_verify((const unsigned char *)m, strlen(m), &p, 0, dvfx_rfc_keys, 2,
	    &o);
	dvfx_expect(&o, 0, DKIM_RES_FAIL, "signature did not verify");
	p.now = DVFX_RFC_NOW + 1 + 301;
	tk_verify((const unsigned char *)m, strlen(m), &p, 0, dvfx_rfc_keys, 2,
	    &o);
	dvfx_expect(&o, 0, DKIM_RES_PERMERROR, "signature expired");
	free(m);
}

static void
test_no_signature_gives_no_results(void **state)
{
	const char *m = "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n";
	struct tk_outcome o;

	(void)state;
	dvfx_run(m, dvfx_rfc_keys, 2, 0, &o);
	assert_int_equal(o.count, 0);
}

static void
test_missing_key_answer_is_temperror(void **state)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct dkim_verifier *v = dkim_verifier_new(&p);
	static const char sig[] = " v=1; a=rsa-sha256; d=example.com; s=s; "
	    "h=from; bh=AAAA; b=AAAA";
	const struct dkim_result *r;

	(void)state;
	assert_int_equal(dkim_verifier_header(v,
	    (const unsigned char *)"DKIM-Signature", 14,
	    (const unsigned char *)sig, strlen(sig)), 0);
	assert_string_equal(dkim_verifier_key_name(v, 0),
	    "s._domainkey.example.com");
	dkim_verifier_eom(v);
	r = dkim_verifier_result(v, 0);
	assert_int_equal(r->result, DKIM_RES_TEMPERROR);
	assert_string_equal(r->reason, "no key answer");
	assert_string_equal(r->b8, "AAAA");
	dkim_verifier_free(&v);
	assert_null(v);
}

/* answer_with - run the RFC 8463 message giving the Ed25519 signature an
 * answer of several records */
static void
answer_with(struct dns_rr *rr, size_t n, enum dkim_res res, const char *why,
    const char *record)
{
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct dkim_verifier *v = dkim_verifier_new(&p);
	struct dns_answer a;
	const struct dkim_result *r;
	const unsigned char *m = (const unsigned char *)dvfx_rfc8463_msg;
	size_t pos = 0, len = strlen(dvfx_rfc8463_msg);
	struct msg_field f;

	memset(&a, 0, sizeof(a));
	a.status = DNS_R_ANSWER;
	a.count = n;
	a.rr = rr;
	while (msg_next_field(m, len, &pos, &f) == 1)
		(void)dkim_verifier_header(v, f.name, f.name_len, f.value,
		    f.value_len);
	dkim_verifier_key_answer(v, 0, &a);
	dkim_verifier_key_answer(v, 1, NULL);	/* ignored */
	dkim_verifier_eoh(v);
	dkim_verifier_body(v, m + pos, len - pos);
	dkim_verifier_eom(v);
	r = dkim_verifier_result(v, 0);
	assert_non_null(r);
	assert_int_equal(r->result, res);
	assert_string_equal(r->reason, why);
	assert_string_equal(r->domain, "football.example.com");
	assert_string_equal(r->selector, "brisbane");
	assert_string_equal(r->algorithm, "ed25519-sha256");
	assert_string_equal(r->b8, "/gCrinpc");
	assert_string_equal(r->auid, "@football.example.com");
	/* the record judged: the key, or the first one that was not */
	assert_string_equal(r->key_record, record);
	assert_int_equal(dkim_verifier_result(v, 1)->result, DKIM_RES_TEMPERROR);
	dkim_verifier_free(&v);
}

static void
test_several_records_in_an_answer(void **state)
{
	struct dns_rr rr[3];

	(void)state;
	memset(rr, 0, sizeof(rr));
	rr[0].type = DNS_T_TXT;
	rr[0].text = (char *)"v=spf1 -all";
	rr[0].text_len = strlen(rr[0].text);
	rr[1].type = DNS_T_CNAME;	/* not TXT: skipped */
	rr[1].text = (char *)"p=";
	rr[1].text_len = 2;
	rr[2].type = DNS_T_TXT;
	rr[2].text = (char *)DVFX_ED_REC;
	rr[2].text_len = strlen(DVFX_ED_REC);
	answer_with(rr, 3, DKIM_RES_PASS, "", DVFX_ED_REC);
	/* "v=spf1" reads as a key record of the wrong version */
	answer_with(rr, 2, DKIM_RES_PERMERROR, "bad key version",
	    "v=spf1 -all");
	answer_with(rr, 0, DKIM_RES_PERMERROR, "no key", "");
	/* of two unusable records, the first one is the reason */
	rr[1].type = DNS_T_TXT;
	rr[1].text = (char *)"v=DKIM1; k=ed25519; p";
	rr[1].text_len = strlen(rr[1].text);
	answer_with(rr, 2, DKIM_RES_PERMERROR, "bad key version",
	    "v=spf1 -all");
	answer_with(rr + 1, 1, DKIM_RES_PERMERROR, "malformed key record",
	    "v=DKIM1; k=ed25519; p");
	/* a revoked record ends the search, the key after it is not used */
	rr[1].text = (char *)"v=DKIM1; k=ed25519; p=";
	rr[1].text_len = strlen(rr[1].text);
	answer_with(rr, 3, DKIM_RES_PERMERROR, "key revoked",
	    "v=DKIM1; k=ed25519; p=");
}

static void
test_body_shorter_than_l_fails(void **state)
{
	char *m = dvfx_replace(dvfx_rfc8463_msg, "s=brisbane;",
	    "l=4000; s=brisbane;");
	struct tk_outcome o;

	(void)state;
	dvfx_run(m, dvfx_rfc_keys, 2, 0, &o);
	dvfx_expect(&o, 0, DKIM_RES_FAIL, "body shorter than l=");
	assert_true(o.r[0].l_used);
	free(m);
}

static void
test_mutated_messages_never_crash(void **state)
{
	size_t len = strlen(dvfx_rfc8463_msg), iter, k;
	char *m = malloc(len + 1);
	uint32_t seed = 4242;
	struct tk_outcome o;

	(void)state;
	assert_non_null(m);
	for (iter = 0; iter < 3000; iter++) {
		memcpy(m, dvfx_rfc8463_msg, len + 1);
		for (k = 0; k < 1 + iter % 6; k++) {
			seed = seed * 1103515245u + 12345u;
			m[(seed >> 8) % len] = (char)(seed >> 24);
		}
		dvfx_run(m, dvfx_rfc_keys, 2, iter % 17, &o);
		assert_true(o.count <= 2);
		for (k = 0; k < o.count; k++)
			if (o.r[k].result == DKIM_RES_PASS)
				assert_string_equal(o.reason[k], "");
	}
	free(m);
}

/* the result words and the documented defaults */
static void
test_names_and_defaults(void **state)
{
	static const char *const words[] = {
		"pass", "fail", "neutral", "policy", "temperror", "permerror"
	};
	struct dkim_verify_params p;
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++)
		assert_string_equal(dkim_res_name((enum dkim_res)i), words[i]);
	memset(&p, 0xa5, sizeof(p));
	dkim_verify_params_init(&p);
	assert_int_equal(p.max_signatures, DKIM_VERIFY_MAX_SIGNATURES);
	assert_false(p.allow_rsa_sha1);
	assert_false(p.allow_partial_body);
	assert_int_equal(p.min_rsa_bits, 1024);
	assert_int_equal(p.max_rsa_bits, 8192);
	assert_int_equal(p.clock_skew, 300);
	assert_int_equal(p.now, 0);
	assert_int_equal(p.max_header_bytes, DKIM_VERIFY_MAX_HEADER_BYTES);
	assert_int_equal(p.max_headers, DKIM_VERIFY_MAX_HEADERS);
	assert_int_equal(p.max_field_bytes, DKIM_VERIFY_MAX_HEADER_BYTES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8463_example_passes_both),
		cmocka_unit_test(test_rfc8463_example_with_bare_lf_passes),
		cmocka_unit_test(test_tampering_is_detected),
		cmocka_unit_test(test_key_answers_map_to_results),
		cmocka_unit_test(test_policy_limits),
		cmocka_unit_test(test_clock_judges_t_and_x),
		cmocka_unit_test(test_no_signature_gives_no_results),
		cmocka_unit_test(test_missing_key_answer_is_temperror),
		cmocka_unit_test(test_several_records_in_an_answer),
		cmocka_unit_test(test_body_shorter_than_l_fails),
		cmocka_unit_test(test_mutated_messages_never_crash),
		cmocka_unit_test(test_names_and_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
