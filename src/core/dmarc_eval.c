/*
 * dmarc_eval.c - DMARC evaluation as a pure state machine over DNS
 * answers: identifier alignment and policy choice (discovery and the
 * tree walk: dmarc_walk.c)
 *
 * Exported:
 *   dmarc_eval_new / _free      - one evaluation per author domain
 *   dmarc_eval_new_checked      - the same for a domain idna_domain gave
 *   dmarc_eval_prefetch         - TXT names discovery may need (to start early)
 *   dmarc_eval_next_query       - the next (name, type) it needs
 *   dmarc_eval_feed             - hand it an answer
 *   dmarc_eval_set_auth         - SPF and DKIM results of the message
 *   dmarc_eval_result           - the verdict
 *   dmarc_author_domains        - distinct author domains of the From fields
 *   dmarc_result_strictest      - pick the strictest of several verdicts
 *   dmarc_res_name              - RFC 8601 result word
 *
 * No I/O: the caller asks the DNS. The evaluation keeps every answer it is
 * fed in a small table (DMARC_EVAL_MAX_ANSWERS), and each step recomputes
 * the whole decision from that table, so a name shared by several tree
 * walks (_dmarc.example.com for the author and for a DKIM d=) is asked
 * once, and the state machine cannot get out of step with the answers.
 * The glue loop always ends: every query returned is one not yet in the
 * table, and when the table is full a missing answer counts as a timeout.
 *
 * Policy discovery and the DNS Tree Walk (RFC 9989 4.10, RFC 7489 6.6.3)
 * are in dmarc_walk.c; this file keeps the API, alignment and the policy.
 *
 * RFC 9989 mode (the default):
 * - Policy: p at the author domain; for a subdomain sp, or np when the
 *   author domain does not exist; missing sp/np fall back to sp then p.
 *   "Does not exist" is RFC 9989's "Non-existent Domains" term (RFC 8020
 *   semantics): NXDOMAIN. We ask an A query for the author domain, and
 *   only when np is published and differs from the policy that would
 *   otherwise apply.
 * - A missing p is p=none (RFC 9989 4.7). A bad p, sp or np: with a valid
 *   rua URI act as p=none, else no DMARC processing (RFC 9989 4.10.1); we
 *   report that as permerror (RFC 8601 2.7.1: "syntactically incorrect
 *   DMARC record") with disposition none.
 * - t=y (RFC 9989 4.7) is the successor of pct=0 (RFC 9989 Appendix A.6):
 *   the next weaker policy applies, reject -> quarantine -> none.
 * - Relaxed alignment (RFC 9989 "Identifier Alignment", 4.10.2): the
 *   organizational domains of the author domain and of the identifier
 *   are equal; each is found by its own tree walk, run only when needed
 *   (not for equal names, not under strict alignment, not once a pass is
 *   found, not for an identifier outside the author's org domain).
 *
 * RFC 7489 mode (compatibility):
 * - np, psd, t are unknown tags.
 * - pct (RFC 7489 6.3): when pct < 100 and the caller's random roll
 *   (0..99) >= pct, the next weaker policy applies.
 *
 * Both modes:
 * - Results (RFC 9989 "Mail Receiver Actions", RFC 7489 6.6.2): pass when
 *   an SPF or DKIM pass identifier is aligned. Otherwise temperror when
 *   an identifier that would be aligned had a temporary error, or when a
 *   tree walk needed for alignment hit a DNS failure ("the Mail Receiver
 *   ... cannot apply the advertised DMARC policy"). Otherwise fail with
 *   the chosen disposition. A temporary error on an identifier that is
 *   not aligned (a third-party DKIM signature) cannot turn a fail into
 *   temperror.
 * - Domains are compared and looked up as A-labels (RFC 9989 "Extract
 *   Author Domain"), see idna_domain; header_from in the
 *   result is that form.
 * - SPF identifier: MAIL FROM domain, or the HELO domain for the null
 *   sender (RFC 7208 2.4, as RFC 9989 takes the SPF result).
 *
 * Ownership: the eval owns its copies of names, records and identifiers;
 * struct dmarc_result.record points into it. Errors never abort.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dmarc_eval.h"
#include "core/dmarc_walk.h"
#include "core/orgdomain.h"
#include "util/str.h"
#include "util/spares.h"
#include "util/xmalloc.h"

/* pct_roll - the caller's 0..99 roll for RFC 7489 pct sampling */
static unsigned
pct_roll(const struct dmarc_eval_opts *o)
{
	return o->pct_roll == NULL ? 0 : o->pct_roll() % 100;
}

