/*
 * report_hook.c - at end of message, turn the DMARC, SPF and DKIM results
 * of the session into report rows (report_row.h) and queue them for the
 * writer thread. Called once per message from cb_eom; never waits.
 *
 *   report_hook_set_writer  the writer main.c started (NULL: recording off)
 *   report_hook_eom         build and queue the rows
 *
 * Rows are made only for author domains whose policy record was found
 * (without one there is nobody to report to). A tempfailed message is not
 * recorded: the MTA will offer it again.
 *
 * With FailureReports on, a DMARC failure whose record has ruf= and whose
 * fo= asks for it also becomes a failure-report job (RFC 9991) for the
 * failure thread: built here from the message's header fields (capped at
 * REPORT_AFRF_HEADERS_MAX bytes, redacted when configured), sent there.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/authres.h"
#include "core/dkim_verify.h"
#include "core/dmarc_eval.h"
#include "core/idna.h"
#include "milter/checks_arc.h"
#include "milter/report_hook.h"
#include "milter/session.h"
#include "report/report_afrf.h"
#include "report/report_redact.h"
#include "report/report_row.h"
#include "spf/spf.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "util/xtext.h"

#define REPORT_AFRF_HEADERS_MAX 65536	/* header bytes put in a report */

static struct report_writer *writer;
static struct report_failures *failures;

void
report_hook_set_writer(struct report_writer *w)
{
	writer = w;
}

void
report_hook_set_failures(struct report_failures *f)
{
	failures = f;
}

#define COPY(field, src) report_row_copy_text((field), sizeof(field), (src))

/* envelope_domain - the MAIL FROM domain for <envelope_from> ("" for
 * the null sender), U-labels as A-labels (RFC 8616 6: domains are
 * handled as A-labels), the form header_from, the SPF domain and d= have
 * in the same row; a name with no A-label form stays as it is */
static void
envelope_domain(const char *mail_from, char *out, size_t size)
{
	const char *at = strrchr(mail_from, '@');
	const char *dom = at != NULL ? at + 1 : "";
	struct idna_name n;

	if (str_has_non_ascii(dom, strlen(dom)) &&
	    idna_domain((const unsigned char *)dom, strlen(dom), &n,
	    NULL) == IDNA_OK)
		dom = n.ascii;
	report_row_copy_text(out, size, dom);
}

/* applied_word - the disposition the verdict applied */
static const char *
applied_word(enum verdict_kind k)
{
	if (k == VERDICT_REJECT)
		return "reject";
	if (k == VERDICT_QUARANTINE || k == VERDICT_QUARANTINE_HEADER)
		return "quarantine";
	return "none";
}

/* strength - none < quarantine < reject */
static int
strength(const char *w)
{
	return strcmp(w, "reject") == 0 ? 2 : strcmp(w, "quarantine") == 0;
}

/* fill_record - the policy record as published */
static void
fill_record(struct report_row *row, const struct dmarc_result *res,
    int mode)
{
	const struct dmarc_record *rec = res->record;

	COPY(row->policy_domain, res->policy_domain);
	COPY(row->p, dmarc_policy_name(rec->p));
	COPY(row->sp, dmarc_policy_name(rec->sp));
	COPY(row->np, dmarc_policy_name(rec->np));
	COPY(row->adkim, rec->adkim_strict ? "s" : "r");
	COPY(row->aspf, rec->aspf_strict ? "s" : "r");
	COPY(row->testing, rec->testing ? "y" : "n");
	COPY(row->psd, rec->psd == DMARC_PSD_Y ? "y" :
	    rec->psd == DMARC_PSD_N ? "n" : "u");
	COPY(row->fo, rec->fo != NULL ? rec->fo : "");
	row->pct = (int)rec->pct;
	COPY(row->rua, rec->rua != NULL ? rec->rua : "");
	COPY(row->ruf, rec->ruf != NULL ? rec->ruf : "");
	COPY(row->discovery, mode == DMARC_MODE_RFC7489 ? "psl" : "treewalk");
}

/* fill_override - why the applied disposition differs from what the
 * failed policy asked (RFC 9990: a reason MUST be given then): weaker by
 * test mode, sampling or the site's choice, or stricter by the site's
 * choice (DMARCAlwaysReject, an SPF failure rejected). A trusted ARC
 * sealer's override is recorded even when the site's action happens to
 * equal what the policy asked. */
