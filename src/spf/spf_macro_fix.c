/* spf_macro_fix.c - keep libspf2 off its macro-expansion bugs (see
 * spf_macro_fix.h) */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "spf/spf_macro_fix.h"
#include "spf/spf_record.h"
#include "util/str.h"

/* Longest expansion written as literal text: libspf2 refuses a literal
 * run over 255 octets, and RFC 7208 7.3's cut to 253 octets is made on
 * the whole name later (spf_dns.c). */
#define EXPAND_MAX 200
/* Most parts an expanded value may have (a longer one is left to
 * libspf2). */
#define EXPAND_MAX_PARTS 64

/* count_in - how many bytes of s[0..n) are in the delimiter set */
static size_t
count_in(const char *s, size_t n, const char *delims, size_t ndelims)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (memchr(delims, s[i], ndelims) != NULL)
			k++;
	return k;
}

/* Room for %{i}'s text: 32 nibbles and 31 dots, or a dotted quad. */
#define IP_TEXT_MAX 64

/* ip_text - %{i} of the client (RFC 7208 7.3): the dotted quad, or the
 * 32 nibbles of an IPv6 address in lower case joined by dots; NULL when
 * the address is not known here */
static const char *
ip_text(const struct spf_macro_values *v, char text[IP_TEXT_MAX],
    size_t *len_r)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b;
	size_t i, n = 0;

	if (v->addr == NULL)
		return NULL;
	if (v->af == AF_INET) {
		if (inet_ntop(AF_INET, v->addr, text, IP_TEXT_MAX) == NULL)
			return NULL;
		*len_r = strlen(text);
		return text;
	}
	b = ((const struct in6_addr *)v->addr)->s6_addr;
	for (i = 0; i < 16; i++) {
		text[n++] = hex[b[i] >> 4];
		text[n++] = '.';
		text[n++] = hex[b[i] & 15];
		text[n++] = '.';
	}
	*len_r = n - 1;		/* no final dot */
	text[n - 1] = '\0';
	return text;
}

/* letter_value - the value of letter (lower case) in this check as
 * value[0..*len_r), or NULL when it is not a known string here: p needs
 * DNS, c r t belong to explanations; i is written into text */
static const char *
letter_value(char letter, const struct spf_macro_values *v,
    char text[IP_TEXT_MAX], size_t *len_r)
{
	const char *s = v->sender, *at, *val;

	switch (letter) {
	case 's':
	case 'l':
	case 'o':
		if (s == NULL)
			return NULL;
		at = strrchr(s, '@');
		if (letter == 'l') {
			*len_r = at != NULL ? (size_t)(at - s) : 0;
			return s;
		}
		val = letter == 'o' && at != NULL ? at + 1 : s;
		break;
	case 'd':
		val = v->domain;
		break;
	case 'h':
		val = v->helo;
		break;
	case 'i':
		return ip_text(v, text, len_r);
	case 'v':
		val = v->af == AF_INET6 ? "ip6" : "in-addr";
		break;
	default:
		return NULL;
	}
	if (val != NULL)
		*len_r = strlen(val);
	return val;
}

/* unreserved - RFC 3986 2.3's unreserved set: what URL escaping keeps */
static bool
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* put_byte - c of an expansion as macro-literal text, "%%XX" when it is
 * URL-escaped, '%' doubled; false when it cannot stand there for libspf2
 * (white space, 8-bit, '/' which it would read as a CIDR length) or
 * there is no room left */
static bool
put_byte(unsigned char c, bool escape, size_t *room, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";

	if (escape && !unreserved(c)) {
		if (*room < 4)
			return false;
		buf_append(out, "%%", 2);
		buf_append_byte(out, hex[c >> 4]);
		buf_append_byte(out, hex[c & 15]);
		*room -= 4;
		return true;
	}
	if (c < 0x21 || c > 0x7e || c == '/' || *room < 2)
		return false;
	if (c == '%') {
		buf_append_byte(out, '%');
		(*room)--;
	}
	buf_append_byte(out, c);
	(*room)--;
	return true;
}

/*
 * expand - RFC 7208 7.3 on val[0..n): split at the delimiters, reversed
 * when rev, the right-most keep parts (0: all), joined with ".", URL
 * escaped when escape; appended to out as macro-literal text. False, out
 * untouched, when a byte cannot stand there or the text is long.
 */
