/*
 * spf_norm_memo.c - spf_record_check with a memory of recent records
 *
 * Exported (spf_norm_memo.h): spf_norm_memo_check, spf_norm_memo_clear.
 *
 * Keyed by the exact record bytes and the client's address family (the
 * only inputs of spf_record_check: /0 networks are rewritten per family).
 * A refusal is remembered with its static reason, so a hostile record
 * repeated costs one compare, and its verdict stays the same.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spf/spf_compiled.h"
#include "spf/spf_norm_memo.h"
#include "spf/spf_record.h"
#include "util/hash.h"
#include "util/xmalloc.h"

/* find - the slot remembering rec[0..len) (hash h) for af, or NULL */
static struct spf_norm_memo_slot *
find(struct spf_norm_memo *m, const unsigned char *rec, size_t len,
    uint32_t h, int af)
{
	size_t i;

	for (i = 0; i < SPF_NORM_MEMO_SLOTS; i++) {
		struct spf_norm_memo_slot *s = &m->slot[i];

		if (s->hash == h && s->raw_len == len && s->raw != NULL &&
		    s->af == af &&
		    memcmp(s->raw, rec, len) == 0)
			return s;
	}
	return NULL;
}

/* forget - empty slot s */
static void
forget(struct spf_norm_memo_slot *s)
{
	free(s->raw);
	free(s->norm);
	memset(s, 0, sizeof(*s));
}

/* victim - a free slot, else the least recently used one (emptied) */
static struct spf_norm_memo_slot *
victim(struct spf_norm_memo *m)
{
	struct spf_norm_memo_slot *v = &m->slot[0];
	size_t i;

	for (i = 0; i < SPF_NORM_MEMO_SLOTS && v->raw != NULL; i++)
		if (m->slot[i].raw == NULL ||
		    m->slot[i].last_use < v->last_use)
			v = &m->slot[i];
	forget(v);
	return v;
}

/* spf_norm_memo_check - spf_record_check, remembered */
bool
spf_norm_memo_check(struct spf_norm_memo *m, const unsigned char *rec,
    size_t len, int client_af, struct buf *out_r, const char **why_r)
{
	struct spf_norm_memo_slot *s;
	const char *why = NULL;
	uint32_t h;
	bool ok;

	if (len > SPF_NORM_MEMO_MAX_RAW)
		return spf_record_check(rec, len, client_af, out_r, why_r);
	h = hash_fnv1a(HASH_FNV1A_INIT, rec, len);
	if ((s = find(m, rec, len, h, client_af)) != NULL) {
		m->hits++;
		s->last_use = ++m->clock;
		buf_reset(out_r);
		if (!s->ok) {
			if (s->why != NULL)
				*why_r = s->why;
			return false;
		}
		buf_append(out_r, s->norm, s->norm_len);
		return true;
	}
	m->misses++;
	ok = spf_record_check(rec, len, client_af, out_r, &why);
	s = victim(m);
	s->raw = xmalloc(len + 1);
	memcpy(s->raw, rec, len);
	s->raw[len] = '\0';
	s->raw_len = len;
	s->hash = h;
	s->af = client_af;
	s->ok = ok;
	s->why = why;
	if (ok) {
		s->norm = xmalloc(out_r->len + 1);
		memcpy(s->norm, buf_cstr(out_r), out_r->len + 1);
		s->norm_len = out_r->len;
	}
	s->last_use = ++m->clock;
	if (!ok && why != NULL)
		*why_r = why;
	return ok;
}

/* spf_norm_memo_clear - forget every record */
void
spf_norm_memo_clear(struct spf_norm_memo *m)
{
	size_t i;

	for (i = 0; i < SPF_NORM_MEMO_SLOTS; i++)
		forget(&m->slot[i]);
	memset(m, 0, sizeof(*m));
}
