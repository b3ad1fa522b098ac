/*
 * crypto_keycache.c - decoded public keys, remembered by type and bytes
 *
 * Exported (crypto_keycache.h, internal to src/crypto):
 * crypto_keycache_get, crypto_keycache_put.
 *
 * A set-associative table: KEYCACHE_SETS sets of KEYCACHE_WAYS entries,
 * the set chosen by an FNV-1a hash of the key type and the bytes, an entry
 * confirmed by comparing both in full, so a hit is always the key those
 * exact bytes decode to as that type. The bytes are the key's (DER, or
 * Ed25519's 32) or, with KEYCACHE_BASE64 in the type, their base64 text.
 * Within a set the least recently used entry is replaced, so a
 * few keys that hash alike do not push each other out on every message
 * (a direct-mapped table did: one colliding pair among 21 keys cost a
 * million-instruction decode on 5% of the bench's messages). Memory is
 * bounded: KEYCACHE_SETS x KEYCACHE_WAYS keys of at most KEYCACHE_MAX_DER
 * bytes. One mutex guards the table; EVP_PKEY objects are
 * reference-counted and used read-only, which OpenSSL allows from several
 * threads at once. The entries live until the process ends.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto_keycache.h"
#include "util/hash.h"
#include "util/xmalloc.h"

#define KEYCACHE_SETS 32
#define KEYCACHE_WAYS 8
/* Larger than the DER of an RSA-8192 SubjectPublicKeyInfo (~1,060 bytes)
 * and than the base64 text of an RSA-4096 one (~740 bytes). */
#define KEYCACHE_MAX_DER 2048

struct keycache_entry {
	int type;		/* EVP_PKEY_RSA or _ED25519 (| KEYCACHE_BASE64) */
	unsigned char *der;
	size_t len;
	EVP_PKEY *pkey;
	uint64_t used;		/* clock of the last get or put */
};

static struct keycache_entry table[KEYCACHE_SETS][KEYCACHE_WAYS];
static uint64_t clock_now;	/* guarded by table_mu */
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

/* set_of - the set for a key of type from these bytes */
static size_t
set_of(int type, const unsigned char *der, size_t len)
{
	unsigned char t = (unsigned char)type;

	return hash_fnv1a(hash_fnv1a(HASH_FNV1A_INIT, &t, 1), der, len) %
	    KEYCACHE_SETS;
}

/* find - the entry of set holding a key of type from exactly these
 * bytes, or NULL */
static struct keycache_entry *
find(struct keycache_entry *set, int type, const unsigned char *der,
    size_t len)
{
	size_t i;

	for (i = 0; i < KEYCACHE_WAYS; i++)
		if (set[i].pkey != NULL && set[i].type == type &&
		    set[i].len == len &&
		    memcmp(set[i].der, der, len) == 0)
			return &set[i];
	return NULL;
}

/* victim - the entry of set to replace: a free one, else the least
 * recently used */
static struct keycache_entry *
victim(struct keycache_entry *set)
{
	struct keycache_entry *v = &set[0];
	size_t i;

	for (i = 0; i < KEYCACHE_WAYS; i++) {
		if (set[i].pkey == NULL)
			return &set[i];
		if (set[i].used < v->used)
			v = &set[i];
	}
	return v;
}

EVP_PKEY *
crypto_keycache_get(int type, const unsigned char *der, size_t len)
{
	struct keycache_entry *e;
	EVP_PKEY *pkey = NULL;

	if (len == 0 || len > KEYCACHE_MAX_DER)
		return NULL;
	pthread_mutex_lock(&table_mu);
	e = find(table[set_of(type, der, len)], type, der, len);
	if (e != NULL && EVP_PKEY_up_ref(e->pkey) == 1) {
		pkey = e->pkey;
		e->used = ++clock_now;
	}
	pthread_mutex_unlock(&table_mu);
	return pkey;
}

void
crypto_keycache_put(int type, const unsigned char *der, size_t len,
    EVP_PKEY *pkey)
{
	struct keycache_entry *set, *e, old;
	unsigned char *copy;

	if (len == 0 || len > KEYCACHE_MAX_DER || EVP_PKEY_up_ref(pkey) != 1)
		return;
	copy = xmalloc(len);
	memcpy(copy, der, len);
	set = table[set_of(type, der, len)];
	pthread_mutex_lock(&table_mu);
	/* two threads may decode the same new key at once: keep one entry */
	if ((e = find(set, type, der, len)) == NULL)
		e = victim(set);
	old = *e;
	e->type = type;
	e->der = copy;
	e->len = len;
	e->pkey = pkey;
	e->used = ++clock_now;
	pthread_mutex_unlock(&table_mu);
	/* freed outside the lock: the last reference may be ours */
	free(old.der);
	EVP_PKEY_free(old.pkey);
}
