/* report_db.h - the SQL the report store needs, on SQLite or PostgreSQL
 *
 * One small interface over both: statements are written once with ?1..?N
 * placeholders (numbered in order of first use) and plain SQL both
 * accept; values are bound as text or 64-bit integers; rows are read as
 * text or integers. A handle is used by one thread at a time.
 */
#ifndef AUTHMILTER_REPORT_DB_H
#define AUTHMILTER_REPORT_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

#define REPORT_DB_MAX_PARAMS 32

enum report_db_kind { REPORT_DB_SQLITE = 0, REPORT_DB_PG };

struct report_db;
struct report_query;

/* how a handle talks to PostgreSQL (SQLite ignores both) */
struct report_db_opts {
	/* a statement's whole answer; past it the connection is closed
	 * and every later call on the handle fails (ReportStoreTimeout) */
	unsigned timeout_ms;
	/* the server's application_name unless the store's URI sets one */
	const char *app_name;
};

/* report_db_kind_of - which backend a store name means; -1 if none */
int report_db_kind_of(const char *spec);
/* How report_db_open treats a SQLite file (PostgreSQL: all the same) */
enum report_db_mode {
	REPORT_DB_LOOK,		/* open as it is: no file made, nothing set */
	REPORT_DB_USE,		/* an existing file, set up for use (WAL) */
	REPORT_DB_MAKE		/* made when missing, set up for use */
};
/* report_db_open - connect / open; NULL with the reason appended to why */
struct report_db *report_db_open(const char *spec,
    const struct report_db_opts *o, enum report_db_mode mode,
    struct buf *why);
void report_db_close(struct report_db **dbp);
enum report_db_kind report_db_kind(const struct report_db *db);
/* report_db_exec - a statement without parameters or rows */
bool report_db_exec(struct report_db *db, const char *sql, struct buf *why);
/* report_db_begin - a write transaction (SQLite: BEGIN IMMEDIATE) */
bool report_db_begin(struct report_db *db, struct buf *why);
bool report_db_commit(struct report_db *db, struct buf *why);
void report_db_rollback(struct report_db *db);

/* report_query_new - never NULL; a statement that does not prepare
 * makes report_query_step return -1 with report_query_error set */
struct report_query *report_query_new(struct report_db *db, const char *sql);
void report_query_text(struct report_query *q, int idx, const char *v);
void report_query_int(struct report_query *q, int idx, int64_t v);
/* report_query_step - 1: a row is there; 0: done; -1: error */
int report_query_step(struct report_query *q);
/* report_query_col - column i (0-based) of the row: "" for NULL */
const char *report_query_col(struct report_query *q, int i);
int64_t report_query_col_int(struct report_query *q, int i);
/* report_query_changes - rows a finished INSERT/UPDATE/DELETE changed */
int64_t report_query_changes(struct report_query *q);
/* report_query_reset - run again with new bindings */
void report_query_reset(struct report_query *q);
const char *report_query_error(const struct report_query *q);
/* report_query_prepared - false when SQLite could not prepare the
 * statement (a locked or damaged store at that moment): it only fails,
 * so a kept one is made again */
bool report_query_prepared(const struct report_query *q);
/* report_query_refused - the last step's error was the store refusing
 * the values bound (PostgreSQL: SQLSTATE class 22 or 23; SQLite: a
 * constraint, type or size), while the store itself works */
bool report_query_refused(const struct report_query *q);
void report_query_free(struct report_query **qp);

#endif
