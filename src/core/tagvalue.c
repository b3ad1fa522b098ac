/*
 * tagvalue.c - RFC 6376 3.2 tag=value list parser
 *
 * Purpose: split a DKIM-Signature value, a DKIM key record or a DMARC
 * record into (name, value) pairs without copying.
 *
 * Exported functions:
 *   tagvalue_parse     split a list; syntax, duplicate and count errors
 *   tagvalue_find      look a tag up by name
 *   tagvalue_value_eq  compare a tag's value with a string
 *
 * Callers guarantee p[0..len) is readable; no NUL is needed. The tags
 * point into p, so p must outlive the list. Errors come back as a status
 * and a static reason string; nothing is allocated.
 */
#include "config.h"

#include <string.h>

#include "core/tagvalue.h"
#include "util/str.h"

/* is_fws - whitespace allowed around tags and inside values (FWS, with
 * bare CR or LF tolerated because milters hand us either) */
static bool
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_valchar - VALCHAR of RFC 6376 3.2: printable ASCII except ';' */
static bool
is_valchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != ';';
}

/* name_eq - compare two tag names */
static bool
name_eq(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen, unsigned flags)
{
	size_t i;

	if (alen != blen)
		return false;
	if (!(flags & TAGVALUE_CASE_INSENSITIVE))
		return memcmp(a, b, alen) == 0;
	for (i = 0; i < alen; i++)
		if (ascii_tolower(a[i]) != ascii_tolower(b[i]))
			return false;
	return true;
}

/* set_why - store a reason if the caller wants one */
static enum tagvalue_status
set_why(const char **why_r, enum tagvalue_status st, const char *why)
{
	if (why_r != NULL)
		*why_r = why;
	return st;
}

/* parse_spec - one tag-spec from p[*pos..len) up to ';' or the end; sets
 * *empty when the spec held only whitespace */
static enum tagvalue_status
parse_spec(const unsigned char *p, size_t len, size_t *pos,
    struct tagvalue *t, bool *empty, const char **why_r)
{
	size_t i = *pos, vend;

	while (i < len && is_fws(p[i]))
		i++;
	if (i == len || p[i] == ';') {
		*empty = true;
		*pos = i;
		return TAGVALUE_OK;
	}
	*empty = false;
	if (!ascii_isalpha(p[i]))
		return set_why(why_r, TAGVALUE_E_SYNTAX, "tag name must start with a letter");
	t->name = p + i;
	while (i < len && (ascii_isalnum(p[i]) || p[i] == '_'))
		i++;
	t->name_len = (size_t)(p + i - t->name);
	while (i < len && is_fws(p[i]))
		i++;
	if (i == len || p[i] != '=')
		return set_why(why_r, TAGVALUE_E_SYNTAX, "tag without '='");
	i++;
	t->raw_start = i;
	while (i < len && is_fws(p[i]))
		i++;
	t->value = p + i;
	vend = i;
	while (i < len && p[i] != ';') {
		if (is_valchar(p[i]))
			vend = i + 1;
		else if (!is_fws(p[i]))
			return set_why(why_r, TAGVALUE_E_SYNTAX,
			    "invalid character in tag value");
		i++;
	}
	t->value_len = vend - (size_t)(t->value - p);
	t->raw_end = i;
	*pos = i;
	return TAGVALUE_OK;
}

/* tagvalue_parse - split p[0..len) into tags */
enum tagvalue_status
tagvalue_parse(const unsigned char *p, size_t len, unsigned flags,
    struct tagvalue_list *out, const char **why_r)
{
	size_t pos = 0, j;

	out->count = 0;
	for (;;) {
		struct tagvalue t;
		bool empty;
		enum tagvalue_status st;

		st = parse_spec(p, len, &pos, &t, &empty, why_r);
		if (st != TAGVALUE_OK)
			return st;
		if (!empty) {
			for (j = 0; j < out->count; j++)
				if (name_eq(out->tag[j].name,
				    out->tag[j].name_len, t.name, t.name_len,
				    flags))
					return set_why(why_r,
					    TAGVALUE_E_DUPLICATE,
					    "duplicate tag");
			if (out->count == TAGVALUE_MAX_TAGS)
				return set_why(why_r, TAGVALUE_E_TOO_MANY,
				    "too many tags");
			out->tag[out->count++] = t;
		}
		if (pos >= len)
			break;
		pos++;		/* the ';' */
	}
	return TAGVALUE_OK;
}

/* tagvalue_find - the tag called name, or NULL */
const struct tagvalue *
tagvalue_find(const struct tagvalue_list *list, const char *name,
    unsigned flags)
{
	size_t i, n = strlen(name);

	for (i = 0; i < list->count; i++)
		if (name_eq(list->tag[i].name, list->tag[i].name_len,
		    (const unsigned char *)name, n, flags))
			return &list->tag[i];
	return NULL;
}

/* tagvalue_value_eq - true when the tag's value equals s exactly */
bool
tagvalue_value_eq(const struct tagvalue *t, const char *s)
{
	size_t n = strlen(s);

	return t->value_len == n && memcmp(t->value, s, n) == 0;
}
