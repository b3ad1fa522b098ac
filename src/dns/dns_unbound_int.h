/*
 * dns_unbound_int.h - what dns_unbound.c (lookups on libunbound) and
 * dns_unbound_probe.c (after an outage) share
 */
#ifndef AUTHMILTER_DNS_UNBOUND_INT_H
#define AUTHMILTER_DNS_UNBOUND_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns/dns_int.h"

struct ub_ctx;
struct dns_cache;

/* After an outage: lookups failing this long with no answer start the
 * probes; each probe, and the check of the current context after it, has
 * this long for an answer (the probe context starts each probe with what
 * it knew of the server forgotten, so it retries after 0.4 s and 1.1 s:
 * a resolver back by then is seen); libunbound has forgotten 2 s after
 * a probe's start at the latest (its infra-host-ttl 1 counts whole
 * seconds), so the next one may start PROBE_GAP_MS after it ends; probes
 * stop, and the probe context goes, when the failures end or no lookup
 * has failed for PROBE_IDLE_MS (nobody is waiting); at most RETIRED_MAX
 * old contexts wait for their queries. */
#define PROBE_AFTER_MS 1000
#define PROBE_LIFE_MS 2000
#define PROBE_IDLE_MS 10000
#define PROBE_GAP_MS 300
/* Probes only when some lookup went unanswered for a second or more in
 * this long: libunbound backs off a server only for its queries that
 * went unanswered, and failures that all came at once are the server's
 * own SERVFAIL (a broken remote domain), which a new context would only
 * ask again (each costs some 3 MB of allocations). */
#define NO_ANSWER_MEMORY_MS 300000
#define NO_ANSWER_MS 1000
#define RETIRED_MAX 8

/* one libunbound context and the queries still sent on it */
struct ub_gen {
	struct ub_ctx *ctx;
	int refs;			/* ub_query objects sent on it (mu) */
	atomic_bool thread_made;	/* libunbound's own thread exists */
	struct ub_gen *next;		/* on the retired list */
};

/* After an outage: the last failed question asked on the probe context
 * (made when failures begin, kept until they end), then, if it answered,
 * on the current context, which a new one replaces if it still fails. */
enum probe_state { PROBE_IDLE, PROBE_ASKING, PROBE_CHECKING };
struct ub_probe {
	struct ub_ctx *ctx;		/* the probe context, or NULL */
	enum probe_state state;
	int async_id;
	int result;			/* 0 waiting, 1 answered, -1 failed */
	uint64_t deadline_ms;
	uint64_t next_ms;		/* no new probe before */
	char name[DNS_NAME_KEY_MAX];	/* the question asked, for the log */
};

struct ub_resolver {
	struct dns_resolver base;
	struct dns_config cfg;		/* for contexts made after an outage */
	pthread_mutex_t mu;		/* guards ub_query fields, cur, refs */
	struct ub_gen *cur;		/* where new lookups go */
	struct ub_gen *retired;		/* resolver thread only */
	size_t retired_count;
	struct ub_probe probe;		/* resolver thread only */
	/* under mu: the failures since the last answer */
	uint64_t failing_since_ms;	/* first failure since an answer, or 0 */
	uint64_t last_failure_ms;
	char failed_name[DNS_NAME_KEY_MAX];	/* the last failed question */
	uint16_t failed_type;
	atomic_uint_least64_t no_answer_ms;	/* a lookup last went NO_ANSWER_MS
						 * unanswered; 0: never */
	pthread_t thread;
	bool thread_started;
	int wake[2];			/* pipe to the thread: "x" stop,
					 * "f" failures began */
	struct dns_cache *cache;	/* answers by TTL, before libunbound */
};

struct ub_query {
	struct dns_query base;
	struct ub_resolver *ur;
	struct ub_gen *gen;		/* the context it was sent on */
	uint64_t sent_ms;
	uint16_t type;
	char name[DNS_NAME_KEY_MAX];	/* the question, for the probes */
	pthread_cond_t cond;
	int async_id;
	int refs;			/* waiter + pending callback */
	bool done;
	struct dns_answer *answer;
};

/* dns_unbound.c */
struct ub_gen *ubr_gen_new(struct ub_ctx *ctx);
void ubr_ctx_delete(struct ub_ctx *ctx);

/* dns_unbound_probe.c */
void ubr_note_result(struct ub_resolver *ur, bool failed, const char *name,
    uint16_t type, bool wake);
void ubr_probe_step(struct ub_resolver *ur);
int ubr_probe_poll_ms(struct ub_resolver *ur);

#endif
