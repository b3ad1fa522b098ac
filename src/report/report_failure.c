/*
 * report_failure.c - the thread that sends DMARC failure reports.
 *
 *   report_failures_start / _submit / _stop / _close   the thread and
 *                                             its queue
 *   report_failure_job_new / _set / _free     a report waiting to go out
 *
 * RFC 9991: reports go only to verified ruf destinations (the same check
 * as for rua), with a rate limit per policy domain (per_hour in each
 * hour of the monotonic clock, which a wall clock stepped back or forward
 * does not reset; the rest are dropped and counted), and never from a
 * milter thread: DNS and the submission command run here. That includes
 * the SPF records an SPF-DNS field shows (RFC 9991 asks for it when SPF
 * failed for an aligned domain): read again through the resolver, whose
 * cache still holds the answer the evaluation used.
 *
 * A stop gives the queue a bounded time (report_failures_stop, _close):
 * the jobs queued by then are sent until it runs out; a submission still
 * running then is killed and a DNS lookup under way (a ruf destination's
 * check, the SPF records) given up, and the rest are counted as not
 * sent.
 */
#include "config.h"

#include <libpsl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/orgdomain.h"
#include "log/log.h"
#include "report/report_failure.h"
#include "report/report_rate.h"
#include "report/report_submit.h"
#include "report/report_verify.h"
#include "spf/spf_record.h"
#include "util/clock.h"
#include "util/xmalloc.h"

struct report_failures {
	char *contact, *sendmail;
	unsigned per_hour;
	struct dns_resolver *resolver;
	psl_ctx_t *psl;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct report_failure_job *head, *tail;
	size_t len;
	bool stopping;
	_Atomic uint64_t stop_by_ms;	/* the stop's limit (clock_mono_ms);
					 * 0 until a stop */
	uint64_t dropped, limited, sent, seq, unsent;
	struct report_rate *rate;
};

struct report_failure_job *
report_failure_job_new(void)
{
	return xcalloc(1, sizeof(struct report_failure_job));
}

const char *
report_failure_job_set(struct report_failure_job *j, const char *s)
{
	/* strings live in one list of allocations kept in strings: each
	 * copy is a separate allocation whose pointer is stored there */
	char *copy = xstrdup(s != NULL ? s : "");

	buf_append(&j->strings, &copy, sizeof(copy));
	return copy;
}

void
report_failure_job_free(struct report_failure_job **jp)
{
	struct report_failure_job *j = *jp;
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i + sizeof(char *) <= j->strings.len; i += sizeof(char *)) {
		char *p;

		memcpy(&p, j->strings.data + i, sizeof(p));
		free(p);
	}
	buf_deinit(&j->strings);
	free(j->spf_domain);
	free(j->policy_domain);
	free(j->ruf);
	free(j);
	*jp = NULL;
}

/* stop_passed - true once a stop's time for the queue has run out */
static bool
stop_passed(struct report_failures *f)
{
	uint64_t by = atomic_load(&f->stop_by_ms);

	return by != 0 && clock_mono_ms() >= by;
}

/* spf_records - the SPF records at j->spf_domain into the job's SPF-DNS
 * fields (at most REPORT_SPF_DNS_RECORDS: more is a permerror already
 * shown by two); none when the lookup fails */
static void
spf_records(struct report_failures *f, struct report_failure_job *j)
{
	struct dns_answer *a;
	size_t i, n = 0;

	a = dns_lookup_until(f->resolver, j->spf_domain, DNS_T_TXT,
	    REPORT_DNS_TIMEOUT_MS, &f->stop_by_ms);
	for (i = 0; i < a->count && n < REPORT_SPF_DNS_RECORDS; i++)
		if (a->rr[i].text != NULL && spf_record_is_spf((const unsigned
		    char *)a->rr[i].text, a->rr[i].text_len))
			j->spf_records[n++] = report_failure_job_set(j,
			    a->rr[i].text);
	if (n == 0)
		log_info("failure report %s: no SPF record at %s for SPF-DNS "
		    "(%s)", j->policy_domain, j->spf_domain,
		    dns_status_name(a->status));
	dns_answer_free(&a);
	j->afrf.spf_domain = j->spf_domain;
	j->afrf.spf_records = j->spf_records;
	j->afrf.spf_record_count = n;
}

