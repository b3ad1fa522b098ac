/* test_report_store.c - the report queue (bounded, never blocking, drop
 * counting, order kept), row text kept to UTF-8, and the SQLite store
 * (made on first use, rows inserted once per batch id, a refused row told
 * from a failing store, schema version checked, bad names refused; its
 * identity random per store, kept across opens, given to a store of an
 * earlier version, the same for processes opening a new store at once) */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "report/report_queue.h"
#include "report/report_shown.h"
#include "report/report_store.h"
#include "util/xmalloc.h"

#include "store_dir.h"

static const struct report_db_opts DB_OPTS = { 60000, "test" };

static struct report_row *
row(const char *qid)
{
	struct report_row *r = xcalloc(1, sizeof(*r));

	report_row_copy_text(r->queue_id, sizeof(r->queue_id), qid);
	return r;
}

static void
test_queue_bounded_and_counts_drops(void **state)
{
	struct report_queue *q = report_queue_new(3);
	struct report_row *rows[8], *extra;
	size_t n, i;

	(void)state;
	assert_true(report_queue_push(q, row("a")));
	assert_true(report_queue_push(q, row("b")));
	assert_true(report_queue_push(q, row("c")));
	extra = row("d");
	assert_false(report_queue_push(q, extra));	/* full: refused */
	free(extra);
	assert_int_equal(report_queue_dropped(q), 1);
	n = report_queue_pop(q, rows, 2, 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0]->queue_id, "a");
	assert_string_equal(rows[1]->queue_id, "b");
	for (i = 0; i < n; i++)
		free(rows[i]);
	n = report_queue_pop(q, rows, 8, 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0]->queue_id, "c");
	free(rows[0]);
	/* nothing queued: pop waits at most the time given */
	assert_int_equal(report_queue_pop(q, rows, 8, 10), 0);
	report_queue_close(q);
	extra = row("e");
	assert_false(report_queue_push(q, extra));	/* closed */
	free(extra);
	report_queue_free(&q);
	assert_null(q);
}

static void
test_copy_text_cuts_and_cleans(void **state)
{
	char small[4];

	(void)state;
	report_row_copy_text(small, sizeof(small), "abcdef");
	assert_string_equal(small, "abc");
	report_row_copy_text(small, sizeof(small), "a\tb");
	assert_string_equal(small, "a?b");
	report_row_copy_text(small, sizeof(small), NULL);
	assert_string_equal(small, "");
}

/* bytes that are not UTF-8 become '?' (a PostgreSQL store refuses the
 * whole row otherwise); a character that does not fit is left out whole */
static void
test_copy_text_keeps_utf8_valid(void **state)
{
	char small[4], big[16];

	(void)state;
	report_row_copy_text(big, sizeof(big), "q\xfd" "1.\xff\xc3");
	assert_string_equal(big, "q?1.??");
	report_row_copy_text(big, sizeof(big), "\xc3\xa9t\xc3\xa9");
	assert_string_equal(big, "\xc3\xa9t\xc3\xa9");
	/* an overlong '/', a surrogate, a code point past U+10FFFF */
	report_row_copy_text(big, sizeof(big), "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80");
	assert_string_equal(big, "?????????");
	/* "a" + U+20AC (3 bytes) in 3 bytes of room: the euro sign is cut */
	report_row_copy_text(small, sizeof(small), "a\xe2\x82\xac");
	assert_string_equal(small, "a");
	report_row_copy_text(small, sizeof(small), "\xc3\xa9\xc3\xa9");
	assert_string_equal(small, "\xc3\xa9");
}

/* count_of - rows in a table of the store */
static int64_t
count_of(struct report_store *st, const char *table)
{
	char sql[64];

	(void)snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return store_value(report_store_db(st), sql);
}

