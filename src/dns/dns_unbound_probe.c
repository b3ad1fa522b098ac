/*
 * dns_unbound_probe.c - finding when the resolver answers again after an
 * outage, and giving lookups a context that uses it
 *
 * Exported: ubr_note_result, ubr_probe_step, ubr_probe_poll_ms
 * (dns_unbound_int.h), for dns_unbound.c's resolver thread and waiters.
 *
 * After an outage of the configured resolver libunbound keeps it backed
 * off: once its timeout has grown past 12 s it gets one probe query at a
 * time, as far apart as that timeout (up to 120 s), and every other lookup
 * fails at once, so lookups kept failing for about as long as the outage
 * had lasted after the resolver was back (17 s after a 20 s outage), and
 * libunbound has no call that forgets a server's back-off. So when lookups
 * have failed (libunbound gave up, or the waiter did after a second) for
 * a second with no answer in between, and some lookup went unanswered
 * for a second in the last 5 minutes, the resolver thread asks the last
 * failed question on a probe context, one made to forget
 * what it knows of a server a second later (libunbound's infra-host-ttl,
 * which would also end every lookup after about 6.6 s whatever DNSTimeout
 * says, so it is not used for lookups), each probe given 2 s, 0.3 s
 * apart; once one is answered, the same question on the current
 * context: if that fails too, a new context becomes the one lookups go
 * to and the old one is retired, deleted once no query refers to it
 * (each query holds its context: struct ub_gen, so a waiter cancelling
 * late never reaches a deleted context). A context is some 3 MB of
 * allocations, and making one for each probe grew the adversity soak's
 * RSS by 5 MB: the probe context lives from the first probe to the end
 * of the failures, and a context is made for lookups only when the
 * current one fails where the probe got an answer; a deleted context's
 * memory is given back (malloc_trim).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include <unbound.h>

#include "dns/dns_unbound_ctx.h"
#include "dns/dns_unbound_int.h"
#include "log/log.h"
#include "util/clock.h"
#include "util/str.h"

/* outage_over - with mu held: failures end with an answer (NOTE says
 * whose); when they were an outage (PROBE_AFTER_MS or more of them, one
 * lookup left unanswered among them) the log says how long it lasted,
 * once, whether a probe or a lookup saw the resolver back first */
static void
outage_over(struct ub_resolver *ur, uint64_t now, const char *note)
{
	uint64_t since = ur->failing_since_ms;

	ur->failing_since_ms = 0;
	if (since == 0 || now - since < PROBE_AFTER_MS ||
	    atomic_load(&ur->no_answer_ms) < since)
		return;
	log_info("DNS: the resolver answers again after %llu.%01llu s of "
	    "failed lookups%s", (unsigned long long)((now - since) / 1000),
	    (unsigned long long)((now - since) % 1000 / 100), note);
}

/* ubr_note_result - with mu held: a lookup failed (libunbound gave up on
 * it, or its waiter did after NO_ANSWER_MS) or was answered; the failures
 * since the last answer start the probes. A failure beginning outside
 * the resolver thread wakes it (the write end does not block: a full
 * pipe wakes it anyway). */
void
ubr_note_result(struct ub_resolver *ur, bool failed, const char *name,
    uint16_t type, bool wake)
{
	if (!failed) {
		if (ur->failing_since_ms != 0)
			outage_over(ur, clock_mono_ms(), "");
		return;
	}
	ur->last_failure_ms = clock_mono_ms();
	if (name != NULL) {
		str_copy(ur->failed_name, sizeof(ur->failed_name), name);
		ur->failed_type = type;
	}
	if (ur->failing_since_ms == 0) {
		ur->failing_since_ms = ur->last_failure_ms;
		if (wake)
			(void)!write(ur->wake[1], "f", 1);
	}
}

/* probe_done - libunbound callback for a probe: did the resolver answer? */
static void
probe_done(void *arg, int err, struct ub_result *res)
{
	struct ub_resolver *ur = arg;

	ur->probe.result = err == 0 && res != NULL &&
	    (res->rcode == 0 || res->rcode == 3) ? 1 : -1;
	if (res != NULL)
		ub_resolve_free(res);
}

/* probe_ask - ask the last failed question on ctx; false if it cannot */
static bool
probe_ask(struct ub_resolver *ur, struct ub_ctx *ctx, uint64_t now)
{
	struct ub_probe *p = &ur->probe;
	char name[DNS_NAME_KEY_MAX];
	uint16_t type;

	pthread_mutex_lock(&ur->mu);
	str_copy(name, sizeof(name), ur->failed_name);
	type = ur->failed_type;
	pthread_mutex_unlock(&ur->mu);
	str_copy(p->name, sizeof(p->name), name);
	p->result = 0;
	p->deadline_ms = now + PROBE_LIFE_MS;
	return ub_resolve_async(ctx, name, type, 1 /* IN */, ur, probe_done,
	    &p->async_id) == 0;
}

