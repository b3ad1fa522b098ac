/*
 * crypto.c - the one place that talks to OpenSSL (EVP API, OpenSSL 3)
 *
 * Purpose: digests, DKIM public keys (RSA, Ed25519), signature
 * verification and creation, and base64 for DKIM tag values.
 *
 * Exported functions:
 *   (crypto_abort_on_oom, watching OpenSSL's allocations, is in
 *   crypto_oom.c)
 *   crypto_keep_at_exit          no OpenSSL cleanup at exit (the daemon)
 *   crypto_hash_len              output size of a hash
 *   crypto_digest_new/update/final/free   streaming SHA-1 / SHA-256 (freed
 *                                contexts are kept per thread for reuse)
 *   crypto_pubkey_from_der       RSA key: SubjectPublicKeyInfo or RSAPublicKey
 *   crypto_pubkey_from_ed25519   Ed25519 key from 32 raw bytes (RFC 8463)
 *   crypto_pubkey_from_base64    either, from base64 text (DKIM p=), cached
 *   crypto_pubkey_type/bits/exponent_too_large/free
 *   crypto_verify                RSA PKCS#1 v1.5 or Ed25519 over a digest
 *   crypto_privkey_from_pem      RSA or Ed25519 private key from PEM
 *   crypto_privkey_from_text     PEM, or base64 of DER or of an Ed25519 seed
 *   crypto_privkey_type/bits/public_der/free
 *   crypto_privkey_matches       is a DKIM p= key this private key's half
 *   crypto_sign                  counterpart of crypto_verify
 *   crypto_base64_decode/encode  RFC 4648 base64, whitespace ignored
 *
 * Callers guarantee valid pointers; every length is explicit and no input
 * needs a NUL. Hostile keys and signatures yield NULL or false, never a
 * crash. Allocation failure aborts (as xmalloc does).
 *
 * Ownership: every _new/_from_* result belongs to the caller, who frees it
 * with the matching _free (which NULLs the pointer). Private key material
 * lives only inside OpenSSL's EVP_PKEY, which clears it when freed
 * (BN_clear_free for RSA, secure clear for Ed25519); PEM text is parsed
 * from the caller's buffer without copies.
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "crypto/crypto_oom.h"
#include "crypto/crypto_keycache.h"
#include "crypto/crypto_verifyctx.h"
#include "util/spares.h"
#include "util/xmalloc.h"

struct crypto_digest {
	EVP_MD_CTX *ctx;
};

struct crypto_pubkey {
	EVP_PKEY *pkey;
	enum crypto_key_type type;
	bool huge_exponent;	/* RSA e over CRYPTO_RSA_MAX_EXPONENT_BITS */
};

struct crypto_privkey {
	EVP_PKEY *pkey;
	enum crypto_key_type type;
};

/* hash_md - the OpenSSL digest for a hash */
static const EVP_MD *
hash_md(enum crypto_hash hash)
{
	return hash == CRYPTO_HASH_SHA1 ? EVP_sha1() : EVP_sha256();
}

/* The provider implementations of SHA-1 and SHA-256, fetched once per
 * process. EVP_sha256() is only a name: OpenSSL 3 looks the provider
 * implementation up again on every EVP_DigestInit_ex with it (issue 18:
 * about 1,000 instructions of each digest started, two per message).
 * Fetched objects are immutable and may be shared by threads; they live
 * until the process ends. */
static EVP_MD *fetched_sha1, *fetched_sha256;

/* fetch_digests - fill fetched_sha1/256 (once); NULL stays NULL when a
 * provider lacks one, and hash_md's legacy object is used instead */
static void
fetch_digests(void)
{
	fetched_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	fetched_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* hash_md_fetched - the pre-fetched digest for a hash, or hash_md's */
static const EVP_MD *
hash_md_fetched(enum crypto_hash hash)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const EVP_MD *md;

	(void)pthread_once(&once, fetch_digests);
	md = hash == CRYPTO_HASH_SHA1 ? fetched_sha1 : fetched_sha256;
	return md != NULL ? md : hash_md(hash);
}

/*
 * crypto_keep_at_exit - OpenSSL's cleanup at exit deletes the thread-local
 * keys of its per-thread state (the error queue, 904 bytes) while other
 * threads may still be ending, and the state of a thread ending after it
 * is lost (LeakSanitizer saw it once in CI). The process's exit frees
 * everything anyway; OpenSSL's globals stay reachable until then.
 */
