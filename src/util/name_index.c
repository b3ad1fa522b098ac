/*
 * name_index.c - name -> number in constant time, for the tables a
 * hosting provider's config holds by the ten thousand (KeyTable names,
 * SigningTable keys, key files).
 *
 *   name_index_init    an empty index
 *   name_index_add     keep a name, or say it is there already
 *   name_index_find    look a name up
 *   name_index_deinit  free
 *
 * Each of those tables was a linear scan: a load checked every line
 * against all before it (50,000 lines: over a billion compares, a start
 * or reload of minutes) and a message scanned the whole table several
 * times. Linear probing, at most half full. Hash collisions cost time,
 * never a wrong answer: a hit is confirmed by comparing the names. The
 * names come from the postmaster's files, not from mail, so nobody
 * outside chooses what collides.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/name_index.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* name_hash - FNV-1a over the name, lower-cased when case is ignored */
static uint32_t
name_hash(const struct name_index *x, const char *name)
{
	uint32_t h = HASH_FNV1A_INIT;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		unsigned char c = x->nocase ? ascii_tolower(*p) : *p;

		h = hash_fnv1a(h, &c, 1);
	}
	return h;
}

/* same - the confirmation behind a hash hit */
static bool
same(const struct name_index *x, const char *a, const char *b)
{
	return x->nocase ? ascii_strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

/* slot_of - the slot holding name, or the free one it would go in */
static struct name_index_slot *
slot_of(const struct name_index *x, const char *name, uint32_t h)
{
	size_t i = h & (x->cap - 1);

	while (x->slot[i].name != NULL &&
	    (x->slot[i].hash != h || !same(x, x->slot[i].name, name)))
		i = (i + 1) & (x->cap - 1);
	return &x->slot[i];
}

/* grow - twice the slots, every name moved over */
static void
grow(struct name_index *x)
{
	struct name_index_slot *old = x->slot;
	size_t i, n = x->cap;

	x->cap = n == 0 ? 16 : n * 2;
	x->slot = xcalloc(x->cap, sizeof(*x->slot));
	for (i = 0; i < n; i++)
		if (old[i].name != NULL)
			*slot_of(x, old[i].name, old[i].hash) = old[i];
	free(old);
}

void
name_index_init(struct name_index *x, bool nocase)
{
	memset(x, 0, sizeof(*x));
	x->nocase = nocase;
}

bool
name_index_add(struct name_index *x, const char *name, size_t value,
    size_t *old_r)
{
	uint32_t h = name_hash(x, name);
	struct name_index_slot *s;

	if ((x->count + 1) * 2 > x->cap)
		grow(x);
	s = slot_of(x, name, h);
	if (s->name != NULL) {
		if (old_r != NULL)
			*old_r = s->value;
		return false;
	}
	s->name = name;
	s->value = value;
	s->hash = h;
	x->count++;
	return true;
}

bool
name_index_find(const struct name_index *x, const char *name,
    size_t *value_r)
{
	const struct name_index_slot *s;

	if (x->count == 0)
		return false;
	s = slot_of(x, name, name_hash(x, name));
	if (s->name == NULL)
		return false;
	*value_r = s->value;
	return true;
}

void
name_index_deinit(struct name_index *x)
{
	bool nocase = x->nocase;

	free(x->slot);
	name_index_init(x, nocase);
}
