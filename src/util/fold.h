/*
 * fold.h - keep a header field's lines within RFC 5322 2.1.1's 998
 * octets by folding (a line break before a blank, 3.2.2), never by
 * changing the text: unfolded, the value is what it was.
 */
#ifndef AUTHMILTER_FOLD_H
#define AUTHMILTER_FOLD_H

#include <stddef.h>

#include "util/buf.h"

/* Longest line of a header field, without its CRLF (RFC 5322 2.1.1) */
#define FOLD_LINE_MAX 998

/*
 * fold_lines - append value[0..len) to out with "\n" put before a blank
 * wherever a line would pass FOLD_LINE_MAX octets, the first line
 * counting first_used octets more (the field's name, colon and what the
 * caller writes before the value). A line break goes before a blank
 * with text before and after it on its line, the last one that fits,
 * else the first one after; a line with no such blank stays as long as
 * it is. Line breaks already in value (LF or CRLF) are kept.
 */
void fold_lines(const unsigned char *value, size_t len, size_t first_used,
    struct buf *out);

#endif
