/* test_dkim_verify.c - the verifier end to end on whole messages: the
 * RFC 8463 example, tampering, key answers, caps, and sign-then-verify
 * with keys generated here */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../dkim/msgsplit.h"
#include "../dkim/testkit.h"
#include "core/headers.h"
#include "util/arena.h"
#include "util/buf.h"

/* RFC 8463 Appendix A.3: signed by football.example.com with Ed25519
 * (selector brisbane) and RSA (selector test). */
static const char rfc8463_msg[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
    " date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n"
    "\r\n";

#define ED_NAME "brisbane._domainkey.football.example.com"
#define RSA_NAME "test._domainkey.football.example.com"
/* RFC 8463 Appendix A.2 */
#define ED_REC "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define RSA_REC "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR" \
    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC" \
    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3" \
    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
#define RFC_NOW 1528637909

static const struct tk_key rfc_keys[] = {
	{ ED_NAME, DNS_R_ANSWER, ED_REC },
	{ RSA_NAME, DNS_R_ANSWER, RSA_REC },
};

/* The RSA key above with a larger public exponent: each exponent bit
 * costs a multiplication when verifying */
#define RSA_E_REC(e) "v=DKIM1; k=rsa; p=" \
    "MIGlMA0GCSqGSIb3DQEBAQUAA4GTADCBjwKBgQDkHlOQoBTzWRiGs5V6NpP3idY6" \
    "Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/" \
    "e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G" \
    "+2kryOTIKT+l/K4w3QIJA" e "AAAAAAAAAB"

static const struct tk_key rfc_keys_e64[] = {	/* e = 2^63 + 1 */
	{ ED_NAME, DNS_R_ANSWER, ED_REC },
	{ RSA_NAME, DNS_R_ANSWER, RSA_E_REC("I") },
};
static const struct tk_key rfc_keys_e65[] = {	/* e = 2^64 + 1 */
	{ ED_NAME, DNS_R_ANSWER, ED_REC },
	{ RSA_NAME, DNS_R_ANSWER, RSA_E_REC("Q") },
};

/* params - defaults at a given time */
static struct dkim_verify_params
params(int64_t now)
{
	struct dkim_verify_params p;

	dkim_verify_params_init(&p);
	p.now = now;
	return p;
}

/* replace - msg with the first "from" replaced by "to" */
static char *
replace(const char *msg, const char *from, const char *to)
{
	const char *at = strstr(msg, from);
	struct buf b = BUF_INIT;

	assert_non_null(at);
	buf_append(&b, msg, (size_t)(at - msg));
	buf_append_str(&b, to);
	buf_append_str(&b, at + strlen(from));
	return buf_steal(&b);
}

/* run - verify msg with the RFC keys (or keys) at RFC_NOW */
static void
run(const char *msg, const struct tk_key *keys, size_t nkeys, size_t chunk,
    struct tk_outcome *o)
{
	struct dkim_verify_params p = params(RFC_NOW + 60);

	tk_verify((const unsigned char *)msg, strlen(msg), &p, chunk, keys,
	    nkeys, o);
}

/* expect - result i is res with reason */
static void
expect(const struct tk_outcome *o, size_t i, enum dkim_res res,
    const char *reason)
{
	assert_true(i < o->count);
	if (o->r[i].result != res || strcmp(o->reason[i], reason) != 0)
		fail_msg("signature %zu: got %s (%s), want %s (%s)", i,
		    dkim_res_name(o->r[i].result), o->reason[i],
		    dkim_res_name(res), reason);
}

static void
test_rfc8463_example_passes_both(void **state)
{
	struct tk_outcome o;
	size_t chunk;

	(void)state;
	for (chunk = 0; chunk < 8; chunk++) {
		run(rfc8463_msg, rfc_keys, 2, chunk, &o);
		assert_int_equal(o.count, 2);
		expect(&o, 0, DKIM_RES_PASS, "");
		expect(&o, 1, DKIM_RES_PASS, "");
	}
	assert_string_equal(o.key_name[0], ED_NAME);
	assert_string_equal(o.key_name[1], RSA_NAME);
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
	for (p = rfc8463_msg; *p; p++)
		if (*p != '\r')
			buf_append_byte(&b, (unsigned char)*p);
	run(buf_cstr(&b), rfc_keys, 2, 3, &o);
	expect(&o, 0, DKIM_RES_PASS, "");
	expect(&o, 1, DKIM_RES_PASS, "");
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
		char *m = replace(rfc8463_msg, cases[i].from, cases[i].to);
		struct tk_outcome o;

		run(m, rfc_keys, 2, 5, &o);
		assert_int_equal(o.count, 2);
		print_message("# %s\n", cases[i].label);
		expect(&o, 0, cases[i].res, cases[i].reason);
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
		{ "wrong k=", DNS_R_ANSWER, RSA_REC, DKIM_RES_PERMERROR,
		  "key type mismatch" },
		{ "h=sha1 only", DNS_R_ANSWER, ED_REC "; h=sha1",
		  DKIM_RES_PERMERROR, "hash not allowed by key h=" },
		{ "h= lists sha256", DNS_R_ANSWER, ED_REC "; h=sha1:sha256",
		  DKIM_RES_PASS, "" },
		{ "h=sha256 only", DNS_R_ANSWER, ED_REC "; h=sha256",
		  DKIM_RES_PASS, "" },
		{ "t=s with i= equal to d=", DNS_R_ANSWER, ED_REC "; t=s",
		  DKIM_RES_PASS, "" },
		{ "s=email", DNS_R_ANSWER, ED_REC "; s=email", DKIM_RES_PASS, "" },
		{ "s=other", DNS_R_ANSWER, ED_REC "; s=other",
		  DKIM_RES_PERMERROR, "key not for email" },
		{ "syntax error", DNS_R_ANSWER, "v=DKIM1; k=ed25519; p",
		  DKIM_RES_PERMERROR, "malformed key record" },
		{ "unknown tag ignored", DNS_R_ANSWER, ED_REC "; zz=top",
		  DKIM_RES_PASS, "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tk_key keys[2] = {
			{ ED_NAME, cases[i].status, cases[i].txt },
			{ RSA_NAME, DNS_R_ANSWER, RSA_REC },
		};
		struct tk_outcome o;

		print_message("# %s\n", cases[i].label);
		run(rfc8463_msg, keys, 2, 0, &o);
		expect(&o, 0, cases[i].res, cases[i].reason);
		expect(&o, 1, DKIM_RES_PASS, "");
	}
}

