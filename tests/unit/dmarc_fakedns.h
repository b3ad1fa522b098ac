/* dmarc_fakedns.h - a table-driven DNS for the DMARC tests
 *
 * Zone entries: name, type, status, up to 4 TXT strings. Unlisted names
 * answer NXDOMAIN; a listed name asked with another type answers NODATA.
 * Each lookup is counted and logged so tests can check which queries a
 * walk made, and in which order.
 */
#ifndef DMARC_FAKEDNS_H
#define DMARC_FAKEDNS_H

#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "core/dmarc_eval.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define FAKE_MAX_ZONE	256
#define FAKE_MAX_LOG	128

struct fake_rr {
	char name[260];
	uint16_t type;
	enum dns_status st;
	size_t ntxt;
	char txt[4][512];
};

struct fake_dns {
	struct fake_rr z[FAKE_MAX_ZONE];
	size_t n;
	char log[FAKE_MAX_LOG][320];
	size_t nlog;
};

/* fake_add - add an entry (txt may be NULL) */
static inline struct fake_rr *
fake_add(struct fake_dns *f, const char *name, uint16_t type,
    enum dns_status st, const char *txt)
{
	struct fake_rr *r;
	size_t i;

	for (i = 0; i < f->n; i++) {
		r = &f->z[i];
		if (r->type == type && ascii_strcasecmp(r->name, name) == 0) {
			if (txt != NULL && r->ntxt < 4)
				snprintf(r->txt[r->ntxt++], sizeof(r->txt[0]),
				    "%s", txt);
			return r;
		}
	}
	if (f->n >= FAKE_MAX_ZONE)
		abort();
	r = &f->z[f->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->type = type;
	r->st = st;
	if (txt != NULL)
		snprintf(r->txt[r->ntxt++], sizeof(r->txt[0]), "%s", txt);
	return r;
}

/* fake_answer - build an answer (free with fake_answer_free) */
static inline struct dns_answer *
fake_answer(struct fake_dns *f, const char *name, uint16_t type)
{
	struct dns_answer *a = xcalloc(1, sizeof(*a));
	size_t i, k;
	bool name_known = false;

	if (f->nlog < FAKE_MAX_LOG)
		snprintf(f->log[f->nlog++], sizeof(f->log[0]), "%s/%s", name,
		    type == DNS_T_TXT ? "TXT" : "A");
	a->status = DNS_R_NXDOMAIN;
	for (i = 0; i < f->n; i++) {
		const struct fake_rr *r = &f->z[i];

		if (ascii_strcasecmp(r->name, name) != 0)
			continue;
		name_known = true;
		if (r->type != type)
			continue;
		a->status = r->st;
		if (r->st == DNS_R_ANSWER && type == DNS_T_TXT) {
			a->count = r->ntxt;
			a->rr = xcalloc(r->ntxt + 1, sizeof(*a->rr));
			for (k = 0; k < r->ntxt; k++) {
				a->rr[k].type = DNS_T_TXT;
				a->rr[k].text = xstrdup(r->txt[k]);
				a->rr[k].text_len = strlen(r->txt[k]);
			}
		} else if (r->st == DNS_R_ANSWER) {
			a->count = 1;
			a->rr = xcalloc(1, sizeof(*a->rr));
			a->rr[0].type = type;
			a->rr[0].addr[0] = 192;
		}
		return a;
	}
	if (name_known)
		a->status = DNS_R_NODATA;
	return a;
}

static inline void
fake_answer_free(struct dns_answer *a)
{
	size_t k;

	for (k = 0; k < a->count; k++)
		free(a->rr[k].text);
	free(a->rr);
	free(a);
}

/*
 * fake_drive - what the milter glue does: optionally feed every prefetch
 * name first (the async start at the From header), set the identifiers,
 * then answer next_query until done. Returns the number of lookups.
 */
static inline size_t
fake_drive(struct fake_dns *f, struct dmarc_eval *e, bool prefetch,
    const struct dmarc_auth *auth, struct dmarc_result *r)
{
	const char *names[DMARC_WALK_MAX_QUERIES], *q;
	uint16_t type;
	size_t n, i, count = 0;
	struct dns_answer *a;

	if (prefetch) {
		n = dmarc_eval_prefetch(e, names, DMARC_WALK_MAX_QUERIES);
		for (i = 0; i < n; i++) {
			a = fake_answer(f, names[i], DNS_T_TXT);
			dmarc_eval_feed(e, names[i], DNS_T_TXT, a);
			fake_answer_free(a);
			count++;
		}
	}
	for (i = 0; i < 2; i++) {
		/* i == 0: discovery only (From arrived); i == 1: end of message */
		if (i == 1 && auth != NULL)
			dmarc_eval_set_auth(e, auth);
		while (dmarc_eval_next_query(e, &q, &type)) {
			char qn[300];

			snprintf(qn, sizeof(qn), "%s", q);
			a = fake_answer(f, qn, type);
			dmarc_eval_feed(e, qn, type, a);
			fake_answer_free(a);
			if (++count > 4 * DMARC_EVAL_MAX_ANSWERS)
				abort();	/* the loop must end */
		}
	}
	dmarc_eval_result(e, r);
	return count;
}

/* fake_run - evaluate author with opts, the fake DNS and identifiers
 * (query by query); the result's record pointer dies with the
 * evaluation, so it is cleared: read its scalars only */
static inline size_t
fake_run(struct fake_dns *f, const char *author,
    const struct dmarc_eval_opts *opts, const struct dmarc_auth *auth,
    struct dmarc_result *r)
{
	struct dmarc_eval *e = dmarc_eval_new(author, opts);
	size_t n = fake_drive(f, e, false, auth, r);

	r->record = NULL;
	dmarc_eval_free(&e);
	if (e != NULL)
		abort();	/* dmarc_eval_free must clear the pointer */
	return n;
}

#endif