static void
test_store_create_insert(void **state)
{
	char spec[256], path[128];
	struct report_row *r[2];
	struct report_store *st;
	struct buf why = BUF_INIT;
	struct report_query *q;
	char id[REPORT_BATCH_ID_SIZE], id2[REPORT_BATCH_ID_SIZE];
	char id3[REPORT_BATCH_ID_SIZE];
	size_t late;

	(void)state;
	(void)snprintf(path, sizeof(path), "%s/r.db", store_dir);
	(void)snprintf(spec, sizeof(spec), "sqlite:%s", path);
	assert_true(report_store_check(spec, &DB_OPTS, &why));	/* can be made */
	assert_int_equal(access(path, F_OK), -1);	/* but was not */
	st = report_store_open(spec, &DB_OPTS, &why);
	assert_non_null(st);
	r[0] = row("q1");
	r[1] = row("q2");
	r[1]->dkim_count = 2;
	strcpy(r[1]->dkim[0].domain, "a.example");
	strcpy(r[1]->dkim[0].selector, "s");
	strcpy(r[1]->dkim[0].result, "pass");
	strcpy(r[1]->dkim[1].domain, "b.example");
	strcpy(r[1]->dkim[1].selector, "t");
	strcpy(r[1]->dkim[1].result, "fail");
	report_store_batch_id(id);
	assert_int_equal(strlen(id), REPORT_BATCH_ID_SIZE - 1);
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)r, 2, id, 1000, 0, &late, &why),
	    REPORT_INSERT_DONE);
	/* the same batch again (its COMMIT's answer lost): not written twice */
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)r, 2, id, 1001, 0, &late, &why),
	    REPORT_INSERT_EARLIER);
	q = report_query_new(report_store_db(st),
	    "SELECT count(*), max(dkim) FROM messages");
	assert_int_equal(report_query_step(q), 1);
	assert_int_equal(report_query_col_int(q, 0), 2);
	assert_string_equal(report_query_col(q, 1),
	    "a.example\ts\tpass\nb.example\tt\tfail");
	report_query_free(&q);
	/* a row the store refuses (an admin's trigger): nothing written, and
	 * said so apart from a store that fails */
	assert_true(report_db_exec(report_store_db(st), "CREATE TRIGGER"
	    " no_poison BEFORE INSERT ON messages WHEN NEW.queue_id = 'POISON'"
	    " BEGIN SELECT RAISE(ABORT, 'poisoned row'); END", &why));
	strcpy(r[1]->queue_id, "POISON");
	report_store_batch_id(id2);
	assert_string_not_equal(id, id2);
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)r, 2, id2, 1002, 0, &late, &why),
	    REPORT_INSERT_REFUSED);
	assert_non_null(strstr(buf_cstr(&why), "poisoned row"));
	buf_truncate(&why, 0);
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)r, 1, id2, 1002, 0, &late, &why),
	    REPORT_INSERT_DONE);
	assert_int_equal(count_of(st, "messages"), 3);
	/* a day and an hour on, the ids of the two batches written are
	 * forgotten before the next batch's is recorded */
	report_store_batch_id(id3);
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)r, 1, id3,
	    1002 + REPORT_BATCH_KEEP_SEC + REPORT_BATCH_PRUNE_SEC, 0, &late,
	    &why),
	    REPORT_INSERT_DONE);
	assert_int_equal(count_of(st, "written_batches"), 1);
	q = report_query_new(report_store_db(st),
	    "SELECT id FROM written_batches");
	assert_int_equal(report_query_step(q), 1);
	assert_string_equal(report_query_col(q, 0), id3);
	report_query_free(&q);
	/* a store that fails is not a refusal */
	assert_true(report_db_exec(report_store_db(st),
	    "DROP TABLE written_batches", &why));
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)r, 1, id, 1003, 0, &late, &why),
	    REPORT_INSERT_FAILED);
	/* another version in the file: refused, not altered */
	assert_true(report_db_exec(report_store_db(st),
	    "UPDATE schema_version SET version = 99", &why));
	report_store_close(&st);
	assert_null(st);
	assert_false(report_store_check(spec, &DB_OPTS, &why));
	assert_non_null(strstr(buf_cstr(&why), "schema version 99"));
	buf_truncate(&why, 0);
	assert_null(report_store_open(spec, &DB_OPTS, &why));
	free(r[0]);
	free(r[1]);
	buf_deinit(&why);
}

/* spec_of - "sqlite:DIR/name" of the test's directory into spec */
static void
spec_of(char *spec, size_t size, const char *name)
{
	/* truncation cannot happen: the directory name is short */
	(void)snprintf(spec, size, "sqlite:%s/%s", store_dir, name);
}

/* late_row - a row of policy domain dom that arrived at t */
static struct report_row *
late_row(const char *qid, const char *dom, int64_t t)
{
	struct report_row *r = row(qid);

	report_row_copy_text(r->policy_domain, sizeof(r->policy_domain), dom);
	r->arrival = t;
	return r;
}

