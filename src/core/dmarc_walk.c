/*
 * dmarc_walk.c - DMARC policy discovery and the DNS Tree Walk, over the
 * answer table of one evaluation (split from dmarc_eval.c, which keeps
 * the public API, alignment and the policy choice).
 *
 * Exported (to dmarc_eval.c only, through the internal dmarc_walk.h):
 *   dmarc_walk_find / _get          - the answer table; a missing answer
 *                                     is noted as the next need
 *   dmarc_walk_run / _org           - RFC 9989 4.10 tree walk and the
 *                                     organizational domain it gives
 *   dmarc_walk_discover_9989 / 7489 - the policy record
 *   dmarc_walk_org_of               - org domain of an identifier
 *   dmarc_walk_name, _labels, _suffix, _copy_domain, _valid_domain,
 *   dmarc_walk_is_temp              - small helpers both files use
 *
 * RFC 9989 mode (the default):
 * - DNS Tree Walk, RFC 9989 4.10: query _dmarc.<domain>; then, if the
 *   domain has x < 8 labels drop one label, else shorten to 7 labels; then
 *   drop one label at a time down to the TLD. At most 8 queries per walk.
 *   At each name only TXT records starting with v=DMARC1 count; several
 *   such records are all discarded (no record at that name, the walk goes
 *   on). A record with psd=y or psd=n stops the walk.
 * - Organizational domain, RFC 9989 4.10.2: from the records found, longest
 *   name first: psd=n -> that name; psd=y (not at the start name) -> the
 *   name one label below it; else the name with the fewest labels that has
 *   a record; no record at all -> the start name itself.
 * - Policy record, RFC 9989 4.10.1: the author domain's record if it has
 *   one (one query suffices); else the organizational domain's record;
 *   else the PSD's (psd=y) record. Records at other names on the way are
 *   not policy records.
 *
 * RFC 7489 mode (compatibility):
 * - Organizational domain by the PSL (orgdomain_psl, RFC 7489 3.2).
 * - Discovery, RFC 7489 6.6.3: _dmarc.<author>; if it holds no DMARC
 *   record, _dmarc.<org> (if different). Several records at the queried
 *   name end discovery: no DMARC (step 5).
 *
 * Both modes: DNS SERVFAIL/timeout/bogus/local error during discovery ->
 * temperror (never a silent none). NXDOMAIN/NODATA -> no record.
 *
 * No I/O, no globals: everything reads and writes the struct dmarc_eval
 * the caller passes. Errors never abort.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/dmarc_walk.h"
#include "core/idna.h"
#include "core/orgdomain.h"
#include "util/str.h"

static const struct dmarc_answer timeout_answer = { .st = DNS_R_TIMEOUT };

/* dmarc_walk_is_temp - DNS statuses that mean "try again later" */
bool
dmarc_walk_is_temp(enum dns_status st)
{
	return st == DNS_R_SERVFAIL || st == DNS_R_TIMEOUT ||
	    st == DNS_R_BOGUS || st == DNS_R_ERROR;
}

/* dmarc_walk_find - the stored answer for (name, type) or NULL */
struct dmarc_answer *
dmarc_walk_find(struct dmarc_eval *e, const char *name, uint16_t type)
{
	size_t i, len = strlen(name);

	/* names that differ in length never match; those asked are mostly
	 * stored in the same case, so strcmp decides at once (ascii_strcasecmp
	 * over every stored name cost ~2,000 instructions a message) */
	for (i = 0; i < e->nans; i++)
		if (e->ans[i].type == type && e->ans[i].name_len == len &&
		    (strcmp(e->ans[i].name, name) == 0 ||
		    ascii_strcasecmp(e->ans[i].name, name) == 0))
			return &e->ans[i];
	return NULL;
}

/*
 * dmarc_walk_get - the answer for (name, type). Missing: in final mode
 * (or with a full table) a timeout; otherwise NULL after noting it as the
 * need.
 */
const struct dmarc_answer *
dmarc_walk_get(struct dmarc_ctx *c, const char *name, uint16_t type)
{
	const struct dmarc_answer *a = dmarc_walk_find(c->e, name, type);

	if (a != NULL)
		return a;
	if (c->final || c->e->nans >= DMARC_EVAL_MAX_ANSWERS)
		return &timeout_answer;
	/* names come from dmarc_walk_name or are validated domains: they fit */
	(void)str_copy(c->e->need, sizeof(c->e->need), name);
	c->e->need_type = type;
	return NULL;
}

