/*
 * authres.c - Authentication-Results header fields (RFC 8601).
 *
 * The builder (authres_init, authres_add, authres_add_comment,
 * authres_add_reason, authres_add_prop, authres_finish, authres_deinit)
 * renders one header field value for all our results. Values that came
 * from a message (addresses, domains, comments) are written as a token
 * when they are one, as local-part@domain when RFC 8601 2.2 allows that
 * unquoted, and as a quoted-string otherwise, so hostile input cannot
 * break the field's syntax. Every line stays within RFC 5322 2.1.1's 998
 * octets: a comment, reason or property that would take its line past
 * them starts a new one, a comment is folded at its spaces, and a value
 * too long for any line is shortened (see authres_add_prop).
 *
 * authres_is_ours parses just enough of a received field to find its
 * authserv-id (RFC 8601 2.2: [CFWS] authserv-id [CFWS authres-version]
 * [CFWS] ";"), so the milter can delete forgeries of our own results
 * (RFC 8601 5). Anything after the id is ignored: a field that starts
 * with our id claims to be ours, well-formed or not; an id with non-ASCII
 * bytes is compared in its IDNA2008 A-label form. It reads (pointer,
 * length), needs no NUL, and reads comments nested to any depth.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "core/authres.h"
#include "core/idna.h"
#include "util/cfws.h"
#include "util/fmt.h"
#include "util/fold.h"
#include "util/str.h"
#include "util/utf8.h"

/* Longest reason text written (bytes, before quoting): a reason can come
 * from the sender's DNS (an SPF explanation of a few macros expands to
 * kilobytes), and a line of the field must stay within RFC 5322 2.1.1's
 * 998 octets; the rest of a resinfo's line is a few hundred at most */
#define AUTHRES_REASON_MAX 256
/* Longest line of a header field, without its CRLF (RFC 5322 2.1.1) */
#define AUTHRES_LINE_MAX 998
/* What comes before our text on the first line of the longest field that
 * carries it: the AAR's name, ": " and "i=50; " (RFC 8617 4.2.1 allows
 * 50 sets); "Authentication-Results: " is shorter */
#define AUTHRES_FIRST_LINE_PREFIX \
	(sizeof("ARC-Authentication-Results: i=50; ") - 1)
/* Longest part of a property value or comment word kept when the whole
 * cannot fit on a line of its own (bytes, before quoting): like reason=,
 * with every byte escaped it is 517 octets, which leaves room for "\t"
 * and any of our ptype.property names */
#define AUTHRES_CUT_MAX 256
/* Bytes reserved at once for a field: ours with SPF, a few DKIM
 * results and DMARC is 250 to 500 bytes, and growing 256 -> 512 costs
 * a realloc and a copy a message (511: with the NUL, a 512-byte block) */
#define AUTHRES_SIZE_HINT 511

void
authres_init(struct authres *ar, const char *authserv_id)
{
	buf_init(&ar->out);
	ar->results = 0;
	ar->line_start = 0;
	buf_reserve(&ar->out, AUTHRES_SIZE_HINT);
	buf_append_str(&ar->out, authserv_id);
}

void
authres_deinit(struct authres *ar)
{
	buf_deinit(&ar->out);
}

/* IS_TSPECIAL - RFC 2045 5.1 tspecials (an expression, for the table
 * below) */
#define IS_TSPECIAL(c) ((c) == '(' || (c) == ')' || (c) == '<' || \
	(c) == '>' || (c) == '@' || (c) == ',' || (c) == ';' || (c) == ':' || \
	(c) == '\\' || (c) == '"' || (c) == '/' || (c) == '[' || (c) == ']' || \
	(c) == '?' || (c) == '=')

/*
 * token_byte[c] - c may appear in an RFC 2045 token: printable ASCII
 * other than space and tspecials. A table made by one expression, so
 * each byte of each value costs one load (issue 18).
 */
#define TOKEN_BYTE(c) ((c) > 0x20 && (c) < 0x7f && !IS_TSPECIAL(c))
#define TOKEN_BYTE4(c) TOKEN_BYTE(c), TOKEN_BYTE((c) + 1), \
	TOKEN_BYTE((c) + 2), TOKEN_BYTE((c) + 3)
#define TOKEN_BYTE16(c) TOKEN_BYTE4(c), TOKEN_BYTE4((c) + 4), \
	TOKEN_BYTE4((c) + 8), TOKEN_BYTE4((c) + 12)
#define TOKEN_BYTE64(c) TOKEN_BYTE16(c), TOKEN_BYTE16((c) + 16), \
	TOKEN_BYTE16((c) + 32), TOKEN_BYTE16((c) + 48)

