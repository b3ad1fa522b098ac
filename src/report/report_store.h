/* report_store.h - the aggregate-report store: open, create, insert
 *
 * A store is named by ReportStore: "sqlite:PATH" (one file, WAL mode,
 * tables made on first use) or "postgresql://..." (a libpq URI; tables
 * made on first use, so several hosts share one). A store handle is used by one thread at a
 * time (the daemon's writer thread, or the report command).
 */
#ifndef AUTHMILTER_REPORT_STORE_H
#define AUTHMILTER_REPORT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "report/report_db.h"
#include "report/report_row.h"
#include "util/buf.h"

struct report_store;

/* report_store_spec_ok - is spec a store name we know? NULL when fine,
 * else a static reason (for the config check) */
const char *report_store_spec_ok(const char *spec);

/* the writer's once-a-batch question: has a period that has not ended
 * by ?1 been reported? (for the test of its plan) */
extern const char report_store_ahead_sql[];

/*
 * report_store_open - open the store named by spec, making the file and
 * tables when missing; o says how to talk to PostgreSQL. NULL on
 * failure with the reason appended to why.
 */
struct report_store *report_store_open(const char *spec,
    const struct report_db_opts *o, struct buf *why);

/*
 * report_store_open_existing - report_store_open for the report command:
 * a sqlite: file that does not exist is an error, not made (a mistyped
 * ReportStore would otherwise give an empty store and "no rows").
 */
struct report_store *report_store_open_existing(const char *spec,
    const struct report_db_opts *o, struct buf *why);

/*
 * report_store_check - can the store be opened (for authmilter -t)? An
 * existing store is opened and its schema version checked; a missing one
 * needs a writable directory. Creates nothing. false with why filled.
 */
bool report_store_check(const char *spec, const struct report_db_opts *o,
    struct buf *why);

/*
 * report_store_access - may this process (its effective ids) write the
 * files of a sqlite: store: its directory (where WAL mode makes PATH-wal
 * and PATH-shm) and those of PATH, PATH-wal and PATH-shm that exist?
 * With dir_made_at_start a missing directory counts as usable (the
 * daemon started as root makes it for UserID). true for other stores;
 * false with why filled.
 */
bool report_store_access(const char *spec, bool dir_made_at_start,
    struct buf *why);

/*
 * report_store_prepare - as root before the privilege drop: make the
 * directory of a sqlite: store when it is missing (one level, mode 0750,
 * owned by uid:gid) so the daemon can make the file after the drop.
 * false with why filled when it cannot.
 */
bool report_store_prepare(const char *spec, uid_t uid, gid_t gid,
    struct buf *why);

/*
 * report_store_id - the store's identity: random letters and digits
 * (16 hex digits when this program drew it), drawn once when the store
 * or its store_identity table is made, the same for every handle and
 * host using the store; report_id and report_filename put it into the
 * names of its reports.
 */
const char *report_store_id(const struct report_store *st);

/* report_store_close - close; NULLs *sp */
void report_store_close(struct report_store **sp);

#define REPORT_BATCH_ID_SIZE 33	/* 128 random bits in hex, and NUL */
/* Batch ids are needed only while a writer may retry its batch (every
 * second until the store has it): kept a day, pruned hourly. */
#define REPORT_BATCH_KEEP_SEC	86400
#define REPORT_BATCH_PRUNE_SEC	3600

enum report_insert {
	REPORT_INSERT_DONE,	/* the rows are in */
	REPORT_INSERT_EARLIER,	/* they were already: an earlier attempt's
				 * COMMIT went through unanswered */
	REPORT_INSERT_REFUSED,	/* the store refused a row's values */
	REPORT_INSERT_FAILED	/* the store failed; retry, same batch id */
};

/*
 * report_store_insert - insert n rows in one transaction that also
 * records batch_id, unless that id is recorded already. A COMMIT given up
 * (ReportStoreTimeout, a dropped connection) may have been done by the
 * server: retried with the same id, the rows are not written twice.
 * now is also the time written with the id; ids older than
 * REPORT_BATCH_KEEP_SEC are forgotten (hourly, whatever the handle).
 * A row whose period (period_len seconds from the epoch, as the report
 * job cuts them; 0: no check) ended and was reported already is stored
 * with arrival now instead, in the period the next report covers: a
 * writer that held rows past a period's report (a store down for
 * minutes) would otherwise lose them from every report. When now's
 * period has a report too (the job's clock was ahead of now), the row
 * goes into the first period after it without one. *late_r counts
 * those rows.
 * REFUSED and FAILED insert nothing and append the reason to why; after
 * FAILED the caller retries on a new handle.
 */
enum report_insert report_store_insert(struct report_store *st,
    const struct report_row *const *rows, size_t n, const char *batch_id,
    int64_t now, int64_t period_len, size_t *late_r, struct buf *why);

/* report_store_batch_id - a fresh id for report_store_insert */
void report_store_batch_id(char id[REPORT_BATCH_ID_SIZE]);

/* report_store_db - the database, for the report command's queries */
struct report_db *report_store_db(struct report_store *st);

/* report_row_dkim_text - the signatures as the dkim column holds them */
void report_row_dkim_text(const struct report_row *r, struct buf *out);

#endif
