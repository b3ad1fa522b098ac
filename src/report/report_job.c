/*
 * report_job.c - what authmilter-report does with the store.
 *
 *   report_job_run     find (policy domain, period) pairs with rows and no
 *                      report yet, claim each in the store, build the XML
 *                      (report_xml.c), gzip and wrap it (report_mime.c),
 *                      verify external destinations over DNS
 *                      (report_rua.c), send through ReportSendmail or
 *                      write it to --out, record the outcome
 *   report_job_expire  delete old rows
 *   report_job_stats   rows per policy domain
 *
 * A report is claimed by inserting its (domain, period) key into the
 * reports table before anything is sent, so two jobs never both send it;
 * the addresses it reached are kept (sent_to) so a retry after a partial
 * failure sends only to the rest. A claim older than REPORT_CLAIM_STALE
 * seconds (a job that died), or made by a job of this host whose process
 * is gone, may be taken over.
 *
 * The Report-ID and file name carry the store's identity
 * (report_store_id; report_name.c says why), so they are the same for
 * every send of a report from one store and differ between stores.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/dmarc_record.h"
#include "log/log.h"
#include "report/report_job.h"
#include "report/report_mime.h"
#include "report/report_name.h"
#include "report/report_rua.h"
#include "report/report_submit.h"
#include "report/report_verify.h"
#include "report/report_xml.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define REPORT_CLAIM_STALE 3600	/* seconds before a claim may be retaken */
/* A period is reported this long after its end, not at once: rows of its
 * last moments may still be in a writer's queue or batch (the writer
 * gathers for 100 ms; a PostgreSQL reconnect takes seconds). A row that
 * comes after its period's report anyway (a store down for longer) is
 * stored in the current period by report_store_insert. */
#define REPORT_GRACE_SEC 300

struct pending {
	char *domain;
	int64_t begin, end, rows;
};

struct outcome {
	struct buf why;		/* for the log line and the detail column */
	struct buf sent_to;	/* space-separated, as stored */
	int state;		/* 0 sent, 1 skipped, 2 failed */
};

enum { OUT_SENT = 0, OUT_SKIPPED, OUT_FAILED };

/* receiver - our domain: the domain of ReportContact */
static const char *
receiver(const struct conf *c)
{
	return strrchr(c->report_contact, '@') + 1;
}

const char report_job_period_sql[] =
	"SELECT policy_domain, count(*) FROM messages WHERE arrival >= ?1"
	" AND arrival < ?2 GROUP BY policy_domain ORDER BY policy_domain";
/* Every row the store keeps (--expire's days of them) is read at every
 * run, so this reads only the index (policy_domain, arrival), which
 * holds the two columns it needs: "+arrival" stops SQLite from taking
 * the index on arrival alone, which has no lower bound to use here and
 * made it fetch every row from the table (a run with nothing to send,
 * on a million rows: 4.3 s before, 0.8 s now). */
const char report_job_pending_sql[] =
	"SELECT policy_domain, count(*), arrival - (arrival % ?2) AS b"
	" FROM messages WHERE +arrival < ?1"
	" GROUP BY policy_domain, b ORDER BY b, policy_domain";

/* list_pending - (domain, period) pairs with rows before the limit;
 * *failed_r set when the store failed (logged): the list may be short */
static size_t
list_pending(struct report_db *db, const struct report_job_opts *o,
    struct pending **out, bool *failed_r)
{
	int64_t len = (int64_t)o->conf->report_interval_hours * 3600;
	int64_t to = o->have_period ? o->end :
	    report_complete_before(o->now - REPORT_GRACE_SEC,
	    o->conf->report_interval_hours);
	struct report_query *q;
	struct pending *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (o->have_period) {
		q = report_query_new(db, report_job_period_sql);
		report_query_int(q, 1, o->begin);
		report_query_int(q, 2, to);
	} else {
		q = report_query_new(db, report_job_pending_sql);
		report_query_int(q, 1, to);
		report_query_int(q, 2, len);
	}
	while ((rc = report_query_step(q)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].domain = xstrdup(report_query_col(q, 0));
		v[n].rows = report_query_col_int(q, 1);
		v[n].begin = o->have_period ? o->begin : report_query_col_int(q, 2);
		v[n].end = o->have_period ? o->end : v[n].begin + len;
		n++;
	}
	*failed_r = rc < 0;
	if (rc < 0)
		log_error("store: %s", report_query_error(q));
	report_query_free(&q);
	*out = v;
	return n;
}

