/*
 * report_db.c - the report store's SQL on SQLite (sqlite3) or PostgreSQL
 * (libpq), behind one interface (report_db.h).
 *
 *   report_db_open / _close / _exec / _begin / _commit / _rollback
 *   report_query_new / _text / _int / _step / _col / _col_int /
 *     _changes / _reset / _error / _prepared / _free
 *
 * SQLite: statements prepared once, ?N bound in place, WAL mode.
 * PostgreSQL: ?N rewritten to $N; values sent as text and typed by the
 * server from their context (PQsendQueryParams); the whole result is read at
 * the first step. Errors are kept as text; only the server's notices are
 * logged (at debug level).
 *
 * A PostgreSQL server that does not answer must not hold a thread for
 * ever (libpq waits without end by default): connections get a
 * connect_timeout and a tcp_user_timeout unless the ReportStore URI sets
 * its own, and every statement is given up after the handle's timeout
 * (report_pg.c), which closes the connection: what follows on that
 * handle fails at once, and the caller opens a new one.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "log/log.h"
#include "report/report_db.h"
#include "report/report_pg.h"
#include "util/clock.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define DB_BUSY_MS 2000	/* SQLite: wait for another writer's lock */
#define PG_CONNECT_TIMEOUT_S	"10"	/* libpq connect_timeout */
#define PG_TCP_USER_TIMEOUT_MS	"30000"	/* sent data unacknowledged */

/* pg_notice - a server notice ("relation ... already exists, skipping" at
 * every open) to the debug log: libpq writes them to stderr, which a
 * cron job mails to root on every run */
static void
pg_notice(void *arg, const char *message)
{
	size_t n = strlen(message);

	(void)arg;
	while (n > 0 && message[n - 1] == '\n')
		n--;
	log_debug("PostgreSQL: %.*s", (int)n, message);
}

/* pg_connect - PQconnectdb(spec) with our timeouts and name first, so
 * the spec's own values (later, by libpq's order) win; nonblocking, for
 * report_pg_exec. client_encoding comes last, over the spec's and
 * PGCLIENTENCODING's: every text we write and read is UTF-8, and under
 * another (LATIN1, or "auto" in a legacy locale) the server converted
 * each byte as a character of it, or refused to connect to a name it did
 * not know */
static PGconn *
pg_connect(const char *spec, const char *app_name)
{
	const char *const keys[] = { "connect_timeout", "tcp_user_timeout",
		"fallback_application_name", "dbname", "client_encoding", NULL };
	const char *const values[] = { PG_CONNECT_TIMEOUT_S,
		PG_TCP_USER_TIMEOUT_MS, app_name, spec, "UTF8", NULL };
	PGconn *pg = PQconnectdbParams(keys, values, 1);

	if (pg != NULL)
		(void)PQsetNoticeProcessor(pg, pg_notice, NULL);
	if (pg != NULL && PQstatus(pg) == CONNECTION_OK &&
	    PQsetnonblocking(pg, 1) != 0) {
		PQfinish(pg);	/* out of memory: as a failed connect */
		return NULL;
	}
	return pg;
}

/* trim_newlines - libpq's messages end in a newline */
static void
trim_newlines(struct buf *b)
{
	while (b->len > 0 && b->data[b->len - 1] == '\n')
		buf_truncate(b, b->len - 1);
}

struct report_db {
	enum report_db_kind kind;
	sqlite3 *lite;
	PGconn *pg;		/* NULL once a statement broke it */
	unsigned timeout_ms;	/* a PostgreSQL statement's answer */
};

struct report_query {
	struct report_db *db;
	char *error;
	/* SQLite */
	sqlite3_stmt *st;
	int64_t changes;
	/* PostgreSQL */
	char *sql;
	char *params[REPORT_DB_MAX_PARAMS];
	int nparams;
	PGresult *res;
	int row;
	/* the last error was the store refusing these values, not the store
	 * failing (report_query_refused) */
	bool refused;
};

/* lite_error - SQLite's last error, and for a failed file operation
 * the system's reason behind it: on a full disk the WAL's shared-memory
 * file cannot be made and SQLite says only "disk I/O error" */
