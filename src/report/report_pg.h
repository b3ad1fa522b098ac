/* report_pg.h - a PostgreSQL statement with a deadline (report_db's
 * PostgreSQL side). The connection must be in nonblocking mode
 * (PQsetnonblocking). */
#ifndef AUTHMILTER_REPORT_PG_H
#define AUTHMILTER_REPORT_PG_H

#include <libpq-fe.h>

#include "util/buf.h"

enum report_pg_status {
	REPORT_PG_DONE = 0,	/* *res holds the answer (or an error) */
	REPORT_PG_TIMEOUT,	/* no answer in time: connection unusable */
	REPORT_PG_BROKEN	/* the connection failed: unusable */
};

/*
 * report_pg_exec - send sql (with nparams text parameters; with none it
 * may hold several statements) and wait at most timeout_ms for all of
 * its answer. DONE: *res is the first error result or else the last
 * result, for the caller to PQclear. Otherwise *res is NULL and the
 * reason is appended to why; the connection is then mid-statement and
 * must be closed.
 */
enum report_pg_status report_pg_exec(PGconn *pg, const char *sql,
    int nparams, const char *const *params, unsigned timeout_ms,
    PGresult **res, struct buf *why);

#endif
