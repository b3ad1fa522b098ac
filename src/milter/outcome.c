/*
 * outcome.c - what one message came to: the per-message log line and the
 * message and result metrics.
 *
 * Exported: outcome_report.
 *
 * The log line is one structured record (log/logrec.c): key=value, or a
 * JSON object with LogFormat json. Its keys, in order, each present only
 * when it applies:
 *   qid stage client_name client_ip helo from auth exempt verify
 *   verify_skip spf spf_helo spf_reason dkim dkim_d dkim_s dkim_reason dmarc
 *   dmarc_from dmarc_policy dmarc_reason dmarc_authors arc arc_sets arc_reason dmarc_override
 *   arc_sealer arc_sealer_i arc_sealer_saw sign sign_skip arc_seal
 *   arc_seal_skip forged_ar_removed headers_over_cap verdict would why ms
 * dkim, dkim_d, dkim_s and dkim_reason are parallel comma-separated lists,
 * one item per signature ("-" for an empty reason). Values from mail are
 * escaped by the formatter; metric labels come only from fixed words.
 */
#include "config.h"

#include <string.h>

#include "log/log.h"
#include "log/logrec.h"
#include "milter/outcome.h"
#include "milter/sealing.h"
#include "milter/session.h"
#include "util/buf.h"
#include "util/fmt.h"

/* metrics_message takes the verdict as it is */
_Static_assert((int)VERDICT_ACCEPT == (int)METRICS_VERDICT_ACCEPT &&
    (int)VERDICT_REJECT == (int)METRICS_VERDICT_REJECT &&
    (int)VERDICT_TEMPFAIL == (int)METRICS_VERDICT_TEMPFAIL &&
    (int)VERDICT_QUARANTINE == (int)METRICS_VERDICT_QUARANTINE &&
    (int)VERDICT_QUARANTINE_HEADER == (int)METRICS_VERDICT_QUARANTINE_HEADER,
    "enum verdict_kind and enum metrics_verdict differ");

/* The parallel lists of the DKIM part of the line, one after the other
 * in one buffer, each ended by a NUL (one allocation, not four); and
 * dmarc_authors. logrec keeps pointers, so they live until the line is
 * written, and are taken only once the buffer is complete. */
enum { DKIM_RES, DKIM_D, DKIM_S, DKIM_REASON, DKIM_LISTS };
struct dkim_lists {
	struct buf text;
	size_t off[DKIM_LISTS + 1];	/* list k: text[off[k] .. off[k+1]-1) */
	struct buf authors;	/* dmarc_authors */
};

/* Room for the lists of a message with a few signatures (with the NUL
 * a 256-byte block). */
#define DKIM_LISTS_HINT 255

/* list_get - list k, and whether it has any text */
static const char *
list_get(const struct dkim_lists *l, int k, bool *empty_r)
{
	if (empty_r != NULL)
		*empty_r = l->off[k + 1] - l->off[k] <= 1;
	return (const char *)l->text.data + l->off[k];
}

/* list_item - item i of a comma-separated list */
static void
list_item(struct buf *b, size_t i, const char *item)
{
	if (i > 0)
		buf_append_byte(b, ',');
	buf_append_str(b, item);
}

/* list_item_from_mail - list_item for a d= or s= as the signature wrote
 * it: a malformed one ("d=evil.example,bank.example") is kept for the
 * postmaster, but its commas become '?', so each list still has one item
 * a signature and a reader never pairs a result with a domain the
 * sender slipped in */
static void
list_item_from_mail(struct buf *b, size_t i, const char *item)
{
	const char *comma;

	if (i > 0)
		buf_append_byte(b, ',');
	while ((comma = strchr(item, ',')) != NULL) {
		buf_append(b, item, (size_t)(comma - item));
		buf_append_byte(b, '?');
		item = comma + 1;
	}
	buf_append_str(b, item);
}

/* add_dkim - results of every signature: to the metrics, and to the
 * lists when l is not NULL (the line is logged) */