void
crypto_keep_at_exit(void)
{
	(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
}

/* crypto_hash_len - output size in bytes of a hash */
size_t
crypto_hash_len(enum crypto_hash hash)
{
	return hash == CRYPTO_HASH_SHA1 ? 20 : 32;
}

/*
 * Spare digest contexts (util/spares.h). Two digests a message (body and
 * header hash) each cost an EVP_MD_CTX_new, OpenSSL's allocation of the
 * SHA state on init, their frees and ours, ~1,000 instructions and four
 * allocations a message (issue 18). A freed digest waits in the spares
 * and the next crypto_digest_new re-initialises it; EVP_DigestInit_ex2
 * resets all state, keeping the allocation.
 */
static struct spares digest_spares = SPARES_INIT(32);

/* crypto_digest_new - start a digest, on a spare context when there is
 * one */
struct crypto_digest *
crypto_digest_new(enum crypto_hash hash)
{
	struct crypto_digest *d = spares_take(&digest_spares);

	if (d == NULL) {
		d = xmalloc(sizeof(*d));
		if ((d->ctx = EVP_MD_CTX_new()) == NULL)
			abort();	/* allocation failure inside OpenSSL */
	}
	if (EVP_DigestInit_ex2(d->ctx, hash_md_fetched(hash), NULL) != 1)
		abort();
	return d;
}

/* crypto_digest_update - add n bytes */
void
crypto_digest_update(struct crypto_digest *d, const void *p, size_t n)
{
	if (n > 0 && EVP_DigestUpdate(d->ctx, p, n) != 1)
		abort();
}

/* crypto_digest_final - write the digest and return its length */
size_t
crypto_digest_final(struct crypto_digest *d,
    unsigned char out[CRYPTO_DIGEST_MAX])
{
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(d->ctx, out, &n) != 1)
		abort();
	return n;
}

/* crypto_digest_free - give the context back to the spares, or free it
 * when they are full */
void
crypto_digest_free(struct crypto_digest **dp)
{
	struct crypto_digest *d = *dp;

	if (d == NULL)
		return;
	*dp = NULL;
	if (!spares_give(&digest_spares, d)) {
		EVP_MD_CTX_free(d->ctx);
		free(d);
	}
}

/* pubkey_wrap - wrap an EVP_PKEY of a known type */
static struct crypto_pubkey *
pubkey_wrap(EVP_PKEY *pkey, enum crypto_key_type type)
{
	struct crypto_pubkey *k = xmalloc(sizeof(*k));

	k->pkey = pkey;
	k->type = type;
	k->huge_exponent = false;
	return k;
}

/*
 * rsa_exponent_too_large - e longer than CRYPTO_RSA_MAX_EXPONENT_BITS.
 * Asked once, when a key is decoded: OpenSSL exports e through its
 * provider for it, some 50,000 instructions, too many for every message.
 * Such keys are never cached, so a cached key is known to be within it.
 */
static bool
rsa_exponent_too_large(const EVP_PKEY *pkey)
{
	BIGNUM *e = NULL;
	bool big;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		crypto_oom_check();
		return true;	/* no e to read: not a key to verify with */
	}
	big = BN_num_bits(e) > CRYPTO_RSA_MAX_EXPONENT_BITS;
	BN_free(e);
	return big;
}

/* rsa_wrap_decoded - wrap a just-decoded RSA key, cached when its
 * exponent is within bounds */
static struct crypto_pubkey *
rsa_wrap_decoded(EVP_PKEY *pkey, const unsigned char *p, size_t len)
{
	struct crypto_pubkey *k = pubkey_wrap(pkey, CRYPTO_KEY_RSA);

	k->huge_exponent = rsa_exponent_too_large(pkey);
	if (!k->huge_exponent)
		crypto_keycache_put(EVP_PKEY_RSA, p, len, pkey);
	return k;
}

