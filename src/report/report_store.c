/*
 * report_store.c - the aggregate-report store on SQLite or PostgreSQL
 * (through report_db.h): schema, version check, inserts.
 *
 *   (report_store_spec_ok, is "sqlite:PATH" well formed: report_spec.c)
 *   report_store_open     open or create (WAL, tables, schema version,
 *                         the store's identity)
 *   report_store_open_existing  the same for a store that must exist
 *   report_store_id       that identity, for the names of its reports
 *   report_store_check    can it be opened, without creating anything
 *   report_store_access   may this process write a sqlite: store's files
 *   report_store_prepare  make the store's directory for the daemon's user
 *   report_store_insert   rows in one transaction
 *   report_store_close    close the handle
 *
 * Errors come back as text appended to a buffer; nothing here logs. The
 * caller owns the handle; one thread uses it at a time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/log.h"
#include "report/report_db.h"
#include "report/report_name.h"
#include "report/report_schema.h"
#include "report/report_store.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct report_store {
	struct report_db *db;
	struct report_query *insert;
	struct report_query *batch_seen, *batch_mark;
	struct report_query *reported;	/* is a period reported already? */
	struct report_query *ahead;	/* any report of a period not over? */
	int64_t next_prune;	/* Unix time of the next prune of batch ids */
	char id[REPORT_UNIQUE_MAX + 1];	/* store_identity */
};

#define STORE_ID_BYTES 8	/* a new store's identity: 64 random bits */

static const char insert_sql[] =
	"INSERT INTO messages (arrival, queue_id, source_ip, header_from,"
	" envelope_from, policy_domain, p, sp, np, adkim, aspf, testing, psd,"
	" fo, pct, rua, ruf, discovery, dmarc_result, dkim_aligned, spf_aligned,"
	" disposition, override_type, override_comment, spf_domain, spf_scope,"
	" spf_result, dkim) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
	"?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28)";

static const char batch_seen_sql[] =
	"SELECT 1 FROM written_batches WHERE id = ?1";
static const char batch_mark_sql[] =
	"INSERT INTO written_batches (id, written_at) VALUES (?1, ?2)";
static const char reported_sql[] =
	"SELECT 1 FROM reports WHERE policy_domain = ?1 AND period_begin = ?2"
	" AND state <> 'failed'";
/* a report of a period that has not ended by our clock: the report job's
 * clock was ahead of ours (ours stepped back, or another host's runs
 * fast). Asked once a batch, and nearly always nothing matches: through
 * the index reports_end, not a scan of every report kept (25 ms a batch
 * at 10,000 domains and 31 days) */
const char report_store_ahead_sql[] =
	"SELECT 1 FROM reports WHERE period_end > ?1 AND state <> 'failed'"
	" LIMIT 1";
/* hops a row may be moved on past reported periods (each a look-up) */
#define REPORT_LATE_HOPS 64
static const char batch_prune_sql[] =
	"DELETE FROM written_batches WHERE written_at < ?1";
static const char store_id_get_sql[] =
	"SELECT id FROM store_identity WHERE one = 1";
static const char store_id_put_sql[] =
	"INSERT INTO store_identity (one, id) VALUES (1, ?1)"
	" ON CONFLICT DO NOTHING";

/* sqlite_path - the PATH of "sqlite:PATH", or NULL */
static const char *
sqlite_path(const char *spec)
{
	if (report_db_kind_of(spec) != REPORT_DB_SQLITE || spec[7] == '\0')
		return NULL;
	return spec + 7;
}

/* schema_version - the stored version: 0 when none, -1 on error */
static int
schema_version(struct report_db *db, struct buf *why)
{
	struct report_query *q = report_query_new(db,
	    "SELECT version FROM schema_version");
	int rc, v = 0;

	rc = report_query_step(q);
	if (rc < 0) {
		buf_printf(why, "%s", report_query_error(q));
		v = -1;
	} else if (rc > 0)
		v = (int)report_query_col_int(q, 0);
	report_query_free(&q);
	return v;
}

