/*
 * dns_unbound.c - the resolver of dns.h on one shared libunbound context
 *
 * Exported: dns_resolver_new, dns_trust_anchor_problem (dns.h). The rest
 * is reached through the struct dns_ops table used by dns.c.
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
 * Settings (RFC-independent, libunbound 1.17): forwarders from the config
 * ("ip" or "ip@port", IPv4 or IPv6) else /etc/resolv.conf;
 * do-not-query-localhost off so a local caching resolver on 127.0.0.1 or ::1
 * works; every built-in local zone (.test, .invalid, localhost, RFC 1918 and
 * documentation reverse zones, ...) removed so each query goes to the
 * configured resolver; an optional trust anchor file turns on DNSSEC
 * validation (ub_result secure/bogus are passed on).
 *
 * Threads we create block SIGHUP, SIGTERM and SIGINT: the daemon's main
 * thread handles them. libunbound creates its background thread inside the
 * first ub_resolve_async call, so that call runs with the signals blocked
 * too.
 *
 * Callers must collect (wait or cancel) every query before
 * dns_resolver_free. Errors: dns_resolver_new returns NULL with a static
 * reason; lookups report failures in the answer status.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
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
#include "util/xmalloc.h"

/* Answers kept in the process (dns_cache.c): slots of the table (a few
 * per sender domain of a busy site) and the bytes they may hold. */
#define UB_CACHE_SLOTS 8192
#define UB_CACHE_BYTES ((size_t)4 * 1024 * 1024)

struct ub_resolver {
	struct dns_resolver base;
	struct ub_ctx *ctx;
	pthread_mutex_t mu;		/* guards every ub_query's fields */
	pthread_t thread;
	bool thread_started;
	int wake[2];			/* pipe: wakes the thread to stop */
	struct dns_cache *cache;	/* answers by TTL, before libunbound */
	atomic_bool ub_thread_made;	/* libunbound's own thread exists */
};

struct ub_query {
	struct dns_query base;
	struct ub_resolver *ur;
	pthread_cond_t cond;
	int async_id;
	int refs;			/* waiter + pending callback */
	bool done;
	struct dns_answer *answer;
};

/*
 * Built-in local zones of libunbound 1.17 (services/localzone.c
 * local_zone_enter_defaults and the AS112 list): each is removed so the
 * query goes to the configured resolver instead.
 */
