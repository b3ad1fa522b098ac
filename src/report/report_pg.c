/*
 * report_pg.c - one PostgreSQL statement, answered within a deadline.
 *
 * libpq's PQexec waits for the server's answer without end. TCP timeouts
 * do not end that wait when the server's kernel still acknowledges (a
 * stopped or wedged backend, a lock that is never given up), and a unix
 * socket has none: the writer thread would hold its rows for ever and
 * the report job would never finish. So the statement is sent on a
 * nonblocking connection and its answer waited for with poll() until
 * the deadline.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libpq-fe.h>

#include "report/report_pg.h"
#include "util/clock.h"

/* wait_socket - poll the connection's socket for events until deadline:
 * 1 ready, 0 deadline passed, -1 error */
static int
wait_socket(PGconn *pg, short events, uint64_t deadline, struct buf *why)
{
	struct pollfd p = { .fd = PQsocket(pg), .events = events };
	uint64_t now;
	int n;

	if (p.fd < 0) {
		buf_printf(why, "no connection");
		return -1;
	}
	for (;;) {
		now = clock_mono_ms();
		if (now >= deadline)
			return 0;
		n = poll(&p, 1, (int)(deadline - now));
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR) {
			buf_printf(why, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

/* consume - read what the server sent; false when the connection broke */
static bool
consume(PGconn *pg, struct buf *why)
{
	if (PQconsumeInput(pg))
		return true;
	buf_printf(why, "%s", PQerrorMessage(pg));
	return false;
}

/* flush - send the whole statement (reading meanwhile, as libpq asks) */
static int
flush(PGconn *pg, uint64_t deadline, struct buf *why)
{
	int r, w;

	while ((r = PQflush(pg)) == 1) {
		w = wait_socket(pg, POLLIN | POLLOUT, deadline, why);
		if (w <= 0)
			return w;
		if (!consume(pg, why))
			return -1;
	}
	if (r < 0) {
		buf_printf(why, "%s", PQerrorMessage(pg));
		return -1;
	}
	return 1;
}

/* collect - every result of the statement: the first error, else the last */
static int
collect(PGconn *pg, uint64_t deadline, PGresult **res, struct buf *why)
{
	PGresult *r;
	int w;

	for (;;) {
		while (PQisBusy(pg)) {
			w = wait_socket(pg, POLLIN, deadline, why);
			if (w <= 0)
				return w;
			if (!consume(pg, why))
				return -1;
		}
		r = PQgetResult(pg);
		if (r == NULL)
			return 1;
		if (*res != NULL && PQresultStatus(*res) == PGRES_FATAL_ERROR)
			PQclear(r);
		else {
			PQclear(*res);
			*res = r;
		}
	}
}

enum report_pg_status
report_pg_exec(PGconn *pg, const char *sql, int nparams,
    const char *const *params, unsigned timeout_ms, PGresult **res,
    struct buf *why)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	int sent, w;

	*res = NULL;
	/* several statements in one string only without parameters */
	sent = nparams > 0 ? PQsendQueryParams(pg, sql, nparams, NULL, params,
	    NULL, NULL, 0) : PQsendQuery(pg, sql);
	if (!sent) {
		buf_printf(why, "%s", PQerrorMessage(pg));
		return REPORT_PG_BROKEN;
	}
	w = flush(pg, deadline, why);
	if (w > 0)
		w = collect(pg, deadline, res, why);
	if (w < 0 || (w > 0 && *res == NULL)) {
		if (w > 0)
			buf_printf(why, "no result");
		PQclear(*res);
		*res = NULL;
		return REPORT_PG_BROKEN;
	}
	if (w == 0) {
		PQclear(*res);
		*res = NULL;
		buf_printf(why, "the server did not answer within %u ms "
		    "(ReportStoreTimeout)", timeout_ms);
		return REPORT_PG_TIMEOUT;
	}
	return REPORT_PG_DONE;
}
