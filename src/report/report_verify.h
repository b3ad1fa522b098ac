/* report_verify.h - RFC 9990 "Verifying External Destinations" with our
 * DNS module: the report job (rua) and the failure-report thread (ruf) */
#ifndef AUTHMILTER_REPORT_VERIFY_H
#define AUTHMILTER_REPORT_VERIFY_H

#include <libpsl.h>

#include "core/dmarc_record.h"
#include "dns/dns.h"
#include "report/report_rua.h"
#include "util/buf.h"

#define REPORT_DNS_TIMEOUT_MS 5000

/*
 * report_verify_dest - may reports about domain go to d, a destination
 * from the policy's tag (rua or ruf)? 1: yes (the same organisational
 * domain, by the PSL in rfc7489 mode and by RFC 9989's DNS tree walk in
 * rfc9989 mode, as the daemon aligns; or authorised by a v=DMARC1 record at
 * <domain>._report._dmarc.<host>; d may be replaced by that record's
 * override in the same tag), 0: no (skip it), -1: DNS trouble (try again later; also
 * when *give_up_ms, if given, passes during the lookup). Reasons for 0
 * and -1 are appended to why ("; " between several).
 */
int report_verify_dest(struct dns_resolver *r, const psl_ctx_t *psl,
    enum dmarc_mode mode, const char *domain, enum report_tag tag,
    struct report_dest *d, const _Atomic uint64_t *give_up_ms,
    struct buf *why);

#endif
