/*
 * headers.c - the list of a message's header fields.
 *
 * headers_add copies each field in arrival order; headers_name_index
 * numbers a field among the fields of the same name, so the milter can
 * delete the n-th "Authentication-Results" field by index. The caller bounds the number
 * and size of fields (it knows the configured caps); this module only
 * keeps the byte total for it. Each field's name and value are one
 * allocation in the caller's arena (a message's headers are freed all at
 * once with the message, issue 18), and headers_clear keeps the entry
 * list, so a reused connection's next message allocates nothing here.
 *
 * headers_name_len / headers_name_eq / headers_kind are the one place
 * where a field name is normalised for comparison: trailing SP and HTAB
 * (RFC 5322 4.5.1 obsolete "From :") dropped, case ignored. The numbering
 * of headers_add uses them too, which matches how Postfix and Sendmail
 * find the n-th field of a name for a change or deletion.
 *
 * headers_kind tells the fields authentication picks by name (From,
 * DKIM-Signature, Authentication-Results, the three ARC fields) with the
 * same comparison; headers_field_init measures a field and classifies it
 * once, and the milter hands that struct header to every check and to
 * headers_add_field, so no check compares the name again (issue 18).
 *
 * headers_hidden_next finds the fields a reader that ends lines at a
 * bare CR would see inside a value (see headers.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/headers.h"
#include "util/str.h"
#include "util/xmalloc.h"

void
headers_init(struct headers *h, struct arena *arena)
{
	memset(h, 0, sizeof(*h));
	h->arena = arena;
}

void
headers_clear(struct headers *h)
{
	/* a message with thousands of fields does not pin its list */
	if (h->cap > HEADERS_KEEP) {
		headers_deinit(h);
		return;
	}
	h->count = 0;
	h->bytes = 0;
}

void
headers_deinit(struct headers *h)
{
	free(h->list);
	headers_init(h, h->arena);
}

/* headers_name_eq - normalised names equal, case ignored */
bool
headers_name_eq(const unsigned char *name, size_t len,
    const unsigned char *want, size_t wlen)
{
	size_t i;

	len = headers_name_len(name, len);
	wlen = headers_name_len(want, wlen);
	if (len != wlen)
		return false;
	for (i = 0; i < len; i++)
		if (ascii_tolower(name[i]) != ascii_tolower(want[i]))
			return false;
	return true;
}

/* count_named - fields among the first count named name[0..len), len
 * already without trailing WSP. Each field's cmp_len was kept when it
 * was added, so only names of equal length are compared. */
static unsigned
count_named(const struct headers *h, size_t count, const unsigned char *name,
    size_t len)
{
	unsigned n = 0;
	size_t i, j;

	for (i = 0; i < count; i++) {
		const unsigned char *other = (const unsigned char *)h->list[i].name;

		if (h->list[i].cmp_len != len)
			continue;
		for (j = 0; j < len; j++)
			if (ascii_tolower(other[j]) != ascii_tolower(name[j]))
				break;
		if (j == len)
			n++;
	}
	return n;
}

/* same_lower - name[0..n) equals lower[0..n) with ASCII case ignored
 * (lower is lower case); inline, as most fields are told apart at the
 * first byte (issue 18: a call to ascii_memcaseeq cost ~100) */
static inline bool
same_lower(const unsigned char *name, const char *lower, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ascii_tolower(name[i]) != (unsigned char)lower[i])
			return false;
	return true;
}

/* kind_of - headers_kind of name[0..len), len without trailing WSP */
static enum header_kind
kind_of(const unsigned char *name, size_t len)
{
	static const struct {
		const char *name;	/* lower case */
		enum header_kind kind;
	} known[] = {
		{ "from", HEADER_FROM },
		{ "dkim-signature", HEADER_DKIM_SIGNATURE },
		{ "authentication-results", HEADER_AUTH_RESULTS },
		{ "arc-seal", HEADER_ARC_SEAL },
		{ "arc-message-signature", HEADER_ARC_MESSAGE_SIGNATURE },
		{ "arc-authentication-results", HEADER_ARC_AUTH_RESULTS },
	};
	size_t i;

	switch (len) {
	case 4: i = 0; break;
	case 14: i = 1; break;
	case 22: i = 2; break;
	case 8: i = 3; break;
	case 21: i = 4; break;
	case 26: i = 5; break;
	default: return HEADER_OTHER;
	}
	return same_lower(name, known[i].name, len) ? known[i].kind :
	    HEADER_OTHER;
}

/* headers_kind - one length test picks the only candidate name, so
 * most fields cost a switch and no comparison */
enum header_kind
headers_kind(const unsigned char *name, size_t len)
{
	return kind_of(name, headers_name_len(name, len));
}

unsigned
headers_count_named(const struct headers *h, const char *name)
{
	return count_named(h, h->count, (const unsigned char *)name,
	    headers_name_len((const unsigned char *)name, strlen(name)));
}