static void
lite_error(sqlite3 *lite, struct buf *why)
{
	int code = sqlite3_errcode(lite), e = sqlite3_system_errno(lite);

	buf_printf(why, "%s", sqlite3_errmsg(lite));
	if (e != 0 && (code == SQLITE_IOERR || code == SQLITE_CANTOPEN ||
	    code == SQLITE_FULL))
		buf_printf(why, " (%s)", strerror(e));
}

/* set_wal - PRAGMA journal_mode=WAL, tried again for up to DB_BUSY_MS
 * while it is busy: when processes open a new file at the same moment
 * (the daemon's writer and the report job at first start) SQLite answers
 * SQLITE_BUSY at once, without its busy handler, to all but one */
static bool
set_wal(struct report_db *db, struct buf *why)
{
	uint64_t end = clock_mono_ms() + DB_BUSY_MS;
	int rc;

	while ((rc = sqlite3_exec(db->lite, "PRAGMA journal_mode=WAL", NULL,
	    NULL, NULL)) == SQLITE_BUSY && clock_mono_ms() < end)
		(void)sqlite3_sleep(10);
	if (rc == SQLITE_OK)
		return true;
	lite_error(db->lite, why);
	return false;
}

/* open_sqlite - the file (made in REPORT_DB_MAKE), WAL but to look */
static bool
open_sqlite(struct report_db *db, const char *path, enum report_db_mode mode,
    struct buf *why)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    (mode == REPORT_DB_MAKE ? SQLITE_OPEN_CREATE : 0);

	if (sqlite3_open_v2(path, &db->lite, flags, NULL) != SQLITE_OK) {
		buf_printf(why, "%s: ", path);
		if (db->lite != NULL)
			lite_error(db->lite, why);
		else
			buf_printf(why, "cannot open");
		return false;
	}
	(void)sqlite3_busy_timeout(db->lite, DB_BUSY_MS);
	/* the report job reads a whole period through the index: let pages
	 * stay in memory (both are upper bounds; the writer only appends) */
	(void)sqlite3_exec(db->lite, "PRAGMA cache_size=-65536", NULL, NULL,
	    NULL);
	(void)sqlite3_exec(db->lite, "PRAGMA mmap_size=268435456", NULL, NULL,
	    NULL);
	/* set up even when not made here: on a full disk it is set_wal
	 * that gets the system's reason (lite_error) */
	if (mode != REPORT_DB_LOOK) {
		buf_printf(why, "%s: ", path);
		if (!set_wal(db, why) ||
		    !report_db_exec(db, "PRAGMA synchronous=NORMAL", why))
			return false;
		buf_truncate(why, 0);
	}
	return true;
}

struct report_db *
report_db_open(const char *spec, const struct report_db_opts *o,
    enum report_db_mode mode, struct buf *why)
{
	struct report_db *db = xcalloc(1, sizeof(*db));
	int kind = report_db_kind_of(spec);
	bool ok;

	if (kind < 0) {
		buf_printf(why, "%s: not a store name", spec ? spec : "(none)");
		free(db);
		return NULL;
	}
	db->kind = (enum report_db_kind)kind;
	db->timeout_ms = o->timeout_ms;
	if (db->kind == REPORT_DB_SQLITE)
		ok = open_sqlite(db, spec + 7, mode, why);
	else {
		db->pg = pg_connect(spec, o->app_name);
		ok = db->pg != NULL && PQstatus(db->pg) == CONNECTION_OK;
		if (!ok)
			buf_printf(why, "%s", db->pg ? PQerrorMessage(db->pg) :
			    "out of memory");
		trim_newlines(why);
	}
	if (!ok)
		report_db_close(&db);
	return db;
}

void
report_db_close(struct report_db **dbp)
{
	struct report_db *db = *dbp;

	if (db == NULL)
		return;
	if (db->lite != NULL)
		(void)sqlite3_close(db->lite);
	if (db->pg != NULL)
		PQfinish(db->pg);
	free(db);
	*dbp = NULL;
}

enum report_db_kind
report_db_kind(const struct report_db *db)
{
	return db->kind;
}