/* der_decode - crypto_pubkey_from_der's work */
static struct crypto_pubkey *
der_decode(const unsigned char *p, size_t len)
{
	const unsigned char *q = p;
	EVP_PKEY *pkey;

	if (len == 0 || len > (size_t)64 * 1024)
		return NULL;
	/* Decoding is costly in OpenSSL 3 and keys repeat: see
	 * crypto_keycache.c. Only RSA keys that decoded are cached. */
	if ((pkey = crypto_keycache_get(EVP_PKEY_RSA, p, len)) != NULL)
		return pubkey_wrap(pkey, CRYPTO_KEY_RSA);
	pkey = d2i_PUBKEY(NULL, &q, (long)len);
	if (pkey != NULL && q == p + len) {
		if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA)
			return rsa_wrap_decoded(pkey, p, len);
		EVP_PKEY_free(pkey);
		return NULL;
	}
	EVP_PKEY_free(pkey);
	/* Some publish the PKCS#1 RSAPublicKey without the SPKI wrapper. */
	q = p;
	pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)len);
	if (pkey != NULL && q == p + len)
		return rsa_wrap_decoded(pkey, p, len);
	EVP_PKEY_free(pkey);
	return NULL;
}

/* crypto_pubkey_from_der - RSA key from SPKI or bare RSAPublicKey DER */
struct crypto_pubkey *
crypto_pubkey_from_der(const unsigned char *p, size_t len)
{
	struct crypto_pubkey *k;

	if ((k = der_decode(p, len)) == NULL)
		crypto_oom_check();
	return k;
}

/* ed25519_decode - crypto_pubkey_from_ed25519's work */
static struct crypto_pubkey *
ed25519_decode(const unsigned char *p, size_t len)
{
	EVP_PKEY *pkey;

	if (len != CRYPTO_ED25519_KEY_LEN)
		return NULL;
	/* kept like RSA keys: one selector's key signs message after
	 * message, and a shared key keeps its verification contexts */
	if ((pkey = crypto_keycache_get(EVP_PKEY_ED25519, p, len)) != NULL)
		return pubkey_wrap(pkey, CRYPTO_KEY_ED25519);
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, p, len);
	if (pkey == NULL)
		return NULL;
	crypto_keycache_put(EVP_PKEY_ED25519, p, len, pkey);
	return pubkey_wrap(pkey, CRYPTO_KEY_ED25519);
}

/* crypto_pubkey_from_ed25519 - Ed25519 key from 32 raw bytes */
struct crypto_pubkey *
crypto_pubkey_from_ed25519(const unsigned char *p, size_t len)
{
	struct crypto_pubkey *k;

	if ((k = ed25519_decode(p, len)) == NULL)
		crypto_oom_check();
	return k;
}

/*
 * crypto_pubkey_from_base64 - a key from the base64 text of its bytes
 *
 * A DKIM key record is fetched for every signature, and its p= text is
 * the same message after message: decoding it and finding the decoded key
 * again cost ~3,000 instructions of each message (issue 18). The text
 * itself, tagged with the key type, names the key in the cache. Only
 * texts no longer than max_len are looked up or remembered: a text is
 * never shorter than what it decodes to, so a cached key always respects
 * the caller's cap. Failures are not cached; they take the full path.
 */
enum crypto_pubkey_status
crypto_pubkey_from_base64(enum crypto_key_type type, const unsigned char *p,
    size_t len, size_t max_len, struct crypto_pubkey **k_r)
{
	int tag = (type == CRYPTO_KEY_RSA ? EVP_PKEY_RSA : EVP_PKEY_ED25519) |
	    KEYCACHE_BASE64;
	bool cacheable = len <= max_len;
	struct buf raw = BUF_INIT;
	struct crypto_pubkey *k;
	EVP_PKEY *pkey;

	*k_r = NULL;
	if (cacheable && (pkey = crypto_keycache_get(tag, p, len)) != NULL) {
		*k_r = pubkey_wrap(pkey, type);
		return CRYPTO_PUBKEY_OK;
	}
	if (!crypto_base64_decode(p, len, &raw)) {
		buf_deinit(&raw);
		return CRYPTO_PUBKEY_E_BASE64;
	}
	if (raw.len > max_len) {
		buf_deinit(&raw);
		return CRYPTO_PUBKEY_E_SIZE;
	}
	k = type == CRYPTO_KEY_RSA ? crypto_pubkey_from_der(raw.data, raw.len) :
	    crypto_pubkey_from_ed25519(raw.data, raw.len);
	buf_deinit(&raw);
	if (k == NULL)
		return CRYPTO_PUBKEY_E_KEY;
	if (cacheable && !k->huge_exponent)
		crypto_keycache_put(tag, p, len, k->pkey);
	*k_r = k;
	return CRYPTO_PUBKEY_OK;
}

