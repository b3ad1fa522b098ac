/* report_pg.h - a PostgreSQL statement with a deadline (report_db's
 * PostgreSQL side). The connection must be in nonblocking mode
 * (PQsetnonblocking). */
#ifndef AUTHMILTER_REPORT_PG_H
#define AUTHMILTER_REPORT_PG_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "util/buf.h"

/*
 * report_pg_exec - send sql (with nparams text parameters; with none it
 * may hold several statements) and wait at most timeout_ms for all of
 * its answer. true: *res is the first error result or else the last
 * result, for the caller to PQclear. false: *res is NULL, the reason
 * (no answer in time, or a broken connection) is appended to why, and
 * the connection, mid-statement, must be closed.
 */
bool report_pg_exec(PGconn *pg, const char *sql, int nparams,
    const char *const *params, unsigned timeout_ms, PGresult **res,
    struct buf *why);

#endif