/* pg_refusal - the server's error is about the values sent: SQLSTATE
 * class 22 (data exception: a byte sequence the encoding refuses, a
 * value too long) or 23 (a constraint the row breaks) */
static bool
pg_refusal(const PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	return state != NULL && (strncmp(state, "22", 2) == 0 ||
	    strncmp(state, "23", 2) == 0);
}

/* pg_statement - run one statement within the handle's timeout: its
 * result, or NULL with the reason appended to why (and *refused_r set
 * when the server refused the values, if refused_r is not NULL). A
 * statement that got no answer or broke the connection closes it. */
static PGresult *
pg_statement(struct report_db *db, const char *sql, int nparams,
    const char *const *params, bool *refused_r, struct buf *why)
{
	PGresult *r = NULL;
	ExecStatusType s;

	if (db->pg == NULL) {
		buf_printf(why, "connection closed after an earlier failure");
		return NULL;
	}
	if (!report_pg_exec(db->pg, sql, nparams, params, db->timeout_ms, &r,
	    why)) {
		PQfinish(db->pg);
		db->pg = NULL;
		trim_newlines(why);
		return NULL;
	}
	s = PQresultStatus(r);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return r;
	buf_printf(why, "%s", PQresultErrorMessage(r));
	trim_newlines(why);
	if (refused_r != NULL)
		*refused_r = pg_refusal(r);
	PQclear(r);
	return NULL;
}

bool
report_db_exec(struct report_db *db, const char *sql, struct buf *why)
{
	char *err = NULL;
	PGresult *r;

	if (db->kind == REPORT_DB_SQLITE) {
		if (sqlite3_exec(db->lite, sql, NULL, NULL, &err) == SQLITE_OK)
			return true;
		if (err != NULL)
			buf_printf(why, "%s", err);
		else
			lite_error(db->lite, why);
		sqlite3_free(err);
		return false;
	}
	r = pg_statement(db, sql, 0, NULL, NULL, why);
	PQclear(r);
	return r != NULL;
}

bool
report_db_begin(struct report_db *db, struct buf *why)
{
	return report_db_exec(db, db->kind == REPORT_DB_SQLITE ?
	    "BEGIN IMMEDIATE" : "BEGIN", why);
}

bool
report_db_commit(struct report_db *db, struct buf *why)
{
	if (report_db_exec(db, "COMMIT", why))
		return true;
	report_db_rollback(db);
	return false;
}

void
report_db_rollback(struct report_db *db)
{
	struct buf ignore = BUF_INIT;

	(void)report_db_exec(db, "ROLLBACK", &ignore);
	buf_deinit(&ignore);
}

/* pg_sql - ?N placeholders as $N */
static char *
pg_sql(const char *sql)
{
	char *out = xstrdup(sql), *p;

	for (p = out; *p != '\0'; p++)
		if (*p == '?' && ascii_isdigit((unsigned char)p[1]))
			*p = '$';
	return out;
}

struct report_query *
report_query_new(struct report_db *db, const char *sql)
{
	struct report_query *q = xcalloc(1, sizeof(*q));

	q->db = db;
	if (db->kind == REPORT_DB_PG)
		q->sql = pg_sql(sql);
	else if (sqlite3_prepare_v2(db->lite, sql, -1, &q->st, NULL) !=
	    SQLITE_OK)
		q->error = xstrdup(sqlite3_errmsg(db->lite));
	return q;
}

void
report_query_text(struct report_query *q, int idx, const char *v)
{
	if (idx < 1 || idx > REPORT_DB_MAX_PARAMS)
		return;
	if (q->db->kind == REPORT_DB_SQLITE) {
		if (q->st != NULL)
			(void)sqlite3_bind_text(q->st, idx, v, -1, SQLITE_TRANSIENT);
		return;
	}
	free(q->params[idx - 1]);
	q->params[idx - 1] = xstrdup(v);
	if (idx > q->nparams)
		q->nparams = idx;
}

void
report_query_int(struct report_query *q, int idx, int64_t v)
{
	char num[32];

	if (q->db->kind == REPORT_DB_SQLITE) {
		if (q->st != NULL)
			(void)sqlite3_bind_int64(q->st, idx, v);
		return;
	}
	(void)snprintf(num, sizeof(num), "%" PRId64, v);
	report_query_text(q, idx, num);
}

