/*
 * report_writer.c - the writer thread between the milter threads and the
 * aggregate-report store.
 *
 *   report_writer_start   make the queue, start the thread
 *   report_writer_submit  non-blocking hand-over from a milter thread
 *   report_writer_stop    flush, join, free (bounded: a store that does
 *                         not answer is left to the exit)
 *   report_writer_close   flush within a time, free nothing (an exit
 *                         that leaves milter threads running)
 *
 * A milter thread never waits for the store: when the store is slow,
 * full or gone, rows pile up in the bounded queue and the ones that do
 * not fit are dropped and counted. The writer holds the batch it took
 * until the store has it: a failed insert closes the handle and the same
 * batch, under the same id, is tried on a new one (so a COMMIT whose
 * answer was lost is not written twice). A batch the store refuses (a
 * row's values: a constraint, an encoding) is written a row at a time,
 * and only the rows refused are dropped: one bad row never stops the
 * recording.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "conf/conf_live.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "report/report_queue.h"
#include "report/report_shown.h"
#include "report/report_store.h"
#include "report/report_writer.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/xmalloc.h"

struct report_writer {
	char *spec;
	char *shown;		/* spec for the log: no password */
	struct report_db_opts db_opts;
	int64_t period_len;	/* ReportInterval at start, in seconds */
	struct report_queue *queue;
	pthread_t thread;
	struct report_store *store;
	uint64_t next_open_ms;	/* no attempt before this (clock_mono_ms) */
	uint64_t next_drop_log_ms;	/* clock_mono_ms, as every interval
				 * here: a wall clock stepped back
				 * by hours silenced the warnings
				 * for hours */
	uint64_t dropped_logged;
	bool store_down_logged;
	/* the batch taken from the queue and not yet in the store */
	struct report_row **batch;
	size_t batch_n;
	char batch_id[REPORT_BATCH_ID_SIZE];
	bool one_by_one;	/* a row was refused: the rest go alone */
	uint64_t refused;	/* rows refused since the start */
	uint64_t next_refused_log_ms;	/* clock_mono_ms */
	/* at a stop: keep trying the store until then (clock_mono_ms; set
	 * before the queue is closed, read only once it is) */
	uint64_t close_until_ms;
};

