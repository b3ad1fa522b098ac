/* name_index.h - find a config table's entry by its name in constant time
 *
 * An open-addressing hash table from a NUL-terminated name (ASCII case
 * ignored, or not) to a number the caller chose (its entry's position).
 * Names are borrowed: each must stay valid, unchanged, while the index
 * holds it. Built once per configuration load, read by any number of
 * threads afterwards (lookups do not write).
 */
#ifndef AUTHMILTER_UTIL_NAME_INDEX_H
#define AUTHMILTER_UTIL_NAME_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct name_index_slot {
	const char *name;		/* NULL: free */
	size_t value;
	uint32_t hash;
};

struct name_index {
	struct name_index_slot *slot;
	size_t cap;			/* a power of two, or 0 */
	size_t count;
	bool nocase;			/* "A" and "a" are the same name */
};

/* name_index_init - an empty index (no memory until the first add) */
void name_index_init(struct name_index *x, bool nocase);
/* name_index_add - keep name -> value. False when name is held already:
 * then *old_r (if not NULL) is its value and nothing changes. */
bool name_index_add(struct name_index *x, const char *name, size_t value,
    size_t *old_r);
/* name_index_find - the value kept for name; false when there is none */
bool name_index_find(const struct name_index *x, const char *name,
    size_t *value_r);
/* name_index_deinit - free the slots (not the names); empty afterwards */
void name_index_deinit(struct name_index *x);

#endif
