/* test_crypto.c - digests, key loading, sign and verify through
 * crypto.h (base64: test_base64.c) */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/x509.h>

#include "../dkim/testkit.h"
#include "crypto/crypto.h"
#include "crypto/crypto_keycache.h"
#include "crypto/crypto_keygen.h"
#include "util/buf.h"

#define U(s) ((const unsigned char *)(s))

/* FIPS 180 "abc" test vectors */
static const unsigned char abc_sha1[] = {
	0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
	0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d };
static const unsigned char abc_sha256[] = {
	0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41,
	0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3,
	0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00,
	0x15, 0xad };

/* digest_abc - hash "abc" (in two pieces) beside another digest left
 * unfinished (leave_open) or finished; true when the result is right */
static bool
digest_abc(enum crypto_hash hash, bool leave_open)
{
	unsigned char out[CRYPTO_DIGEST_MAX];
	struct crypto_digest *d = crypto_digest_new(hash), *open;
	size_t n;
	bool ok;

	/* a context given back half-used must not leak into the next */
	open = crypto_digest_new(hash == CRYPTO_HASH_SHA1 ?
	    CRYPTO_HASH_SHA256 : CRYPTO_HASH_SHA1);
	crypto_digest_update(open, "junk", 4);
	crypto_digest_update(d, "a", 1);
	crypto_digest_update(d, "bc", 2);
	n = crypto_digest_final(d, out);
	ok = hash == CRYPTO_HASH_SHA1 ?
	    n == 20 && memcmp(out, abc_sha1, 20) == 0 :
	    n == 32 && memcmp(out, abc_sha256, 32) == 0;
	crypto_digest_free(&d);
	if (leave_open)
		crypto_digest_free(&open);	/* unfinished, given back */
	else {
		n = crypto_digest_final(open, out);
		crypto_digest_free(&open);
	}
	return ok;
}

/* thread_digests - digest_abc on a thread of its own: the spare
 * contexts are shared by every thread and outlive each */
static void *
thread_digests(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 20; i++)
		if (!digest_abc(i % 2 == 0 ? CRYPTO_HASH_SHA1 :
		    CRYPTO_HASH_SHA256, true))
			return NULL;
	return (void *)1;
}

/* Contexts are reused across hashes, after an unfinished digest, more of
 * them at once than are kept (40 > DIGEST_SPARES), and on other threads */
static void
test_digest_reuse(void **state)
{
	struct crypto_digest *many[40];
	pthread_t th[3];
	void *ok;
	size_t i;

	(void)state;
	for (i = 0; i < 30; i++)
		assert_true(digest_abc(i % 3 == 0 ? CRYPTO_HASH_SHA1 :
		    CRYPTO_HASH_SHA256, i % 2 == 0));
	for (i = 0; i < 40; i++)
		many[i] = crypto_digest_new(CRYPTO_HASH_SHA256);
	for (i = 0; i < 40; i++)
		crypto_digest_free(&many[i]);
	assert_true(digest_abc(CRYPTO_HASH_SHA1, false));
	for (i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_digests,
		    NULL), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(th[i], &ok), 0);
		assert_non_null(ok);
	}
}

static void
test_digests(void **state)
{
	unsigned char out[CRYPTO_DIGEST_MAX];
	struct crypto_digest *d;

	(void)state;
	d = crypto_digest_new(CRYPTO_HASH_SHA1);
	crypto_digest_update(d, "a", 1);
	crypto_digest_update(d, "bc", 2);
	assert_int_equal(crypto_digest_final(d, out), 20);
	assert_memory_equal(out, abc_sha1, 20);
	crypto_digest_free(&d);
	assert_null(d);
	d = crypto_digest_new(CRYPTO_HASH_SHA256);
	crypto_digest_update(d, "abc", 3);
	assert_int_equal(crypto_digest_final(d, out), 32);
	assert_memory_equal(out, abc_sha256, 32);
	crypto_digest_free(&d);
	assert_int_equal(crypto_hash_len(CRYPTO_HASH_SHA1), 20);
	assert_int_equal(crypto_hash_len(CRYPTO_HASH_SHA256), 32);
}