/* crypto_pubkey_type - RSA or Ed25519 */
enum crypto_key_type
crypto_pubkey_type(const struct crypto_pubkey *k)
{
	return k->type;
}

/* crypto_pubkey_bits - key size in bits */
unsigned
crypto_pubkey_bits(const struct crypto_pubkey *k)
{
	int bits = EVP_PKEY_get_bits(k->pkey);

	if (bits <= 0)
		crypto_oom_check();
	return bits > 0 ? (unsigned)bits : 0;
}

/* crypto_pubkey_exponent_too_large - RSA e over
 * CRYPTO_RSA_MAX_EXPONENT_BITS (decided when the key was decoded) */
bool
crypto_pubkey_exponent_too_large(const struct crypto_pubkey *k)
{
	return k->huge_exponent;
}

/* crypto_pubkey_free - free a public key */
void
crypto_pubkey_free(struct crypto_pubkey **kp)
{
	if (*kp == NULL)
		return;
	EVP_PKEY_free((*kp)->pkey);
	xfree(kp);
}

/* verify_rsa - PKCS#1 v1.5 verification over a digest, with a context
 * prepared for this key and digest (crypto_verifyctx.c) */
static bool
verify_rsa(EVP_PKEY *pkey, enum crypto_hash hash, const unsigned char *digest,
    size_t digest_len, const unsigned char *sig, size_t sig_len)
{
	struct crypto_verifyctx vc;
	bool ok;

	if (!crypto_verifyctx_take(pkey, hash_md_fetched(hash), true, &vc))
		return false;
	ok = EVP_PKEY_verify(vc.pctx, sig, sig_len, digest, digest_len) == 1;
	crypto_verifyctx_give(&vc);
	return ok;
}

/* verify_ed25519 - pure Ed25519 over the digest bytes (RFC 8463 3) */
static bool
verify_ed25519(EVP_PKEY *pkey, const unsigned char *digest, size_t digest_len,
    const unsigned char *sig, size_t sig_len)
{
	struct crypto_verifyctx vc;
	bool ok;

	if (!crypto_verifyctx_take(pkey, NULL, false, &vc))
		return false;
	ok = EVP_DigestVerify(vc.mctx, sig, sig_len, digest, digest_len) == 1;
	crypto_verifyctx_give(&vc);
	return ok;
}

/* crypto_verify - check a signature over a digest */
bool
crypto_verify(const struct crypto_pubkey *k, enum crypto_hash hash,
    const unsigned char *digest, size_t digest_len,
    const unsigned char *sig, size_t sig_len)
{
	bool ok;

	if (digest_len != crypto_hash_len(hash) || sig_len == 0)
		return false;
	if (k->type == CRYPTO_KEY_RSA)
		ok = verify_rsa(k->pkey, hash, digest, digest_len, sig,
		    sig_len);
	else
		ok = verify_ed25519(k->pkey, digest, digest_len, sig, sig_len);
	if (!ok)
		crypto_oom_check();
	return ok;
}

/* no_passphrase - PEM password callback that refuses, so an encrypted key
 * fails instead of prompting on a terminal */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* another_pem_key - does bio hold one more private key after the one
 * just read? Certificates and other blocks are skipped, as on the first
 * read; the failed read's "no start line" is cleared */
static bool
another_pem_key(BIO *bio)
{
	EVP_PKEY *next = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase,
	    NULL);

	ERR_clear_error();
	if (next == NULL)
		return false;
	EVP_PKEY_free(next);
	return true;
}

/* crypto_privkey_from_pem - RSA or Ed25519 private key from PEM */
struct crypto_privkey *
crypto_privkey_from_pem(const unsigned char *p, size_t len, const char **err_r)
{
	struct crypto_privkey *k;
	EVP_PKEY *pkey;
	BIO *bio;
	int id;

	if (len == 0 || len > (size_t)1024 * 1024) {
		*err_r = "empty or oversized key file";
		return NULL;
	}
	bio = BIO_new_mem_buf(p, (int)len);
	if (bio == NULL)
		abort();
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (pkey != NULL && another_pem_key(bio)) {
		/* "cat new.pem >> key.pem" in a rotation: the first, old,
		 * key would go on signing, and nothing would say so */
		BIO_free(bio);
		EVP_PKEY_free(pkey);
		*err_r = "more than one private key in the file";
		return NULL;
	}
	BIO_free(bio);
	if (pkey == NULL) {
		*err_r = "not a PEM private key (or encrypted)";
		return NULL;
	}
	id = EVP_PKEY_get_base_id(pkey);
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		*err_r = "private key is neither RSA nor Ed25519";
		return NULL;
	}
	k = xmalloc(sizeof(*k));
	k->pkey = pkey;
	k->type = id == EVP_PKEY_RSA ? CRYPTO_KEY_RSA : CRYPTO_KEY_ED25519;
	return k;
}

