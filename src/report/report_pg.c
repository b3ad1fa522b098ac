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

/* one statement's wait: the connection, its deadline, where reasons go */
struct pg_wait {
	PGconn *pg;
	uint64_t deadline;	/* clock_mono_ms */
	unsigned timeout_ms;	/* for the reason given at the deadline */
	struct buf *why;
};

/* wait_socket - poll the connection's socket for events until the
 * deadline; false (with the reason) when it passed or poll failed */
static bool
wait_socket(const struct pg_wait *w, short events)
{
	struct pollfd p = { .fd = PQsocket(w->pg), .events = events };
	uint64_t now;
	int n;

	if (p.fd < 0) {
		buf_printf(w->why, "no connection");
		return false;
	}
	for (;;) {
		now = clock_mono_ms();
		n = now < w->deadline ? poll(&p, 1, (int)(w->deadline - now)) : 0;
		if (n > 0)
			return true;
		if (n == 0) {
			buf_printf(w->why, "the server did not answer within %u ms "
			    "(ReportStoreTimeout)", w->timeout_ms);
			return false;
		}
		if (errno != EINTR) {
			buf_printf(w->why, "poll: %s", strerror(errno));
			return false;
		}
	}
}

/* consume - read what the server sent; false when the connection broke */
static bool
consume(const struct pg_wait *w)
{
	if (PQconsumeInput(w->pg))
		return true;
	buf_printf(w->why, "%s", PQerrorMessage(w->pg));
	return false;
}

/* flush - send the whole statement (reading meanwhile, as libpq asks) */
static bool
flush(const struct pg_wait *w)
{
	int r;

	while ((r = PQflush(w->pg)) == 1)
		if (!wait_socket(w, POLLIN | POLLOUT) || !consume(w))
			return false;
	if (r < 0)
		buf_printf(w->why, "%s", PQerrorMessage(w->pg));
	return r == 0;
}

/* collect - every result of the statement into *res: the first error,
 * else the last */
static bool
collect(const struct pg_wait *w, PGresult **res)
{
	PGresult *r;

	for (;;) {
		while (PQisBusy(w->pg))
			if (!wait_socket(w, POLLIN) || !consume(w))
				return false;
		if ((r = PQgetResult(w->pg)) == NULL)
			return true;
		if (*res != NULL && PQresultStatus(*res) == PGRES_FATAL_ERROR)
			PQclear(r);
		else {
			PQclear(*res);
			*res = r;
		}
	}
}

bool
report_pg_exec(PGconn *pg, const char *sql, int nparams,
    const char *const *params, unsigned timeout_ms, PGresult **res,
    struct buf *why)
{
	struct pg_wait w = { pg, clock_mono_ms() + timeout_ms, timeout_ms,
		why };
	int sent;

	*res = NULL;
	/* several statements in one string only without parameters */
	sent = nparams > 0 ? PQsendQueryParams(pg, sql, nparams, NULL, params,
	    NULL, NULL, 0) : PQsendQuery(pg, sql);
	if (!sent)
		buf_printf(why, "%s", PQerrorMessage(pg));
	else if (flush(&w) && collect(&w, res)) {
		if (*res != NULL)
			return true;
		buf_printf(why, "no result");
	}
	PQclear(*res);
	*res = NULL;
	return false;
}
