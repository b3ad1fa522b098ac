/*
 * checks_dmarc.c - DMARC in the milter: From parsing as each From field
 * arrives, early DMARC record lookups for its author domain, and at end
 * of message the evaluation (src/core/dmarc_eval.c) with the SPF and DKIM
 * identifiers, the A-R entry and the policy input.
 *
 * Several From fields or mailboxes of several domains: with
 * DMARCMultipleFrom strictest every author domain is evaluated and the
 * strictest result counts; with reject the message is refused. Either way
 * the A-R carries one dmarc= result, the strictest, naming every author
 * domain, so a downstream filter (Sieve, a spam filter) that trusts
 * "dmarc=pass" never sees a pass for one author beside a failure of
 * another. A From that cannot be parsed, none at all, or more From fields
 * or author domains than are evaluated, gives dmarc=permerror and sets the
 * policy input's bad_from (DMARCBadFrom decides): never a pass by accident.
 * So does an author domain that is not a valid IDNA2008 name or mixes
 * scripts in a label (src/core/idna.c); a valid one is evaluated in its
 * A-label form, which the A-R's header.from carries (ASCII whatever the
 * message: RFC 6532 allows UTF-8 in header fields only in SMTPUTF8
 * mail, and the A-label is what DNS and reports used), while authcheck
 * shows the U-label form next to it.
 */
#include "config.h"

#include <libpsl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/idna.h"
#include "core/orgdomain.h"
#include "milter/checks_dmarc.h"
#include "util/fmt.h"
#include "util/str.h"
#include "util/xmalloc.h"

static psl_ctx_t *psl;

const char *
checks_dmarc_psl_problem(const char *psl_file)
{
	const char *why = NULL;
	psl_ctx_t *p = orgdomain_psl_load(psl_file, &why);

	psl_free(p);
	return why;
}

bool
checks_dmarc_init(const char *psl_file, const char **why_r)
{
	*why_r = NULL;
	if (psl_file != NULL)
		psl = orgdomain_psl_load(psl_file, why_r);
	else if ((psl = psl_latest(NULL)) == NULL)
		psl = (psl_ctx_t *)psl_builtin();
	return psl != NULL;
}

void
checks_dmarc_deinit(void)
{
	if (psl != NULL && psl != psl_builtin())
		psl_free(psl);
	psl = NULL;
}

/* pct_roll - RFC 7489 pct: a fresh roll per message, not a sequence
 * that repeats after every start (random() unseeded) */
static unsigned
pct_roll(void)
{
	return arc4random_uniform(100);
}

/* start_author - begin the evaluation of one author domain */
static void
start_author(struct checks_dmarc *d, struct dns_resolver *r,
    struct arena *arena, int mode, unsigned want, const struct idna_name *name)
{
	const char *domain = name->ascii;
	struct checks_dmarc_author *a;
	struct dmarc_eval_opts opts;
	const char *names[DMARC_WALK_MAX_QUERIES];
	size_t i, n;

	for (i = 0; i < d->author_count; i++)
		if (strcmp(d->authors[i].domain, domain) == 0)
			return;
	if (d->author_count == CHECKS_MAX_AUTHORS) {
		/* an author left out could be the one that fails */
		d->from_problem = "too many author domains";
		return;
	}
	a = &d->authors[d->author_count++];
	/* every field: outcome.c reads res even when no evaluation ran;
	 * res's strings are emptied, not cleared (issue 18) */
	memset(a, 0, offsetof(struct checks_dmarc_author, res));
	memset(&a->res, 0, offsetof(struct dmarc_result, header_from));
	a->res.header_from[0] = a->res.policy_domain[0] = '\0';
	a->res.org_domain[0] = '\0';
	memset(&opts, 0, sizeof(opts));
	opts.mode = (enum dmarc_mode)mode;
	opts.psl = psl;
	opts.pct_roll = pct_roll;
	opts.want_org_domain = (want & CHECKS_DMARC_WANT_ORG) != 0;
	opts.align_every = (want & CHECKS_DMARC_ALIGN_EVERY) != 0;
	/* in the message's arena: no malloc and free for each (issue 18) */
	a->domain = arena_strdup(arena, domain);
	a->unicode = name->international ? arena_strdup(arena, name->unicode) :
	    NULL;
	/* domain is idna_domain's A-label form: not checked again */
	a->eval = dmarc_eval_new_checked(domain, &opts);
	if (r == NULL)
		return;
	n = dmarc_eval_prefetch(a->eval, names, DMARC_WALK_MAX_QUERIES);
	for (i = 0; i < n; i++) {
		/* in the eval, which outlives the queries (checks_dmarc_reset) */
		a->prefetch[i].name = names[i];
		a->prefetch[i].query = dns_query_start(r, names[i], DNS_T_TXT);
	}
	a->prefetch_count = n;
}

