/*
 * spf_dns.c - libspf2's DNS layer on src/dns, with the RFC 7208 limits
 *
 * Internal (spf_int.h): spf_dns_reset, spf_dns_clear,
 * spf_dns_fetch_record, spf_dns_lookup, spf_dns_get_spf.
 *
 * libspf2 calls spf_dns_lookup for every mechanism lookup and
 * spf_dns_get_spf for every include:/redirect= record; spf.c calls
 * spf_dns_fetch_record for the top-level record. Every query of one
 * evaluation is counted here across all include levels (libspf2 restarts
 * its counter in each include, upstream issue 51): DNS-querying terms,
 * void lookups (RFC 7208 4.6.4), total queries and total time. When a
 * limit trips the evaluation is marked aborted and every later lookup
 * fails at once with TRY_AGAIN, so libspf2 unwinds quickly; spf.c then
 * reports our result instead of libspf2's. See spf.c for the list of
 * libspf2 misjudgements shielded here. State lives in the checker, so a
 * checker serves one thread at a time.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf_compiled.h"
#include "spf/spf_int.h"
#include "spf/spf_fit.h"
#include "spf/spf_macro_fix.h"
#include "spf/spf_norm_memo.h"
#include "spf/spf_record.h"
#include "spf/spf_shrink.h"
#include "util/hash.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* abort_eval - stop the evaluation with result r (first reason wins) */
static void
abort_eval(struct spf_checker *c, enum spf_res r, const char *why)
{
	if (c->aborted)
		return;
	c->aborted = true;
	c->abort_res = r;
	c->abort_why = why;
}

/* clear_expansion - forget the names of the last MX/PTR answer */
static void
clear_expansion(struct spf_checker *c)
{
	size_t i;

	for (i = 0; i < c->nexpansion; i++)
		free(c->expansion[i]);
	c->nexpansion = 0;
}

/* take_expansion - true when name is one of the last MX/PTR answer's
 * names not yet looked up: the address lookup of the mx or ptr term
 * (or %{p}), not a term of its own. Each name is taken once, so an a:
 * or exists: naming it later is counted (RFC 7208 4.6.4). */
static bool
take_expansion(struct spf_checker *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nexpansion; i++)
		if (ascii_strcasecmp(c->expansion[i], name) == 0) {
			free(c->expansion[i]);
			c->expansion[i] = c->expansion[--c->nexpansion];
			return true;
		}
	return false;
}

/* sender_macro - text[0..len) has a macro that reads the sender's
 * local-part or whole address (%{l}, %{s}), the HELO name (%{h}) or the
 * time (%{t}); sets *time_r for the last. Any case: the letter's case
 * only chooses URL escaping (RFC 7208 7.3). */
static bool
sender_macro(const char *text, size_t len, bool *time_r)
{
	const char *p = text, *end = text + len;
	bool found = false;

	while ((p = memchr(p, '%', (size_t)(end - p))) != NULL &&
	    end - p >= 3) {
		if (p[1] == '{') {
			switch (p[2] | 0x20) {
			case 't':
				*time_r = true;
				/* FALLTHROUGH */
			case 'l': case 's': case 'h':
				found = true;
				break;
			default:
				break;
			}
		}
		p++;
	}
	return found;
}

/* note_answer - what answer a (of a lookup of type) allows of keeping
 * this evaluation's result (spf_results.h): the smallest TTL read; no
 * keeping after an answer that is not a plain answer, NXDOMAIN or
 * NODATA, or has no TTL; and a TXT text (a record or an explanation)
 * with a sender, HELO or time macro ties the result to those inputs */
static void
note_answer(struct spf_checker *c, const struct dns_answer *a,
    uint16_t type)
{
	bool time_macro = false;
	size_t i;

	if ((a->status != DNS_R_ANSWER && a->status != DNS_R_NXDOMAIN &&
	    a->status != DNS_R_NODATA) || a->ttl == 0) {
		c->answers_unkeepable = true;
		return;
	}
	if (a->ttl < c->answers_ttl)
		c->answers_ttl = a->ttl;
	if (type != DNS_T_TXT)
		return;
	for (i = 0; i < a->count; i++)
		if (sender_macro(a->rr[i].text, a->rr[i].text_len, &time_macro))
			c->answers_use_sender = true;
	if (time_macro)
		c->answers_unkeepable = true;
}

