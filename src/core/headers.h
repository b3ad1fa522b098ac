/* headers.h - a message's header fields in arrival order */
#ifndef AUTHMILTER_HEADERS_H
#define AUTHMILTER_HEADERS_H

#include <stddef.h>

/*
 * One field as the MTA handed it: the name, and the value after the colon
 * (with its leading white space and folding line breaks, as received).
 * name_index is the 1-based position among fields of the same name
 * (compared without case), which is how the milter protocol addresses a
 * field to change or delete it.
 */
struct header {
	char *name;
	unsigned char *value;
	size_t value_len;
	unsigned name_index;
};

struct headers {
	struct header *list;
	size_t count;
	size_t cap;
	size_t bytes;		/* names plus values, for the size cap */
};

void headers_init(struct headers *h);
/* headers_deinit - free every field; the list is empty and reusable */
void headers_deinit(struct headers *h);
/* headers_add - append a copy of the field; returns the stored entry,
 * valid until the next headers_add or headers_deinit */
const struct header *headers_add(struct headers *h, const char *name,
    const unsigned char *value, size_t value_len);
/* headers_count_named - how many fields have this name (case ignored) */
unsigned headers_count_named(const struct headers *h, const char *name);

#endif
