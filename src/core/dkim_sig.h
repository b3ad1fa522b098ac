/* dkim_sig.h - DKIM-Signature header field parsing (RFC 6376 3.5) */
#ifndef AUTHMILTER_DKIM_SIG_H
#define AUTHMILTER_DKIM_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dkim_canon.h"
#include "crypto/crypto.h"
#include "util/buf.h"

/* Most names one h= may list (oversigning doubles a typical list). */
#define DKIM_SIG_MAX_HNAMES 256
/* Longest DNS name (RFC 1035 2.3.4, without the final dot). */
#define DKIM_MAX_DNS_NAME 253

/* ARC instances run 1..50 (RFC 8617 4.2.1); i= has at most 2 digits we
 * accept, a few more are read so "007" is still understood */
#define DKIM_ARC_MAX_INSTANCE 50
#define DKIM_ARC_INSTANCE_DIGITS 4

/* Which DKIM-shaped field a value comes from (RFC 8617 4.1) */
enum dkim_sig_kind {
	DKIM_SIG_KIND_DKIM = 0,		/* DKIM-Signature */
	DKIM_SIG_KIND_ARC_AMS,		/* ARC-Message-Signature */
	DKIM_SIG_KIND_ARC_SEAL		/* ARC-Seal */
};

/* ARC-Seal cv= (RFC 8617 4.1.3) */
enum dkim_arc_cv {
	DKIM_ARC_CV_UNSET = 0,
	DKIM_ARC_CV_NONE,
	DKIM_ARC_CV_PASS,
	DKIM_ARC_CV_FAIL
};

enum dkim_alg {
	DKIM_ALG_UNKNOWN = 0,
	DKIM_ALG_RSA_SHA1,
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256
};

/*
 * A parsed signature. Strings are NUL-terminated copies owned by the
 * struct (freed by dkim_sig_deinit); they and the names array share one
 * allocation, block. Fields that could be read are filled even when
 * parsing fails, so a result can still name d= and s=.
 */
struct dkim_sig {
	enum dkim_alg alg;
	enum crypto_hash hash;
	enum crypto_key_type key_type;
	enum dkim_canon hcanon, bcanon;
	struct buf b;		/* decoded signature (b=) */
	struct buf bh;		/* decoded body hash (bh=) */
	char b8[9];		/* first 8 characters of b= (RFC 6008) */
	char *d;		/* SDID (d=), A-labels */
	char *s;		/* selector (s=), A-labels */
	char *i;		/* AUID (i=), NULL when absent */
	const char *i_domain;	/* domain part of i= (into i), or d */
	char *h;		/* copy of h=; names point into it */
	struct dkim_name *names;
	size_t nnames;
	void *block;		/* holds names, d, s, i and h */
	char *idn;		/* the A-label forms d, s and i_domain point
				 * to when given as U-labels (RFC 8616 5);
				 * NULL when none was */
	bool has_l;
	uint64_t l;
	bool has_t, has_x;
	int64_t t, x;		/* DKIM_SIG_TIME_INFINITE: too far off to say */
	size_t b_start, b_end;	/* raw b= value offsets in the field value */
	unsigned instance;	/* ARC i= (AMS and AS only), 0 for DKIM */
	enum dkim_arc_cv cv;	/* ARC-Seal cv=, UNSET otherwise */
};

enum dkim_sig_status {
	DKIM_SIG_OK = 0,
	DKIM_SIG_E_SYNTAX,	/* malformed or missing required tag */
	DKIM_SIG_E_VERSION,	/* v= is not 1 */
	DKIM_SIG_E_ALG,		/* a= unknown */
	DKIM_SIG_E_CANON,	/* c= unknown */
	DKIM_SIG_E_QUERY,	/* q= without dns/txt */
	DKIM_SIG_E_AUID,	/* i= not within d= */
	DKIM_SIG_E_FROM		/* h= does not name From (RFC 6376 6.1.1) */
};

/* dkim_sig_init - an empty signature, safe to deinit */
void dkim_sig_init(struct dkim_sig *sig);
/* dkim_sig_deinit - free what the signature holds */
void dkim_sig_deinit(struct dkim_sig *sig);

/* dkim_sig_parse - parse a DKIM-Signature value (after the colon, CRLF
 * form). Strict on the required tags v a b bh d h s and on the value of
 * every known tag, tolerant of unknown tags. *why_r gets a static reason
 * on error. sig must have been initialised. */
enum dkim_sig_status dkim_sig_parse(const unsigned char *value, size_t len,
    struct dkim_sig *sig, const char **why_r);

/* dkim_sig_parse_arc - parse an ARC-Message-Signature (kind
 * DKIM_SIG_KIND_ARC_AMS) or ARC-Seal (DKIM_SIG_KIND_ARC_SEAL) value
 * (RFC 8617 4.1.2, 4.1.3): as a DKIM-Signature but i= is the instance
 * (1..DKIM_ARC_MAX_INSTANCE) and there is no v=; an AMS has bh= and h=
 * (From not required, ARC-Seal forbidden); a seal has cv= and no h=, and
 * its canonicalization is relaxed. d=, s= and the instance are filled
 * even when parsing fails (an instance over DKIM_ARC_MAX_INSTANCE is
 * kept, and is an error). */
enum dkim_sig_status dkim_sig_parse_arc(const unsigned char *value,
    size_t len, enum dkim_sig_kind kind, struct dkim_sig *sig,
    const char **why_r);

/* t= or x= of more than DKIM_SIG_TIME_DIGITS significant digits: later
 * than any clock (RFC 6376 3.5: "MAY consider any value longer than 12
 * digits to be infinite"); an x= of it never expires, a t= of it is in
 * the future */
#define DKIM_SIG_TIME_INFINITE INT64_MAX
#define DKIM_SIG_TIME_DIGITS 18

/* dkim_sig_check_time - x= and t= against now with skew seconds of
 * tolerance (a negative skew counts as 0): false (with *why_r) when
 * expired, or signed in the future, or x= is not after t= (RFC 6376 3.5) */
bool dkim_sig_check_time(const struct dkim_sig *sig, int64_t now,
    int64_t skew, const char **why_r);

/* dkim_alg_name - "rsa-sha256", ..., "unknown" */
const char *dkim_alg_name(enum dkim_alg alg);

/* dkim_domain_ok - true for a syntactically valid domain or selector
 * (LDH labels, also '_', of 1..63 bytes, at most DKIM_MAX_DNS_NAME in
 * all); the ASCII case is not changed */
bool dkim_domain_ok(const char *name);

/* Bits of dkim_sig_classes[c], the byte classes dkim_names.c and dkim_sig.c
 * check names with (see dkim_names.c); exported for its test */
#define DKIM_SIG_C_FWS		0x01u
#define DKIM_SIG_C_FTEXT	0x02u
#define DKIM_SIG_C_LDH		0x04u
#define DKIM_SIG_C_HYPHEN	0x08u
#define DKIM_SIG_C_DOT		0x10u
extern const unsigned char dkim_sig_classes[256];

/* dkim_domain_within - true when sub equals dom or is below it, ignoring
 * ASCII case */
bool dkim_domain_within(const char *sub, const char *dom);

#endif