static const char *const default_zones[] = {
	"localhost.", "127.in-addr.arpa.",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"home.arpa.", "onion.", "test.", "invalid.", "resolver.arpa.",
	"service.arpa.",
	"10.in-addr.arpa.", "16.172.in-addr.arpa.", "17.172.in-addr.arpa.",
	"18.172.in-addr.arpa.", "19.172.in-addr.arpa.", "20.172.in-addr.arpa.",
	"21.172.in-addr.arpa.", "22.172.in-addr.arpa.", "23.172.in-addr.arpa.",
	"24.172.in-addr.arpa.", "25.172.in-addr.arpa.", "26.172.in-addr.arpa.",
	"27.172.in-addr.arpa.", "28.172.in-addr.arpa.", "29.172.in-addr.arpa.",
	"30.172.in-addr.arpa.", "31.172.in-addr.arpa.", "168.192.in-addr.arpa.",
	"0.in-addr.arpa.", "64.100.in-addr.arpa.", "65.100.in-addr.arpa.",
	"66.100.in-addr.arpa.", "67.100.in-addr.arpa.", "68.100.in-addr.arpa.",
	"69.100.in-addr.arpa.", "70.100.in-addr.arpa.", "71.100.in-addr.arpa.",
	"72.100.in-addr.arpa.", "73.100.in-addr.arpa.", "74.100.in-addr.arpa.",
	"75.100.in-addr.arpa.", "76.100.in-addr.arpa.", "77.100.in-addr.arpa.",
	"78.100.in-addr.arpa.", "79.100.in-addr.arpa.", "80.100.in-addr.arpa.",
	"81.100.in-addr.arpa.", "82.100.in-addr.arpa.", "83.100.in-addr.arpa.",
	"84.100.in-addr.arpa.", "85.100.in-addr.arpa.", "86.100.in-addr.arpa.",
	"87.100.in-addr.arpa.", "88.100.in-addr.arpa.", "89.100.in-addr.arpa.",
	"90.100.in-addr.arpa.", "91.100.in-addr.arpa.", "92.100.in-addr.arpa.",
	"93.100.in-addr.arpa.", "94.100.in-addr.arpa.", "95.100.in-addr.arpa.",
	"96.100.in-addr.arpa.", "97.100.in-addr.arpa.", "98.100.in-addr.arpa.",
	"99.100.in-addr.arpa.", "100.100.in-addr.arpa.", "101.100.in-addr.arpa.",
	"102.100.in-addr.arpa.", "103.100.in-addr.arpa.", "104.100.in-addr.arpa.",
	"105.100.in-addr.arpa.", "106.100.in-addr.arpa.", "107.100.in-addr.arpa.",
	"108.100.in-addr.arpa.", "109.100.in-addr.arpa.", "110.100.in-addr.arpa.",
	"111.100.in-addr.arpa.", "112.100.in-addr.arpa.", "113.100.in-addr.arpa.",
	"114.100.in-addr.arpa.", "115.100.in-addr.arpa.", "116.100.in-addr.arpa.",
	"117.100.in-addr.arpa.", "118.100.in-addr.arpa.", "119.100.in-addr.arpa.",
	"120.100.in-addr.arpa.", "121.100.in-addr.arpa.", "122.100.in-addr.arpa.",
	"123.100.in-addr.arpa.", "124.100.in-addr.arpa.", "125.100.in-addr.arpa.",
	"126.100.in-addr.arpa.", "127.100.in-addr.arpa.",
	"254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
	"255.255.255.255.in-addr.arpa.",
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.",
	"b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
};

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

	a = result_to_answer(err, res, (uint16_t)(res != NULL ? res->qtype : 0));
	if (err == 0 && res != NULL && res->qname != NULL)
		dns_cache_put(ur->cache, res->qname, (uint16_t)res->qtype, a,
		    clock_mono_ms());
	if (res != NULL)
		ub_resolve_free(res);
	pthread_mutex_lock(&ur->mu);
	q->answer = a;
	q->done = true;
	pthread_cond_signal(&q->cond);
	query_unref(q, 1);
	pthread_mutex_unlock(&ur->mu);
}

/* resolver_thread - wait for results on ub_fd and dispatch them */
static void *
resolver_thread(void *arg)
{
	struct ub_resolver *ur = arg;
	struct pollfd pfd[2];

	pfd[0].fd = ub_fd(ur->ctx);
	pfd[0].events = POLLIN;
	pfd[1].fd = ur->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		int n = poll(pfd, 2, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents & (POLLERR | POLLNVAL))
			break;
		if (pfd[0].revents != 0)
			(void)ub_process(ur->ctx);	/* errors: answers lost,
							 * waiters time out */
	}
	return NULL;
}

/* resolve_async - hand one query to libunbound. Its thread, made by the
 * first successful call, inherits the caller's signal mask, so that call
 * runs with our signals blocked; later calls skip the two system calls. */
static int
resolve_async(struct ub_resolver *ur, const char *name, uint16_t type,
    struct ub_query *q)
{
	sigset_t old;
	int rc;

	if (atomic_load(&ur->ub_thread_made))
		return ub_resolve_async(ur->ctx, name, type, 1 /* IN */, q,
		    query_done, &q->async_id);
	block_signals(&old);
	rc = ub_resolve_async(ur->ctx, name, type, 1 /* IN */, q, query_done,
	    &q->async_id);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		atomic_store(&ur->ub_thread_made, true);
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
	rc = resolve_async(ur, name, type, q);
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

/* abandon - give up on a pending query (mu not held) */
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
		rc = ub_cancel(ur->ctx, q->async_id);
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

/* ubr_destroy - stop the thread and free the context */
static void
ubr_destroy(struct dns_resolver *r)
{
	struct ub_resolver *ur = (struct ub_resolver *)r;

	if (ur->thread_started) {
		ssize_t n;

		do
			n = write(ur->wake[1], "x", 1);
		while (n < 0 && errno == EINTR);
		pthread_join(ur->thread, NULL);
	}
	if (ur->ctx != NULL)
		ub_ctx_delete(ur->ctx);
	if (ur->wake[0] >= 0)
		close(ur->wake[0]);
	if (ur->wake[1] >= 0)
		close(ur->wake[1]);
	pthread_mutex_destroy(&ur->mu);
	dns_cache_free(&ur->cache);
	free(ur);
}

/* forwarder_ok - "ip" or "ip@port" with a literal IPv4/IPv6 address */
static bool
forwarder_ok(const char *s)
{
	char ip[INET6_ADDRSTRLEN + 1];
	unsigned char tmp[16];
	const char *at = strchr(s, '@');
	size_t len = at != NULL ? (size_t)(at - s) : strlen(s);

	if (len == 0 || len >= sizeof(ip))
		return false;
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET, ip, tmp) != 1 && inet_pton(AF_INET6, ip, tmp) != 1)
		return false;
	if (at != NULL) {
		char *end;
		long port;

		errno = 0;
		port = strtol(at + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == at + 1 || port < 1 ||
		    port > 65535)
			return false;
	}
	return true;
}