void
checks_dmarc_from(struct checks_dmarc *d, struct dns_resolver *r,
    struct arena *arena, int mode, unsigned want, const char *value)
{
	struct mailaddr_list *l;
	const char *why = NULL;
	size_t i;

	if (d->from_count == CHECKS_MAX_FROM) {
		d->from_problem = "too many From fields";
		return;
	}
	l = &d->from[d->from_count];
	if (mailaddr_parse_list((const unsigned char *)value, strlen(value), l,
	    &why) != MAILADDR_OK) {
		mailaddr_list_free(l);
		d->from_problem = "From field cannot be parsed";
		return;
	}
	d->from_count++;
	for (i = 0; i < l->count; i++) {
		const char *dom = l->addrs[i].domain;
		struct idna_name name;

		if (idna_domain((const unsigned char *)dom, strlen(dom), &name,
		    &why) != IDNA_OK) {
			d->from_problem = why;
			continue;
		}
		start_author(d, r, arena, mode, want, &name);
	}
}

bool
checks_dmarc_author_org(const struct checks_dmarc *d, const char *domain)
{
	char lower[DMARC_DOMAIN_SIZE], org[DMARC_DOMAIN_SIZE];
	char author_org[DMARC_DOMAIN_SIZE];
	size_t i, len = strlen(domain);

	if (psl == NULL || len == 0 || len >= sizeof(lower))
		return false;
	(void)str_copy(lower, sizeof(lower), domain);
	(void)str_lower(lower);
	if (lower[len - 1] == '.')
		lower[len - 1] = '\0';
	if (!orgdomain_psl(psl, lower, org, sizeof(org)))
		return false;
	for (i = 0; i < d->author_count; i++)
		if (orgdomain_psl(psl, d->authors[i].domain, author_org,
		    sizeof(author_org)) && strcmp(org, author_org) == 0)
			return true;
	return false;
}

/* take_prefetched - the started query for name, if any (TXT only) */
static struct dns_query **
take_prefetched(struct checks_dmarc_author *a, const char *name, uint16_t type)
{
	size_t i;

	if (type != DNS_T_TXT)
		return NULL;
	/* the names come from the same eval, so mostly in the same case:
	 * strcmp decides at once where ascii_strcasecmp walked every byte */
	for (i = 0; i < a->prefetch_count; i++)
		if (a->prefetch[i].query != NULL &&
		    (strcmp(a->prefetch[i].name, name) == 0 ||
		    ascii_strcasecmp(a->prefetch[i].name, name) == 0))
			return &a->prefetch[i].query;
	return NULL;
}

/* evaluate - run one author domain's evaluation to its result */
static void
evaluate(struct checks_dmarc_author *a, struct dns_resolver *r,
    unsigned timeout_ms, struct dns_budget *budget,
    const struct dmarc_auth *auth)
{
	const char *name;
	uint16_t type;
	size_t i;

	dmarc_eval_set_auth(a->eval, auth);
	while (r != NULL && dmarc_eval_next_query(a->eval, &name, &type)) {
		struct dns_query **q = take_prefetched(a, name, type);
		struct dns_answer *ans;

		/* name stays valid until the next dmarc_eval_next_query */
		ans = q != NULL ? dns_budget_wait(budget, q) :
		    dns_budget_lookup(budget, r, name, type, timeout_ms);
		dmarc_eval_feed(a->eval, name, type, ans);
		dns_answer_free(&ans);
	}
	for (i = 0; i < a->prefetch_count; i++)
		dns_query_cancel(&a->prefetch[i].query);
	dmarc_eval_result(a->eval, &a->res);
}

