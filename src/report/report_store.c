/*
 * report_store.c - the aggregate-report store on SQLite.
 *
 *   report_store_spec_ok  is "sqlite:PATH" well formed
 *   report_store_open     open or create (WAL, tables, schema version)
 *   report_store_check    can it be opened, without creating anything
 *   report_store_prepare  make the store's directory for the daemon's user
 *   report_store_insert   rows in one transaction
 *   report_store_close    close the handle
 *
 * Errors come back as text appended to a buffer; nothing here logs. The
 * caller owns the handle; one thread uses it at a time.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_schema.h"
#include "report/report_store.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define STORE_BUSY_MS 2000	/* wait for another writer's lock */

struct report_store {
	sqlite3 *db;
	sqlite3_stmt *insert;
};

static const char insert_sql[] =
	"INSERT INTO messages (arrival, queue_id, source_ip, header_from,"
	" envelope_from, policy_domain, p, sp, np, adkim, aspf, testing, psd,"
	" fo, pct, rua, ruf, discovery, dmarc_result, dkim_aligned, spf_aligned,"
	" disposition, override_type, override_comment, spf_domain, spf_scope,"
	" spf_result, dkim) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
	"?,?,?,?,?,?,?)";

/* sqlite_path - the PATH of "sqlite:PATH", or NULL */
static const char *
sqlite_path(const char *spec)
{
	if (spec == NULL || ascii_strncasecmp(spec, "sqlite:", 7) != 0 ||
	    spec[7] == '\0')
		return NULL;
	return spec + 7;
}

const char *
report_store_spec_ok(const char *spec)
{
	if (sqlite_path(spec) == NULL)
		return "use sqlite:PATH (an absolute file name)";
	if (spec[7] != '/')
		return "the SQLite file name must be absolute";
	return NULL;
}

/* exec - run one statement; false with the reason in why */
static bool
exec(sqlite3 *db, const char *sql, struct buf *why)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
		return true;
	buf_printf(why, "%s", err != NULL ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	return false;
}

/* schema_version - the stored version: 0 when none, -1 on error */
static int
schema_version(sqlite3 *db, struct buf *why)
{
	sqlite3_stmt *st = NULL;
	int v = 0;

	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_version",
	    -1, &st, NULL) != SQLITE_OK) {
		buf_printf(why, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	(void)sqlite3_finalize(st);
	return v;
}

/* create_schema - tables and version, in one transaction */
static bool
create_schema(sqlite3 *db, struct buf *why)
{
	size_t i;
	int v;

	if (!exec(db, "BEGIN IMMEDIATE", why))
		return false;
	for (i = 0; report_schema_sql[i] != NULL; i++)
		if (!exec(db, report_schema_sql[i], why))
			goto fail;
	v = schema_version(db, why);
	if (v < 0)
		goto fail;
	if (v == 0) {
		char sql[80];

		(void)snprintf(sql, sizeof(sql),
		    "INSERT INTO schema_version VALUES (%d)", REPORT_SCHEMA_VERSION);
		if (!exec(db, sql, why))
			goto fail;
	} else if (v != REPORT_SCHEMA_VERSION) {
		buf_printf(why, "schema version %d, this program knows %d", v,
		    REPORT_SCHEMA_VERSION);
		goto fail;
	}
	return exec(db, "COMMIT", why);
fail:
	(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

struct report_store *
report_store_open(const char *spec, struct buf *why)
{
	const char *path = sqlite_path(spec);
	struct report_store *st;
	sqlite3 *db = NULL;

	if (path == NULL) {
		buf_printf(why, "%s: not a store name", spec ? spec : "(none)");
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(why, "%s: %s", path, db ? sqlite3_errmsg(db) :
		    "cannot open");
		(void)sqlite3_close(db);
		return NULL;
	}
	(void)sqlite3_busy_timeout(db, STORE_BUSY_MS);
	buf_printf(why, "%s: ", path);
	if (!exec(db, "PRAGMA journal_mode=WAL", why) ||
	    !exec(db, "PRAGMA synchronous=NORMAL", why) ||
	    !create_schema(db, why)) {
		(void)sqlite3_close(db);
		return NULL;
	}
	buf_truncate(why, 0);
	st = xcalloc(1, sizeof(*st));
	st->db = db;
	return st;
}

/* parent_dir - the directory part of path, malloc'd ("/" for "/x") */
static char *
parent_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash != NULL && slash != dir)
		*slash = '\0';
	else if (slash != NULL)
		slash[1] = '\0';
	return dir;
}

bool
report_store_prepare(const char *spec, uid_t uid, gid_t gid, struct buf *why)
{
	const char *path = sqlite_path(spec);
	char *dir;
	bool ok = true;

	if (path == NULL)
		return true;
	dir = parent_dir(path);
	if (mkdir(dir, 0750) == 0) {
		if (chown(dir, uid, gid) != 0) {
			buf_printf(why, "chown %s: %s", dir, strerror(errno));
			ok = false;
		}
	} else if (errno != EEXIST) {
		buf_printf(why, "mkdir %s: %s", dir, strerror(errno));
		ok = false;
	}
	free(dir);
	return ok;
}

/* dir_usable - can the store's file be made in dir (or dir be made, as
 * the daemon does at start-up when started as root)? */
static bool
dir_usable(const char *path, struct buf *why)
{
	char *dir = parent_dir(path), *up;
	bool ok = access(dir, W_OK | X_OK) == 0;

	if (!ok && errno == ENOENT && geteuid() == 0) {
		up = parent_dir(dir);
		ok = access(up, W_OK | X_OK) == 0;
		free(up);
	}
	if (!ok)
		buf_printf(why, "%s does not exist and its directory %s is not "
		    "writable: %s", path, dir, strerror(errno));
	free(dir);
	return ok;
}

bool
report_store_check(const char *spec, struct buf *why)
{
	const char *path = sqlite_path(spec);
	sqlite3 *db = NULL;
	bool ok;
	int v;

	if (path == NULL) {
		buf_printf(why, "%s: not a store name", spec ? spec : "(none)");
		return false;
	}
	if (access(path, F_OK) != 0)
		return dir_usable(path, why);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		buf_printf(why, "%s: %s", path, db ? sqlite3_errmsg(db) :
		    "cannot open");
		(void)sqlite3_close(db);
		return false;
	}
	(void)sqlite3_busy_timeout(db, STORE_BUSY_MS);
	buf_printf(why, "%s: ", path);
	v = schema_version(db, why);
	ok = v == REPORT_SCHEMA_VERSION;
	if (v >= 0 && !ok)
		buf_printf(why, "schema version %d, this program knows %d", v,
		    REPORT_SCHEMA_VERSION);
	(void)sqlite3_close(db);
	if (ok)
		buf_truncate(why, 0);
	return ok;
}

