/*
 * crypto_keycache.c - decoded public keys, remembered by type and bytes
 *
 * Exported (crypto_keycache.h, internal to src/crypto):
 * crypto_keycache_get, crypto_keycache_put.
 *
 * A set-associative table (util/lru_table): KEYCACHE_SETS sets of
 * KEYCACHE_WAYS entries, the set chosen by hash_bytes of the key type
 * and the bytes, an entry confirmed by comparing both in full, so a hit
 * is always the key those exact bytes decode to as that type. The bytes are the key's (DER, or
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
#include "util/lru_table.h"
#include "util/xmalloc.h"

#define KEYCACHE_SETS 32
#define KEYCACHE_WAYS 8
/* Larger than the DER of an RSA-8192 SubjectPublicKeyInfo (~1,060 bytes)
 * and than the base64 text of an RSA-4096 one (~740 bytes). */
#define KEYCACHE_MAX_DER 2048

/* a kept key, and the type and bytes it was decoded from */
struct keycache_entry {
	int type;		/* EVP_PKEY_RSA or _ED25519 (| KEYCACHE_BASE64) */
	EVP_PKEY *pkey;
	size_t len;
	unsigned char der[];
};

/* the name looked up: type and bytes */
struct keycache_key {
	int type;
	const unsigned char *der;
	size_t len;
};

/* entry_matches - lru_table_ops.matches */
static bool
entry_matches(const void *value, const void *key)
{
	const struct keycache_entry *e = value;
	const struct keycache_key *k = key;

	return e->type == k->type && e->len == k->len &&
	    memcmp(e->der, k->der, k->len) == 0;
}

/* entry_free - lru_table_ops.free_value: drops the cache's reference */
static void
entry_free(void *value)
{
	struct keycache_entry *e = value;

	EVP_PKEY_free(e->pkey);
	free(e);
}

static const struct lru_table_ops keycache_ops = {
	.matches = entry_matches,
	.free_value = entry_free,
};

static struct lru_table table;	/* guarded by table_mu; set up on first use */
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

/* key_hash - the hash of type and bytes */
static uint32_t
key_hash(const struct keycache_key *k)
{
	return hash_bytes(hash_bytes(HASH_BYTES_INIT, &k->type,
	    sizeof(k->type)), k->der, k->len);
}

/* table_ready - the table, set up on first use (table_mu held) */
static struct lru_table *
table_ready(void)
{
	if (table.entry == NULL)
		lru_table_init(&table, KEYCACHE_SETS, KEYCACHE_WAYS,
		    &keycache_ops);
	return &table;
}

EVP_PKEY *
crypto_keycache_get(int type, const unsigned char *der, size_t len)
{
	struct keycache_key k = { type, der, len };
	uint32_t hash;
	struct keycache_entry *e;
	EVP_PKEY *pkey = NULL;

	if (len == 0 || len > KEYCACHE_MAX_DER)
		return NULL;
	hash = key_hash(&k);
	pthread_mutex_lock(&table_mu);
	e = lru_table_get(table_ready(), hash, &k);
	if (e != NULL && EVP_PKEY_up_ref(e->pkey) == 1)
		pkey = e->pkey;
	pthread_mutex_unlock(&table_mu);
	return pkey;
}

void
crypto_keycache_put(int type, const unsigned char *der, size_t len,
    EVP_PKEY *pkey)
{
	struct keycache_key k = { type, der, len };
	struct keycache_entry *e;
	uint32_t hash;

	if (len == 0 || len > KEYCACHE_MAX_DER || EVP_PKEY_up_ref(pkey) != 1)
		return;
	e = xmalloc(sizeof(*e) + len);
	e->type = type;
	e->pkey = pkey;
	e->len = len;
	memcpy(e->der, der, len);
	k.der = e->der;
	hash = key_hash(&k);
	/* two threads may decode the same new key at once: the second put
	 * replaces the first entry (lru_table_put frees it) */
	pthread_mutex_lock(&table_mu);
	lru_table_put(table_ready(), hash, &k, e);
	pthread_mutex_unlock(&table_mu);
}
