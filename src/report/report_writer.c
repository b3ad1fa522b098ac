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
 * not fit are dropped and counted. A failed insert puts the batch back
 * and closes the handle; the next attempt opens a new one.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "log/log.h"
#include "metrics/metrics.h"
#include "report/report_queue.h"
#include "report/report_store.h"
#include "report/report_writer.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/xmalloc.h"

struct report_writer {
	char *spec;
	struct report_db_opts db_opts;
	struct report_queue *queue;
	pthread_t thread;
	struct report_store *store;
	uint64_t next_open_ms;	/* no attempt before this (clock_mono_ms) */
	time_t next_drop_log;
	uint64_t dropped_logged;
	bool store_down_logged;
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
		    "queue and are dropped when it is full", w->spec,
		    buf_cstr(&why));
		w->store_down_logged = true;
	}
	buf_deinit(&why);
	return w->store != NULL;
}

/* write_batch - insert rows; on failure put them back and drop the handle */
static bool
write_batch(struct report_writer *w, struct report_row **rows, size_t n)
{
	struct buf why = BUF_INIT;
	size_t i;

	if (report_store_insert(w->store,
	    (const struct report_row *const *)rows, n, &why)) {
		if (w->store_down_logged)
			log_info("ReportStore %s: writing again", w->spec);
		w->store_down_logged = false;
		for (i = 0; i < n; i++)
			free(rows[i]);
		buf_deinit(&why);
		return true;
	}
	/* said once until the store works again (the retry is every second) */
	if (!w->store_down_logged)
		log_warn("ReportStore %s: cannot write %zu rows: %s; will reopen",
		    w->spec, n, buf_cstr(&why));
	w->store_down_logged = true;
	buf_deinit(&why);
	report_store_close(&w->store);
	report_queue_unpop(w->queue, rows, n);
	return false;
}

/* log_drops - at most once a minute, the rows dropped since last time */
static void
log_drops(struct report_writer *w, bool final)
{
	time_t now = time(NULL);
	uint64_t d;

	if (!final && now < w->next_drop_log)
		return;
	w->next_drop_log = now + REPORT_DROP_LOG_SEC;
	d = report_queue_dropped(w->queue);
	if (d == w->dropped_logged)
		return;
	log_warn("ReportStore %s: %llu report rows dropped (store slow, full "
	    "or down; %llu in all)", w->spec,
	    (unsigned long long)(d - w->dropped_logged), (unsigned long long)d);
	w->dropped_logged = d;
}

/* writer_main - the thread: open, pop, insert, until closed and drained */
static void *
writer_main(void *arg)
{
	struct report_writer *w = arg;
	struct report_row **rows = xcalloc(REPORT_BATCH_MAX, sizeof(*rows));
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
		n = report_queue_pop(w->queue, rows, REPORT_BATCH_MAX, 1000);
		if (n == 0) {
			if (closed)
				break;
			continue;
		}
		if (!write_batch(w, rows, n)) {
			if (closed && clock_mono_ms() >= w->close_until_ms)
				break;
		} else if (!closed && n < REPORT_BATCH_MAX)
			(void)nanosleep(&gather, NULL);
	}
	free(rows);
	return NULL;
}

struct report_writer *
report_writer_start(const char *spec, unsigned timeout_ms, size_t capacity)
{
	struct report_writer *w = xcalloc(1, sizeof(*w));

	w->spec = xstrdup(spec);
	w->db_opts.timeout_ms = timeout_ms;
	w->db_opts.app_name = "authmilter";
	w->queue = report_queue_new(capacity);
	w->next_drop_log = time(NULL) + REPORT_DROP_LOG_SEC;
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
		metrics_report_row_dropped();
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
	/* pthread_timedjoin_np takes CLOCK_REALTIME */
	(void)clock_gettime(CLOCK_REALTIME, &until);
	until = add_ms(until, wait_ms);
	/* joined: it wrote all it could; not joined: it is still writing,
	 * and the rows still queued are as good as lost */
	joined = pthread_timedjoin_np(w->thread, NULL, &until) == 0;
	left = report_queue_length(w->queue);
	if (!joined)
		log_warn("ReportStore %s: the store did not answer within %u ms; "
		    "not waiting for it", w->spec, wait_ms);
	if (left > 0)
		log_warn("ReportStore %s: %zu report rows not written at stop",
		    w->spec, left);
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
	free(w->spec);
	free(w);
	*wp = NULL;
	return true;
}