/* add_ms - t plus ms milliseconds */
static struct timespec
add_ms(struct timespec t, unsigned ms)
{
	t.tv_sec += (time_t)(ms / 1000);
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* ensure_store - an open store, or false when it cannot be had yet */
static bool
ensure_store(struct report_writer *w)
{
	struct buf why = BUF_INIT;

	if (w->store != NULL)
		return true;
	if (clock_mono_ms() < w->next_open_ms)
		return false;
	w->next_open_ms = clock_mono_ms() + REPORT_RETRY_MS;
	w->store = report_store_open(w->spec, &w->db_opts, &why);
	if (w->store == NULL && !w->store_down_logged) {
		log_warn("ReportStore %s: cannot open: %s; rows wait in the "
		    "queue and are dropped when it is full", w->shown,
		    buf_cstr(&why));
		w->store_down_logged = true;
	}
	buf_deinit(&why);
	return w->store != NULL;
}

/* take - the first k rows of the batch are in the store (or refused):
 * free them, move the rest up, give the rest a new id */
static void
take(struct report_writer *w, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		free(w->batch[i]);
	w->batch_n -= k;
	memmove(w->batch, w->batch + k, w->batch_n * sizeof(*w->batch));
	report_store_batch_id(w->batch_id);
	if (w->batch_n == 0)
		w->one_by_one = false;
}

/* refuse - the store refused the batch's first row: drop it, count it,
 * say why at most once a minute */
static void
refuse(struct report_writer *w, const char *why)
{
	const struct report_row *r = w->batch[0];
	uint64_t now = clock_mono_ms();

	w->refused++;
	metrics_report_row_dropped(METRICS_DROP_REFUSED);
	if (now >= w->next_refused_log_ms) {
		w->next_refused_log_ms = now + REPORT_DROP_LOG_MS;
		log_warn("ReportStore %s: a report row was refused and dropped "
		    "(policy domain %s, queue id %s): %s; %llu refused in all",
		    w->shown, r->policy_domain, r->queue_id, why,
		    (unsigned long long)w->refused);
	}
	take(w, 1);
}

/* period_len - ReportInterval in seconds as the live configuration has
 * it: a reload changes the periods authmilter-report cuts at once, and a
 * late row must go by the same ones */
static int64_t
period_len(const struct report_writer *w)
{
	struct conf *c = conf_live_get();
	int64_t len = w->period_len;

	if (c != NULL && c->report_interval_hours > 0)
		len = (int64_t)c->report_interval_hours * 3600;
	conf_unref(&c);
	return len;
}

/* write_batch - try the batch (or its first row, one_by_one); false when
 * the store failed (handle dropped, batch kept for the next try) */
static bool
write_batch(struct report_writer *w)
{
	size_t k = w->one_by_one ? 1 : w->batch_n;
	struct buf why = BUF_INIT;
	enum report_insert r;
	size_t late;

	r = report_store_insert(w->store, (const struct report_row *const *)
	    w->batch, k, w->batch_id, (int64_t)time(NULL), period_len(w),
	    &late, &why);
	if (r != REPORT_INSERT_FAILED) {
		if (w->store_down_logged)
			log_info("ReportStore %s: writing again", w->shown);
		w->store_down_logged = false;
	}
	switch (r) {
	case REPORT_INSERT_EARLIER:
		log_info("ReportStore %s: %zu rows were written before the "
		    "answer was lost; not written again", w->shown, k);
		/* FALLTHROUGH */
	case REPORT_INSERT_DONE:
		if (r == REPORT_INSERT_DONE && late > 0)
			log_info("ReportStore %s: %zu rows came after their "
			    "period's report; stored in the current period",
			    w->shown, late);
		metrics_report_rows_stored((unsigned)k);
		take(w, k);
		break;
	case REPORT_INSERT_REFUSED:
		if (k > 1) {	/* nothing written: find the row alone */
			w->one_by_one = true;
			report_store_batch_id(w->batch_id);
		} else
			refuse(w, buf_cstr(&why));
		break;
	case REPORT_INSERT_FAILED:
		/* said once until the store works again (retried every second) */
		if (!w->store_down_logged)
			log_warn("ReportStore %s: cannot write %zu rows: %s; will "
			    "reopen", w->shown, k, buf_cstr(&why));
		w->store_down_logged = true;
		report_store_close(&w->store);
		break;
	}
	buf_deinit(&why);
	return r != REPORT_INSERT_FAILED;
}

/* log_drops - at most once a minute, the rows dropped since last time */
static void
log_drops(struct report_writer *w, bool final)
{
	uint64_t now = clock_mono_ms(), d;

	if (!final && now < w->next_drop_log_ms)
		return;
	w->next_drop_log_ms = now + REPORT_DROP_LOG_MS;
	d = report_queue_dropped(w->queue);
	if (d == w->dropped_logged)
		return;
	log_warn("ReportStore %s: %llu report rows dropped (store slow, full "
	    "or down; %llu in all)", w->shown,
	    (unsigned long long)(d - w->dropped_logged), (unsigned long long)d);
	w->dropped_logged = d;
}

/* writer_main - the thread: open, pop, insert, until closed and drained */
static void *
writer_main(void *arg)
{
	struct report_writer *w = arg;
	struct timespec pause = { 0, 100000000L };
	struct timespec gather = { 0, REPORT_BATCH_PAUSE_MS * 1000000L };
	size_t n;

	for (;;) {
		bool closed = report_queue_closed(w->queue);

		log_drops(w, false);
		if (!ensure_store(w)) {
			if (closed && clock_mono_ms() >= w->close_until_ms)
				break;
			(void)nanosleep(&pause, NULL);
			continue;
		}
		if (w->batch_n == 0) {
			w->batch_n = report_queue_pop(w->queue, w->batch,
			    REPORT_BATCH_MAX, 1000);
			if (w->batch_n == 0) {
				if (closed)
					break;
				continue;
			}
		}
		n = w->batch_n;
		if (!write_batch(w)) {
			if (closed && clock_mono_ms() >= w->close_until_ms)
				break;
		} else if (!closed && w->batch_n == 0 && n < REPORT_BATCH_MAX)
			(void)nanosleep(&gather, NULL);
	}
	return NULL;
}

struct report_writer *
report_writer_start(const char *spec, unsigned timeout_ms, size_t capacity,
    unsigned interval_hours)
{
	struct report_writer *w = xcalloc(1, sizeof(*w));

	w->spec = xstrdup(spec);
	w->shown = report_store_shown(spec);
	w->period_len = (int64_t)interval_hours * 3600;
	w->db_opts.timeout_ms = timeout_ms;
	w->db_opts.app_name = "authmilter";
	w->queue = report_queue_new(capacity);
	w->batch = xcalloc(REPORT_BATCH_MAX, sizeof(*w->batch));
	report_store_batch_id(w->batch_id);
	w->next_drop_log_ms = clock_mono_ms() + REPORT_DROP_LOG_MS;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		log_fatal("cannot start the report writer thread");
	return w;
}

void
report_writer_submit(struct report_writer *w, struct report_row *row)
{
	if (report_queue_push(w->queue, row))
		metrics_report_row_queued();
	else {
		metrics_report_row_dropped(METRICS_DROP_QUEUE_FULL);
		free(row);
	}
}

uint64_t
report_writer_dropped(struct report_writer *w)
{
	return report_queue_dropped(w->queue);
}

/* finish - stop taking rows, give the thread retry_ms to reopen a store
 * that is down and wait_ms to be done; log the rows left. False when the
 * thread is still at work then (a store that does not answer): it owns
 * the writer until it returns, which may be never. */
static bool
finish(struct report_writer *w, unsigned retry_ms, unsigned wait_ms,
    size_t *left_r)
{
	struct timespec until;
	size_t left;
	bool joined;

	w->close_until_ms = clock_mono_ms() + retry_ms;
	report_queue_close(w->queue);
	/* on the monotonic clock: a wall clock stepped back during the wait
	 * (NTP, an admin) made the stop wait that much longer, hours after
	 * a step of hours, however short wait_ms */
	(void)clock_gettime(CLOCK_MONOTONIC, &until);
	until = add_ms(until, wait_ms);
	/* joined: it wrote all it could; not joined: it is still writing,
	 * and the rows still queued are as good as lost */
	joined = pthread_clockjoin_np(w->thread, NULL, CLOCK_MONOTONIC,
	    &until) == 0;
	/* not joined: the thread still owns its batch */
	left = report_queue_length(w->queue) + (joined ? w->batch_n : 0);
	if (!joined)
		log_warn("ReportStore %s: the store did not answer within %u ms; "
		    "not waiting for it", w->shown, wait_ms);
	if (left > 0)
		log_warn("ReportStore %s: %zu report rows not written at stop",
		    w->shown, left);
	if (joined)	/* else the thread still owns the drop counters */
		log_drops(w, true);
	if (left_r != NULL)
		*left_r = left;
	return joined;
}

size_t
report_writer_close(struct report_writer *w, unsigned timeout_ms)
{
	size_t left = 0;

	/* a little slack past the retries lets a last write finish */
	if (w != NULL)
		(void)finish(w, timeout_ms, timeout_ms + 500, &left);
	return left;
}

bool
report_writer_stop(struct report_writer **wp, unsigned timeout_ms)
{
	struct report_writer *w = *wp;

	if (w == NULL)
		return true;
	/* one attempt at a store that is down; the wait bounds a write or
	 * an open that hangs */
	if (!finish(w, 0, timeout_ms, NULL))
		return false;
	report_store_close(&w->store);
	report_queue_free(&w->queue);
	take(w, w->batch_n);
	free(w->batch);
	free(w->spec);
	free(w->shown);
	free(w);
	*wp = NULL;
	return true;
}