unsigned
headers_name_index(const struct headers *h, const struct header *f)
{
	return count_named(h, (size_t)(f - h->list),
	    (const unsigned char *)f->name, f->cmp_len) + 1;
}

void
headers_field_init(struct header *f, const char *name,
    const unsigned char *value, size_t value_len)
{
	f->name = (char *)(uintptr_t)name;	/* not written through */
	f->value = (unsigned char *)(uintptr_t)value;
	f->value_len = value_len;
	f->name_len = strlen(name);
	f->cmp_len = headers_name_len((const unsigned char *)name,
	    f->name_len);
	f->kind = kind_of((const unsigned char *)name, f->cmp_len);
	f->hides_from = headers_hides_from(value, value_len);
}

const struct header *
headers_add(struct headers *h, const char *name, const unsigned char *value,
    size_t value_len)
{
	struct header f;

	headers_field_init(&f, name, value, value_len);
	return headers_add_field(h, &f);
}

const struct header *
headers_add_field(struct headers *h, const struct header *in)
{
	size_t name_len = in->name_len, value_len = in->value_len;
	struct header *f;
	char *copy;

	if (h->count == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 32;
		h->list = xreallocarray(h->list, h->cap, sizeof(*h->list));
	}
	/* "name\0value\0" in one piece; both lengths are of objects in
	 * memory, so their sum cannot wrap */
	copy = arena_alloc(h->arena, name_len + value_len + 2);
	memcpy(copy, in->name, name_len);
	copy[name_len] = '\0';
	if (value_len > 0)
		memcpy(copy + name_len + 1, in->value, value_len);
	copy[name_len + 1 + value_len] = '\0';
	f = &h->list[h->count];
	*f = *in;
	f->name = copy;
	f->value = (unsigned char *)copy + name_len + 1;
	h->count++;
	h->bytes += name_len + value_len;
	return f;
}

/* line_break_at - length of the line break (CR, LF or CRLF) at v[i],
 * 0 when v[i] is neither */
static size_t
line_break_at(const unsigned char *v, size_t len, size_t i)
{
	if (v[i] == '\r')
		return i + 1 < len && v[i + 1] == '\n' ? 2 : 1;
	return v[i] == '\n' ? 1 : 0;
}

/* find_byte - the index of the first c in v[i..len), len when none */
static size_t
find_byte(const unsigned char *v, size_t len, size_t i, unsigned char c)
{
	const unsigned char *p = i < len ? memchr(v + i, c, len - i) : NULL;

	return p != NULL ? (size_t)(p - v) : len;
}

/* hidden_start - the first line break at or after i that white space
 * does not follow (not folding); *next_r is where the line after it
 * starts. len when there is none. Every folded field (each DKIM
 * signature) comes here: the breaks are found by memchr, not byte by
 * byte, and the next CR and LF are looked for again only once passed. */
static size_t
hidden_start(const unsigned char *v, size_t len, size_t i, size_t *next_r)
{
	size_t cr = find_byte(v, len, i, '\r'), lf = find_byte(v, len, i, '\n');
	size_t b, n;

	while ((b = cr < lf ? cr : lf) < len) {
		n = line_break_at(v, len, b);
		if (b + n < len && !ascii_iswsp(v[b + n])) {
			*next_r = b + n;
			return b;
		}
		i = b + n;
		if (cr < i)
			cr = find_byte(v, len, i, '\r');
		if (lf < i)
			lf = find_byte(v, len, i, '\n');
	}
	*next_r = len;
	return len;
}

bool
headers_hidden_next(const unsigned char *value, size_t len, size_t *pos,
    struct header_hidden *out)
{
	size_t start, end, next, colon;

	(void)hidden_start(value, len, *pos, &start);
	while (start < len) {
		end = hidden_start(value, len, start, &next);
		for (colon = start; colon < end && value[colon] != ':' &&
		    value[colon] != '\r' && value[colon] != '\n'; colon++)
			;
		if (colon > start && colon < end && value[colon] == ':') {
			out->name = value + start;
			out->name_len = colon - start;
			out->value = value + colon + 1;
			out->value_len = end - colon - 1;
			out->kind = headers_kind(out->name, out->name_len);
			/* the next search starts at this line's end */
			*pos = end;
			return true;
		}
		start = next;
	}
	*pos = len;
	return false;
}

bool
headers_hides_from(const unsigned char *value, size_t len)
{
	struct header_hidden h;
	size_t pos = 0;

	/* most values have no line break at all */
	if (memchr(value, '\r', len) == NULL && memchr(value, '\n', len) == NULL)
		return false;
	while (headers_hidden_next(value, len, &pos, &h))
		if (h.kind == HEADER_FROM)
			return true;
	return false;
}
