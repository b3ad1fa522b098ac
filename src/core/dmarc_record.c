/*
 * dmarc_record.c - DMARC policy record parsing
 *
 * Purpose: turn the TXT data found at _dmarc.<domain> into a struct
 * dmarc_record (RFC 9989 4.7 and its ABNF in 4.8; RFC 7489 6.3, 6.4).
 *
 * Exported:
 *   dmarc_record_is_dmarc - does the TXT data start with v=DMARC1
 *   dmarc_record_parse    - parse into struct dmarc_record
 *   dmarc_record_clear    - free
 *   dmarc_record_copy     - deep copy
 *   dmarc_policy_name     - policy word
 *
 * Choices:
 * - The tag=value list is split by tagvalue.c, the tokenizer DKIM uses,
 *   with TAGVALUE_DMARC: dmarc-sep is *WSP ";" *WSP, equals *WSP "="
 *   *WSP, tag names as DKIM's (ALPHA *(ALPHA / DIGIT / "_")), values of
 *   VALCHAR with WSP inside, never empty. ABNF literals are
 *   case-insensitive (RFC 5234 2.3), so tag names and keyword values
 *   ("p=Reject") are too; only the version value is case-sensitive
 *   (%s"DMARC1", RFC 7405). "v" must be the first tag.
 * - RFC 9989 4.7: unknown tags MUST be ignored; syntax errors in the rest
 *   of the record are discarded in favour of defaults. So a bad adkim,
 *   aspf, psd, t, fo or a malformed tag is counted in warnings and the
 *   default kept. A bad p, sp or np is kept as DMARC_POLICY_INVALID: the
 *   policy step decides (rua rule of RFC 9989 4.10.1 / RFC 7489 6.6.3).
 * - A repeated tag: the first occurrence wins, later ones are warnings
 *   (RFC 9989 has no rule for it; its 4.7 discards syntax errors in
 *   favour of defaults, so the repeat is discarded, not the record).
 * - pct (RFC 7489 mode only): 0..100 integer, otherwise 100 + warning.
 * - Cap: DMARC_RECORD_MAX_LEN bytes (a TXT record's most); any number
 *   of tags.
 *
 * Caller guarantees: p points to len bytes; no NUL needed.
 * Ownership: the record owns its strings (dmarc_record_clear).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/dmarc_record.h"
#include "core/tagvalue.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* dmarc_policy_name - the policy word as in A-R and reports */
const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_POLICY_NONE: return "none";
	case DMARC_POLICY_QUARANTINE: return "quarantine";
	case DMARC_POLICY_REJECT: return "reject";
	case DMARC_POLICY_INVALID: return "invalid";
	case DMARC_POLICY_UNSET: break;
	}
	return "";
}

/* skip_wsp - advance over WSP */
static size_t
skip_wsp(const unsigned char *p, size_t len, size_t i)
{
	while (i < len && ascii_iswsp(p[i]))
		i++;
	return i;
}

/* rtrim - length of p[from..to) without trailing WSP */
static size_t
rtrim(const unsigned char *p, size_t from, size_t to)
{
	while (to > from && ascii_iswsp(p[to - 1]))
		to--;
	return to;
}

/* dmarc_record_is_dmarc - v=DMARC1 first (only the value is case-sensitive) */
bool
dmarc_record_is_dmarc(const unsigned char *p, size_t len)
{
	size_t i = skip_wsp(p, len, 0), e;

	if (i >= len || (p[i] != 'v' && p[i] != 'V'))
		return false;
	i = skip_wsp(p, len, i + 1);
	if (i >= len || p[i] != '=')
		return false;
	i = skip_wsp(p, len, i + 1);
	if (len - i < 6 || memcmp(p + i, "DMARC1", 6) != 0)
		return false;
	e = skip_wsp(p, len, i + 6);
	return e == len || p[e] == ';';
}

/* warn - note an ignored bad value */
static void
warn(struct dmarc_record *r, const char *why)
{
	if (r->warnings++ == 0)
		r->warning = why;
}

