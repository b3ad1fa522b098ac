/*
 * tagvalue.c - RFC 6376 3.2 tag=value list parser
 *
 * Purpose: split a DKIM-Signature value, a DKIM key record or a DMARC
 * record into (name, value) pairs without copying. One tokenizer for
 * both: DKIM's strict rules by default (RFC 6376 3.2: any malformed
 * tag-spec or repeated tag invalidates the list), DMARC's tolerant ones
 * with TAGVALUE_DMARC (white space, empty values, malformed and repeated
 * tags kept as entries with a problem, so the caller can warn in order
 * and keep its defaults; see tagvalue.h).
 *
 * Exported functions:
 *   tagvalue_parse     split a list; syntax, duplicate and count errors
 *   tagvalue_find_n    look a tag up by name (tagvalue_find, inline in
 *                      tagvalue.h, with a NUL-terminated name)
 *   tagvalue_classes   the byte classes the parser works with
 * (tagvalue_value_eq, comparing a value with a string, is inline in
 * tagvalue.h.)
 *
 * Callers guarantee p[0..len) is readable; no NUL is needed. The tags
 * point into p, so p must outlive the list. Errors come back as a status
 * and a static reason string; nothing is allocated.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/tagvalue.h"
#include "util/str.h"

/* tagvalue_classes - the TAGVALUE_C_* bits of every byte (tagvalue.h): one
 * lookup instead of a chain of compares per byte, as constant data (a
 * table built at run time cost a pthread_once per tag-spec; issue 18) */
const unsigned char tagvalue_classes[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x00 */
	0x00, 0x01, 0x02, 0x00, 0x00, 0x02, 0x00, 0x00,	/* 0x08 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x18 */
	0x01, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,	/* 0x20 */
	0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,	/* 0x28 */
	0x18, 0x18, 0x18, 0x18, 0x18, 0x18, 0x18, 0x18,	/* 0x30 */
	0x18, 0x18, 0x10, 0x00, 0x10, 0x10, 0x10, 0x10,	/* 0x38 */
	0x10, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c,	/* 0x40 */
	0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c,	/* 0x48 */
	0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c,	/* 0x50 */
	0x1c, 0x1c, 0x1c, 0x10, 0x10, 0x10, 0x10, 0x18,	/* 0x58 */
	0x10, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c,	/* 0x60 */
	0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c,	/* 0x68 */
	0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c, 0x1c,	/* 0x70 */
	0x1c, 0x1c, 0x1c, 0x10, 0x10, 0x10, 0x10, 0x00,	/* 0x78 */
	/* 0x80-0xff: 0 (not ASCII), left to static initialisation */
};

/* fws_mask - the classes that are white space under flags */
static unsigned
fws_mask(unsigned flags)
{
	return (flags & TAGVALUE_WSP_ONLY) != 0 ? TAGVALUE_C_WSP :
	    TAGVALUE_C_WSP | TAGVALUE_C_CRLF;
}

/* Eight copies of a byte in a 64-bit word. */
#define BYTES8(b) (UINT64_C(0x0101010101010101) * (b))

/*
 * nonval8 - the top bit of each of the eight bytes at p that is not in
 * %x21-7E (0: all are), at least for the first such byte.
 * Word-at-a-time: a byte below 0x21 borrows into its top bit when 0x21
 * is subtracted, a byte above 0x7E carries into it when 1 is added (or
 * has it set already). A borrow or carry only spreads from a byte that
 * is already out of range into the bytes above it, so "none" is exact
 * and the lowest flagged byte is a real one (on a little-endian machine
 * the lowest byte is the first; elsewhere 0 sends the caller to its
 * byte-by-byte path). b= and bh= values are most of a signature's
 * bytes: this takes ~1.5 instructions a byte instead of ~10, and a
 * folded value goes straight to its white space (issue 18).
 */
static uint64_t
nonval8(const unsigned char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return (((x - BYTES8(0x21)) & ~x) | ((x + BYTES8(0x01)) | x)) &
	    BYTES8(0x80);
}

/* valchars8 - how many of the eight bytes at p, from the first, are in
 * %x21-7E (8: all of them; see nonval8) */
static size_t
valchars8(const unsigned char *p)
{
	uint64_t bad = nonval8(p);

	if (bad == 0)
		return 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(bad) / 8;
#else
	return 0;
#endif
}

