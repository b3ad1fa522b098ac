/*
 * domain_spf.c - authcheck domain's SPF section: the record, its include
 * tree and the RFC 7208 4.6.4 lookup limits
 *
 * Exported: domain_spf (domain_spf.h).
 *
 * This is a linter over published records, not an evaluator: no client
 * address is matched (the daemon's SPF is libspf2 behind src/spf, and
 * authcheck message uses that). Record selection and the grammar check
 * are the daemon's own (spf_record_is_spf, spf_record_check). Terms are
 * counted as RFC 7208 4.6.4 counts them: include, a, mx, ptr, exists and
 * redirect each cost one DNS-querying term, wherever they sit in the
 * tree; a lookup that finds no record (NXDOMAIN or no data) is a void
 * lookup. Names holding macros (%{...}) depend on the message and are
 * not followed. A record included twice on different branches is read
 * and counted twice, as an evaluation would; a record that includes
 * itself (directly or not) is a loop and is warned about; at most
 * DOMAIN_SPF_MAX_RECORDS records are read.
 */
#include "config.h"

#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "authcheck/domain_spf.h"
#include "spf/spf.h"
#include "spf/spf_record.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct walk {
	struct report *rep;
	struct dns_resolver *r;
	unsigned dns_terms;
	unsigned void_lookups;
	const char *path[DOMAIN_SPF_MAX_DEPTH + 1];	/* records above */
	size_t depth;
	size_t records;		/* records read, capped */
};

static void walk_domain(struct walk *w, struct rnode *parent,
    const char *domain, unsigned depth, bool top);

/* lookup - one query; a TEMP status marks the report, no record counts
 * as a void lookup. Returns the answer (caller frees). */
static struct dns_answer *
lookup(struct walk *w, const char *name, uint16_t type, bool count_void)
{
	struct dns_answer *a = dns_lookup(w->r, name, type, 0);

	if (a->status == DNS_R_NXDOMAIN || a->status == DNS_R_NODATA) {
		if (count_void)
			w->void_lookups++;
	} else if (a->status != DNS_R_ANSWER) {
		w->rep->tempfail = true;
	}
	return a;
}

/* in_path - is domain one of the records being walked above this one?
 * (an include loop: evaluation would run until the lookup limit) */
static bool
in_path(const struct walk *w, const char *domain)
{
	size_t i;

	for (i = 0; i < w->depth; i++)
		if (ascii_strcasecmp(w->path[i], domain) == 0)
			return true;
	return false;
}

/* term_target - the domain-spec of "name:spec/cidr" or "name=spec", or
 * NULL when the term has none */
static char *
term_target(const char *term, size_t nlen)
{
	const char *p = term + nlen, *end;

	if (*p != ':' && *p != '=')
		return NULL;
	p++;
	end = p + strcspn(p, "/");
	return xstrndup(p, (size_t)(end - p));
}

/* check_addresses - "a" or "mx" with its own target: count a void
 * lookup when the name has no address (or no MX) at all */
static void
check_addresses(struct walk *w, const char *target, bool mx,
    struct rnode *note)
{
	struct dns_answer *a, *b;

	if (strchr(target, '%') != NULL)
		return;
	if (mx) {
		a = lookup(w, target, DNS_T_MX, true);
		if (a->status == DNS_R_ANSWER && a->count > 10)
			report_warn(w->rep, "spf-mx-too-many", "mx:%s has %zu MX "
			    "hosts; more than 10 is a permerror (RFC 7208 4.6.4)",
			    target, a->count);
		if (a->status != DNS_R_ANSWER)
			rn_str(note, "void", "%s has no MX record", target);
		dns_answer_free(&a);
		return;
	}
	a = lookup(w, target, DNS_T_A, false);
	b = lookup(w, target, DNS_T_AAAA, false);
	if (a->status != DNS_R_ANSWER && b->status != DNS_R_ANSWER &&
	    a->status != DNS_R_SERVFAIL && a->status != DNS_R_TIMEOUT) {
		w->void_lookups++;
		rn_str(note, "void", "%s has no address", target);
	}
	dns_answer_free(&a);
	dns_answer_free(&b);
}

