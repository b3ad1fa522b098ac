/*
 * idna.c - IDNA2008 domain names for DMARC: U-labels to A-labels, checked
 *
 * Purpose: an author domain in an RFC 6532 (SMTPUTF8) From field may be
 * written in U-labels ("bücher.example"); DNS, alignment and reports use
 * the A-label form ("xn--bcher-kva.example"), RFC 9989 "Extract Author
 * Domain" and RFC 5890 2.3.2.1. The same conversion serves the
 * RFC5321.MailFrom domain and DKIM d=, so every comparison is A-label
 * against A-label.
 *
 * Exported:
 *   idna_domain       - check a name and give its A-label and U-label forms
 *   idna_domain_full  - the same without the plain-ASCII shortcut (tests)
 *   idna_status_name  - status word for logs
 *
 * Method: the name is split at ASCII dots. Plain LDH labels (and "_") are
 * lower-cased and kept: they are not IDNA labels, and host names such as
 * "r3--sn-x" stay valid. Any other label goes to libidn2's
 * idn2_lookup_u8 with IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL (NFC, UTS #46
 * non-transitional mapping, then the IDNA2008 validity rules of RFC 5891
 * 5.4 and RFC 5892/5893; an "xn--" label is decoded, checked and encoded
 * again). Each resulting A-label is decoded once more to run the
 * mixed-script rule on its code points and to build the U-label form.
 *
 * Mixed-script rule (homographs: "pаypal" with a Cyrillic "а"): IDNA2008
 * itself allows any mix, so we apply the "Highly Restrictive" level of
 * Unicode TS #39 (Security Mechanisms) section 5.2 to each label: after
 * leaving out characters of script Common (digits, "-") and Inherited
 * (combining marks), all characters belong to one script, or to one of
 * the sets {Latin, Han, Hiragana, Katakana}, {Latin, Han, Bopomofo},
 * {Latin, Han, Hangul} (Japanese, Chinese, Korean writing). Scripts come
 * from libunistring's uc_script (the Unicode Script property; UTS #39 uses
 * Script_Extensions, which only widens what Common characters may join).
 * A label mixing Latin and Cyrillic (or Greek) is rejected.
 *
 * Caller guarantees: p points to len readable bytes. Errors: a status and
 * a static reason. No allocation survives a call (libidn2's buffers are
 * freed here).
 */
#include "config.h"

#include <idn2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unictype.h>
#include <unistr.h>

#include "core/idna.h"
#include "util/str.h"

#define IDNA_FLAGS	(IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL)
#define IDNA_MAX_SCRIPTS	4	/* distinct scripts kept per label */

/* The writing systems UTS #39 5.2 lets Latin and Han share a label with. */
static const char *const cjk_sets[][4] = {
	{ "Latin", "Han", "Hiragana", "Katakana" },
	{ "Latin", "Han", "Bopomofo", NULL },
	{ "Latin", "Han", "Hangul", NULL },
};

