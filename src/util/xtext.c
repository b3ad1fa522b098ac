/*
 * xtext.c - RFC 3461 xtext for the ENVID of MAIL FROM, which failure
 * reports (RFC 9991, RFC 5965 Original-Envelope-Id) give back decoded.
 */
#include "config.h"

#include <string.h>

#include "util/str.h"
#include "util/xtext.h"

/* upper_hex - the value of an upper case hex digit, or -1 (RFC 3461
 * hexchar has upper case only) */
static int
upper_hex(unsigned char c)
{
	return c >= 'a' && c <= 'f' ? -1 : ascii_hex_value(c);
}

bool
xtext_decode_envid(const char *in, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = 0;
	int hi, lo, c;

	buf_truncate(out, 0);
	while (*p != '\0') {
		if (*p == '+') {
			if ((hi = upper_hex(p[1])) < 0 || (lo = upper_hex(p[2])) < 0)
				goto bad;
			c = hi * 16 + lo;
			p += 3;
		} else if (*p >= 33 && *p <= 126 && *p != '=') {
			c = *p++;
		} else
			goto bad;
		if (c < 32 || c > 126 || ++n > XTEXT_ENVID_MAX)
			goto bad;
		buf_append_byte(out, (unsigned char)c);
	}
	return true;
bad:
	buf_truncate(out, 0);
	return false;
}

const char *
xtext_esmtp_param(char *const *argv, const char *name)
{
	size_t len = strlen(name);

	for (; argv != NULL && *argv != NULL; argv++)
		if (ascii_strncasecmp(*argv, name, len) == 0 &&
		    (*argv)[len] == '=')
			return *argv + len + 1;
	return NULL;
}