/* one_term - classify one term of domain's record; follow includes */
static void
one_term(struct walk *w, struct rnode *terms, const char *domain,
    const char *term, bool has_all, unsigned depth)
{
	static const char *const dns_mechs[] = {
		"include", "a", "mx", "ptr", "exists", "redirect", NULL
	};
	const char *name = term;
	char qual = '+';
	size_t nlen, i;
	struct rnode *t = rn_obj(terms, NULL);
	char *target;
	bool macros;

	rn_str(t, "term", "%s", term);
	if (strchr("+-~?", *name) != NULL)
		qual = *name++;
	nlen = strcspn(name, ":/=");
	for (i = 0; dns_mechs[i] != NULL; i++)
		if (strlen(dns_mechs[i]) == nlen &&
		    ascii_strncasecmp(name, dns_mechs[i], nlen) == 0)
			break;
	if (nlen == 3 && ascii_strncasecmp(name, "all", 3) == 0 &&
	    qual == '+')
		report_warn(w->rep, "spf-plus-all", "the SPF record of %s ends "
		    "in \"%s\": every host on the Internet may send as %s",
		    domain, term, domain);
	if (dns_mechs[i] == NULL)
		return;
	target = term_target(name, nlen);
	if (strcmp(dns_mechs[i], "redirect") == 0 && has_all) {
		rn_str(t, "note", "ignored: the record has \"all\"");
		free(target);
		return;
	}
	w->dns_terms++;
	rn_int(t, "dns_term", w->dns_terms);
	macros = target != NULL && strchr(target, '%') != NULL;
	/* one note: a JSON object must not repeat a key */
	if (strcmp(dns_mechs[i], "ptr") == 0)
		rn_str(t, "note", "ptr is slow and discouraged (RFC 7208 5.5)%s",
		    macros ? "; has macros: depends on the message" : "");
	else if (macros)
		rn_str(t, "note", "has macros: depends on the message, not "
		    "followed");
	if (!macros && target != NULL && (strcmp(dns_mechs[i],
	    "include") == 0 || strcmp(dns_mechs[i], "redirect") == 0))
		walk_domain(w, t, target, depth + 1, false);
	else if (!macros && (strcmp(dns_mechs[i], "a") == 0 ||
	    strcmp(dns_mechs[i], "mx") == 0))
		check_addresses(w, target != NULL ? target : domain,
		    dns_mechs[i][0] == 'm', t);
	free(target);
}

