/*
 * dns_cache.c - answers kept in the process until their TTL runs out
 *
 * Exported (dns_cache.h, internal to src/dns): dns_cache_new,
 * dns_cache_free, dns_cache_get, dns_cache_put, dns_cache_hits.
 *
 * A direct-mapped table indexed by an FNV-1a hash of the type and the
 * lower-cased name; the name and type are compared in full, so a hit is
 * always the question asked. A newer answer replaces whatever is in its
 * slot, within a bound on the bytes kept. One mutex guards the table; answers are copied in and out, so a
 * caller owns what it gets and the table owns what it keeps.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_cache.h"
#include "dns/dns_int.h"
#include "metrics/metrics.h"
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
	unsigned slots;
	struct dns_cache_entry *table;
	size_t bytes, max_bytes;	/* kept now; bound */
	atomic_uint_least64_t hits;
};

/* normalise - name in lower case without its final dot; false if too long */
static bool
normalise(const char *name, char out[256])
{
	size_t len = strlen(name), i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len > 255)
		return false;
	for (i = 0; i < len; i++) {
		char ch = name[i];

		out[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	out[len] = '\0';
	return true;
}

/* slot_of - table index of a normalised name and type (FNV-1a) */
static unsigned
slot_of(const struct dns_cache *c, const char *name, uint16_t type)
{
	uint32_t h = 2166136261u ^ type;
	const unsigned char *p;

	h *= 16777619u;
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h % c->slots;
}

/* answer_copy - a deep copy of a */
static struct dns_answer *
answer_copy(const struct dns_answer *a)
{
	struct dns_answer *b = dns_answer_new(a->status);
	size_t i;

	b->secure = a->secure;
	b->ttl = a->ttl;
	for (i = 0; i < a->count; i++) {
		struct dns_rr *rr = dns_answer_add(b, a->rr[i].type);

		rr->pref = a->rr[i].pref;
		memcpy(rr->addr, a->rr[i].addr, sizeof(rr->addr));
		if (a->rr[i].text != NULL) {
			rr->text = xmalloc(a->rr[i].text_len + 1);
			memcpy(rr->text, a->rr[i].text, a->rr[i].text_len);
			rr->text[a->rr[i].text_len] = '\0';
		}
		rr->text_len = a->rr[i].text_len;
	}
	return b;
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

struct dns_cache *
dns_cache_new(unsigned slots, size_t max_bytes)
{
	struct dns_cache *c = xcalloc(1, sizeof(*c));

	c->max_bytes = max_bytes;
	pthread_mutex_init(&c->mu, NULL);
	c->slots = slots > 0 ? slots : 1;
	c->table = xcalloc(c->slots, sizeof(*c->table));
	return c;
}

void
dns_cache_free(struct dns_cache **cp)
{
	struct dns_cache *c = *cp;
	unsigned i;

	if (c == NULL)
		return;
	*cp = NULL;
	for (i = 0; i < c->slots; i++) {
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
	struct dns_cache_entry *e;
	struct dns_answer *a = NULL;
	char key[256];

	if (!normalise(name, key))
		return NULL;
	e = &c->table[slot_of(c, key, type)];
	pthread_mutex_lock(&c->mu);
	if (e->answer != NULL && e->type == type && now_ms < e->expires_ms &&
	    strcmp(e->name, key) == 0) {
		a = answer_copy(e->answer);
		/* the seconds left, as libunbound reports from its cache */
		a->ttl = (uint32_t)((e->expires_ms - now_ms + 999) / 1000);
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
	char key[256];
	size_t bytes = answer_bytes(a);

	if (a->ttl == 0 || (a->status != DNS_R_ANSWER &&
	    a->status != DNS_R_NXDOMAIN && a->status != DNS_R_NODATA) ||
	    bytes > DNS_CACHE_MAX_BYTES || !normalise(name, key))
		return;
	copy = answer_copy(a);
	e = &c->table[slot_of(c, key, type)];
	pthread_mutex_lock(&c->mu);
	if (c->bytes - e->bytes + bytes > c->max_bytes) {
		/* full: keep what is there rather than grow */
		pthread_mutex_unlock(&c->mu);
		dns_answer_free(&copy);
		return;
	}
	old = *e;
	c->bytes = c->bytes - e->bytes + bytes;
	e->name = xstrdup(key);
	e->type = type;
	e->expires_ms = now_ms + (uint64_t)a->ttl * 1000u;
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
