/*
 * fmt.c - append literals, decimal and hex numbers and list items to a
 * struct buf without the printf machinery.
 *
 * Exported (see fmt.h): FMT_LIT, fmt_uint, fmt_hex2, fmt_uint_str.
 *
 * Used on the per-message path (Authentication-Results, the log line),
 * where vfprintf's format parsing was a visible share of the CPU
 * (issue 18). The output is byte for byte what the printf conversions
 * named in fmt.h would write. Growth and its overflow check stay in
 * buf_reserve.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"

/* uint_digits - write v's decimal digits so they end at end; returns the
 * first digit */
static char *
uint_digits(char *end, uint64_t v)
{
	char *p = end;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

void
fmt_uint(struct buf *b, uint64_t v)
{
	char tmp[FMT_UINT_MAX_DIGITS];
	char *p = uint_digits(tmp + sizeof(tmp), v);

	buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

size_t
fmt_uint_str(char *out, size_t size, uint64_t v)
{
	char tmp[FMT_UINT_MAX_DIGITS];
	char *p = uint_digits(tmp + sizeof(tmp), v);
	size_t n = (size_t)(tmp + sizeof(tmp) - p);

	/* a caller's buffer that cannot hold any number is our bug */
	if (size < FMT_UINT_MAX_DIGITS + 1)
		abort();
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

void
fmt_hex2(struct buf *b, unsigned char c)
{
	static const char digits[] = "0123456789abcdef";
	char two[2];

	two[0] = digits[c >> 4];
	two[1] = digits[c & 0x0f];
	buf_append(b, two, 2);
}