/* report_state - the stored state of (domain, begin): "" when none;
 * copies sent_to into sent and the Report-ID it was claimed with into
 * rid; false when the store failed (logged): without the addresses
 * reached before, a retry would send to them again */
static bool
report_state(struct report_db *db, const struct pending *p, char *state,
    size_t n, struct buf *sent, struct buf *rid)
{
	struct report_query *q = report_query_new(db, "SELECT state, sent_to,"
	    " report_id FROM reports WHERE policy_domain = ?1 AND"
	    " period_begin = ?2");
	int rc;

	*state = '\0';
	report_query_text(q, 1, p->domain);
	report_query_int(q, 2, p->begin);
	if ((rc = report_query_step(q)) > 0) {
		(void)snprintf(state, n, "%s", report_query_col(q, 0));
		buf_append_str(sent, report_query_col(q, 1));
		buf_append_str(rid, report_query_col(q, 2));
	} else if (rc < 0)
		log_error("store: cannot read the report state of %s at %lld: "
		    "%s", p->domain, (long long)p->begin, report_query_error(q));
	report_query_free(&q);
	return rc >= 0;
}

/*
 * report_names - the Report-ID of p into rid, and the unique-id its file
 * name gets: the store's identity, except for a report claimed (and
 * maybe sent to some addresses) by a version that had none, whose
 * stored Report-ID is the old one: a resend keeps the old names
 * (RFC 9990: the same file name as the original).
 */
static const char *
report_names(const struct report_job_opts *o, const struct pending *p,
    const char *store_id, const char *claimed_rid, struct buf *rid)
{
	buf_truncate(rid, 0);
	report_id(rid, receiver(o->conf), p->domain, p->begin, NULL);
	if (strcmp(claimed_rid, buf_cstr(rid)) == 0)
		return NULL;
	buf_truncate(rid, 0);
	report_id(rid, receiver(o->conf), p->domain, p->begin, store_id);
	return store_id;
}

/* claimer_gone - whether the job that made a claim (its claimed_by,
 * "host:pid") ran on this host and its process is gone: it will never
 * record an outcome (killed, or its store write failed after the claim
 * was stored, which SQLite can do when the disk fills), so the claim
 * need not wait REPORT_CLAIM_STALE to be taken over. A reused pid only
 * makes it wait. */
static bool
claimer_gone(const char *by, const char *me)
{
	const char *colon = strrchr(by, ':'), *my = strrchr(me, ':');
	char *end;
	long pid;

	if (colon == NULL || my == NULL || colon - by != my - me ||
	    memcmp(by, me, (size_t)(colon - by)) != 0)
		return false;
	errno = 0;
	pid = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || pid <= 0 || pid == (long)getpid())
		return false;
	return kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

/* dead_claim - claimed_by of p's claim when claimer_gone, else "" */
static void
dead_claim(struct report_db *db, const struct pending *p,
    const struct report_job_opts *o, char *by, size_t n)
{
	struct report_query *q = report_query_new(db, "SELECT claimed_by FROM"
	    " reports WHERE policy_domain = ?1 AND period_begin = ?2 AND"
	    " state = 'claimed'");

	*by = '\0';
	report_query_text(q, 1, p->domain);
	report_query_int(q, 2, p->begin);
	if (report_query_step(q) > 0 &&
	    claimer_gone(report_query_col(q, 0), o->claimer))
		(void)snprintf(by, n, "%s", report_query_col(q, 0));
	report_query_free(&q);
}

