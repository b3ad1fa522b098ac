/* addr_text.h - a client address as text, without inet_ntop */
#ifndef AUTHMILTER_ADDR_TEXT_H
#define AUTHMILTER_ADDR_TEXT_H

#include <stddef.h>

/* Room for the longest text and its NUL (INET6_ADDRSTRLEN). */
#define ADDR_TEXT_MAX 46

/* addr_text_ipv4 - a[0..4) as dotted decimal into out (NUL-terminated);
 * returns the length */
size_t addr_text_ipv4(const unsigned char a[4], char out[ADDR_TEXT_MAX]);

/* addr_text_ipv6 - a[0..16) as RFC 5952 text into out (NUL-terminated),
 * exactly as glibc's inet_ntop writes it: lower-case hex without leading
 * zeros, the longest run of two or more zero groups (the first of equal
 * ones) as "::", and the last 32 bits in dotted decimal after "::" or
 * "::ffff:" (IPv4-compatible and IPv4-mapped forms); returns the length */
size_t addr_text_ipv6(const unsigned char a[16], char out[ADDR_TEXT_MAX]);

#endif