/* wrap_pkey - our handle for an RSA or Ed25519 EVP_PKEY (takes it) */
static struct crypto_privkey *
wrap_pkey(EVP_PKEY *pkey, const char **err_r)
{
	struct crypto_privkey *k;
	int id = EVP_PKEY_get_base_id(pkey);

	if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pkey);
		*err_r = "private key is neither RSA nor Ed25519";
		return NULL;
	}
	k = xmalloc(sizeof(*k));
	k->pkey = pkey;
	k->type = id == EVP_PKEY_RSA ? CRYPTO_KEY_RSA : CRYPTO_KEY_ED25519;
	return k;
}

/* ed25519_from_raw - a 32-byte seed, or seed || public (64 bytes, the
 * libsodium form) whose public half must match */
static EVP_PKEY *
ed25519_from_raw(const unsigned char *p, size_t len)
{
	unsigned char pub[CRYPTO_ED25519_KEY_LEN];
	size_t n = sizeof(pub);
	EVP_PKEY *pkey;

	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, p, 32);
	if (pkey == NULL || len == 32)
		return pkey;
	if (EVP_PKEY_get_raw_public_key(pkey, pub, &n) != 1 ||
	    n != sizeof(pub) || memcmp(pub, p + 32, 32) != 0) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/* crypto_privkey_from_text - PEM; else base64 of a DER private key
 * (PKCS#1 RSAPrivateKey or PKCS#8), or of a raw Ed25519 seed (32 bytes,
 * as dkimpy and several OpenDKIM set-ups keep it) or seed || public */
struct crypto_privkey *
crypto_privkey_from_text(const unsigned char *p, size_t len,
    const char **err_r)
{
	struct buf raw = BUF_INIT;
	EVP_PKEY *pkey = NULL;

	if (len >= 10 && memmem(p, len, "-----BEGIN", 10) != NULL)
		return crypto_privkey_from_pem(p, len, err_r);
	if (len == 0 || len > (size_t)1024 * 1024) {
		*err_r = "empty or oversized key";
		return NULL;
	}
	if (!crypto_base64_decode(p, len, &raw)) {
		*err_r = "neither PEM nor base64";
		buf_deinit(&raw);
		return NULL;
	}
	if (raw.len == 32 || raw.len == 64)
		pkey = ed25519_from_raw(raw.data, raw.len);
	else if (raw.len > 0 && raw.len < (size_t)LONG_MAX) {
		const unsigned char *q = raw.data;

		pkey = d2i_AutoPrivateKey(NULL, &q, (long)raw.len);
	}
	OPENSSL_cleanse(raw.data, raw.len);
	buf_deinit(&raw);
	if (pkey == NULL) {
		*err_r = "base64 key is not a DER private key or an Ed25519 seed";
		return NULL;
	}
	return wrap_pkey(pkey, err_r);
}

/* crypto_privkey_type - RSA or Ed25519 */
enum crypto_key_type
crypto_privkey_type(const struct crypto_privkey *k)
{
	return k->type;
}

/* crypto_privkey_bits - key size in bits */
unsigned
crypto_privkey_bits(const struct crypto_privkey *k)
{
	int bits = EVP_PKEY_get_bits(k->pkey);

	if (bits <= 0)
		crypto_oom_check();
	return bits > 0 ? (unsigned)bits : 0;
}

/* crypto_privkey_public_der - append the public half in key-record form */
void
crypto_privkey_public_der(const struct crypto_privkey *k, struct buf *out)
{
	if (k->type == CRYPTO_KEY_RSA) {
		int n = i2d_PUBKEY(k->pkey, NULL);
		unsigned char *q;

		if (n <= 0)
			abort();
		buf_reserve(out, (size_t)n);
		q = out->data + out->len;
		if (i2d_PUBKEY(k->pkey, &q) != n)
			abort();
		out->len += (size_t)n;
		out->data[out->len] = '\0';
	} else {
		size_t n = CRYPTO_ED25519_KEY_LEN;

		buf_reserve(out, n);
		if (EVP_PKEY_get_raw_public_key(k->pkey, out->data + out->len,
		    &n) != 1 || n != CRYPTO_ED25519_KEY_LEN)
			abort();
		out->len += n;
		out->data[out->len] = '\0';
	}
}