static void
fill_override(struct report_row *row, const struct dmarc_result *res,
    const struct verdict *v, const struct checks_arc *arc)
{
	const char *asked = dmarc_policy_name(res->policy);

	if (res->result == DMARC_RES_FAIL && arc != NULL &&
	    arc->override_reason != NULL) {
		char comment[sizeof(row->override_comment)];

		COPY(row->override_type, arc->override_reason);
		(void)snprintf(comment, sizeof(comment), "arc=pass sealer %s "
		    "i=%u recorded %s", arc->trust.sealer, arc->trust.instance,
		    arc->trust.what);	/* a comment: truncation is fine */
		COPY(row->override_comment, comment);
		return;
	}
	if (res->result != DMARC_RES_FAIL || strength(asked) ==
	    strength(row->disposition))
		return;
	if (strength(asked) < strength(row->disposition)) {
		COPY(row->override_type, "local_policy");
		COPY(row->override_comment, v->why != NULL ? v->why : "");
	} else if (res->testing)
		COPY(row->override_type, "policy_test_mode");
	else if (res->sampled_out)
		COPY(row->override_type, "sampled_out");
	else {
		COPY(row->override_type, "local_policy");
		COPY(row->override_comment, v->why != NULL ? v->why : "");
	}
}

/* related - is d the domain or a parent or child of it (relaxed
 * alignment without a PSL lookup, for choosing the DKIM-Domain and
 * SPF-DNS fields only) */
static bool
related(const char *d, const char *from)
{
	size_t ld = strlen(d), lf = strlen(from);

	if (ld == 0)
		return false;
	if (ld == lf)
		return strcmp(d, from) == 0;
	if (ld < lf)
		return from[lf - ld - 1] == '.' && strcmp(from + lf - ld, d) == 0;
	return d[ld - lf - 1] == '.' && strcmp(d + ld - lf, from) == 0;
}

/* under - is d the domain dom or a name below it? */
static bool
under(const char *d, const char *dom)
{
	size_t ld = strlen(d), lo = strlen(dom);

	if (lo == 0 || ld < lo || strcasecmp(d + ld - lo, dom) != 0)
		return false;
	return ld == lo || d[ld - lo - 1] == '.';
}

/* dkim_rank - RFC 9990 "DKIM Signatures in Aggregate Reports": which
 * signatures a row keeps first when it cannot keep them all: 0 a pass in
 * strict alignment with the author domain, 1 a pass in relaxed alignment,
 * 2 another pass, 3 the rest. Relaxed alignment as far as known here: a
 * parent or child of the author domain, or a name in its organisational
 * domain when the evaluation determined one (it does not when a strict
 * pass made it needless). */
static int
dkim_rank(const struct dkim_result *r, const struct dmarc_result *res)
{
	if (r->result != DKIM_RES_PASS)
		return 3;
	if (strcasecmp(r->domain, res->header_from) == 0)
		return 0;
	return related(r->domain, res->header_from) ||
	    under(r->domain, res->org_domain) ? 1 : 2;
}

/* fill_auth - SPF (the identity DMARC used) and the DKIM signatures, at
 * most REPORT_MAX_DKIM, by dkim_rank and then in header order */
static void
fill_auth(struct report_row *row, const struct session *s,
    const struct dmarc_result *res)
{
	const struct checks *ck = &s->msg.checks;
	const struct spf_result *spf = NULL;
	size_t i, n;
	int rank;

	/* the MAIL FROM check is the one DMARC used; for the null sender it
	 * checked postmaster@<HELO> (RFC 7208 2.4), its domain the HELO's */
	if (ck->spf_mailfrom_done) {
		spf = &ck->spf_mailfrom;
		COPY(row->spf_scope, "mfrom");
	} else if (ck->spf_helo_done) {
		spf = &ck->spf_helo;
		COPY(row->spf_scope, "helo");
	}
	if (spf != NULL) {
		COPY(row->spf_domain, spf->domain != NULL ? spf->domain : "");
		COPY(row->spf_result, spf_res_name(spf->res));
	} else
		COPY(row->spf_result, "none");
	n = ck->dkim != NULL ? dkim_verifier_result_count(ck->dkim) : 0;
	for (rank = 0; rank <= 3; rank++) {
		for (i = 0; i < n && row->dkim_count < REPORT_MAX_DKIM; i++) {
			const struct dkim_result *r =
			    dkim_verifier_result(ck->dkim, i);
			struct report_dkim *d;

			if (dkim_rank(r, res) != rank)
				continue;
			d = &row->dkim[row->dkim_count++];
			COPY(d->domain, r->domain);
			COPY(d->selector, r->selector);
			COPY(d->result, dkim_res_name(r->result));
		}
	}
}

