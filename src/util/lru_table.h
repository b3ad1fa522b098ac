/* lru_table.h - a small set-associative cache of caller-owned values
 *
 * A fixed number of sets, each of a few ways. A key's set is its hash
 * (util/hash.h over the key's bytes, computed by the caller, who knows
 * what the key is made of) modulo the number of sets;
 * a lookup compares the stored hash, then the caller's matches() on the
 * ways of that one set only. When a set is full the least recently used
 * value of that set is replaced. Memory is bounded by sets x ways values.
 *
 * Ownership: lru_table_put takes the value; the table calls free_value
 * exactly once for every value it drops (replaced, evicted, cleared or
 * at deinit). A value returned by lru_table_get stays the table's and is
 * valid until the next put, clear or deinit of the table.
 *
 * Not thread-safe: callers that share a table lock around every call.
 */
#ifndef AUTHMILTER_UTIL_LRU_TABLE_H
#define AUTHMILTER_UTIL_LRU_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lru_table_ops {
	/* does the kept value hold key? (called only when the hashes are
	 * equal; key is whatever the caller passed to get or put) */
	bool (*matches)(const void *value, const void *key);
	/* free a value the table drops */
	void (*free_value)(void *value);
};

struct lru_table_entry {
	void *value;			/* NULL: free */
	uint32_t hash;
	uint64_t used;			/* table clock at the last get or put */
};

struct lru_table {
	struct lru_table_entry *entry;	/* sets x ways, set by set */
	unsigned sets, ways;
	uint64_t clock;
	const struct lru_table_ops *ops;
};

/* lru_table_init - an empty table of sets x ways entries (both >= 1;
 * ops is not copied and must outlive the table) */
void lru_table_init(struct lru_table *t, unsigned sets, unsigned ways,
    const struct lru_table_ops *ops);

/* lru_table_deinit - free every value and the table's memory; t may be
 * initialised again */
void lru_table_deinit(struct lru_table *t);

/* lru_table_clear - free every value; the table stays usable */
void lru_table_clear(struct lru_table *t);

/* lru_table_get - the value kept for key (hash: its hash), marked as the
 * most recently used of its set; NULL when none is kept */
void *lru_table_get(struct lru_table *t, uint32_t hash, const void *key);

/* lru_table_put - keep value (non-NULL, not one the table keeps
 * already; the table takes it) for key: it replaces a value already kept
 * for key, else takes a free way of the set, else the set's least
 * recently used value (each dropped value freed) */
void lru_table_put(struct lru_table *t, uint32_t hash, const void *key,
    void *value);

/* lru_table_set_of - the set a hash falls in, 0 .. sets-1 (for tests
 * that need keys of one set) */
unsigned lru_table_set_of(const struct lru_table *t, uint32_t hash);

#endif