static bool
expand(const char *val, size_t n, const char *delims, size_t nd, bool rev,
    unsigned long keep, bool escape, struct buf *out)
{
	size_t start[EXPAND_MAX_PARTS + 1], parts = 0, i, j, first, room;
	size_t mark = out->len;

	start[parts++] = 0;
	for (i = 0; i < n; i++)
		if (memchr(delims, val[i], nd) != NULL) {
			if (parts == EXPAND_MAX_PARTS)
				return false;
			start[parts++] = i + 1;
		}
	start[parts] = n + 1;	/* one past the last part's end */
	first = keep > 0 && keep < parts ? parts - keep : 0;
	room = EXPAND_MAX;
	for (j = first; j < parts; j++) {
		size_t k = rev ? parts - 1 - j : j;

		if (j > first && !put_byte('.', escape, &room, out))
			goto too_much;
		for (i = start[k]; i + 1 < start[k + 1]; i++)
			if (!put_byte((unsigned char)val[i], escape, &room, out))
				goto too_much;
	}
	return true;
too_much:
	buf_truncate(out, mark);
	return false;
}

/* escapes_differ - whether libspf2's URL escaping of val[0..n) would
 * differ from RFC 3986's: it keeps RFC 2396's marks ! * ' ( ) as they
 * are ("o'brien" becomes "o'brien", not "o%27brien"), and it writes
 * escapes in lower-case hex ("%2c"; RFC 3986 2.1: upper case). So any
 * byte outside the unreserved set */
static bool
escapes_differ(const char *val, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!unreserved((unsigned char)val[i]))
			return true;
	return false;
}

/* may_need_fix - whether macro m could be one libspf2 gets wrong, from
 * its form alone: a digit, upper case, a ',' or '/' delimiter, or 'r'
 * with delimiters that leave '.' out. The macros records mostly use
 * (%{d}, %{i}, %{ir}) are not, so their values are not worked out. */
static bool
may_need_fix(const struct spf_macro *m, bool escape, const char *delims,
    size_t nd)
{
	return m->ndigits > 0 || escape || memchr(delims, ',', nd) != NULL ||
	    memchr(delims, '/', nd) != NULL ||
	    (m->reverse && memchr(delims, '.', nd) == NULL);
}

/* needs_expansion - whether libspf2 would get this macro wrong in a way
 * a dropped digit cannot mend: it refuses the delimiters ',' and '/',
 * and it splits at every '.' of the value, also when the delimiters
 * given leave '.' out, so the parts a digit or 'r' pick are not the
 * RFC's */
static bool
needs_expansion(const char *val, size_t n, const char *delims, size_t nd,
    bool picks)
{
	if (memchr(delims, ',', nd) != NULL || memchr(delims, '/', nd) != NULL)
		return true;
	return picks && memchr(delims, '.', nd) == NULL &&
	    memchr(val, '.', n) != NULL;
}

bool
spf_macro_fix_record(const char *rec, size_t len,
    const struct spf_macro_values *v, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)rec;
	size_t i = 0, copied = 0, vlen = 0;
	bool changed = false;

	while (i < len) {
		struct spf_macro m;
		char ip[IP_TEXT_MAX];
		const char *val, *delims;
		size_t ndelims;
		char lc;
		bool escape;

		if (p[i] != '%' || i + 1 >= len) {
			i++;
			continue;
		}
		if (!spf_macro_parse(p + i, len - i, &m)) {
			i += 2;		/* %% %_ %- */
			continue;
		}
		lc = (char)ascii_tolower(m.letter);
		escape = m.letter != (unsigned char)lc;
		/* no delimiters: '.' (RFC 7208 7.1) */
		delims = m.ndelims > 0 ? (const char *)m.delims : ".";
		ndelims = m.ndelims > 0 ? m.ndelims : 1;
		if (!may_need_fix(&m, escape, delims, ndelims)) {
			i += m.len;
			continue;
		}
		/* a letter whose value is known, and a digit that is not 0 if
		 * any */
		val = letter_value(lc, v, ip, &vlen);
		if (val != NULL && (m.ndigits == 0 || m.digits > 0) &&
		    (needs_expansion(val, vlen, delims, ndelims,
		    m.ndigits > 0 || m.reverse) ||
		    (escape && escapes_differ(val, vlen)))) {
			size_t mark = out->len;

			buf_append(out, rec + copied, i - copied);
			if (expand(val, vlen, delims, ndelims, m.reverse,
			    m.digits, escape, out)) {
				copied = i += m.len;
				changed = true;
				continue;
			}
			buf_truncate(out, mark);
		}
		/* a digit over the value's delimiters: all parts, as without
		 * it (libspf2 would drop the value's first character) */
		if (val != NULL && m.ndigits > 0 &&
		    m.digits > count_in(val, vlen, delims, ndelims)) {
			/* the digits (from offset 3) are skipped */
			buf_append(out, rec + copied, i + 3 - copied);
			copied = i + 3 + m.ndigits;
			changed = true;
		}
		i += m.len;
	}
	if (changed)
		buf_append(out, rec + copied, len - copied);
	return changed;
}