/* budget_lookup - one DNS lookup within the query and time budgets;
 * NULL when a budget is spent (the evaluation is then aborted) */
static struct dns_answer *
budget_lookup(struct spf_checker *c, const char *name, uint16_t type)
{
	struct dns_answer *a;
	uint64_t now = clock_mono_ms();

	if (c->aborted)
		return NULL;
	if (c->queries >= c->lim.max_queries) {
		abort_eval(c, SPF_RES_PERMERROR, "too many DNS queries");
		return NULL;
	}
	if (now >= c->deadline_ms) {
		abort_eval(c, SPF_RES_TEMPERROR, c->deadline_why);
		return NULL;
	}
	c->queries++;
	a = dns_lookup(c->dns, name, type, (unsigned)(c->deadline_ms - now));
	if (a->status == DNS_R_TIMEOUT && clock_mono_ms() >= c->deadline_ms) {
		/* cut short by our limit, not the server's silence alone:
		 * the reason says which */
		dns_answer_free(&a);
		abort_eval(c, SPF_RES_TEMPERROR, c->deadline_why);
		return NULL;
	}
	note_answer(c, a, type);
	return a;
}

/* explanation_lookup - the exp= TXT lookup. The result is decided by
 * then, and RFC 7208 6.2 reads any trouble with the explanation as "no
 * exp=": a spent query or time budget, or a lookup cut short by the time
 * limit, gives NULL (no explanation), never another result. */
static struct dns_answer *
explanation_lookup(struct spf_checker *c, const char *name)
{
	struct dns_answer *a;
	uint64_t now = clock_mono_ms();

	if (c->aborted || c->queries >= c->lim.max_queries ||
	    now >= c->deadline_ms)
		return NULL;
	c->queries++;
	a = dns_lookup(c->dns, name, DNS_T_TXT, (unsigned)(c->deadline_ms - now));
	note_answer(c, a, DNS_T_TXT);
	return a;
}

/*
 * not_a_dns_name - a byte above 0x7f in a name to look up. RFC 8616 4:
 * SPF looks up A-labels only; the MAIL FROM domain and the HELO name are
 * converted before the check (spf.c), so such a byte comes from %{l} or
 * %{s} of a UTF-8 local part, or from a domain with no A-label form.
 * Terms with those "do not match anything", and the name is never sent
 * to DNS (where it could match a record, and would tell the sender's
 * local part to whoever serves the zone).
 */
static bool
not_a_dns_name(const char *name)
{
	return str_has_non_ascii(name, strlen(name));
}

/* count_term - one more DNS-querying term (RFC 7208 4.6.4); false when
 * the limit is passed */
static bool
count_term(struct spf_checker *c)
{
	/* a new term: the last MX/PTR answer's address lookups are over */
	clear_expansion(c);
	if (c->aborted)
		return false;
	if (++c->terms > c->lim.max_dns_terms) {
		abort_eval(c, SPF_RES_PERMERROR,
		    "too many DNS-querying terms (RFC 7208 4.6.4)");
		return false;
	}
	return true;
}

/* herrno_of - libspf2's view of a dns status */
static int
herrno_of(enum dns_status s)
{
	switch (s) {
	case DNS_R_ANSWER: return NETDB_SUCCESS;
	case DNS_R_NXDOMAIN: return HOST_NOT_FOUND;
	case DNS_R_NODATA: return NO_DATA;
	case DNS_R_ERROR: return HOST_NOT_FOUND;	/* unusable name */
	default: return TRY_AGAIN;
	}
}

/* fill_rr - copy answer records into libspf2's structure */
static void
fill_rr(SPF_dns_rr_t *rr, const struct dns_answer *a, uint16_t type)
{
	size_t i, max = a->count;
	int n = 0;

	if (type == DNS_T_PTR && max > SPF_MAX_PTR_NAMES)
		max = SPF_MAX_PTR_NAMES;
	for (i = 0; i < max; i++) {
		const struct dns_rr *r = &a->rr[i];
		size_t sz;

		if (r->type != type)
			continue;
		if (type == DNS_T_A)
			sz = sizeof(struct in_addr);
		else if (type == DNS_T_AAAA)
			sz = sizeof(struct in6_addr);
		else
			sz = strlen(r->text) + 1;
		if (SPF_dns_rr_buf_realloc(rr, n, sz) != SPF_E_SUCCESS)
			break;
		if (type == DNS_T_A || type == DNS_T_AAAA)
			memcpy(rr->rr[n], r->addr, sz);
		else
			memcpy(rr->rr[n], r->text, sz);
		n++;
	}
	rr->num_rr = n;
}

