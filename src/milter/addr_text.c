/*
 * addr_text.c - the client address as text for the log line, the
 * Authentication-Results and SPF, without inet_ntop.
 *
 * Exported: addr_text_ipv4, addr_text_ipv6.
 *
 * glibc's inet_ntop formats each IPv4 byte and IPv6 group with sprintf,
 * once per connection (issue 18). These write the same bytes directly;
 * test_addr_text compares them with inet_ntop on edge and random
 * addresses. Pure: no allocation, no errors (every input has a text).
 */
#include "config.h"

#include <stdint.h>

#include "milter/addr_text.h"

/* put_dec - v (0..255) in decimal at p; returns the end */
static char *
put_dec(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* put_hex - v (a 16-bit group) in lower-case hex without leading zeros */
static char *
put_hex(char *p, unsigned v)
{
	static const char digit[] = "0123456789abcdef";
	int shift = 12;

	while (shift > 0 && (v >> shift) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = digit[(v >> shift) & 0xf];
	return p;
}

/* put_ipv4 - a[0..4) dotted at p; returns the end */
static char *
put_ipv4(char *p, const unsigned char a[4])
{
	p = put_dec(p, a[0]);
	*p++ = '.';
	p = put_dec(p, a[1]);
	*p++ = '.';
	p = put_dec(p, a[2]);
	*p++ = '.';
	return put_dec(p, a[3]);
}

size_t
addr_text_ipv4(const unsigned char a[4], char out[ADDR_TEXT_MAX])
{
	char *end = put_ipv4(out, a);

	*end = '\0';
	return (size_t)(end - out);
}

size_t
addr_text_ipv6(const unsigned char a[16], char out[ADDR_TEXT_MAX])
{
	unsigned w[8];
	int i, base = -1, len = 0, cur = -1, cur_len = 0;
	char *p = out;

	for (i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	/* RFC 5952 4.2: the longest run of zero groups, the first of
	 * equal ones, and never a single group */
	for (i = 0; i < 8; i++) {
		if (w[i] == 0) {
			if (cur < 0) {
				cur = i;
				cur_len = 0;
			}
			if (++cur_len > len) {
				base = cur;
				len = cur_len;
			}
		} else {
			cur = -1;
		}
	}
	if (len < 2)
		base = -1;
	for (i = 0; i < 8; i++) {
		if (base >= 0 && i >= base && i < base + len) {
			if (i == base)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		/* "::a.b.c.d" and "::ffff:a.b.c.d", as inet_ntop writes */
		if (i == 6 && base == 0 && (len == 6 ||
		    (len == 5 && w[5] == 0xffff))) {
			p = put_ipv4(p, a + 12);
			*p = '\0';
			return (size_t)(p - out);
		}
		p = put_hex(p, w[i]);
	}
	if (base >= 0 && base + len == 8)
		*p++ = ':';
	*p = '\0';
	return (size_t)(p - out);
}
