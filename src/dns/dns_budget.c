/*
 * dns_budget.c - the per-message budget of DNS waiting time.
 *
 *   dns_budget_init/left/spent/charge  keep the account
 *   dns_budget_wait                    collect an asynchronous lookup
 *   dns_budget_lookup                  a synchronous lookup
 *
 * The budget counts only time spent blocked on DNS, not the time the MTA
 * takes to send the body: lookups started early run for free while the
 * body arrives. A wait is cut short at what is left, so the budget can be
 * overrun by at most the resolver's polling step. Callers own the budget
 * (usually inside their per-message state); nothing here allocates.
 */
#include "config.h"

#include "dns/dns_budget.h"

void
dns_budget_init(struct dns_budget *b, unsigned limit_ms)
{
	b->limit_ms = limit_ms;
	b->used_ms = 0;
}

unsigned
dns_budget_left(const struct dns_budget *b)
{
	uint64_t left;

	if (b->limit_ms == 0)
		return UINT32_MAX;
	if (b->used_ms >= b->limit_ms)
		return 0;
	left = b->limit_ms - b->used_ms;
	return left > UINT32_MAX ? UINT32_MAX : (unsigned)left;
}

bool
dns_budget_spent(const struct dns_budget *b)
{
	return dns_budget_left(b) == 0;
}

void
dns_budget_charge(struct dns_budget *b, uint64_t ms)
{
	b->used_ms += ms;
}

struct dns_answer *
dns_budget_wait(struct dns_budget *b, struct dns_query **qp)
{
	struct dns_answer *a;
	uint64_t t0;
	unsigned left = dns_budget_left(b);

	t0 = clock_mono_ms();
	if (left == 0) {
		/* spent: an answer already in is still used; otherwise the
		 * lookup counts as timed out at once */
		a = dns_query_wait(qp, 1);
		dns_budget_charge(b, clock_mono_ms() - t0);
		return a;
	}
	/* UINT32_MAX (unlimited) means: the resolver's own deadline */
	a = dns_query_wait(qp, left == UINT32_MAX ? 0 : left);
	dns_budget_charge(b, clock_mono_ms() - t0);
	return a;
}

struct dns_answer *
dns_budget_lookup(struct dns_budget *b, struct dns_resolver *r,
    const char *name, uint16_t type, unsigned timeout_ms)
{
	struct dns_answer *a;
	uint64_t t0;
	unsigned left = dns_budget_left(b);

	if (left == 0) {
		/* spent: an answer kept in the process is still used, as
		 * dns_budget_wait takes one already in; nothing is asked */
		a = dns_lookup_cached(r, name, type);
		return a != NULL ? a : dns_answer_new(DNS_R_TIMEOUT);
	}
	if (left != UINT32_MAX && (timeout_ms == 0 || left < timeout_ms))
		timeout_ms = left;
	t0 = clock_mono_ms();
	a = dns_lookup(r, name, type, timeout_ms);
	dns_budget_charge(b, clock_mono_ms() - t0);
	return a;
}