/* mx_order - qsort order of MX records: preference, then name */
static int
mx_order(const void *x, const void *y)
{
	const struct dns_rr *a = x, *b = y;

	if (a->pref != b->pref)
		return a->pref < b->pref ? -1 : 1;
	return ascii_strcasecmp(a->text != NULL ? a->text : "",
	    b->text != NULL ? b->text : "");
}

/* remember_names - MX/PTR targets whose address lookups follow */
static void
remember_names(struct spf_checker *c, const struct dns_answer *a, bool ptr)
{
	size_t i;

	clear_expansion(c);
	c->expansion_ptr = ptr;
	for (i = 0; i < a->count && c->nexpansion < SPF_MAX_EXPANSION; i++)
		if (a->rr[i].text != NULL)
			c->expansion[c->nexpansion++] = xstrdup(a->rr[i].text);
}

/* truncate_left - RFC 7208 7.3: an expanded name longer than 253 octets
 * loses labels from the left until it fits (libspf2 does not do this) */
static const char *
truncate_left(const char *name)
{
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	while (len > 253) {
		const char *dot = strchr(name, '.');

		if (dot == NULL)
			break;
		len -= (size_t)(dot + 1 - name);
		name = dot + 1;
	}
	return name;
}

/* drop_last_label - name without its last label when that is label
 * (any case): true; false, name untouched, when it is not */
static bool
drop_last_label(char *name, const char *label)
{
	size_t len = strlen(name), ll = strlen(label);

	if (len <= ll || name[len - ll - 1] != '.' ||
	    ascii_strcasecmp(name + len - ll, label) != 0)
		return false;
	name[len - ll - 1] = '\0';
	return true;
}

/* marker_of - which SPF_MARK_* suffix name carries (0: none) */
static int
marker_of(const char *name)
{
	static const char *const marks[] = {
		"." SPF_MARK_ANY_AAAA, "." SPF_MARK_MX_A, "." SPF_MARK_MX_AAAA,
	};
	size_t len = strlen(name), i;

	for (i = 0; i < 3; i++) {
		size_t ml = strlen(marks[i]);

		if (len > ml && ascii_strcasecmp(name + len - ml, marks[i]) == 0)
			return (int)i + 1;
	}
	return 0;
}

/* void_check - count a void answer of a term; false when over the limit */
static bool
void_check(struct spf_checker *c, const struct dns_answer *a)
{
	if ((a->status == DNS_R_NXDOMAIN || a->status == DNS_R_NODATA) &&
	    ++c->voids > c->lim.max_void_lookups) {
		abort_eval(c, SPF_RES_PERMERROR,
		    "too many void lookups (RFC 7208 4.6.4)");
		return false;
	}
	return true;
}

/* any_address - 1 when host has an address of type, 0 when not, -1 on a
 * DNS error or spent budget */
static int
any_address(struct spf_checker *c, const char *host, uint16_t type)
{
	struct dns_answer *a = budget_lookup(c, host, type);
	int r;

	if (a == NULL)
		return -1;
	if (a->status == DNS_R_ANSWER)
		r = a->count > 0;
	else if (a->status == DNS_R_NXDOMAIN || a->status == DNS_R_NODATA ||
	    a->status == DNS_R_ERROR)
		r = 0;
	else
		r = -1;
	dns_answer_free(&a);
	return r;
}

/*
 * marked_lookup - answer an "exists" rewritten from a//0, mx/0 or mx//0
 * (spf_record.h): a positive answer when, as RFC 7208 5.3/5.4 say for a
 * zero prefix, the domain (a) or any of its MX hosts (mx) has an address
 * of the client's family. One term; the MX limits of 4.6.4 apply.
 */