/* weaker - the next weaker policy (t=y, pct sampling) */
static enum dmarc_policy
weaker(enum dmarc_policy p)
{
	return p == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE :
	    DMARC_POLICY_NONE;
}

/* choose_policy - p / sp / np (RFC 9989 4.10.1, RFC 7489 6.6.3) */
static enum dmarc_step
choose_policy(struct dmarc_ctx *c, struct dmarc_result *r,
    const struct dmarc_disc *d)
{
	struct dmarc_eval *e = c->e;
	const struct dmarc_record *rec = d->rec;
	bool m9989 = e->o.mode == DMARC_MODE_RFC9989;
	enum dmarc_policy p = rec->p, base;
	bool bad;

	bad = p == DMARC_POLICY_INVALID || (!m9989 && p == DMARC_POLICY_UNSET) ||
	    rec->sp == DMARC_POLICY_INVALID ||
	    (m9989 && rec->np == DMARC_POLICY_INVALID);
	r->p = p == DMARC_POLICY_UNSET && m9989 ? DMARC_POLICY_NONE : p;
	r->sp = rec->sp;
	if (bad) {
		if (!rec->rua_valid) {
			r->result = DMARC_RES_PERMERROR;
			r->reason = "invalid p, sp or np tag and no valid rua";
			return S_DONE;
		}
		r->policy = DMARC_POLICY_NONE;	/* act as p=none */
		return S_OK;
	}
	if (p == DMARC_POLICY_UNSET)
		p = DMARC_POLICY_NONE;		/* RFC 9989 4.7 */
	if (strcmp(d->pdom, e->author) == 0) {
		r->policy = p;
		return S_OK;
	}
	base = rec->sp != DMARC_POLICY_UNSET ? rec->sp : p;
	r->policy = base;
	if (m9989 && rec->np != DMARC_POLICY_UNSET && rec->np != base) {
		const struct dmarc_answer *a = dmarc_walk_get(c, e->author, DNS_T_A);

		if (a == NULL)
			return S_NEED;
		if (dmarc_walk_is_temp(a->st)) {
			r->result = DMARC_RES_TEMPERROR;
			r->reason = "DNS failure checking whether author domain exists";
			return S_DONE;
		}
		if (a->st == DNS_R_NXDOMAIN) {
			r->policy = rec->np;
			r->author_nxdomain = true;
		}
	}
	return S_OK;
}

/* is_suffix_of - id equals suf or ends in "." suf */
static bool
is_suffix_of(const char *suf, const char *id)
{
	size_t ls = strlen(suf), li = strlen(id);

	if (li < ls || strcmp(id + li - ls, suf) != 0)
		return false;
	return li == ls || id[li - ls - 1] == '.';
}

/* Alignment bookkeeping. */
struct align {
	bool pass, spf, dkim;
	bool temp;		/* an aligned identifier had a temporary error */
	bool walk_temp;		/* a walk for alignment hit a DNS failure */
};

/*
 * relaxed_ok - are id and author in relaxed alignment? S_OK with *yes,
 * S_NEED, or S_DONE when a DNS failure stopped it (noted in *al).
 */
static enum dmarc_step
relaxed_ok(struct dmarc_ctx *c, struct dmarc_disc *d, const char *id, bool *yes,
    struct align *al)
{
	char org[DMARC_DOMAIN_SIZE];
	enum dmarc_step s;

	*yes = false;
	if (!d->author_org_known) {
		s = dmarc_walk_org_of(c, c->e->author, d->author_org);
		if (s == S_NEED)
			return S_NEED;
		if (s == S_DONE) {
			al->walk_temp = true;
			return S_DONE;
		}
		d->author_org_known = true;
	}
	/*
	 * org(id) is a suffix of id, so org(id) == org(author) needs id to end
	 * in org(author): other identifiers (third-party signatures) cannot
	 * align and cost no DNS queries.
	 */
	if (!is_suffix_of(d->author_org, id))
		return S_OK;
	s = dmarc_walk_org_of(c, id, org);
	if (s == S_NEED)
		return S_NEED;
	if (s == S_DONE) {
		al->walk_temp = true;
		return S_DONE;
	}
	*yes = strcmp(org, d->author_org) == 0;
	return S_OK;
}

/* align_ids - alignment (RFC 9989, RFC 7489 3.1) of res == want identifiers */
static enum dmarc_step
align_ids(struct dmarc_ctx *c, struct dmarc_disc *d, enum dmarc_auth_res want,
    struct align *al)
{
	struct dmarc_eval *e = c->e;
	size_t i;
	int pass;