/* arrival_of - the stored arrival of the row with queue id qid */
static int64_t
arrival_of(struct report_store *st, const char *qid)
{
	struct report_query *q = report_query_new(report_store_db(st),
	    "SELECT arrival FROM messages WHERE queue_id = ?1");
	int64_t t;

	report_query_text(q, 1, qid);
	assert_int_equal(report_query_step(q), 1);
	t = report_query_col_int(q, 0);
	report_query_free(&q);
	return t;
}

/* A row that comes after its period was reported (a writer that held it
 * past the report) is stored in the current period, so the next report
 * has it; a row of a period not reported yet, of another domain, of the
 * current period or of a report that failed (made again) keeps its
 * arrival, and so does every row when the store cannot say (no reports
 * table to read). */
static void
test_late_rows(void **state)
{
	const int64_t day = 86400, now = 20 * day + 600;
	char spec[256], id[REPORT_BATCH_ID_SIZE];
	struct report_row *r[5];
	struct report_store *st;
	struct buf why = BUF_INIT;
	size_t late, i;

	(void)state;
	spec_of(spec, sizeof(spec), "r.db");
	st = report_store_open(spec, &DB_OPTS, &why);
	assert_non_null(st);
	/* yesterday's report of a.example went out */
	assert_true(report_db_exec(report_store_db(st), "INSERT INTO reports"
	    " (policy_domain, period_begin, period_end, state, claimed_by,"
	    " claimed_at, report_id) VALUES ('a.example', 1641600, 1728000,"
	    " 'sent', 'job', 1728300, 'rid'), ('c.example', 1641600, 1728000,"
	    " 'failed', 'job', 1728300, 'rid2')", &why));
	r[0] = late_row("late", "a.example", 19 * day + 80000);
	r[1] = late_row("other", "b.example", 19 * day + 80000);
	r[2] = late_row("older", "a.example", 18 * day + 5);
	r[3] = late_row("current", "a.example", now - 100);
	r[4] = late_row("retried", "c.example", 19 * day + 80000);
	report_store_batch_id(id);
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)r, 5, id, now, day, &late, &why),
	    REPORT_INSERT_DONE);
	assert_int_equal(late, 1);
	assert_int_equal(arrival_of(st, "late"), now);
	assert_int_equal(arrival_of(st, "other"), 19 * day + 80000);
	assert_int_equal(arrival_of(st, "older"), 18 * day + 5);
	assert_int_equal(arrival_of(st, "current"), now - 100);
	/* a failed report is made again, with the row */
	assert_int_equal(arrival_of(st, "retried"), 19 * day + 80000);
	/* no period length: no check */
	strcpy(r[0]->queue_id, "unchecked");
	report_store_batch_id(id);
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)r, 1, id, now, 0, &late, &why),
	    REPORT_INSERT_DONE);
	assert_int_equal(late, 0);
	assert_int_equal(arrival_of(st, "unchecked"), 19 * day + 80000);
	/* the look-up fails: the rows are still written, as they came */
	report_store_close(&st);
	st = report_store_open(spec, &DB_OPTS, &why);
	assert_non_null(st);
	assert_true(report_db_exec(report_store_db(st), "DROP TABLE reports",
	    &why));
	strcpy(r[0]->queue_id, "unread");
	report_store_batch_id(id);
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)r, 1, id, now, day, &late, &why),
	    REPORT_INSERT_DONE);
	assert_int_equal(late, 0);
	assert_int_equal(arrival_of(st, "unread"), 19 * day + 80000);
	report_store_close(&st);
	for (i = 0; i < 5; i++)
		free(r[i]);
	buf_deinit(&why);
}

/* A look-up whose statement did not prepare once (the store locked or
 * unreadable at that moment; here its table is away) is prepared again
 * at the next batch: the failed statement was kept, and every later
 * batch on the handle skipped the late-row check as a store that cannot
 * say. */
