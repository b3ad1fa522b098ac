/*
 * dns_unbound.c - the resolver of dns.h on a shared libunbound context
 *
 * Exported: dns_resolver_new (dns.h). The rest is reached through the
 * struct dns_ops table used by dns.c; contexts are made by
 * dns_unbound_ctx.c.
 *
 * One ub_ctx serves every thread, so SPF, DKIM and DMARC share its cache.
 * In front of it, dns_cache.c keeps each answer libunbound gave for the
 * TTL it gave, so a repeated question is answered in the caller's thread
 * without the round trip through libunbound's thread and pipes: dns.c
 * asks ubr_cached before it starts a query here.
 * The context runs in threaded async mode (ub_ctx_async(ctx, 1)): libunbound
 * resolves in its own background thread and posts results on a pipe, and our
 * one resolver thread polls that pipe (ub_fd) and calls ub_process, which
 * runs query_done for each result. Callers wait on a per-query condition
 * variable with a deadline; libunbound has no per-query timeout of its own,
 * so the timeout is ours. On timeout the waiter calls ub_cancel: when that
 * succeeds libunbound guarantees the callback will not run (it removes the
 * query under its lock before calling back); when it fails the callback is
 * running or about to, so the query object stays alive until the callback
 * drops its reference. Each query holds two references (waiter, callback);
 * the last one frees it. That closes the use-after-free race between a
 * timing-out waiter and a late answer.
 *
 * After an outage of the resolver, dns_unbound_probe.c finds when it
 * answers again and replaces the context lookups go to; each query holds
 * the context it was sent on (struct ub_gen), so a waiter cancelling late
 * never reaches a deleted context, and a retired context is deleted once
 * no query refers to it.
 *
 * Threads we create block SIGHUP, SIGTERM and SIGINT: the daemon's main
 * thread handles them. libunbound creates its background thread inside the
 * first ub_resolve_async call on a context, so that call runs with the
 * signals blocked too (the resolver thread, which starts probes, has them
 * blocked from its start).
 *
 * Callers must collect (wait or cancel) every query before
 * dns_resolver_free. Errors: dns_resolver_new returns NULL with a static
 * reason; lookups report failures in the answer status.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unbound.h>

#include "dns/dns_cache.h"
#include "dns/dns_int.h"
#include "dns/dns_unbound_ctx.h"
#include "dns/dns_unbound_int.h"
#include "log/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Answers kept in the process (dns_cache.c): slots of the table (a few
 * per sender domain of a busy site) and the bytes they may hold. */
#define UB_CACHE_SLOTS 8192
#define UB_CACHE_BYTES ((size_t)4 * 1024 * 1024)

static const struct dns_ops ub_ops;

/* block_signals - block the signals the main thread handles; old mask in *old */
static void
block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* ubr_gen_new - a context for ctx, with no query yet */
struct ub_gen *
ubr_gen_new(struct ub_ctx *ctx)
{
	struct ub_gen *g = xcalloc(1, sizeof(*g));

	g->ctx = ctx;
	atomic_init(&g->thread_made, false);
	return g;
}

/* ubr_ctx_delete - delete a context and give its memory back: its some
 * 3 MB, freed in libunbound's thread's arena, otherwise stayed in the
 * process (the adversity soak's RSS grew 4 MB over its outages) */
void
ubr_ctx_delete(struct ub_ctx *ctx)
{
	ub_ctx_delete(ctx);
	(void)malloc_trim(0);
}

/* gen_free - delete the context (its queries are all collected) */
static void
gen_free(struct ub_gen *g)
{
	if (g == NULL)
		return;
	ubr_ctx_delete(g->ctx);
	free(g);
}

/* result_to_answer - map a libunbound result to our status and records */
static struct dns_answer *
result_to_answer(int err, struct ub_result *res, uint16_t type)
{
	struct dns_answer *a;
	int i;

	if (err != 0 || res == NULL)
		return dns_answer_new(DNS_R_SERVFAIL);
	if (res->bogus)
		return dns_answer_new(DNS_R_BOGUS);
	if (res->rcode == 3)
		a = dns_answer_new(DNS_R_NXDOMAIN);
	else if (res->rcode != 0)
		a = dns_answer_new(DNS_R_SERVFAIL);
	else if (!res->havedata)
		a = dns_answer_new(DNS_R_NODATA);
	else {
		a = dns_answer_new(DNS_R_ANSWER);
		for (i = 0; res->data[i] != NULL; i++)
			(void)dns_answer_from_rdata(a, type,
			    (const unsigned char *)res->data[i],
			    (size_t)res->len[i]);
		if (a->count == 0)
			a->status = DNS_R_SERVFAIL;	/* unusable records */
	}
	a->secure = res->secure != 0;
	a->ttl = res->ttl > 0 ? (uint32_t)res->ttl : 0;
	return a;
}