static void
test_public_key_forms(void **state)
{
	/* RFC 8463 A.2 RSA key (SPKI) */
	static const char spki[] = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
	    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
	    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
	    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
	static const char ed[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
	struct buf der = BUF_INIT;
	struct crypto_pubkey *k;

	(void)state;
	assert_true(crypto_base64_decode(U(spki), strlen(spki), &der));
	k = crypto_pubkey_from_der(der.data, der.len);
	assert_non_null(k);
	assert_int_equal(crypto_pubkey_type(k), CRYPTO_KEY_RSA);
	assert_int_equal(crypto_pubkey_bits(k), 1024);
	crypto_pubkey_free(&k);
	assert_null(k);
	/* the bare RSAPublicKey inside the SPKI (after the 22-byte header) */
	k = crypto_pubkey_from_der(der.data + 22, der.len - 22);
	assert_non_null(k);
	assert_int_equal(crypto_pubkey_bits(k), 1024);
	crypto_pubkey_free(&k);
	/* trailing garbage and truncation are refused */
	buf_append_byte(&der, 0);
	assert_null(crypto_pubkey_from_der(der.data, der.len));
	assert_null(crypto_pubkey_from_der(der.data, der.len / 2));
	assert_null(crypto_pubkey_from_der(der.data, 0));
	buf_reset(&der);
	assert_true(crypto_base64_decode(U(ed), strlen(ed), &der));
	assert_null(crypto_pubkey_from_der(der.data, der.len));
	k = crypto_pubkey_from_ed25519(der.data, der.len);
	assert_non_null(k);
	assert_int_equal(crypto_pubkey_type(k), CRYPTO_KEY_ED25519);
	crypto_pubkey_free(&k);
	assert_null(crypto_pubkey_from_ed25519(der.data, 31));
	buf_deinit(&der);
}

/* round_trip - sign a digest with k, verify with its public half */
static void
round_trip(struct crypto_privkey *k, enum crypto_hash hash)
{
	struct buf pub = BUF_INIT, sig = BUF_INIT;
	unsigned char digest[CRYPTO_DIGEST_MAX];
	size_t n = crypto_hash_len(hash);
	struct crypto_pubkey *pk;

	memset(digest, 0x5a, sizeof(digest));
	crypto_privkey_public_der(k, &pub);
	pk = crypto_privkey_type(k) == CRYPTO_KEY_RSA ?
	    crypto_pubkey_from_der(pub.data, pub.len) :
	    crypto_pubkey_from_ed25519(pub.data, pub.len);
	assert_non_null(pk);
	assert_true(crypto_sign(k, hash, digest, n, &sig));
	assert_true(crypto_verify(pk, hash, digest, n, sig.data, sig.len));
	digest[0] ^= 1;
	assert_false(crypto_verify(pk, hash, digest, n, sig.data, sig.len));
	digest[0] ^= 1;
	sig.data[sig.len - 1] ^= 1;
	assert_false(crypto_verify(pk, hash, digest, n, sig.data, sig.len));
	assert_false(crypto_verify(pk, hash, digest, n, sig.data, 0));
	assert_false(crypto_verify(pk, hash, digest, n - 1, sig.data, sig.len));
	if (crypto_privkey_type(k) == CRYPTO_KEY_RSA) {
		/* a signature over sha1 does not pass as sha256 */
		sig.data[sig.len - 1] ^= 1;
		assert_false(crypto_verify(pk, hash == CRYPTO_HASH_SHA1 ?
		    CRYPTO_HASH_SHA256 : CRYPTO_HASH_SHA1, digest,
		    hash == CRYPTO_HASH_SHA1 ? 32 : 20, sig.data, sig.len));
	}
	crypto_pubkey_free(&pk);
	buf_deinit(&pub);
	buf_deinit(&sig);
}

static void
test_sign_verify_generated(void **state)
{
	struct crypto_privkey *rsa = tk_keygen("rsa", 2048);
	struct crypto_privkey *ed = tk_keygen("ed25519", 0);

	(void)state;
	assert_int_equal(crypto_privkey_bits(rsa), 2048);
	assert_int_equal(crypto_privkey_type(ed), CRYPTO_KEY_ED25519);
	round_trip(rsa, CRYPTO_HASH_SHA256);
	round_trip(rsa, CRYPTO_HASH_SHA1);
	round_trip(ed, CRYPTO_HASH_SHA256);
	crypto_privkey_free(&rsa);
	crypto_privkey_free(&ed);
	assert_null(rsa);
}

/* sign_check - does pk verify k's signature over a fixed digest? */
static bool
sign_check(struct crypto_privkey *k, const struct crypto_pubkey *pk)
{
	struct buf sig = BUF_INIT;
	unsigned char digest[CRYPTO_DIGEST_MAX];
	bool ok;

	memset(digest, 0x3c, sizeof(digest));
	assert_true(crypto_sign(k, CRYPTO_HASH_SHA256, digest, 32, &sig));
	ok = crypto_verify(pk, CRYPTO_HASH_SHA256, digest, 32, sig.data, sig.len);
	buf_deinit(&sig);
	return ok;
}

/* Decoded RSA keys are shared through crypto_keycache.c: a second decode
 * of the same bytes must be the same key, outlive the first, and never be
 * confused with another key. */
static void
test_key_cache_shared(void **state)
{
	struct crypto_privkey *a = tk_keygen("rsa", 1024);
	struct crypto_privkey *b = tk_keygen("rsa", 1024);
	struct buf der_a = BUF_INIT, der_b = BUF_INIT;
	struct crypto_pubkey *a1, *a2, *b1;

	(void)state;
	crypto_privkey_public_der(a, &der_a);
	crypto_privkey_public_der(b, &der_b);
	a1 = crypto_pubkey_from_der(der_a.data, der_a.len);
	a2 = crypto_pubkey_from_der(der_a.data, der_a.len);
	b1 = crypto_pubkey_from_der(der_b.data, der_b.len);
	assert_non_null(a1);
	assert_non_null(a2);
	assert_non_null(b1);
	crypto_pubkey_free(&a1);
	assert_int_equal(crypto_pubkey_bits(a2), 1024);
	assert_true(sign_check(a, a2));
	assert_false(sign_check(b, a2));
	assert_true(sign_check(b, b1));
	assert_false(sign_check(a, b1));
	/* one byte more or less is another input, refused as before */
	buf_append_byte(&der_a, 0);
	assert_null(crypto_pubkey_from_der(der_a.data, der_a.len));
	assert_null(crypto_pubkey_from_der(der_a.data, der_a.len - 2));
	crypto_pubkey_free(&a2);
	crypto_pubkey_free(&b1);
	crypto_privkey_free(&a);
	crypto_privkey_free(&b);
	buf_deinit(&der_a);
	buf_deinit(&der_b);
}

/* Many keys at once all stay cached: keys whose bytes hash alike must
 * not push each other out (a direct-mapped table of 256 slots lost some of
 * 64 keys and decoded them again on every message that used them). */
static void
test_key_cache_many(void **state)
{
	struct crypto_privkey *k = tk_keygen("rsa", 1024);
	struct buf der = BUF_INIT;
	const unsigned char *q;
	EVP_PKEY *pkey, *got;
	char name[32];
	int i, n;

	(void)state;
	crypto_privkey_public_der(k, &der);
	q = der.data;
	pkey = d2i_PUBKEY(NULL, &q, (long)der.len);
	assert_non_null(pkey);
	/* the cache trusts its caller's pairing of bytes and key, so one key
	 * stands for 64 distinct inputs */
	for (i = 0; i < 64; i++) {
		n = snprintf(name, sizeof(name), "key record %d", i);
		crypto_keycache_put(EVP_PKEY_RSA,
		    (const unsigned char *)name, (size_t)n, pkey);
	}
	for (i = 0; i < 64; i++) {
		n = snprintf(name, sizeof(name), "key record %d", i);
		got = crypto_keycache_get(EVP_PKEY_RSA,
		    (const unsigned char *)name, (size_t)n);
		assert_ptr_equal(got, pkey);
		EVP_PKEY_free(got);
	}
	/* never a hit for bytes it was not given */
	assert_null(crypto_keycache_get(EVP_PKEY_RSA,
	    (const unsigned char *)"key record", 10));
	EVP_PKEY_free(pkey);
	crypto_privkey_free(&k);
	buf_deinit(&der);
}

/* The key type is part of the cache's name for a key: the same bytes
 * remembered as an RSA and as an Ed25519 key are two entries. */
static void
test_key_cache_types_apart(void **state)
{
	struct crypto_privkey *r = tk_keygen("rsa", 1024);
	struct crypto_privkey *e = tk_keygen("ed25519", 0);
	static const unsigned char bytes[32] = "the same thirty-two bytes here!";
	struct buf der_r = BUF_INIT, raw_e = BUF_INIT;
	const unsigned char *q;
	EVP_PKEY *rsa, *ed, *got;

	(void)state;
	crypto_privkey_public_der(r, &der_r);
	crypto_privkey_public_der(e, &raw_e);
	q = der_r.data;
	rsa = d2i_PUBKEY(NULL, &q, (long)der_r.len);
	ed = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw_e.data,
	    raw_e.len);
	assert_non_null(rsa);
	assert_non_null(ed);
	crypto_keycache_put(EVP_PKEY_RSA, bytes, sizeof(bytes), rsa);
	assert_null(crypto_keycache_get(EVP_PKEY_ED25519, bytes,
	    sizeof(bytes)));
	crypto_keycache_put(EVP_PKEY_ED25519, bytes, sizeof(bytes), ed);
	got = crypto_keycache_get(EVP_PKEY_RSA, bytes, sizeof(bytes));
	assert_ptr_equal(got, rsa);
	EVP_PKEY_free(got);
	got = crypto_keycache_get(EVP_PKEY_ED25519, bytes, sizeof(bytes));
	assert_ptr_equal(got, ed);
	EVP_PKEY_free(got);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	crypto_privkey_free(&r);
	crypto_privkey_free(&e);
	buf_deinit(&der_r);
	buf_deinit(&raw_e);
}