/* failure_headers - the original header block, CRLF, capped */
static void
failure_headers(const struct message *m, bool redact, struct buf *out)
{
	size_t i;

	for (i = 0; i < m->headers.count; i++) {
		const struct header *h = &m->headers.list[i];

		if (out->len + strlen(h->name) + h->value_len + 4 >
		    REPORT_AFRF_HEADERS_MAX)
			break;
		report_redact_header(out, h->name, h->value, h->value_len,
		    redact);
	}
}

/* failure_subject - the original Subject, unfolded, at most 200 bytes,
 * "" when none; redacted before it is cut, so that a cut just before an
 * '@' cannot leave a local-part nothing recognises any more */
static void
failure_subject(const struct message *m, bool redact, struct buf *out)
{
	struct buf text = BUF_INIT, red = BUF_INIT, *src = &text;
	size_t i, k;

	for (i = 0; i < m->headers.count; i++) {
		const struct header *h = &m->headers.list[i];

		if (strcasecmp(h->name, "Subject") != 0)
			continue;
		for (k = 0; k < h->value_len; k++)
			if (h->value[k] >= 0x20 && h->value[k] != 0x7f &&
			    !(text.len == 0 && h->value[k] == ' '))
				buf_append_byte(&text, h->value[k]);
		if (redact) {
			report_redact_text(&red, text.data, text.len);
			src = &red;
		}
		buf_append(out, src->data, src->len < 200 ? src->len : 200);
		break;
	}
	buf_deinit(&text);
	buf_deinit(&red);
}

/*
 * failure_authres - the report's Authentication-Results (RFC 9991, RFC
 * 6591 3.2) on one line. Through the A-R builder, so a value that is not
 * a token is quoted (RFC 8601 2.2): the MAIL FROM or HELO domain and a
 * signature's d= and s= come from the sender, and "fq.test;dmarc=pass"
 * written bare read as a second, passing dmarc result. fo=1, d and s
 * report some passes too: the dmarc result says which it was.
 */
static void
failure_authres(const char *authserv_id, const struct dmarc_result *res,
    const struct report_row *row, struct buf *out)
{
	struct authres ar;
	const char *v;
	unsigned i;

	authres_init(&ar, authserv_id);
	authres_add(&ar, "dmarc", dmarc_res_name(res->result));
	authres_add_prop(&ar, "header", "from", row->header_from);
	authres_add(&ar, "spf", row->spf_result);
	authres_add_prop(&ar, "smtp",
	    strcmp(row->spf_scope, "helo") == 0 ? "helo" : "mailfrom",
	    *row->spf_domain ? row->spf_domain : "unknown");
	for (i = 0; i < row->dkim_count; i++) {
		authres_add(&ar, "dkim", row->dkim[i].result);
		authres_add_prop(&ar, "header", "d", row->dkim[i].domain);
		authres_add_prop(&ar, "header", "s", row->dkim[i].selector);
	}
	/* the feedback part writes each field on one line: a fold's
	 * "\n\t" becomes one space */
	for (v = authres_finish(&ar); *v != '\0'; v++) {
		if (*v == '\n' && v[1] == '\t') {
			buf_append_byte(out, ' ');
			v++;
		} else
			buf_append_byte(out, (unsigned char)*v);
	}
	authres_deinit(&ar);
}

