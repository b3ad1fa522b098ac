/*
 * dkim_bodies.c - shared body hashers of a verifier (see dkim_bodies.h).
 * Used by DKIM verification (dkim_verify.c) and ARC verification
 * (arc_verify.c). No errors: allocation failure aborts.
 */
#include "config.h"

#include "core/dkim_bodies.h"

/* slot_find - the index of the slot for sig's (c, a, l=), or count */
static size_t
slot_find(const struct dkim_body_slot *slots, size_t count,
    const struct dkim_sig *sig)
{
	const struct dkim_body_slot *b;
	size_t i;

	for (i = 0; i < count; i++) {
		b = &slots[i];
		if (b->canon == sig->bcanon && b->hash == sig->hash &&
		    b->limited == sig->has_l &&
		    (!b->limited || b->limit == sig->l))
			return i;
	}
	return count;
}

bool
dkim_body_slot_shared(const struct dkim_body_slot *slots, size_t count,
    const struct dkim_sig *sig)
{
	return slot_find(slots, count, sig) < count;
}

/* dkim_body_slot_for - find or add the slot for sig's (c, a, l=) */
size_t
dkim_body_slot_for(struct dkim_body_slot *slots, size_t *count,
    const struct dkim_sig *sig)
{
	struct dkim_body_slot *b;
	size_t i = slot_find(slots, *count, sig);

	if (i < *count)
		return i;
	b = &slots[*count];
	b->canon = sig->bcanon;
	b->hash = sig->hash;
	b->limited = sig->has_l;
	b->limit = sig->l;
	b->b = dkim_body_new(b->canon, b->hash, b->limited, b->limit);
	return (*count)++;
}