/* hex_of - b[0..n) as 2n lower-case hex digits and a NUL into out: the
 * form of batch ids and store identities */
static void
hex_of(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * n] = '\0';
}

/* stored_id - the store's identity into id (REPORT_UNIQUE_MAX + 1
 * bytes): 1 when there is a usable one, 0 when none, -1 on error or an
 * identity unusable in a name (why filled) */
static int
stored_id(struct report_db *db, char *id, struct buf *why)
{
	struct report_query *q = report_query_new(db, store_id_get_sql);
	int rc = report_query_step(q);

	if (rc < 0)
		buf_printf(why, "%s", report_query_error(q));
	else if (rc > 0 && !report_unique_ok(report_query_col(q, 0))) {
		buf_printf(why, "store identity \"%.80s\" is not 1 to %d letters "
		    "and digits", report_query_col(q, 0), REPORT_UNIQUE_MAX);
		rc = -1;
	} else if (rc > 0)
		(void)snprintf(id, REPORT_UNIQUE_MAX + 1, "%s",
		    report_query_col(q, 0));	/* fits: checked above */
	report_query_free(&q);
	return rc;
}

/* new_store_id - STORE_ID_BYTES from the kernel, in hex. Unlike a batch
 * id this waits for the kernel's randomness at early boot instead of
 * falling back on the clock: the identity lasts as long as the store,
 * and two hosts started at once must not draw the same one. */
static bool
new_store_id(char id[2 * STORE_ID_BYTES + 1], struct buf *why)
{
	unsigned char b[STORE_ID_BYTES];
	ssize_t n;

	while ((n = getrandom(b, sizeof(b), 0)) < 0 && errno == EINTR)
		continue;
	if (n != (ssize_t)sizeof(b)) {
		buf_printf(why, "getrandom: %s", n < 0 ? strerror(errno) :
		    "short read");
		return false;
	}
	hex_of(b, sizeof(b), id);
	return true;
}

/*
 * store_identity - the store's identity into id, drawn when it has none
 * (a new store, or one made before identities). Insert-if-absent, then
 * read back: of several processes or hosts opening a new store at once,
 * whichever inserts first wins and all read the same row (the fixed key
 * makes a second insert a no-op, even without create_schema's locks).
 */
static bool
store_identity(struct report_db *db, char *id, struct buf *why)
{
	char fresh[2 * STORE_ID_BYTES + 1];
	struct report_query *q;
	int rc = stored_id(db, id, why);

	if (rc != 0)
		return rc > 0;
	if (!new_store_id(fresh, why))
		return false;
	q = report_query_new(db, store_id_put_sql);
	report_query_text(q, 1, fresh);
	rc = report_query_step(q);
	if (rc < 0)
		buf_printf(why, "%s", report_query_error(q));
	report_query_free(&q);
	if (rc < 0 || (rc = stored_id(db, id, why)) < 0)
		return false;
	if (rc == 0)
		buf_append_str(why, "store identity not kept");
	return rc > 0;
}

/* schema_object - the name report_schema_sql[i] makes ("CREATE TABLE IF
 * NOT EXISTS name ..." or the same with INDEX) into out */