/* claim_step - run a claiming statement: -1 on a store error (logged),
 * else 0 with *ours_r whether it took the claim */
static int
claim_step(struct report_query *q, const struct pending *p, bool *ours_r)
{
	int rc = report_query_step(q);

	*ours_r = rc == 0 && report_query_changes(q) == 1;
	if (rc < 0)
		log_error("store: cannot claim the report of %s at %lld: %s",
		    p->domain, (long long)p->begin, report_query_error(q));
	return rc < 0 ? -1 : 0;
}

/* claim - take (domain, period) for this run: CLAIM_OURS, CLAIM_TAKEN
 * (another job has it) or CLAIM_ERROR (the store failed; logged). The
 * claim is stamped with the time it is made, not the run's start: a run
 * that has been sending for an hour must not leave fresh claims that
 * look stale to the next run. */
enum claim_result { CLAIM_OURS, CLAIM_TAKEN, CLAIM_ERROR };

static enum claim_result
claim(struct report_db *db, const struct pending *p,
    const struct report_job_opts *o, const char *rid)
{
	int64_t now = (int64_t)time(NULL);
	struct report_query *q;
	char dead[HOST_NAME_MAX + 32];
	int rc;
	bool ours;

	q = report_query_new(db, "INSERT INTO reports (policy_domain,"
	    " period_begin, period_end, state, claimed_by, claimed_at, report_id)"
	    " VALUES (?1, ?2, ?3, 'claimed', ?4, ?5, ?6) ON CONFLICT DO NOTHING");
	report_query_text(q, 1, p->domain);
	report_query_int(q, 2, p->begin);
	report_query_int(q, 3, p->end);
	report_query_text(q, 4, o->claimer);
	report_query_int(q, 5, now);
	report_query_text(q, 6, rid);
	rc = claim_step(q, p, &ours);
	report_query_free(&q);
	if (rc < 0 || ours)
		return rc < 0 ? CLAIM_ERROR : CLAIM_OURS;
	/* a failed report, a claim its job left long ago, or one whose job
	 * is gone */
	dead_claim(db, p, o, dead, sizeof(dead));
	q = report_query_new(db, "UPDATE reports SET state = 'claimed',"
	    " claimed_by = ?1, claimed_at = ?2 WHERE policy_domain = ?3 AND"
	    " period_begin = ?4 AND (state = 'failed' OR (state = 'claimed'"
	    " AND (claimed_at < ?5 OR claimed_by = ?6)))");
	report_query_text(q, 1, o->claimer);
	report_query_int(q, 2, now);
	report_query_text(q, 3, p->domain);
	report_query_int(q, 4, p->begin);
	report_query_int(q, 5, now - REPORT_CLAIM_STALE);
	report_query_text(q, 6, dead);
	rc = claim_step(q, p, &ours);
	if (ours && dead[0] != '\0')
		log_info("report %s at %lld: taken over from %s, which is no "
		    "longer running", p->domain, (long long)p->begin, dead);
	report_query_free(&q);
	return rc < 0 ? CLAIM_ERROR : ours ? CLAIM_OURS : CLAIM_TAKEN;
}

/* finish - record the outcome of our claim (when it is still ours: a
 * job that took it over as stale records its own) */
static void
finish(struct report_db *db, const struct pending *p,
    const struct report_job_opts *o, const struct outcome *out)
{
	static const char *const words[] = { "sent", "skipped", "failed" };
	struct report_query *q;

	q = report_query_new(db, "UPDATE reports SET state = ?1, done_at = ?2,"
	    " detail = ?3, sent_to = ?4 WHERE policy_domain = ?5 AND"
	    " period_begin = ?6 AND claimed_by = ?7");
	report_query_text(q, 1, words[out->state]);
	report_query_int(q, 2, (int64_t)time(NULL));
	report_query_text(q, 3, buf_cstr(&out->why));
	report_query_text(q, 4, buf_cstr(&out->sent_to));
	report_query_text(q, 5, p->domain);
	report_query_int(q, 6, p->begin);
	report_query_text(q, 7, o->claimer);
	if (report_query_step(q) != 0)
		log_error("store: cannot record the report of %s at %lld: %s",
		    p->domain, (long long)p->begin, report_query_error(q));
	else if (report_query_changes(q) == 0)
		log_warn("report %s at %lld: another job took the claim over "
		    "(older than %d s); this run's outcome (%s) is not recorded",
		    p->domain, (long long)p->begin, REPORT_CLAIM_STALE,
		    words[out->state]);
	report_query_free(&q);
}