static void
test_late_rows_after_failed_prepare(void **state)
{
	const int64_t day = 86400, now = 20 * day + 600;
	char spec[256], id[REPORT_BATCH_ID_SIZE];
	struct report_store *st;
	struct report_row *r;
	struct buf why = BUF_INIT;
	size_t late;

	(void)state;
	spec_of(spec, sizeof(spec), "p.db");
	st = report_store_open(spec, &DB_OPTS, &why);
	assert_non_null(st);
	assert_true(report_db_exec(report_store_db(st), "INSERT INTO reports"
	    " (policy_domain, period_begin, period_end, state, claimed_by,"
	    " claimed_at, report_id) VALUES ('a.example', 1641600, 1728000,"
	    " 'sent', 'job', 1728300, 'rid')", &why));
	assert_true(report_db_exec(report_store_db(st), "ALTER TABLE reports"
	    " RENAME TO reports_away", &why));
	r = late_row("unread", "a.example", 19 * day + 80000);
	report_store_batch_id(id);
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)&r, 1, id, now, day, &late, &why),
	    REPORT_INSERT_DONE);
	assert_int_equal(late, 0);
	assert_true(report_db_exec(report_store_db(st), "ALTER TABLE"
	    " reports_away RENAME TO reports", &why));
	strcpy(r->queue_id, "late");
	report_store_batch_id(id);
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)&r, 1, id, now, day, &late, &why),
	    REPORT_INSERT_DONE);
	assert_int_equal(late, 1);
	assert_int_equal(arrival_of(st, "late"), now);
	report_store_close(&st);
	free(r);
	buf_deinit(&why);
}

/* The report job's clock was ahead of the writer's (the writer's was
 * stepped back after the job ran, or the job's host runs fast): today's
 * period by the writer's clock has been reported already. A row of it
 * goes into the first period not reported yet, else no report would
 * ever carry it; a domain without such a report keeps its arrival. */
static void
test_rows_after_clock_step_back(void **state)
{
	const int64_t day = 86400, now = 20 * day + 600;
	char spec[256], id[REPORT_BATCH_ID_SIZE];
	struct report_row *r[4];
	struct report_store *st;
	struct buf why = BUF_INIT;
	size_t late, i;

	(void)state;
	spec_of(spec, sizeof(spec), "r.db");
	st = report_store_open(spec, &DB_OPTS, &why);
	assert_non_null(st);
	/* a.example: days 19 and 20 reported; c.example: days 20 and 21 */
	assert_true(report_db_exec(report_store_db(st), "INSERT INTO reports"
	    " (policy_domain, period_begin, period_end, state, claimed_by,"
	    " claimed_at, report_id) VALUES"
	    " ('a.example', 1641600, 1728000, 'sent', 'job', 1728300, 'r1'),"
	    " ('a.example', 1728000, 1814400, 'sent', 'job', 1814700, 'r2'),"
	    " ('c.example', 1728000, 1814400, 'sent', 'job', 1814700, 'r3'),"
	    " ('c.example', 1814400, 1900800, 'claimed', 'job', 1900900, 'r4')",
	    &why));
	r[0] = late_row("stepped", "a.example", now - 100);
	r[1] = late_row("other", "b.example", now - 100);
	r[2] = late_row("twice", "c.example", now - 100);
	r[3] = late_row("late", "a.example", 19 * day + 5);
	report_store_batch_id(id);
	assert_int_equal(report_store_insert(st,
	    (const struct report_row *const *)r, 4, id, now, day, &late, &why),
	    REPORT_INSERT_DONE);
	assert_int_equal(late, 3);
	assert_int_equal(arrival_of(st, "stepped"), 21 * day);
	assert_int_equal(arrival_of(st, "other"), now - 100);
	assert_int_equal(arrival_of(st, "twice"), 22 * day);
	assert_int_equal(arrival_of(st, "late"), 21 * day);
	report_store_close(&st);
	for (i = 0; i < 4; i++)
		free(r[i]);
	buf_deinit(&why);
}


/* id_of - the identity of the store at spec, copied (a fresh open) */
static void
id_of(const char *spec, char id[REPORT_BATCH_ID_SIZE])
{
	struct buf why = BUF_INIT;
	struct report_store *st = report_store_open(spec, &DB_OPTS, &why);

	if (st == NULL)
		fail_msg("%s: %s", spec, buf_cstr(&why));
	assert_true(strlen(report_store_id(st)) < REPORT_BATCH_ID_SIZE);
	strcpy(id, report_store_id(st));
	report_store_close(&st);
	buf_deinit(&why);
}

/* Every store draws an identity of its own on first open (64 random
 * bits in hex) and keeps it: reopened, it is the same; a second store
 * gets another. A store made before identities (no store_identity
 * table: exactly the tables of an earlier version) gets one at its next
 * open and keeps that; one an admin spoiled is refused, not used. */
