/* idna.h - IDNA2008 domain names: U-labels to A-labels, with a
 * mixed-script check (RFC 5890-5893 through libidn2, UTS #39 5.2) */
#ifndef AUTHMILTER_IDNA_H
#define AUTHMILTER_IDNA_H

#include <stdbool.h>
#include <stddef.h>

#define IDNA_MAX_NAME	253	/* RFC 1035 2.3.4, A-label form, no final dot */
#define IDNA_MAX_LABEL	63
#define IDNA_MAX_INPUT	1024	/* input bytes (U-labels are up to 4x longer) */
#define IDNA_ASCII_SIZE	(IDNA_MAX_NAME + 1)
/* A name of <= 253 A-label bytes decodes to <= 253 code points of
 * <= 4 UTF-8 bytes each. */
#define IDNA_UNICODE_SIZE	(4 * IDNA_MAX_NAME + 1)

enum idna_status {
	IDNA_OK = 0,
	IDNA_R_EMPTY,		/* empty name or empty label */
	IDNA_R_ENCODING,	/* not UTF-8, or a NUL or control byte */
	IDNA_R_INVALID,		/* rejected by IDNA2008 (see why) */
	IDNA_R_MIXED_SCRIPT,	/* a label mixes scripts (UTS #39 5.2) */
	IDNA_R_TOO_LONG		/* label > 63 or name > 253 in A-label form */
};

/* A domain in both forms. ascii is lower case, its internationalised
 * labels are A-labels ("xn--..."); unicode is the same name with those
 * labels as U-labels (equal to ascii when international is false). */
struct idna_name {
	char ascii[IDNA_ASCII_SIZE];
	char unicode[IDNA_UNICODE_SIZE];
	bool international;	/* at least one label is an A-label */
};

/*
 * idna_domain - check and convert a domain name (p, len: no NUL needed; one
 * trailing dot is dropped, also one that UTS #46 maps to ".", as U+3002).
 * Labels of ASCII letters, digits, "-" and "_" are only lower-cased
 * (host names with "--" in them stay valid, as they are not IDNA
 * labels). A label with a non-ASCII byte (a U-label, UTF-8 as
 * in RFC 6532 mail) or starting "xn--" (an A-label, checked by decoding
 * it and encoding it again) goes through libidn2's lookup conversion with
 * IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL: NFC and UTS #46 mapping (case
 * folding), then the IDNA2008 rules: code points DISALLOWED or UNASSIGNED
 * by RFC 5892, the hyphen rules of RFC 5891 4.2.3.1, a leading combining
 * mark (4.2.3.2), the CONTEXTJ and CONTEXTO rules (4.2.3.3, RFC 5892
 * Appendix A) and the Bidi rule (RFC 5893 2). Then every international
 * label must pass the mixed-script rule (see idna.c).
 * On IDNA_OK fills *out_r; on any other status *out_r holds empty strings.
 * *why_r (may be NULL) always gets a static reason.
 */
enum idna_status idna_domain(const unsigned char *p, size_t len,
    struct idna_name *out_r, const char **why_r);
/* idna_domain_full - idna_domain without its shortcut for names of plain
 * ASCII labels: the same results, slower; for tests that compare them */
enum idna_status idna_domain_full(const unsigned char *p, size_t len,
    struct idna_name *out_r, const char **why_r);
/* idna_status_name - short word for logs */
const char *idna_status_name(enum idna_status s);

#endif