/* taken - is addr one of the addresses of dests[0..n) marked in used? */
static bool
taken(const struct report_dest *dests, const bool *used, size_t n,
    const char *addr)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (used[k] && strcmp(dests[k].addr, addr) == 0)
			return true;
	return false;
}

/* handle - one job: rate limit, destinations, one message each; an
 * address gets one message, also when ruf names it twice or the
 * verification puts it in place of two URIs */
static void
handle(struct report_failures *f, struct report_failure_job *j)
{
	struct report_dest dests[REPORT_RUA_MAX];
	bool used[REPORT_RUA_MAX] = { false };
	struct buf why = BUF_INIT, msg = BUF_INIT, mid = BUF_INIT;
	char host[256];
	size_t n, i;
	int64_t now = (int64_t)time(NULL);

	if (!report_rate_take(f->rate, j->policy_domain,
	    (int64_t)(clock_mono_ms() / 3600000u))) {
		f->limited++;
		log_info("failure report %s: over %u per hour, not sent",
		    j->policy_domain, f->per_hour);
		return;
	}
	if (gethostname(host, sizeof(host)) != 0)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	n = report_rua_parse(j->ruf, dests, REPORT_RUA_MAX);
	if (n > 0 && j->spf_domain != NULL && !stop_passed(f))
		spf_records(f, j);
	for (i = 0; i < n; i++) {
		if (stop_passed(f)) {
			f->unsent++;
			break;
		}
		if (taken(dests, used, i, dests[i].addr))
			continue;
		buf_truncate(&why, 0);
		if (report_verify_dest(f->resolver, f->psl != NULL ? f->psl :
		    psl_builtin(), j->mode, j->policy_domain, REPORT_TAG_RUF,
		    &dests[i], &f->stop_by_ms, &why) != 1) {
			/* the check given up by the stop */
			if (stop_passed(f)) {
				f->unsent++;
				break;
			}
			log_info("failure report %s: %s: skipped: %s",
			    j->policy_domain, dests[i].addr, buf_cstr(&why));
			continue;
		}
		if (taken(dests, used, i, dests[i].addr))
			continue;	/* replaced by an address already sent to */
		buf_truncate(&mid, 0);
		buf_printf(&mid, "afrf.%lld.%llu.%ld@%s", (long long)now,
		    (unsigned long long)++f->seq, (long)getpid(), host);
		j->afrf.from = f->contact;
		j->afrf.to = dests[i].addr;
		j->afrf.message_id = buf_cstr(&mid);
		j->afrf.date = now;
		buf_truncate(&msg, 0);
		report_afrf_build(&msg, &j->afrf);
		if (j->mode == DMARC_MODE_RFC7489 && dests[i].max_bytes != 0 &&
		    msg.len > dests[i].max_bytes) {
			log_info("failure report %s: %s: skipped: report of %zu "
			    "bytes over its limit of %llu", j->policy_domain,
			    dests[i].addr, msg.len,
			    (unsigned long long)dests[i].max_bytes);
			continue;
		}
		used[i] = true;
		if (report_submit(f->sendmail, &msg, clock_mono_ms() +
		    REPORT_SUBMIT_MS, &f->stop_by_ms, &why)) {
			f->sent++;
			log_info("failure report %s: sent to %s (%zu bytes)",
			    j->policy_domain, dests[i].addr, msg.len);
		} else {
			log_error("failure report %s: %s: failed: %s",
			    j->policy_domain, dests[i].addr, buf_cstr(&why));
			if (stop_passed(f)) {
				f->unsent++;	/* killed by the stop */
				break;
			}
		}
	}
	if (n == 0)
		log_info("failure report %s: no usable ruf address", j->policy_domain);
	buf_deinit(&why);
	buf_deinit(&msg);
	buf_deinit(&mid);
}