/* dmarc_walk_name - "_dmarc." + d into out; false when longer than a DNS
 * name */
bool
dmarc_walk_name(char *out, size_t outsz, const char *d)
{
	static const char prefix[] = "_dmarc.";
	size_t pl = sizeof(prefix) - 1, n = pl + strlen(d);

	if (n >= outsz || n > DMARC_NAME_MAX_LEN) {
		out[0] = '\0';
		return false;
	}
	memcpy(out, prefix, pl);
	memcpy(out + pl, d, n - pl + 1);
	return true;
}

/* dmarc_walk_labels - label offsets of a validated domain; returns the count */
size_t
dmarc_walk_labels(const char *d, size_t *off)
{
	size_t n = 0, i;

	off[n++] = 0;
	for (i = 0; d[i] != '\0'; i++)
		if (d[i] == '.' && n < DMARC_MAX_LABELS)
			off[n++] = i + 1;
	return n;
}

/* dmarc_walk_suffix - the last k labels of the walk's start name */
const char *
dmarc_walk_suffix(const struct dmarc_walk *w, size_t k)
{
	return w->start + w->off[w->x - k];
}

/*
 * dmarc_walk_run - RFC 9989 4.10 DNS Tree Walk from start over the answers.
 * Fills w->f with the names holding exactly one valid record.
 */
enum dmarc_walk_state
dmarc_walk_run(struct dmarc_ctx *c, const char *start, struct dmarc_walk *w)
{
	char name[DMARC_NAME_MAX_LEN + 1];
	size_t k, step;

	/* not all of *w (~1.2 KB, cleared on every run before, issue 18):
	 * off[0..x) and f[0..nfound) are written before they are read */
	w->start = start;
	w->nfound = 0;
	w->multi = false;
	w->x = dmarc_walk_labels(start, w->off);
	for (step = 0, k = w->x; k >= 1; step++) {
		const struct dmarc_answer *a;

		if (step == 1)	/* RFC 9989 4.10 step 4: x < 8 or shorten to 7 */
			k = w->x < 8 ? w->x - 1 : 7;
		if (k == 0)
			break;
		if (dmarc_walk_name(name, sizeof(name), dmarc_walk_suffix(w, k))) {
			if ((a = dmarc_walk_get(c, name, DNS_T_TXT)) == NULL)
				return W_NEED;
			if (dmarc_walk_is_temp(a->st))
				return W_TEMP;
			if (a->ndmarc > 1) {
				w->multi = true;
			} else if (a->parsed) {
				w->f[w->nfound].a = a;
				w->f[w->nfound++].labels = k;
				if (a->rec.psd != DMARC_PSD_U)
					break;	/* steps 2 and 6: stop */
			}
		}
		if (step > 0)
			k--;
	}
	return W_DONE;
}

/* dmarc_walk_org - RFC 9989 4.10.2 organizational domain from a finished
 * walk */
const char *
dmarc_walk_org(const struct dmarc_walk *w, size_t *labels_r)
{
	size_t i, k = w->x;

	for (i = 0; i < w->nfound; i++) {
		if (w->f[i].a->rec.psd == DMARC_PSD_N) {
			k = w->f[i].labels;
			goto out;
		}
		if (w->f[i].a->rec.psd == DMARC_PSD_Y && w->f[i].labels != w->x) {
			k = w->f[i].labels + 1;
			goto out;
		}
	}
	if (w->nfound > 0)
		k = w->f[w->nfound - 1].labels;
out:
	*labels_r = k;
	return dmarc_walk_suffix(w, k);
}

/* dmarc_walk_copy_domain - bounded copy for result fields */
void
dmarc_walk_copy_domain(char *dst, const char *src)
{
	(void)str_copy(dst, DMARC_DOMAIN_SIZE, src); /* <= 253 bytes */
}

/* dmarc_walk_discover_9989 - RFC 9989 4.10.1 policy record */
enum dmarc_step
dmarc_walk_discover_9989(struct dmarc_ctx *c, struct dmarc_result *r,
    struct dmarc_disc *d, struct dmarc_walk *w)
{
	struct dmarc_eval *e = c->e;
	char name[DMARC_NAME_MAX_LEN + 1];
	const struct dmarc_answer *a0 = NULL;
	size_t i, ol;
	const char *org;