static void
test_policy_limits(void **state)
{
	struct dkim_verify_params p = params(RFC_NOW);
	struct tk_outcome o;

	(void)state;
	p.min_rsa_bits = 2048;
	tk_verify((const unsigned char *)rfc8463_msg, strlen(rfc8463_msg), &p,
	    0, rfc_keys, 2, &o);
	expect(&o, 0, DKIM_RES_PASS, "");
	expect(&o, 1, DKIM_RES_POLICY, "key too small");

	/* the RFC key has 1024 bits: both bounds take it */
	p = params(RFC_NOW);
	p.min_rsa_bits = p.max_rsa_bits = 1024;
	tk_verify((const unsigned char *)rfc8463_msg, strlen(rfc8463_msg), &p,
	    0, rfc_keys, 2, &o);
	expect(&o, 1, DKIM_RES_PASS, "");

	p = params(RFC_NOW);
	p.max_rsa_bits = 512;
	tk_verify((const unsigned char *)rfc8463_msg, strlen(rfc8463_msg), &p,
	    0, rfc_keys, 2, &o);
	expect(&o, 1, DKIM_RES_POLICY, "key too large");

	/* the RFC key's modulus with a public exponent of 64 bits (2^63+1:
	 * verified, so the signature fails) and of 65 bits (2^64+1: refused
	 * before any work, as a key too large is) */
	p = params(RFC_NOW);
	tk_verify((const unsigned char *)rfc8463_msg, strlen(rfc8463_msg), &p,
	    0, rfc_keys_e64, 2, &o);
	expect(&o, 1, DKIM_RES_FAIL, "signature did not verify");
	tk_verify((const unsigned char *)rfc8463_msg, strlen(rfc8463_msg), &p,
	    0, rfc_keys_e65, 2, &o);
	expect(&o, 0, DKIM_RES_PASS, "");
	expect(&o, 1, DKIM_RES_POLICY, "key exponent too large");

	p = params(RFC_NOW);
	p.max_signatures = 1;
	tk_verify((const unsigned char *)rfc8463_msg, strlen(rfc8463_msg), &p,
	    0, rfc_keys, 2, &o);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.ignored, 1);
	expect(&o, 0, DKIM_RES_PASS, "");

	p = params(RFC_NOW);
	p.max_headers = 3;
	tk_verify((const unsigned char *)rfc8463_msg, strlen(rfc8463_msg), &p,
	    0, rfc_keys, 2, &o);
	expect(&o, 0, DKIM_RES_PERMERROR, "header too large");
}

/* A signature that comes after the header block went over a cap is
 * permerror like those before it, named by its d= and s=; it was
 * dropped, so a signed message whose cap tripped above its signatures
 * (Received fields added in transit go on top) was reported dkim=none,
 * "not signed" (RFC 8601 2.7.1). */
static void
test_signature_after_header_cap(void **state)
{
	struct dkim_verify_params p = params(RFC_NOW);
	struct tk_outcome o;
	char *m;
	size_t i;

	(void)state;
	p.max_headers = 1;	/* the second signature is over the cap */
	tk_verify((const unsigned char *)rfc8463_msg, strlen(rfc8463_msg), &p,
	    0, rfc_keys, 2, &o);
	assert_int_equal(o.count, 2);
	assert_int_equal(o.ignored, 0);
	expect(&o, 0, DKIM_RES_PERMERROR, "header too large");
	expect(&o, 1, DKIM_RES_PERMERROR, "header too large");
	assert_string_equal(o.domain[1], "football.example.com");
	assert_string_equal(o.key_name[1], "");	/* no lookup wanted */

	m = replace(rfc8463_msg, "DKIM-Signature: v=1; a=ed25519",
	    "Received: one\r\nReceived: two\r\nReceived: three\r\n"
	    "DKIM-Signature: v=1; a=ed25519");
	p.max_headers = 2;	/* both signatures are over the cap */
	tk_verify((const unsigned char *)m, strlen(m), &p, 0, rfc_keys, 2, &o);
	assert_int_equal(o.count, 2);
	for (i = 0; i < 2; i++)
		expect(&o, i, DKIM_RES_PERMERROR, "header too large");
	/* the cap on signatures still holds for them */
	p.max_signatures = 1;
	tk_verify((const unsigned char *)m, strlen(m), &p, 0, rfc_keys, 2, &o);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.ignored, 1);
	free(m);
}

static void
test_clock_judges_t_and_x(void **state)
{
	struct dkim_verify_params p = params(RFC_NOW - 3600);
	struct tk_outcome o;
	char *m;

	(void)state;
	tk_verify((const unsigned char *)rfc8463_msg, strlen(rfc8463_msg), &p,
	    0, rfc_keys, 2, &o);
	expect(&o, 0, DKIM_RES_PERMERROR, "signature timestamp in the future");
	assert_string_equal(o.key_name[0], "");	/* no lookup wanted */
	p.now = RFC_NOW - 200;	/* within the default 300 s skew */
	tk_verify((const unsigned char *)rfc8463_msg, strlen(rfc8463_msg), &p,
	    0, rfc_keys, 2, &o);
	expect(&o, 0, DKIM_RES_PASS, "");
	/* x= changes the signed header, so only the judgement is checked */
	m = replace(rfc8463_msg, "t=1528637909; h=from : to :\r\n",
	    "t=1528637909; x=1528637910; h=from : to :\r\n");
	p.now = RFC_NOW + 1 + 300;	/* at the edge of the skew */
	tk_verify((const unsigned char *)m, strlen(m), &p, 0, rfc_keys, 2, &o);
	expect(&o, 0, DKIM_RES_FAIL, "signature did not verify");
	p.now = RFC_NOW + 1 + 301;
	tk_verify((const unsigned char *)m, strlen(m), &p, 0, rfc_keys, 2, &o);
	expect(&o, 0, DKIM_RES_PERMERROR, "signature expired");
	free(m);
}

static void
test_no_signature_gives_no_results(void **state)
{
	const char *m = "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n";
	struct tk_outcome o;

	(void)state;
	run(m, rfc_keys, 2, 0, &o);
	assert_int_equal(o.count, 0);
}

