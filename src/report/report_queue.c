/*
 * report_queue.c - a ring of row pointers under one mutex: milter threads
 * push without waiting, the writer thread pops in batches.
 *
 *   report_queue_new / _free     make, free (with what is still queued)
 *   report_queue_push            add or refuse-and-count, never blocks
 *   report_queue_pop             take a batch (the writer holds it)
 *   report_queue_close           wake the writer for shutdown
 *   report_queue_dropped/_length counters
 *
 * The queue owns queued rows. A refused row stays the caller's.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "report/report_queue.h"
#include "util/xmalloc.h"

struct report_queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	struct report_row **ring;
	size_t cap, head, len;		/* rows at ring[(head+i) % cap] */
	uint64_t dropped;
	bool closed;
};

struct report_queue *
report_queue_new(size_t capacity)
{
	struct report_queue *q = xcalloc(1, sizeof(*q));
	pthread_condattr_t ca;

	if (capacity == 0)
		capacity = 1;
	if (capacity > REPORT_QUEUE_MAX)
		capacity = REPORT_QUEUE_MAX;
	q->cap = capacity;
	q->ring = xcalloc(capacity, sizeof(*q->ring));
	(void)pthread_mutex_init(&q->lock, NULL);
	(void)pthread_condattr_init(&ca);
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	(void)pthread_cond_init(&q->nonempty, &ca);
	(void)pthread_condattr_destroy(&ca);
	return q;
}

void
report_queue_free(struct report_queue **qp)
{
	struct report_queue *q = *qp;
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->len; i++)
		free(q->ring[(q->head + i) % q->cap]);
	free(q->ring);
	(void)pthread_cond_destroy(&q->nonempty);
	(void)pthread_mutex_destroy(&q->lock);
	free(q);
	*qp = NULL;
}

bool
report_queue_push(struct report_queue *q, struct report_row *row)
{
	bool ok;

	(void)pthread_mutex_lock(&q->lock);
	ok = !q->closed && q->len < q->cap;
	if (ok) {
		q->ring[(q->head + q->len) % q->cap] = row;
		q->len++;
		(void)pthread_cond_signal(&q->nonempty);
	} else
		q->dropped++;
	(void)pthread_mutex_unlock(&q->lock);
	return ok;
}

size_t
report_queue_pop(struct report_queue *q, struct report_row **rows_r,
    size_t max, unsigned wait_ms)
{
	struct timespec until;
	size_t n = 0;

	(void)clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	(void)pthread_mutex_lock(&q->lock);
	while (q->len == 0 && !q->closed)
		if (pthread_cond_timedwait(&q->nonempty, &q->lock, &until) ==
		    ETIMEDOUT)
			break;
	while (n < max && q->len > 0) {
		rows_r[n++] = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
	}
	(void)pthread_mutex_unlock(&q->lock);
	return n;
}

void
report_queue_close(struct report_queue *q)
{
	(void)pthread_mutex_lock(&q->lock);
	q->closed = true;
	(void)pthread_cond_broadcast(&q->nonempty);
	(void)pthread_mutex_unlock(&q->lock);
}

bool
report_queue_closed(struct report_queue *q)
{
	bool c;

	(void)pthread_mutex_lock(&q->lock);
	c = q->closed;
	(void)pthread_mutex_unlock(&q->lock);
	return c;
}

uint64_t
report_queue_dropped(struct report_queue *q)
{
	uint64_t d;

	(void)pthread_mutex_lock(&q->lock);
	d = q->dropped;
	(void)pthread_mutex_unlock(&q->lock);
	return d;
}

size_t
report_queue_length(struct report_queue *q)
{
	size_t n;

	(void)pthread_mutex_lock(&q->lock);
	n = q->len;
	(void)pthread_mutex_unlock(&q->lock);
	return n;
}