static SPF_dns_rr_t *
marked_lookup(struct spf_checker *c, SPF_dns_server_t *layer,
    const char *domain, int mark)
{
	const char *suffix = mark == 1 ? SPF_MARK_ANY_AAAA :
	    mark == 2 ? SPF_MARK_MX_A : SPF_MARK_MX_AAAA;
	char *base = xstrndup(domain, strlen(domain) - strlen(suffix) - 1);
	const char *name;
	struct dns_answer *a = NULL;
	int found = 0, herrno = NO_DATA;
	size_t i;
	SPF_dns_rr_t *rr;

	/* the %{v} before the marker (spf_record.h), then RFC 7208 7.3's
	 * cut of the domain alone */
	if (!drop_last_label(base, "in-addr"))
		(void)drop_last_label(base, "ip6");
	name = truncate_left(base);
	if (!count_term(c))
		goto tempfail;
	if (not_a_dns_name(name)) {
		herrno = HOST_NOT_FOUND;
		goto done;
	}
	a = budget_lookup(c, name, mark == 1 ? DNS_T_AAAA : DNS_T_MX);
	if (a == NULL || !void_check(c, a))
		goto tempfail;
	if (a->status != DNS_R_ANSWER) {
		herrno = herrno_of(a->status);
		goto done;
	}
	if (mark == 1) {
		found = a->count > 0;
		goto done;
	}
	if (a->count > SPF_MAX_MX_NAMES) {
		abort_eval(c, SPF_RES_PERMERROR,
		    "more than 10 MX records (RFC 7208 4.6.4)");
		goto tempfail;
	}
	for (i = 0; i < a->count && !found; i++) {
		int r = any_address(c, a->rr[i].text,
		    mark == 2 ? DNS_T_A : DNS_T_AAAA);

		if (r < 0)
			goto tempfail;
		found = r;
	}
done:
	dns_answer_free(&a);
	free(base);
	if (!found)
		return SPF_dns_rr_new_init(layer, domain, ns_t_a, 0, herrno);
	rr = SPF_dns_rr_new_init(layer, domain, ns_t_a, 0, NETDB_SUCCESS);
	if (rr != NULL &&
	    SPF_dns_rr_buf_realloc(rr, 0, sizeof(struct in_addr)) == SPF_E_SUCCESS) {
		rr->rr[0]->a.s_addr = htonl(INADDR_LOOPBACK);
		rr->num_rr = 1;
	}
	return rr;
tempfail:
	dns_answer_free(&a);
	free(base);
	return SPF_dns_rr_new_init(layer, domain, ns_t_a, 0, TRY_AGAIN);
}

/* macro_values - what the macro letters stand for in this check, with
 * domain (NULL: not known) as %{d} */
static void
macro_values(const struct spf_checker *c, const char *domain,
    struct spf_macro_values *v)
{
	v->sender = c->macro_sender;
	v->domain = domain;
	v->helo = c->macro_helo;
	v->af = c->client_af;
	v->addr = c->client_af == AF_INET ? (const void *)&c->client.v4 :
	    (const void *)&c->client.v6;
}

/*
 * explanation_rr - the TXT answer of an exp= lookup (NULL: none), made
 * safe for libspf2. RFC 7208 6.2: exactly one record, an explanation-string
 * (macro-strings and spaces, c/r/t letters allowed); anything else means
 * "no explanation" (libspf2 then uses the default). libspf2 mangles literal
 * spaces in explanations (they come out as '%'), so each space is handed
 * over as the "%_" macro, which expands to a space (RFC 7208 7.1).
 * Transformer digits are clamped as in records, the macros libspf2
 * expands wrongly are rewritten as in records (%{d} is the domain whose
 * record has the exp=, libspf2's cur_dom then), and an explanation that
 * would compile into more than SPF_MACRO_COMPILED_MAX bytes is none: past
 * that, libspf2 1.2.10 writes beyond its stack buffer (spf_record.h).
 */
