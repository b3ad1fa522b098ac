/* test_dkim_verify_fields.c - how fields reach the verifier: copied, or
 * kept in an arena and folded with CRLF or bare LF, with the same result
 * in every detail; indices and fields the API must refuse */
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

#include "dkim_verify_fixtures.h"
#include "../dkim/msgsplit.h"
#include "core/headers.h"
#include "util/arena.h"

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
	dvfx_answer_keys(copy, n1, keys, nkeys);
	dkim_verifier_eoh(copy);
	dkim_verifier_body(copy, m + pos, len - pos);
	dkim_verifier_eom(copy);
	dvfx_answer_keys(kept, n2, keys, nkeys);
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
	size_t len = strlen(dvfx_rfc8463_msg), iter, k;
	char *m = malloc(len + 1);
	uint32_t seed = 77;
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct buf d = BUF_INIT;

	(void)state;
	assert_non_null(m);
	/* the unmutated message: both signatures pass, both ways */
	verify_two_ways((const unsigned char *)dvfx_rfc8463_msg, len, &p, false,
	    dvfx_rfc_keys, 2, &d);
	assert_int_equal(strncmp(buf_cstr(&d), "0||", 3), 0);
	assert_non_null(strstr(buf_cstr(&d), "\n0||football.example.com|test|"));
	verify_two_ways((const unsigned char *)dvfx_rfc8463_msg, len, &p, true,
	    dvfx_rfc_keys, 2, &d);
	assert_int_equal(strncmp(buf_cstr(&d), "0||", 3), 0);
	for (iter = 0; iter < 600; iter++) {
		memcpy(m, dvfx_rfc8463_msg, len + 1);
		for (k = 0; k < iter % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			m[(seed >> 8) % len] = (char)(seed >> 24);
		}
		p = dvfx_params(DVFX_RFC_NOW);
		if (iter % 5 == 1)
			p.max_header_bytes = 200 + iter % 900;
		if (iter % 7 == 2)
			p.max_headers = iter % 8;
		if (iter % 11 == 3)
			p.max_signatures = 1;
		verify_two_ways((const unsigned char *)m, strlen(m), &p,
		    iter % 2 == 0, dvfx_rfc_keys, 2, &d);
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
	char *changed = dvfx_replace(dvfx_rfc8463_msg, "hungry", "angry");
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct buf d = BUF_INIT;

	(void)state;
	verify_two_ways((const unsigned char *)dvfx_rfc8463_msg,
	    strlen(dvfx_rfc8463_msg), &p, true, dvfx_rfc_keys, 2, &d);
	assert_non_null(strstr(buf_cstr(&d), "|relaxed/relaxed|"));
	assert_non_null(strstr(buf_cstr(&d),
	    "|2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="
	    "|2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=\n"));
	verify_two_ways((const unsigned char *)changed, strlen(changed), &p,
	    true, dvfx_rfc_keys, 2, &d);
	assert_non_null(strstr(buf_cstr(&d), "body hash mismatch"));
	assert_non_null(strstr(buf_cstr(&d),
	    "|2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=|"));
	assert_null(strstr(buf_cstr(&d),
	    "|2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=\n"));
	buf_deinit(&d);
	free(changed);
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
	struct dkim_verify_params p = dvfx_params(1700000000);
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
			assert_true(tk_sign(
			    (const unsigned char *)dvfx_plain_msg,
			    strlen(dvfx_plain_msg), k, &so, &msg));
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

/* indices that name no signature, fields after end of header, and
 * signatures decided at arrival: no key name, now or in the result */
static void
test_api_edges(void **state)
{
	static const char sha1[] = " v=1; a=rsa-sha1; d=example.com; s=s; "
	    "h=from; bh=AAAA; b=AAAA";
	static const char future[] = " v=1; a=rsa-sha256; d=example.com; "
	    "s=s; t=9999999999; h=from; bh=AAAA; b=AAAA";
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
	struct dkim_verifier *v = dkim_verifier_new(&p);
	struct dns_answer a;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.status = DNS_R_NXDOMAIN;
	assert_int_equal(dvfx_add_sig(v, "example.com", "s"), 0);
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
	assert_int_equal(dvfx_add_sig(v, "example.com", "t"), -1);
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

/* dkim_verifier_field copies what it needs: the caller may reuse its
 * buffers before end of header (dkim_verifier_field_kept is the one that
 * refers to them) */
static void
test_field_copies(void **state)
{
	const unsigned char *m = (const unsigned char *)dvfx_rfc8463_msg;
	size_t len = strlen(dvfx_rfc8463_msg), pos = 0, i;
	struct dkim_verify_params p = dvfx_params(DVFX_RFC_NOW);
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
	dvfx_answer_keys(v, 2, dvfx_rfc_keys, 2);
	dkim_verifier_eoh(v);
	dkim_verifier_body(v, m + pos, len - pos);
	dkim_verifier_eom(v);
	for (i = 0; i < 2; i++)
		assert_int_equal(dkim_verifier_result(v, i)->result,
		    DKIM_RES_PASS);
	dkim_verifier_free(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_fields_in_arena_same_as_copies),
		cmocka_unit_test(test_detail_on_request),
		cmocka_unit_test(test_kept_folded_fields),
		cmocka_unit_test(test_api_edges),
		cmocka_unit_test(test_field_copies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
