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
/* logrec_format_kv - append "key=value key=value": a value that is empty
 * or holds a space, '"', '\', '=' or a byte outside printable ASCII is
 * written in double quotes, with '"' and '\' escaped by '\' and every
 * other such byte as \xHH */
void logrec_format_kv(const struct logrec *r, struct buf *out);
/* logrec_format_json - append {"key":"value",...}: numbers as JSON
 * numbers, strings escaped per RFC 8259 7; bytes that are not valid UTF-8
 * become U+FFFD. prefix, when not NULL, is raw JSON members placed first
 * ("\"time\":\"...\"") */
void logrec_format_json(const struct logrec *r, const char *prefix,
    struct buf *out);
/* logrec_json_string - append s[0..len) as one JSON string literal */
void logrec_json_string(struct buf *out, const char *s, size_t len);

#endif