/* Ed25519 keys are cached as RSA keys are: the same 32 bytes give the same
 * key, other bytes another key. */
static void
test_ed25519_key_cached(void **state)
{
	struct crypto_privkey *a = tk_keygen("ed25519", 0);
	struct crypto_privkey *b = tk_keygen("ed25519", 0);
	struct buf raw_a = BUF_INIT, raw_b = BUF_INIT;
	struct crypto_pubkey *a1, *a2, *b1;
	EVP_PKEY *ca, *cb;

	(void)state;
	crypto_privkey_public_der(a, &raw_a);
	crypto_privkey_public_der(b, &raw_b);
	a1 = crypto_pubkey_from_ed25519(raw_a.data, raw_a.len);
	a2 = crypto_pubkey_from_ed25519(raw_a.data, raw_a.len);
	b1 = crypto_pubkey_from_ed25519(raw_b.data, raw_b.len);
	assert_non_null(a1);
	assert_non_null(a2);
	assert_non_null(b1);
	ca = crypto_keycache_get(EVP_PKEY_ED25519, raw_a.data, raw_a.len);
	cb = crypto_keycache_get(EVP_PKEY_ED25519, raw_b.data, raw_b.len);
	assert_non_null(ca);
	assert_non_null(cb);
	assert_ptr_not_equal(ca, cb);
	/* and never as an RSA key */
	assert_null(crypto_keycache_get(EVP_PKEY_RSA, raw_a.data, raw_a.len));
	crypto_pubkey_free(&a1);
	assert_true(sign_check(a, a2));
	assert_false(sign_check(b, a2));
	assert_true(sign_check(b, b1));
	EVP_PKEY_free(ca);
	EVP_PKEY_free(cb);
	crypto_pubkey_free(&a2);
	crypto_pubkey_free(&b1);
	crypto_privkey_free(&a);
	crypto_privkey_free(&b);
	buf_deinit(&raw_a);
	buf_deinit(&raw_b);
}