/* failures_main - the thread: take jobs until stopped and drained */
static void *
failures_main(void *arg)
{
	struct report_failures *f = arg;
	struct report_failure_job *j;

	for (;;) {
		(void)pthread_mutex_lock(&f->lock);
		while (f->head == NULL && !f->stopping)
			(void)pthread_cond_wait(&f->cond, &f->lock);
		j = f->head;
		if (j != NULL) {
			f->head = j->next;
			if (f->head == NULL)
				f->tail = NULL;
			f->len--;
		}
		(void)pthread_mutex_unlock(&f->lock);
		if (j == NULL)
			break;
		if (stop_passed(f))
			f->unsent++;
		else
			handle(f, j);
		report_failure_job_free(&j);
	}
	return NULL;
}

struct report_failures *
report_failures_start(const struct report_failure_config *cfg,
    struct dns_resolver *r)
{
	struct report_failures *f = xcalloc(1, sizeof(*f));
	const char *why = "";

	f->contact = xstrdup(cfg->contact);
	f->sendmail = xstrdup(cfg->sendmail);
	f->per_hour = cfg->per_hour;
	f->rate = report_rate_new(cfg->per_hour);
	f->resolver = r;
	/* the daemon's start refused a PSLFile that does not load this way;
	 * a file changed since then leaves the built-in list in use */
	f->psl = cfg->psl_file != NULL ?
	    orgdomain_psl_load(cfg->psl_file, &why) : psl_latest(NULL);
	if (f->psl == NULL && cfg->psl_file != NULL)
		log_warn("failure reports: PSLFile %s: %s; the built-in "
		    "list is used", cfg->psl_file, why);
	(void)pthread_mutex_init(&f->lock, NULL);
	(void)pthread_cond_init(&f->cond, NULL);
	if (pthread_create(&f->thread, NULL, failures_main, f) != 0)
		log_fatal("cannot start the failure report thread");
	return f;
}

void
report_failures_submit(struct report_failures *f,
    struct report_failure_job *job)
{
	bool ok;

	(void)pthread_mutex_lock(&f->lock);
	ok = !f->stopping && f->len < REPORT_FAILURE_QUEUE;
	if (ok) {
		job->next = NULL;
		if (f->tail != NULL)
			f->tail->next = job;
		else
			f->head = job;
		f->tail = job;
		f->len++;
		(void)pthread_cond_signal(&f->cond);
	} else
		f->dropped++;
	(void)pthread_mutex_unlock(&f->lock);
	if (!ok)
		report_failure_job_free(&job);
}

/* finish - stop taking jobs, give the queued ones until ms from now,
 * join the thread and log the counts */
static void
finish(struct report_failures *f, unsigned ms)
{
	uint64_t dropped;

	(void)pthread_mutex_lock(&f->lock);
	f->stopping = true;
	/* never 0, which means "no stop" */
	atomic_store(&f->stop_by_ms, clock_mono_ms() + ms + (ms == 0));
	(void)pthread_cond_broadcast(&f->cond);
	(void)pthread_mutex_unlock(&f->lock);
	(void)pthread_join(f->thread, NULL);
	/* milter threads still running (report_failures_close) may drop
	 * more: their count is read under the lock they write it under */
	(void)pthread_mutex_lock(&f->lock);
	dropped = f->dropped;
	(void)pthread_mutex_unlock(&f->lock);
	if (f->sent > 0 || dropped > 0 || f->limited > 0 || f->unsent > 0)
		log_info("failure reports: %llu sent, %llu over the rate limit, "
		    "%llu dropped (queue full), %llu not sent (the stop's %u ms "
		    "ran out)", (unsigned long long)f->sent,
		    (unsigned long long)f->limited, (unsigned long long)dropped,
		    (unsigned long long)f->unsent, ms);
}

void
report_failures_close(struct report_failures *f, unsigned ms)
{
	if (f != NULL)
		finish(f, ms);
}

void
report_failures_stop(struct report_failures **fp, unsigned ms)
{
	struct report_failures *f = *fp;

	if (f == NULL)
		return;
	finish(f, ms);
	report_rate_free(&f->rate);
	if (f->psl != NULL)
		psl_free(f->psl);
	(void)pthread_cond_destroy(&f->cond);
	(void)pthread_mutex_destroy(&f->lock);
	free(f->contact);
	free(f->sendmail);
	free(f);
	*fp = NULL;
}
