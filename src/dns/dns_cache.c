/*
 * dns_cache.c - answers kept in the process until their TTL runs out
 *
 * Exported (dns_cache.h, internal to src/dns): dns_cache_new,
 * dns_cache_free, dns_cache_get, dns_cache_get_key, dns_cache_put,
 * dns_cache_hits.
 *
 * A set-associative table: an FNV-1a hash of the type and the lower-cased
 * name picks a set of DNS_CACHE_WAYS entries, and the name and type are
 * compared in full, so a hit is always the question asked. A new answer
 * takes, in its set, the entry of the same question, else a free or
 * expired one, else the one that expires first; all within a bound on the
 * bytes kept. When that bound is reached, one sweep of the table gives
 * back the bytes of every expired entry, at most once per expiry (an
 * expired entry is otherwise freed only when its own set takes a new
 * answer, so a table full of them refused every new answer). (A
 * direct-mapped table let two questions of every message that hash alike
 * evict each other for ever: each cost a round trip through libunbound's
 * thread on every message.) One mutex guards the table; answers are
 * copied in and out, so a caller owns what it gets and the table owns
 * what it keeps. Each copy is one allocation
 * (dns_answer_copy): a hit costs one malloc, not one per record and text.
 *
 * Not lru_table.c: this table replaces the entry that expires first
 * (expired ones before all), not the least recently used, and keeps a
 * byte bound that lru_table's free_value (no context) cannot account.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_cache.h"
#include "dns/dns_int.h"
#include "metrics/metrics.h"
#include "util/hash.h"
#include "util/xmalloc.h"

struct dns_cache_entry {
	char *name;			/* lower case, no final dot */
	uint16_t type;
	uint64_t expires_ms;
	struct dns_answer *answer;
	size_t bytes;			/* answer_bytes of answer */
};

struct dns_cache {
	pthread_mutex_t mu;
	unsigned sets;			/* of DNS_CACHE_WAYS entries each */
	struct dns_cache_entry *table;
	size_t bytes, max_bytes;	/* kept now; bound */
	uint64_t first_expiry_ms;	/* no entry expires before this */
	atomic_uint_least64_t hits;
};

/* set_of - first entry of the set of a normalised name and type (FNV-1a) */
static struct dns_cache_entry *
set_of(const struct dns_cache *c, const char *name, size_t len, uint16_t type)
{
	uint32_t h = hash_fnv1a(HASH_FNV1A_INIT, &type, sizeof(type));

	h = hash_fnv1a(h, name, len);
	return &c->table[(size_t)(h % c->sets) * DNS_CACHE_WAYS];
}

/* is_question - true when e holds the answer to name/type (live or not) */
static bool
is_question(const struct dns_cache_entry *e, const char *name, uint16_t type)
{
	return e->answer != NULL && e->type == type && strcmp(e->name, name) == 0;
}

/* victim - the entry of set a new answer to name/type takes: the same
 * question's, else a free or expired one, else the one expiring first */
static struct dns_cache_entry *
victim(struct dns_cache_entry *set, const char *name, uint16_t type,
    uint64_t now_ms)
{
	struct dns_cache_entry *best = NULL;
	unsigned i;

	for (i = 0; i < DNS_CACHE_WAYS; i++)
		if (is_question(&set[i], name, type))
			return &set[i];
	for (i = 0; i < DNS_CACHE_WAYS; i++) {
		struct dns_cache_entry *e = &set[i];

		if (e->answer == NULL || e->expires_ms <= now_ms)
			return e;
		if (best == NULL || e->expires_ms < best->expires_ms)
			best = e;
	}
	return best;
}

/* answer_bytes - rough size of an answer, to keep the table bounded */
static size_t
answer_bytes(const struct dns_answer *a)
{
	size_t n = sizeof(*a), i;

	for (i = 0; i < a->count; i++)
		n += sizeof(a->rr[i]) + a->rr[i].text_len + 1;
	return n;
}

/* sweep - with mu held, give back the bytes of every expired entry and
 * note when the first live one expires (until then a sweep frees
 * nothing, so none is made) */
static void
sweep(struct dns_cache *c, uint64_t now_ms)
{
	size_t i, n = (size_t)c->sets * DNS_CACHE_WAYS;

	c->first_expiry_ms = UINT64_MAX;
	for (i = 0; i < n; i++) {
		struct dns_cache_entry *e = &c->table[i];

		if (e->answer == NULL)
			continue;
		if (e->expires_ms > now_ms) {
			if (e->expires_ms < c->first_expiry_ms)
				c->first_expiry_ms = e->expires_ms;
			continue;
		}
		c->bytes -= e->bytes;
		free(e->name);
		e->name = NULL;
		dns_answer_free(&e->answer);
		e->bytes = 0;
	}
}