static void
add_dkim(const struct checks *ck, struct dkim_lists *l)
{
	size_t i, n = ck->dkim != NULL ? dkim_verifier_result_count(ck->dkim) : 0;
	int k;

	if (l != NULL) {
		/* list by list, so each is one run of the buffer */
		buf_reserve(&l->text, DKIM_LISTS_HINT);
		for (k = 0; k < DKIM_LISTS; k++) {
			l->off[k] = l->text.len;
			if (n == 0 && k == DKIM_RES)
				FMT_LIT(&l->text, "none");
			for (i = 0; i < n; i++) {
				const struct dkim_result *r =
				    dkim_verifier_result(ck->dkim, i);

				if (k == DKIM_D || k == DKIM_S)
					list_item_from_mail(&l->text, i, k == DKIM_D ?
					    r->domain : r->selector);
				else
					list_item(&l->text, i, k == DKIM_RES ?
					    dkim_res_name(r->result) :
					    *r->reason ? r->reason : "-");
			}
			buf_append_byte(&l->text, '\0');
		}
		l->off[DKIM_LISTS] = l->text.len;
	}
	if (n == 0) {
		metrics_result(METRICS_METHOD_DKIM, "none");
		return;
	}
	for (i = 0; i < n; i++) {
		const struct dkim_result *r = dkim_verifier_result(ck->dkim, i);

		metrics_result(METRICS_METHOD_DKIM, dkim_res_name(r->result));
		metrics_dkim_signature(r->algorithm, r->key_bits);
	}
}

/* add_dmarc - the DMARC result that counted, to the record and metrics;
 * each author's result too when authors is not NULL */
static void
add_dmarc(const struct checks_dmarc *d, struct logrec *rec,
    struct buf *authors)
{
	const struct dmarc_result *res;

	if (!d->evaluated)
		return;
	if (d->author_count == 0 || d->from_problem != NULL) {
		logrec_add(rec, "dmarc", "permerror");
		logrec_add(rec, "dmarc_reason", d->from_problem ? d->from_problem :
		    "several author domains");
		metrics_result(METRICS_METHOD_DMARC, "permerror");
		return;
	}
	res = &d->authors[d->chosen].res;
	logrec_add(rec, "dmarc", dmarc_res_name(res->result));
	logrec_add(rec, "dmarc_from", res->header_from);
	logrec_add(rec, "dmarc_policy", dmarc_policy_name(res->disposition));
	logrec_add(rec, "dmarc_reason", res->reason);
	if (d->author_count > 1 && authors != NULL) {
		size_t i;

		/* several authors: the one above is the strictest; each with
		 * its own result */
		for (i = 0; i < d->author_count; i++) {
			list_item(authors, i, d->authors[i].res.header_from);
			buf_append_byte(authors, ':');
			buf_append_str(authors,
			    dmarc_res_name(d->authors[i].res.result));
		}
		logrec_add(rec, "dmarc_authors", buf_cstr(authors));
	}
	metrics_result(METRICS_METHOD_DMARC, dmarc_res_name(res->result));
}

/* add_results - SPF, DKIM and DMARC (DKIM and DMARC at end of message);
 * l is NULL when the record will not be logged: the metrics alone */
static void
add_results(const struct session *s, enum metrics_stage stage,
    struct logrec *rec, struct dkim_lists *l)
{
	const struct checks *ck = &s->msg.checks;

	if (ck->exempt)
		logrec_add(rec, "exempt", ck->exempt_why);
	if (ck->exempt || ck->skip_verify) {
		logrec_add(rec, "verify", "no");
		if (!ck->exempt)
			logrec_add(rec, "verify_skip", "Mode");
		return;
	}
	logrec_add(rec, "spf", ck->spf_mailfrom_done ?
	    spf_res_name(ck->spf_mailfrom.res) : "none");
	metrics_result(METRICS_METHOD_SPF, ck->spf_mailfrom_done ?
	    spf_res_name(ck->spf_mailfrom.res) : "none");
	if (ck->spf_helo_done) {
		logrec_add(rec, "spf_helo", spf_res_name(ck->spf_helo.res));
		metrics_result(METRICS_METHOD_SPF_HELO, spf_res_name(ck->spf_helo.res));
	}
	/* why an error: a dead DNS server and a record we cannot use look
	 * the same in the result word alone */
	if (ck->spf_mailfrom_done && (ck->spf_mailfrom.res == SPF_RES_TEMPERROR ||
	    ck->spf_mailfrom.res == SPF_RES_PERMERROR) &&
	    ck->spf_mailfrom.reason != NULL && *ck->spf_mailfrom.reason != '\0')
		logrec_add(rec, "spf_reason", ck->spf_mailfrom.reason);
	if (stage != METRICS_STAGE_EOM)
		return;
	add_dkim(ck, l);
	if (l != NULL) {
		bool no_d;

		logrec_add(rec, "dkim", list_get(l, DKIM_RES, NULL));
		(void)list_get(l, DKIM_D, &no_d);
		if (!no_d) {
			logrec_add(rec, "dkim_d", list_get(l, DKIM_D, NULL));
			logrec_add(rec, "dkim_s", list_get(l, DKIM_S, NULL));
			logrec_add(rec, "dkim_reason",
			    list_get(l, DKIM_REASON, NULL));
		}
	}
	add_dmarc(&ck->dmarc, rec, l != NULL ? &l->authors : NULL);
	checks_arc_log(ck->arc, rec);
}

