/*
 * crypto_verifyctx.h - prepared verification contexts, kept per key
 *
 * Internal to src/crypto. Setting up an OpenSSL 3 verification (a context
 * for the key, the provider's signature method looked up by name, the
 * RSA padding and digest set as parameters) costs 20,000-30,000
 * instructions: as much as a tenth of an RSA-2048 verification. DKIM keys
 * repeat from message to message, so a context prepared for a key is
 * handed back after use and taken again for that key's next signature.
 * A context is used by one thread at a time: take removes it from the
 * pool, give puts it back. Thread-safe.
 */
#ifndef AUTHMILTER_CRYPTO_VERIFYCTX_H
#define AUTHMILTER_CRYPTO_VERIFYCTX_H

#include <stdbool.h>

#include <openssl/evp.h>

/* A prepared context for one key: RSA PKCS#1 v1.5 with one digest
 * (pctx, EVP_PKEY_verify), or pure Ed25519 (mctx, EVP_DigestVerify). */
struct crypto_verifyctx {
	EVP_PKEY *pkey;		/* not owned: both contexts hold a reference */
	const EVP_MD *md;	/* RSA: the digest pctx was set up for */
	EVP_PKEY_CTX *pctx;	/* RSA, else NULL */
	EVP_MD_CTX *mctx;	/* Ed25519, else NULL */
};

/* crypto_verifyctx_take - a context ready to verify with pkey (md: the
 * digest of an RSA signature, NULL for Ed25519): a pooled one or a new
 * one. false when OpenSSL cannot set one up (the key is unusable). */
bool crypto_verifyctx_take(EVP_PKEY *pkey, const EVP_MD *md, bool rsa,
    struct crypto_verifyctx *vc);
/* crypto_verifyctx_give - return a context after use (a verification
 * that failed leaves it fit for the next); the pool takes it, or frees it
 * when full. vc is cleared. */
void crypto_verifyctx_give(struct crypto_verifyctx *vc);
/* crypto_verifyctx_discard - free a context instead of pooling it */
void crypto_verifyctx_discard(struct crypto_verifyctx *vc);

#endif