	/* exact matches first: no DNS (the RFC 9989 4.10.2 shortcut) */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < e->nid; i++) {
			const struct dmarc_ident *id = &e->id[i];
			bool strict = id->is_spf ? d->rec->aspf_strict :
			    d->rec->adkim_strict;
			bool yes = strcmp(id->d, e->author) == 0;

			if (id->res != want)
				continue;
			if (!yes && pass == 1 && !strict) {
				enum dmarc_step s = relaxed_ok(c, d, id->d, &yes, al);

				if (s == S_NEED)
					return S_NEED;
			}
			if (!yes)
				continue;
			if (want == DMARC_AUTH_TEMPERROR) {
				al->temp = true;
				continue;
			}
			al->pass = true;
			if (id->is_spf)
				al->spf = true;
			else
				al->dkim = true;
		}
		/* no more DNS once DMARC passes, unless the reports want
		 * the other identifiers' alignment (an exact DKIM match must
		 * not leave a relaxed SPF one written as not aligned) */
		if (al->pass && !e->o.align_every)
			break;
	}
	return S_OK;
}

/* org_only - the organizational domain of the author domain by itself
 * (opts.org_only): the tree walk, or the PSL in rfc7489 mode; a record's
 * p= or np= plays no part, nor does the author's existence */
static enum dmarc_step
org_only(struct dmarc_ctx *c, struct dmarc_result *r, struct dmarc_disc *d)
{
	enum dmarc_step s = dmarc_walk_org_of(c, c->e->author, d->author_org);

	if (s == S_NEED)
		return S_NEED;
	if (s != S_OK) {
		r->result = DMARC_RES_TEMPERROR;
		r->reason = "DNS failure during organizational domain discovery";
		return S_DONE;
	}
	dmarc_walk_copy_domain(r->org_domain, d->author_org);
	r->reason = "organizational domain only";
	return S_DONE;
}

/* compute - the whole decision from the answers so far */
static enum dmarc_step
compute(struct dmarc_eval *e, bool final, struct dmarc_result *r)
{
	struct dmarc_ctx c = { e, final };
	struct dmarc_disc d;
	struct dmarc_walk w;
	struct align al;
	enum dmarc_step s;

	/* the strings are emptied, not cleared: this runs for every query
	 * and at the end (issue 18) */
	memset(r, 0, offsetof(struct dmarc_result, header_from));
	r->policy_domain[0] = r->org_domain[0] = '\0';
	memset(&d, 0, offsetof(struct dmarc_disc, author_org));
	d.author_org[0] = '\0';
	memset(&al, 0, sizeof(al));
	dmarc_walk_copy_domain(r->header_from, e->author);
	r->reason = "no DMARC record";
	if (!e->author_ok) {
		r->reason = "no usable author domain";
		return S_DONE;
	}
	if (e->o.org_only)
		return org_only(&c, r, &d);
	s = e->o.mode == DMARC_MODE_RFC9989 ? dmarc_walk_discover_9989(&c, r, &d, &w) :
	    dmarc_walk_discover_7489(&c, r, &d);
	if (s != S_OK)
		return s;
	r->record = d.rec;
	dmarc_walk_copy_domain(r->policy_domain, d.pdom);
	if ((s = choose_policy(&c, r, &d)) != S_OK)
		return s;
	if (!e->auth_set && !final)
		return S_DONE;	/* discovery complete; alignment later */
	/* a tree walk only to report the org domain; a DNS failure here
	 * leaves it unknown and changes no result */
	if (e->o.want_org_domain && !d.author_org_known) {
		s = dmarc_walk_org_of(&c, e->author, d.author_org);
		if (s == S_NEED)
			return S_NEED;
		d.author_org_known = s == S_OK;
	}
	s = align_ids(&c, &d, DMARC_AUTH_PASS, &al);
	if (s == S_OK && !al.pass)
		s = align_ids(&c, &d, DMARC_AUTH_TEMPERROR, &al);
	if (s == S_NEED)
		return S_NEED;
	if (d.author_org_known)
		dmarc_walk_copy_domain(r->org_domain, d.author_org);
	r->spf_aligned = al.spf;
	r->dkim_aligned = al.dkim;
	if (al.pass) {
		r->result = DMARC_RES_PASS;
		r->reason = "aligned identifier passed";
		r->disposition = DMARC_POLICY_NONE;
		return S_DONE;
	}
	if (al.temp || al.walk_temp) {
		r->result = DMARC_RES_TEMPERROR;
		r->reason = al.temp ? "aligned identifier had a temporary error" :
		    "DNS failure during organizational domain discovery";
		r->disposition = DMARC_POLICY_NONE;
		return S_DONE;
	}
	r->result = DMARC_RES_FAIL;
	r->reason = "no aligned identifier passed";
	r->disposition = r->policy;
	if (e->o.mode == DMARC_MODE_RFC9989 && d.rec->testing &&
	    r->disposition != DMARC_POLICY_NONE) {
		r->disposition = weaker(r->disposition);
		r->testing = true;
	}
	if (e->o.mode == DMARC_MODE_RFC7489 && d.rec->pct < 100 &&
	    r->disposition != DMARC_POLICY_NONE &&
	    pct_roll(&e->o) >= d.rec->pct) {
		r->disposition = weaker(r->disposition);
		r->sampled_out = true;
	}
	return S_DONE;
}