/* crypto_privkey_matches - pub is k's public half: EVP_PKEY_eq compares
 * the type and the public components (1 equal, 0 not, <0 not comparable) */
bool
crypto_privkey_matches(const struct crypto_privkey *k,
    const struct crypto_pubkey *pub)
{
	return k->type == pub->type && EVP_PKEY_eq(k->pkey, pub->pkey) == 1;
}

/* crypto_sign - sign a digest and append the signature */
bool
crypto_sign(const struct crypto_privkey *k, enum crypto_hash hash,
    const unsigned char *digest, size_t digest_len, struct buf *out)
{
	size_t n = 0;
	bool ok = false;

	if (digest_len != crypto_hash_len(hash))
		return false;
	if (k->type == CRYPTO_KEY_RSA) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->pkey, NULL);

		if (ctx == NULL)
			return false;
		if (EVP_PKEY_sign_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(ctx, hash_md(hash)) == 1 &&
		    EVP_PKEY_sign(ctx, NULL, &n, digest, digest_len) == 1) {
			buf_reserve(out, n);
			if (EVP_PKEY_sign(ctx, out->data + out->len, &n, digest,
			    digest_len) == 1)
				ok = true;
		}
		EVP_PKEY_CTX_free(ctx);
	} else {
		EVP_MD_CTX *mctx = EVP_MD_CTX_new();

		if (mctx == NULL)
			return false;
		if (EVP_DigestSignInit(mctx, NULL, NULL, NULL, k->pkey) == 1 &&
		    EVP_DigestSign(mctx, NULL, &n, digest, digest_len) == 1) {
			buf_reserve(out, n);
			if (EVP_DigestSign(mctx, out->data + out->len, &n,
			    digest, digest_len) == 1)
				ok = true;
		}
		EVP_MD_CTX_free(mctx);
	}
	if (ok) {
		out->len += n;
		out->data[out->len] = '\0';
	}
	return ok;
}

/* crypto_privkey_free - free and wipe a private key */
void
crypto_privkey_free(struct crypto_privkey **kp)
{
	if (*kp == NULL)
		return;
	EVP_PKEY_free((*kp)->pkey);	/* clears the key material */
	OPENSSL_cleanse(*kp, sizeof(**kp));
	xfree(kp);
}

/* Classes of bytes in base64 text, beside the 6-bit values 0..63. */
#define B64_WSP 64	/* ignored */
#define B64_PAD 65	/* '=' */
#define B64_BAD 66	/* anything else */

/* A quantum's bad mark in the shifted tables: above its 24 data bits. */
#define B64_QBAD (UINT32_C(1) << 24)

/* b64_class - the 6-bit value of a base64 character, or its class */
static unsigned char
b64_class(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned char)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (unsigned char)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return B64_WSP;
	return c == '=' ? B64_PAD : B64_BAD;
}

/*
 * b64_classes: b64_class of every byte. b64_quantum[k]: for the k-th
 * character of a quantum, its value already shifted into place (18, 12,
 * 6, 0 bits), or B64_QBAD for anything but a data character; one lookup
 * and an OR per character, and one test per quantum. Built once, then
 * only read.
 */
static unsigned char b64_classes[256];
static uint32_t b64_quantum[4][256];

/* b64_table_init - fill the tables (once per process) */
static void
b64_table_init(void)
{
	unsigned c, k;

	for (c = 0; c < 256; c++) {
		unsigned char v = b64_class((unsigned char)c);

		b64_classes[c] = v;
		for (k = 0; k < 4; k++)
			b64_quantum[k][c] = v < 64 ?
			    (uint32_t)v << (18 - 6 * k) : B64_QBAD;
	}
}

/* b64_tables - build the tables on first use */
static void
b64_tables(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, b64_table_init);
}

/* b64_quanta - decode whole quanta of four data characters from p[*i..len)
 * into w, up to the first quantum holding anything else (white space,
 * padding, a bad byte) or fewer than four bytes left; returns the new w */
