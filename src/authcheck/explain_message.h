/* explain_message.h - the report of authcheck message */
#ifndef AUTHCHECK_EXPLAIN_MESSAGE_H
#define AUTHCHECK_EXPLAIN_MESSAGE_H

#include "authcheck/report.h"
#include "dns/dns.h"
#include "milter/session.h"
#include "policy/policy.h"

/*
 * explain_message - fill rep from a session whose message went through
 * the check glue up to checks_eom: the A-R value the daemon would add,
 * each check's result with the records used and a plain explanation, and
 * the verdict. r (the same resolver, so answers come from its cache)
 * fetches the SPF and DMARC records to show them.
 */
void explain_message(struct report *rep, struct dns_resolver *r,
    const struct session *s, const char *ar_value,
    const struct verdict *at_mail, const struct verdict *at_end);

#endif