/* idn2_why - our status and reason for a libidn2 error */
static enum idna_status
idn2_why(int rc, const char **why_r)
{
	switch (rc) {
	case IDN2_ENCODING_ERROR:
	case IDN2_NFC:
		*why_r = "IDNA2008: not valid UTF-8";
		return IDNA_R_ENCODING;
	case IDN2_TOO_BIG_DOMAIN:
	case IDN2_TOO_BIG_LABEL:
	case IDN2_PUNYCODE_BIG_OUTPUT:
	case IDN2_PUNYCODE_OVERFLOW:
		*why_r = "IDNA2008: label longer than 63 octets as an A-label";
		return IDNA_R_TOO_LONG;
	case IDN2_PUNYCODE_BAD_INPUT:
	case IDN2_INVALID_ALABEL:
	case IDN2_UALABEL_MISMATCH:
	case IDN2_ALABEL_ROUNDTRIP_FAILED:
		*why_r = "IDNA2008: xn-- label is not a valid A-label";
		break;
	case IDN2_2HYPHEN:
	case IDN2_HYPHEN_STARTEND:
		*why_r = "IDNA2008: hyphen rule broken (RFC 5891 4.2.3.1)";
		break;
	case IDN2_LEADING_COMBINING:
		*why_r = "IDNA2008: label starts with a combining mark";
		break;
	case IDN2_CONTEXTJ:
	case IDN2_CONTEXTJ_NO_RULE:
	case IDN2_CONTEXTO:
	case IDN2_CONTEXTO_NO_RULE:
		*why_r = "IDNA2008: contextual code point out of its context "
		    "(RFC 5892 Appendix A)";
		break;
	case IDN2_BIDI:
		*why_r = "IDNA2008: Bidi rule broken (RFC 5893)";
		break;
	case IDN2_DISALLOWED:
	case IDN2_UNASSIGNED:
	case IDN2_INVALID_TRANSITIONAL:
	case IDN2_INVALID_NONTRANSITIONAL:
	case IDN2_NOT_NFC:
	case IDN2_DOT_IN_LABEL:
		*why_r = "IDNA2008: disallowed or unassigned code point";
		break;
	default:
		*why_r = "IDNA2008: label rejected";
		break;
	}
	return IDNA_R_INVALID;
}

/* is_alabel_prefix - does the label start with "xn--" (any case)? */
static bool
is_alabel_prefix(const char *p, size_t n)
{
	return n >= 4 && ascii_strncasecmp(p, "xn--", 4) == 0;
}

/* in_set - is every script of s[0..n) one of set (NULL-padded)? */
static bool
in_set(const char *const *s, size_t n, const char *const set[4])
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < 4 && set[k] != NULL; k++)
			if (strcmp(s[i], set[k]) == 0)
				break;
		if (k == 4 || set[k] == NULL)
			return false;
	}
	return true;
}

/* single_script - the UTS #39 5.2 Highly Restrictive test on one label */
static bool
single_script(const uint32_t *cp, size_t n)
{
	const char *s[IDNA_MAX_SCRIPTS + 1];
	size_t ns = 0, i, k;

	for (i = 0; i < n; i++) {
		const uc_script_t *sc = uc_script(cp[i]);

		if (sc == NULL)
			return false;	/* unassigned: IDNA2008 refused it too */
		if (strcmp(sc->name, "Common") == 0 ||
		    strcmp(sc->name, "Inherited") == 0)
			continue;
		for (k = 0; k < ns; k++)
			if (strcmp(s[k], sc->name) == 0)
				break;
		if (k < ns)
			continue;
		if (ns == IDNA_MAX_SCRIPTS)
			return false;
		s[ns++] = sc->name;
	}
	if (ns <= 1)
		return true;
	for (k = 0; k < sizeof(cjk_sets) / sizeof(cjk_sets[0]); k++)
		if (in_set(s, ns, cjk_sets[k]))
			return true;
	return false;
}

/* convert_label - append the A-label form of label p[0..n) to out */
static enum idna_status
convert_label(const char *p, size_t n, char *out, size_t *len_r,
    const char **why_r)
{
	char lab[IDNA_MAX_INPUT + 1];
	char *a = NULL;
	size_t i, alen;
	bool plain = !is_alabel_prefix(p, n) && !str_has_non_ascii(p, n);
	int rc;

	if (plain) {
		if (*len_r + n > IDNA_MAX_NAME)
			goto too_long;
		for (i = 0; i < n; i++)
			out[(*len_r)++] = (char)ascii_tolower((unsigned char)p[i]);
		return IDNA_OK;
	}
	memcpy(lab, p, n);
	lab[n] = '\0';
	rc = idn2_lookup_u8((const uint8_t *)lab, (uint8_t **)&a, IDNA_FLAGS);
	if (rc != IDN2_OK) {
		free(a);
		return idn2_why(rc, why_r);
	}
	alen = strlen(a);
	if (*len_r + alen > IDNA_MAX_NAME) {
		free(a);
		goto too_long;
	}
	for (i = 0; i < alen; i++)
		out[(*len_r)++] = (char)ascii_tolower((unsigned char)a[i]);
	free(a);
	return IDNA_OK;
too_long:
	*why_r = "IDNA2008: name longer than 253 octets as A-labels";
	return IDNA_R_TOO_LONG;
}