static unsigned char *
b64_quanta(const unsigned char *p, size_t len, size_t *i, unsigned char *w)
{
	size_t j = *i;

	while (len - j >= 4) {
		uint32_t q = b64_quantum[0][p[j]] | b64_quantum[1][p[j + 1]] |
		    b64_quantum[2][p[j + 2]] | b64_quantum[3][p[j + 3]];

		if ((q & B64_QBAD) != 0)
			break;
		w[0] = (unsigned char)(q >> 16);
		w[1] = (unsigned char)(q >> 8);
		w[2] = (unsigned char)q;
		w += 3;
		j += 4;
	}
	*i = j;
	return w;
}

/*
 * crypto_base64_decode - decode base64 ignoring whitespace
 *
 * Keys (p=) and signatures (b=) are decoded for every message: whole
 * quanta through the shifted tables (b64_quanta), the rest (white space,
 * padding, a quantum split by a fold) a character at a time with the
 * same rules; the output goes into room reserved once (issue 18).
 */
bool
crypto_base64_decode(const unsigned char *p, size_t len, struct buf *out)
{
	const unsigned char *cls = b64_classes;
	size_t start = out->len, i = 0, nchars = 0, npad = 0;
	unsigned long acc = 0;
	unsigned char *w;

	b64_tables();
	buf_reserve(out, len / 4 * 3 + 3);
	w = out->data + out->len;
	for (;;) {
		unsigned char v;

		/* at a quantum boundary: most of a b= or p= value */
		if (nchars % 4 == 0 && npad == 0) {
			unsigned char *w1 = b64_quanta(p, len, &i, w);

			nchars += (size_t)(w1 - w) / 3 * 4;
			w = w1;
		}
		if (i == len)
			break;
		v = cls[p[i++]];
		if (v < 64 && npad == 0) {
			acc = (acc << 6) | v;
			if (++nchars % 4 == 0) {
				*w++ = (unsigned char)(acc >> 16);
				*w++ = (unsigned char)(acc >> 8);
				*w++ = (unsigned char)acc;
				acc = 0;
			}
			continue;
		}
		if (v == B64_WSP)
			continue;
		/* padding only at positions 3 or 4 of a quantum */
		if (v != B64_PAD || nchars % 4 < 2 || ++npad > 2)
			goto bad;
		nchars++;
		acc <<= 6;
	}
	if (nchars % 4 != 0)
		goto bad;
	if (npad > 0) {
		/* the padded quantum: emit only its data bytes */
		*w++ = (unsigned char)(acc >> 16);
		if (npad == 1)
			*w++ = (unsigned char)(acc >> 8);
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return true;
bad:
	/* nothing was counted in out->len: just restore its NUL */
	out->data[start] = '\0';
	return false;
}

/* b64_pairs: the two characters of every 12-bit value, built once; the
 * encoder's three bytes are two lookups and two 2-byte copies */
static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static unsigned char b64_pairs[4096][2];

/* b64_pairs_init - fill b64_pairs (once per process; then only read) */
static void
b64_pairs_init(void)
{
	unsigned v;

	for (v = 0; v < 4096; v++) {
		b64_pairs[v][0] = (unsigned char)b64_alphabet[v >> 6];
		b64_pairs[v][1] = (unsigned char)b64_alphabet[v & 63];
	}
}

/* crypto_base64_encode - append base64 of p without line breaks, written
 * into room reserved once (a checked append per character cost ~4 times
 * the encoding, issue 18) */
void
crypto_base64_encode(const unsigned char *p, size_t len, struct buf *out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	unsigned char *w;
	size_t i;

	if (len == 0)
		return;
	(void)pthread_once(&once, b64_pairs_init);
	/* len is the size of an object in memory: no overflow */
	buf_reserve(out, len / 3 * 4 + 4);
	w = out->data + out->len;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned long v = ((unsigned long)p[i] << 16) |
		    ((unsigned long)p[i + 1] << 8) | p[i + 2];

		memcpy(w, b64_pairs[v >> 12], 2);
		memcpy(w + 2, b64_pairs[v & 4095], 2);
		w += 4;
	}
	if (i < len) {
		unsigned long v = (unsigned long)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		w[0] = (unsigned char)b64_alphabet[(v >> 18) & 63];
		w[1] = (unsigned char)b64_alphabet[(v >> 12) & 63];
		w[2] = i + 1 < len ?
		    (unsigned char)b64_alphabet[(v >> 6) & 63] : '=';
		w[3] = '=';
		w += 4;
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
}
