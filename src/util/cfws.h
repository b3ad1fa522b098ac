/* cfws.h - RFC 5322 CFWS: white space, line breaks and comments, as
 * header fields that carry them (Authentication-Results, its ARC form)
 * allow between their tokens. */
#ifndef AUTHMILTER_CFWS_H
#define AUTHMILTER_CFWS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * cfws_skip - move *i past the white space, CR, LF and comments at
 * p[*i..len); a comment may hold quoted-pairs ("\)") and comments nested
 * up to max_depth deep. Returns false, *i somewhere inside, when a
 * comment does not end or nests deeper.
 */
bool cfws_skip(const unsigned char *p, size_t len, size_t *i,
    unsigned max_depth);

#endif
