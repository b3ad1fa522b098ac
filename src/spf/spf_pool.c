/*
 * spf_pool.c - a per-process pool of ready SPF checkers
 *
 * Exported (spf_pool.h): spf_pool_new, spf_pool_free, spf_pool_take,
 * spf_pool_give, spf_pool_idle.
 *
 * Idle checkers sit in a fixed array used as a stack (the most recently
 * given back is taken first: its memory is the warmest). A checker's
 * limits are ours (spf.c reads them per evaluation), so take simply sets
 * them; its receiver name is inside libspf2's server, so a checker is
 * reused only for the same receiver. After a reload that changed
 * AuthservID, the idle checkers of the old name are freed as takes find
 * no match, so the pool drains of them. Checkers are built and freed
 * outside the mutex; it guards only the array.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "spf/spf_int.h"
#include "spf/spf_pool.h"
#include "util/xmalloc.h"

struct spf_pool {
	pthread_mutex_t lock;
	struct dns_resolver *dns;
	struct spf_checker **idle;	/* max_idle slots, count in use */
	size_t count, max_idle;
	struct spf_results *results;	/* shared by all its checkers */
};

/* spf_pool_new - an empty pool */
struct spf_pool *
spf_pool_new(struct dns_resolver *r, size_t max_idle)
{
	struct spf_pool *p = xcalloc(1, sizeof(*p));

	if (pthread_mutex_init(&p->lock, NULL) != 0)
		abort();	/* only fails for lack of resources */
	p->dns = r;
	p->max_idle = max_idle;
	p->idle = xcalloc(max_idle > 0 ? max_idle : 1, sizeof(*p->idle));
	p->results = spf_results_new(SPF_RESULTS_SETS, SPF_RESULTS_WAYS);
	return p;
}

/* spf_pool_free - free the idle checkers and the pool */
void
spf_pool_free(struct spf_pool **pp)
{
	struct spf_pool *p = *pp;

	if (p == NULL)
		return;
	*pp = NULL;
	while (p->count > 0)
		spf_checker_free(&p->idle[--p->count]);
	free(p->idle);
	spf_results_free(&p->results);
	(void)pthread_mutex_destroy(&p->lock);
	free(p);
}

/* pop_for - under the lock: the newest idle checker for receiver, else
 * NULL with *stale_r set to one built for another receiver (if any) */
static struct spf_checker *
pop_for(struct spf_pool *p, const char *receiver_host,
    struct spf_checker **stale_r)
{
	struct spf_checker *c;
	size_t i;

	*stale_r = NULL;
	for (i = p->count; i > 0; i--) {
		if (spf_checker_has_receiver(p->idle[i - 1], receiver_host)) {
			c = p->idle[i - 1];
			p->idle[i - 1] = p->idle[--p->count];
			return c;
		}
	}
	if (p->count > 0)
		*stale_r = p->idle[--p->count];
	return NULL;
}

/* spf_pool_take - reuse an idle checker, or build one */
struct spf_checker *
spf_pool_take(struct spf_pool *p, const struct spf_limits *limits,
    const char *receiver_host)
{
	struct spf_checker *c, *stale;

	(void)pthread_mutex_lock(&p->lock);
	c = pop_for(p, receiver_host, &stale);
	(void)pthread_mutex_unlock(&p->lock);
	spf_checker_free(&stale);
	if (c == NULL) {
		c = spf_checker_new(p->dns, limits, receiver_host);
		c->results = p->results;
		return c;
	}
	spf_checker_set_limits(c, limits);
	return c;
}

/* spf_pool_give - keep the checker for the next taker */
void
spf_pool_give(struct spf_pool *p, struct spf_checker **cp)
{
	struct spf_checker *c = *cp;

	if (c == NULL)
		return;
	*cp = NULL;
	(void)pthread_mutex_lock(&p->lock);
	if (p->count < p->max_idle) {
		p->idle[p->count++] = c;
		c = NULL;
	}
	(void)pthread_mutex_unlock(&p->lock);
	spf_checker_free(&c);
}

/* spf_pool_idle - how many are idle */
size_t
spf_pool_idle(struct spf_pool *p)
{
	size_t n;

	(void)pthread_mutex_lock(&p->lock);
	n = p->count;
	(void)pthread_mutex_unlock(&p->lock);
	return n;
}

/* spf_pool_kept_hits - evaluations answered from the kept results */
uint64_t
spf_pool_kept_hits(struct spf_pool *p)
{
	return spf_results_hits(p->results);
}