/* policy_word - the A-R comment word for a published policy */
static const char *
policy_word(enum dmarc_policy p)
{
	return p == DMARC_POLICY_UNSET ? NULL : dmarc_policy_name(p);
}

/* map_disposition - the policy module's words */
static enum policy_disposition
map_disposition(enum dmarc_policy p)
{
	if (p == DMARC_POLICY_REJECT)
		return POLICY_DISP_REJECT;
	if (p == DMARC_POLICY_QUARANTINE)
		return POLICY_DISP_QUARANTINE;
	return POLICY_DISP_NONE;
}

static enum policy_dmarc
map_result(enum dmarc_res r)
{
	switch (r) {
	case DMARC_RES_PASS: return POLICY_DMARC_PASS;
	case DMARC_RES_FAIL: return POLICY_DMARC_FAIL;
	case DMARC_RES_TEMPERROR: return POLICY_DMARC_TEMPERROR;
	case DMARC_RES_PERMERROR: return POLICY_DMARC_PERMERROR;
	case DMARC_RES_NONE: break;
	}
	return POLICY_DMARC_NONE;
}

/* add_polrec - RFC 9989's polrec.p, the p= of the record discovery
 * found (as published: the comment's p= reads a missing one as none),
 * and polrec.domain, where it was found when that is not header.from:
 * a reader sees an inherited policy. Nothing without a record: none,
 * and a temperror or permerror before one was found. */
static void
add_polrec(struct authres *ar, const struct dmarc_result *res)
{
	const struct dmarc_record *rec = res->record;

	if (rec == NULL)
		return;
	if (rec->p != DMARC_POLICY_UNSET && rec->p != DMARC_POLICY_INVALID)
		authres_add_prop(ar, "polrec", "p", dmarc_policy_name(rec->p));
	if (*res->policy_domain != '\0' &&
	    ascii_strcasecmp(res->policy_domain, res->header_from) != 0)
		authres_add_prop(ar, "polrec", "domain", res->policy_domain);
}

/* add_result - "dmarc=fail (p=reject sp=none dis=reject) header.from=d
 * polrec.p=reject", for several authors "(p=reject dis=reject; authors
 * d e)" with the domain whose result counts in header.from and polrec */
static void
add_result(struct authres *ar, const struct checks_dmarc *d)
{
	const struct dmarc_result *res = &d->authors[d->chosen].res;
	size_t i;
	struct buf comment = BUF_INIT;
	const char *w;

	authres_add(ar, "dmarc", dmarc_res_name(res->result));
	if ((w = policy_word(res->p)) != NULL) {
		FMT_LIT(&comment, "p=");
		buf_append_str(&comment, w);
	}
	if ((w = policy_word(res->sp)) != NULL) {
		if (comment.len > 0)
			buf_append_byte(&comment, ' ');
		FMT_LIT(&comment, "sp=");
		buf_append_str(&comment, w);
	}
	if (res->p != DMARC_POLICY_UNSET) {
		FMT_LIT(&comment, " dis=");
		buf_append_str(&comment, res->result == DMARC_RES_FAIL ?
		    dmarc_policy_name(res->disposition == DMARC_POLICY_UNSET ?
		    DMARC_POLICY_NONE : res->disposition) : "none");
	}
	if (d->author_count > 1) {
		if (comment.len > 0)
			FMT_LIT(&comment, "; ");
		FMT_LIT(&comment, "authors");
		for (i = 0; i < d->author_count; i++) {
			buf_append_byte(&comment, ' ');
			buf_append_str(&comment, d->authors[i].res.header_from);
		}
	}
	if (comment.len > 0)
		authres_add_comment(ar, buf_cstr(&comment));
	if (res->result != DMARC_RES_PASS && res->result != DMARC_RES_FAIL &&
	    res->reason != NULL && *res->reason != '\0')
		authres_add_reason(ar, res->reason);
	authres_add_prop(ar, "header", "from", res->header_from);
	add_polrec(ar, res);
	buf_deinit(&comment);
}

