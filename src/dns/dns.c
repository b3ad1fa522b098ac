/*
 * dns.c - the resolver interface of dns.h, shared by every backend
 *
 * Exported (see dns.h): dns_lookup, dns_query_start, dns_query_wait,
 * dns_query_cancel, dns_resolver_free, dns_resolver_lookups,
 * dns_answer_new, dns_answer_free, dns_status_name.
 * Internal (dns_int.h): dns_name_ok, dns_name_key,
 * dns_answer_copy, dns_answer_add, dns_answer_from_rdata.
 *
 * Each call dispatches through the backend's struct dns_ops, so the
 * libunbound resolver and the table-driven fake behave the same way to
 * callers. Deadlines are computed here: a query never waits past its
 * per-query timeout counted from dns_query_start. Each lookup and each
 * collected answer (status, time taken) or cancelled query is counted
 * in metrics.c.
 *
 * A question the backend has a live answer for in the process (the
 * libunbound backend's dns_cache.c) is answered here, before any
 * backend query exists: dns_lookup returns the copy at once, and
 * dns_query_start wraps it in a bare query (no condition variable, no
 * libunbound call), as it does the answer to a bad name (issue 18).
 *
 * Ownership: answers belong to the caller (dns_answer_free); a query is
 * freed by dns_query_wait or dns_query_cancel, exactly one of them.
 * Errors: a bad name gives DNS_R_ERROR without touching the network.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/dns_int.h"
#include "metrics/metrics.h"
#include "util/buf.h"
#include "util/xmalloc.h"

/* Upper bound on records kept from one answer (a DNS message of 64 KiB
 * cannot hold more than a few thousand anyway). */
#define DNS_MAX_RRS 1024

/* dns_name_ok - length and label checks of RFC 1035 2.3.4 */
bool
dns_name_ok(const char *name)
{
	char key[DNS_NAME_KEY_MAX];
	size_t len;

	return dns_name_key(name, key, &len);
}

/* lower8 - the ASCII capitals among 8 bytes made small, all 8 at once:
 * per byte, the high bit of (b & 0x7f) + 0x3f says b & 0x7f >= 'A', of
 * (b & 0x7f) + 0x25 that it is > 'Z' (no carry crosses a byte: each sum
 * is below 0x100); a byte with its own high bit set is not ASCII. The
 * capitals get 0x20 added (bit 7 shifted to bit 5). */
static uint64_t
lower8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101u;
	uint64_t low7 = x & (0x7f * ones);
	uint64_t ge_a = low7 + (0x3f * ones), gt_z = low7 + (0x25 * ones);
	uint64_t upper = ~x & (ge_a ^ gt_z) & (0x80 * ones);

	return x | upper >> 2;
}

/* dns_name_key - dns_name_ok and the lower-cased name without its final
 * dot: labels found with memchr, then the copy 8 bytes at a time */
bool
dns_name_key(const char *name, char key[DNS_NAME_KEY_MAX], size_t *len_r)
{
	const char *p, *end, *dot;
	size_t len, i;

	if (name == NULL)
		return false;
	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	/* RFC 1035 2.3.4: no empty label, none over 63 */
	for (p = name, end = name + len;; p = dot + 1) {
		dot = memchr(p, '.', (size_t)(end - p));
		if (dot == NULL)
			break;
		if (dot == p || dot - p > 63)
			return false;
	}
	if (p == end || end - p > 63)
		return false;
	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t x;

		memcpy(&x, name + i, 8);
		x = lower8(x);
		memcpy(key + i, &x, 8);
	}
	for (; i < len; i++) {
		char ch = name[i];

		key[i] = (unsigned char)(ch - 'A') < 26 ? (char)(ch - 'A' + 'a') : ch;
	}
	key[len] = '\0';
	*len_r = len;
	return true;
}

/* dns_answer_new - an answer with a status and no records */
struct dns_answer *
dns_answer_new(enum dns_status status)
{
	struct dns_answer *a = xcalloc(1, sizeof(*a));

	a->status = status;
	return a;
}

/* dns_answer_free - free an answer and its records; NULLs *ap */
void
dns_answer_free(struct dns_answer **ap)
{
	struct dns_answer *a = *ap;
	size_t i;

	if (a == NULL)
		return;
	*ap = NULL;
	if (!a->packed) {
		for (i = 0; i < a->count; i++)
			free(a->rr[i].text);
		free(a->rr);
	}
	free(a);
}

/* An answer, its records and their texts in one allocation. */
struct packed_answer {
	struct dns_answer a;
	struct dns_rr rr[];
};