static void
test_store_identity(void **state)
{
	char r[256], s2[256];
	char a[REPORT_BATCH_ID_SIZE], b[REPORT_BATCH_ID_SIZE];
	char c[REPORT_BATCH_ID_SIZE], d[REPORT_BATCH_ID_SIZE];
	struct report_store *st;
	struct buf why = BUF_INIT;

	(void)state;
	spec_of(r, sizeof(r), "r.db");
	spec_of(s2, sizeof(s2), "s.db");
	id_of(r, a);
	assert_int_equal(strlen(a), 16);
	assert_int_equal(strspn(a, "0123456789abcdef"), 16);
	id_of(r, b);
	assert_string_equal(a, b);		/* reopened: the same */
	id_of(s2, c);
	assert_int_equal(strlen(c), 16);
	assert_string_not_equal(a, c);		/* another store: another */
	/* as a store of an earlier version */
	st = report_store_open(r, &DB_OPTS, &why);
	assert_non_null(st);
	assert_true(report_db_exec(report_store_db(st),
	    "DROP TABLE store_identity", &why));
	report_store_close(&st);
	id_of(r, b);
	assert_int_equal(strlen(b), 16);
	assert_int_equal(strspn(b, "0123456789abcdef"), 16);
	id_of(r, d);
	assert_string_equal(b, d);		/* kept from then on */
	/* the table there but empty (an admin's DELETE): drawn again */
	st = report_store_open(r, &DB_OPTS, &why);
	assert_non_null(st);
	assert_true(report_db_exec(report_store_db(st),
	    "DELETE FROM store_identity", &why));
	report_store_close(&st);
	id_of(r, d);
	assert_int_equal(strlen(d), 16);
	/* not letters and digits: unusable in a file name, refused */
	st = report_store_open(r, &DB_OPTS, &why);
	assert_non_null(st);
	assert_true(report_db_exec(report_store_db(st),
	    "UPDATE store_identity SET id = 'a/b'", &why));
	report_store_close(&st);
	assert_null(report_store_open(r, &DB_OPTS, &why));
	assert_non_null(strstr(buf_cstr(&why), "store identity"));
	buf_deinit(&why);
}

/* Processes that open a new store at the same moment (a daemon's writer
 * and the report job at first start) agree on its identity: each child
 * waits on a pipe that the parent closes to let all go at once, opens
 * the store and writes the identity it read back. */
static void
test_store_identity_concurrent(void **state)
{
	enum { KIDS = 8 };
	char spec[256], got[KIDS][REPORT_BATCH_ID_SIZE];
	char later[REPORT_BATCH_ID_SIZE];
	int go[2], res[2], status;
	pid_t pids[KIDS];
	size_t i;

	(void)state;
	spec_of(spec, sizeof(spec), "r.db");
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(res), 0);
	for (i = 0; i < KIDS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct buf why = BUF_INIT;
			struct report_store *st;
			char line[REPORT_BATCH_ID_SIZE], c;

			(void)close(go[1]);
			(void)close(res[0]);
			if (read(go[0], &c, 1) < 0)	/* EOF: go */
				_exit(1);
			st = report_store_open(spec, &DB_OPTS, &why);
			if (st == NULL)
				(void)fprintf(stderr, "child: %s\n",
				    buf_cstr(&why));
			(void)snprintf(line, sizeof(line), "%-16.16s",
			    st != NULL ? report_store_id(st) : "open-failed");
			/* one write of 16 bytes: atomic on a pipe */
			if (write(res[1], line, 16) != 16 || st == NULL)
				_exit(1);
			report_store_close(&st);
			_exit(0);
		}
	}
	(void)close(go[0]);
	(void)close(res[1]);
	(void)close(go[1]);	/* all at once */
	for (i = 0; i < KIDS; i++) {
		size_t off = 0;
		ssize_t n;

		while (off < 16 && (n = read(res[0], got[i] + off,
		    16 - off)) > 0)
			off += (size_t)n;
		assert_int_equal(off, 16);
		got[i][16] = '\0';
	}
	(void)close(res[0]);
	for (i = 0; i < KIDS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	id_of(spec, later);
	for (i = 0; i < KIDS; i++)
		assert_string_equal(got[i], later);
}

static void
test_store_names(void **state)
{
	struct buf why = BUF_INIT;

	(void)state;
	assert_null(report_store_spec_ok("sqlite:/var/lib/x.db"));
	assert_non_null(report_store_spec_ok("sqlite:relative.db"));
	assert_non_null(report_store_spec_ok("sqlite:"));
	assert_non_null(report_store_spec_ok("mysql://x"));
	assert_null(report_store_spec_ok("postgresql://u@/db?host=/run/pg"));
	assert_null(report_store_spec_ok("postgres://h/db"));
	assert_null(report_store_open("nothing", &DB_OPTS, &why));
	assert_false(report_store_check("sqlite:/nonexistent-dir/x/r.db",
	    &DB_OPTS, &why));
	buf_deinit(&why);
}

