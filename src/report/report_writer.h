/* report_writer.h - the thread that moves rows from the queue to the store
 *
 * Started once by main.c when ReportStore is set. Milter threads call
 * report_writer_submit, which never waits. The writer opens the store on
 * first use, reconnects by itself when it fails (every REPORT_RETRY_MS),
 * and logs the rows dropped at most once a minute.
 */
#ifndef AUTHMILTER_REPORT_WRITER_H
#define AUTHMILTER_REPORT_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/report_row.h"

#define REPORT_BATCH_MAX	256	/* rows per transaction */
/* Pause after each written batch so rows gather into the next one: one
 * transaction per message cost the writer thread about as much CPU as
 * the message's checks (issue 15's recording on/off figure). */
#define REPORT_BATCH_PAUSE_MS	100
#define REPORT_RETRY_MS		1000	/* between attempts to open the store */
#define REPORT_DROP_LOG_MS	60000	/* drop log interval (monotonic) */
#define REPORT_CLOSE_MS		3000	/* longest wait for queued rows at an
					 * exit that leaves sessions running */

struct report_writer;

/* report_writer_start - the queue and the thread; spec as ReportStore,
 * timeout_ms as ReportStoreTimeout, interval_hours as ReportInterval at
 * start (a row that comes after its period's report goes into the
 * current one; the live configuration's ReportInterval once there is
 * one, so a reload applies) */
struct report_writer *report_writer_start(const char *spec,
    unsigned timeout_ms, size_t capacity, unsigned interval_hours);
/* report_writer_submit - hand a row over (always takes ownership: a row
 * that does not fit is freed and counted) */
void report_writer_submit(struct report_writer *w, struct report_row *row);
/* report_writer_stop - write what is queued (one attempt), stop the
 * thread, log the drop total, free; NULLs *wp. Waits at most timeout_ms:
 * false (nothing freed, *wp kept) when the thread is still in a write or
 * an open then (a store that does not answer): the caller must then exit
 * without running exit handlers under it (_exit). */
bool report_writer_stop(struct report_writer **wp, unsigned timeout_ms);
/* report_writer_close - stop taking rows (later ones are dropped) and
 * let the thread write what is queued, waiting at most timeout_ms; frees
 * nothing, so milter threads still running may go on submitting. For an
 * exit that cannot free. Returns the rows left unwritten (logged too). */
size_t report_writer_close(struct report_writer *w, unsigned timeout_ms);
/* report_writer_dropped - rows dropped so far */
uint64_t report_writer_dropped(struct report_writer *w);

#endif