/* pg_run - execute a PostgreSQL statement once; -1 on error */
static int
pg_run(struct report_query *q)
{
	struct buf why = BUF_INIT;

	q->res = pg_statement(q->db, q->sql, q->nparams,
	    (const char *const *)q->params, &q->refused, &why);
	if (q->res == NULL) {
		free(q->error);
		q->error = xstrdup(buf_cstr(&why));
		buf_deinit(&why);
		return -1;
	}
	buf_deinit(&why);
	q->row = -1;
	return 0;
}

int
report_query_step(struct report_query *q)
{
	int rc;

	if (q->error != NULL)
		return -1;
	if (q->db->kind == REPORT_DB_SQLITE) {
		rc = sqlite3_step(q->st);
		if (rc == SQLITE_ROW)
			return 1;
		if (rc == SQLITE_DONE) {
			q->changes = sqlite3_changes(q->db->lite);
			return 0;
		}
		q->error = xstrdup(sqlite3_errmsg(q->db->lite));
		/* SQLite keeps any bytes as text: only a constraint an admin
		 * added, a type or a size refuses a row */
		rc &= 0xff;	/* the primary code of an extended one */
		q->refused = rc == SQLITE_CONSTRAINT || rc == SQLITE_MISMATCH ||
		    rc == SQLITE_TOOBIG;
		return -1;
	}
	if (q->res == NULL && pg_run(q) < 0)
		return -1;
	q->row++;
	return q->row < PQntuples(q->res) ? 1 : 0;
}

const char *
report_query_col(struct report_query *q, int i)
{
	const unsigned char *t;

	if (q->db->kind == REPORT_DB_SQLITE) {
		t = sqlite3_column_text(q->st, i);
		return t != NULL ? (const char *)t : "";
	}
	if (q->res == NULL || q->row < 0 || q->row >= PQntuples(q->res) ||
	    i >= PQnfields(q->res) || PQgetisnull(q->res, q->row, i))
		return "";
	return PQgetvalue(q->res, q->row, i);
}

int64_t
report_query_col_int(struct report_query *q, int i)
{
	if (q->db->kind == REPORT_DB_SQLITE)
		return sqlite3_column_int64(q->st, i);
	return strtoll(report_query_col(q, i), NULL, 10);
}

int64_t
report_query_changes(struct report_query *q)
{
	if (q->db->kind == REPORT_DB_SQLITE)
		return q->changes;
	return q->res != NULL ? strtoll(PQcmdTuples(q->res), NULL, 10) : 0;
}

void
report_query_reset(struct report_query *q)
{
	int i;

	if (q->db->kind == REPORT_DB_SQLITE) {
		if (q->st != NULL) {
			(void)sqlite3_reset(q->st);
			(void)sqlite3_clear_bindings(q->st);
		}
		q->changes = 0;
		if (q->st != NULL) {
			free(q->error);
			q->error = NULL;
			q->refused = false;
		}
		return;
	}
	PQclear(q->res);
	q->res = NULL;
	for (i = 0; i < q->nparams; i++) {
		free(q->params[i]);
		q->params[i] = NULL;
	}
	q->nparams = 0;
	free(q->error);
	q->error = NULL;
	q->refused = false;
}

bool
report_query_refused(const struct report_query *q)
{
	return q->error != NULL && q->refused;
}

const char *
report_query_error(const struct report_query *q)
{
	return q->error != NULL ? q->error : "";
}

bool
report_query_prepared(const struct report_query *q)
{
	return q->db->kind != REPORT_DB_SQLITE || q->st != NULL;
}

void
report_query_free(struct report_query **qp)
{
	struct report_query *q = *qp;
	int i;

	if (q == NULL)
		return;
	if (q->st != NULL)
		(void)sqlite3_finalize(q->st);
	PQclear(q->res);
	for (i = 0; i < REPORT_DB_MAX_PARAMS; i++)
		free(q->params[i]);
	free(q->sql);
	free(q->error);
	free(q);
	*qp = NULL;
}