/* walk_record - every term of one published record */
static void
walk_record(struct walk *w, struct rnode *node, const char *domain,
    const char *rec, unsigned depth)
{
	struct rnode *terms = rn_list(node, "terms");
	char *copy = xstrdup(rec), *save = NULL, *tok;
	bool has_all = false;

	/* redirect= is ignored when the record has "all" (RFC 7208 6.1) */
	for (tok = strtok_r(copy, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		const char *n = strchr("+-~?", *tok) != NULL ? tok + 1 : tok;

		if (ascii_strcasecmp(n, "all") == 0)
			has_all = true;
	}
	free(copy);
	copy = xstrdup(rec);
	save = NULL;
	tok = strtok_r(copy, " ", &save);	/* v=spf1 */
	while ((tok = strtok_r(NULL, " ", &save)) != NULL)
		one_term(w, terms, domain, tok, has_all, depth);
	free(copy);
}

/* walk_domain - the SPF record(s) at domain */
static void
walk_domain(struct walk *w, struct rnode *parent, const char *domain,
    unsigned depth, bool top)
{
	struct rnode *node = rn_obj(parent, top ? "tree" : "include");
	struct rnode *more = NULL;
	struct dns_answer *a;
	struct buf norm = BUF_INIT;
	const char *rec = NULL, *why = "";
	size_t i, nrec = 0;

	rn_str(node, "domain", "%s", domain);
	if (in_path(w, domain)) {
		report_warn(w->rep, "spf-include-loop", "%s includes itself "
		    "(through %s): evaluation runs into the lookup limit, "
		    "permerror", domain, w->path[w->depth - 1]);
		rn_str(node, "note", "loop: not followed again");
		return;
	}
	if (depth > DOMAIN_SPF_MAX_DEPTH ||
	    w->records == DOMAIN_SPF_MAX_RECORDS) {
		rn_str(node, "note", "too deep or too many records: not followed");
		return;
	}
	w->records++;
	/* the top-level record's lookup is not a term; an include's is, and
	 * a missing one is void */
	a = lookup(w, domain, DNS_T_TXT, !top);
	for (i = 0; i < a->count; i++)
		if (a->rr[i].text != NULL && spf_record_is_spf((const unsigned
		    char *)a->rr[i].text, a->rr[i].text_len)) {
			/* the others in a list: one JSON object must not
			 * repeat a key */
			if (nrec++ == 0) {
				rec = a->rr[i].text;
				rn_str(node, "record", "%s", rec);
				continue;
			}
			if (more == NULL)
				more = rn_list(node, "more_records");
			rn_str(more, NULL, "%s", a->rr[i].text);
		}
	if (nrec > 1)
		report_warn(w->rep, "spf-multiple-records", "%s has %zu SPF "
		    "records; receivers must treat that as permerror (RFC 7208 "
		    "4.5)", domain, nrec);
	if (nrec == 0) {
		rn_str(node, "record", "(none: %s)", dns_status_name(a->status));
		if (!top)
			report_warn(w->rep, "spf-include-missing", "%s is included "
			    "or redirected to but has no SPF record: permerror "
			    "(RFC 7208 5.2, 6.1)", domain);
		else if (a->status == DNS_R_ANSWER || a->status == DNS_R_NXDOMAIN ||
		    a->status == DNS_R_NODATA)
			report_warn(w->rep, "spf-missing", "%s has no SPF record: "
			    "receivers get spf=none for mail from it, and DMARC "
			    "can pass only by DKIM (a domain that sends no mail "
			    "says so with \"v=spf1 -all\")", domain);
	} else if (!spf_record_check((const unsigned char *)rec, strlen(rec),
	    AF_INET, &norm, &why)) {
		report_warn(w->rep, "spf-invalid", "the SPF record of %s is not "
		    "valid: %s (permerror)", domain, why);
	} else if (nrec == 1) {
		w->path[w->depth++] = domain;
		walk_record(w, node, domain, rec, depth);
		w->depth--;
	}
	buf_deinit(&norm);
	dns_answer_free(&a);
}

void
domain_spf(struct report *rep, struct dns_resolver *r, const char *domain)
{
	struct walk w;
	struct rnode *n = rn_obj(rep->root, "spf");

	memset(&w, 0, sizeof(w));
	w.rep = rep;
	w.r = r;
	walk_domain(&w, n, domain, 0, true);
	rn_int(n, "dns_terms", w.dns_terms);
	rn_int(n, "dns_terms_limit", SPF_DEFAULT_MAX_DNS_TERMS);
	rn_int(n, "void_lookups", w.void_lookups);
	rn_int(n, "void_lookups_limit", SPF_DEFAULT_MAX_VOID_LOOKUPS);
	if (w.dns_terms > SPF_DEFAULT_MAX_DNS_TERMS)
		report_warn(rep, "spf-too-many-lookups", "the SPF tree of %s has "
		    "%u DNS-querying terms; more than %u is a permerror (RFC "
		    "7208 4.6.4)", domain, w.dns_terms, SPF_DEFAULT_MAX_DNS_TERMS);
	if (w.void_lookups > SPF_DEFAULT_MAX_VOID_LOOKUPS)
		report_warn(rep, "spf-void-lookups", "the SPF tree of %s makes %u "
		    "lookups that find nothing; more than %u is a permerror (RFC "
		    "7208 4.6.4)", domain, w.void_lookups,
		    SPF_DEFAULT_MAX_VOID_LOOKUPS);
}
