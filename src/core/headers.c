/*
 * headers.c - the list of a message's header fields.
 *
 * headers_add copies each field in arrival order and numbers it among the
 * fields of the same name, so the milter can later delete the n-th
 * "Authentication-Results" field by index. The caller bounds the number
 * and size of fields (it knows the configured caps); this module only
 * keeps the byte total for it.
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

unsigned
headers_count_named(const struct headers *h, const char *name)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < h->count; i++)
		if (ascii_strcasecmp(h->list[i].name, name) == 0)
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