/* getrandom, linked with --wrap: as the kernel answers, or failing as it
 * does at early boot without entropy (GRND_NONBLOCK: EAGAIN) */
static bool random_fails;
ssize_t __real_getrandom(void *buf, size_t len, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags);

ssize_t
__wrap_getrandom(void *buf, size_t len, unsigned flags)
{
	if (random_fails) {
		errno = EAGAIN;
		return -1;
	}
	return __real_getrandom(buf, len, flags);
}

/* clock_gettime, wrapped too: frozen, every id made in one tick */
static bool clock_frozen;
int __real_clock_gettime(clockid_t clk, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clk, struct timespec *ts);

int
__wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (clock_frozen) {
		ts->tv_sec = 1700000000;
		ts->tv_nsec = 0;
		return 0;
	}
	return __real_clock_gettime(clk, ts);
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Batch ids without the kernel's randomness (time, pid and a counter)
 * still differ from each other, all made in the same clock tick */
static void
test_batch_id_without_entropy(void **state)
{
	enum { N = 2000 };
	static char ids[N][REPORT_BATCH_ID_SIZE];
	size_t i;

	(void)state;
	random_fails = clock_frozen = true;
	for (i = 0; i < N; i++) {
		report_store_batch_id(ids[i]);
		assert_int_equal(strlen(ids[i]), REPORT_BATCH_ID_SIZE - 1);
		assert_int_equal(strspn(ids[i], "0123456789abcdef"),
		    REPORT_BATCH_ID_SIZE - 1);
	}
	random_fails = clock_frozen = false;
	qsort(ids, N, sizeof(ids[0]), cmp_id);
	for (i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
}

/* ReportStore as logs and -t show it: a PostgreSQL URI's passwords are
 * hidden, in the user information and in the query; the rest stays */
static void
test_store_shown_hides_passwords(void **state)
{
	static const char *const cases[][2] = {
		{ "sqlite:/var/lib/authmilter/r.db",
		  "sqlite:/var/lib/authmilter/r.db" },
		{ "postgresql://am:s3cret@db.example/reports",
		  "postgresql://am:***@db.example/reports" },
		{ "postgres://am@db.example:5432/reports",
		  "postgres://am@db.example:5432/reports" },
		{ "postgresql://db.example/reports?user=am&password=s3cret"
		  "&sslmode=require",
		  "postgresql://db.example/reports?user=am&password=***"
		  "&sslmode=require" },
		{ "postgresql://am:pa/ss@word@db/r?sslpassword=k3y",
		  "postgresql://am:***@db/r?sslpassword=***" },
		{ "POSTGRESQL://am:s3cret@[::1]/r?PassWord=x#frag",
		  "POSTGRESQL://am:***@[::1]/r?PassWord=***#frag" },
		{ "postgresql://", "postgresql://" },
		{ "postgresql://am:s3cret@", "postgresql://am:***@" },
		{ "postgresql:///r?password", "postgresql:///r?password" },
	};
	size_t i;

	(void)state;
	assert_null(report_store_shown(NULL));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *shown = report_store_shown(cases[i][0]);

		assert_string_equal(shown, cases[i][1]);
		free(shown);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_bounded_and_counts_drops),
		cmocka_unit_test(test_copy_text_cuts_and_cleans),
		cmocka_unit_test(test_copy_text_keeps_utf8_valid),
		cmocka_unit_test_setup_teardown(test_store_create_insert,
		    store_dir_setup, store_dir_teardown),
		cmocka_unit_test_setup_teardown(test_late_rows,
		    store_dir_setup, store_dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_late_rows_after_failed_prepare,
		    store_dir_setup, store_dir_teardown),
		cmocka_unit_test_setup_teardown(test_rows_after_clock_step_back,
		    store_dir_setup, store_dir_teardown),
		cmocka_unit_test_setup_teardown(test_store_identity,
		    store_dir_setup, store_dir_teardown),
		cmocka_unit_test_setup_teardown(test_store_identity_concurrent,
		    store_dir_setup, store_dir_teardown),
		cmocka_unit_test(test_store_names),
		cmocka_unit_test(test_batch_id_without_entropy),
		cmocka_unit_test(test_store_shown_hides_passwords),
	};

	return cmocka_run_group_tests_name("report_store", tests, NULL, NULL);
}