/* elapsed_us - microseconds since the message started */
static uint64_t
elapsed_us(const struct message *m)
{
	uint64_t start = (uint64_t)m->started.tv_sec * 1000000u +
	    (uint64_t)m->started.tv_nsec / 1000u, now = metrics_now_us();

	return now > start ? now - start : 0;
}

void
outcome_report(struct session *s, const struct verdict *v,
    enum metrics_stage stage)
{
	const struct message *m = &s->msg;
	const struct signing *sg = &m->signing;
	struct dkim_lists l;
	struct logrec rec;
	/* read once: a reload between here and the end must not log a
	 * record built without its lists */
	bool logged = log_get_level() >= LOG_LEVEL_INFO;

	memset(&l, 0, sizeof(l));
	/* the session's kept storage, lent for this report */
	l.text = s->report_lists;
	buf_reset(&l.text);
	buf_init(&l.authors);
	logrec_init(&rec);
	logrec_add(&rec, "qid", m->queue_id ? m->queue_id : "NOQUEUE");
	logrec_add(&rec, "stage", stage == METRICS_STAGE_EOM ? "eom" : "mail_from");
	logrec_add(&rec, "client_name", s->client_name);
	logrec_add(&rec, "client_ip", s->client_addr);
	logrec_add(&rec, "helo", s->helo ? s->helo : "");
	logrec_add(&rec, "from", m->mail_from ? m->mail_from : "");
	logrec_add(&rec, "auth", m->auth_user);
	add_results(s, stage, &rec, logged ? &l : NULL);
	if (stage == METRICS_STAGE_EOM) {
		if (sg->done.len > 0)
			logrec_add(&rec, "sign", buf_cstr(&sg->done));
		else {
			logrec_add(&rec, "sign", "no");
			logrec_add(&rec, "sign_skip", sg->skip_why != NULL ?
			    sg->skip_why : "not reached");
		}
		sealing_log(s, &rec);
		logrec_add_uint(&rec, "forged_ar_removed", m->forged_ar_count);
	}
	if (m->headers_capped)
		logrec_add(&rec, "headers_over_cap", "yes");
	logrec_add(&rec, "verdict", verdict_name(v->kind));
	if (v->intended != v->kind)
		logrec_add(&rec, "would", verdict_name(v->intended));
	logrec_add(&rec, "why", v->why);
	logrec_add_uint(&rec, "ms", session_elapsed_ms(s));
	if (logged)
		log_record_into(LOG_LEVEL_INFO, &rec, &s->report_line);
	metrics_message(stage, (enum metrics_verdict)v->kind, elapsed_us(m));
	s->report_lists = l.text;
	session_report_done(s);
	buf_deinit(&l.authors);
}

void
outcome_stopping(struct session *s, const char *queue_id,
    const char *mail_from)
{
	struct logrec rec;
	struct buf from = BUF_INIT;
	size_t n = mail_from != NULL ? strlen(mail_from) : 0;

	/* without its angle brackets, as the other lines have it */
	if (n >= 2 && mail_from[0] == '<' && mail_from[n - 1] == '>')
		buf_append(&from, mail_from + 1, n - 2);
	else if (n > 0)
		buf_append(&from, mail_from, n);
	logrec_init(&rec);
	logrec_add(&rec, "qid", queue_id != NULL && *queue_id != '\0' ?
	    queue_id : "NOQUEUE");
	logrec_add(&rec, "stage", "mail_from");
	logrec_add(&rec, "client_name", s->client_name);
	logrec_add(&rec, "client_ip", s->client_addr);
	logrec_add(&rec, "helo", s->helo ? s->helo : "");
	logrec_add(&rec, "from", buf_cstr(&from));
	logrec_add(&rec, "verdict", verdict_name(VERDICT_TEMPFAIL));
	logrec_add(&rec, "why", "stopping");
	if (log_get_level() >= LOG_LEVEL_INFO)
		log_record_into(LOG_LEVEL_INFO, &rec, &s->report_line);
	metrics_message(METRICS_STAGE_MAIL_FROM, METRICS_VERDICT_TEMPFAIL, 0);
	session_report_done(s);
	buf_deinit(&from);
}