/* failures_since - with mu: when the failures began (0: none), and
 * whether one came in the last PROBE_IDLE_MS */
static uint64_t
failures_since(struct ub_resolver *ur, uint64_t now, bool *recent)
{
	uint64_t since;

	pthread_mutex_lock(&ur->mu);
	since = ur->failing_since_ms;
	*recent = since != 0 && ur->failed_name[0] != '\0' &&
	    now - ur->last_failure_ms <= PROBE_IDLE_MS;
	pthread_mutex_unlock(&ur->mu);
	return since;
}

/* failures_over - the current context answers the probe's question
 * too: the failures are over, and the log says how long they lasted */
static void
failures_over(struct ub_resolver *ur, uint64_t now)
{
	pthread_mutex_lock(&ur->mu);
	outage_over(ur, now, "");
	pthread_mutex_unlock(&ur->mu);
}

/* probe_start - ask the last failed question on the probe context */
static void
probe_start(struct ub_resolver *ur, uint64_t now)
{
	struct ub_probe *p = &ur->probe;
	uint64_t no_answer = atomic_load(&ur->no_answer_ms);
	const char *err;
	bool recent;
	uint64_t since = failures_since(ur, now, &recent);

	if (since == 0 || now - since < PROBE_AFTER_MS || !recent ||
	    no_answer == 0 || now - no_answer > NO_ANSWER_MEMORY_MS)
		return;
	p->next_ms = now + PROBE_GAP_MS;	/* if this one cannot start */
	if (p->ctx == NULL &&
	    (p->ctx = ub_ctx_made(&ur->cfg, true, &err)) == NULL)
		return;
	if (probe_ask(ur, p->ctx, now))
		p->state = PROBE_ASKING;
}

/* replace_current - a new context for new lookups (the resolver just
 * answered the probe, the current context still fails); the old one is
 * retired, deleted once no query refers to it */
static void
replace_current(struct ub_resolver *ur, uint64_t now)
{
	struct ub_gen *old;
	struct ub_ctx *ctx;
	const char *err;

	if ((ctx = ub_ctx_made(&ur->cfg, false, &err)) == NULL) {
		log_warn("DNS: cannot make a new libunbound context: %s", err);
		return;
	}
	pthread_mutex_lock(&ur->mu);
	outage_over(ur, now, ": lookups go to a new libunbound context");
	old = ur->cur;
	ur->cur = ubr_gen_new(ctx);
	pthread_mutex_unlock(&ur->mu);
	old->next = ur->retired;
	ur->retired = old;
	ur->retired_count++;
}

/* ubr_probe_step - after each wake-up of the resolver thread: settle a
 * finished probe or check, start the next probe while lookups fail */
void
ubr_probe_step(struct ub_resolver *ur)
{
	struct ub_probe *p = &ur->probe;
	uint64_t now = clock_mono_ms();
	bool recent;

	if (p->state != PROBE_IDLE) {
		struct ub_ctx *asked = p->state == PROBE_ASKING ? p->ctx :
		    ur->cur->ctx;

		if (p->result == 0 && now < p->deadline_ms)
			return;
		if (p->result == 0)
			(void)ub_cancel(asked, p->async_id);
		log_debug("DNS: %s %s: %s", p->state == PROBE_ASKING ?
		    "probe" : "check of the current context", p->name,
		    p->result > 0 ? "answered" : p->result < 0 ? "failed" :
		    "no answer in time");
		if (p->state == PROBE_ASKING && p->result > 0) {
			/* the resolver answers: does the current context? */
			p->state = probe_ask(ur, ur->cur->ctx, now) ?
			    PROBE_CHECKING : PROBE_IDLE;
			return;
		}
		if (p->state == PROBE_CHECKING) {
			if (p->result > 0)
				failures_over(ur, now);	/* it does */
			else
				replace_current(ur, now);
		}
		p->state = PROBE_IDLE;
		p->next_ms = now + PROBE_GAP_MS;
	}
	if (ur->retired_count < RETIRED_MAX && now >= p->next_ms)
		probe_start(ur, now);
	if (p->state == PROBE_IDLE && p->ctx != NULL &&
	    (failures_since(ur, now, &recent) == 0 || !recent)) {
		ubr_ctx_delete(p->ctx);	/* the failures are over */
		p->ctx = NULL;
	}
}

/* ubr_probe_poll_ms - how long the resolver thread may sleep: for ever unless
 * a probe runs, failures are recent, or retired contexts wait */
int
ubr_probe_poll_ms(struct ub_resolver *ur)
{
	if (ur->probe.state != PROBE_IDLE || ur->retired != NULL)
		return 200;
	bool recent;

	(void)failures_since(ur, clock_mono_ms(), &recent);
	return recent ? 200 : -1;
}