bool
authres_value_is_token(const char *s)
{
	static const bool token_byte[256] = {
		TOKEN_BYTE64(0), TOKEN_BYTE64(64), TOKEN_BYTE64(128),
		TOKEN_BYTE64(192)
	};
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (!token_byte[*p])
			return false;
	return true;
}

/* is_atext - RFC 5322 3.2.3 atext */
static bool
is_atext(unsigned char c)
{
	if (ascii_isalnum(c))
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
	case '+': case '-': case '/': case '=': case '?': case '^': case '_':
	case '`': case '{': case '|': case '}': case '~':
		return true;
	default:
		return false;
	}
}

/* is_dot_atom - RFC 5322 dot-atom-text over [p, p+n) */
static bool
is_dot_atom(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || p[0] == '.' || p[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] == '.') {
			if (p[i + 1] == '.')
				return false;
		} else if (!is_atext((unsigned char)p[i])) {
			return false;
		}
	}
	return true;
}

/* is_domain_name - RFC 6376 3.5's domain-name, which RFC 8601 2.2 takes
 * for a property value written bare: two or more labels, each a letter
 * or digit at both ends with letters, digits and hyphens between (RFC
 * 5321 sub-domain), at most 63 octets. Anything else ("a@x.", "x-.example",
 * "a.-b.example", an underscore, one label) is quoted by the callers. */
static bool
is_domain_name(const char *p, size_t n)
{
	size_t i, label = 0, labels = 1;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '.') {
			if (label == 0 || p[i - 1] == '-')
				return false;
			labels++;
			label = 0;
			continue;
		}
		if (!ascii_isalnum(c) && (c != '-' || label == 0))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && p[n - 1] != '-' && labels >= 2;
}

/* value_is_address - RFC 8601 2.2 pvalue form [[local-part] "@"] domain */
static bool
value_is_address(const char *s)
{
	const char *at = strrchr(s, '@');

	if (at == NULL || strchr(s, '@') != at)
		return false;
	if (at != s && !is_dot_atom(s, (size_t)(at - s)))
		return false;
	return is_domain_name(at + 1, strlen(at + 1));
}

/* append_escaped - s[0..n) with a backslash before '\\' and before '('
 * and ')' in a comment (ctext) or '"' in a quoted-string; control bytes
 * and bytes that do not start a UTF-8 character (a client's HELO or
 * MAIL FROM) become '?'; UTF-8 stays (RFC 6532) */
static void
append_escaped(struct buf *b, const unsigned char *s, size_t n, bool ctext)
{
	const unsigned char *end = s + n;
	unsigned char c;
	size_t len;

	for (; s < end; s++) {
		c = *s;
		if (c >= 0x80) {
			len = utf8_seq_len(s, (size_t)(end - s));
			if (len == 0)
				buf_append_byte(b, '?');
			else {
				buf_append(b, s, len);
				s += len - 1;
			}
			continue;
		}
		if (c == '\\' || (ctext ? c == '(' || c == ')' : c == '"'))
			buf_append_byte(b, '\\');
		buf_append_byte(b, c < 0x20 || c == 0x7f ? '?' : c);
	}
}

/* append_quoted_n - s[0..n) as a quoted-string (see append_quoted),
 * ending in "..." when cut says the text went on */
static void
append_quoted_n(struct buf *b, const char *s, size_t n, bool cut)
{
	buf_append_byte(b, '"');
	append_escaped(b, (const unsigned char *)s, n, false);
	if (cut)
		FMT_LIT(b, "...");
	buf_append_byte(b, '"');
}

/* append_quoted - RFC 5322 quoted-string, as append_escaped */
static void
append_quoted(struct buf *b, const char *s)
{
	append_quoted_n(b, s, strlen(s), false);
}

/* cut_len - how many of s's n bytes to keep within max, not splitting a
 * UTF-8 sequence */