void
report_store_close(struct report_store **sp)
{
	struct report_store *st = *sp;

	if (st == NULL)
		return;
	(void)sqlite3_finalize(st->insert);
	(void)sqlite3_close(st->db);
	free(st);
	*sp = NULL;
}

sqlite3 *
report_store_db(struct report_store *st)
{
	return st->db;
}

void
report_row_dkim_text(const struct report_row *r, struct buf *out)
{
	unsigned i;

	for (i = 0; i < r->dkim_count && i < REPORT_MAX_DKIM; i++)
		buf_printf(out, "%s%s\t%s\t%s", i > 0 ? "\n" : "",
		    r->dkim[i].domain, r->dkim[i].selector, r->dkim[i].result);
}

/* bind_row - the row's values into the insert statement */
static bool
bind_row(sqlite3_stmt *st, const struct report_row *r, struct buf *dkim)
{
	const char *text[] = { r->queue_id, r->source_ip, r->header_from,
		r->envelope_from, r->policy_domain, r->p, r->sp, r->np, r->adkim,
		r->aspf, r->testing, r->psd, r->fo };
	const char *text1[] = { r->rua, r->ruf, r->discovery, r->dmarc_result };
	const char *text2[] = { r->disposition, r->override_type,
		r->override_comment, r->spf_domain, r->spf_scope, r->spf_result };
	int col = 1, rc = SQLITE_OK;
	size_t i;

	buf_truncate(dkim, 0);
	report_row_dkim_text(r, dkim);
	rc |= sqlite3_bind_int64(st, col++, r->arrival);
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		rc |= sqlite3_bind_text(st, col++, text[i], -1, SQLITE_STATIC);
	rc |= sqlite3_bind_int(st, col++, r->pct);
	for (i = 0; i < sizeof(text1) / sizeof(text1[0]); i++)
		rc |= sqlite3_bind_text(st, col++, text1[i], -1, SQLITE_STATIC);
	rc |= sqlite3_bind_int(st, col++, r->dkim_aligned);
	rc |= sqlite3_bind_int(st, col++, r->spf_aligned);
	for (i = 0; i < sizeof(text2) / sizeof(text2[0]); i++)
		rc |= sqlite3_bind_text(st, col++, text2[i], -1, SQLITE_STATIC);
	rc |= sqlite3_bind_text(st, col++, buf_cstr(dkim), -1, SQLITE_TRANSIENT);
	return rc == SQLITE_OK && col - 1 == REPORT_MESSAGE_COLUMNS;
}

bool
report_store_insert(struct report_store *st,
    const struct report_row *const *rows, size_t n, struct buf *why)
{
	struct buf dkim = BUF_INIT;
	size_t i;

	if (st->insert == NULL && sqlite3_prepare_v2(st->db, insert_sql, -1,
	    &st->insert, NULL) != SQLITE_OK) {
		buf_printf(why, "%s", sqlite3_errmsg(st->db));
		return false;
	}
	if (!exec(st->db, "BEGIN IMMEDIATE", why))
		return false;
	for (i = 0; i < n; i++) {
		(void)sqlite3_reset(st->insert);
		if (!bind_row(st->insert, rows[i], &dkim) ||
		    sqlite3_step(st->insert) != SQLITE_DONE) {
			buf_printf(why, "%s", sqlite3_errmsg(st->db));
			(void)sqlite3_reset(st->insert);
			(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			buf_deinit(&dkim);
			return false;
		}
	}
	(void)sqlite3_reset(st->insert);
	buf_deinit(&dkim);
	if (exec(st->db, "COMMIT", why))
		return true;
	(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return false;
}
