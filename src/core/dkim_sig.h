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

enum dkim_alg {
	DKIM_ALG_UNKNOWN = 0,
	DKIM_ALG_RSA_SHA1,
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256
};

/*
 * A parsed signature. Strings are NUL-terminated copies owned by the
 * struct (freed by dkim_sig_deinit). Fields that could be read are filled
 * even when parsing fails, so a result can still name d= and s=.
 */
struct dkim_sig {
	enum dkim_alg alg;
	enum crypto_hash hash;
	enum crypto_key_type key_type;
	enum dkim_canon hcanon, bcanon;
	struct buf b;		/* decoded signature (b=) */
	struct buf bh;		/* decoded body hash (bh=) */
	char b8[9];		/* first 8 characters of b= (RFC 6008) */
	char *d;		/* SDID as given (d=) */
	char *s;		/* selector (s=) */
	char *i;		/* AUID (i=), NULL when absent */
	const char *i_domain;	/* domain part of i= (into i), or d */
	char *h;		/* copy of h=; names point into it */
	struct dkim_name *names;
	size_t nnames;
	bool has_l;
	uint64_t l;
	bool has_t, has_x;
	int64_t t, x;
	size_t b_start, b_end;	/* raw b= value offsets in the field value */
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

/* dkim_sig_check_time - x= and t= against now with skew seconds of
 * tolerance: false (with *why_r) when expired, or signed in the future,
 * or x= is not after t= (RFC 6376 3.5) */
bool dkim_sig_check_time(const struct dkim_sig *sig, int64_t now,
    int64_t skew, const char **why_r);

/* dkim_alg_name - "rsa-sha256", ..., "unknown" */
const char *dkim_alg_name(enum dkim_alg alg);

/* dkim_domain_ok - true for a syntactically valid domain or selector
 * (LDH labels, also '_', of 1..63 bytes, at most DKIM_MAX_DNS_NAME in
 * all); the ASCII case is not changed */
bool dkim_domain_ok(const char *name);

/* dkim_domain_within - true when sub equals dom or is below it, ignoring
 * ASCII case */
bool dkim_domain_within(const char *sub, const char *dom);

#endif