/* query_unref - drop n references with mu held; frees on the last */
static void
query_unref(struct ub_query *q, int n)
{
	q->refs -= n;
	if (q->refs > 0)
		return;
	q->gen->refs--;
	dns_answer_free(&q->answer);
	pthread_cond_destroy(&q->cond);
	free(q);
}

/* query_done - libunbound callback, run by ub_process in our thread */
static void
query_done(void *arg, int err, struct ub_result *res)
{
	struct ub_query *q = arg;
	struct dns_answer *a;
	struct ub_resolver *ur = q->ur;
	bool failed;

	a = result_to_answer(err, res, (uint16_t)(res != NULL ? res->qtype : 0));
	if (err == 0 && res != NULL && res->qname != NULL)
		dns_cache_put(ur->cache, res->qname, (uint16_t)res->qtype, a,
		    clock_mono_ms());
	failed = err != 0 || res == NULL ||
	    (res->rcode != 0 && res->rcode != 3 && !res->bogus);
	if (failed && clock_mono_ms() - q->sent_ms >= NO_ANSWER_MS)
		atomic_store(&ur->no_answer_ms, clock_mono_ms());
	pthread_mutex_lock(&ur->mu);
	ubr_note_result(ur, failed, q->name, q->type, false);
	q->answer = a;
	q->done = true;
	pthread_cond_signal(&q->cond);
	query_unref(q, 1);
	pthread_mutex_unlock(&ur->mu);
	if (res != NULL)
		ub_resolve_free(res);
}

/* retired_sweep - delete the retired contexts no query refers to */
static void
retired_sweep(struct ub_resolver *ur)
{
	struct ub_gen **gp = &ur->retired;

	while (*gp != NULL) {
		struct ub_gen *g = *gp;
		int refs;

		pthread_mutex_lock(&ur->mu);
		refs = g->refs;
		pthread_mutex_unlock(&ur->mu);
		if (refs > 0) {
			gp = &g->next;
			continue;
		}
		*gp = g->next;
		ur->retired_count--;
		gen_free(g);
	}
}

/* poll_set - the pipe, then every context's result pipe; the contexts
 * polled are in gens[1..] (gens[0] unused); returns the count */
static nfds_t
poll_set(struct ub_resolver *ur, struct pollfd *pfd, struct ub_gen **gens,
    nfds_t max)
{
	nfds_t n = 0;
	struct ub_gen *g;

	pfd[n].fd = ur->wake[0];
	pfd[n].events = POLLIN;
	gens[n++] = NULL;
	pfd[n].fd = ub_fd(ur->cur->ctx);	/* only this thread changes cur */
	pfd[n].events = POLLIN;
	gens[n++] = ur->cur;
	if (ur->probe.ctx != NULL) {
		pfd[n].fd = ub_fd(ur->probe.ctx);
		pfd[n].events = POLLIN;
		gens[n++] = NULL;		/* the probe context */
	}
	for (g = ur->retired; g != NULL && n < max; g = g->next) {
		pfd[n].fd = ub_fd(g->ctx);
		pfd[n].events = POLLIN;
		gens[n++] = g;
	}
	return n;
}

/* resolver_thread - wait for results on the contexts' pipes and dispatch
 * them; after an outage, run the probes */
static void *
resolver_thread(void *arg)
{
	struct ub_resolver *ur = arg;
	struct pollfd pfd[3 + RETIRED_MAX];
	struct ub_gen *gens[3 + RETIRED_MAX];

	for (;;) {
		nfds_t n = poll_set(ur, pfd, gens, 3 + RETIRED_MAX), i;
		int rc = poll(pfd, n, ubr_probe_poll_ms(ur));

		if (rc < 0 && errno != EINTR)
			break;
		if (rc > 0 && pfd[0].revents != 0) {
			char c[64];
			ssize_t got = read(ur->wake[0], c, sizeof(c));

			if (got <= 0 || memchr(c, 'x', (size_t)got) != NULL)
				break;
		}
		for (i = 1; rc > 0 && i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].revents & (POLLERR | POLLNVAL))
				return NULL;
			/* errors: answers lost, waiters time out */
			(void)ub_process(gens[i] != NULL ? gens[i]->ctx :
			    ur->probe.ctx);
		}
		ubr_probe_step(ur);
		if (ur->retired != NULL)
			retired_sweep(ur);
	}
	return NULL;
}