static SPF_dns_rr_t *
explanation_rr(struct spf_checker *c, SPF_dns_server_t *layer,
    const char *domain, struct dns_answer *a)
{
	struct buf b = BUF_INIT, fixed = BUF_INIT;
	struct spf_macro_values v;
	SPF_dns_rr_t *rr;
	const char *p, *end;
	bool ok;

	ok = a != NULL && a->status == DNS_R_ANSWER && a->count == 1 &&
	    memchr(a->rr[0].text, '\0', a->rr[0].text_len) == NULL;
	for (p = ok ? a->rr[0].text : ""; ok && *p != '\0'; p = end) {
		while (*p == ' ') {
			buf_append_str(&b, "%_");
			p++;
		}
		end = p + strcspn(p, " ");
		ok = spf_macro_string_copy((const unsigned char *)p,
		    (size_t)(end - p), true, &b);
	}
	macro_values(c, c->request != NULL ? c->request->cur_dom : NULL, &v);
	if (ok && b.len > 0 && memchr(b.data, '%', b.len) != NULL &&
	    spf_macro_fix_record((const char *)b.data, b.len, &v, &fixed)) {
		buf_deinit(&b);
		b = fixed;
	} else {
		buf_deinit(&fixed);
	}
	if (!ok || spf_macro_compiled_len(b.data, b.len) >
	    SPF_MACRO_COMPILED_MAX) {
		rr = SPF_dns_rr_new_init(layer, domain, ns_t_txt, 0,
		    a != NULL && a->status == DNS_R_NXDOMAIN ? HOST_NOT_FOUND :
		    NO_DATA);
	} else {
		rr = SPF_dns_rr_new_init(layer, domain, ns_t_txt, (int)a->ttl,
		    NETDB_SUCCESS);
		if (rr != NULL && SPF_dns_rr_buf_realloc(rr, 0, b.len + 1) ==
		    SPF_E_SUCCESS) {
			memcpy(rr->rr[0]->txt, buf_cstr(&b), b.len + 1);
			rr->num_rr = 1;
		}
	}
	buf_deinit(&b);
	dns_answer_free(&a);
	return rr;
}

/* spf_dns_lookup - libspf2's lookup hook: counted, bounded dns_lookup */
SPF_dns_rr_t *
spf_dns_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
    int should_cache)
{
	struct spf_checker *c = layer->hook;
	struct dns_answer *a;
	SPF_dns_rr_t *rr;
	bool term = false;
	uint16_t t = (uint16_t)type;
	int herrno, mark;

	/* a marked name is cut without its marker (marked_lookup) */
	if (t == DNS_T_A && (mark = marker_of(domain)) != 0)
		return marked_lookup(c, layer, domain, mark);
	domain = truncate_left(domain);
	/* libspf2 1.2.10 asks for the ptr mechanism's PTR with should_cache
	 * set and for the %{p} macro's without (SPF_dns_get_client_dom):
	 * a macro is not a term (RFC 7208 4.6.4 counts mechanisms and
	 * redirect), so only the first counts */
	if (t == DNS_T_MX || (t == DNS_T_PTR && should_cache))
		term = true;
	else if ((t == DNS_T_A || t == DNS_T_AAAA) &&
	    !take_expansion(c, domain))
		term = true;
	/* TXT here is the exp= explanation: not a term (RFC 7208 6.2) */
	if (t == DNS_T_TXT)
		return explanation_rr(c, layer, domain, not_a_dns_name(domain) ?
		    NULL : explanation_lookup(c, domain));
	if (term && !count_term(c))
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	/* no match, and no void lookup either: nothing was looked up */
	if (not_a_dns_name(domain))
		return SPF_dns_rr_new_init(layer, domain, type, 0,
		    HOST_NOT_FOUND);
	a = budget_lookup(c, domain, t);
	if (a == NULL)
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	if (term && !void_check(c, a)) {
		dns_answer_free(&a);
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	}
	if (t == DNS_T_MX && a->status == DNS_R_ANSWER &&
	    a->count > SPF_MAX_MX_NAMES) {
		/* RFC 7208 4.6.4: the mx mechanism gives permerror; libspf2
		 * only notices after trying the first 10 */
		abort_eval(c, SPF_RES_PERMERROR,
		    "more than 10 MX records (RFC 7208 4.6.4)");
		dns_answer_free(&a);
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	}
	/* libspf2 looks the hosts up in answer order and stops at the first
	 * match, so with one host failing the result (pass or temperror)
	 * would follow the resolver's rotation of the RRset; preference
	 * order makes it the same for every message */
	if (t == DNS_T_MX && a->status == DNS_R_ANSWER && a->count > 1)
		qsort(a->rr, a->count, sizeof(a->rr[0]), mx_order);
	if (t == DNS_T_MX || t == DNS_T_PTR)
		remember_names(c, a, t == DNS_T_PTR);
	herrno = herrno_of(a->status);
	/* RFC 7208 5.5: a DNS error on an address lookup of a PTR name
	 * skips that name (libspf2 would give temperror) */
	if (!term && c->expansion_ptr && herrno == TRY_AGAIN &&
	    (t == DNS_T_A || t == DNS_T_AAAA))
		herrno = HOST_NOT_FOUND;
	/* and one on the PTR lookup itself makes ptr not match (5.5),
	 * where libspf2 gives temperror (%{p} is "unknown" either way) */
	if (t == DNS_T_PTR && herrno == TRY_AGAIN)
		herrno = HOST_NOT_FOUND;
	rr = SPF_dns_rr_new_init(layer, domain, type, (int)a->ttl, herrno);
	if (rr != NULL && a->status == DNS_R_ANSWER)
		fill_rr(rr, a, t);
	dns_answer_free(&a);
	return rr;
}