/* dns_answer_copy - a deep copy of a in one allocation */
struct dns_answer *
dns_answer_copy(const struct dns_answer *a)
{
	struct packed_answer *p;
	size_t size = sizeof(*p) + a->count * sizeof(p->rr[0]), i;
	char *text;

	/* every text is in memory already, so the sum cannot overflow */
	for (i = 0; i < a->count; i++)
		if (a->rr[i].text != NULL)
			size += a->rr[i].text_len + 1;
	p = xmalloc(size);
	p->a.status = a->status;
	p->a.secure = a->secure;
	p->a.ttl = a->ttl;
	p->a.count = a->count;
	p->a.rr = a->count > 0 ? p->rr : NULL;
	p->a.packed = true;
	text = (char *)&p->rr[a->count];
	for (i = 0; i < a->count; i++) {
		p->rr[i] = a->rr[i];
		if (a->rr[i].text != NULL) {
			memcpy(text, a->rr[i].text, a->rr[i].text_len);
			text[a->rr[i].text_len] = '\0';
			p->rr[i].text = text;
			text += a->rr[i].text_len + 1;
		}
	}
	return &p->a;
}

/* dns_answer_add - append one zeroed record */
struct dns_rr *
dns_answer_add(struct dns_answer *a, uint16_t type)
{
	struct dns_rr *rr;

	/* our invariant: records are added only to answers being built */
	if (a->packed)
		abort();
	a->rr = xreallocarray(a->rr, a->count + 1, sizeof(*a->rr));
	rr = &a->rr[a->count++];
	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	return rr;
}

/* name_from_wire - decode an uncompressed wire-format name at rd[*off]
 * into presentation text without the trailing dot; dots and bytes outside
 * printable ASCII inside labels are escaped as \DDD (RFC 1035 5.1) */
static bool
name_from_wire(const unsigned char *rd, size_t len, size_t *off, struct buf *out)
{
	size_t o = *off, total = 1;	/* the root's zero octet counts */

	for (;;) {
		size_t l, i;

		if (o >= len)
			return false;
		l = rd[o++];
		if (l == 0)
			break;
		if (l > 63 || o + l > len)
			return false;	/* compression pointers are not expected */
		total += l + 1;
		if (total > 255)
			return false;
		if (out->len > 0)
			buf_append_byte(out, '.');
		for (i = 0; i < l; i++) {
			unsigned char c = rd[o + i];

			if (c == '.' || c == '\\' || c <= 0x20 || c >= 0x7f)
				buf_printf(out, "\\%03u", c);
			else
				buf_append_byte(out, c);
		}
		o += l;
	}
	*off = o;
	return true;
}

/* dns_answer_from_rdata - decode one record's wire rdata */
bool
dns_answer_from_rdata(struct dns_answer *a, uint16_t type,
    const unsigned char *rd, size_t len)
{
	struct buf b = BUF_INIT;
	struct dns_rr *rr;
	size_t off = 0;
	uint16_t pref = 0;

	if (a->count >= DNS_MAX_RRS)
		return false;
	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (len != (type == DNS_T_A ? 4u : 16u))
			return false;
		rr = dns_answer_add(a, type);
		memcpy(rr->addr, rd, len);
		return true;
	case DNS_T_TXT:
	case DNS_T_SPF:
		/* RFC 7208 3.3, RFC 6376 3.6.2.2: the strings are
		 * concatenated with nothing between them */
		while (off < len) {
			size_t l = rd[off++];

			if (off + l > len) {
				buf_deinit(&b);
				return false;
			}
			buf_append(&b, rd + off, l);
			off += l;
		}
		break;
	case DNS_T_MX:
		if (len < 3)
			return false;
		pref = (uint16_t)(rd[0] << 8 | rd[1]);
		off = 2;
		/* FALLTHROUGH */
	case DNS_T_PTR:
	case DNS_T_CNAME:
	case DNS_T_NS:
		if (!name_from_wire(rd, len, &off, &b) || off != len) {
			buf_deinit(&b);
			return false;
		}
		break;
	default:
		return false;
	}
	rr = dns_answer_add(a, type);
	rr->pref = pref;
	rr->text_len = b.len;
	rr->text = buf_steal(&b);	/* "" when empty, never NULL */
	return true;
}

/* dns_status_name - a word for logs */
const char *
dns_status_name(enum dns_status status)
{
	switch (status) {
	case DNS_R_ANSWER: return "answer";
	case DNS_R_NXDOMAIN: return "nxdomain";
	case DNS_R_NODATA: return "nodata";
	case DNS_R_SERVFAIL: return "servfail";
	case DNS_R_TIMEOUT: return "timeout";
	case DNS_R_BOGUS: return "bogus";
	case DNS_R_ERROR: return "error";
	}
	return "unknown";
}

/* answer_at_once - count a lookup and answer it without the backend
 * when that is possible: a bad name, or a live answer the backend keeps
 * in the process; NULL when the backend must be asked */
static struct dns_answer *
answer_at_once(struct dns_resolver *r, const char *name, uint16_t type)
{
	char key[DNS_NAME_KEY_MAX];
	size_t len;

	atomic_fetch_add(&r->lookups, 1);
	metrics_dns_query();
	if (!dns_name_key(name, key, &len))
		return dns_answer_new(DNS_R_ERROR);
	if (r->ops->cached != NULL)
		return r->ops->cached(r, key, len, type);
	return NULL;
}