/* resolve_async - hand one query to libunbound on the current context.
 * Its thread, made by the first successful call, inherits the caller's
 * signal mask, so that call runs with our signals blocked; later calls
 * skip the two system calls. */
static int
resolve_async(struct ub_gen *g, const char *name, uint16_t type,
    struct ub_query *q)
{
	sigset_t old;
	int rc;

	if (atomic_load(&g->thread_made))
		return ub_resolve_async(g->ctx, name, type, 1 /* IN */, q,
		    query_done, &q->async_id);
	block_signals(&old);
	rc = ub_resolve_async(g->ctx, name, type, 1 /* IN */, q, query_done,
	    &q->async_id);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		atomic_store(&g->thread_made, true);
	return rc;
}

/* ubr_start - send one asynchronous query */
static struct dns_query *
ubr_start(struct dns_resolver *r, const char *name, uint16_t type)
{
	struct ub_resolver *ur = (struct ub_resolver *)r;
	struct ub_query *q = xcalloc(1, sizeof(*q));
	pthread_condattr_t ca;
	int rc;

	/* a live cached answer never gets here: dns.c asked ubr_cached */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &ca);
	pthread_condattr_destroy(&ca);
	q->ur = ur;
	q->refs = 2;
	q->sent_ms = clock_mono_ms();
	q->type = type;
	str_copy(q->name, sizeof(q->name), name);
	pthread_mutex_lock(&ur->mu);
	q->gen = ur->cur;
	q->gen->refs++;
	pthread_mutex_unlock(&ur->mu);
	rc = resolve_async(q->gen, name, type, q);
	if (rc != 0) {
		pthread_mutex_lock(&ur->mu);
		q->answer = dns_answer_new(DNS_R_ERROR);
		q->done = true;
		q->refs = 1;
		pthread_mutex_unlock(&ur->mu);
	}
	return &q->base;
}

/* ubr_cached - a live answer from the in-process cache: no round trip
 * through libunbound's thread, no query at all */
static struct dns_answer *
ubr_cached(struct dns_resolver *r, const char *key, size_t len,
    uint16_t type)
{
	struct ub_resolver *ur = (struct ub_resolver *)r;

	return dns_cache_get_key(ur->cache, key, len, type, clock_mono_ms());
}

/* abandon - give up on a pending query (mu not held); the query, and so
 * its context, lives until the query_unref below */
static void
abandon(struct ub_query *q)
{
	struct ub_resolver *ur = q->ur;
	bool pending;
	int rc = -1;

	pthread_mutex_lock(&ur->mu);
	pending = !q->done;
	pthread_mutex_unlock(&ur->mu);
	if (pending)
		rc = ub_cancel(q->gen->ctx, q->async_id);
	pthread_mutex_lock(&ur->mu);
	/* rc 0: the callback will never run, drop its reference too */
	query_unref(q, pending && rc == 0 ? 2 : 1);
	pthread_mutex_unlock(&ur->mu);
}

/* wait_done - with ur->mu held, wait until q is done or deadline_ms */
static void
wait_done(struct ub_query *q, uint64_t deadline_ms)
{
	while (!q->done) {
		uint64_t now = clock_mono_ms();
		struct timespec ts;

		if (now >= deadline_ms)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)((deadline_ms - now) / 1000);
		ts.tv_nsec += (long)((deadline_ms - now) % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&q->cond, &q->ur->mu, &ts);
	}
}

/* ubr_ready - wait for the answer until deadline_ms, keep the query */
static bool
ubr_ready(struct dns_query *dq, uint64_t deadline_ms)
{
	struct ub_query *q = (struct ub_query *)dq;
	bool done;

	pthread_mutex_lock(&q->ur->mu);
	wait_done(q, deadline_ms);
	done = q->done;
	pthread_mutex_unlock(&q->ur->mu);
	return done;
}