/* unicode_label - check the A-label's scripts, append its U-label form */
static enum idna_status
unicode_label(const char *alabel, struct idna_name *o, size_t *ulen_r,
    const char **why_r)
{
	uint32_t *cp = NULL;
	uint8_t *u8;
	size_t n, u8len;
	enum idna_status st = IDNA_OK;
	int rc;

	rc = idn2_to_unicode_8z4z(alabel, &cp, 0);
	if (rc != IDN2_OK) {
		free(cp);
		return idn2_why(rc, why_r);
	}
	n = u32_strlen(cp);
	if (!single_script(cp, n)) {
		*why_r = "IDNA2008: label mixes scripts (UTS #39 5.2 "
		    "Highly Restrictive)";
		free(cp);
		return IDNA_R_MIXED_SCRIPT;
	}
	u8len = sizeof(o->unicode) - 1 - *ulen_r;
	u8 = u32_to_u8(cp, n, (uint8_t *)o->unicode + *ulen_r, &u8len);
	if (u8 == NULL) {
		*why_r = "IDNA2008: not valid Unicode";
		st = IDNA_R_ENCODING;
	} else if (u8 != (uint8_t *)o->unicode + *ulen_r) {
		free(u8);	/* cannot happen: 4 bytes per code point fit */
		*why_r = "IDNA2008: name too long";
		st = IDNA_R_TOO_LONG;
	} else {
		*ulen_r += u8len;
	}
	free(cp);
	return st;
}

/* finish - label lengths, scripts and the U-label form of o->ascii */
static enum idna_status
finish(struct idna_name *o, const char **why_r)
{
	char lab[IDNA_MAX_LABEL + 1];
	const char *p = o->ascii, *dot;
	size_t ulen = 0;
	enum idna_status st;

	for (;;) {
		size_t n;

		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n == 0) {
			*why_r = "IDNA2008: empty label";
			return IDNA_R_EMPTY;
		}
		if (n > IDNA_MAX_LABEL) {
			*why_r = "IDNA2008: label longer than 63 octets";
			return IDNA_R_TOO_LONG;
		}
		if (is_alabel_prefix(p, n)) {
			memcpy(lab, p, n);
			lab[n] = '\0';
			if ((st = unicode_label(lab, o, &ulen, why_r)) != IDNA_OK)
				return st;
			o->international = true;
		} else {
			memcpy(o->unicode + ulen, p, n);
			ulen += n;
		}
		if (dot == NULL)
			break;
		o->unicode[ulen++] = '.';
		p = dot + 1;
	}
	o->unicode[ulen] = '\0';
	return IDNA_OK;
}

/* idna_domain_full - check and convert one domain name, label by label */
enum idna_status
idna_domain_full(const unsigned char *p, size_t len, struct idna_name *out_r,
    const char **why_r)
{
	const char *why = "ok", *s = (const char *)p;
	size_t alen = 0, i, start;
	enum idna_status st = IDNA_OK;

	memset(out_r, 0, sizeof(*out_r));
	if (len > 0 && p[len - 1] == '.')
		len--;
	if (len == 0) {
		why = "IDNA2008: empty name";
		st = IDNA_R_EMPTY;
	} else if (len > IDNA_MAX_INPUT) {
		why = "IDNA2008: name too long";
		st = IDNA_R_TOO_LONG;
	}
	for (i = 0; i < len && st == IDNA_OK; i++)
		if (p[i] <= ' ' || p[i] == 0x7f) {
			why = "IDNA2008: control byte, space or NUL in name";
			st = IDNA_R_ENCODING;
		}
	for (start = 0, i = 0; i <= len && st == IDNA_OK; i++) {
		if (i < len && p[i] != '.')
			continue;
		if (i == start) {
			why = "IDNA2008: empty label";
			st = IDNA_R_EMPTY;
			break;
		}
		if (start > 0)
			out_r->ascii[alen++] = '.';
		st = convert_label(s + start, i - start, out_r->ascii, &alen,
		    &why);
		start = i + 1;
	}
	/* UTS #46 maps U+3002, U+FF0E and U+FF61 to ".": one of them at the
	 * end is the root dot, dropped as an ASCII one is above */
	if (st == IDNA_OK && alen > 0 && out_r->ascii[alen - 1] == '.')
		alen--;
	if (st == IDNA_OK) {
		out_r->ascii[alen] = '\0';
		st = finish(out_r, &why);
	}
	if (st != IDNA_OK)
		memset(out_r, 0, sizeof(*out_r));
	if (why_r != NULL)
		*why_r = why;
	return st;
}