/* policy_of - the last policy record seen in the period ("the final
 * configuration observed", RFC 9990 2.1); NULL when none, or when the
 * store failed (*failed_r set, logged). The strings in pol and *rua_r
 * live until the returned query is freed. */
static struct report_query *
policy_of(struct report_db *db, const struct pending *p,
    struct report_policy *pol, const char **rua_r, bool *failed_r)
{
	struct report_query *q;
	int rc;

	q = report_query_new(db, "SELECT p, sp, np, adkim, aspf, testing, fo,"
	    " discovery, pct, rua FROM messages WHERE policy_domain = ?1 AND"
	    " arrival >= ?2 AND arrival < ?3 ORDER BY arrival DESC LIMIT 1");
	report_query_text(q, 1, p->domain);
	report_query_int(q, 2, p->begin);
	report_query_int(q, 3, p->end);
	if ((rc = report_query_step(q)) <= 0) {
		*failed_r = rc < 0;
		if (rc < 0)
			log_error("store: %s", report_query_error(q));
		report_query_free(&q);
		return NULL;
	}
	pol->domain = p->domain;
	pol->p = report_query_col(q, 0);
	pol->sp = report_query_col(q, 1);
	pol->np = report_query_col(q, 2);
	pol->adkim = report_query_col(q, 3);
	pol->aspf = report_query_col(q, 4);
	pol->testing = report_query_col(q, 5);
	pol->fo = report_query_col(q, 6);
	pol->discovery = report_query_col(q, 7);
	pol->pct = (int)report_query_col_int(q, 8);
	*rua_r = report_query_col(q, 9);
	return q;
}

/* build_xml - the whole report; returns the number of records, 0 when
 * the store failed, also after some rows (a shortened report is never
 * sent: the period is tried again) */
static size_t
build_xml(struct report_db *db, const struct pending *p,
    const struct report_meta *m, const struct report_policy *pol,
    struct buf *xml)
{
	struct report_query *q;
	struct report_group g;
	size_t n = 0;
	int rc;

	report_xml_begin(xml, m, pol);
	q = report_query_new(db, "SELECT source_ip, disposition, dkim_aligned,"
	    " spf_aligned, override_type, override_comment, header_from,"
	    " envelope_from, spf_domain, spf_scope, spf_result, dkim, count(*)"
	    " FROM messages WHERE policy_domain = ?1 AND arrival >= ?2 AND"
	    " arrival < ?3 GROUP BY source_ip, disposition, dkim_aligned,"
	    " spf_aligned, override_type, override_comment, header_from,"
	    " envelope_from, spf_domain, spf_scope, spf_result, dkim"
	    " ORDER BY source_ip");
	report_query_text(q, 1, p->domain);
	report_query_int(q, 2, p->begin);
	report_query_int(q, 3, p->end);
	while ((rc = report_query_step(q)) > 0) {
		g.source_ip = report_query_col(q, 0);
		g.disposition = report_query_col(q, 1);
		g.dkim_aligned = report_query_col_int(q, 2) != 0;
		g.spf_aligned = report_query_col_int(q, 3) != 0;
		g.override_type = report_query_col(q, 4);
		g.override_comment = report_query_col(q, 5);
		g.header_from = report_query_col(q, 6);
		g.envelope_from = report_query_col(q, 7);
		g.spf_domain = report_query_col(q, 8);
		g.spf_scope = report_query_col(q, 9);
		g.spf_result = report_query_col(q, 10);
		g.dkim = report_query_col(q, 11);
		g.count = report_query_col_int(q, 12);
		report_xml_record(xml, m, &g);
		n++;
	}
	if (rc < 0) {
		log_error("store: %s", report_query_error(q));
		n = 0;
	}
	report_query_free(&q);
	report_xml_end(xml);
	return n;
}