bool
checks_dmarc_eom(struct checks_dmarc *d, struct dns_resolver *r,
    unsigned timeout_ms, struct dns_budget *budget, bool reject_multi,
    const struct dmarc_auth *auth, struct authres *ar,
    struct policy_input *in)
{
	const char *domains[CHECKS_MAX_AUTHORS];
	struct dmarc_result results[CHECKS_MAX_AUTHORS];
	const struct dmarc_record *rec;
	enum dmarc_from_status st;
	size_t i, n = 0;

	d->evaluated = true;
	st = dmarc_author_domains(d->from, d->from_count, domains,
	    CHECKS_MAX_AUTHORS, &n);
	if (d->from_problem != NULL || st == DMARC_FROM_NONE || n == 0) {
		/* RFC 9989: no single author domain, no policy to apply */
		if (d->from_problem == NULL)
			d->from_problem = "no From address";
		authres_add(ar, "dmarc", "permerror");
		authres_add_reason(ar, d->from_problem);
		in->dmarc = POLICY_DMARC_PERMERROR;
		in->bad_from = d->from_problem;
		return true;
	}
	/* distinct author domains in their A-label form, as start_author
	 * kept them (RFC 9989 5.3.1 converts U-labels before counting):
	 * dmarc_author_domains compares the forms as written, to which a
	 * U-label and its own A-label are two domains */
	d->multi_domain = d->author_count > 1;
	if (d->multi_domain && reject_multi) {
		/* no evaluation runs: the log line (outcome.c) and authcheck
		 * read from_problem, not the authors' empty results, which
		 * said dmarc=none beside this A-R's permerror */
		d->from_problem = "several author domains in From";
		authres_add(ar, "dmarc", "permerror");
		authres_add_reason(ar, d->from_problem);
		in->dmarc = POLICY_DMARC_PERMERROR;
		return false;
	}
	for (i = 0; i < d->author_count; i++)
		evaluate(&d->authors[i], r, timeout_ms, budget, auth);
	/* one author (nearly all mail) needs no ~800-byte copy to choose */
	d->chosen = 0;
	if (d->author_count > 1) {
		for (i = 0; i < d->author_count; i++)
			results[i] = d->authors[i].res;
		d->chosen = dmarc_result_strictest(results, d->author_count);
	}
	add_result(ar, d);
	in->dmarc = map_result(d->authors[d->chosen].res.result);
	in->dmarc_disposition = map_disposition(d->authors[d->chosen].res.disposition);
	in->from_domain = d->authors[d->chosen].res.header_from;
	in->from_org_domain = d->authors[d->chosen].res.org_domain;
	if ((rec = d->authors[d->chosen].res.record) != NULL) {
		in->adkim_strict = rec->adkim_strict;
		in->aspf_strict = rec->aspf_strict;
	}
	return true;
}

void
checks_dmarc_reset(struct checks_dmarc *d)
{
	size_t i, j;

	for (i = 0; i < d->from_count; i++)
		mailaddr_list_free(&d->from[i]);
	for (i = 0; i < d->author_count; i++) {
		struct checks_dmarc_author *a = &d->authors[i];

		/* the strings go with the message's arena */
		for (j = 0; j < a->prefetch_count; j++)
			dns_query_cancel(&a->prefetch[j].query);
		dmarc_eval_free(&a->eval);
	}
	checks_dmarc_state_init(d);
}

_Static_assert(offsetof(struct checks_dmarc, chosen) <
    offsetof(struct checks_dmarc, from) &&
    offsetof(struct checks_dmarc, from) <
    offsetof(struct checks_dmarc, authors),
    "checks_dmarc: the entry arrays must come last");

void
checks_dmarc_state_init(struct checks_dmarc *d)
{
	memset(d, 0, offsetof(struct checks_dmarc, from));
}
