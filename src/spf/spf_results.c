/*
 * spf_results.c - SPF results kept while their DNS answers live
 *
 * Exported (spf_results.h): spf_results_new, spf_results_free,
 * spf_results_get, spf_results_put, spf_results_hits.
 *
 * A util/lru_table.h table under one mutex. Each entry is one allocation:
 * its expiry, the result's numbers, then the key bytes, the reason and
 * the explanation. An expired entry is a miss and stays until a put
 * replaces it or its set needs the way.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf_results.h"
#include "util/hash.h"
#include "util/lru_table.h"
#include "util/xmalloc.h"

struct result_entry {
	uint64_t expires_ms;
	enum spf_res res;
	unsigned dns_terms, void_lookups;
	bool has_explanation;
	size_t key_len;
	size_t reason_len;
	char data[];	/* key, reason NUL, explanation NUL (if any) */
};

struct result_key {
	const void *bytes;
	size_t len;
};

struct spf_results {
	pthread_mutex_t mu;
	struct lru_table table;
	atomic_uint_least64_t hits;
};

/* entry_matches - lru_table_ops.matches: the same key bytes */
static bool
entry_matches(const void *value, const void *key)
{
	const struct result_entry *e = value;
	const struct result_key *k = key;

	return e->key_len == k->len && memcmp(e->data, k->bytes, k->len) == 0;
}

/* entry_free - lru_table_ops.free_value */
static void
entry_free(void *value)
{
	free(value);
}

static const struct lru_table_ops result_ops = {
	.matches = entry_matches,
	.free_value = entry_free,
};

/* spf_results_new - an empty table */
struct spf_results *
spf_results_new(unsigned sets, unsigned ways)
{
	struct spf_results *t = xcalloc(1, sizeof(*t));

	if (pthread_mutex_init(&t->mu, NULL) != 0)
		abort();	/* only fails for lack of resources */
	lru_table_init(&t->table, sets, ways, &result_ops);
	atomic_init(&t->hits, 0);
	return t;
}

/* spf_results_free - free the table and its entries */
void
spf_results_free(struct spf_results **tp)
{
	struct spf_results *t = *tp;

	if (t == NULL)
		return;
	*tp = NULL;
	lru_table_deinit(&t->table);
	(void)pthread_mutex_destroy(&t->mu);
	free(t);
}

/* spf_results_get - a kept, unexpired result for key, handed to take */
bool
spf_results_get(struct spf_results *t, const void *key, size_t len,
    uint64_t now_ms, void (*take)(void *arg, const struct spf_kept *kept),
    void *arg)
{
	struct result_key k = { key, len };
	uint32_t h = hash_bytes(HASH_BYTES_INIT, key, len);
	const struct result_entry *e;
	struct spf_kept kept;
	bool found = false;

	pthread_mutex_lock(&t->mu);
	e = lru_table_get(&t->table, h, &k);
	if (e != NULL && now_ms < e->expires_ms) {
		kept.res = e->res;
		kept.dns_terms = e->dns_terms;
		kept.void_lookups = e->void_lookups;
		kept.reason = e->data + e->key_len;
		kept.explanation = e->has_explanation ?
		    kept.reason + e->reason_len + 1 : NULL;
		take(arg, &kept);
		found = true;
	}
	pthread_mutex_unlock(&t->mu);
	if (found)
		atomic_fetch_add(&t->hits, 1);
	return found;
}

/* spf_results_put - keep k for key until now_ms + ttl_s */
void
spf_results_put(struct spf_results *t, const void *key, size_t len,
    uint64_t now_ms, uint32_t ttl_s, const struct spf_kept *k)
{
	struct result_key rk = { key, len };
	size_t rlen = strlen(k->reason);
	size_t elen = k->explanation != NULL ? strlen(k->explanation) : 0;
	struct result_entry *e;
	char *p;

	if (ttl_s == 0 || len > SPF_RESULTS_MAX_KEY ||
	    rlen + elen > SPF_RESULTS_MAX_TEXT)
		return;
	if (ttl_s > SPF_RESULTS_MAX_TTL_S)
		ttl_s = SPF_RESULTS_MAX_TTL_S;
	e = xmalloc(sizeof(*e) + len + rlen + 1 + elen + 1);
	e->expires_ms = now_ms + (uint64_t)ttl_s * 1000u;
	e->res = k->res;
	e->dns_terms = k->dns_terms;
	e->void_lookups = k->void_lookups;
	e->has_explanation = k->explanation != NULL;
	e->key_len = len;
	e->reason_len = rlen;
	p = e->data;
	memcpy(p, key, len);
	p += len;
	memcpy(p, k->reason, rlen + 1);
	p += rlen + 1;
	if (k->explanation != NULL)
		memcpy(p, k->explanation, elen + 1);
	pthread_mutex_lock(&t->mu);
	lru_table_put(&t->table, hash_bytes(HASH_BYTES_INIT, key, len), &rk, e);
	pthread_mutex_unlock(&t->mu);
}

/* spf_results_hits - lookups answered from the table */
uint64_t
spf_results_hits(struct spf_results *t)
{
	return atomic_load(&t->hits);
}
