/* dns_budget.h - a budget of time one message may spend waiting for DNS
 *
 * DNSTimeout bounds one lookup; the budget bounds the sum of all the
 * waiting one message causes (SPF at MAIL FROM, DKIM keys and DMARC
 * records at end of message), so hundreds of signatures or a deep DMARC
 * walk pointing at slow DNS cannot hold a message for minutes. Once it is
 * spent a lookup whose answer is not already in returns DNS_R_TIMEOUT at
 * once, which callers report as temperror. Not thread-safe: one budget per message.
 */
#ifndef AUTHMILTER_DNS_BUDGET_H
#define AUTHMILTER_DNS_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/dns.h"
#include "util/clock.h"

struct dns_budget {
	uint64_t limit_ms;	/* total waiting allowed */
	uint64_t used_ms;	/* waited so far */
};

/* dns_budget_init - a fresh budget of limit_ms (0: unlimited) */
void dns_budget_init(struct dns_budget *b, unsigned limit_ms);
/* dns_budget_left - milliseconds left (UINT32_MAX when unlimited; 0 when
 * spent) */
unsigned dns_budget_left(const struct dns_budget *b);
/* dns_budget_spent - true once nothing is left */
bool dns_budget_spent(const struct dns_budget *b);
/* dns_budget_charge - count ms of waiting done elsewhere (e.g. SPF) */
void dns_budget_charge(struct dns_budget *b, uint64_t ms);
/* dns_budget_wait - dns_query_wait within what is left, charged; when
 * the budget is spent an answer already there is taken, else TIMEOUT.
 * Frees the query and NULLs *qp; never returns NULL. */
struct dns_answer *dns_budget_wait(struct dns_budget *b, struct dns_query **qp);
/* dns_budget_lookup - dns_lookup within what is left (and within
 * timeout_ms when that is non-zero), charged; when spent an answer kept
 * in the process (dns_lookup_cached) is taken, else TIMEOUT at once */
struct dns_answer *dns_budget_lookup(struct dns_budget *b,
    struct dns_resolver *r, const char *name, uint16_t type,
    unsigned timeout_ms);

#endif