/* scan_value - from p[*pos], the tag value up to the next ';' or the end:
 * *pos becomes that end, *vend_r the index after the value's last
 * VALCHAR (or the start when there is none); false on a byte that is
 * neither VALCHAR (nor, with utf8, a byte 0x80-0xff, which sets
 * *eight_bit) nor white space. The value alternates runs of VALCHARs
 * (taken eight at a time) and runs of white space (a fold in b=, the
 * spaces in h=), each run consumed in a loop of its own. */
static bool
scan_value(const unsigned char *p, size_t len, const unsigned char *cls,
    unsigned fws, bool utf8, bool *eight_bit, size_t *pos, size_t *vend_r)
{
	const unsigned char *semi = memchr(p + *pos, ';', len - *pos);
	size_t end = semi != NULL ? (size_t)(semi - p) : len;
	size_t i = *pos, vend = i;

	while (i < end) {
		size_t run = i;

		/* no ';' before end, so %x21-7E here means VALCHAR;
		 * sixteen bytes a step while they all are */
		while (end - i >= 16 && (nonval8(p + i) |
		    nonval8(p + i + 8)) == 0)
			i += 16;
		while (end - i >= 8) {
			size_t n = valchars8(p + i);

			i += n;
			if (n < 8)
				break;
		}
		while (i < end && (cls[p[i]] & TAGVALUE_C_VAL) != 0)
			i++;
		if (utf8 && i < end && p[i] >= 0x80) {
			/* part of the value: the word loops go on after it */
			*eight_bit = true;
			vend = ++i;
			continue;
		}
		if (i > run)
			vend = i;
		run = i;
		while (i < end && (cls[p[i]] & fws) != 0)
			i++;
		if (i == run && i < end)
			return false;
	}
	*pos = i;
	*vend_r = vend;
	return true;
}

/* name_eq - compare two tag names. Names are a byte or two, checked for
 * repeats against every earlier tag: a loop here instead of a memcmp
 * call (issue 18). */
static bool
name_eq(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen, unsigned flags)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (a[i] != b[i] && ((flags & TAGVALUE_CASE_INSENSITIVE) == 0 ||
		    ascii_tolower(a[i]) != ascii_tolower(b[i])))
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
 * *empty when the spec held only whitespace. Fills every field of t but
 * problem. */
static enum tagvalue_status
parse_spec(const unsigned char *p, size_t len, unsigned flags, size_t *pos,
    struct tagvalue *t, bool *empty, const char **why_r)
{
	const unsigned char *cls = tagvalue_classes;
	unsigned fws = fws_mask(flags);
	size_t i = *pos, vend;

	while (i < len && (cls[p[i]] & fws) != 0)
		i++;
	if (i == len || p[i] == ';') {
		*empty = true;
		*pos = i;
		return TAGVALUE_OK;
	}
	*empty = false;
	if ((cls[p[i]] & TAGVALUE_C_ALPHA) == 0)
		return set_why(why_r, TAGVALUE_E_SYNTAX, "tag name must start with a letter");
	t->name = p + i;
	while (i < len && (cls[p[i]] & TAGVALUE_C_NAME) != 0)
		i++;
	t->name_len = (size_t)(p + i - t->name);
	if (i < len && p[i] != '=' && p[i] != ';' && (cls[p[i]] & fws) == 0)
		return set_why(why_r, TAGVALUE_E_SYNTAX,
		    "invalid character in tag name");
	while (i < len && (cls[p[i]] & fws) != 0)
		i++;
	if (i == len || p[i] != '=')
		return set_why(why_r, TAGVALUE_E_SYNTAX, "tag without '='");
	i++;
	t->raw_start = i;
	while (i < len && (cls[p[i]] & fws) != 0)
		i++;
	t->value = p + i;
	t->eight_bit = false;
	if (!scan_value(p, len, cls, fws, (flags & TAGVALUE_UTF8) != 0,
	    &t->eight_bit, &i, &vend))
		return set_why(why_r, TAGVALUE_E_SYNTAX,
		    "invalid character in tag value");
	t->value_len = vend - (size_t)(t->value - p);
	t->raw_end = i;
	if (t->value_len == 0 && (flags & TAGVALUE_NONEMPTY) != 0)
		return set_why(why_r, TAGVALUE_E_SYNTAX, "empty tag value");
	*pos = i;
	return TAGVALUE_OK;
}