/* write_file - whole buffer to dir/name; false with errno text in why */
static bool
write_file(const char *dir, const char *name, const struct buf *b,
    struct buf *why)
{
	struct buf path = BUF_INIT;
	size_t off = 0;
	ssize_t w;
	int fd;

	buf_printf(&path, "%s/%s", dir, name);
	fd = open(buf_cstr(&path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	while (fd >= 0 && off < b->len) {
		w = write(fd, b->data + off, b->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (fd < 0 || off < b->len || close(fd) != 0) {
		buf_printf(why, "%s: %s", buf_cstr(&path), strerror(errno));
		if (fd >= 0 && off < b->len)
			(void)close(fd);
		/* a cut file (a full disk) must not pass for a report */
		if (fd >= 0)
			(void)unlink(buf_cstr(&path));
		buf_deinit(&path);
		return false;
	}
	buf_deinit(&path);
	return true;
}

/* reached - is addr in sent_before (" a b ") or among dests[0..k)? */
static bool
reached(const char *addr, const struct buf *sent_before,
    const struct report_dest *dests, size_t k)
{
	struct buf key = BUF_INIT;
	bool found;
	size_t i;

	buf_printf(&key, " %s ", addr);
	found = strstr(buf_cstr(sent_before), buf_cstr(&key)) != NULL;
	buf_deinit(&key);
	for (i = 0; i < k && !found; i++)
		found = strcmp(dests[i].addr, addr) == 0;
	return found;
}

/* pick_dests - the authorised destinations not reached before, within
 * their size limits; appends problems to out->why. Returns how many;
 * *retry set when a DNS problem should make us try again later. An
 * address the verification replaced is checked again: sent_to records
 * the replacement, and two rua URIs may be replaced by the same one. */
static size_t
pick_dests(const struct report_job_opts *o, const char *domain,
    const char *rua, size_t msg_len, const struct buf *sent_before,
    struct report_dest *dests, struct outcome *out, bool *retry)
{
	struct report_dest all[REPORT_RUA_MAX];
	size_t n, i, k = 0;
	uint64_t limit;
	int v;

	n = report_rua_parse(rua, all, REPORT_RUA_MAX);
	if (n == 0)
		buf_append_str(&out->why, "no usable rua address");
	for (i = 0; i < n; i++) {
		if (reached(all[i].addr, sent_before, dests, k))
			continue;	/* reached by an earlier run */
		v = report_verify_dest(o->resolver, o->psl, o->conf->dmarc_mode,
		    domain, REPORT_TAG_RUA, &all[i], NULL, &out->why);
		if (v < 0)
			*retry = true;
		if (v <= 0 || reached(all[i].addr, sent_before, dests, k))
			continue;
		/* RFC 9989 made !size obsolete (obs-dmarc-report-size in its
		 * formal definition): reporters ignore it */
		limit = o->conf->report_max_bytes;
		if (o->conf->dmarc_mode == DMARC_MODE_RFC7489 &&
		    all[i].max_bytes != 0 && all[i].max_bytes < limit)
			limit = all[i].max_bytes;
		if (msg_len > limit) {
			buf_printf(&out->why, "%s%s: report of %zu bytes over its "
			    "limit of %llu", out->why.len ? "; " : "", all[i].addr,
			    msg_len, (unsigned long long)limit);
			continue;
		}
		dests[k++] = all[i];
	}
	return k;
}

/* deliver - send (or write) msg to dests; fills out */
static void
deliver(const struct report_job_opts *o, const struct buf *msg,
    const struct buf *gz, const char *fname, struct report_dest *dests,
    size_t n, bool retry, struct outcome *out)
{
	struct buf eml = BUF_INIT;
	size_t i;

	if (n == 0) {
		out->state = retry ? OUT_FAILED : OUT_SKIPPED;
		return;
	}
	if (o->dry_run) {
		buf_printf(&eml, "%.*s.eml", (int)(strlen(fname) - 7), fname);
		if (!write_file(o->out_dir, fname, gz, &out->why) ||
		    !write_file(o->out_dir, buf_cstr(&eml), msg, &out->why))
			out->state = OUT_FAILED;
	} else if (!report_submit(o->conf->report_sendmail, msg,
	    clock_mono_ms() + REPORT_SUBMIT_MS, NULL, &out->why))
		out->state = OUT_FAILED;
	buf_deinit(&eml);
	if (out->state == OUT_FAILED)
		return;
	for (i = 0; i < n; i++)
		buf_printf(&out->sent_to, "%s ", dests[i].addr);
	out->state = retry ? OUT_FAILED : OUT_SENT;
}

/* compose - XML, gzip and the MIME message for dests (to may be empty
 * while sizing); false when gzip failed */
static bool
compose(const struct report_job_opts *o, const struct pending *p,
    const char *rid, const char *unique, const struct buf *xml,
    struct report_dest *dests, size_t n, struct buf *gz, struct buf *msg,
    struct buf *fname)
{
	const char *to[REPORT_RUA_MAX];
	struct buf subject = BUF_INIT, summary = BUF_INIT, mid = BUF_INIT;
	struct report_mail m;
	size_t i;

	buf_truncate(gz, 0);
	buf_truncate(msg, 0);
	buf_truncate(fname, 0);
	if (!report_gzip(xml->data, xml->len, gz))
		return false;
	report_filename(fname, receiver(o->conf), p->domain, p->begin,
	    p->end - 1, unique);
	report_subject(&subject, p->domain, receiver(o->conf), rid);
	buf_printf(&summary, "DMARC aggregate report for %s: %lld messages "
	    "from %lld to %lld (UTC seconds), sent by %s.", p->domain,
	    (long long)p->rows, (long long)p->begin, (long long)(p->end - 1),
	    receiver(o->conf));
	buf_printf(&mid, "%s", rid);
	for (i = 0; i < n; i++)
		to[i] = dests[i].addr;
	memset(&m, 0, sizeof(m));
	m.from = o->conf->report_contact;
	m.to = to;
	m.to_count = n;
	m.subject = buf_cstr(&subject);
	m.message_id = buf_cstr(&mid);
	m.date = o->now;
	m.filename = buf_cstr(fname);
	m.summary = buf_cstr(&summary);
	report_mime(msg, &m, gz->data, gz->len);
	buf_deinit(&subject);
	buf_deinit(&summary);
	buf_deinit(&mid);
	return true;
}

/* one_report - build and deliver the report of p (already claimed, or a
 * dry run) under the Report-ID rid and file name unique-id unique;
 * fills out */
static void
one_report(struct report_db *db, const struct report_job_opts *o,
    const struct pending *p, const char *rid, const char *unique,
    const struct buf *sent_before, struct outcome *out)
{
	struct report_dest dests[REPORT_RUA_MAX];
	struct buf xml = BUF_INIT, gz = BUF_INIT, msg = BUF_INIT,
	    fname = BUF_INIT;
	struct report_policy pol;
	struct report_meta m;
	struct report_query *ps = NULL;
	const char *rua = "";
	bool retry = false, failed = false;
	size_t n, records;

	out->state = OUT_SKIPPED;
	if (!report_name_ok(p->domain) ||
	    (ps = policy_of(db, p, &pol, &rua, &failed)) == NULL) {
		/* a store error is no reason to give the report up: "skipped"
		 * is never made again, "failed" is retried next run */
		if (failed)
			out->state = OUT_FAILED;
		buf_append_str(&out->why, failed ? "store query failed" :
		    "policy domain unusable in a report");
		goto done;
	}
	memset(&m, 0, sizeof(m));
	m.rfc7489 = o->conf->dmarc_mode == DMARC_MODE_RFC7489;
	m.org_name = o->conf->report_org_name != NULL ?
	    o->conf->report_org_name : receiver(o->conf);
	m.email = o->conf->report_contact;
	m.report_id = rid;
	m.generator = PACKAGE_STRING;
	m.begin = p->begin;
	m.end = p->end - 1;
	records = build_xml(db, p, &m, &pol, &xml);
	if (records == 0 || !compose(o, p, rid, unique, &xml, dests, 0, &gz,
	    &msg, &fname)) {
		out->state = OUT_FAILED;
		buf_append_str(&out->why, records == 0 ? "store query failed" :
		    "gzip failed");
		goto done;
	}
	/* size the message for the limits with every address in To */
	n = pick_dests(o, p->domain, rua, msg.len + REPORT_RUA_MAX *
	    REPORT_ADDR_SIZE, sent_before, dests, out, &retry);
	if (n > 0 && !compose(o, p, rid, unique, &xml, dests, n, &gz, &msg,
	    &fname)) {
		out->state = OUT_FAILED;
		goto done;
	}
	deliver(o, &msg, &gz, buf_cstr(&fname), dests, n, retry, out);
	if (n > 0 && out->state != OUT_FAILED) {
		char *to = xstrdup(buf_cstr(&out->sent_to));

		buf_printf(&out->why, "%s%zu records, %zu bytes gzip, to %s",
		    out->why.len ? "; " : "", records, gz.len, str_trim(to));
		free(to);
	}
done:
	report_query_free(&ps);
	buf_deinit(&xml);
	buf_deinit(&gz);
	buf_deinit(&msg);
	buf_deinit(&fname);
}

/* log_outcome - the one line per report */
static void
log_outcome(const struct pending *p, const struct outcome *out, bool dry)
{
	static const char *const words[] = { "sent", "skipped", "failed" };
	const char *w = dry && out->state == OUT_SENT ? "written" :
	    words[out->state];

	if (out->state == OUT_FAILED)
		log_error("report %s %lld-%lld rows=%lld: %s: %s", p->domain,
		    (long long)p->begin, (long long)p->end, (long long)p->rows, w,
		    buf_cstr(&out->why));
	else
		log_info("report %s %lld-%lld rows=%lld: %s: %s", p->domain,
		    (long long)p->begin, (long long)p->end, (long long)p->rows, w,
		    buf_cstr(&out->why));
}

int
report_job_run(struct report_store *st, const struct report_job_opts *o)
{
	struct report_db *db = report_store_db(st);
	struct pending *v = NULL;
	struct buf rid = BUF_INIT, before = BUF_INIT, claimed = BUF_INIT;
	const char *unique;
	struct outcome out;
	size_t n, i;
	bool failed;
	int rc = 0;

	n = list_pending(db, o, &v, &failed);
	if (failed)
		rc = 1;
	for (i = 0; i < n; i++) {
		char state[16];

		buf_truncate(&before, 0);
		buf_truncate(&claimed, 0);
		if (!report_state(db, &v[i], state, sizeof(state), &before,
		    &claimed)) {
			rc = 1;
			continue;	/* left for the next run */
		}
		unique = report_names(o, &v[i], report_store_id(st),
		    buf_cstr(&claimed), &rid);
		if (strcmp(state, "sent") == 0 || strcmp(state, "skipped") == 0 ||
		    (strcmp(state, "claimed") == 0 && o->dry_run))
			continue;	/* done, or another job's */
		if (!o->dry_run) {
			enum claim_result c = claim(db, &v[i], o,
			    buf_cstr(&rid));

			if (c == CLAIM_ERROR)
				rc = 1;
			if (c != CLAIM_OURS)
				continue;	/* another job's, or no store */
		}
		memset(&out, 0, sizeof(out));
		buf_printf(&out.sent_to, "%s", before.len ? buf_cstr(&before) : " ");
		one_report(db, o, &v[i], buf_cstr(&rid), unique, &out.sent_to,
		    &out);
		if (!o->dry_run)
			finish(db, &v[i], o, &out);
		log_outcome(&v[i], &out, o->dry_run);
		if (out.state == OUT_FAILED)
			rc = 1;
		buf_deinit(&out.why);
		buf_deinit(&out.sent_to);
	}
	for (i = 0; i < n; i++)
		free(v[i].domain);
	free(v);
	buf_deinit(&rid);
	buf_deinit(&before);
	buf_deinit(&claimed);
	return rc;
}

/* delete_before - a DELETE whose ?1 is the cut: the rows it removed, or
 * -1 (logged) on error */
static int64_t
delete_before(struct report_db *db, const char *sql, int64_t cut)
{
	struct report_query *q = report_query_new(db, sql);
	int64_t n = -1;

	report_query_int(q, 1, cut);
	if (report_query_step(q) == 0)
		n = report_query_changes(q);
	else
		log_error("store: expire: %s", report_query_error(q));
	report_query_free(&q);
	return n;
}

/* SQLite has one writer at a time, and the daemon's writer waits at most
 * 2 s for the lock: one DELETE of a busy site's day of rows (a million,
 * 8 s and more) kept it out, with its rows piling up in the queue and a
 * warning logged. So the rows go REPORT_EXPIRE_CHUNK at a time, with a
 * pause between in which the writer's busy wait can take the lock.
 * PostgreSQL's DELETE does not stop inserts: one statement there. */
#define EXPIRE_PAUSE_MS	20

/* expire_messages - delete the rows that arrived before cut: how many,
 * or -1 (logged) on error */
static int64_t
expire_messages(struct report_db *db, int64_t cut)
{
	struct timespec pause = { 0, EXPIRE_PAUSE_MS * 1000000L };
	char sql[160];
	int64_t n, total = 0;

	if (report_db_kind(db) != REPORT_DB_SQLITE)
		return delete_before(db, "DELETE FROM messages WHERE arrival < ?1",
		    cut);
	/* cannot be cut: the text is shorter than sql */
	(void)snprintf(sql, sizeof(sql), "DELETE FROM messages WHERE rowid IN"
	    " (SELECT rowid FROM messages WHERE arrival < ?1 LIMIT %d)",
	    REPORT_EXPIRE_CHUNK);
	while ((n = delete_before(db, sql, cut)) == REPORT_EXPIRE_CHUNK) {
		total += n;
		(void)nanosleep(&pause, NULL);
	}
	return n < 0 ? -1 : total + n;
}

int
report_job_expire(struct report_store *st, unsigned days, int64_t now)
{
	struct report_db *db = report_store_db(st);
	int64_t cut = now - (int64_t)days * 86400, rows;

	rows = expire_messages(db, cut);
	/* claims in progress stay; batch ids matter only to a writer's retry */
	if (rows < 0 || delete_before(db, "DELETE FROM reports WHERE"
	    " period_end < ?1 AND state <> 'claimed'", cut) < 0 ||
	    delete_before(db, "DELETE FROM written_batches WHERE"
	    " written_at < ?1", cut) < 0)
		return 1;
	log_info("expired %lld rows older than %u days", (long long)rows, days);
	return 0;
}

int
report_job_stats(struct report_store *st, FILE *out)
{
	struct report_query *q;
	int rc;

	q = report_query_new(report_store_db(st), "SELECT policy_domain,"
	    " count(*), min(arrival), max(arrival) FROM messages"
	    " GROUP BY policy_domain ORDER BY policy_domain");
	(void)fprintf(out, "%-40s %10s %12s %12s\n", "policy_domain", "rows",
	    "first", "last");
	while ((rc = report_query_step(q)) > 0)
		(void)fprintf(out, "%-40s %10lld %12lld %12lld\n",
		    report_query_col(q, 0),
		    (long long)report_query_col_int(q, 1),
		    (long long)report_query_col_int(q, 2),
		    (long long)report_query_col_int(q, 3));
	if (rc < 0)
		log_error("store: %s", report_query_error(q));
	report_query_free(&q);
	return rc < 0 ? 1 : 0;
}