/* Freed evaluations kept for the next message (util/spares.h): at 11 KB
 * of answer tables each, a malloc and free per message cost ~1,900
 * instructions; eval_start sets every field it reads, as after malloc. */
static struct spares eval_spares = SPARES_INIT(16);

/* eval_start - a new evaluation; checked: author_domain is in the form
 * dmarc_walk_valid_domain gives */
static struct dmarc_eval *
eval_start(const char *author_domain, bool checked,
    const struct dmarc_eval_opts *opts)
{
	struct dmarc_eval *e = spares_take(&eval_spares);
	struct dmarc_walk w;
	size_t k, step, n;

	if (e == NULL)
		e = xmalloc(sizeof(*e));
	/* not the tables: they are filled entry by entry (dmarc_walk.h) */
	memset(e, 0, offsetof(struct dmarc_eval, ans));

	e->o = *opts;
	if (author_domain == NULL) {
		e->author_ok = false;
	} else if (checked) {
		n = str_copy(e->author, sizeof(e->author), author_domain);
		e->author_ok = n > 0 && n < sizeof(e->author);
	} else {
		e->author_ok = dmarc_walk_valid_domain(author_domain,
		    e->author);
	}
	if (!e->author_ok) {
		e->author[0] = '\0';
		return e;
	}
	/* the names discovery may ask, in order */
	if (e->o.mode == DMARC_MODE_RFC7489) {
		char org[DMARC_DOMAIN_SIZE];

		if (dmarc_walk_name(e->pre[e->npre], sizeof(e->pre[0]), e->author))
			e->npre++;
		if (orgdomain_psl(e->o.psl, e->author, org, sizeof(org)) &&
		    strcmp(org, e->author) != 0 &&
		    dmarc_walk_name(e->pre[e->npre], sizeof(e->pre[0]), org))
			e->npre++;
		return e;
	}
	/* only start, x and off[0..x) are read here */
	w.start = e->author;
	w.x = dmarc_walk_labels(e->author, w.off);
	for (step = 0, k = w.x; k >= 1 && e->npre < DMARC_WALK_MAX_QUERIES;
	    step++) {
		if (step == 1)
			k = w.x < 8 ? w.x - 1 : 7;
		if (k == 0)
			break;
		if (dmarc_walk_name(e->pre[e->npre], sizeof(e->pre[0]),
		    dmarc_walk_suffix(&w, k)))
			e->npre++;
		if (step > 0)
			k--;
	}
	return e;
}

/* dmarc_eval_new - start one evaluation */
struct dmarc_eval *
dmarc_eval_new(const char *author_domain, const struct dmarc_eval_opts *opts)
{
	return eval_start(author_domain, false, opts);
}

/* dmarc_eval_new_checked - start one evaluation for an A-label form */
struct dmarc_eval *
dmarc_eval_new_checked(const char *ascii_domain,
    const struct dmarc_eval_opts *opts)
{
	return eval_start(ascii_domain, true, opts);
}

/* dmarc_eval_free - free everything */
void
dmarc_eval_free(struct dmarc_eval **ep)
{
	struct dmarc_eval *e = *ep;
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nans; i++) {
		if (e->ans[i].name_heap)
			free(e->ans[i].name);
		dmarc_record_clear(&e->ans[i].rec);
	}
	*ep = NULL;
	if (!spares_give(&eval_spares, e))
		free(e);
}

