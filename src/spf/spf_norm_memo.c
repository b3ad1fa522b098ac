/*
 * spf_norm_memo.c - spf_record_check with a memory of recent records
 *
 * Exported (spf_norm_memo.h): spf_norm_memo_init, spf_norm_memo_check,
 * spf_norm_memo_clear, spf_norm_memo_deinit.
 *
 * Keyed by the exact record bytes and the client's address family (the
 * only inputs of spf_record_check: /0 networks are rewritten per family).
 * A refusal is remembered with its static reason, so a hostile record
 * repeated costs one compare, and its verdict stays the same. The
 * verdicts are kept in a util/lru_table.h table.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf_norm_memo.h"
#include "spf/spf_record.h"
#include "util/hash.h"
#include "util/xmalloc.h"

/* a remembered verdict: raw record bytes and family -> result */
struct memo_entry {
	int af;
	bool ok;
	const char *why;		/* !ok: spf_record_check's static reason */
	char *norm;			/* ok: the normalised record */
	size_t norm_len;
	uint32_t norm_hash;		/* ok: hash_bytes of norm */
	size_t raw_len;
	unsigned char raw[];
};

/* the key of a lookup */
struct memo_key {
	const unsigned char *raw;
	size_t len;
	int af;
};

/* entry_matches - lru_table_ops.matches */
static bool
entry_matches(const void *value, const void *key)
{
	const struct memo_entry *e = value;
	const struct memo_key *k = key;

	return e->af == k->af && e->raw_len == k->len &&
	    memcmp(e->raw, k->raw, k->len) == 0;
}

/* entry_free - lru_table_ops.free_value */
static void
entry_free(void *value)
{
	struct memo_entry *e = value;

	free(e->norm);
	free(e);
}

static const struct lru_table_ops memo_ops = {
	.matches = entry_matches,
	.free_value = entry_free,
};

/* spf_norm_memo_init - an empty memo */
void
spf_norm_memo_init(struct spf_norm_memo *m)
{
	memset(m, 0, sizeof(*m));
	lru_table_init(&m->table, SPF_NORM_MEMO_SETS, SPF_NORM_MEMO_WAYS,
	    &memo_ops);
}

/* key_hash - the hash of the record bytes and the family */
static uint32_t
key_hash(const struct memo_key *k)
{
	uint32_t h = hash_bytes(HASH_BYTES_INIT, k->raw, k->len);

	return hash_bytes(h, &k->af, sizeof(k->af));
}

/* norm_hash - the hash of a normalised record */
static uint32_t
norm_hash(const struct buf *norm)
{
	return hash_bytes(HASH_BYTES_INIT, buf_cstr(norm), norm->len);
}

/* remember - keep what spf_record_check said about k */
static void
remember(struct spf_norm_memo *m, const struct memo_key *k, uint32_t h,
    bool ok, const char *why, const struct buf *norm)
{
	struct memo_entry *e = xmalloc(sizeof(*e) + k->len);

	e->af = k->af;
	e->ok = ok;
	e->why = why;
	e->norm = NULL;
	e->norm_len = 0;
	e->norm_hash = 0;
	if (ok) {
		e->norm = xmalloc(norm->len + 1);
		memcpy(e->norm, buf_cstr(norm), norm->len + 1);
		e->norm_len = norm->len;
		e->norm_hash = norm_hash(norm);
	}
	e->raw_len = k->len;
	memcpy(e->raw, k->raw, k->len);
	lru_table_put(&m->table, h, k, e);
}

/* spf_norm_memo_check - spf_record_check, remembered */
bool
spf_norm_memo_check(struct spf_norm_memo *m, const unsigned char *rec,
    size_t len, int client_af, struct buf *out_r, const char **why_r,
    uint32_t *norm_hash_r)
{
	struct memo_key k = { rec, len, client_af };
	struct memo_entry *e;
	const char *why = NULL;
	uint32_t h;
	bool ok;

	if (len > SPF_NORM_MEMO_MAX_RAW) {
		ok = spf_record_check(rec, len, client_af, out_r, why_r);
		if (ok && norm_hash_r != NULL)
			*norm_hash_r = norm_hash(out_r);
		return ok;
	}
	h = key_hash(&k);
	if ((e = lru_table_get(&m->table, h, &k)) != NULL) {
		m->hits++;
		buf_reset(out_r);
		if (!e->ok) {
			if (e->why != NULL)
				*why_r = e->why;
			return false;
		}
		buf_append(out_r, e->norm, e->norm_len);
		if (norm_hash_r != NULL)
			*norm_hash_r = e->norm_hash;
		return true;
	}
	m->misses++;
	ok = spf_record_check(rec, len, client_af, out_r, &why);
	remember(m, &k, h, ok, why, out_r);
	if (!ok && why != NULL)
		*why_r = why;
	if (ok && norm_hash_r != NULL)
		*norm_hash_r = norm_hash(out_r);
	return ok;
}

/* spf_norm_memo_clear - forget every record */
void
spf_norm_memo_clear(struct spf_norm_memo *m)
{
	lru_table_clear(&m->table);
	m->hits = m->misses = 0;
}

/* spf_norm_memo_deinit - forget every record and free the table */
void
spf_norm_memo_deinit(struct spf_norm_memo *m)
{
	lru_table_deinit(&m->table);
	m->hits = m->misses = 0;
}