/* parse_policy - dmarc-request */
static enum dmarc_policy
parse_policy(const unsigned char *v, size_t n)
{
	if (ascii_memcaseeq(v, n, "none"))
		return DMARC_POLICY_NONE;
	if (ascii_memcaseeq(v, n, "quarantine"))
		return DMARC_POLICY_QUARANTINE;
	if (ascii_memcaseeq(v, n, "reject"))
		return DMARC_POLICY_REJECT;
	return DMARC_POLICY_INVALID;
}

/*
 * uri_list_valid - at least one element of a dmarc-urilist looks like a
 * URI: scheme ":" something (RFC 3986 3.1 scheme = ALPHA *(ALPHA / DIGIT /
 * "+" / "-" / ".")). Good enough for the "act as p=none" rule; the
 * reporting code validates addresses properly.
 */
static bool
uri_list_valid(const unsigned char *v, size_t n)
{
	size_t i = 0, s, k;

	while (i < n) {
		i = skip_wsp(v, n, i);
		s = i;
		while (i < n && v[i] != ',')
			i++;
		k = s;
		if (k < i && ascii_isalpha(v[k])) {
			while (k < i && (ascii_isalnum(v[k]) || v[k] == '+' ||
			    v[k] == '-' || v[k] == '.'))
				k++;
			if (k < i && v[k] == ':' && rtrim(v, k + 1, i) > k + 1)
				return true;
		}
		if (i < n)
			i++;
	}
	return false;
}

/* parse_pct - 0..100 */
static bool
parse_pct(const unsigned char *v, size_t n, unsigned *out)
{
	unsigned x = 0;
	size_t i;

	if (n == 0 || n > 3)
		return false;
	for (i = 0; i < n; i++) {
		if (!ascii_isdigit(v[i]))
			return false;
		x = x * 10 + (unsigned)(v[i] - '0');
	}
	if (x > 100)
		return false;
	*out = x;
	return true;
}

/* tag_index - the known tag t names in this mode (index into set_tag's
 * switch), or -1 for a tag to ignore */
static int
tag_index(enum dmarc_mode mode, const unsigned char *t, size_t tn)
{
	static const char *const names[] = { "p", "sp", "np", "adkim", "aspf",
	    "psd", "t", "rua", "ruf", "fo", "pct", NULL };
	int k;

	for (k = 0; names[k] != NULL; k++)
		if (ascii_memcaseeq(t, tn, names[k]))
			break;
	if (names[k] == NULL)
		return -1;	/* unknown tag: ignored (RFC 9989 4.7) */
	/* tags that do not exist in the mode are unknown tags there */
	if (mode == DMARC_MODE_RFC9989 && k == 10)
		return -1;	/* pct removed, RFC 9989 Appendix A.6 */
	if (mode == DMARC_MODE_RFC7489 && (k == 2 || k == 5 || k == 6))
		return -1;	/* np, psd, t unknown to RFC 7489 */
	return k;
}

/* set_tag - apply known tag k (tag_index) with value v */
static void
set_tag(struct dmarc_record *r, int k, const unsigned char *v, size_t vn)
{
	switch (k) {
	case 0: r->p = parse_policy(v, vn); break;
	case 1: r->sp = parse_policy(v, vn); break;
	case 2: r->np = parse_policy(v, vn); break;
	case 3: case 4: {
		bool *dst = k == 3 ? &r->adkim_strict : &r->aspf_strict;

		if (ascii_memcaseeq(v, vn, "s"))
			*dst = true;
		else if (!ascii_memcaseeq(v, vn, "r"))
			warn(r, "bad alignment mode ignored");
		break;
	}
	case 5:
		if (ascii_memcaseeq(v, vn, "y"))
			r->psd = DMARC_PSD_Y;
		else if (ascii_memcaseeq(v, vn, "n"))
			r->psd = DMARC_PSD_N;
		else if (!ascii_memcaseeq(v, vn, "u"))
			warn(r, "bad psd value ignored");
		break;
	case 6:
		if (ascii_memcaseeq(v, vn, "y"))
			r->testing = true;
		else if (!ascii_memcaseeq(v, vn, "n"))
			warn(r, "bad t value ignored");
		break;
	case 7:
		r->rua = xstrndup((const char *)v, vn);
		r->rua_valid = uri_list_valid(v, vn);
		break;
	case 8: r->ruf = xstrndup((const char *)v, vn); break;
	case 9: r->fo = xstrndup((const char *)v, vn); break;
	case 10:
		if (!parse_pct(v, vn, &r->pct))
			warn(r, "bad pct value ignored");
		break;
	default: break;
	}
}