/* A key from the base64 text of its bytes (DKIM p=): the same text gives
 * the cached key, another text for the same key works too, the type is
 * part of the name, and the size cap holds for cached keys as well. */
/* A 1024-bit RSA key (RFC 8463 A.2's modulus) with a 9-byte public
 * exponent: "IAAAAAAAAAB" 2^63 + 1 (64 bits), "QAAAAAAAAAB" 2^64 + 1 */
#define RSA_E_KEY(e) \
    "MIGlMA0GCSqGSIb3DQEBAQUAA4GTADCBjwKBgQDkHlOQoBTzWRiGs5V6NpP3idY6" \
    "Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/" \
    "e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G" \
    "+2kryOTIKT+l/K4w3QIJA" e

/* an RSA exponent over 64 bits is flagged each time the key is asked
 * for: such a key is never cached, and a cached key (the second ask) is
 * one that was within the bound; base64 and DER paths alike */
static void
test_pubkey_exponent_bound(void **state)
{
	static const struct {
		const char *text;
		bool too_large;
	} cases[] = {
		{ RSA_E_KEY("IAAAAAAAAAB"), false },
		{ RSA_E_KEY("QAAAAAAAAAB"), true },
	};
	struct buf raw = BUF_INIT;
	struct crypto_pubkey *k;
	size_t i, round;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *t = U(cases[i].text);
		size_t tl = strlen(cases[i].text);

		buf_reset(&raw);
		assert_true(crypto_base64_decode(t, tl, &raw));
		for (round = 0; round < 2; round++) {
			k = NULL;
			assert_int_equal(crypto_pubkey_from_base64(
			    CRYPTO_KEY_RSA, t, tl, 4096, &k), CRYPTO_PUBKEY_OK);
			assert_int_equal(crypto_pubkey_exponent_too_large(k),
			    cases[i].too_large);
			crypto_pubkey_free(&k);
			k = crypto_pubkey_from_der(raw.data, raw.len);
			assert_non_null(k);
			assert_int_equal(crypto_pubkey_exponent_too_large(k),
			    cases[i].too_large);
			crypto_pubkey_free(&k);
		}
		assert_true((crypto_keycache_get(EVP_PKEY_RSA, raw.data,
		    raw.len) == NULL) == cases[i].too_large);
	}
	buf_deinit(&raw);
}