	if (dmarc_walk_name(name, sizeof(name), e->author)) {
		if ((a0 = dmarc_walk_get(c, name, DNS_T_TXT)) == NULL)
			return S_NEED;
		if (dmarc_walk_is_temp(a0->st)) {
			r->result = DMARC_RES_TEMPERROR;
			r->reason = "DNS failure during policy discovery";
			return S_DONE;
		}
		if (a0->ndmarc == 1 && a0->parsed) {
			d->rec = &a0->rec;
			d->pdom = e->author;
			return S_OK;
		}
	}
	switch (dmarc_walk_run(c, e->author, w)) {
	case W_NEED:
		return S_NEED;
	case W_TEMP:
		r->result = DMARC_RES_TEMPERROR;
		r->reason = "DNS failure during policy discovery";
		return S_DONE;
	case W_DONE:
		break;
	}
	org = dmarc_walk_org(w, &ol);
	dmarc_walk_copy_domain(d->author_org, org);
	d->author_org_known = true;
	for (i = 0; i < w->nfound && d->rec == NULL; i++)
		if (w->f[i].labels == ol) {
			d->rec = &w->f[i].a->rec;
			d->pdom = org;
		}
	for (i = 0; i < w->nfound && d->rec == NULL; i++)
		if (w->f[i].a->rec.psd == DMARC_PSD_Y) {
			d->rec = &w->f[i].a->rec;
			d->pdom = dmarc_walk_suffix(w, w->f[i].labels);
		}
	if (d->rec == NULL) {
		r->result = DMARC_RES_NONE;
		r->reason = w->multi ? "multiple DMARC records discarded" :
		    "no DMARC record";
		return S_DONE;
	}
	return S_OK;
}

/* dmarc_walk_discover_7489 - RFC 7489 6.6.3 policy record */
enum dmarc_step
dmarc_walk_discover_7489(struct dmarc_ctx *c, struct dmarc_result *r,
    struct dmarc_disc *d)
{
	struct dmarc_eval *e = c->e;
	char name[DMARC_NAME_MAX_LEN + 1];
	const char *dom[2];
	int n = 1, i;

	if (!orgdomain_psl(e->o.psl, e->author, d->author_org,
	    sizeof(d->author_org)))
		dmarc_walk_copy_domain(d->author_org, e->author);
	d->author_org_known = true;
	dom[0] = e->author;
	dom[1] = d->author_org;
	if (strcmp(dom[0], dom[1]) != 0)
		n = 2;
	for (i = 0; i < n; i++) {
		const struct dmarc_answer *a;

		if (!dmarc_walk_name(name, sizeof(name), dom[i]))
			continue;
		if ((a = dmarc_walk_get(c, name, DNS_T_TXT)) == NULL)
			return S_NEED;
		if (dmarc_walk_is_temp(a->st)) {
			r->result = DMARC_RES_TEMPERROR;
			r->reason = "DNS failure during policy discovery";
			return S_DONE;
		}
		if (a->ndmarc > 1) {
			r->result = DMARC_RES_NONE;
			r->reason = "multiple DMARC records";
			return S_DONE;
		}
		if (a->ndmarc == 1 && a->parsed) {
			d->rec = &a->rec;
			d->pdom = dom[i];
			return S_OK;
		}
	}
	r->result = DMARC_RES_NONE;
	r->reason = "no DMARC record";
	return S_DONE;
}

/* dmarc_walk_org_of - organizational domain of an identifier; S_DONE
 * means DNS failed */
enum dmarc_step
dmarc_walk_org_of(struct dmarc_ctx *c, const char *dom, char *out)
{
	struct dmarc_walk w;
	size_t ol;

	if (c->e->o.mode == DMARC_MODE_RFC7489) {
		if (!orgdomain_psl(c->e->o.psl, dom, out, DMARC_DOMAIN_SIZE))
			dmarc_walk_copy_domain(out, dom);
		return S_OK;
	}
	switch (dmarc_walk_run(c, dom, &w)) {
	case W_NEED: return S_NEED;
	case W_TEMP: return S_DONE;
	case W_DONE: break;
	}
	dmarc_walk_copy_domain(out, dmarc_walk_org(&w, &ol));
	return S_OK;
}

/*
 * dmarc_walk_valid_domain - a usable domain name, written to out in its
 * A-label form (RFC 9989 "Extract Author Domain"; IDNA2008 checks, mixed
 * scripts included, in idna.c)
 */
bool
dmarc_walk_valid_domain(const char *in, char *out)
{
	struct idna_name n;

	if (idna_domain((const unsigned char *)in, strlen(in), &n, NULL) !=
	    IDNA_OK)
		return false;
	memcpy(out, n.ascii, strlen(n.ascii) + 1);
	return true;
}
