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
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dkim_verify.h"
#include "core/dmarc_eval.h"
#include "milter/report_hook.h"
#include "milter/session.h"
#include "report/report_row.h"
#include "spf/spf.h"
#include "util/xmalloc.h"

static struct report_writer *writer;

void
report_hook_set_writer(struct report_writer *w)
{
	writer = w;
}

#define COPY(field, src) report_row_copy_text((field), sizeof(field), (src))

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

/* fill_override - why the applied disposition is weaker than asked */
static void
fill_override(struct report_row *row, const struct dmarc_result *res,
    const struct verdict *v)
{
	const char *asked = dmarc_policy_name(res->policy);

	if (res->result != DMARC_RES_FAIL || strength(asked) <=
	    strength(row->disposition))
		return;
	if (res->testing)
		COPY(row->override_type, "policy_test_mode");
	else if (res->sampled_out)
		COPY(row->override_type, "sampled_out");
	else {
		COPY(row->override_type, "local_policy");
		COPY(row->override_comment, v->why != NULL ? v->why : "");
	}
}

/* fill_auth - SPF (the identity DMARC used) and every DKIM signature */
static void
fill_auth(struct report_row *row, const struct session *s)
{
	const struct checks *ck = &s->msg.checks;
	const struct spf_result *spf = NULL;
	size_t i, n;

	if (ck->spf_mailfrom_done && *s->msg.mail_from != '\0') {
		spf = &ck->spf_mailfrom;
		COPY(row->spf_scope, "mfrom");
	} else if (ck->spf_helo_done) {
		spf = &ck->spf_helo;
		COPY(row->spf_scope, "helo");
	} else if (ck->spf_mailfrom_done) {
		spf = &ck->spf_mailfrom;
		COPY(row->spf_scope, "helo");
	}
	if (spf != NULL) {
		COPY(row->spf_domain, spf->domain != NULL ? spf->domain : "");
		COPY(row->spf_result, spf_res_name(spf->res));
	} else
		COPY(row->spf_result, "none");
	n = ck->dkim != NULL ? dkim_verifier_result_count(ck->dkim) : 0;
	for (i = 0; i < n && row->dkim_count < REPORT_MAX_DKIM; i++) {
		const struct dkim_result *r = dkim_verifier_result(ck->dkim, i);
		struct report_dkim *d = &row->dkim[row->dkim_count++];

		COPY(d->domain, r->domain);
		COPY(d->selector, r->selector);
		COPY(d->result, dkim_res_name(r->result));
	}
}

void
report_hook_eom(const struct session *s, const struct verdict *v)
{
	const struct message *m = &s->msg;
	const struct checks_dmarc *d = &m->checks.dmarc;
	const char *at;
	size_t i;

	if (writer == NULL || !d->evaluated || v->kind == VERDICT_TEMPFAIL)
		return;
	for (i = 0; i < d->author_count; i++) {
		const struct dmarc_result *res = &d->authors[i].res;
		struct report_row *row;

		if (res->record == NULL || res->policy_domain[0] == '\0')
			continue;
		row = xcalloc(1, sizeof(*row));
		row->arrival = (int64_t)time(NULL);
		COPY(row->queue_id, m->queue_id != NULL ? m->queue_id : "");
		COPY(row->source_ip, s->client_addr);
		COPY(row->header_from, res->header_from);
		at = strrchr(m->mail_from, '@');
		COPY(row->envelope_from, at != NULL ? at + 1 : "");
		fill_record(row, res, m->conf->dmarc_mode);
		COPY(row->dmarc_result, dmarc_res_name(res->result));
		row->dkim_aligned = res->dkim_aligned;
		row->spf_aligned = res->spf_aligned;
		COPY(row->disposition, applied_word(v->kind));
		fill_override(row, res, v);
		fill_auth(row, s);
		report_writer_submit(writer, row);
	}
}