/* plain_lower - for a byte a plain label may hold (printable ASCII, '.'
 * included) its lower-case form, else 0 (controls, space, DEL, 8-bit) */
static const unsigned char plain_lower[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x00 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x08 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x18 */
	0x00, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,	/* 0x20 */
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,	/* 0x28 */
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,	/* 0x30 */
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,	/* 0x38 */
	0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,	/* 0x40 */
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,	/* 0x48 */
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,	/* 0x50 */
	0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,	/* 0x58 */
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,	/* 0x60 */
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,	/* 0x68 */
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,	/* 0x70 */
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x00,	/* 0x78 */
	/* 0x80-0xff: 0 (not ASCII), left to static initialisation */
};

/* ends_plain_label - label o->ascii[start..end) of plain_name's output is
 * non-empty, at most 63 bytes and not an A-label ("xn--" prefix) */
static bool
ends_plain_label(const struct idna_name *o, size_t start, size_t end)
{
	return end > start && end - start <= IDNA_MAX_LABEL &&
	    !(end - start >= 4 && memcmp(o->ascii + start, "xn--", 4) == 0);
}

/*
 * plain_name - the shortcut for a name of plain ASCII labels: printable
 * bytes, no empty label, none over 63 bytes or starting "xn--", at most
 * 253 bytes in all. Such a name is its own A-label and U-label form,
 * lower-cased; idna_domain_full would give the same. Author, SPF and d=
 * domains go through here several times a message, and splitting,
 * copying and rescanning them label by label cost ~900 instructions a
 * name (issue 18): here a table lookup, a store and two tests a byte,
 * and the label checks once per label. false: the name needs the full
 * path (o->ascii may then hold a part of the name).
 */
static bool
plain_name(const unsigned char *p, size_t len, struct idna_name *o)
{
	size_t i, start = 0;

	if (len == 0 || len > IDNA_MAX_NAME)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = plain_lower[p[i]];

		o->ascii[i] = (char)c;
		if (c == 0)
			return false;
		if (c == '.') {
			if (!ends_plain_label(o, start, i))
				return false;
			start = i + 1;
		}
	}
	if (!ends_plain_label(o, start, len))
		return false;
	o->ascii[len] = '\0';
	memcpy(o->unicode, o->ascii, len + 1);
	o->international = false;
	return true;
}

/* idna_domain - check and convert one domain name */
enum idna_status
idna_domain(const unsigned char *p, size_t len, struct idna_name *out_r,
    const char **why_r)
{
	size_t n = len > 0 && p[len - 1] == '.' ? len - 1 : len;

	if (plain_name(p, n, out_r)) {
		if (why_r != NULL)
			*why_r = "ok";
		return IDNA_OK;
	}
	return idna_domain_full(p, len, out_r, why_r);
}

/* idna_status_name - status word for logs */
const char *
idna_status_name(enum idna_status s)
{
	switch (s) {
	case IDNA_OK: return "ok";
	case IDNA_R_EMPTY: return "empty";
	case IDNA_R_ENCODING: return "encoding";
	case IDNA_R_INVALID: return "invalid";
	case IDNA_R_MIXED_SCRIPT: return "mixed-script";
	case IDNA_R_TOO_LONG: return "too-long";
	}
	return "unknown";
}