struct dns_cache *
dns_cache_new(unsigned slots, size_t max_bytes)
{
	struct dns_cache *c = xcalloc(1, sizeof(*c));

	c->max_bytes = max_bytes;
	c->first_expiry_ms = UINT64_MAX;
	pthread_mutex_init(&c->mu, NULL);
	c->sets = (slots + DNS_CACHE_WAYS - 1) / DNS_CACHE_WAYS;
	if (c->sets == 0)
		c->sets = 1;
	c->table = xcalloc((size_t)c->sets * DNS_CACHE_WAYS, sizeof(*c->table));
	return c;
}

void
dns_cache_free(struct dns_cache **cp)
{
	struct dns_cache *c = *cp;
	size_t i;

	if (c == NULL)
		return;
	*cp = NULL;
	for (i = 0; i < (size_t)c->sets * DNS_CACHE_WAYS; i++) {
		free(c->table[i].name);
		dns_answer_free(&c->table[i].answer);
	}
	free(c->table);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

struct dns_answer *
dns_cache_get(struct dns_cache *c, const char *name, uint16_t type,
    uint64_t now_ms)
{
	char key[DNS_NAME_KEY_MAX];
	size_t len;

	if (!dns_name_key(name, key, &len))
		return NULL;
	return dns_cache_get_key(c, key, len, type, now_ms);
}

struct dns_answer *
dns_cache_get_key(struct dns_cache *c, const char *key, size_t len,
    uint16_t type, uint64_t now_ms)
{
	struct dns_cache_entry *set;
	struct dns_answer *a = NULL;
	unsigned i;

	set = set_of(c, key, len, type);
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < DNS_CACHE_WAYS; i++) {
		struct dns_cache_entry *e = &set[i];

		if (!is_question(e, key, type) || now_ms >= e->expires_ms)
			continue;
		a = dns_answer_copy(e->answer);
		/* the seconds left, as libunbound reports from its cache */
		a->ttl = (uint32_t)((e->expires_ms - now_ms + 999) / 1000);
		break;
	}
	pthread_mutex_unlock(&c->mu);
	if (a != NULL) {
		atomic_fetch_add(&c->hits, 1);
		metrics_dns_cache_hit();
	}
	return a;
}

void
dns_cache_put(struct dns_cache *c, const char *name, uint16_t type,
    const struct dns_answer *a, uint64_t now_ms)
{
	struct dns_cache_entry *e, old;
	struct dns_answer *copy;
	char key[DNS_NAME_KEY_MAX];
	size_t bytes = answer_bytes(a), len;

	if (a->ttl == 0 || (a->status != DNS_R_ANSWER &&
	    a->status != DNS_R_NXDOMAIN && a->status != DNS_R_NODATA) ||
	    bytes > DNS_CACHE_MAX_BYTES || !dns_name_key(name, key, &len))
		return;
	copy = dns_answer_copy(a);
	pthread_mutex_lock(&c->mu);
	e = victim(set_of(c, key, len, type), key, type, now_ms);
	if (c->bytes - e->bytes + bytes > c->max_bytes &&
	    now_ms >= c->first_expiry_ms) {
		/* expired answers in other sets hold bytes no question of
		 * their own set may come to free: give them back */
		sweep(c, now_ms);
	}
	if (c->bytes - e->bytes + bytes > c->max_bytes) {
		/* full of live answers: keep them rather than grow */
		pthread_mutex_unlock(&c->mu);
		dns_answer_free(&copy);
		return;
	}
	old = *e;
	c->bytes = c->bytes - e->bytes + bytes;
	e->name = xstrdup(key);
	e->type = type;
	e->expires_ms = now_ms + (uint64_t)a->ttl * 1000u;
	if (e->expires_ms < c->first_expiry_ms)
		c->first_expiry_ms = e->expires_ms;
	e->answer = copy;
	e->bytes = bytes;
	pthread_mutex_unlock(&c->mu);
	free(old.name);
	dns_answer_free(&old.answer);
}

uint64_t
dns_cache_hits(const struct dns_cache *c)
{
	return atomic_load(&((struct dns_cache *)c)->hits);
}