static void
test_pubkey_from_base64(void **state)
{
	struct crypto_privkey *r = tk_keygen("rsa", 1024);
	struct crypto_privkey *e = tk_keygen("ed25519", 0);
	struct buf der = BUF_INIT, text = BUF_INIT, folded = BUF_INIT;
	struct buf raw_e = BUF_INIT, text_e = BUF_INIT;
	struct crypto_pubkey *k1 = NULL, *k2 = NULL, *k3 = NULL, *none;
	EVP_PKEY *c1, *c3;
	size_t i;

	(void)state;
	crypto_privkey_public_der(r, &der);
	crypto_base64_encode(der.data, der.len, &text);
	for (i = 0; i < text.len; i++) {	/* the same key, folded */
		buf_append_byte(&folded, text.data[i]);
		if (i % 60 == 59)
			buf_append_str(&folded, "\r\n\t");
	}
	assert_int_equal(crypto_pubkey_from_base64(CRYPTO_KEY_RSA, text.data,
	    text.len, 4096, &k1), CRYPTO_PUBKEY_OK);
	assert_int_equal(crypto_pubkey_from_base64(CRYPTO_KEY_RSA, text.data,
	    text.len, 4096, &k2), CRYPTO_PUBKEY_OK);
	assert_int_equal(crypto_pubkey_from_base64(CRYPTO_KEY_RSA, folded.data,
	    folded.len, 4096, &k3), CRYPTO_PUBKEY_OK);
	c1 = crypto_keycache_get(EVP_PKEY_RSA | KEYCACHE_BASE64, text.data,
	    text.len);
	c3 = crypto_keycache_get(EVP_PKEY_RSA | KEYCACHE_BASE64, folded.data,
	    folded.len);
	assert_non_null(c1);
	assert_ptr_equal(c1, c3);	/* both texts decode to one DER */
	assert_int_equal(crypto_pubkey_type(k2), CRYPTO_KEY_RSA);
	assert_true(sign_check(r, k2));
	assert_true(sign_check(r, k3));
	assert_false(sign_check(e, k2));
	/* the RSA text is no Ed25519 key, cached or not */
	none = NULL;
	assert_int_equal(crypto_pubkey_from_base64(CRYPTO_KEY_ED25519,
	    text.data, text.len, 4096, &none), CRYPTO_PUBKEY_E_KEY);
	assert_null(none);
	/* a cap below the decoded size refuses the cached text too */
	assert_int_equal(crypto_pubkey_from_base64(CRYPTO_KEY_RSA, text.data,
	    text.len, der.len - 1, &none), CRYPTO_PUBKEY_E_SIZE);
	assert_null(none);
	assert_int_equal(crypto_pubkey_from_base64(CRYPTO_KEY_RSA,
	    U("AB!C"), 4, 4096, &none), CRYPTO_PUBKEY_E_BASE64);
	assert_int_equal(crypto_pubkey_from_base64(CRYPTO_KEY_RSA,
	    U("AAAA"), 4, 4096, &none), CRYPTO_PUBKEY_E_KEY);
	assert_null(none);
	/* Ed25519: its own entries, its own key */
	crypto_privkey_public_der(e, &raw_e);
	crypto_base64_encode(raw_e.data, raw_e.len, &text_e);
	crypto_pubkey_free(&k1);
	assert_int_equal(crypto_pubkey_from_base64(CRYPTO_KEY_ED25519,
	    text_e.data, text_e.len, 4096, &k1), CRYPTO_PUBKEY_OK);
	assert_int_equal(crypto_pubkey_type(k1), CRYPTO_KEY_ED25519);
	assert_true(sign_check(e, k1));
	assert_int_equal(crypto_pubkey_from_base64(CRYPTO_KEY_RSA, text_e.data,
	    text_e.len, 4096, &none), CRYPTO_PUBKEY_E_KEY);
	EVP_PKEY_free(c1);
	EVP_PKEY_free(c3);
	crypto_pubkey_free(&k1);
	crypto_pubkey_free(&k2);
	crypto_pubkey_free(&k3);
	crypto_privkey_free(&r);
	crypto_privkey_free(&e);
	buf_deinit(&der);
	buf_deinit(&text);
	buf_deinit(&folded);
	buf_deinit(&raw_e);
	buf_deinit(&text_e);
}