/*
 * apply_tags - the tags of a record split by tagvalue_parse with
 * TAGVALUE_DMARC, in order, from tag first (1 in the first list, whose
 * entry 0 is v=DMARC1, checked by the caller). Malformed tag-specs are
 * warnings; a repeated known tag is a warning (the first occurrence
 * counts: *seen has a bit per known tag set so far, across lists);
 * unknown ones are ignored.
 */
static void
apply_tags(struct dmarc_record *rec, enum dmarc_mode mode,
    const struct tagvalue_list *l, size_t first, unsigned *seen)
{
	size_t i;

	for (i = first; i < l->count; i++) {
		const struct tagvalue *t = &l->tag[i];
		int k;

		if (t->name == NULL) {
			warn(rec, strstr(t->problem, "value") != NULL ?
			    "bad tag value ignored" : "malformed tag ignored");
			continue;
		}
		k = tag_index(mode, t->name, t->name_len);
		if (k < 0)
			continue;
		if ((*seen & 1u << k) != 0) {	/* within a list or across */
			warn(rec, "repeated tag ignored");
			continue;
		}
		*seen |= 1u << k;
		set_tag(rec, k, t->value, t->value_len);
	}
}

/* dmarc_record_parse - parse a DMARC record */
enum dmarc_record_status
dmarc_record_parse(const unsigned char *p, size_t len, enum dmarc_mode mode,
    struct dmarc_record *rec, const char **why_r)
{
	struct tagvalue_list l;	/* on the stack: see dkim_sig_parse */
	unsigned seen = 0;
	size_t off = 0;

	memset(rec, 0, sizeof(*rec));
	rec->pct = 100;
	if (len > DMARC_RECORD_MAX_LEN) {
		*why_r = "record too long";
		return DMARC_REC_TOO_LONG;
	}
	if (!dmarc_record_is_dmarc(p, len)) {
		*why_r = "not a DMARC1 record";
		return DMARC_REC_NOT_DMARC;
	}
	/* lenient: never fails; v=DMARC1 is its first, good entry. A list
	 * holds TAGVALUE_MAX_TAGS: the rest of a longer record is read in
	 * further lists, from the ';' after the last tag kept (unknown tags
	 * are ignored, not a reason to miss a p= after them) */
	for (;;) {
		(void)tagvalue_parse(p + off, len - off, TAGVALUE_DMARC, &l,
		    NULL);
		apply_tags(rec, mode, &l, off == 0 ? 1 : 0, &seen);
		if (!l.truncated || l.count == 0)
			break;
		off += l.tag[l.count - 1].raw_end + 1;
		if (off >= len)
			break;
	}
	*why_r = rec->warnings ? rec->warning : "ok";
	return DMARC_REC_OK;
}

/* dmarc_record_clear - free strings and zero */
void
dmarc_record_clear(struct dmarc_record *rec)
{
	free(rec->rua);
	free(rec->ruf);
	free(rec->fo);
	memset(rec, 0, sizeof(*rec));
	rec->pct = 100;
}

/* dmarc_record_copy - deep copy */
void
dmarc_record_copy(struct dmarc_record *dst, const struct dmarc_record *src)
{
	*dst = *src;
	dst->rua = src->rua ? xstrdup(src->rua) : NULL;
	dst->ruf = src->ruf ? xstrdup(src->ruf) : NULL;
	dst->fo = src->fo ? xstrdup(src->fo) : NULL;
}