static void
test_missing_key_answer_is_temperror(void **state)
{
	struct dkim_verify_params p = params(RFC_NOW);
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
	struct dkim_verify_params p = params(RFC_NOW);
	struct dkim_verifier *v = dkim_verifier_new(&p);
	struct dns_answer a;
	const struct dkim_result *r;
	const unsigned char *m = (const unsigned char *)rfc8463_msg;
	size_t pos = 0, len = strlen(rfc8463_msg);
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
	rr[2].text = (char *)ED_REC;
	rr[2].text_len = strlen(ED_REC);
	answer_with(rr, 3, DKIM_RES_PASS, "", ED_REC);
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
test_body_hashes_are_shared(void **state)
{
	struct dkim_verify_params p = params(RFC_NOW);
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
	struct dkim_verify_params p = params(RFC_NOW);
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

/* add_sig - a DKIM-Signature by d= with selector s; its index */
static int
add_sig(struct dkim_verifier *v, const char *d, const char *s)
{
	char sig[160];

	(void)snprintf(sig, sizeof(sig), " v=1; a=rsa-sha256; c=relaxed; "
	    "d=%s; s=%s; h=from; bh=AAAA; b=AAAA", d, s);
	return dkim_verifier_header(v, (const unsigned char *)"DKIM-Signature",
	    14, (const unsigned char *)sig, strlen(sig));
}

/* Signatures beyond max_signatures that the caller prefers (the
 * author's) are taken after all, the bottom-most two, once, before eoh;
 * the rest stay ignored. */
static void
test_admit_takes_the_bottom_preferred(void **state)
{
	struct dkim_verify_params p = params(RFC_NOW);
	struct dkim_verifier *v;
	int idx[DKIM_VERIFY_EXTRA_PREFERRED], asked = 0;

	(void)state;
	p.max_signatures = 2;
	v = dkim_verifier_new(&p);
	assert_int_equal(add_sig(v, "a.com", "s0"), 0);
	assert_int_equal(add_sig(v, "x.com", "s1"), 1);
	assert_int_equal(add_sig(v, "x.com", "s2"), -1);	/* beyond */
	assert_int_equal(dkim_verifier_header(v,
	    (const unsigned char *)"DKIM-Signature", 14,
	    (const unsigned char *)" v=1; broken", 12), -1);
	assert_int_equal(add_sig(v, "x.com", "s4"), -1);
	assert_int_equal(dkim_verifier_header(v, (const unsigned char *)"From",
	    4, (const unsigned char *)" a@x.com", 8), -1);
	assert_int_equal(add_sig(v, "x.com", "s5"), -1);
	assert_int_equal(add_sig(v, "y.com", "s6"), -1);
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
	(void)add_sig(v, "x.com", "s0");
	(void)add_sig(v, "x.com", "s1");
	(void)add_sig(v, "x.com", "s2");
	dkim_verifier_eoh(v);
	assert_int_equal(dkim_verifier_admit(v, prefer_x, &asked, idx), 0);
	assert_int_equal(dkim_verifier_ignored(v), 1);
	dkim_verifier_free(&v);
}

static void
test_body_shorter_than_l_fails(void **state)
{
	char *m = replace(rfc8463_msg, "s=brisbane;", "l=4000; s=brisbane;");
	struct tk_outcome o;

	(void)state;
	run(m, rfc_keys, 2, 0, &o);
	expect(&o, 0, DKIM_RES_FAIL, "body shorter than l=");
	assert_true(o.r[0].l_used);
	free(m);
}

static void
test_mutated_messages_never_crash(void **state)
{
	size_t len = strlen(rfc8463_msg), iter, k;
	char *m = malloc(len + 1);
	uint32_t seed = 4242;
	struct tk_outcome o;

	(void)state;
	assert_non_null(m);
	for (iter = 0; iter < 3000; iter++) {
		memcpy(m, rfc8463_msg, len + 1);
		for (k = 0; k < 1 + iter % 6; k++) {
			seed = seed * 1103515245u + 12345u;
			m[(seed >> 8) % len] = (char)(seed >> 24);
		}
		run(m, rfc_keys, 2, iter % 17, &o);
		assert_true(o.count <= 2);
		for (k = 0; k < o.count; k++)
			if (o.r[k].result == DKIM_RES_PASS)
				assert_string_equal(o.reason[k], "");
	}
	free(m);
}

/* describe - every field of every result, one line each */
static void
describe(struct dkim_verifier *v, struct buf *out)
{
	struct buf store = BUF_INIT;
	struct dkim_detail d;
	size_t i;

	for (i = 0; i < dkim_verifier_result_count(v); i++) {
		const struct dkim_result *r = dkim_verifier_result(v, i);

		dkim_verifier_detail(v, i, &store, &d);
		buf_printf(out, "%d|%s|%s|%s|%s|%s|%s|%d%d%d|%u|%s|%s|%s|%s|%s|%s\n",
		    (int)r->result, r->reason, r->domain, r->selector,
		    r->algorithm, r->b8, r->auid != NULL ? r->auid : "(none)",
		    r->l_used, r->l_partial, r->testing, r->key_bits,
		    r->key_name, r->key_record, d.canon, r->signed_headers,
		    d.body_hash, d.body_hash_computed);
	}
	buf_deinit(&store);
	buf_printf(out, "ignored %zu hashers %zu\n", dkim_verifier_ignored(v),
	    dkim_verifier_body_hashers(v));
}

/* answer_keys - the key answer from keys[] for every signature */
static void
answer_keys(struct dkim_verifier *v, size_t nsigs, const struct tk_key *keys,
    size_t nkeys)
{
	size_t i, k;

	for (i = 0; i < nsigs; i++) {
		const char *name = dkim_verifier_key_name(v, (int)i);
		struct dns_answer a;
		struct dns_rr rr;

		if (name == NULL)
			continue;
		memset(&a, 0, sizeof(a));
		memset(&rr, 0, sizeof(rr));
		a.status = DNS_R_NXDOMAIN;
		for (k = 0; k < nkeys; k++)
			if (strcmp(name, keys[k].name) == 0) {
				rr.type = DNS_T_TXT;
				rr.text = (char *)keys[k].txt;
				rr.text_len = strlen(rr.text);
				a.status = DNS_R_ANSWER;
				a.count = 1;
				a.rr = &rr;
			}
		dkim_verifier_key_answer(v, (int)i, &a);
	}
}

/* lf_folds - value with every CRLF turned into a bare LF (as Postfix
 * hands folded fields to a milter), NUL-terminated, in arena */
static unsigned char *
lf_folds(struct arena *a, const unsigned char *p, size_t len, size_t *len_r)
{
	unsigned char *o = arena_alloc(a, len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (!(p[i] == '\r' && i + 1 < len && p[i + 1] == '\n'))
			o[n++] = p[i];
	o[n] = '\0';
	*len_r = n;
	return o;
}

/* verify_two_ways - msg through a verifier that copies every field
 * (dkim_verifier_header) and through one in an arena that refers to
 * kept fields (dkim_verifier_field_kept), folds as CRLF (crlf) or bare
 * LF; the results must be the same in every detail */
static void
verify_two_ways(const unsigned char *m, size_t len,
    const struct dkim_verify_params *p, bool crlf, const struct tk_key *keys,
    size_t nkeys, struct buf *out)
{
	struct dkim_verifier *copy = dkim_verifier_new(p);
	struct arena a;
	struct dkim_verifier *kept;
	struct buf d1 = BUF_INIT, d2 = BUF_INIT;
	struct msg_field f;
	size_t pos = 0, n1 = 0, n2 = 0;

	arena_init(&a, 0, 0);
	kept = dkim_verifier_new_in(p, &a);
	while (msg_next_field(m, len, &pos, &f) == 1) {
		struct header h;
		char *name = arena_memdup(&a, f.name, f.name_len);
		unsigned char *value;
		size_t vlen = f.value_len;

		if (crlf)
			value = (unsigned char *)arena_memdup(&a, f.value,
			    f.value_len);
		else
			value = lf_folds(&a, f.value, f.value_len, &vlen);
		if (dkim_verifier_header(copy, f.name, f.name_len, value,
		    vlen) >= 0)
			n1++;
		headers_field_init(&h, name, value, vlen);
		if (dkim_verifier_field_kept(kept, &h) >= 0)
			n2++;
	}
	assert_int_equal(n1, n2);
	answer_keys(copy, n1, keys, nkeys);
	dkim_verifier_eoh(copy);
	dkim_verifier_body(copy, m + pos, len - pos);
	dkim_verifier_eom(copy);
	answer_keys(kept, n2, keys, nkeys);
	dkim_verifier_eoh(kept);
	dkim_verifier_body(kept, m + pos, len - pos);
	dkim_verifier_eom(kept);
	describe(copy, &d1);
	describe(kept, &d2);
	assert_string_equal(buf_cstr(&d1), buf_cstr(&d2));
	buf_reset(out);
	buf_append_str(out, buf_cstr(&d1));
	dkim_verifier_free(&copy);
	dkim_verifier_free(&kept);
	assert_null(kept);
	buf_deinit(&d1);
	buf_deinit(&d2);
	arena_deinit(&a);
}

/* the arena verifier with kept fields against the copying one: the RFC
 * 8463 message (both signatures pass), random mutations of it, folds as
 * CRLF and as bare LF, and header caps small enough to overflow */
static void
test_kept_fields_in_arena_same_as_copies(void **state)
{
	size_t len = strlen(rfc8463_msg), iter, k;
	char *m = malloc(len + 1);
	uint32_t seed = 77;
	struct dkim_verify_params p = params(RFC_NOW);
	struct buf d = BUF_INIT;

	(void)state;
	assert_non_null(m);
	/* the unmutated message: both signatures pass, both ways */
	verify_two_ways((const unsigned char *)rfc8463_msg, len, &p, false,
	    rfc_keys, 2, &d);
	assert_int_equal(strncmp(buf_cstr(&d), "0||", 3), 0);
	assert_non_null(strstr(buf_cstr(&d), "\n0||football.example.com|test|"));
	verify_two_ways((const unsigned char *)rfc8463_msg, len, &p, true,
	    rfc_keys, 2, &d);
	assert_int_equal(strncmp(buf_cstr(&d), "0||", 3), 0);
	for (iter = 0; iter < 600; iter++) {
		memcpy(m, rfc8463_msg, len + 1);
		for (k = 0; k < iter % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			m[(seed >> 8) % len] = (char)(seed >> 24);
		}
		p = params(RFC_NOW);
		if (iter % 5 == 1)
			p.max_header_bytes = 200 + iter % 900;
		if (iter % 7 == 2)
			p.max_headers = iter % 8;
		if (iter % 11 == 3)
			p.max_signatures = 1;
		verify_two_ways((const unsigned char *)m, strlen(m), &p,
		    iter % 2 == 0, rfc_keys, 2, &d);
	}
	buf_deinit(&d);
	free(m);
}

/* the detail authcheck explains with (c=, bh= and the body hash made)
 * is made on request, after eom: both signatures of the RFC 8463
 * message, with the body as signed and changed */
static void
test_detail_on_request(void **state)
{
	char *changed = replace(rfc8463_msg, "hungry", "angry");
	struct dkim_verify_params p = params(RFC_NOW);
	struct buf d = BUF_INIT;

	(void)state;
	verify_two_ways((const unsigned char *)rfc8463_msg,
	    strlen(rfc8463_msg), &p, true, rfc_keys, 2, &d);
	assert_non_null(strstr(buf_cstr(&d), "|relaxed/relaxed|"));
	assert_non_null(strstr(buf_cstr(&d),
	    "|2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="
	    "|2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=\n"));
	verify_two_ways((const unsigned char *)changed, strlen(changed), &p,
	    true, rfc_keys, 2, &d);
	assert_non_null(strstr(buf_cstr(&d), "body hash mismatch"));
	assert_non_null(strstr(buf_cstr(&d),
	    "|2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=|"));
	assert_null(strstr(buf_cstr(&d),
	    "|2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=\n"));
	buf_deinit(&d);
	free(changed);
}

static const char plain_msg[] =
    "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "From: Ada <ada@example.com>\r\n"
    "To: grace@example.org\r\n"
    "Subject: folded\r\n\tsubject line\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
    "Message-ID: <m1@example.com>\r\n"
    "\r\n"
    "Hello  there \r\n"
    "\r\n"
    "second\tparagraph\r\n"
    "\r\n"
    "\r\n";

/* DKIMAllowPartialBody for the next sign_verify calls */
static bool allow_partial;

/* sign_verify - sign plain_msg with k and options, optionally tamper,
 * verify, and compare */
static void
sign_verify(const struct crypto_privkey *k, const struct tk_sign_opts *so,
    const char *append_body, enum dkim_res res, const char *reason,
    bool l_partial)
{
	struct buf rec = BUF_INIT, msg = BUF_INIT;
	struct tk_key key;
	struct tk_outcome o;
	char name[300];
	struct dkim_verify_params p = params(1700000000);

	p.allow_partial_body = allow_partial;
	tk_key_record(k, &rec);
	(void)snprintf(name, sizeof(name), "%s._domainkey.%s", so->selector,
	    so->domain);
	key.name = name;
	key.status = DNS_R_ANSWER;
	key.txt = buf_cstr(&rec);
	assert_true(tk_sign((const unsigned char *)plain_msg,
	    strlen(plain_msg), k, so, &msg));
	if (append_body)
		buf_append_str(&msg, append_body);
	tk_verify(msg.data, msg.len, &p, 7, &key, 1, &o);
	assert_int_equal(o.count, 1);
	expect(&o, 0, res, reason);
	assert_int_equal(o.r[0].l_partial, l_partial);
	buf_deinit(&rec);
	buf_deinit(&msg);
}

static void
test_sign_then_verify_generated_keys(void **state)
{
	struct crypto_privkey *rsa = tk_keygen("rsa", 2048);
	struct crypto_privkey *ed = tk_keygen("ed25519", 0);
	struct crypto_privkey *small = tk_keygen("rsa", 512);
	struct tk_sign_opts so = {
		"example.com", "sel", NULL,
		"from:to:subject:date:message-id:from:subject",
		DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE, CRYPTO_HASH_SHA256,
		false, 1700000000 - 10, 0
	};
	int hc, bc;

	(void)state;
	for (hc = 0; hc < 2; hc++)
		for (bc = 0; bc < 2; bc++) {
			so.hcanon = (enum dkim_canon)hc;
			so.bcanon = (enum dkim_canon)bc;
			sign_verify(rsa, &so, NULL, DKIM_RES_PASS, "", false);
			sign_verify(ed, &so, NULL, DKIM_RES_PASS, "", false);
			sign_verify(ed, &so, "appended\r\n", DKIM_RES_FAIL,
			    "body hash mismatch", false);
		}
	/* l= with content appended after it (RFC 6376 8.2): "policy" by
	 * default, pass only when the site allows it; l= that covers the
	 * whole body passes either way */
	so.use_l = true;
	sign_verify(rsa, &so, "appended\r\n", DKIM_RES_POLICY,
	    "l= leaves body content unsigned", true);
	sign_verify(ed, &so, "--b\r\nContent-Type: text/html\r\n\r\nnew\r\n",
	    DKIM_RES_POLICY, "l= leaves body content unsigned", true);
	sign_verify(rsa, &so, NULL, DKIM_RES_PASS, "", false);
	allow_partial = true;
	sign_verify(rsa, &so, "appended\r\n", DKIM_RES_PASS, "", true);
	sign_verify(rsa, &so, NULL, DKIM_RES_PASS, "", false);
	allow_partial = false;
	so.use_l = false;
	so.auid = "user@mail.example.com";
	sign_verify(ed, &so, NULL, DKIM_RES_PASS, "", false);
	so.auid = "user@example.net";
	sign_verify(ed, &so, NULL, DKIM_RES_PERMERROR, "i= not within d=",
	    false);
	so.auid = NULL;
	so.hash = CRYPTO_HASH_SHA1;
	sign_verify(rsa, &so, NULL, DKIM_RES_POLICY,
	    "rsa-sha1 not accepted (RFC 8301)", false);
	so.hash = CRYPTO_HASH_SHA256;
	sign_verify(small, &so, NULL, DKIM_RES_POLICY, "key too small", false);
	so.headers = "to:subject";
	sign_verify(ed, &so, NULL, DKIM_RES_PERMERROR, "From not signed",
	    false);
	crypto_privkey_free(&rsa);
	crypto_privkey_free(&ed);
	crypto_privkey_free(&small);
	assert_null(rsa);
}

/* a signature decided before end of header (rsa-sha1, "policy") never
 * had its body hashed: its l= is not judged "partly unsigned" against
 * body slot 0, which is another signature's. Here that one's body is
 * the simple one, two bytes longer than the relaxed body the rsa-sha1
 * l= counts (dkim_verifier_eom clears l_partial for such signatures) */
static void
test_early_decision_judges_no_l(void **state)
{
	struct crypto_privkey *rsa = tk_keygen("rsa", 2048);
	struct tk_sign_opts so = {
		"example.com", "sel", NULL, "from:to:subject",
		DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, CRYPTO_HASH_SHA1,
		true, 1700000000 - 10, 0
	};
	struct buf rec = BUF_INIT, once = BUF_INIT, twice = BUF_INIT;
	struct dkim_verify_params p = params(1700000000);
	struct tk_key key = { "sel._domainkey.example.com", DNS_R_ANSWER, NULL };
	struct tk_outcome o;

	(void)state;
	tk_key_record(rsa, &rec);
	key.txt = buf_cstr(&rec);
	assert_true(tk_sign((const unsigned char *)plain_msg,
	    strlen(plain_msg), rsa, &so, &once));
	so.hash = CRYPTO_HASH_SHA256;
	so.bcanon = DKIM_CANON_SIMPLE;
	so.use_l = false;
	assert_true(tk_sign(once.data, once.len, rsa, &so, &twice));
	tk_verify(twice.data, twice.len, &p, 7, &key, 1, &o);
	assert_int_equal(o.count, 2);
	expect(&o, 0, DKIM_RES_PASS, "");
	expect(&o, 1, DKIM_RES_POLICY, "rsa-sha1 not accepted (RFC 8301)");
	assert_true(o.r[1].l_used);
	assert_false(o.r[1].l_partial);
	assert_false(o.r[0].l_partial);
	buf_deinit(&rec);
	buf_deinit(&once);
	buf_deinit(&twice);
	crypto_privkey_free(&rsa);
}

/* folded fields (Subject in plain_msg) with bare LF folds, kept: a
 * signature that selects one hashes it in CRLF form (pass, simple and
 * relaxed), one that does not never needs it; the same results as the
 * copying verifier */
static void
test_kept_folded_fields(void **state)
{
	static const char *const hs[] = {
		"from:to:subject", "from:to", "subject:from:subject",
	};
	struct crypto_privkey *k = tk_keygen("ed25519", 0);
	struct buf rec = BUF_INIT, msg = BUF_INIT, d = BUF_INIT;
	struct tk_key key = { "s._domainkey.example.com", DNS_R_ANSWER, NULL };
	struct dkim_verify_params p = params(1700000000);
	size_t i, c;

	(void)state;
	tk_key_record(k, &rec);
	key.txt = buf_cstr(&rec);
	for (i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		for (c = 0; c < 2; c++) {
			struct tk_sign_opts so;

			memset(&so, 0, sizeof(so));
			so.domain = "example.com";
			so.selector = "s";
			so.headers = hs[i];
			so.hcanon = so.bcanon = c ? DKIM_CANON_RELAXED :
			    DKIM_CANON_SIMPLE;
			so.hash = CRYPTO_HASH_SHA256;
			buf_reset(&msg);
			assert_true(tk_sign((const unsigned char *)plain_msg,
			    strlen(plain_msg), k, &so, &msg));
			verify_two_ways(msg.data, msg.len, &p, false, &key, 1,
			    &d);
			assert_int_equal(strncmp(buf_cstr(&d), "0||", 3), 0);
			verify_two_ways(msg.data, msg.len, &p, true, &key, 1,
			    &d);
			assert_int_equal(strncmp(buf_cstr(&d), "0||", 3), 0);
		}
	}
	buf_deinit(&rec);
	buf_deinit(&msg);
	buf_deinit(&d);
	crypto_privkey_free(&k);
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

/* two signatures that need two body hashes (simple and relaxed body):
 * every chunk goes to both; a first body chunk ends the header, as
 * dkim_verifier_body says, without a call of dkim_verifier_eoh */
static void
test_two_body_hashes(void **state)
{
	struct crypto_privkey *k = tk_keygen("ed25519", 0);
	struct tk_sign_opts so = {
		"example.com", "s", NULL, "from:to:subject",
		DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, CRYPTO_HASH_SHA256,
		false, 0, 0
	};
	struct buf rec = BUF_INIT, once = BUF_INIT, twice = BUF_INIT;
	struct dkim_verify_params p = params(1700000000);
	struct tk_key key = { "s._domainkey.example.com", DNS_R_ANSWER, NULL };
	struct buf store = BUF_INIT;
	struct dkim_detail d;
	struct dkim_verifier *v;
	struct msg_field f;
	struct tk_outcome o;
	size_t pos = 0, n = 0, i;
	static const unsigned char empty[] = "From: a@example.com\r\n"
	    "To: b@example.com\r\nSubject: s\r\n\r\n";
	struct buf relaxed_bh = BUF_INIT;
	unsigned char dg[CRYPTO_DIGEST_MAX];
	uint64_t total;

	(void)state;
	tk_key_record(k, &rec);
	key.txt = buf_cstr(&rec);
	assert_true(tk_sign((const unsigned char *)plain_msg,
	    strlen(plain_msg), k, &so, &once));
	so.bcanon = DKIM_CANON_SIMPLE;
	assert_true(tk_sign(once.data, once.len, k, &so, &twice));
	tk_verify(twice.data, twice.len, &p, 5, &key, 1, &o);
	assert_int_equal(o.count, 2);
	expect(&o, 0, DKIM_RES_PASS, "");
	expect(&o, 1, DKIM_RES_PASS, "");
	v = dkim_verifier_new(&p);
	while (msg_next_field(twice.data, twice.len, &pos, &f) == 1)
		if (dkim_verifier_header(v, f.name, f.name_len, f.value,
		    f.value_len) >= 0)
			n++;
	assert_int_equal(n, 2);
	crypto_base64_encode(dg, tk_body_digest_chunked(DKIM_CANON_RELAXED,
	    twice.data + pos, twice.len - pos, 0, false, 0, dg, &total),
	    &relaxed_bh);
	answer_keys(v, n, &key, 1);
	dkim_verifier_body(v, twice.data + pos, 7);
	assert_int_equal(dkim_verifier_body_hashers(v), 2);
	dkim_verifier_body(v, twice.data + pos + 7, twice.len - pos - 7);
	dkim_verifier_eom(v);
	for (i = 0; i < 2; i++) {
		assert_int_equal(dkim_verifier_result(v, i)->result,
		    DKIM_RES_PASS);
		assert_false(dkim_verifier_result(v, i)->l_partial);
	}
	/* the detail of each in turn, in one store */
	dkim_verifier_detail(v, 1, &store, &d);
	assert_string_equal(d.canon, "relaxed/relaxed");
	assert_string_equal(d.body_hash, d.body_hash_computed);
	assert_string_equal(d.body_hash, buf_cstr(&relaxed_bh));
	dkim_verifier_detail(v, 0, &store, &d);
	assert_string_equal(d.canon, "relaxed/simple");
	assert_string_equal(d.body_hash, d.body_hash_computed);
	assert_string_not_equal(d.body_hash, buf_cstr(&relaxed_bh));
	dkim_verifier_free(&v);
	/* eom alone ends the header and the (empty) body */
	buf_reset(&once);
	so.bcanon = DKIM_CANON_RELAXED;
	assert_true(tk_sign(empty, strlen((const char *)empty), k, &so,
	    &once));
	v = dkim_verifier_new(&p);
	pos = 0;
	while (msg_next_field(once.data, once.len, &pos, &f) == 1)
		(void)dkim_verifier_header(v, f.name, f.name_len, f.value,
		    f.value_len);
	answer_keys(v, 1, &key, 1);
	dkim_verifier_eom(v);
	assert_int_equal(dkim_verifier_result(v, 0)->result, DKIM_RES_PASS);
	dkim_verifier_free(&v);
	buf_deinit(&store);
	buf_deinit(&relaxed_bh);
	buf_deinit(&rec);
	buf_deinit(&once);
	buf_deinit(&twice);
	crypto_privkey_free(&k);
}

/* a From the signature does not cover: added above a signed one (h=
 * names From once), or hidden in another field after a bare CR; the
 * signature verifies, the result is "policy" (RFC 6376 8.15) */
static void
test_uncovered_from(void **state)
{
	struct crypto_privkey *k = tk_keygen("ed25519", 0);
	struct tk_sign_opts so = {
		"example.com", "s", NULL, "from:to:subject",
		DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, CRYPTO_HASH_SHA256,
		false, 0, 0
	};
	struct buf rec = BUF_INIT, msg = BUF_INIT, two = BUF_INIT;
	struct dkim_verify_params p = params(1700000000);
	struct tk_key key = { "s._domainkey.example.com", DNS_R_ANSWER, NULL };
	struct tk_outcome o;
	char *hidden;

	(void)state;
	tk_key_record(k, &rec);
	key.txt = buf_cstr(&rec);
	assert_true(tk_sign((const unsigned char *)plain_msg,
	    strlen(plain_msg), k, &so, &msg));
	tk_verify(msg.data, msg.len, &p, 0, &key, 1, &o);
	expect(&o, 0, DKIM_RES_PASS, "");
	buf_append_str(&two, "From: Mallory <m@evil.example>\r\n");
	buf_append(&two, msg.data, msg.len);
	tk_verify(two.data, two.len, &p, 0, &key, 1, &o);
	expect(&o, 0, DKIM_RES_POLICY, "unsigned From field");
	/* From named twice covers two */
	buf_reset(&msg);
	buf_reset(&two);
	so.headers = "from:from:to:subject";
	buf_append_str(&two, "From: Mallory <m@evil.example>\r\n");
	buf_append_str(&two, plain_msg);
	assert_true(tk_sign(two.data, two.len, k, &so, &msg));
	tk_verify(msg.data, msg.len, &p, 0, &key, 1, &o);
	expect(&o, 0, DKIM_RES_PASS, "");
	/* signed as it stands, with a From after a bare CR in To */
	buf_reset(&msg);
	so.headers = "from:to:subject";
	hidden = replace(plain_msg, "To: grace@example.org\r\n",
	    "To: grace@example.org\rFrom: m@evil.example\r\n");
	assert_true(tk_sign((const unsigned char *)hidden, strlen(hidden), k,
	    &so, &msg));
	tk_verify(msg.data, msg.len, &p, 0, &key, 1, &o);
	expect(&o, 0, DKIM_RES_POLICY, "From hidden after a bare CR");
	free(hidden);
	buf_deinit(&rec);
	buf_deinit(&msg);
	buf_deinit(&two);
	crypto_privkey_free(&k);
}

/* max_field_bytes: a field of that many bytes with its colon is taken,
 * one more is over the cap (every signature: permerror) */
static void
test_field_bytes_cap(void **state)
{
	const unsigned char *m = (const unsigned char *)rfc8463_msg;
	size_t len = strlen(rfc8463_msg), pos = 0, longest = 0;
	struct dkim_verify_params p = params(RFC_NOW);
	struct msg_field f;
	struct tk_outcome o;

	(void)state;
	while (msg_next_field(m, len, &pos, &f) == 1)
		if (f.name_len + 1 + f.value_len > longest)
			longest = f.name_len + 1 + f.value_len;
	p.max_field_bytes = longest;
	tk_verify(m, len, &p, 0, rfc_keys, 2, &o);
	expect(&o, 0, DKIM_RES_PASS, "");
	expect(&o, 1, DKIM_RES_PASS, "");
	p.max_field_bytes = longest - 1;
	tk_verify(m, len, &p, 0, rfc_keys, 2, &o);
	expect(&o, 0, DKIM_RES_PERMERROR, "header too large");
	expect(&o, 1, DKIM_RES_PERMERROR, "header too large");
}

/* max_header_bytes counts the names and the values (CRLF form) of all
 * fields: a block of exactly that many bytes is taken, one more is over
 * the cap; so is a single field */
static void
test_header_bytes_cap(void **state)
{
	static const char sig[] = " v=1; a=rsa-sha256; d=example.com; s=s; "
	    "h=from; bh=AAAA; b=AAAA";
	const unsigned char *m = (const unsigned char *)rfc8463_msg;
	size_t len = strlen(rfc8463_msg), pos = 0, total = 0;
	struct dkim_verify_params p = params(RFC_NOW);
	struct dkim_verifier *v;
	struct msg_field f;
	struct tk_outcome o;
	size_t i;

	(void)state;
	while (msg_next_field(m, len, &pos, &f) == 1)
		total += f.name_len + f.value_len;
	p.max_header_bytes = total;
	tk_verify(m, len, &p, 0, rfc_keys, 2, &o);
	expect(&o, 0, DKIM_RES_PASS, "");
	expect(&o, 1, DKIM_RES_PASS, "");
	p.max_header_bytes = total - 1;
	tk_verify(m, len, &p, 0, rfc_keys, 2, &o);
	expect(&o, 0, DKIM_RES_PERMERROR, "header too large");
	expect(&o, 1, DKIM_RES_PERMERROR, "header too large");
	/* one field alone, at the cap and one byte over it */
	for (i = 0; i < 2; i++) {
		const struct dkim_result *r;

		p = params(RFC_NOW);
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
}

/* a signature over the header cap stays "header too large" whatever
 * answer is given for it (no lookup was asked) */
static void
test_over_cap_signature_ignores_answers(void **state)
{
	struct dkim_verify_params p = params(RFC_NOW);
	struct dkim_verifier *v;
	struct dns_answer a;
	int idx;

	(void)state;
	p.max_headers = 1;
	p.max_signatures = 1;
	v = dkim_verifier_new(&p);
	assert_int_equal(dkim_verifier_header(v, (const unsigned char *)"From",
	    4, (const unsigned char *)" a@e.com", 8), -1);
	idx = add_sig(v, "e.com", "s");
	assert_int_equal(idx, 0);
	assert_null(dkim_verifier_key_name(v, idx));
	/* over the caps, a field not DKIM-Signature or a signature beyond
	 * max_signatures has no index */
	assert_int_equal(dkim_verifier_header(v, (const unsigned char *)"From",
	    4, (const unsigned char *)" b@e.com", 8), -1);
	memset(&a, 0, sizeof(a));
	a.status = DNS_R_NXDOMAIN;
	dkim_verifier_key_answer(v, idx, &a);
	assert_int_equal(add_sig(v, "e.com", "t"), -1);
	dkim_verifier_eom(v);
	assert_int_equal(dkim_verifier_result(v, 0)->result,
	    DKIM_RES_PERMERROR);
	assert_string_equal(dkim_verifier_result(v, 0)->reason,
	    "header too large");
	assert_string_equal(dkim_verifier_result(v, 0)->selector, "s");
	assert_int_equal(dkim_verifier_result_count(v), 1);
	dkim_verifier_free(&v);
}

/* indices that name no signature, fields after end of header, and
 * signatures decided at arrival: no key name, now or in the result */
static void
test_api_edges(void **state)
{
	static const char sha1[] = " v=1; a=rsa-sha1; d=example.com; s=s; "
	    "h=from; bh=AAAA; b=AAAA";
	static const char future[] = " v=1; a=rsa-sha256; d=example.com; "
	    "s=s; t=9999999999; h=from; bh=AAAA; b=AAAA";
	struct dkim_verify_params p = params(RFC_NOW);
	struct dkim_verifier *v = dkim_verifier_new(&p);
	struct dns_answer a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.status = DNS_R_NXDOMAIN;
	assert_int_equal(add_sig(v, "example.com", "s"), 0);
	assert_int_equal(dkim_verifier_header(v,
	    (const unsigned char *)"DKIM-Signature", 14,
	    (const unsigned char *)sha1, strlen(sha1)), 1);
	assert_int_equal(dkim_verifier_header(v,
	    (const unsigned char *)"DKIM-Signature", 14,
	    (const unsigned char *)future, strlen(future)), 2);
	assert_string_equal(dkim_verifier_key_name(v, 0),
	    "s._domainkey.example.com");
	assert_null(dkim_verifier_key_name(v, 1));
	assert_null(dkim_verifier_key_name(v, 2));
	assert_null(dkim_verifier_key_name(v, 3));
	assert_null(dkim_verifier_key_name(v, -1));
	assert_null(dkim_verifier_key_name(v, INT_MAX));
	dkim_verifier_key_answer(v, 3, &a);
	dkim_verifier_key_answer(v, -1, &a);
	dkim_verifier_key_answer(v, INT_MAX, &a);
	dkim_verifier_eoh(v);
	assert_int_equal(add_sig(v, "example.com", "t"), -1);
	assert_int_equal(dkim_verifier_header(v, (const unsigned char *)"From",
	    4, (const unsigned char *)" a@e.com", 8), -1);
	/* no results before eom */
	assert_int_equal(dkim_verifier_result_count(v), 0);
	assert_null(dkim_verifier_result(v, 0));
	dkim_verifier_eom(v);
	assert_int_equal(dkim_verifier_result_count(v), 3);
	assert_int_equal(dkim_verifier_result(v, 0)->result, DKIM_RES_TEMPERROR);
	assert_string_equal(dkim_verifier_result(v, 0)->key_name,
	    "s._domainkey.example.com");
	assert_string_equal(dkim_verifier_result(v, 0)->signed_headers,
	    "from");
	assert_int_equal(dkim_verifier_result(v, 1)->result, DKIM_RES_POLICY);
	assert_string_equal(dkim_verifier_result(v, 1)->key_name, "");
	assert_int_equal(dkim_verifier_result(v, 2)->result,
	    DKIM_RES_PERMERROR);
	assert_string_equal(dkim_verifier_result(v, 2)->reason,
	    "signature timestamp in the future");
	assert_string_equal(dkim_verifier_result(v, 2)->key_name, "");
	assert_null(dkim_verifier_result(v, 3));
	dkim_verifier_free(&v);
}

/* the key's flags (RFC 6376 3.6.1 t=): y is reported, s forbids an
 * i= in a subdomain of d=; rsa-sha1 when allowed, against the key's h= */
static void
test_key_flags_and_sha1(void **state)
{
	static const struct {
		const char *auid, *flags;
		enum crypto_hash hash;
		enum dkim_res res;
		const char *reason;
		bool testing;
	} cases[] = {
		{ NULL, "; t=y", CRYPTO_HASH_SHA256, DKIM_RES_PASS, "", true },
		{ NULL, "", CRYPTO_HASH_SHA256, DKIM_RES_PASS, "", false },
		{ "u@example.com", "; t=s", CRYPTO_HASH_SHA256, DKIM_RES_PASS,
		  "", false },
		{ "u@mail.example.com", "; t=s", CRYPTO_HASH_SHA256,
		  DKIM_RES_PERMERROR, "key t=s forbids i= subdomain", false },
		{ "u@mail.example.com", "; t=y:s", CRYPTO_HASH_SHA256,
		  DKIM_RES_PERMERROR, "key t=s forbids i= subdomain", true },
		{ NULL, "", CRYPTO_HASH_SHA1, DKIM_RES_PASS, "", false },
		{ NULL, "; h=sha1", CRYPTO_HASH_SHA1, DKIM_RES_PASS, "", false },
		{ NULL, "; h=sha256", CRYPTO_HASH_SHA1, DKIM_RES_PERMERROR,
		  "hash not allowed by key h=", false },
	};
	struct crypto_privkey *k = tk_keygen("rsa", 2048);
	struct dkim_verify_params p = params(1700000000);
	struct buf rec = BUF_INIT, msg = BUF_INIT;
	struct tk_key key = { "s._domainkey.example.com", DNS_R_ANSWER, NULL };
	struct tk_outcome o;
	size_t i;

	(void)state;
	p.allow_rsa_sha1 = true;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tk_sign_opts so = {
			"example.com", "s", cases[i].auid, "from:to:subject",
			DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, cases[i].hash,
			false, 0, 0
		};

		buf_reset(&rec);
		buf_reset(&msg);
		tk_key_record(k, &rec);
		buf_append_str(&rec, cases[i].flags);
		key.txt = buf_cstr(&rec);
		assert_true(tk_sign((const unsigned char *)plain_msg,
		    strlen(plain_msg), k, &so, &msg));
		tk_verify(msg.data, msg.len, &p, 0, &key, 1, &o);
		print_message("# case %zu\n", i);
		expect(&o, 0, cases[i].res, cases[i].reason);
		assert_int_equal(o.r[0].testing, cases[i].testing);
	}
	buf_deinit(&rec);
	buf_deinit(&msg);
	crypto_privkey_free(&k);
}

/* dkim_verifier_field copies what it needs: the caller may reuse its
 * buffers before end of header (dkim_verifier_field_kept is the one that
 * refers to them) */
static void
test_field_copies(void **state)
{
	const unsigned char *m = (const unsigned char *)rfc8463_msg;
	size_t len = strlen(rfc8463_msg), pos = 0, i;
	struct dkim_verify_params p = params(RFC_NOW);
	struct dkim_verifier *v = dkim_verifier_new(&p);
	char name[64];
	unsigned char value[1024];
	struct msg_field f;
	int n = 0;

	(void)state;
	while (msg_next_field(m, len, &pos, &f) == 1) {
		struct header h;

		assert_true(f.name_len < sizeof(name));
		assert_true(f.value_len <= sizeof(value));
		memcpy(name, f.name, f.name_len);
		name[f.name_len] = '\0';
		memcpy(value, f.value, f.value_len);
		headers_field_init(&h, name, value, f.value_len);
		if (dkim_verifier_field(v, &h) >= 0)
			n++;
		memset(name, 'x', sizeof(name) - 1);
		memset(value, 'y', sizeof(value));
	}
	assert_int_equal(n, 2);
	answer_keys(v, 2, rfc_keys, 2);
	dkim_verifier_eoh(v);
	dkim_verifier_body(v, m + pos, len - pos);
	dkim_verifier_eom(v);
	for (i = 0; i < 2; i++)
		assert_int_equal(dkim_verifier_result(v, i)->result,
		    DKIM_RES_PASS);
	dkim_verifier_free(&v);
}

/* dkim_verifier_admit: the first signature beyond the cap is one it
 * looks at; many beyond the cap are all remembered in order */
static void
test_admit_edges(void **state)
{
	struct dkim_verify_params p = params(RFC_NOW);
	struct dkim_verifier *v;
	int idx[DKIM_VERIFY_EXTRA_PREFERRED], asked = 0;
	char sel[16];
	size_t i, n;

	(void)state;
	p.max_signatures = 1;
	v = dkim_verifier_new(&p);
	assert_int_equal(add_sig(v, "a.com", "s0"), 0);
	assert_int_equal(add_sig(v, "x.com", "s1"), -1);
	assert_int_equal(dkim_verifier_admit(v, prefer_x, &asked, idx), 1);
	assert_int_equal(idx[0], 1);
	assert_string_equal(dkim_verifier_key_name(v, 1),
	    "s1._domainkey.x.com");
	dkim_verifier_free(&v);
	/* 20 beyond the cap, x.com only at the bottom two */
	v = dkim_verifier_new(&p);
	assert_int_equal(add_sig(v, "a.com", "s0"), 0);
	for (i = 1; i <= 20; i++) {
		(void)snprintf(sel, sizeof(sel), "s%zu", i);
		assert_int_equal(add_sig(v, i >= 19 ? "x.com" : "y.com", sel),
		    -1);
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
	assert_int_equal(add_sig(v, "a.com", "s0"), 0);
	for (i = 1; i <= 20; i++) {
		(void)snprintf(sel, sizeof(sel), "s%zu", i);
		(void)add_sig(v, i <= 2 ? "x.com" : "y.com", sel);
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
		assert_int_equal(add_sig(v, "a.com", "s0"), 0);
		for (i = 1; i <= 70; i++) {
			(void)snprintf(sel, sizeof(sel), "s%zu", i);
			(void)add_sig(v, i == at ? "x.com" : "y.com", sel);
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
		cmocka_unit_test(test_rfc8463_example_passes_both),
		cmocka_unit_test(test_rfc8463_example_with_bare_lf_passes),
		cmocka_unit_test(test_tampering_is_detected),
		cmocka_unit_test(test_key_answers_map_to_results),
		cmocka_unit_test(test_policy_limits),
		cmocka_unit_test(test_signature_after_header_cap),
		cmocka_unit_test(test_clock_judges_t_and_x),
		cmocka_unit_test(test_no_signature_gives_no_results),
		cmocka_unit_test(test_missing_key_answer_is_temperror),
		cmocka_unit_test(test_sign_then_verify_generated_keys),
		cmocka_unit_test(test_several_records_in_an_answer),
		cmocka_unit_test(test_body_hashes_are_shared),
		cmocka_unit_test(test_body_hashes_are_bounded),
		cmocka_unit_test(test_admit_takes_the_bottom_preferred),
		cmocka_unit_test(test_body_shorter_than_l_fails),
		cmocka_unit_test(test_mutated_messages_never_crash),
		cmocka_unit_test(test_kept_fields_in_arena_same_as_copies),
		cmocka_unit_test(test_detail_on_request),
		cmocka_unit_test(test_early_decision_judges_no_l),
		cmocka_unit_test(test_kept_folded_fields),
		cmocka_unit_test(test_names_and_defaults),
		cmocka_unit_test(test_two_body_hashes),
		cmocka_unit_test(test_uncovered_from),
		cmocka_unit_test(test_field_bytes_cap),
		cmocka_unit_test(test_header_bytes_cap),
		cmocka_unit_test(test_over_cap_signature_ignores_answers),
		cmocka_unit_test(test_admit_edges),
		cmocka_unit_test(test_api_edges),
		cmocka_unit_test(test_field_copies),
		cmocka_unit_test(test_key_flags_and_sha1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