/* verify_rounds - good, bad, good again with one key, n times: every
 * verification after the first runs on a context used before (and the
 * ones after a failure on a context whose last verification failed) */
static void
verify_rounds(struct crypto_privkey *k, enum crypto_hash hash, int n)
{
	struct buf pub = BUF_INIT, sig = BUF_INIT;
	unsigned char digest[CRYPTO_DIGEST_MAX];
	size_t dlen = crypto_hash_len(hash);
	struct crypto_pubkey *pk;
	int i;

	memset(digest, 0x21 + (int)hash, sizeof(digest));
	crypto_privkey_public_der(k, &pub);
	pk = crypto_privkey_type(k) == CRYPTO_KEY_RSA ?
	    crypto_pubkey_from_der(pub.data, pub.len) :
	    crypto_pubkey_from_ed25519(pub.data, pub.len);
	assert_non_null(pk);
	assert_true(crypto_sign(k, hash, digest, dlen, &sig));
	for (i = 0; i < n; i++) {
		assert_true(crypto_verify(pk, hash, digest, dlen, sig.data,
		    sig.len));
		sig.data[i % sig.len] ^= 0x10;
		assert_false(crypto_verify(pk, hash, digest, dlen, sig.data,
		    sig.len));
		sig.data[i % sig.len] ^= 0x10;
		digest[i % dlen] ^= 1;
		assert_false(crypto_verify(pk, hash, digest, dlen, sig.data,
		    sig.len));
		digest[i % dlen] ^= 1;
	}
	crypto_pubkey_free(&pk);
	buf_deinit(&pub);
	buf_deinit(&sig);
}

/* Verification contexts are reused per key (crypto_verifyctx.c): a reused
 * context gives what a fresh one gives, also right after a failure, with
 * both hashes on one RSA key, and with more keys than the pool holds (so
 * contexts are evicted and made anew). */
