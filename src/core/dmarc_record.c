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
 * - The tag=value list parser is private to this file (dmarc-sep is
 *   *WSP ";" *WSP, equals is *WSP "=" *WSP, tag names 1*ALPHA, values
 *   printable ASCII except ";"). ABNF literals are case-insensitive
 *   (RFC 5234 2.3), so tag names and keyword values ("p=Reject") are too;
 *   only the version value is case-sensitive (%s"DMARC1", RFC 7405). "v"
 *   must be the first tag.
 * - RFC 9989 4.7: unknown tags MUST be ignored; syntax errors in the rest
 *   of the record are discarded in favour of defaults. So a bad adkim,
 *   aspf, psd, t, fo or a malformed tag is counted in warnings and the
 *   default kept. A bad p, sp or np is kept as DMARC_POLICY_INVALID: the
 *   policy step decides (rua rule of RFC 9989 4.10.1 / RFC 7489 6.6.3).
 * - A repeated tag: the first occurrence wins, later ones are warnings.
 * - pct (RFC 7489 mode only): 0..100 integer, otherwise 100 + warning.
 * - Caps: DMARC_RECORD_MAX_LEN bytes, DMARC_RECORD_MAX_TAGS tags.
 *
 * Caller guarantees: p points to len bytes; no NUL needed.
 * Ownership: the record owns its strings (dmarc_record_clear).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/dmarc_record.h"
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

/* set_tag - apply one tag; seen is a bitmask of known tags already set */
static void
set_tag(struct dmarc_record *r, enum dmarc_mode mode, const unsigned char *t,
    size_t tn, const unsigned char *v, size_t vn, unsigned *seen)
{
	static const char *const names[] = { "p", "sp", "np", "adkim", "aspf",
	    "psd", "t", "rua", "ruf", "fo", "pct", NULL };
	unsigned k;

	for (k = 0; names[k] != NULL; k++)
		if (ascii_memcaseeq(t, tn, names[k]))
			break;
	if (names[k] == NULL)
		return;		/* unknown tag: ignored (RFC 9989 4.7) */
	/* tags that do not exist in the mode are unknown tags there */
	if (mode == DMARC_MODE_RFC9989 && k == 10)
		return;		/* pct removed, RFC 9989 Appendix A.6 */
	if (mode == DMARC_MODE_RFC7489 && (k == 2 || k == 5 || k == 6))
		return;		/* np, psd, t unknown to RFC 7489 */
	if (*seen & (1u << k)) {
		warn(r, "repeated tag ignored");
		return;
	}
	*seen |= 1u << k;
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
	}
}

/* dmarc_record_parse - parse a DMARC record */
enum dmarc_record_status
dmarc_record_parse(const unsigned char *p, size_t len, enum dmarc_mode mode,
    struct dmarc_record *rec, const char **why_r)
{
	size_t i, ts, te, vs, ve, ntags = 0;
	unsigned seen = 0;

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
	/* position after the v tag's value */
	i = 0;
	while (i < len && p[i] != ';')
		i++;
	while (i < len) {
		i = skip_wsp(p, len, i + 1);	/* past ';' */
		if (i >= len)
			break;
		ts = i;
		while (i < len && ascii_isalpha(p[i]))
			i++;
		te = i;
		i = skip_wsp(p, len, i);
		if (te == ts || i >= len || p[i] != '=') {
			/* malformed tag: skip to the next separator */
			if (!(i < len && p[i] == ';' && te == ts))
				warn(rec, "malformed tag ignored");
			while (i < len && p[i] != ';')
				i++;
			continue;
		}
		i = skip_wsp(p, len, i + 1);
		vs = i;
		while (i < len && p[i] != ';')
			i++;
		ve = rtrim(p, vs, i);
		{
			size_t k;
			bool ok = ve > vs;

			for (k = vs; k < ve; k++)
				if (p[k] < 0x20 || p[k] > 0x7e)
					ok = false;
			if (!ok) {
				warn(rec, "bad tag value ignored");
				continue;
			}
		}
		if (++ntags > DMARC_RECORD_MAX_TAGS) {
			warn(rec, "too many tags; rest ignored");
			break;
		}
		set_tag(rec, mode, p + ts, te - ts, p + vs, ve - vs, &seen);
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
