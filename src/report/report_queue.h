/* report_queue.h - bounded queue of rows from milter threads to the writer
 *
 * report_queue_push never waits: when the queue is full the row is
 * refused (the caller frees it) and counted as dropped. The writer takes
 * rows in batches with report_queue_pop, waiting at most a given time.
 */
#ifndef AUTHMILTER_REPORT_QUEUE_H
#define AUTHMILTER_REPORT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/report_row.h"

#define REPORT_QUEUE_MAX 1000000	/* largest capacity accepted */

struct report_queue;

/* report_queue_new - a queue holding at most capacity rows (1..MAX) */
struct report_queue *report_queue_new(size_t capacity);
/* report_queue_free - frees rows still queued; NULLs *qp */
void report_queue_free(struct report_queue **qp);
/* report_queue_push - takes ownership of row when it returns true; false
 * when full or closed (row stays the caller's, the drop is counted) */
bool report_queue_push(struct report_queue *q, struct report_row *row);
/* report_queue_pop - move up to max rows into rows_r (ownership passes),
 * waiting up to wait_ms for the first; returns how many */
size_t report_queue_pop(struct report_queue *q, struct report_row **rows_r,
    size_t max, unsigned wait_ms);
/* report_queue_close - wake the writer; later pushes are refused */
void report_queue_close(struct report_queue *q);
bool report_queue_closed(struct report_queue *q);
/* report_queue_dropped - rows dropped since the start */
uint64_t report_queue_dropped(struct report_queue *q);
/* report_queue_length - rows waiting now */
size_t report_queue_length(struct report_queue *q);

#endif
