/*
 * crypto_verifyctx.c - prepared verification contexts, kept per key
 *
 * Exported (crypto_verifyctx.h, internal to src/crypto):
 * crypto_verifyctx_take, crypto_verifyctx_give, crypto_verifyctx_discard.
 *
 * A pool of POOL_SLOTS idle contexts, each for one (key, digest) pair,
 * found by the key's address. The address is a safe name: every pooled
 * context holds a reference to its key, so the key cannot be freed and
 * its address reused by another key while the context waits here. Taking
 * removes the context from the pool, so no two threads ever use one at
 * once. When the pool is full a returned context replaces the slots in
 * turn (round robin), and the one it replaces is freed.
 *
 * Reuse is what OpenSSL documents: EVP_PKEY_verify may be called again on
 * a context with the same parameters (EVP_PKEY_verify(3)); an
 * EVP_DigestVerify context is re-initialised for its key by
 * EVP_DigestVerifyInit with a NULL key, which keeps the key and the
 * signature method fetched the first time.
 *
 * Memory is bounded: POOL_SLOTS contexts and the keys they hold. The
 * pool lives until the process ends.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>
#include <pthread.h>

#include <openssl/rsa.h>

#include "crypto/crypto_verifyctx.h"

/* More than the distinct keys a busy server verifies with at once. */
#define POOL_SLOTS 64

static struct crypto_verifyctx pool[POOL_SLOTS];
static size_t next_victim;		/* guarded by pool_mu */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;

/* prepare_rsa - a fresh EVP_PKEY_CTX for PKCS#1 v1.5 with md */
static bool
prepare_rsa(EVP_PKEY *pkey, const EVP_MD *md, struct crypto_verifyctx *vc)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);

	if (ctx == NULL)
		return false;
	if (EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return false;
	}
	vc->pctx = ctx;
	return true;
}

/* prepare_ed25519 - a fresh EVP_MD_CTX for pure Ed25519 */
static bool
prepare_ed25519(EVP_PKEY *pkey, struct crypto_verifyctx *vc)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL)
		return false;
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1) {
		EVP_MD_CTX_free(ctx);
		return false;
	}
	vc->mctx = ctx;
	return true;
}

/* pool_remove - move the idle context for (pkey, md, rsa) out of the
 * pool into vc; false when there is none */
static bool
pool_remove(EVP_PKEY *pkey, const EVP_MD *md, bool rsa,
    struct crypto_verifyctx *vc)
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&pool_mu);
	for (i = 0; i < POOL_SLOTS; i++) {
		struct crypto_verifyctx *s = &pool[i];

		if (s->pkey == pkey && s->md == md &&
		    (s->pctx != NULL) == rsa) {
			*vc = *s;
			memset(s, 0, sizeof(*s));
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&pool_mu);
	return found;
}

/* crypto_verifyctx_take - a pooled or new context for pkey */
bool
crypto_verifyctx_take(EVP_PKEY *pkey, const EVP_MD *md, bool rsa,
    struct crypto_verifyctx *vc)
{
	memset(vc, 0, sizeof(*vc));
	if (!rsa)
		md = NULL;
	if (pool_remove(pkey, md, rsa, vc)) {
		/* an Ed25519 context is spent by EVP_DigestVerify: renew it
		 * for the same key; if that fails, start afresh */
		if (rsa || EVP_DigestVerifyInit(vc->mctx, NULL, NULL, NULL,
		    NULL) == 1)
			return true;
		crypto_verifyctx_discard(vc);
	}
	vc->pkey = pkey;
	vc->md = md;
	if (rsa ? prepare_rsa(pkey, md, vc) : prepare_ed25519(pkey, vc))
		return true;
	memset(vc, 0, sizeof(*vc));
	return false;
}

/* crypto_verifyctx_give - pool a context after use */
void
crypto_verifyctx_give(struct crypto_verifyctx *vc)
{
	struct crypto_verifyctx old;
	size_t i;

	if (vc->pctx == NULL && vc->mctx == NULL)
		return;
	pthread_mutex_lock(&pool_mu);
	for (i = 0; i < POOL_SLOTS; i++)
		if (pool[i].pkey == NULL)
			break;
	if (i == POOL_SLOTS) {
		i = next_victim;
		next_victim = (next_victim + 1) % POOL_SLOTS;
	}
	old = pool[i];
	pool[i] = *vc;
	pthread_mutex_unlock(&pool_mu);
	memset(vc, 0, sizeof(*vc));
	/* freed outside the lock: it may drop the last reference to a key */
	crypto_verifyctx_discard(&old);
}

/* crypto_verifyctx_discard - free a context */
void
crypto_verifyctx_discard(struct crypto_verifyctx *vc)
{
	EVP_PKEY_CTX_free(vc->pctx);
	EVP_MD_CTX_free(vc->mctx);
	memset(vc, 0, sizeof(*vc));
}