/*
 * spf_dns_fetch_record - find, select and check the SPF record of domain (RFC 7208
 * 4.4, 4.5); on success c->norm holds the normalised record and
 * c->norm_hash its hash. Returns
 * SPF_RES_PASS for "found", NONE, TEMPERROR or PERMERROR otherwise.
 */
enum spf_res
spf_dns_fetch_record(struct spf_checker *c, const char *domain, const char **why_r)
{
	struct dns_answer *a;
	size_t i, found = 0, idx = 0;
	enum spf_res res;

	if (!spf_domain_ok(domain)) {
		*why_r = "malformed domain (RFC 7208 4.3)";
		return SPF_RES_NONE;
	}
	if (not_a_dns_name(domain)) {
		*why_r = "domain has no A-label form (RFC 8616 4)";
		return SPF_RES_NONE;
	}
	a = budget_lookup(c, domain, DNS_T_TXT);
	if (a == NULL) {
		*why_r = c->abort_why;
		return c->abort_res;
	}
	switch (a->status) {
	case DNS_R_ANSWER:
		break;
	case DNS_R_NXDOMAIN:
	case DNS_R_NODATA:
	case DNS_R_ERROR:
		dns_answer_free(&a);
		*why_r = "no SPF record";
		return SPF_RES_NONE;
	default:
		*why_r = "DNS error looking up the SPF record";
		dns_answer_free(&a);
		return SPF_RES_TEMPERROR;
	}
	for (i = 0; i < a->count; i++) {
		if (spf_record_is_spf((const unsigned char *)a->rr[i].text,
		    a->rr[i].text_len)) {
			found++;
			idx = i;
		}
	}
	if (found == 0) {
		*why_r = "no SPF record";
		res = SPF_RES_NONE;
	} else if (found > 1) {
		*why_r = "more than one SPF record (RFC 7208 4.5)";
		res = SPF_RES_PERMERROR;
	} else if (memchr(a->rr[idx].text, '\0', a->rr[idx].text_len) != NULL ||
	    !spf_norm_memo_check(&c->norm_memo,
	    (const unsigned char *)a->rr[idx].text, a->rr[idx].text_len,
	    c->client_af, &c->norm, why_r, &c->norm_hash)) {
		if (memchr(a->rr[idx].text, '\0', a->rr[idx].text_len) != NULL)
			*why_r = "NUL in record";
		res = SPF_RES_PERMERROR;
	} else {
		res = SPF_RES_PASS;
		if (c->published != NULL) {
			buf_reset(c->published);
			buf_append(c->published, a->rr[idx].text,
			    a->rr[idx].text_len);
		}
	}
	dns_answer_free(&a);
	return res;
}

