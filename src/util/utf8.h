/* utf8.h - UTF-8 validity (RFC 3629) for text that leaves the daemon:
 * logs, JSON, XML reports, the report store. */
#ifndef AUTHMILTER_UTF8_H
#define AUTHMILTER_UTF8_H

#include <stddef.h>

/* utf8_seq_len - length of the valid UTF-8 sequence at p[0..n): 1 for an
 * ASCII byte, 2-4 for a well-formed multi-byte character, 0 when p does
 * not start one (a stray or truncated sequence, an overlong form, a
 * surrogate, a code point above U+10FFFF). n must be at least 1. */
size_t utf8_seq_len(const unsigned char *p, size_t n);

#endif