static void
test_verify_context_reuse(void **state)
{
	struct crypto_privkey *rsa = tk_keygen("rsa", 1024);
	struct crypto_privkey *eds[70];
	size_t i;

	(void)state;
	verify_rounds(rsa, CRYPTO_HASH_SHA256, 5);
	verify_rounds(rsa, CRYPTO_HASH_SHA1, 5);
	verify_rounds(rsa, CRYPTO_HASH_SHA256, 5);
	for (i = 0; i < sizeof(eds) / sizeof(eds[0]); i++)
		eds[i] = tk_keygen("ed25519", 0);
	for (i = 0; i < sizeof(eds) / sizeof(eds[0]); i++)
		verify_rounds(eds[i], CRYPTO_HASH_SHA256, 2);
	for (i = 0; i < sizeof(eds) / sizeof(eds[0]); i++) {
		verify_rounds(eds[i], CRYPTO_HASH_SHA256, 1);
		crypto_privkey_free(&eds[i]);
	}
	verify_rounds(rsa, CRYPTO_HASH_SHA256, 3);
	crypto_privkey_free(&rsa);
}

static void
test_bad_private_keys(void **state)
{
	static const char garbage[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n";
	/* an encrypted key must fail, not prompt for a passphrase */
	static const char encrypted[] =
	    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
	    "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAizYK6Ljo25rQICCAAw\n"
	    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEPH6prnLCXrGgPF6fpCq1MMEQNpA\n"
	    "tQvgdDf8idW1aLWTfHm7Je8RDMxI7tGhMUIr1uFlKRAnrhCPrf3d1dg+1PhSEpgT\n"
	    "IVrWx3JiTgQKbdRCCiY=\n"
	    "-----END ENCRYPTED PRIVATE KEY-----\n";
	/* the older form: headers in the block (the body is not read) */
	static const char traditional[] =
	    "-----BEGIN RSA PRIVATE KEY-----\n"
	    "Proc-Type: 4,ENCRYPTED\n"
	    "DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n"
	    "AAAA\n"
	    "-----END RSA PRIVATE KEY-----\n";
	const char *err = NULL;

	(void)state;
	assert_null(crypto_privkey_from_pem(U(garbage), strlen(garbage), &err));
	assert_non_null(err);
	assert_null(strstr(err, "encrypted"));
	err = NULL;
	assert_null(crypto_privkey_from_pem(U(encrypted), strlen(encrypted),
	    &err));
	/* and says so, with the way out */
	assert_non_null(strstr(err, "encrypted"));
	assert_non_null(strstr(err, "openssl pkey"));
	err = NULL;
	assert_null(crypto_privkey_from_pem(U(traditional),
	    strlen(traditional), &err));
	assert_non_null(strstr(err, "encrypted"));
	assert_null(crypto_privkey_from_pem(U(""), 0, &err));
}

/* test_two_pem_keys - a file holding two private keys (a rotation's
 * "cat new.pem >> key.pem") is refused rather than signing with the
 * first; a key followed by other PEM blocks or text still loads */
static void
test_two_pem_keys(void **state)
{
	static const char cert_like[] = "-----BEGIN CERTIFICATE-----\nAAAA\n"
	    "-----END CERTIFICATE-----\ntrailing text\n";
	struct buf one = BUF_INIT, two = BUF_INIT;
	struct crypto_privkey *k;
	const char *err = NULL;

	(void)state;
	assert_true(crypto_keygen_pem(CRYPTO_KEY_ED25519, 0, &one, &err));
	assert_true(crypto_keygen_pem(CRYPTO_KEY_ED25519, 0, &two, &err));
	buf_append(&two, one.data, one.len);
	assert_null(crypto_privkey_from_pem(two.data, two.len, &err));
	assert_string_equal(err, "more than one private key in the file");
	assert_null(crypto_privkey_from_text(two.data, two.len, &err));
	buf_append(&one, cert_like, strlen(cert_like));
	k = crypto_privkey_from_pem(one.data, one.len, &err);
	assert_non_null(k);
	crypto_privkey_free(&k);
	buf_deinit(&one);
	buf_deinit(&two);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_reuse),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_public_key_forms),
		cmocka_unit_test(test_sign_verify_generated),
		cmocka_unit_test(test_key_cache_shared),
		cmocka_unit_test(test_key_cache_many),
		cmocka_unit_test(test_key_cache_types_apart),
		cmocka_unit_test(test_ed25519_key_cached),
		cmocka_unit_test(test_pubkey_from_base64),
		cmocka_unit_test(test_pubkey_exponent_bound),
		cmocka_unit_test(test_verify_context_reuse),
		cmocka_unit_test(test_bad_private_keys),
		cmocka_unit_test(test_two_pem_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
