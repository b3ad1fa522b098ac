/*
 * crypto.c - the one place that talks to OpenSSL (EVP API, OpenSSL 3)
 *
 * Purpose: digests, DKIM public keys (RSA, Ed25519) and signature
 * verification. Private keys and signing are in crypto_privkey.c,
 * base64 in crypto_base64.c (no OpenSSL there).
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
 *
 * Callers guarantee valid pointers; every length is explicit and no input
 * needs a NUL. Hostile keys and signatures yield NULL or false, never a
 * crash. Allocation failure aborts (as xmalloc does).
 *
 * Ownership: every _new/_from_* result belongs to the caller, who frees it
 * with the matching _free (which NULLs the pointer).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"
#include "crypto/crypto_oom.h"
#include "crypto/crypto_keycache.h"
#include "crypto/crypto_verifyctx.h"
#include "util/spares.h"
#include "util/xmalloc.h"

struct crypto_digest {
	EVP_MD_CTX *ctx;
};

/* crypto_hash_md - the OpenSSL digest for a hash */
const EVP_MD *
crypto_hash_md(enum crypto_hash hash)
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
 * provider lacks one, and crypto_hash_md's legacy object is used instead */
static void
fetch_digests(void)
{
	fetched_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	fetched_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* hash_md_fetched - the pre-fetched digest for a hash, or crypto_hash_md's */
static const EVP_MD *
hash_md_fetched(enum crypto_hash hash)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const EVP_MD *md;

	(void)pthread_once(&once, fetch_digests);
	md = hash == CRYPTO_HASH_SHA1 ? fetched_sha1 : fetched_sha256;
	return md != NULL ? md : crypto_hash_md(hash);
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

/* crypto_pkey_bits - an OpenSSL key's size in bits (0 when it has
 * none; a failure that was OpenSSL running out of memory aborts) */
unsigned
crypto_pkey_bits(const EVP_PKEY *pkey)
{
	int bits = EVP_PKEY_get_bits(pkey);

	if (bits <= 0)
		crypto_oom_check();
	return bits > 0 ? (unsigned)bits : 0;
}

/* crypto_pubkey_bits - key size in bits */
unsigned
crypto_pubkey_bits(const struct crypto_pubkey *k)
{
	return crypto_pkey_bits(k->pkey);
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