/* dmarc_eval_prefetch - discovery names, in query order */
size_t
dmarc_eval_prefetch(const struct dmarc_eval *e, const char **names_r,
    size_t max)
{
	size_t i;

	for (i = 0; i < e->npre && i < max; i++)
		names_r[i] = e->pre[i];
	return i;
}

/* dmarc_eval_next_query - what to ask next */
bool
dmarc_eval_next_query(struct dmarc_eval *e, const char **name_r,
    uint16_t *type_r)
{
	/* computed where it is kept: no copy of the ~800-byte result */
	if (compute(e, false, &e->last) != S_NEED) {
		/* decided with the answers at hand: the final computation
		 * would take the same path (no answer is missing on it) */
		e->last_valid = e->auth_set;
		return false;
	}
	e->last_valid = false;
	*name_r = e->need;
	*type_r = e->need_type;
	return true;
}

/* keep_name - a copy of name for an answer: in the eval's pool while it
 * has room (no malloc/free pair per answer, issue 18), else the heap */
static void
keep_name(struct dmarc_eval *e, struct dmarc_answer *s, const char *name)
{
	size_t len = strlen(name);

	s->name_len = len;
	if (len < sizeof(e->names) - e->names_used) {
		s->name = e->names + e->names_used;
		memcpy(s->name, name, len + 1);
		e->names_used += len + 1;
		s->name_heap = false;
	} else {
		s->name = xstrdup(name);
		s->name_heap = true;
	}
}

/* dmarc_eval_feed - store an answer */
void
dmarc_eval_feed(struct dmarc_eval *e, const char *name, uint16_t type,
    const struct dns_answer *a)
{
	struct dmarc_answer *s;
	size_t i, first = 0;

	if (name == NULL || (type != DNS_T_TXT && type != DNS_T_A) ||
	    e->nans >= DMARC_EVAL_MAX_ANSWERS ||
	    dmarc_walk_find(e, name, type) != NULL)
		return;
	e->last_valid = false;
	s = &e->ans[e->nans++];
	memset(s, 0, sizeof(*s));
	keep_name(e, s, name);
	s->type = type;
	s->st = a != NULL ? a->status : DNS_R_TIMEOUT;
	if (type != DNS_T_TXT || a == NULL || a->status != DNS_R_ANSWER)
		return;
	for (i = 0; i < a->count; i++) {
		const struct dns_rr *rr = &a->rr[i];

		if (rr->text == NULL || !dmarc_record_is_dmarc(
		    (const unsigned char *)rr->text, rr->text_len))
			continue;
		if (s->ndmarc++ == 0)
			first = i;
	}
	if (s->ndmarc == 1) {
		const char *why;

		s->parsed = dmarc_record_parse((const unsigned char *)
		    a->rr[first].text, a->rr[first].text_len, e->o.mode,
		    &s->rec, &why) == DMARC_REC_OK;
		if (!s->parsed) {
			dmarc_record_clear(&s->rec);
			s->ndmarc = 0;	/* too long: as if absent */
		}
	}
}

/* same_tail - a and b end in the same two labels (or are equal) */
static bool
same_tail(const char *a, const char *b)
{
	const char *pa = a + strlen(a), *pb = b + strlen(b);
	int dots = 0;

	while (pa > a && pb > b && pa[-1] == pb[-1]) {
		pa--;
		pb--;
		if (*pa == '.' && ++dots == 2)
			return true;
	}
	return (pa == a && (pb == b || pb[-1] == '.')) ||
	    (pb == b && pa[-1] == '.');
}

/*
 * ident_domain - the checked A-label form of an identifier's domain into
 * out (DMARC_DOMAIN_SIZE), false when unusable. Most identifiers are the
 * author domain itself, whose checked form is known: a name already in
 * that form checks to itself, so only other names go through IDNA
 * (issue 18).
 */
static bool
ident_domain(const struct dmarc_eval *e, const char *in, char *out)
{
	if (e->author_ok && strcmp(in, e->author) == 0) {
		memcpy(out, e->author, strlen(e->author) + 1);
		return true;
	}
	return dmarc_walk_valid_domain(in, out);
}

/* counts - DKIM result the alignment check may use */
static bool
counts(enum dmarc_auth_res r)
{
	return r == DMARC_AUTH_PASS || r == DMARC_AUTH_TEMPERROR;
}

/*
 * add_dkim_ids - keep at most DMARC_EVAL_MAX_DKIM signatures. Those
 * sharing the last two labels with the author domain go first, so a pile
 * of third-party signatures cannot push the aligned one out. A signature
 * the first pass took or found unusable is not looked at again (for the
 * first 64: a bit each): each look runs d= through IDNA (issue 18).
 */