static size_t
cut_len(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* line_len - octets on the current line so far; the first line also
 * carries what the milter or the AAR puts before our text */
static inline size_t
line_len(const struct authres *ar)
{
	if (ar->line_start == 0)
		return AUTHRES_FIRST_LINE_PREFIX + ar->out.len;
	return ar->out.len - ar->line_start;
}

/* line_fits - the current line is within the limit, with room for the
 * ";" that the next resinfo ends it with */
static inline bool
line_fits(const struct authres *ar)
{
	return line_len(ar) < AUTHRES_LINE_MAX;
}

/*
 * refold - what was written from start on (a space, then one element)
 * took the line past the limit: the space becomes "\n\t", so the element
 * starts a line of its own (RFC 8601 2.2 allows CFWS between the parts
 * of a resinfo, RFC 5322 3.2.2 FWS between the words of a comment).
 * Callers shorten first an element that no line can hold. Only long
 * fields get here: the common case costs line_fits' comparison.
 */
static void
refold(struct authres *ar, size_t start)
{
	unsigned char *p;
	size_t n = ar->out.len - start - 1;

	(void)buf_space(&ar->out, 1);
	p = ar->out.data + start;
	memmove(p + 2, p + 1, n);
	p[0] = '\n';
	p[1] = '\t';
	buf_commit(&ar->out, 1);
	ar->line_start = start + 1;
}

/* own_line_fits - what was written from start on (a space, then one
 * element) would fit on a line of its own, "\t" for the space */
static inline bool
own_line_fits(const struct authres *ar, size_t start)
{
	return ar->out.len - start < AUTHRES_LINE_MAX;
}

void
authres_add(struct authres *ar, const char *method, const char *result)
{
	FMT_LIT(&ar->out, ";\n\t");
	ar->line_start = ar->out.len - 1;
	buf_append_str(&ar->out, method);
	buf_append_byte(&ar->out, '=');
	buf_append_str(&ar->out, result);
	ar->results++;
}

/* append_ctext - s[0..n) escaped for a comment (RFC 5322 3.2.2: ctext
 * excludes parentheses and backslash), as append_escaped */
static void
append_ctext(struct buf *b, const unsigned char *s, size_t n)
{
	append_escaped(b, s, n, true);
}

/* comment_word - append " " (" (" for the first word), the word and, for
 * the last, ")"; on a line of its own when it does not fit on this one,
 * its first AUTHRES_CUT_MAX bytes and "..." when it fits on none */
static void
comment_word(struct authres *ar, const unsigned char *w, size_t n,
    bool first, bool last)
{
	size_t start = ar->out.len, wstart;

	if (first)
		FMT_LIT(&ar->out, " (");
	else
		buf_append_byte(&ar->out, ' ');
	wstart = ar->out.len;
	append_ctext(&ar->out, w, n);
	if (last)
		buf_append_byte(&ar->out, ')');
	if (line_fits(ar))
		return;
	if (!own_line_fits(ar, start)) {
		buf_truncate(&ar->out, wstart);
		append_ctext(&ar->out, w,
		    cut_len((const char *)w, n, AUTHRES_CUT_MAX));
		FMT_LIT(&ar->out, "...");
		if (last)
			buf_append_byte(&ar->out, ')');
	}
	if (!line_fits(ar))
		refold(ar, start);
}

void
authres_add_comment(struct authres *ar, const char *text)
{
	const unsigned char *p = (const unsigned char *)text, *w = p;
	bool first = true;

	/* Words end at a space; a space right after another (or at the
	 * start) belongs to the next word, so no folded line is blank. */
	for (;; p++) {
		if (*p == '\0') {
			comment_word(ar, w, (size_t)(p - w), first, true);
			return;
		}
		if (*p == ' ' && p > w) {
			comment_word(ar, w, (size_t)(p - w), first, false);
			first = false;
			w = p + 1;
		}
	}
}

void
authres_add_reason(struct authres *ar, const char *text)
{
	size_t start = ar->out.len, n = strlen(text), keep;

	/* cut where a character starts, not inside a UTF-8 sequence */
	keep = cut_len(text, n, AUTHRES_REASON_MAX);
	FMT_LIT(&ar->out, " reason=");
	append_quoted_n(&ar->out, text, keep, keep < n);
	/* at most 525 octets: always fits on a line of its own */
	if (!line_fits(ar))
		refold(ar, start);
}

/*
 * append_short_value - a value for which no line has room: less than
 * room octets of it. RFC 8601 2.2 lets a property value be a domain-name
 * with or without "@" and a local-part before it, so an address keeps
 * "@domain" and loses its local-part (SMTP lets that grow to kilobytes);
 * anything else, or an address whose domain is too long as well, keeps
 * its first AUTHRES_CUT_MAX bytes quoted, ending in "..." like reason=.
 */
static void
append_short_value(struct buf *b, const char *value, size_t room)
{
	const char *at = strrchr(value, '@');
	size_t n, keep;

	if (at != NULL && (n = strlen(at + 1)) < room - 1 &&
	    is_domain_name(at + 1, n)) {
		buf_append_str(b, at);
		return;
	}
	n = strlen(value);
	keep = cut_len(value, n, AUTHRES_CUT_MAX);
	append_quoted_n(b, value, keep, keep < n);
}

void
authres_add_prop(struct authres *ar, const char *ptype, const char *property,
    const char *value)
{
	size_t start = ar->out.len, vstart;

	buf_append_byte(&ar->out, ' ');
	buf_append_str(&ar->out, ptype);
	buf_append_byte(&ar->out, '.');
	buf_append_str(&ar->out, property);
	buf_append_byte(&ar->out, '=');
	vstart = ar->out.len;
	if (authres_value_is_token(value) || value_is_address(value))
		buf_append_str(&ar->out, value);
	else
		append_quoted(&ar->out, value);
	if (line_fits(ar))
		return;
	if (!own_line_fits(ar, start)) {
		buf_truncate(&ar->out, vstart);
		append_short_value(&ar->out, value,
		    AUTHRES_LINE_MAX - (vstart - start));
	}
	if (!line_fits(ar))
		refold(ar, start);
}

const char *
authres_finish(struct authres *ar)
{
	if (ar->results == 0) {
		/* RFC 8601 2.2: "none" when no method was applied */
		FMT_LIT(&ar->out, "; none");
		ar->results = 1;	/* finish is idempotent */
	}
	return buf_cstr(&ar->out);
}

void
authres_fold_received(const unsigned char *value, size_t len,
    struct buf *out)
{
	fold_lines(value, len, AUTHRES_FIRST_LINE_PREFIX, out);
}


/* skip_lead - CFWS, and the bytes readers trim as white space though
 * RFC 5322 does not (C isspace's VT and FF, other controls, UTF-8 NBSP),
 * so "\v mx.example.net;" is ours as it is to them; false when nothing
 * else follows or a comment does not end. No bound on comment nesting:
 * cfws_skip counts, it does not recurse, and a field whose id sits
 * behind deep comments still claims to be ours to any reader that
 * unwinds them. */
static bool
skip_lead(const unsigned char *p, size_t len, size_t *i)
{
	for (;;) {
		if (!cfws_skip(p, len, i, UINT_MAX) || *i >= len)
			return false;
		if (p[*i] < 0x20 || p[*i] == 0x7f)
			(*i)++;
		else if (p[*i] == 0xc2 && *i + 1 < len && p[*i + 1] == 0xa0)
			*i += 2;
		else
			return true;
	}
}

/*
 * idn_is_ours - an id with a byte above 0x7f names our host when its
 * IDNA2008 lookup form (UTS #46 mapping: U-labels to A-labels, case and
 * width folded, U+3002 as a dot) is our authserv-id: "mx.bücher.example"
 * is "mx.xn--bcher-kva.example", and a reader or user who shows domains
 * as U-labels takes the one for the other (RFC 8601 5, RFC 5890 2.3.2.1).
 */
static bool
idn_is_ours(const unsigned char *id, size_t n, const char *authserv_id,
    size_t idlen)
{
	struct idna_name name;
	size_t i;

	for (i = 0; i < n && id[i] < 0x80; i++)
		;
	if (i == n || idna_domain(id, n, &name, NULL) != IDNA_OK)
		return false;
	return strlen(name.ascii) == idlen &&
	    ascii_strncasecmp(name.ascii, authserv_id, idlen) == 0;
}

bool
authres_is_ours(const unsigned char *value, size_t len, const char *authserv_id)
{
	size_t i = 0, idlen = strlen(authserv_id), start, n = 0;
	/* room for the U-label form of a 255-octet id (idna.h) */
	unsigned char id[IDNA_MAX_INPUT];

	if (!skip_lead(value, len, &i))
		return false;
	if (value[i] == '"') {
		/* quoted-string: unescape into id */
		for (i++; i < len && value[i] != '"'; i++) {
			if (value[i] == '\\' && i + 1 < len)
				i++;
			if (n == sizeof(id))
				return false;
			id[n++] = value[i];
		}
		if (i >= len)
			return false;
		i++;
	} else {
		/* token */
		for (start = i; i < len; i++) {
			unsigned char c = value[i];

			/* white space, controls (NUL too), comment, ";" or
			 * an NBSP (see skip_lead) */
			if (c <= 0x20 || c == 0x7f || c == ';' || c == '(' ||
			    (c == 0xc2 && i + 1 < len && value[i + 1] == 0xa0))
				break;
		}
		n = i - start;
		if (n > sizeof(id))
			return false;
		memcpy(id, value + start, n);
	}
	/* A trailing dot names the same host; compare without it. */
	if (n > 0 && id[n - 1] == '.')
		n--;
	if (idlen > 0 && authserv_id[idlen - 1] == '.')
		idlen--;
	/* Whatever follows the id (version, garbage, nothing), a field that
	 * starts with our id claims to be ours and must go (RFC 8601 5). */
	if (n == idlen && n > 0 &&
	    ascii_strncasecmp((const char *)id, authserv_id, n) == 0)
		return true;
	return idn_is_ours(id, n, authserv_id, idlen);
}
