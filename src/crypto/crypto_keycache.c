/*
 * crypto_keycache.c - decoded RSA public keys, remembered by their DER
 *
 * Exported (crypto_keycache.h, internal to src/crypto):
 * crypto_keycache_get, crypto_keycache_put.
 *
 * A direct-mapped table of KEYCACHE_SLOTS entries, indexed by an FNV-1a
 * hash of the DER bytes and confirmed by comparing them in full, so a hit
 * is always the key those exact bytes decode to. A collision replaces the
 * older entry. Memory is bounded: KEYCACHE_SLOTS keys of at most
 * KEYCACHE_MAX_DER bytes. One mutex guards the table; EVP_PKEY objects
 * are reference-counted and used read-only, which OpenSSL allows from
 * several threads at once. The entries live until the process ends.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto_keycache.h"
#include "util/xmalloc.h"

#define KEYCACHE_SLOTS 256
/* Larger than the DER of an RSA-8192 SubjectPublicKeyInfo (~1,060 bytes). */
#define KEYCACHE_MAX_DER 2048

struct keycache_entry {
	unsigned char *der;
	size_t len;
	EVP_PKEY *pkey;
};

static struct keycache_entry table[KEYCACHE_SLOTS];
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

/* slot_of - the table index for these bytes (FNV-1a) */
static size_t
slot_of(const unsigned char *der, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= der[i];
		h *= 16777619u;
	}
	return h % KEYCACHE_SLOTS;
}

EVP_PKEY *
crypto_keycache_get(const unsigned char *der, size_t len)
{
	struct keycache_entry *e;
	EVP_PKEY *pkey = NULL;

	if (len == 0 || len > KEYCACHE_MAX_DER)
		return NULL;
	e = &table[slot_of(der, len)];
	pthread_mutex_lock(&table_mu);
	if (e->pkey != NULL && e->len == len && memcmp(e->der, der, len) == 0 &&
	    EVP_PKEY_up_ref(e->pkey) == 1)
		pkey = e->pkey;
	pthread_mutex_unlock(&table_mu);
	return pkey;
}

void
crypto_keycache_put(const unsigned char *der, size_t len, EVP_PKEY *pkey)
{
	struct keycache_entry *e, old;
	unsigned char *copy;

	if (len == 0 || len > KEYCACHE_MAX_DER || EVP_PKEY_up_ref(pkey) != 1)
		return;
	copy = xmalloc(len);
	memcpy(copy, der, len);
	e = &table[slot_of(der, len)];
	pthread_mutex_lock(&table_mu);
	old = *e;
	e->der = copy;
	e->len = len;
	e->pkey = pkey;
	pthread_mutex_unlock(&table_mu);
	/* freed outside the lock: the last reference may be ours */
	free(old.der);
	EVP_PKEY_free(old.pkey);
}
