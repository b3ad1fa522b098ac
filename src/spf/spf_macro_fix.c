/* spf_macro_fix.c - keep libspf2 off its macro-expansion bugs (see
 * spf_macro_fix.h) */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

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

/* letter_value - the value of letter (lower case) in this check as
 * value[0..*len_r), or NULL when it is not a known string here: p needs
 * DNS, i and v are told by the address family only, c r t belong to
 * explanations */
static const char *
letter_value(char letter, const struct spf_macro_values *v, size_t *len_r)
{
	const char *s = v->sender, *at, *text;

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
		text = letter == 'o' && at != NULL ? at + 1 : s;
		break;
	case 'd':
		text = v->domain;
		break;
	case 'h':
		text = v->helo;
		break;
	default:
		return NULL;
	}
	if (text != NULL)
		*len_r = strlen(text);
	return text;
}

/* delimiters - how many delimiters the value of letter has; -1 for a
 * letter whose value is not known here */
static long
delimiters(char letter, const char *delims, size_t nd,
    const struct spf_macro_values *v)
{
	const char *text;
	size_t len;

	switch (letter) {
	case 'i':
		/* dotted quad, or 32 dotted nibbles: only '.' splits them */
		if (memchr(delims, '.', nd) == NULL)
			return 0;
		return v->af == AF_INET6 ? 31 : 3;
	case 'v':
		text = v->af == AF_INET6 ? "ip6" : "in-addr";
		return (long)count_in(text, strlen(text), delims, nd);
	default:
		text = letter_value(letter, v, &len);
		return text != NULL ? (long)count_in(text, len, delims, nd) : -1;
	}
}

/*
 * expand - RFC 7208 7.3 on val[0..n): split at the delimiters, reversed
 * when rev, the right-most keep parts (0: all), joined with "."; appended
 * to out as macro-literal text ('%' as "%%"). False, out untouched, when
 * a byte cannot stand in a domain-spec literal for libspf2 (white space,
 * 8-bit, '/' which it would read as a CIDR length) or the text is long.
 */
static bool
expand(const char *val, size_t n, const char *delims, size_t nd, bool rev,
    unsigned long keep, struct buf *out)
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

		if (j > first) {
			if (room < 1) {
				buf_truncate(out, mark);
				return false;
			}
			buf_append_byte(out, '.');
			room--;
		}
		for (i = start[k]; i + 1 < start[k + 1]; i++) {
			unsigned char c = (unsigned char)val[i];

			if (c < 0x21 || c > 0x7e || c == '/' || room < 2) {
				buf_truncate(out, mark);
				return false;
			}
			if (c == '%') {
				buf_append_byte(out, '%');
				room--;
			}
			buf_append_byte(out, c);
			room--;
		}
	}
	return true;
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
	if (nd == 0)
		return false;
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
		const char *val, *delims;
		char lc;
		long have;

		if (p[i] != '%' || i + 1 >= len) {
			i++;
			continue;
		}
		if (!spf_macro_parse(p + i, len - i, &m)) {
			i += 2;		/* %% %_ %- */
			continue;
		}
		lc = (char)ascii_tolower(m.letter);
		delims = (const char *)m.delims;
		/* a lower-case letter (upper case asks for URL escaping) whose
		 * value is known, and a digit that is not 0 if any */
		val = m.letter == (unsigned char)lc ?
		    letter_value(lc, v, &vlen) : NULL;
		if (val != NULL && (m.ndigits == 0 || m.digits > 0) &&
		    needs_expansion(val, vlen, delims, m.ndelims,
		    m.ndigits > 0 || m.reverse)) {
			size_t mark = out->len;

			buf_append(out, rec + copied, i - copied);
			if (expand(val, vlen, delims, m.ndelims, m.reverse,
			    m.digits, out)) {
				copied = i += m.len;
				changed = true;
				continue;
			}
			buf_truncate(out, mark);
		}
		have = m.ndigits == 0 ? -1 : delimiters(lc,
		    m.ndelims > 0 ? delims : ".", m.ndelims > 0 ? m.ndelims : 1, v);
		if (have >= 0 && m.digits > (unsigned long)have) {
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
