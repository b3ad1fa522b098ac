/* domain_spf.h - explain a domain's SPF record and its include tree */
#ifndef AUTHCHECK_DOMAIN_SPF_H
#define AUTHCHECK_DOMAIN_SPF_H

#include "authcheck/report.h"
#include "dns/dns.h"

/* How deep includes are followed and how many records are read at most
 * (RFC 7208 4.6.4 allows 10 DNS-querying terms in all, so a valid tree
 * never comes near these). */
#define DOMAIN_SPF_MAX_DEPTH 12
#define DOMAIN_SPF_MAX_RECORDS 40

/*
 * domain_spf - fetch the SPF record of domain and every record it
 * includes or redirects to, and add an "spf" section to rep: each record
 * with its terms, the count of DNS-querying terms (include, a, mx, ptr,
 * exists, redirect) across the whole tree against the limit of 10, and
 * the void lookups (names with no record) against the limit of 2. Warns
 * about several SPF records at one name, "+all" (or a bare "all"), more
 * than 10 DNS-querying terms, more than 2 void lookups, records that are
 * not valid SPF, includes that lead nowhere and include loops.
 */
void domain_spf(struct report *rep, struct dns_resolver *r,
    const char *domain);

#endif
