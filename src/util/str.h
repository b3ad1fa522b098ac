/* str.h - locale-independent ASCII string helpers */
#ifndef AUTHMILTER_STR_H
#define AUTHMILTER_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Mail syntax is ASCII; these never consult the locale. */
static inline unsigned char
ascii_tolower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline bool
ascii_isalpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline bool
ascii_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
ascii_isalnum(unsigned char c)
{
	return ascii_isalpha(c) || ascii_isdigit(c);
}

/* ascii_hex_value - the value of hex digit c (either case), -1 if none */
static inline int
ascii_hex_value(unsigned char c)
{
	if (ascii_isdigit(c))
		return c - '0';
	c = ascii_tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* WSP of RFC 5234: space and horizontal tab */
static inline bool
ascii_iswsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* ascii_strcasecmp - compare NUL-terminated strings ignoring ASCII case */
int ascii_strcasecmp(const char *a, const char *b);
/* ascii_strncasecmp - same, at most n bytes */
int ascii_strncasecmp(const char *a, const char *b, size_t n);
/* ascii_caseeq - true when p[0..n) equals s[0..n) ignoring ASCII case */
bool ascii_caseeq(const void *p, const void *s, size_t n);

/* ascii_memcaseeq - true when p[0..plen) equals NUL-terminated s ignoring
 * case. Inline so a constant s has its length folded in at compile time:
 * most calls test a tag value or name against a keyword of another length
 * and end at the length check (issue 18). */
static inline bool
ascii_memcaseeq(const void *p, size_t plen, const char *s)
{
	size_t n = strlen(s);

	return plen == n && ascii_caseeq(p, s, n);
}
/* str_has_non_ascii - some byte of p[0..len) is above 0x7f; eight at a
 * time (the SPF identities of every message are checked, nearly always
 * all ASCII) */
bool str_has_non_ascii(const void *p, size_t len);
/* str_lower - lower-case s in place (ASCII only); returns s */
char *str_lower(char *s);
/* str_trim - strip leading and trailing space, tab, CR and LF in place */
char *str_trim(char *s);
/* str_bom_len - 3 when s starts with a UTF-8 byte order mark, else 0:
 * editors on Windows put one before a text file's first line */
size_t str_bom_len(const char *s);
/* str_copy - copy src into dst[0..size), cut to size - 1 bytes when
 * longer, always NUL-terminated (size > 0); returns strlen(src), so a
 * result >= size says it was cut (BSD strlcpy) */
size_t str_copy(char *dst, size_t size, const char *src);

#endif
