/* dmarc_record.h - DMARC policy record parsing (RFC 9989 4.7, RFC 7489 6.3) */
#ifndef AUTHMILTER_DMARC_RECORD_H
#define AUTHMILTER_DMARC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

/* Longer TXT data is not a record: more than one RR's data can hold
 * (RFC 1035 RDLENGTH), so only a bug could pass it; neither RFC 7489 nor
 * RFC 9989 limits a record, and a long one is still read whole. */
#define DMARC_RECORD_MAX_LEN	65535

/* Which specification the receiver follows (a config choice). */
enum dmarc_mode {
	DMARC_MODE_RFC9989 = 0,	/* DNS Tree Walk, psd/np/t, pct ignored */
	DMARC_MODE_RFC7489	/* PSL org domain, pct honoured */
};

enum dmarc_policy {
	DMARC_POLICY_UNSET = 0,	/* tag absent */
	DMARC_POLICY_NONE,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT,
	DMARC_POLICY_INVALID	/* tag present with a bad value */
};

enum dmarc_psd {
	DMARC_PSD_U = 0,	/* default: not a PSD, no statement */
	DMARC_PSD_Y,
	DMARC_PSD_N
};

/*
 * A parsed record. Strings (rua, ruf, fo) are copies of the tag values as
 * published (NULL when absent), kept for the reporting work (RFC 9990/9991).
 */
struct dmarc_record {
	enum dmarc_policy p, sp, np;
	bool adkim_strict, aspf_strict;
	enum dmarc_psd psd;
	bool testing;		/* t=y (RFC 9989 only) */
	unsigned pct;		/* 0..100, 100 unless published (RFC 7489 only) */
	char *rua, *ruf, *fo;
	bool rua_valid;		/* rua holds at least one syntactically valid URI */
	unsigned warnings;	/* count of ignored bad values, for logs */
	const char *warning;	/* the first such problem (static text) */
};

enum dmarc_record_status {
	DMARC_REC_OK = 0,
	DMARC_REC_NOT_DMARC,	/* does not start with v=DMARC1: not a record */
	DMARC_REC_TOO_LONG
};

/*
 * dmarc_record_is_dmarc - true when the TXT data starts with a "v" tag
 * whose value is exactly DMARC1 (RFC 9989 4.10 steps 2 and 6; the tag
 * must come first, RFC 9989 4.7).
 */
bool dmarc_record_is_dmarc(const unsigned char *p, size_t len);

/*
 * dmarc_record_parse - parse TXT data into *rec (always initialised; free
 * with dmarc_record_clear). mode selects which tags are known: in
 * RFC 9989 mode pct, rf and ri are unknown tags and ignored (RFC 9989
 * Appendix A.6 and C.5.2); in RFC 7489 mode np, psd and t are ignored
 * (they did not exist) and pct is read. *why_r gets a static reason.
 */
enum dmarc_record_status dmarc_record_parse(const unsigned char *p,
    size_t len, enum dmarc_mode mode, struct dmarc_record *rec,
    const char **why_r);
/* dmarc_record_clear - free the strings and reset *rec */
void dmarc_record_clear(struct dmarc_record *rec);
/* dmarc_record_copy - deep copy of src into *dst */
void dmarc_record_copy(struct dmarc_record *dst,
    const struct dmarc_record *src);
/* dmarc_policy_name - "none", "quarantine", "reject" ("" when unset) */
const char *dmarc_policy_name(enum dmarc_policy p);

#endif
