/* msgsplit.h - test helper: cut a whole message into header fields and
 * body the way a milter delivers them (name; value after the colon with
 * its leading whitespace and folded line breaks, no final CRLF) */
#ifndef AUTHMILTER_TESTS_MSGSPLIT_H
#define AUTHMILTER_TESTS_MSGSPLIT_H

#include <stddef.h>

struct msg_field {
	const unsigned char *name;
	size_t name_len;
	const unsigned char *value;
	size_t value_len;
};

/* msg_next_field - the field at *pos, advancing *pos; 0 at the blank line
 * that ends the header (then *pos is the body start) or at the end of the
 * data; -1 for a line that is not a field */
int msg_next_field(const unsigned char *p, size_t len, size_t *pos,
    struct msg_field *f);

#endif
