/*
 * str.c - ASCII string helpers that do not depend on the locale, and
 * str_copy, a bounded copy without printf's format parsing.
 *
 * The case-insensitive comparisons test for plain equality first (whole
 * strings in libc's strcmp, or byte by byte): the names
 * they compare (domains, header and tag names) nearly always agree in
 * case, and folding both bytes of every pair cost ~12 instructions a
 * byte on the message path (issue 18).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "util/str.h"

/* ascii_strcasecmp - compare NUL-terminated strings ignoring ASCII case */
int
ascii_strcasecmp(const char *a, const char *b)
{
	/* equal as bytes, the usual case (a domain looked up again), in
	 * libc's vectorised strcmp */
	if (strcmp(a, b) == 0)
		return 0;
	return ascii_strncasecmp(a, b, SIZE_MAX);
}

/* ascii_strncasecmp - same, at most n bytes */
int
ascii_strncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n > 0; n--, x++, y++) {
		int d;

		if (*x == *y) {
			if (*x == '\0')
				return 0;
			continue;
		}
		/* bytes that differ: neither folds to the other's NUL */
		if ((d = ascii_tolower(*x) - ascii_tolower(*y)) != 0)
			return d;
	}
	return 0;
}

/* ascii_caseeq - p[0..n) equals s[0..n) ignoring ASCII case */
bool
ascii_caseeq(const void *p, const void *s, size_t n)
{
	const unsigned char *x = p, *y = s;
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i] && ascii_tolower(x[i]) != ascii_tolower(y[i]))
			return false;
	return true;
}

bool
str_has_non_ascii(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, sizeof(w));
		if ((w & UINT64_C(0x8080808080808080)) != 0)
			return true;
	}
	for (; i < len; i++)
		if (b[i] >= 0x80)
			return true;
	return false;
}

char *
str_lower(char *s)
{
	unsigned char *p;

	for (p = (unsigned char *)s; *p != '\0'; p++)
		*p = ascii_tolower(*p);
	return s;
}

char *
str_trim(char *s)
{
	size_t len;
	char *start = s;

	while (*start == ' ' || *start == '\t' || *start == '\r' || *start == '\n')
		start++;
	len = strlen(start);
	while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t' ||
	    start[len - 1] == '\r' || start[len - 1] == '\n'))
		len--;
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

size_t
str_bom_len(const char *s)
{
	return strncmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

size_t
str_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src), n = len < size ? len : size - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
	return len;
}
