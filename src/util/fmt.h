/* fmt.h - append text pieces to a struct buf without printf */
#ifndef AUTHMILTER_FMT_H
#define AUTHMILTER_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/*
 * Per-message text (Authentication-Results, the log line, list values)
 * is built from literals, strings and small numbers. vfprintf parses
 * its format on every call and measures every %s twice (buf_printf runs
 * it once to size, once to write); these appenders do neither (issue 18).
 */

/* FMT_LIT - append a string literal; its length is known at compile time
 * (the "" makes anything but a literal a compile error) */
#define FMT_LIT(b, lit) buf_append((b), "" lit, sizeof(lit) - 1)

/* Longest decimal an unsigned 64-bit number needs. */
#define FMT_UINT_MAX_DIGITS 20

/* fmt_uint - append v in decimal, like printf "%llu" */
void fmt_uint(struct buf *b, uint64_t v);
/* fmt_hex2 - append c as two lower-case hex digits, like printf "%02x" */
void fmt_hex2(struct buf *b, unsigned char c);
/* fmt_uint_str - v in decimal into out[0..size), NUL-terminated; returns
 * the length. size must be at least FMT_UINT_MAX_DIGITS + 1. */
size_t fmt_uint_str(char *out, size_t size, uint64_t v);

#endif