SPF_record_t *
spf_compile_record(struct spf_checker *c, SPF_server_t *server,
    SPF_response_t *resp, const char *rec, size_t len, uint32_t hash,
    const char *domain, const char **why_r)
{
	struct spf_macro_values v;
	struct cidr client;
	SPF_record_t *r;

	macro_values(c, domain, &v);
	buf_truncate(&c->fixed, 0);
	if (memchr(rec, '%', len) != NULL &&
	    spf_macro_fix_record(rec, len, &v, &c->fixed)) {
		/* an expansion written out may make a literal run too long */
		spf_fit_record(&c->fixed, 0);
		rec = buf_cstr(&c->fixed);
		len = c->fixed.len;
		hash = hash_bytes(HASH_BYTES_INIT, rec, len);
	}
	r = spf_compiled_get_hashed(&c->compiled, server, resp, rec, len,
	    hash, why_r);
	if (r != NULL || strcmp(*why_r, SPF_COMPILED_TOO_LARGE) != 0)
		return r;
	/* too large (the refusal is kept: no second compile of it) */
	memset(&client, 0, sizeof(client));
	client.family = c->client_af;
	client.prefix = c->client_af == AF_INET ? 32 : 128;
	memcpy(client.addr, c->client_af == AF_INET ?
	    (const void *)&c->client.v4 : (const void *)&c->client.v6,
	    c->client_af == AF_INET ? 4 : 16);
	if (!spf_shrink_record(rec, len, &client, &c->shrunk))
		return NULL;
	return spf_compiled_get_hashed(&c->compiled, server, resp,
	    buf_cstr(&c->shrunk), c->shrunk.len,
	    hash_bytes(HASH_BYTES_INIT, c->shrunk.data, c->shrunk.len), why_r);
}

/* The record a name that matches nothing stands for (spf_dns_get_spf) */
#define EMPTY_RECORD "v=spf1"

/* spf_dns_get_spf - libspf2's hook for include: and redirect= records */
SPF_errcode_t
spf_dns_get_spf(SPF_server_t *server, SPF_request_t *req, SPF_response_t *resp,
    SPF_record_t **recp)
{
	struct spf_checker *c = server->resolver->hook;
	/* the target as expanded, cut to 253 octets from the left as every
	 * name looked up (RFC 7208 7.3); libspf2 does not cut it */
	const char *domain = truncate_left(req->cur_dom);
	const char *why = NULL;
	enum spf_res r;

	*recp = NULL;
	if (!count_term(c))
		return SPF_E_DNS_ERROR;
	if (not_a_dns_name(domain)) {
		/* matches nothing (RFC 8616 4): a record without mechanisms,
		 * so include: does not match and redirect= gives neutral
		 * (RFC 7208 4.7), where "no record" would be permerror */
		*recp = spf_compile_record(c, server, resp, EMPTY_RECORD,
		    sizeof(EMPTY_RECORD) - 1, hash_bytes(HASH_BYTES_INIT,
		    EMPTY_RECORD, sizeof(EMPTY_RECORD) - 1), domain, &why);
		if (*recp == NULL) {
			abort_eval(c, SPF_RES_PERMERROR, why);
			return SPF_E_SYNTAX;
		}
		return SPF_E_SUCCESS;
	}
	r = spf_dns_fetch_record(c, domain, &why);
	switch (r) {
	case SPF_RES_PASS:
		break;
	case SPF_RES_NONE:
		return SPF_E_NOT_SPF;	/* include/redirect to none: permerror */
	case SPF_RES_TEMPERROR:
		return SPF_E_DNS_ERROR;
	default:
		/* an invalid record anywhere makes the whole check permerror
		 * (RFC 7208 5.2, 6.1) */
		abort_eval(c, SPF_RES_PERMERROR, why);
		return SPF_E_SYNTAX;
	}
	*recp = spf_compile_record(c, server, resp, buf_cstr(&c->norm),
	    c->norm.len, c->norm_hash, domain, &why);
	if (*recp == NULL) {
		abort_eval(c, SPF_RES_PERMERROR, why);
		return SPF_E_SYNTAX;
	}
	return SPF_E_SUCCESS;
}

/* spf_dns_clear - drop per-evaluation memory */
void
spf_dns_clear(struct spf_checker *c)
{
	clear_expansion(c);
}

/* spf_dns_reset - start a new evaluation */
void
spf_dns_reset(struct spf_checker *c)
{
	c->queries = c->terms = c->voids = 0;
	c->aborted = false;
	c->abort_res = SPF_RES_NONE;
	c->abort_why = NULL;
	c->answers_ttl = UINT32_MAX;
	c->answers_unkeepable = false;
	c->answers_use_sender = false;
	clear_expansion(c);
	c->deadline_ms = clock_mono_ms() + c->lim.max_time_ms;
	c->deadline_why = "SPF time limit reached";
}