static void
add_dkim_ids(struct dmarc_eval *e, const struct dmarc_auth *auth)
{
	uint64_t settled = 0;
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < auth->dkim_count &&
		    e->nid < DMARC_EVAL_MAX_DKIM + 1; i++) {
			const struct dmarc_dkim_id *k = &auth->dkim[i];
			struct dmarc_ident *id = &e->id[e->nid];
			uint64_t bit = i < 64 ? UINT64_C(1) << i : 0;

			if ((settled & bit) != 0)
				continue;
			if (!counts(k->res) || k->domain == NULL ||
			    !ident_domain(e, k->domain, id->d)) {
				settled |= bit;
				continue;
			}
			if (same_tail(id->d, e->author) != (pass == 0))
				continue;
			id->res = k->res;
			id->is_spf = false;
			e->nid++;
			settled |= bit;
		}
	}
}

/* dmarc_eval_set_auth - copy the identifiers */
void
dmarc_eval_set_auth(struct dmarc_eval *e, const struct dmarc_auth *auth)
{
	const char *spf_dom = auth->spf_mailfrom_domain;

	e->auth_set = true;
	e->last_valid = false;
	e->nid = 0;
	if (spf_dom == NULL || *spf_dom == '\0')
		spf_dom = auth->spf_helo_domain;	/* null sender */
	/* the result first: a failed SPF needs no IDNA look at its domain */
	if (spf_dom != NULL && counts(auth->spf) &&
	    ident_domain(e, spf_dom, e->id[0].d)) {
		e->id[0].res = auth->spf;
		e->id[0].is_spf = true;
		e->nid = 1;
	}
	add_dkim_ids(e, auth);
}

/* dmarc_eval_result - final verdict; missing answers are timeouts */
void
dmarc_eval_result(struct dmarc_eval *e, struct dmarc_result *r)
{
	if (e->last_valid)
		*r = e->last;
	else
		(void)compute(e, true, r);
}

/* dmarc_author_domains - distinct author domains of all From fields */
enum dmarc_from_status
dmarc_author_domains(const struct mailaddr_list *lists, size_t count,
    const char **domains_r, size_t max, size_t *n_r)
{
	size_t i, j, k, total = 0, n = 0;
	bool no_room = false;

	for (i = 0; i < count; i++) {
		for (j = 0; j < lists[i].count; j++) {
			const char *d = lists[i].addrs[j].domain;

			total++;
			for (k = 0; k < n; k++)
				if (strcmp(domains_r[k], d) == 0)
					break;
			if (k == n && n < max)
				domains_r[n++] = d;
			else if (k == n)
				no_room = true;	/* another domain all the same */
		}
	}
	*n_r = n;
	if (total == 0)
		return DMARC_FROM_NONE;
	if (total == 1 && count == 1)
		return DMARC_FROM_ONE;
	return n == 1 && !no_room ? DMARC_FROM_SAME_DOMAIN :
	    DMARC_FROM_MULTI_DOMAIN;
}

/* severity - ordering for dmarc_result_strictest */
static int
severity(const struct dmarc_result *r)
{
	static const int res_rank[] = {
		[DMARC_RES_PASS] = 0, [DMARC_RES_NONE] = 1,
		[DMARC_RES_PERMERROR] = 2, [DMARC_RES_FAIL] = 3,
		[DMARC_RES_TEMPERROR] = 4
	};
	/* a fail that asks for nothing counts below a temperror, which a
	 * site may turn into 451 */
	int dis = r->result == DMARC_RES_FAIL &&
	    r->disposition >= DMARC_POLICY_QUARANTINE ? (int)r->disposition : 0;

	return dis * 10 + res_rank[r->result];
}

/* dmarc_result_strictest - highest disposition, then worst result */
size_t
dmarc_result_strictest(const struct dmarc_result *rs, size_t n)
{
	size_t i, best = 0;

	for (i = 1; i < n; i++)
		if (severity(&rs[i]) > severity(&rs[best]))
			best = i;
	return best;
}

/* dmarc_res_name - RFC 8601 word */
const char *
dmarc_res_name(enum dmarc_res r)
{
	switch (r) {
	case DMARC_RES_NONE: return "none";
	case DMARC_RES_PASS: return "pass";
	case DMARC_RES_FAIL: return "fail";
	case DMARC_RES_TEMPERROR: return "temperror";
	case DMARC_RES_PERMERROR: return "permerror";
	}
	return "none";
}