static void
schema_object(const char *sql, char *out, size_t size)
{
	const char *p = strstr(sql, "EXISTS ");
	size_t n = 0;

	p = p != NULL ? p + strlen("EXISTS ") : sql;
	while (p[n] != '\0' && p[n] != ' ' && p[n] != '(' && n + 1 < size)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* schema_has - 1 when the store has a table or index of that name (in
 * PostgreSQL, where the connection's search_path finds it), 0 when not,
 * -1 on error */
static int
schema_has(struct report_db *db, const char *name, struct buf *why)
{
	struct report_query *q = report_query_new(db,
	    report_db_kind(db) == REPORT_DB_PG ?
	    "SELECT 1 WHERE to_regclass(?1) IS NOT NULL" :
	    "SELECT 1 FROM sqlite_master WHERE name = ?1");
	int rc;

	report_query_text(q, 1, name);
	rc = report_query_step(q);
	if (rc < 0)
		buf_printf(why, "%s", report_query_error(q));
	report_query_free(&q);
	return rc < 0 ? -1 : rc > 0;
}

/* create_schema - tables, version and the store's identity (into id),
 * in one transaction (PostgreSQL: under an advisory lock, so two daemons
 * starting at once do not race on CREATE TABLE). Only what is missing
 * is made: in PostgreSQL even CREATE ... IF NOT EXISTS of something that
 * exists needs the right to create in the schema (or to own the table,
 * for an index), which a role given only SELECT, INSERT, UPDATE and
 * DELETE on tables its admin made does not have. */
static bool
create_schema(struct report_db *db, char *id, struct buf *why)
{
	size_t i;
	int v;

	if (!report_db_begin(db, why))
		return false;
	if (report_db_kind(db) == REPORT_DB_PG &&
	    !report_db_exec(db, "SELECT pg_advisory_xact_lock(9990)", why))
		goto fail;
	for (i = 0; report_schema_sql[i] != NULL; i++) {
		char name[64];
		int has;

		schema_object(report_schema_sql[i], name, sizeof(name));
		if ((has = schema_has(db, name, why)) < 0)
			goto fail;
		if (has == 0 && !report_db_exec(db, report_schema_sql[i], why)) {
			buf_printf(why, " (making %s)", name);
			goto fail;
		}
	}
	v = schema_version(db, why);
	if (v < 0)
		goto fail;
	if (v == 0) {
		char sql[80];

		(void)snprintf(sql, sizeof(sql),
		    "INSERT INTO schema_version VALUES (%d)", REPORT_SCHEMA_VERSION);
		if (!report_db_exec(db, sql, why))
			goto fail;
	} else if (v != REPORT_SCHEMA_VERSION) {
		buf_printf(why, "schema version %d, this program knows %d", v,
		    REPORT_SCHEMA_VERSION);
		goto fail;
	}
	if (!store_identity(db, id, why))
		goto fail;
	return report_db_commit(db, why);
fail:
	report_db_rollback(db);
	return false;
}

/* store_open - report_store_open, making a missing sqlite: file only
 * when create */
static struct report_store *
store_open(const char *spec, const struct report_db_opts *o, bool create,
    struct buf *why)
{
	char id[REPORT_UNIQUE_MAX + 1];
	struct report_store *st;
	struct report_db *db;
	const char *path = sqlite_path(spec);

	if (!create && path != NULL && access(path, F_OK) != 0) {
		buf_printf(why, "%s: %s (authmilter makes the store when it "
		    "starts)", path, strerror(errno));
		return NULL;
	}
	/* SQLite says "unable to open database file (No such file or
	 * directory)" for a directory this user cannot write: say what is
	 * wrong instead */
	if (!report_store_access(spec, false, why))
		return NULL;
	db = report_db_open(spec, o, create ? REPORT_DB_MAKE : REPORT_DB_USE,
	    why);
	if (db == NULL)
		return NULL;
	if (!create_schema(db, id, why)) {
		report_db_close(&db);
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->db = db;
	(void)snprintf(st->id, sizeof(st->id), "%s", id);	/* same size */
	return st;
}

struct report_store *
report_store_open(const char *spec, const struct report_db_opts *o,
    struct buf *why)
{
	return store_open(spec, o, true, why);
}

struct report_store *
report_store_open_existing(const char *spec, const struct report_db_opts *o,
    struct buf *why)
{
	return store_open(spec, o, false, why);
}

const char *
report_store_id(const struct report_store *st)
{
	return st->id;
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

bool
report_store_access(const char *spec, bool dir_made_at_start,
    struct buf *why)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	const char *path = sqlite_path(spec);
	struct buf file = BUF_INIT;
	char *dir;
	bool ok = true;
	size_t i;

	if (path == NULL)
		return true;
	dir = parent_dir(path);
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0 &&
	    !(errno == ENOENT && dir_made_at_start)) {
		/* WAL mode makes PATH-wal and PATH-shm beside PATH */
		buf_printf(why, "cannot make the store's files in %s: %s", dir,
		    strerror(errno));
		ok = false;
	}
	for (i = 0; ok && i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		buf_truncate(&file, 0);
		buf_printf(&file, "%s%s", path, suffixes[i]);
		if (faccessat(AT_FDCWD, buf_cstr(&file), R_OK | W_OK,
		    AT_EACCESS) != 0 && errno != ENOENT) {
			buf_printf(why, "cannot write %s: %s", buf_cstr(&file),
			    strerror(errno));
			ok = false;
		}
	}
	buf_deinit(&file);
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
report_store_check(const char *spec, const struct report_db_opts *o,
    struct buf *why)
{
	const char *path = sqlite_path(spec);
	struct report_db *db;
	bool ok;
	int v;

	if (report_db_kind_of(spec) == REPORT_DB_SQLITE && path == NULL) {
		buf_printf(why, "%s: not a store name", spec);
		return false;
	}
	if (path != NULL && access(path, F_OK) != 0)
		return dir_usable(path, why);
	db = report_db_open(spec, o, REPORT_DB_LOOK, why);
	if (db == NULL)
		return false;
	v = schema_version(db, why);
	/* PostgreSQL: tables not made yet are made on first use */
	ok = v == REPORT_SCHEMA_VERSION || (report_db_kind(db) == REPORT_DB_PG
	    && v < 0 && strstr(buf_cstr(why), "does not exist") != NULL);
	if (v >= 0 && !ok)
		buf_printf(why, "schema version %d, this program knows %d", v,
		    REPORT_SCHEMA_VERSION);
	report_db_close(&db);
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
	report_query_free(&st->insert);
	report_query_free(&st->batch_seen);
	report_query_free(&st->batch_mark);
	report_query_free(&st->reported);
	report_query_free(&st->ahead);
	report_db_close(&st->db);
	free(st);
	*sp = NULL;
}

struct report_db *
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

/* bind_row - the row's values into the insert statement, with arrival
 * in place of the row's own */
static void
bind_row(struct report_query *q, const struct report_row *r,
    int64_t arrival, struct buf *dkim)
{
	const char *text[] = { r->queue_id, r->source_ip, r->header_from,
		r->envelope_from, r->policy_domain, r->p, r->sp, r->np, r->adkim,
		r->aspf, r->testing, r->psd, r->fo };
	const char *text1[] = { r->rua, r->ruf, r->discovery, r->dmarc_result };
	const char *text2[] = { r->disposition, r->override_type,
		r->override_comment, r->spf_domain, r->spf_scope, r->spf_result };
	int col = 1;
	size_t i;

	buf_truncate(dkim, 0);
	report_row_dkim_text(r, dkim);
	report_query_int(q, col++, arrival);
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		report_query_text(q, col++, text[i]);
	report_query_int(q, col++, r->pct);
	for (i = 0; i < sizeof(text1) / sizeof(text1[0]); i++)
		report_query_text(q, col++, text1[i]);
	report_query_int(q, col++, r->dkim_aligned);
	report_query_int(q, col++, r->spf_aligned);
	for (i = 0; i < sizeof(text2) / sizeof(text2[0]); i++)
		report_query_text(q, col++, text2[i]);
	report_query_text(q, col++, buf_cstr(dkim));
}

/* drop_unprepared - free the kept statements that did not prepare, so
 * this batch prepares them again: one made when the store was locked or
 * unreadable for a moment failed every later use on this handle (the
 * late-row look-ups quietly, as a store that cannot say). Once a batch,
 * not at each use: a failing prepare can wait out the busy timeout, and
 * a batch looks up once a row */
static void
drop_unprepared(struct report_store *st)
{
	struct report_query **kept[] = { &st->insert, &st->batch_seen,
		&st->batch_mark, &st->reported, &st->ahead };
	size_t i;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (*kept[i] != NULL && !report_query_prepared(*kept[i]))
			report_query_free(kept[i]);
}

/* batch_recorded - 1 when batch_id is in written_batches, 0 when not,
 * -1 on error (why filled) */
static int
batch_recorded(struct report_store *st, const char *batch_id, struct buf *why)
{
	int rc;

	if (st->batch_seen == NULL)
		st->batch_seen = report_query_new(st->db, batch_seen_sql);
	report_query_reset(st->batch_seen);
	report_query_text(st->batch_seen, 1, batch_id);
	rc = report_query_step(st->batch_seen);
	if (rc < 0)
		buf_printf(why, "%s", report_query_error(st->batch_seen));
	report_query_reset(st->batch_seen);
	return rc;
}

/* lookup_failed - keep the first failed look-up's reason in *err: when
 * it lost the connection, the insert fails at BEGIN, and this is why */
static void
lookup_failed(struct report_query *q, struct buf *err)
{
	if (err->len == 0)
		buf_printf(err, "%s", report_query_error(q));
}

/* reported - 1 when (domain, begin) has a report made or being made (not
 * one that failed: the job makes that again), 0 when not, -1 when the
 * store cannot say (a role without SELECT on reports; reason in *err) */
static int
reported(struct report_store *st, const char *domain, int64_t begin,
    struct buf *err)
{
	int rc;

	if (st->reported == NULL)
		st->reported = report_query_new(st->db, reported_sql);
	report_query_reset(st->reported);
	report_query_text(st->reported, 1, domain);
	report_query_int(st->reported, 2, begin);
	rc = report_query_step(st->reported);
	if (rc < 0)
		lookup_failed(st->reported, err);
	report_query_reset(st->reported);
	return rc;
}

/* job_ahead - true when a period that has not ended at now (period_len
 * seconds) was reported already: the report job's clock is ahead of ours */
static bool
job_ahead(struct report_store *st, int64_t now, int64_t period_len,
    struct buf *err)
{
	int rc;

	if (period_len <= 0)
		return false;
	if (st->ahead == NULL)
		st->ahead = report_query_new(st->db,
		    report_store_ahead_sql);
	report_query_reset(st->ahead);
	report_query_int(st->ahead, 1, now - now % period_len);
	rc = report_query_step(st->ahead);
	if (rc < 0)
		lookup_failed(st->ahead, err);
	report_query_reset(st->ahead);
	return rc > 0;
}

/*
 * arrival_to_store - the arrival to store for r: its own, unless its
 * period (period_len seconds, as the report job cuts them) was reported
 * already: that report will not be made again, so the row goes into
 * now's period, or, when that one was reported too (the job's clock was
 * ahead: ours was stepped back after the job ran, or the job runs on a
 * host whose clock is fast), into the first period after it not
 * reported yet; else the row would be in no report. Periods from now's
 * on are looked up only when ahead (job_ahead) says one of them can have
 * a report. A store that cannot say keeps the row's own arrival.
 */
static int64_t
arrival_to_store(struct report_store *st, const struct report_row *r,
    int64_t now, int64_t period_len, bool ahead, struct buf *err)
{
	int64_t t = r->arrival, begin, now_begin;
	int hops;

	if (period_len <= 0 || r->arrival < 0 || now < 0)
		return r->arrival;
	now_begin = now - now % period_len;
	for (hops = 0; hops < REPORT_LATE_HOPS; hops++) {
		begin = t - t % period_len;
		if (begin >= now_begin && !ahead)
			return t;
		if (reported(st, r->policy_domain, begin, err) <= 0)
			return t;
		t = begin < now_begin ? now : begin + period_len;
	}
	return t;
}

/* step_once - run q once; false with why filled (and *refused set when
 * the store refused the values) */
static bool
step_once(struct report_query *q, bool *refused, struct buf *why)
{
	bool ok = report_query_step(q) == 0;

	if (!ok) {
		buf_printf(why, "%s", report_query_error(q));
		*refused = report_query_refused(q);
	}
	report_query_reset(q);
	return ok;
}

/* prune_batch_ids - at most once an hour, forget batch ids older than
 * REPORT_BATCH_KEEP_SEC: one a batch would otherwise grow the table by
 * a row every 100 ms on a busy host. Outside the insert's transaction,
 * and a failure (a role without DELETE) only logged: it must not stop
 * the rows. */
static void
prune_batch_ids(struct report_store *st, int64_t now)
{
	struct report_query *q;

	if (now < st->next_prune)
		return;
	st->next_prune = now + REPORT_BATCH_PRUNE_SEC;
	q = report_query_new(st->db, batch_prune_sql);
	report_query_int(q, 1, now - REPORT_BATCH_KEEP_SEC);
	if (report_query_step(q) != 0)
		log_warn("report store: cannot forget old batch ids: %s",
		    report_query_error(q));
	report_query_free(&q);
}

enum report_insert
report_store_insert(struct report_store *st,
    const struct report_row *const *rows, size_t n, const char *batch_id,
    int64_t now, int64_t period_len, size_t *late_r, struct buf *why)
{
	struct buf dkim = BUF_INIT, look = BUF_INIT;
	size_t why_start = why->len;
	bool ok = true, refused = false, ahead;
	int64_t *arrival;
	size_t i;
	int seen;

	*late_r = 0;
	drop_unprepared(st);
	if (st->insert == NULL)
		st->insert = report_query_new(st->db, insert_sql);
	if (st->batch_mark == NULL)
		st->batch_mark = report_query_new(st->db, batch_mark_sql);
	prune_batch_ids(st, now);
	/* before the transaction: a failed look-up must not abort it */
	arrival = xreallocarray(NULL, n > 0 ? n : 1, sizeof(*arrival));
	ahead = n > 0 && job_ahead(st, now, period_len, &look);
	for (i = 0; i < n; i++) {
		arrival[i] = arrival_to_store(st, rows[i], now, period_len,
		    ahead, &look);
		if (arrival[i] != rows[i]->arrival)
			(*late_r)++;
	}
	if (!report_db_begin(st->db, why)) {
		if (look.len > 0) {	/* a look-up lost the connection */
			buf_truncate(why, why_start);
			buf_printf(why, "%s", buf_cstr(&look));
		}
		buf_deinit(&look);
		free(arrival);
		return REPORT_INSERT_FAILED;
	}
	buf_deinit(&look);
	seen = batch_recorded(st, batch_id, why);
	if (seen != 0) {
		free(arrival);
		report_db_rollback(st->db);
		return seen > 0 ? REPORT_INSERT_EARLIER : REPORT_INSERT_FAILED;
	}
	for (i = 0; ok && i < n; i++) {
		bind_row(st->insert, rows[i], arrival[i], &dkim);
		ok = step_once(st->insert, &refused, why);
	}
	free(arrival);
	buf_deinit(&dkim);
	if (ok) {
		report_query_text(st->batch_mark, 1, batch_id);
		report_query_int(st->batch_mark, 2, now);
		ok = step_once(st->batch_mark, &refused, why);
		refused = false;	/* the id is ours: not a row's fault */
	}
	if (!ok) {
		report_db_rollback(st->db);
		return refused ? REPORT_INSERT_REFUSED : REPORT_INSERT_FAILED;
	}
	return report_db_commit(st->db, why) ? REPORT_INSERT_DONE :
	    REPORT_INSERT_FAILED;
}

void
report_store_batch_id(char id[REPORT_BATCH_ID_SIZE])
{
	static _Atomic uint64_t counter;
	unsigned char b[16];
	struct timespec ts;
	size_t i;

	/* never waits (early boot): the fallback is unique enough */
	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		uint64_t c = ++counter, t;

		(void)clock_gettime(CLOCK_REALTIME, &ts);
		t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		for (i = 0; i < 8; i++) {
			b[i] = (unsigned char)(t >> (8 * i));
			b[8 + i] = (unsigned char)((c ^ (uint64_t)getpid() << 32) >>
			    (8 * i));
		}
	}
	hex_of(b, sizeof(b), id);
}
