/*
 * str.c - ASCII string helpers that do not depend on the locale, and
 * str_copy, a bounded copy without printf's format parsing.
 */
#include "config.h"

#include <string.h>

#include "util/str.h"

int
ascii_strcasecmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (;; x++, y++) {
		int d = ascii_tolower(*x) - ascii_tolower(*y);

		if (d != 0 || *x == '\0')
			return d;
	}
}

int
ascii_strncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n > 0; n--, x++, y++) {
		int d = ascii_tolower(*x) - ascii_tolower(*y);

		if (d != 0 || *x == '\0')
			return d;
	}
	return 0;
}

bool
ascii_memcaseeq(const void *p, size_t plen, const char *s)
{
	const unsigned char *x = p;
	size_t i;

	for (i = 0; i < plen; i++) {
		if (s[i] == '\0' || ascii_tolower(x[i]) != ascii_tolower((unsigned char)s[i]))
			return false;
	}
	return s[plen] == '\0';
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
str_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src), n = len < size ? len : size - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
	return len;
}
