/* test_dkim_verify_signed.c - sign then verify with keys generated here:
 * RSA and Ed25519 under each canonicalization, l= and a partial body,
 * i=, rsa-sha1 and small keys, signatures decided early, two body
 * hashes, an uncovered From, the key's flags */
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
	struct dkim_verify_params p = dvfx_params(1700000000);

	p.allow_partial_body = allow_partial;
	tk_key_record(k, &rec);
	(void)snprintf(name, sizeof(name), "%s._domainkey.%s", so->selector,
	    so->domain);
	key.name = name;
	key.status = DNS_R_ANSWER;
	key.txt = buf_cstr(&rec);
	assert_true(tk_sign((const unsigned char *)dvfx_plain_msg,
	    strlen(dvfx_plain_msg), k, so, &msg));
	if (append_body)
		buf_append_str(&msg, append_body);
	tk_verify(msg.data, msg.len, &p, 7, &key, 1, &o);
	assert_int_equal(o.count, 1);
	dvfx_expect(&o, 0, res, reason);
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
	struct dkim_verify_params p = dvfx_params(1700000000);
	struct tk_key key = { "sel._domainkey.example.com", DNS_R_ANSWER, NULL };
	struct tk_outcome o;

	(void)state;
	tk_key_record(rsa, &rec);
	key.txt = buf_cstr(&rec);
	assert_true(tk_sign((const unsigned char *)dvfx_plain_msg,
	    strlen(dvfx_plain_msg), rsa, &so, &once));
	so.hash = CRYPTO_HASH_SHA256;
	so.bcanon = DKIM_CANON_SIMPLE;
	so.use_l = false;
	assert_true(tk_sign(once.data, once.len, rsa, &so, &twice));
	tk_verify(twice.data, twice.len, &p, 7, &key, 1, &o);
	assert_int_equal(o.count, 2);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");
	dvfx_expect(&o, 1, DKIM_RES_POLICY, "rsa-sha1 not accepted (RFC 8301)");
	assert_true(o.r[1].l_used);
	assert_false(o.r[1].l_partial);
	assert_false(o.r[0].l_partial);
	buf_deinit(&rec);
	buf_deinit(&once);
	buf_deinit(&twice);
	crypto_privkey_free(&rsa);
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
	struct dkim_verify_params p = dvfx_params(1700000000);
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
	assert_true(tk_sign((const unsigned char *)dvfx_plain_msg,
	    strlen(dvfx_plain_msg), k, &so, &once));
	so.bcanon = DKIM_CANON_SIMPLE;
	assert_true(tk_sign(once.data, once.len, k, &so, &twice));
	tk_verify(twice.data, twice.len, &p, 5, &key, 1, &o);
	assert_int_equal(o.count, 2);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");
	dvfx_expect(&o, 1, DKIM_RES_PASS, "");
	v = dkim_verifier_new(&p);
	while (msg_next_field(twice.data, twice.len, &pos, &f) == 1)
		if (dkim_verifier_header(v, f.name, f.name_len, f.value,
		    f.value_len) >= 0)
			n++;
	assert_int_equal(n, 2);
	crypto_base64_encode(dg, tk_body_digest_chunked(DKIM_CANON_RELAXED,
	    twice.data + pos, twice.len - pos, 0, false, 0, dg, &total),
	    &relaxed_bh);
	dvfx_answer_keys(v, n, &key, 1);
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
	dvfx_answer_keys(v, 1, &key, 1);
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
	struct dkim_verify_params p = dvfx_params(1700000000);
	struct tk_key key = { "s._domainkey.example.com", DNS_R_ANSWER, NULL };
	struct tk_outcome o;
	char *hidden;

	(void)state;
	tk_key_record(k, &rec);
	key.txt = buf_cstr(&rec);
	assert_true(tk_sign((const unsigned char *)dvfx_plain_msg,
	    strlen(dvfx_plain_msg), k, &so, &msg));
	tk_verify(msg.data, msg.len, &p, 0, &key, 1, &o);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");
	buf_append_str(&two, "From: Mallory <m@evil.example>\r\n");
	buf_append(&two, msg.data, msg.len);
	tk_verify(two.data, two.len, &p, 0, &key, 1, &o);
	dvfx_expect(&o, 0, DKIM_RES_POLICY, "unsigned From field");
	/* From named twice covers two */
	buf_reset(&msg);
	buf_reset(&two);
	so.headers = "from:from:to:subject";
	buf_append_str(&two, "From: Mallory <m@evil.example>\r\n");
	buf_append_str(&two, dvfx_plain_msg);
	assert_true(tk_sign(two.data, two.len, k, &so, &msg));
	tk_verify(msg.data, msg.len, &p, 0, &key, 1, &o);
	dvfx_expect(&o, 0, DKIM_RES_PASS, "");
	/* signed as it stands, with a From after a bare CR in To */
	buf_reset(&msg);
	so.headers = "from:to:subject";
	hidden = dvfx_replace(dvfx_plain_msg, "To: grace@example.org\r\n",
	    "To: grace@example.org\rFrom: m@evil.example\r\n");
	assert_true(tk_sign((const unsigned char *)hidden, strlen(hidden), k,
	    &so, &msg));
	tk_verify(msg.data, msg.len, &p, 0, &key, 1, &o);
	dvfx_expect(&o, 0, DKIM_RES_POLICY, "From hidden after a bare CR");
	free(hidden);
	buf_deinit(&rec);
	buf_deinit(&msg);
	buf_deinit(&two);
	crypto_privkey_free(&k);
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
	struct dkim_verify_params p = dvfx_params(1700000000);
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
		assert_true(tk_sign((const unsigned char *)dvfx_plain_msg,
		    strlen(dvfx_plain_msg), k, &so, &msg));
		tk_verify(msg.data, msg.len, &p, 0, &key, 1, &o);
		print_message("# case %zu\n", i);
		dvfx_expect(&o, 0, cases[i].res, cases[i].reason);
		assert_int_equal(o.r[0].testing, cases[i].testing);
	}
	buf_deinit(&rec);
	buf_deinit(&msg);
	crypto_privkey_free(&k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_then_verify_generated_keys),
		cmocka_unit_test(test_early_decision_judges_no_l),
		cmocka_unit_test(test_two_body_hashes),
		cmocka_unit_test(test_uncovered_from),
		cmocka_unit_test(test_key_flags_and_sha1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
