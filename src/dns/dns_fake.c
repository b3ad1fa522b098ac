/*
 * dns_fake.c - a table-driven resolver for unit tests of dns/ callers
 *
 * Exported: dns_resolver_new_fake (dns.h); everything else goes through
 * struct dns_ops. The table is copied at creation and never changes, so
 * the fake is safe to use from many threads. A delayed or silent answer is
 * modelled by sleeping in wait until the answer is due or the caller's
 * deadline passes, whichever comes first, so timeouts behave as with the
 * real resolver. Records are built with the same dns_answer helpers as the
 * real backend (TXT text arrives already joined).
 *
 * Errors: a row with unusable data (bad address text, MX without a
 * preference) is skipped at lookup time.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dns_int.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct fake_resolver {
	struct dns_resolver base;
	struct dns_fake_record *rows;
	size_t n;
};

struct fake_query {
	struct dns_query base;
	struct dns_answer *answer;	/* NULL: never answers */
	uint64_t ready_ms;
};

static const struct dns_ops fake_ops;

/* name_eq - compare names ignoring case and one trailing dot */
static bool
name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && ascii_strncasecmp(a, b, la) == 0;
}

/* add_row - append the record of one ANSWER row */
static void
add_row(struct dns_answer *a, const struct dns_fake_record *row)
{
	struct dns_rr *rr;
	unsigned char addr[16];
	const char *d = row->data != NULL ? row->data : "";
	char *end;
	unsigned long pref = 0;

	switch (row->type) {
	case DNS_T_A:
		if (inet_pton(AF_INET, d, addr) == 1)
			memcpy(dns_answer_add(a, row->type)->addr, addr, 4);
		return;
	case DNS_T_AAAA:
		if (inet_pton(AF_INET6, d, addr) == 1)
			memcpy(dns_answer_add(a, row->type)->addr, addr, 16);
		return;
	case DNS_T_MX:
		errno = 0;
		pref = strtoul(d, &end, 10);
		if (errno != 0 || end == d || *end != ' ' || pref > 65535)
			return;
		d = end + 1;
		break;
	default:
		break;
	}
	rr = dns_answer_add(a, row->type);
	rr->pref = (uint16_t)pref;
	rr->text_len = strlen(d);
	if (row->type != DNS_T_TXT && row->type != DNS_T_SPF &&
	    rr->text_len > 0 && d[rr->text_len - 1] == '.')
		rr->text_len--;
	rr->text = xstrndup(d, rr->text_len);
}

/* fake_start - compute the answer now; wait delivers it when due */
static struct dns_query *
fake_start(struct dns_resolver *r, const char *name, uint16_t type)
{
	struct fake_resolver *fr = (struct fake_resolver *)r;
	struct fake_query *q = xcalloc(1, sizeof(*q));
	enum dns_status forced = DNS_R_ANSWER;
	bool name_seen = false, silent = false;
	unsigned delay = 0, ttl = UINT32_MAX, forced_ttl = 0;
	size_t i;

	q->answer = dns_answer_new(DNS_R_ANSWER);
	for (i = 0; i < fr->n; i++) {
		const struct dns_fake_record *row = &fr->rows[i];

		if (!name_eq(row->name, name))
			continue;
		name_seen = true;
		if (row->type != type)
			continue;
		if (row->delay_ms > delay)
			delay = row->delay_ms;
		if (row->status == DNS_R_TIMEOUT)
			silent = true;
		else if (row->status != DNS_R_ANSWER) {
			forced = row->status;
			forced_ttl = row->ttl_s;
		} else {
			add_row(q->answer, row);
			if ((row->ttl_s != 0 ? row->ttl_s : 300) < ttl)
				ttl = row->ttl_s != 0 ? row->ttl_s : 300;
		}
	}
	if (forced != DNS_R_ANSWER) {
		dns_answer_free(&q->answer);
		q->answer = dns_answer_new(forced);
		if (forced == DNS_R_NXDOMAIN || forced == DNS_R_NODATA)
			q->answer->ttl = forced_ttl;
	} else if (q->answer->count == 0) {
		q->answer->status = name_seen ? DNS_R_NODATA : DNS_R_NXDOMAIN;
	} else {
		q->answer->ttl = ttl;
	}
	if (silent)
		dns_answer_free(&q->answer);
	q->ready_ms = clock_mono_ms() + delay;
	return &q->base;
}

/* sleep_until - sleep until the monotonic time t_ms */
static void
sleep_until(uint64_t t_ms)
{
	uint64_t now;

	while ((now = clock_mono_ms()) < t_ms) {
		struct timespec ts;

		ts.tv_sec = (time_t)((t_ms - now) / 1000);
		ts.tv_nsec = (long)((t_ms - now) % 1000) * 1000000L;
		(void)nanosleep(&ts, NULL);
	}
}

/* fake_wait - deliver the answer if it is due before the deadline */
static struct dns_answer *
fake_wait(struct dns_query *dq, uint64_t deadline_ms)
{
	struct fake_query *q = (struct fake_query *)dq;
	struct dns_answer *a;

	if (q->answer == NULL || q->ready_ms > deadline_ms) {
		sleep_until(deadline_ms);
		dns_answer_free(&q->answer);
		a = dns_answer_new(DNS_R_TIMEOUT);
	} else {
		sleep_until(q->ready_ms);
		a = q->answer;
	}
	free(q);
	return a;
}

/* fake_ready - sleep until the answer is due or the deadline */
static bool
fake_ready(struct dns_query *dq, uint64_t deadline_ms)
{
	struct fake_query *q = (struct fake_query *)dq;

	if (q->answer == NULL || q->ready_ms > deadline_ms) {
		sleep_until(deadline_ms);
		return false;
	}
	sleep_until(q->ready_ms);
	return true;
}

/* fake_cancel - drop a query */
static void
fake_cancel(struct dns_query *dq)
{
	struct fake_query *q = (struct fake_query *)dq;

	dns_answer_free(&q->answer);
	free(q);
}

/* fake_destroy - free the table copy */
static void
fake_destroy(struct dns_resolver *r)
{
	struct fake_resolver *fr = (struct fake_resolver *)r;
	size_t i;

	for (i = 0; i < fr->n; i++) {
		free((char *)fr->rows[i].name);
		free((char *)fr->rows[i].data);
	}
	free(fr->rows);
	free(fr);
}

/* dns_resolver_new_fake - a resolver answering from a copy of table */
struct dns_resolver *
dns_resolver_new_fake(const struct dns_fake_record *table, size_t n,
    unsigned timeout_ms)
{
	struct fake_resolver *fr = xcalloc(1, sizeof(*fr));
	size_t i;

	fr->base.ops = &fake_ops;
	fr->base.timeout_ms = timeout_ms > 0 ? timeout_ms :
	    DNS_DEFAULT_TIMEOUT_MS;
	fr->rows = xcalloc(n, sizeof(*fr->rows));
	fr->n = n;
	for (i = 0; i < n; i++) {
		fr->rows[i] = table[i];
		fr->rows[i].name = xstrdup(table[i].name);
		fr->rows[i].data = table[i].data != NULL ?
		    xstrdup(table[i].data) : NULL;
	}
	return &fr->base;
}

static const struct dns_ops fake_ops = {
	"fake", fake_start, fake_wait, fake_cancel, fake_destroy,
	NULL,	/* no answers kept in the process */
	fake_ready,
};
