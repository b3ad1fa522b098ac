/*
 * authres.c - Authentication-Results header fields (RFC 8601).
 *
 * The builder (authres_init, authres_add, authres_add_comment,
 * authres_add_reason, authres_add_prop, authres_finish, authres_deinit)
 * renders one header field value for all our results. Values that came
 * from a message (addresses, domains, comments) are written as a token
 * when they are one, as local-part@domain when RFC 8601 2.2 allows that
 * unquoted, and as a quoted-string otherwise, so hostile input cannot
 * break the field's syntax.
 *
 * authres_is_ours parses just enough of a received field to find its
 * authserv-id (RFC 8601 2.2: [CFWS] authserv-id [CFWS authres-version]
 * [CFWS] ";"), so the milter can delete forgeries of our own results
 * (RFC 8601 5). Anything after the id is ignored: a field that starts
 * with our id claims to be ours, well-formed or not. It reads (pointer,
 * length), needs no NUL, and bounds comment nesting.
 */
#include "config.h"

#include <string.h>

#include "core/authres.h"
#include "util/fmt.h"
#include "util/str.h"

/* Deeper comment nesting than this is hostile; stop parsing. */
#define AUTHRES_MAX_COMMENT_DEPTH 32
/* Longest reason text written (bytes, before quoting): a reason can come
 * from the sender's DNS (an SPF explanation of a few macros expands to
 * kilobytes), and a line of the field must stay within RFC 5322 2.1.1's
 * 998 octets; the rest of a resinfo's line is a few hundred at most */
#define AUTHRES_REASON_MAX 256
/* Bytes reserved at once for a field: ours with SPF, a few DKIM
 * results and DMARC is 250 to 500 bytes, and growing 256 -> 512 costs
 * a realloc and a copy a message (511: with the NUL, a 512-byte block) */
#define AUTHRES_SIZE_HINT 511

void
authres_init(struct authres *ar, const char *authserv_id)
{
	buf_init(&ar->out);
	ar->results = 0;
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

/* is_domain_name - letters, digits, hyphens and dots, as a host name */
static bool
is_domain_name(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || p[0] == '.' || p[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!ascii_isalnum(c) && c != '-' && c != '.' && c != '_')
			return false;
		if (c == '.' && i + 1 < n && p[i + 1] == '.')
			return false;
	}
	return true;
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

/* append_quoted_n - s[0..n) as a quoted-string (see append_quoted),
 * ending in "..." when cut says the text went on */
static void
append_quoted_n(struct buf *b, const char *s, size_t n, bool cut)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	buf_append_byte(b, '"');
	for (; p < end; p++) {
		if (*p == '"' || *p == '\\')
			buf_append_byte(b, '\\');
		buf_append_byte(b, (*p < 0x20 || *p == 0x7f) ? '?' : *p);
	}
	if (cut)
		FMT_LIT(b, "...");
	buf_append_byte(b, '"');
}

/* append_quoted - RFC 5322 quoted-string; control bytes become '?' */
static void
append_quoted(struct buf *b, const char *s)
{
	append_quoted_n(b, s, strlen(s), false);
}

void
authres_add(struct authres *ar, const char *method, const char *result)
{
	FMT_LIT(&ar->out, ";\n\t");
	buf_append_str(&ar->out, method);
	buf_append_byte(&ar->out, '=');
	buf_append_str(&ar->out, result);
	ar->results++;
}

void
authres_add_comment(struct authres *ar, const char *text)
{
	const unsigned char *p;

	FMT_LIT(&ar->out, " (");
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		/* RFC 5322 3.2.2: ctext excludes parentheses and backslash */
		if (*p == '(' || *p == ')' || *p == '\\')
			buf_append_byte(&ar->out, '\\');
		buf_append_byte(&ar->out, (*p < 0x20 || *p == 0x7f) ? '?' : *p);
	}
	buf_append_byte(&ar->out, ')');
}

void
authres_add_reason(struct authres *ar, const char *text)
{
	size_t n = strlen(text);

	FMT_LIT(&ar->out, " reason=");
	if (n <= AUTHRES_REASON_MAX) {
		append_quoted_n(&ar->out, text, n, false);
		return;
	}
	/* cut where a character starts, not inside a UTF-8 sequence */
	n = AUTHRES_REASON_MAX;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	append_quoted_n(&ar->out, text, n, true);
}

void
authres_add_prop(struct authres *ar, const char *ptype, const char *property,
    const char *value)
{
	buf_append_byte(&ar->out, ' ');
	buf_append_str(&ar->out, ptype);
	buf_append_byte(&ar->out, '.');
	buf_append_str(&ar->out, property);
	buf_append_byte(&ar->out, '=');
	if (authres_value_is_token(value) || value_is_address(value))
		buf_append_str(&ar->out, value);
	else
		append_quoted(&ar->out, value);
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

/* skip_cfws - skip white space, line breaks and nested comments; returns
 * false when a comment does not end (or nests too deep) */
static bool
skip_cfws(const unsigned char *p, size_t len, size_t *i)
{
	while (*i < len) {
		unsigned char c = p[*i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			(*i)++;
		} else if (c == '(') {
			unsigned depth = 0;

			do {
				c = p[*i];
				if (c == '\\' && *i + 1 < len)
					(*i)++;
				else if (c == '(' && ++depth > AUTHRES_MAX_COMMENT_DEPTH)
					return false;
				else if (c == ')')
					depth--;
				(*i)++;
			} while (depth > 0 && *i < len);
			if (depth > 0)
				return false;
		} else {
			break;
		}
	}
	return true;
}

bool
authres_is_ours(const unsigned char *value, size_t len, const char *authserv_id)
{
	size_t i = 0, idlen = strlen(authserv_id), start, n = 0;
	unsigned char id[256];

	if (!skip_cfws(value, len, &i) || i >= len)
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

			/* white space, controls (NUL too), comment or ";" */
			if (c <= 0x20 || c == 0x7f || c == ';' || c == '(')
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
	return n == idlen && n > 0 && ascii_strncasecmp((const char *)id, authserv_id, n) == 0;
}
