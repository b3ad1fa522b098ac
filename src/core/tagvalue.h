/* tagvalue.h - RFC 6376 3.2 tag=value lists (DKIM signatures and keys,
 * DMARC records)
 *
 * The parser never copies: each tag points into the caller's input, which
 * must outlive the list. Input need not be NUL-terminated.
 */
#ifndef AUTHMILTER_TAGVALUE_H
#define AUTHMILTER_TAGVALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Most tags one list may hold. DKIM defines 14 signature tags; a list with
 * more than this is hostile or broken. */
#define TAGVALUE_MAX_TAGS 64

/*
 * Flags: the two dialects of one syntax. DKIM signatures and key records
 * use none of them (RFC 6376 3.2: a malformed tag-spec or a repeated tag
 * makes the whole list invalid). DMARC records (dmarc_record.c) use all:
 * TAGVALUE_DMARC.
 *
 * TAGVALUE_CASE_INSENSITIVE - tag names are compared ignoring ASCII case
 *   (duplicates, tagvalue_find). DKIM tags are case-sensitive; DMARC's
 *   ABNF literals are not (RFC 5234 2.3).
 * TAGVALUE_WSP_ONLY - only SP and HTAB are white space (DMARC's *WSP);
 *   without it, FWS: SP, HTAB, CR, LF (folded header fields).
 * TAGVALUE_NONEMPTY - a tag with an empty value is malformed (every DMARC
 *   value rule needs at least one character; DKIM allows "p=").
 * TAGVALUE_LENIENT - a malformed tag-spec does not end the parse: it is
 *   kept in the list with ->problem set and the parse goes on after the
 *   next ';' (RFC 9989 4.7: syntax errors are discarded in favour of
 *   defaults). More than TAGVALUE_MAX_TAGS entries: the rest is ignored
 *   and ->truncated set instead of TAGVALUE_E_TOO_MANY.
 * TAGVALUE_DUP_FIRST - a repeated tag name keeps the first well-formed
 *   occurrence; later ones are kept with ->problem "repeated tag ignored"
 *   instead of TAGVALUE_E_DUPLICATE. RFC 9989 gives no rule of its own for
 *   a repeated tag, so it is one of the syntax errors its 4.7 discards.
 */
/* TAGVALUE_UTF8 - bytes 0x80-0xff are value characters too: RFC 8616 5
 *   lets a DKIM-Signature in internationalized mail (RFC 6532) carry
 *   U-labels in d= and s= and UTF-8 in i='s local part. The tags that
 *   may hold them check that they are UTF-8 (idna_domain). */
#define TAGVALUE_CASE_INSENSITIVE	0x01u
#define TAGVALUE_WSP_ONLY		0x02u
#define TAGVALUE_NONEMPTY		0x04u
#define TAGVALUE_LENIENT		0x08u
#define TAGVALUE_DUP_FIRST		0x10u
#define TAGVALUE_UTF8			0x20u
#define TAGVALUE_DMARC	(TAGVALUE_CASE_INSENSITIVE | TAGVALUE_WSP_ONLY | \
	TAGVALUE_NONEMPTY | TAGVALUE_LENIENT | TAGVALUE_DUP_FIRST)

/*
 * One tag-spec. name/value point into the input. value excludes the
 * leading and trailing whitespace (FWS) around it but keeps any whitespace
 * inside it (base64 in b= and p= may be folded). raw_start/raw_end are
 * offsets into the input of everything between the '=' and the ';' (or
 * the end), whitespace included: what RFC 6376 3.7 removes for b=.
 */
struct tagvalue {
	const unsigned char *name;
	size_t name_len;
	const unsigned char *value;
	size_t value_len;
	size_t raw_start;
	size_t raw_end;
	bool eight_bit;		/* value has a byte 0x80-0xff (TAGVALUE_UTF8) */
	/* NULL for a good tag; with TAGVALUE_LENIENT or TAGVALUE_DUP_FIRST a
	 * static reason for a skipped one (name may then be NULL) */
	const char *problem;
};

struct tagvalue_list {
	size_t count;
	bool truncated;		/* TAGVALUE_LENIENT: entries were dropped */
	struct tagvalue tag[TAGVALUE_MAX_TAGS];
};

enum tagvalue_status {
	TAGVALUE_OK = 0,
	TAGVALUE_E_SYNTAX,	/* malformed tag-spec */
	TAGVALUE_E_DUPLICATE,	/* a tag appears twice (RFC 6376 3.2) */
	TAGVALUE_E_TOO_MANY	/* more than TAGVALUE_MAX_TAGS tags */
};

/*
 * tagvalue_parse - split p[0..len) into tags.
 * Grammar (RFC 6376 3.2): tag-spec *(";" tag-spec) [";"], tag-spec =
 * [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]; tag-name = ALPHA
 * *(ALPHA / DIGIT / "_"); tag-value characters are %x21-3A / %x3C-7E with
 * whitespace only between them. FWS here is any run of SP, HTAB, CR, LF.
 * Empty tag-specs (";;") are tolerated. flags: TAGVALUE_* above.
 * On error, out->count holds the tags parsed so far and *why_r (if not
 * NULL) a static reason. Never reads outside p[0..len).
 */
enum tagvalue_status tagvalue_parse(const unsigned char *p, size_t len,
    unsigned flags, struct tagvalue_list *out, const char **why_r);

/*
 * Byte classes of tag=value text, the bits of tagvalue_classes[c] (for
 * the parser and its test): C_WSP SP and HTAB; C_CRLF CR and LF (FWS
 * unless TAGVALUE_WSP_ONLY); C_ALPHA letters; C_NAME letters, digits and
 * '_'; C_VAL the VALCHAR of RFC 6376 3.2, printable ASCII except ';'.
 */
#define TAGVALUE_C_WSP		0x01u
#define TAGVALUE_C_CRLF		0x02u
#define TAGVALUE_C_ALPHA	0x04u
#define TAGVALUE_C_NAME		0x08u
#define TAGVALUE_C_VAL		0x10u
extern const unsigned char tagvalue_classes[256];

/* tagvalue_find_n - the good tag called name[0..n), or NULL */
const struct tagvalue *tagvalue_find_n(const struct tagvalue_list *list,
    const char *name, size_t n, unsigned flags);

/* tagvalue_find - the good tag called name (NUL-terminated), or NULL;
 * inline so a constant name's length is folded in */
static inline const struct tagvalue *
tagvalue_find(const struct tagvalue_list *list, const char *name,
    unsigned flags)
{
	return tagvalue_find_n(list, name, strlen(name), flags);
}

/* tagvalue_value_eq - true when the tag's value equals s exactly */
static inline bool
tagvalue_value_eq(const struct tagvalue *t, const char *s)
{
	size_t n = strlen(s);

	return t->value_len == n && memcmp(t->value, s, n) == 0;
}

#endif
