/* report_rua.h - report destinations from rua= (RFC 9989 4.7, RFC 9990
 * "Verifying External Destinations"). Pure: no I/O; the DNS lookup for
 * the verification is the caller's, the judging is here. */
#ifndef AUTHMILTER_REPORT_RUA_H
#define AUTHMILTER_REPORT_RUA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define REPORT_RUA_MAX		8	/* URIs used per record (receiver limit) */
#define REPORT_ADDR_SIZE	256

struct report_dest {
	char addr[REPORT_ADDR_SIZE];	/* local@host, percent-decoded */
	const char *host;		/* points into addr, after the '@' */
	uint64_t max_bytes;		/* !size, 0 when none */
};

/*
 * report_rua_parse - the mailto: URIs of a rua value, in order, at most
 * max (other schemes and malformed URIs are skipped, RFC 9990 "Report
 * Delivery"). Returns how many were written to dests.
 */
size_t report_rua_parse(const char *rua, struct report_dest *dests,
    size_t max);

/* report_rua_verify_name - "<policy-domain>._report._dmarc.<host>" into
 * out; false when longer than a DNS name may be (step 4) */
bool report_rua_verify_name(struct buf *out, const char *policy_domain,
    const char *host);

/* which tag a destination came from: aggregate reports (rua, RFC 9990)
 * or failure reports (ruf, RFC 9991, whose verification is RFC 9990's
 * with ruf read for rua) */
enum report_tag {
	REPORT_TAG_RUA,
	REPORT_TAG_RUF
};

/*
 * report_rua_judge - the TXT strings found at the verify name (n of
 * them, lengths given): true when one is a DMARC record (v=DMARC1
 * first). When such a record has a tag (rua or ruf, as tag says) of its
 * own, its URIs for the same host replace dest (the first one is kept
 * in *dest); one naming another host means no report at all (false).
 * On false, *why_r says which of the two it was.
 */
bool report_rua_judge(const char *const *txt, const size_t *len, size_t n,
    enum report_tag tag, struct report_dest *dest, const char **why_r);

#endif