/* configure - apply our settings to a fresh context */
static const char *
configure(struct ub_ctx *ctx, const struct dns_config *cfg)
{
	size_t i;

	if (ub_ctx_set_option(ctx, "do-not-query-localhost:", "no") != 0)
		return "cannot set do-not-query-localhost";
	if (cfg->nameserver_count > 0) {
		for (i = 0; i < cfg->nameserver_count; i++) {
			if (!forwarder_ok(cfg->nameservers[i]))
				return "bad nameserver (want ip or ip@port)";
			if (ub_ctx_set_fwd(ctx, cfg->nameservers[i]) != 0)
				return "libunbound refused a nameserver";
		}
	} else if (ub_ctx_resolvconf(ctx, NULL) != 0) {
		return "cannot read nameservers from /etc/resolv.conf";
	}
	if (cfg->trust_anchor_file != NULL && cfg->trust_anchor_file[0] != '\0') {
		if (ub_ctx_add_ta_file(ctx, cfg->trust_anchor_file) != 0)
			return "cannot load the DNSSEC trust anchor file";
	} else if (ub_ctx_set_option(ctx, "module-config:", "iterator") != 0) {
		return "cannot set module-config";
	}
	if (ub_ctx_async(ctx, 1) != 0)
		return "cannot set libunbound threaded mode";
	/*
	 * Last, as it finalises the context: remove the built-in local zones.
	 * ("local-zone: name nodefault" through ub_ctx_set_option is accepted
	 * but has no effect in libunbound 1.17; removal does work.) A zone
	 * this version does not have gives UB_NOID, which is fine.
	 */
	for (i = 0; i < sizeof(default_zones) / sizeof(default_zones[0]); i++) {
		int rc = ub_ctx_zone_remove(ctx, default_zones[i]);

		/* the first removal finalises: a trust anchor file libunbound
		 * cannot parse fails it here, and then every lookup after
		 * (each ub_resolve tries again), so nothing would validate */
		if (rc != 0 && rc != UB_NOID)
			return cfg->trust_anchor_file != NULL &&
			    cfg->trust_anchor_file[0] != '\0' ?
			    "libunbound cannot load the DNSSEC trust anchor "
			    "file (it wants DS or DNSKEY records in zone-file "
			    "format)" :
			    "libunbound cannot be set up";
	}
	return NULL;
}

/* dns_trust_anchor_problem - for -t: why the start would refuse file as
 * TrustAnchorFile, or NULL. The start's configure(), on a context that
 * sends nothing and starts no thread */
const char *
dns_trust_anchor_problem(const char *file)
{
	char *loopback[] = { (char *)"127.0.0.1" };
	struct dns_config cfg = {
		.nameservers = loopback, .nameserver_count = 1,
		.trust_anchor_file = file
	};
	struct ub_ctx *ctx = ub_ctx_create();
	const char *why;

	if (ctx == NULL)
		return "cannot create a libunbound context";
	why = configure(ctx, &cfg);
	ub_ctx_delete(ctx);
	return why;
}

/* dns_resolver_new - the shared libunbound resolver */
struct dns_resolver *
dns_resolver_new(const struct dns_config *cfg, const char **err_r)
{
	struct ub_resolver *ur = xcalloc(1, sizeof(*ur));
	const char *err;
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
	ur->ctx = ub_ctx_create();
	if (ur->ctx == NULL) {
		*err_r = "cannot create a libunbound context";
		ubr_destroy(&ur->base);
		return NULL;
	}
	if ((err = configure(ur->ctx, cfg)) != NULL) {
		*err_r = err;
		ubr_destroy(&ur->base);
		return NULL;
	}
	if (pipe(ur->wake) != 0) {
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
