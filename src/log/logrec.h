/* logrec.h - one structured log record (key=value or JSON) */
#ifndef AUTHMILTER_LOGREC_H
#define AUTHMILTER_LOGREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Most fields in one record; further ones are dropped. */
#define LOGREC_MAX_FIELDS 40
/* Longest value kept, in bytes; longer ones are cut and end in "...". */
#define LOGREC_VALUE_MAX 1024

struct logrec_field {
	const char *key;	/* a fixed name: [a-z0-9_] */
	const char *value;	/* borrowed; NULL for a number */
	uint64_t number;
};

/* A record borrows its keys and string values: they must outlive it. */
struct logrec {
	size_t count;
	struct logrec_field f[LOGREC_MAX_FIELDS];
};

/* logrec_init - an empty record */
void logrec_init(struct logrec *r);
/* logrec_add - a string field (value may come from mail; NULL: skipped) */
void logrec_add(struct logrec *r, const char *key, const char *value);
/* logrec_add_uint - a number field */
void logrec_add_uint(struct logrec *r, const char *key, uint64_t value);
/*
 * logrec_format_kv / logrec_format_json - append the record as one line
 * of at most max bytes. A line that would be longer has its longest
 * string values cut further, each ending in "..." (in kv quoted), to
 * one length that makes it fit; keys, numbers and the shorter values
 * keep their place and bytes. Only a record whose keys and numbers
 * alone (with each value as "...") pass max gives a longer line.
 *
 * logrec_format_kv - "key=value key=value": a value that is empty or
 * holds a space, '"', '\', '=' or a byte outside printable ASCII is
 * written in double quotes, with '"' and '\' escaped by '\' and every
 * other such byte as \xHH
 */
void logrec_format_kv(const struct logrec *r, size_t max, struct buf *out);
/* logrec_format_json - {"key":"value",...}: numbers as JSON numbers,
 * strings escaped per RFC 8259 7; bytes that are not valid UTF-8 become
 * U+FFFD. prefix, when not NULL, is raw JSON members placed first
 * ("\"time\":\"...\""), counted in max */
void logrec_format_json(const struct logrec *r, const char *prefix,
    size_t max, struct buf *out);
/* logrec_json_string - append s[0..len) as one JSON string literal */
void logrec_json_string(struct buf *out, const char *s, size_t len);
/* logrec_json_string_max - logrec_json_string in at most max bytes (at
 * least 5): when it would be longer, or cut says s was cut already, the
 * text ends before a whole escape or UTF-8 character, then "..." */
void logrec_json_string_max(struct buf *out, const char *s, size_t len,
    size_t max, bool cut);

#endif