/* backend_start - hand the lookup to the backend */
static struct dns_query *
backend_start(struct dns_resolver *r, const char *name, uint16_t type,
    uint64_t started_us)
{
	struct dns_query *q = r->ops->start(r, name, type);

	q->r = r;
	q->deadline_ms = clock_mono_ms() + r->timeout_ms;
	q->started_us = started_us;
	return q;
}

/* dns_query_start - begin an asynchronous lookup */
struct dns_query *
dns_query_start(struct dns_resolver *r, const char *name, uint16_t type)
{
	uint64_t started = metrics_now_us();
	struct dns_answer *a = answer_at_once(r, name, type);
	struct dns_query *q;

	if (a == NULL)
		return backend_start(r, name, type, started);
	/* answered already: a bare query that only carries the answer */
	q = xcalloc(1, sizeof(*q));
	q->r = r;
	q->early = a;
	q->started_us = started;
	return q;
}

/* wait_deadline - when a wait for q ends: its per-query deadline, or
 * timeout_ms from now if that is sooner (0: no such limit) */
static uint64_t
wait_deadline(const struct dns_query *q, unsigned timeout_ms)
{
	uint64_t by;

	if (timeout_ms == 0)
		return q->deadline_ms;
	by = clock_mono_ms() + timeout_ms;
	return by < q->deadline_ms ? by : q->deadline_ms;
}

/* dns_query_wait - collect the answer, bounded by the deadline */
struct dns_answer *
dns_query_wait(struct dns_query **qp, unsigned timeout_ms)
{
	struct dns_query *q = *qp;
	struct dns_answer *a;
	uint64_t started;

	*qp = NULL;
	started = q->started_us;
	if (q->early != NULL) {
		a = q->early;	/* answered without the backend */
		free(q);
	} else
		a = q->r->ops->wait(q, wait_deadline(q, timeout_ms));
	metrics_dns_answer(a->status, metrics_now_us() - started);
	return a;
}

/* dns_query_cancel - abandon a query */
void
dns_query_cancel(struct dns_query **qp)
{
	struct dns_query *q = *qp;

	if (q == NULL)
		return;
	*qp = NULL;
	metrics_dns_cancelled();
	if (q->early != NULL) {
		dns_answer_free(&q->early);
		free(q);
		return;
	}
	q->r->ops->cancel(q);
}

/* dns_lookup_until - synchronous lookup: start and wait; with a give-up
 * time, waited for in slices so one set meanwhile ends it */
struct dns_answer *
dns_lookup_until(struct dns_resolver *r, const char *name, uint16_t type,
    unsigned timeout_ms, const _Atomic uint64_t *give_up_ms)
{
	uint64_t started = metrics_now_us(), deadline, now, by;
	struct dns_answer *a = answer_at_once(r, name, type);
	struct dns_query *q;

	if (a != NULL) {
		/* no query to make and free: counted as dns_query_wait
		 * counts an answered query */
		metrics_dns_answer(a->status, metrics_now_us() - started);
		return a;
	}
	q = backend_start(r, name, type, started);
	if (q->early != NULL || give_up_ms == NULL)
		return dns_query_wait(&q, timeout_ms);
	deadline = wait_deadline(q, timeout_ms);
	for (;;) {
		now = clock_mono_ms();
		by = atomic_load(give_up_ms);
		if (by != 0 && by < deadline)
			deadline = by;
		if (now >= deadline)
			break;
		if (q->r->ops->ready(q, deadline - now > DNS_GIVE_UP_POLL_MS ?
		    now + DNS_GIVE_UP_POLL_MS : deadline))
			break;
	}
	/* answered: collected at once; else given up (a deadline passed) */
	a = q->r->ops->wait(q, clock_mono_ms());
	metrics_dns_answer(a->status, metrics_now_us() - started);
	return a;
}

struct dns_answer *
dns_lookup_cached(struct dns_resolver *r, const char *name, uint16_t type)
{
	char key[DNS_NAME_KEY_MAX];
	struct dns_answer *a;
	size_t len;

	if (r->ops->cached == NULL || !dns_name_key(name, key, &len))
		return NULL;
	if ((a = r->ops->cached(r, key, len, type)) != NULL) {
		atomic_fetch_add(&r->lookups, 1);
		metrics_dns_query();
	}
	return a;
}

struct dns_answer *
dns_lookup(struct dns_resolver *r, const char *name, uint16_t type,
    unsigned timeout_ms)
{
	return dns_lookup_until(r, name, type, timeout_ms, NULL);
}

/* dns_resolver_lookups - lookups asked of this resolver so far */
uint64_t
dns_resolver_lookups(const struct dns_resolver *r)
{
	return atomic_load(&((struct dns_resolver *)r)->lookups);
}

/* dns_resolver_free - free the resolver; all queries must be collected */
void
dns_resolver_free(struct dns_resolver **rp)
{
	struct dns_resolver *r = *rp;

	if (r == NULL)
		return;
	*rp = NULL;
	r->ops->destroy(r);
}
