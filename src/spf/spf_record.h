/* spf_record.h - RFC 7208 record selection, validation and normalisation
 *
 * Pure functions (no libspf2, no DNS): they decide what libspf2 may see.
 */
#ifndef AUTHMILTER_SPF_RECORD_H
#define AUTHMILTER_SPF_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Named limits. A record longer than this or with more terms is refused
 * (permerror) before libspf2 sees it: libspf2 keeps compiled records and
 * expansions in fixed-size buffers. */
#define SPF_RECORD_MAX_LEN 2048
#define SPF_RECORD_MAX_TERMS 128
/* Macro transformer digits above this are clamped (a name has fewer
 * labels), so libspf2's label arithmetic never sees huge counts
 * (CVE-2023-42118 class). */
#define SPF_MACRO_MAX_DIGITS 127

/*
 * libspf2 reads a prefix length of 0 as "none given" and cannot express
 * "a//0" (any AAAA record), "mx/0" or "mx//0" (any address of any MX
 * host). Such terms are rewritten to "exists:<domain>.%{v}.<marker>" and
 * our DNS layer (spf_dns.c) answers the marked lookup by doing what RFC
 * 7208 5.3/5.4 asks. The markers sit under .invalid (RFC 6761), which
 * never resolves. %{v} ("in-addr" or "ip6", which the layer drops too)
 * keeps the marker out of the domain's literal text: libspf2 refuses a
 * literal run over 255 octets, and a domain-spec near that length is
 * valid (SPF_MARK_SEPARATOR).
 */
#define SPF_MARK_SEPARATOR "%{v}"
#define SPF_MARK_ANY_AAAA "any-aaaa.authmilter.invalid"
#define SPF_MARK_MX_A "mx-a.authmilter.invalid"
#define SPF_MARK_MX_AAAA "mx-aaaa.authmilter.invalid"

/* spf_record_is_spf - true when txt is an SPF version 1 record: "v=spf1"
 * (any case) followed by a space or the end (RFC 7208 4.5) */
bool spf_record_is_spf(const unsigned char *txt, size_t len);

/* spf_record_check - validate record against the RFC 7208 section 12
 * grammar and the section 6 modifier rules, and write into out_r a
 * normalised record for libspf2 (redirect last and dropped when an "all"
 * is present, unknown modifiers dropped, /0 networks rewritten for the
 * client family client_af (AF_INET or AF_INET6), digits clamped).
 * Returns false and sets *why_r (static text) when the record is invalid
 * (permerror). */
bool spf_record_check(const unsigned char *rec, size_t len, int client_af,
    struct buf *out_r, const char **why_r);

/* One macro-expand, "%{" letter *DIGIT ["r"] *delimiter "}" (RFC 7208
 * 7.1), as written: the letter's case chooses URL escaping. */
struct spf_macro {
	unsigned char letter;
	unsigned long digits;	/* their value (above 100000: 100001), 0: none */
	size_t ndigits;		/* how many were written, from offset 3 */
	bool reverse;		/* "r" or "R" */
	const unsigned char *delims;	/* into the text; ndelims of them */
	size_t ndelims;
	size_t len;		/* from '%' to '}', both in */
};

/* spf_macro_parse - read the macro-expand at p[0..len) (p starts "%{")
 * into m; false when it does not have that shape (the letter and a zero
 * digit are the caller's to judge) */
bool spf_macro_parse(const unsigned char *p, size_t len, struct spf_macro *m);

/* spf_macro_string_ok - true when p[0..len) is a valid macro-string
 * (RFC 7208 7.1); in_exp allows the c, r and t letters (7.2) */
bool spf_macro_string_ok(const unsigned char *p, size_t len, bool in_exp);

/* spf_macro_string_copy - spf_macro_string_ok, and when valid append it
 * to out with transformer digits clamped to SPF_MACRO_MAX_DIGITS, as
 * records are (on false, out may hold part of it) */
bool spf_macro_string_copy(const unsigned char *p, size_t len, bool in_exp,
    struct buf *out);

/*
 * libspf2 compiles an explanation (SPF_record_compile_macro) into a stack
 * buffer of SPF_MACRO_COMPILED_ROOM bytes. 1.2.10 as Debian 12 ships it
 * lacks the CVE-2023-42118 fix: when a block of literal text starts less
 * than a block header (4 bytes) before the end, its room underflows and
 * the text is copied past the buffer (a hostile exp= TXT crashed the
 * process; found by fuzz_spf_eval). An explanation whose compiled form
 * is at most SPF_MACRO_COMPILED_MAX bytes never starts a block there.
 * (Mechanisms and modifiers compile into 4 KB buffers, which records of
 * SPF_RECORD_MAX_LEN cannot overrun that way.)
 */
#define SPF_MACRO_COMPILED_ROOM 511
#define SPF_MACRO_COMPILED_BLOCK 4
#define SPF_MACRO_COMPILED_MAX (SPF_MACRO_COMPILED_ROOM - SPF_MACRO_COMPILED_BLOCK)

/* spf_macro_compiled_len - the bytes libspf2 1.2.10 compiles the valid
 * macro-string p[0..len) into: each run of literal text a block header
 * and its bytes ("%%" and "%_" one each, "%-" the three of "%20") padded
 * to a multiple of 4, each macro-expand one block header */
size_t spf_macro_compiled_len(const unsigned char *p, size_t len);

/*
 * spf_split_dual_cidr - split "domain-part[/n][//m]" at the end: the
 * length of the part before the CIDR suffix in *head_r, with the lengths
 * parsed (has4/has6). False when a suffix is malformed.
 */
bool spf_split_dual_cidr(const unsigned char *p, size_t len, size_t *head_r,
    bool *has4, unsigned *c4, bool *has6, unsigned *c6);

/* spf_cidr_parse - p[0..len), "/" and a prefix length without leading
 * zeros, into *v_r; false when it is not one or is over max */
bool spf_cidr_parse(const unsigned char *p, size_t len, unsigned max,
    unsigned *v_r);

/* spf_domain_spec_ok - true when p[0..len) is a valid domain-spec:
 * macro-string ending in "." toplabel ["."] or in a macro-expand */
bool spf_domain_spec_ok(const unsigned char *p, size_t len);

/* spf_domain_ok - RFC 7208 4.3 initial check of the domain of an
 * identity: at least two labels, none empty or longer than 63 octets,
 * 253 octets at most (one trailing dot allowed) */
bool spf_domain_ok(const char *domain);

#endif
