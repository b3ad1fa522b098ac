/*
 * lru_table.c - a small set-associative cache of caller-owned values
 *
 * Exported (lru_table.h): lru_table_init, lru_table_deinit,
 * lru_table_clear, lru_table_get, lru_table_put, lru_table_set_of.
 *
 * One shape for the in-process caches that used to scan every slot on
 * each lookup (the SPF record caches: 128 hash compares a lookup) and
 * each had its own copy of find and victim. Here a lookup touches one set
 * of a few ways. Least recently used replacement within the set keeps a
 * few keys that hash alike from pushing each other out on every use, as
 * a direct-mapped table would. The caller hashes and compares keys, so a
 * key may be any bytes plus anything else (an address family, a type);
 * a stored hash that differs skips the compare.
 *
 * Callers guarantee: init before use, ways and sets >= 1, non-NULL
 * values. Errors: none (allocation failure aborts in xcalloc).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/lru_table.h"
#include "util/xmalloc.h"

/* lru_table_init - an empty table */
void
lru_table_init(struct lru_table *t, unsigned sets, unsigned ways,
    const struct lru_table_ops *ops)
{
	memset(t, 0, sizeof(*t));
	t->sets = sets > 0 ? sets : 1;
	t->ways = ways > 0 ? ways : 1;
	t->ops = ops;
	t->entry = xcalloc((size_t)t->sets * t->ways, sizeof(*t->entry));
}

/* drop - free the value of e and mark e free */
static void
drop(struct lru_table *t, struct lru_table_entry *e)
{
	if (e->value == NULL)
		return;
	t->ops->free_value(e->value);
	e->value = NULL;
	e->hash = 0;
	e->used = 0;
}

/* lru_table_clear - free every value */
void
lru_table_clear(struct lru_table *t)
{
	size_t i, n = (size_t)t->sets * t->ways;

	for (i = 0; i < n && t->entry != NULL; i++)
		drop(t, &t->entry[i]);
	t->clock = 0;
}

/* lru_table_deinit - free every value and the entries */
void
lru_table_deinit(struct lru_table *t)
{
	lru_table_clear(t);
	free(t->entry);
	memset(t, 0, sizeof(*t));
}

/* lru_table_set_of - the set of hash */
unsigned
lru_table_set_of(const struct lru_table *t, uint32_t hash)
{
	return hash % t->sets;
}

/* set_start - the first entry of hash's set */
static struct lru_table_entry *
set_start(struct lru_table *t, uint32_t hash)
{
	return &t->entry[(size_t)lru_table_set_of(t, hash) * t->ways];
}

/* find - the entry of set s keeping key, or NULL */
static struct lru_table_entry *
find(struct lru_table *t, struct lru_table_entry *s, uint32_t hash,
    const void *key)
{
	unsigned i;

	for (i = 0; i < t->ways; i++)
		if (s[i].value != NULL && s[i].hash == hash &&
		    t->ops->matches(s[i].value, key))
			return &s[i];
	return NULL;
}

/* lru_table_get - the value kept for key, or NULL */
void *
lru_table_get(struct lru_table *t, uint32_t hash, const void *key)
{
	struct lru_table_entry *e = find(t, set_start(t, hash), hash, key);

	if (e == NULL)
		return NULL;
	e->used = ++t->clock;
	return e->value;
}

/* victim - the entry of set s to fill: a free one, else the least
 * recently used (its value freed) */
static struct lru_table_entry *
victim(struct lru_table *t, struct lru_table_entry *s)
{
	struct lru_table_entry *v = &s[0];
	unsigned i;

	for (i = 0; i < t->ways; i++) {
		if (s[i].value == NULL)
			return &s[i];
		if (s[i].used < v->used)
			v = &s[i];
	}
	drop(t, v);
	return v;
}

/* lru_table_put - keep value for key */
void
lru_table_put(struct lru_table *t, uint32_t hash, const void *key,
    void *value)
{
	struct lru_table_entry *s = set_start(t, hash);
	struct lru_table_entry *e = find(t, s, hash, key);

	if (e != NULL)
		drop(t, e);
	else
		e = victim(t, s);
	e->value = value;
	e->hash = hash;
	e->used = ++t->clock;
}