/* ubr_wait - wait for the answer until deadline_ms */
static struct dns_answer *
ubr_wait(struct dns_query *dq, uint64_t deadline_ms)
{
	struct ub_query *q = (struct ub_query *)dq;
	struct ub_resolver *ur = q->ur;
	struct dns_answer *a = NULL;

	pthread_mutex_lock(&ur->mu);
	wait_done(q, deadline_ms);
	if (q->done) {
		a = q->answer;
		q->answer = NULL;
		query_unref(q, 1);
		pthread_mutex_unlock(&ur->mu);
		return a;
	}
	if (clock_mono_ms() - q->sent_ms >= NO_ANSWER_MS) {
		atomic_store(&ur->no_answer_ms, clock_mono_ms());
		ubr_note_result(ur, true, q->name, q->type, true);
	}
	pthread_mutex_unlock(&ur->mu);
	abandon(q);
	return dns_answer_new(DNS_R_TIMEOUT);
}

/* ubr_cancel_query - drop a query nobody will wait for */
static void
ubr_cancel_query(struct dns_query *dq)
{
	abandon((struct ub_query *)dq);
}

/* ubr_destroy - stop the thread and free the contexts */
static void
ubr_destroy(struct dns_resolver *r)
{
	struct ub_resolver *ur = (struct ub_resolver *)r;

	if (ur->thread_started) {
		ssize_t n;

		/* a pipe full of "f" is drained by the thread */
		while ((n = write(ur->wake[1], "x", 1)) < 0 &&
		    (errno == EINTR || errno == EAGAIN))
			(void)poll(NULL, 0, 1);
		pthread_join(ur->thread, NULL);
	}
	if (ur->probe.ctx != NULL)
		ub_ctx_delete(ur->probe.ctx);
	while (ur->retired != NULL) {
		struct ub_gen *g = ur->retired;

		ur->retired = g->next;
		gen_free(g);
	}
	if (ur->cur != NULL)
		gen_free(ur->cur);
	if (ur->wake[0] >= 0)
		close(ur->wake[0]);
	if (ur->wake[1] >= 0)
		close(ur->wake[1]);
	pthread_mutex_destroy(&ur->mu);
	dns_cache_free(&ur->cache);
	ub_config_free(&ur->cfg);
	free(ur);
}

/* dns_resolver_new - the shared libunbound resolver */
struct dns_resolver *
dns_resolver_new(const struct dns_config *cfg, const char **err_r)
{
	struct ub_resolver *ur = xcalloc(1, sizeof(*ur));
	struct ub_ctx *ctx;
	sigset_t old;
	int rc;

	ur->base.ops = &ub_ops;
	ur->base.timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms :
	    DNS_DEFAULT_TIMEOUT_MS;
	if (ur->base.timeout_ms > DNS_MAX_TIMEOUT_MS)
		ur->base.timeout_ms = DNS_MAX_TIMEOUT_MS;
	ur->wake[0] = ur->wake[1] = -1;
	pthread_mutex_init(&ur->mu, NULL);
	ur->cache = dns_cache_new(UB_CACHE_SLOTS, UB_CACHE_BYTES);
	ub_config_copy(&ur->cfg, cfg);
	if ((ctx = ub_ctx_made(cfg, false, err_r)) == NULL) {
		ubr_destroy(&ur->base);
		return NULL;
	}
	ur->cur = ubr_gen_new(ctx);
	if (pipe(ur->wake) != 0 ||
	    fcntl(ur->wake[1], F_SETFL, O_NONBLOCK) != 0) {
		*err_r = "cannot create a pipe";
		ubr_destroy(&ur->base);
		return NULL;
	}
	block_signals(&old);
	rc = pthread_create(&ur->thread, NULL, resolver_thread, ur);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		*err_r = "cannot start the resolver thread";
		ubr_destroy(&ur->base);
		return NULL;
	}
	ur->thread_started = true;
	return &ur->base;
}

static const struct dns_ops ub_ops = {
	"unbound", ubr_start, ubr_wait, ubr_cancel_query, ubr_destroy,
	ubr_cached, ubr_ready,
};

/* dns_resolver_cache_hits - answers a libunbound resolver gave from its
 * in-process cache (0 for other backends) */
uint64_t
dns_resolver_cache_hits(const struct dns_resolver *r)
{
	if (r == NULL || r->ops != &ub_ops)
		return 0;
	return dns_cache_hits(((const struct ub_resolver *)(const void *)r)->cache);
}