/* queue_failure - a failure-report job for row, if fo= asks for one */
static void
queue_failure(const struct session *s, const struct verdict *v,
    const struct dmarc_result *res, const struct report_row *row)
{
	const struct message *m = &s->msg;
	struct report_fo_input fo;
	struct report_failure_job *j;
	struct buf hdr = BUF_INIT, ar = BUF_INIT, subj = BUF_INIT;
	struct buf envid = BUF_INIT;
	unsigned i;

	memset(&fo, 0, sizeof(fo));
	fo.dkim_aligned_pass = res->dkim_aligned;
	fo.spf_aligned_pass = res->spf_aligned;
	fo.spf_fail = strcmp(row->spf_result, "pass") != 0;
	for (i = 0; i < row->dkim_count; i++)
		if (strcmp(row->dkim[i].result, "pass") != 0)
			fo.dkim_any_fail = true;
	/* fo=1, d and s may ask for a report on a DMARC pass too */
	if ((res->result != DMARC_RES_FAIL && res->result != DMARC_RES_PASS) ||
	    *row->ruf == '\0' ||
	    strcmp(row->psd, "y") == 0 || !report_fo_wants(row->fo, &fo))
		return;
	j = report_failure_job_new();
	j->policy_domain = xstrdup(row->policy_domain);
	j->ruf = xstrdup(row->ruf);
	j->mode = m->conf->dmarc_mode;
	failure_headers(m, m->conf->failure_report_redact, &hdr);
	failure_subject(m, m->conf->failure_report_redact, &subj);
	failure_authres(m->conf->authserv_id, res, row, &ar);
	j->afrf.user_agent = PACKAGE_NAME "/" PACKAGE_VERSION;
	j->afrf.source_ip = report_failure_job_set(j, row->source_ip);
	if (m->envid != NULL && xtext_decode_envid(m->envid, &envid))
		j->afrf.envelope_id = report_failure_job_set(j,
		    buf_cstr(&envid));
	else
		j->afrf.envelope_id = "";
	j->afrf.mail_from = report_failure_job_set(j, m->mail_from);
	j->afrf.reported_domain = report_failure_job_set(j, row->header_from);
	j->afrf.auth_results = report_failure_job_set(j, buf_cstr(&ar));
	j->afrf.identity_alignment = report_afrf_identity_alignment(
	    res->dkim_aligned, res->spf_aligned);
	for (i = 0; i < row->dkim_count; i++)
		if (strcmp(row->dkim[i].result, "pass") != 0 &&
		    related(row->dkim[i].domain, row->header_from)) {
			j->afrf.dkim_domain = report_failure_job_set(j,
			    row->dkim[i].domain);
			j->afrf.dkim_selector = report_failure_job_set(j,
			    row->dkim[i].selector);
			break;
		}
	/* RFC 9991 asks for SPF-DNS when SPF failed for an aligned domain;
	 * the failure thread reads the records (no DNS here) */
	if (strcmp(row->spf_result, "pass") != 0 &&
	    strcmp(row->spf_result, "none") != 0 &&
	    related(row->spf_domain, row->header_from))
		j->spf_domain = xstrdup(row->spf_domain);
	j->afrf.delivery_result = v->kind == VERDICT_REJECT ? "reject" :
	    strcmp(row->disposition, "quarantine") == 0 ? "policy" : "delivered";
	j->afrf.subject = report_failure_job_set(j, buf_cstr(&subj));
	j->afrf.keep_local_parts = !m->conf->failure_report_redact;
	j->afrf.headers = report_failure_job_set(j, buf_cstr(&hdr));
	buf_deinit(&hdr);
	buf_deinit(&ar);
	buf_deinit(&subj);
	buf_deinit(&envid);
	report_failures_submit(failures, j);
}

/* source_ip - the row's client address. A program or unix-socket
 * client on this host has none ("local" in the log), but a report's
 * source_ip, and a failure report's Source-IP, must be an IP address
 * (RFC 9990 RowType, RFC 6591 3.1; the RFC 7489 schema's pattern): it
 * is this host's loopback, as InternalHosts takes such a client and
 * OpenDMARC reports it */
static const char *
source_ip(const struct session *s)
{
	return s->client_ip.family != 0 ? s->client_addr : "127.0.0.1";
}

void
report_hook_eom(const struct session *s, const struct verdict *v)
{
	const struct message *m = &s->msg;
	const struct checks_dmarc *d = &m->checks.dmarc;
	size_t i;

	if ((writer == NULL && failures == NULL) || !d->evaluated ||
	    v->kind == VERDICT_TEMPFAIL)
		return;
	for (i = 0; i < d->author_count; i++) {
		const struct dmarc_result *res = &d->authors[i].res;
		struct report_row *row;

		if (res->record == NULL || res->policy_domain[0] == '\0')
			continue;
		row = xcalloc(1, sizeof(*row));
		row->arrival = (int64_t)time(NULL);
		COPY(row->queue_id, m->queue_id != NULL ? m->queue_id : "");
		COPY(row->source_ip, source_ip(s));
		COPY(row->header_from, res->header_from);
		envelope_domain(m->mail_from, row->envelope_from,
		    sizeof(row->envelope_from));
		fill_record(row, res, m->conf->dmarc_mode);
		COPY(row->dmarc_result, dmarc_res_name(res->result));
		row->dkim_aligned = res->dkim_aligned;
		row->spf_aligned = res->spf_aligned;
		COPY(row->disposition, applied_word(v->kind));
		fill_override(row, res, v, m->checks.arc);
		fill_auth(row, s, res);
		if (failures != NULL)
			queue_failure(s, v, res, row);
		if (writer != NULL)
			report_writer_submit(writer, row);
		else
			free(row);
	}
}
