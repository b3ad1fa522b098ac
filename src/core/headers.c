/*
 * headers.c - the list of a message's header fields.
 *
 * headers_add copies each field in arrival order and numbers it among the
 * fields of the same name, so the milter can later delete the n-th
 * "Authentication-Results" field by index. The caller bounds the number
 * and size of fields (it knows the configured caps); this module only
 * keeps the byte total for it.
 *
 * headers_name_len / headers_name_eq / headers_name_is are the one place
 * where a field name is normalised for comparison: trailing SP and HTAB
 * (RFC 5322 4.5.1 obsolete "From :") dropped, case ignored. The numbering
 * of headers_add uses them too, which matches how Postfix and Sendmail
 * find the n-th field of a name for a change or deletion.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/headers.h"
#include "util/str.h"
#include "util/xmalloc.h"

void
headers_init(struct headers *h)
{
	memset(h, 0, sizeof(*h));
}

void
headers_deinit(struct headers *h)
{
	size_t i;

	for (i = 0; i < h->count; i++) {
		free(h->list[i].name);
		free(h->list[i].value);
	}
	free(h->list);
	headers_init(h);
}

/* headers_name_len - length without trailing white space */
size_t
headers_name_len(const unsigned char *name, size_t len)
{
	while (len > 0 && ascii_iswsp(name[len - 1]))
		len--;
	return len;
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

/* headers_name_is - headers_name_eq for NUL-terminated strings */
bool
headers_name_is(const char *name, const char *want)
{
	return headers_name_eq((const unsigned char *)name, strlen(name),
	    (const unsigned char *)want, strlen(want));
}

unsigned
headers_count_named(const struct headers *h, const char *name)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < h->count; i++)
		if (headers_name_is(h->list[i].name, name))
			n++;
	return n;
}

const struct header *
headers_add(struct headers *h, const char *name, const unsigned char *value,
    size_t value_len)
{
	struct header *f;

	if (h->count == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 32;
		h->list = xreallocarray(h->list, h->cap, sizeof(*h->list));
	}
	f = &h->list[h->count];
	f->name = xstrdup(name);
	f->value = (unsigned char *)xstrndup((const char *)value, value_len);
	f->value_len = value_len;
	f->name_index = headers_count_named(h, name) + 1;
	h->count++;
	h->bytes += strlen(name) + value_len;
	return f;
}