/*
 * letter_bit - a bit of its own for a one-letter tag name (52 letters;
 * upper and lower case share one with TAGVALUE_CASE_INSENSITIVE), 0 for
 * any other name. Nearly every DKIM and DMARC tag is one letter, and
 * comparing each with every earlier tag was most of the duplicate check
 * (issue 18).
 */
static uint64_t
letter_bit(const struct tagvalue *t, unsigned flags)
{
	unsigned char c;

	/* a good tag's name starts with a letter (parse_spec) */
	if (t->name_len != 1)
		return 0;
	c = t->name[0];
	if (c >= 'a')
		return UINT64_C(1) << (c - 'a');
	/* upper case: its own bit, or the lower-case letter's */
	return (flags & TAGVALUE_CASE_INSENSITIVE) != 0 ?
	    UINT64_C(1) << (c - 'A') : UINT64_C(1) << (26 + (c - 'A'));
}

/* is_repeat - does a good tag of the list already have t's name?
 * bit: letter_bit of t; letters: the letter_bit of every good tag in the
 * list */
static bool
is_repeat(const struct tagvalue_list *l, const struct tagvalue *t,
    unsigned flags, uint64_t bit, uint64_t letters)
{
	size_t j;

	if (bit != 0)
		return (letters & bit) != 0;
	for (j = 0; j < l->count; j++)
		if (l->tag[j].name_len == t->name_len &&
		    l->tag[j].problem == NULL && name_eq(l->tag[j].name,
		    l->tag[j].name_len, t->name, t->name_len, flags))
			return true;
	return false;
}

/* skip_spec - TAGVALUE_LENIENT: t becomes a problem entry for the
 * malformed tag-spec at p[start..), which ends at the next ';' */
static size_t
skip_spec(const unsigned char *p, size_t len, size_t start,
    struct tagvalue *t, const char *why)
{
	size_t i = start;

	while (i < len && p[i] != ';')
		i++;
	memset(t, 0, sizeof(*t));
	t->raw_start = start;
	t->raw_end = i;
	t->problem = why;
	return i;
}

/* tagvalue_parse - split p[0..len) into tags. Each tag is parsed in
 * place, into the list's next slot (a scratch one when the list is
 * full), not built aside and copied in. */
enum tagvalue_status
tagvalue_parse(const unsigned char *p, size_t len, unsigned flags,
    struct tagvalue_list *out, const char **why_r)
{
	size_t pos = 0;
	uint64_t letters = 0;	/* letter_bit of each good tag so far */

	out->count = 0;
	out->truncated = false;
	for (;;) {
		struct tagvalue scratch;
		struct tagvalue *t = out->count < TAGVALUE_MAX_TAGS ?
		    &out->tag[out->count] : &scratch;
		bool empty = false;
		enum tagvalue_status st;
		const char *why = NULL;
		size_t start = pos;
		uint64_t bit = 0;

		t->problem = NULL;
		st = parse_spec(p, len, flags, &pos, t, &empty, &why);
		if (st != TAGVALUE_OK) {
			if ((flags & TAGVALUE_LENIENT) == 0)
				return set_why(why_r, st, why);
			pos = skip_spec(p, len, start, t, why);
		} else if (!empty) {
			bit = letter_bit(t, flags);
			if (is_repeat(out, t, flags, bit, letters)) {
				if ((flags & TAGVALUE_DUP_FIRST) == 0)
					return set_why(why_r,
					    TAGVALUE_E_DUPLICATE,
					    "duplicate tag");
				t->problem = "repeated tag ignored";
			}
		}
		if (!empty) {
			if (t == &scratch) {
				if ((flags & TAGVALUE_LENIENT) == 0)
					return set_why(why_r,
					    TAGVALUE_E_TOO_MANY,
					    "too many tags");
				out->truncated = true;
				break;
			}
			out->count++;
			if (t->problem == NULL)
				letters |= bit;
		}
		if (pos >= len)
			break;
		pos++;		/* the ';' */
	}
	return TAGVALUE_OK;
}

/* tagvalue_find_n - the tag called name[0..n), or NULL */
const struct tagvalue *
tagvalue_find_n(const struct tagvalue_list *list, const char *name,
    size_t n, unsigned flags)
{
	size_t i;

	/* the length first, here: most tags of a list are not the one */
	for (i = 0; i < list->count; i++) {
		const struct tagvalue *t = &list->tag[i];

		if (t->name_len == n && t->problem == NULL && name_eq(t->name,
		    n, (const unsigned char *)name, n, flags))
			return t;
	}
	return NULL;
}


