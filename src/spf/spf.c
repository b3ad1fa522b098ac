/*
 * spf.c - SPF checks (RFC 7208) by libspf2, on our DNS module
 *
 * Exported (spf.h): spf_checker_new, spf_checker_free, spf_check,
 * spf_result_deinit, spf_res_name, spf_received_spf.
 *
 * libspf2 evaluates; this file supplies its DNS layer (an SPF_dns_server_t
 * whose lookup and get_spf hooks call dns_lookup) and shields it:
 *   - every query of one evaluation is counted across all include and
 *     redirect levels (libspf2 restarts its counter in each include,
 *     upstream issue 51), and the RFC 7208 4.6.4 limits are enforced here:
 *     more than max_dns_terms DNS-querying terms or more than
 *     max_void_lookups void lookups gives permerror; more than max_queries
 *     DNS queries gives permerror, more than max_time_ms temperror;
 *   - each SPF record (top level, include, redirect) is fetched, selected
 *     and checked against the RFC 7208 grammar by spf_record.c before
 *     libspf2 compiles it (invalid: permerror); libspf2 never queries the
 *     obsolete SPF RR type (RFC 7208 3.1, 14.1);
 *   - PTR answers are cut to 10 names (RFC 7208 4.6.4: extra names are
 *     ignored, where libspf2 would give permerror);
 *   - IPv4-mapped IPv6 clients are checked as IPv4 (RFC 7208 5);
 *   - the identity's domain is checked first (RFC 7208 4.3: malformed or
 *     single-label gives none); a null sender uses postmaster@HELO (2.4);
 *   - libspf2's "loopback clients always pass" shortcut is bypassed;
 *   - exp= texts are checked and their spaces passed as "%_" (libspf2
 *     turns literal spaces of explanations into '%'), and names longer
 *     than 253 octets lose labels on the left (RFC 7208 7.3).
 * When a limit trips, further lookups fail at once (TRY_AGAIN) so libspf2
 * unwinds quickly, and our result replaces libspf2's.
 *
 * A checker holds one SPF_server_t and the per-evaluation counters, so it
 * is used by one thread at a time. libspf2's message handlers (globals)
 * are set once to quiet ones: warnings and debug output are dropped.
 * Ownership: results own their strings (spf_result_deinit).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "dns/dns.h"
#include "spf/spf.h"
#include "spf/spf_record.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* RFC 7208 4.6.4: "ptr" considers at most 10 names */
#define SPF_MAX_PTR_NAMES 10
/* RFC 7208 4.6.4: "mx" with more address lookups than this is permerror */
#define SPF_MAX_MX_NAMES 10
/* names from the last MX/PTR answer whose address lookups are part of
 * that mechanism, not separate terms */
#define SPF_MAX_EXPANSION 16

struct spf_checker {
	struct dns_resolver *dns;
	struct spf_limits lim;
	SPF_server_t *server;
	SPF_dns_server_t layer;
	char *receiver;
	/* per-evaluation state */
	int client_af;
	uint64_t queries_at_start;
	unsigned queries, terms, voids;
	uint64_t deadline_ms;
	bool aborted;
	enum spf_res abort_res;
	const char *abort_why;
	char *expansion[SPF_MAX_EXPANSION];
	size_t nexpansion;
	bool expansion_ptr;		/* the names came from a PTR answer */
	struct buf norm;		/* normalised record for libspf2 */
};

static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

/* quiet_handler - drop libspf2 warnings, info and debug output */
static void
quiet_handler(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
}

/* set_handlers - install the quiet handlers once per process */
static void
set_handlers(void)
{
	SPF_warning_handler = quiet_handler;
	SPF_info_handler = quiet_handler;
	SPF_debug_handler = quiet_handler;
}

/* now_ms - monotonic milliseconds */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* spf_res_name - RFC 8601 result words */
const char *
spf_res_name(enum spf_res r)
{
	switch (r) {
	case SPF_RES_NONE: return "none";
	case SPF_RES_NEUTRAL: return "neutral";
	case SPF_RES_PASS: return "pass";
	case SPF_RES_FAIL: return "fail";
	case SPF_RES_SOFTFAIL: return "softfail";
	case SPF_RES_TEMPERROR: return "temperror";
	case SPF_RES_PERMERROR: return "permerror";
	}
	return "permerror";
}

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

/* in_expansion - true when name came from the last MX/PTR answer */
static bool
in_expansion(const struct spf_checker *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nexpansion; i++)
		if (ascii_strcasecmp(c->expansion[i], name) == 0)
			return true;
	return false;
}

/* budget_lookup - one DNS lookup within the query and time budgets;
 * NULL when a budget is spent (the evaluation is then aborted) */
static struct dns_answer *
budget_lookup(struct spf_checker *c, const char *name, uint16_t type)
{
	uint64_t now = now_ms();

	if (c->aborted)
		return NULL;
	if (c->queries >= c->lim.max_queries) {
		abort_eval(c, SPF_RES_PERMERROR, "too many DNS queries");
		return NULL;
	}
	if (now >= c->deadline_ms) {
		abort_eval(c, SPF_RES_TEMPERROR, "SPF time limit reached");
		return NULL;
	}
	c->queries++;
	return dns_lookup(c->dns, name, type, (unsigned)(c->deadline_ms - now));
}

/* count_term - one more DNS-querying term (RFC 7208 4.6.4); false when
 * the limit is passed */
static bool
count_term(struct spf_checker *c)
{
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
	struct dns_answer *a = NULL;
	int found = 0, herrno = NO_DATA;
	size_t i;
	SPF_dns_rr_t *rr;

	if (!count_term(c))
		goto tempfail;
	a = budget_lookup(c, base, mark == 1 ? DNS_T_AAAA : DNS_T_MX);
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

/*
 * explanation_rr - the TXT answer of an exp= lookup, made safe for
 * libspf2. RFC 7208 6.2: exactly one record, an explanation-string
 * (macro-strings and spaces, c/r/t letters allowed); anything else means
 * "no explanation" (libspf2 then uses the default). libspf2 mangles literal
 * spaces in explanations (they come out as '%'), so each space is handed
 * over as the "%_" macro, which expands to a space (RFC 7208 7.1).
 */
static SPF_dns_rr_t *
explanation_rr(SPF_dns_server_t *layer, const char *domain,
    struct dns_answer *a)
{
	struct buf b = BUF_INIT;
	SPF_dns_rr_t *rr;
	const char *p, *end;
	bool ok;

	ok = a->status == DNS_R_ANSWER && a->count == 1 &&
	    memchr(a->rr[0].text, '\0', a->rr[0].text_len) == NULL;
	for (p = ok ? a->rr[0].text : ""; ok && *p != '\0'; p = end) {
		while (*p == ' ') {
			buf_append_str(&b, "%_");
			p++;
		}
		end = p + strcspn(p, " ");
		ok = spf_macro_string_ok((const unsigned char *)p,
		    (size_t)(end - p), true);
		buf_append(&b, p, (size_t)(end - p));
	}
	if (!ok || b.len > SPF_RECORD_MAX_LEN) {
		rr = SPF_dns_rr_new_init(layer, domain, ns_t_txt, 0,
		    a->status == DNS_R_NXDOMAIN ? HOST_NOT_FOUND : NO_DATA);
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

/* layer_lookup - libspf2's lookup hook: counted, bounded dns_lookup */
static SPF_dns_rr_t *
layer_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
    int should_cache)
{
	struct spf_checker *c = layer->hook;
	struct dns_answer *a;
	SPF_dns_rr_t *rr;
	bool term = false;
	uint16_t t = (uint16_t)type;
	int herrno, mark;

	(void)should_cache;
	domain = truncate_left(domain);
	if (t == DNS_T_A && (mark = marker_of(domain)) != 0)
		return marked_lookup(c, layer, domain, mark);
	if (t == DNS_T_MX || t == DNS_T_PTR)
		term = true;
	else if ((t == DNS_T_A || t == DNS_T_AAAA) && !in_expansion(c, domain))
		term = true;
	/* TXT here is the exp= explanation: not a term (RFC 7208 6.2) */
	if (term && !count_term(c))
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
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
	if (t == DNS_T_MX || t == DNS_T_PTR)
		remember_names(c, a, t == DNS_T_PTR);
	if (t == DNS_T_TXT)
		return explanation_rr(layer, domain, a);
	herrno = herrno_of(a->status);
	/* RFC 7208 5.5: a DNS error on an address lookup of a PTR name
	 * skips that name (libspf2 would give temperror) */
	if (!term && c->expansion_ptr && herrno == TRY_AGAIN &&
	    (t == DNS_T_A || t == DNS_T_AAAA))
		herrno = HOST_NOT_FOUND;
	rr = SPF_dns_rr_new_init(layer, domain, type, (int)a->ttl, herrno);
	if (rr != NULL && a->status == DNS_R_ANSWER)
		fill_rr(rr, a, t);
	dns_answer_free(&a);
	return rr;
}

/*
 * fetch_record - find, select and check the SPF record of domain (RFC 7208
 * 4.4, 4.5); on success c->norm holds the normalised record. Returns
 * SPF_RES_PASS for "found", NONE, TEMPERROR or PERMERROR otherwise.
 */
static enum spf_res
fetch_record(struct spf_checker *c, const char *domain, const char **why_r)
{
	struct dns_answer *a;
	size_t i, found = 0, idx = 0;
	enum spf_res res;

	if (!spf_domain_ok(domain)) {
		*why_r = "malformed domain (RFC 7208 4.3)";
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
	    !spf_record_check((const unsigned char *)a->rr[idx].text,
	    a->rr[idx].text_len, c->client_af, &c->norm, why_r)) {
		if (memchr(a->rr[idx].text, '\0', a->rr[idx].text_len) != NULL)
			*why_r = "NUL in record";
		res = SPF_RES_PERMERROR;
	} else {
		res = SPF_RES_PASS;
	}
	dns_answer_free(&a);
	return res;
}

/* layer_get_spf - libspf2's hook for include: and redirect= records */
static SPF_errcode_t
layer_get_spf(SPF_server_t *server, SPF_request_t *req, SPF_response_t *resp,
    SPF_record_t **recp)
{
	struct spf_checker *c = server->resolver->hook;
	const char *why = NULL;
	enum spf_res r;

	*recp = NULL;
	if (!count_term(c))
		return SPF_E_DNS_ERROR;
	r = fetch_record(c, req->cur_dom, &why);
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
	if (SPF_record_compile(server, resp, recp, buf_cstr(&c->norm)) !=
	    SPF_E_SUCCESS) {
		if (*recp != NULL) {
			SPF_record_free(*recp);
			*recp = NULL;
		}
		abort_eval(c, SPF_RES_PERMERROR, "libspf2 refused the record");
		return SPF_E_SYNTAX;
	}
	return SPF_E_SUCCESS;
}

/* spf_checker_new - a checker on resolver r */
struct spf_checker *
spf_checker_new(struct dns_resolver *r, const struct spf_limits *limits,
    const char *receiver_host)
{
	struct spf_checker *c = xcalloc(1, sizeof(*c));
	SPF_response_t *resp = NULL;

	pthread_once(&handlers_once, set_handlers);
	c->dns = r;
	if (limits != NULL)
		c->lim = *limits;
	if (c->lim.max_dns_terms == 0)
		c->lim.max_dns_terms = SPF_DEFAULT_MAX_DNS_TERMS;
	if (c->lim.max_void_lookups == 0)
		c->lim.max_void_lookups = SPF_DEFAULT_MAX_VOID_LOOKUPS;
	if (c->lim.max_queries == 0)
		c->lim.max_queries = SPF_DEFAULT_MAX_QUERIES;
	if (c->lim.max_time_ms == 0)
		c->lim.max_time_ms = SPF_DEFAULT_MAX_TIME_MS;
	c->receiver = xstrdup(receiver_host != NULL && receiver_host[0] != '\0' ?
	    receiver_host : "localhost");
	c->layer.destroy = NULL;	/* we own and free it */
	c->layer.lookup = layer_lookup;
	c->layer.get_spf = layer_get_spf;
	c->layer.name = "authmilter";
	c->layer.hook = c;
	c->server = SPF_server_new_dns(&c->layer, 0);
	if (c->server == NULL)
		abort();	/* out of memory inside libspf2 */
	(void)SPF_server_set_rec_dom(c->server, c->receiver);
	/* libspf2's default explanation points at a dead web site; "%_" is a
	 * space (see explanation_rr) */
	(void)SPF_server_set_explanation(c->server,
	    "%{i}%_is%_not%_one%_of%_%{d}'s%_designated%_mail%_servers", &resp);
	if (resp != NULL)
		SPF_response_free(resp);
	return c;
}

/* spf_checker_free - free the checker; NULLs *cp */
void
spf_checker_free(struct spf_checker **cp)
{
	struct spf_checker *c = *cp;

	if (c == NULL)
		return;
	*cp = NULL;
	SPF_server_free(c->server);
	clear_expansion(c);
	buf_deinit(&c->norm);
	free(c->receiver);
	free(c);
}

/* map_result - libspf2 result to ours */
static enum spf_res
map_result(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_NEUTRAL: return SPF_RES_NEUTRAL;
	case SPF_RESULT_PASS: return SPF_RES_PASS;
	case SPF_RESULT_FAIL: return SPF_RES_FAIL;
	case SPF_RESULT_SOFTFAIL: return SPF_RES_SOFTFAIL;
	case SPF_RESULT_NONE: return SPF_RES_NONE;
	case SPF_RESULT_TEMPERROR: return SPF_RES_TEMPERROR;
	default: return SPF_RES_PERMERROR;
	}
}

/* set_client - parse the client address into the request; IPv4-mapped
 * IPv6 becomes IPv4 (RFC 7208 5: an IPv4 connection over IPv6) */
static bool
set_client(struct spf_checker *c, SPF_request_t *sr, const char *ip)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (ip == NULL)
		return false;
	if (inet_pton(AF_INET, ip, &v4) == 1) {
		c->client_af = AF_INET;
		return SPF_request_set_ipv4(sr, v4) == SPF_E_SUCCESS;
	}
	if (inet_pton(AF_INET6, ip, &v6) != 1)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&v6)) {
		memcpy(&v4, &v6.s6_addr[12], 4);
		c->client_af = AF_INET;
		return SPF_request_set_ipv4(sr, v4) == SPF_E_SUCCESS;
	}
	c->client_af = AF_INET6;
	return SPF_request_set_ipv6(sr, v6) == SPF_E_SUCCESS;
}

/* identity - the <sender> and <domain> of the check (RFC 7208 2.3, 2.4,
 * 4.3): null sender and HELO use postmaster@HELO; a missing local-part
 * becomes postmaster */
static void
identity(const struct spf_request *req, struct spf_result *res)
{
	const char *helo = req->helo != NULL ? req->helo : "";
	const char *from = req->mail_from != NULL ? req->mail_from : "";
	const char *at;
	struct buf b = BUF_INIT;
	size_t dlen;

	if (req->identity == SPF_ID_HELO || from[0] == '\0') {
		buf_printf(&b, "postmaster@%s", helo);
		res->domain = xstrdup(helo);
	} else if ((at = strrchr(from, '@')) == NULL || at == from) {
		at = at != NULL ? at + 1 : from;
		buf_printf(&b, "postmaster@%s", at);
		res->domain = xstrdup(at);
	} else {
		buf_append_str(&b, from);
		res->domain = xstrdup(at + 1);
	}
	dlen = strlen(res->domain);
	if (dlen > 0 && res->domain[dlen - 1] == '.')
		res->domain[dlen - 1] = '\0';
	res->sender = buf_steal(&b);
}

/* run_libspf2 - evaluate the checked top-level record in c->norm */
static void
run_libspf2(struct spf_checker *c, const struct spf_request *req,
    SPF_request_t *sr, struct spf_result *res)
{
	SPF_response_t *resp = NULL;
	SPF_record_t *rec = NULL;
	const char *exp;

	if (req->helo != NULL && req->helo[0] != '\0')
		(void)SPF_request_set_helo_dom(sr, req->helo);
	if (SPF_request_set_env_from(sr, res->sender) != 0) {
		res->res = SPF_RES_PERMERROR;
		res->reason = xstrdup("libspf2 refused the sender");
		return;
	}
	/*
	 * What SPF_request_query_fallback does, minus its "localhost always
	 * passes" shortcut (RFC 7208 has no such rule): compile our checked
	 * record, then interpret it for the MAIL FROM domain.
	 */
	resp = SPF_response_new(sr);
	if (resp == NULL)
		abort();	/* out of memory inside libspf2 */
	if (SPF_record_compile(c->server, resp, &rec, buf_cstr(&c->norm)) !=
	    SPF_E_SUCCESS || rec == NULL) {
		if (rec != NULL)
			SPF_record_free(rec);
		SPF_response_free(resp);
		res->res = SPF_RES_PERMERROR;
		res->reason = xstrdup("libspf2 refused the record");
		return;
	}
	sr->use_helo = 0;
	sr->cur_dom = sr->env_from_dp;
	resp->spf_record_exp = rec;
	(void)SPF_record_interpret(rec, sr, resp, 0);
	SPF_record_free(rec);
	res->res = map_result(SPF_response_result(resp));
	if (c->aborted) {
		res->res = c->abort_res;
		res->reason = xstrdup(c->abort_why);
	} else {
		struct buf b = BUF_INIT;

		buf_printf(&b, "libspf2: %s",
		    SPF_strerror(SPF_response_errcode(resp)));
		res->reason = buf_steal(&b);
		exp = SPF_response_get_explanation(resp);
		if (res->res == SPF_RES_FAIL && exp != NULL)
			res->explanation = xstrdup(exp);
	}
	SPF_response_free(resp);
}

/* spf_check - one SPF evaluation */
void
spf_check(struct spf_checker *c, const struct spf_request *req,
    struct spf_result *res)
{
	SPF_request_t *sr;
	const char *why = NULL;
	enum spf_res r;

	memset(res, 0, sizeof(*res));
	c->queries = c->terms = c->voids = 0;
	c->aborted = false;
	c->abort_why = NULL;
	clear_expansion(c);
	c->deadline_ms = now_ms() + c->lim.max_time_ms;
	identity(req, res);
	sr = SPF_request_new(c->server);
	if (sr == NULL)
		abort();	/* out of memory inside libspf2 */
	if (!set_client(c, sr, req->client_ip)) {
		res->res = SPF_RES_NONE;
		res->reason = xstrdup("bad client address");
	} else if ((r = fetch_record(c, res->domain, &why)) != SPF_RES_PASS) {
		res->res = r;
		res->reason = xstrdup(why != NULL ? why : "");
	} else {
		run_libspf2(c, req, sr, res);
	}
	SPF_request_free(sr);
	res->dns_queries = c->queries;
	res->dns_terms = c->terms;
	res->void_lookups = c->voids;
	clear_expansion(c);
}

/* spf_result_deinit - free the strings of a result */
void
spf_result_deinit(struct spf_result *res)
{
	xfree(&res->domain);
	xfree(&res->sender);
	xfree(&res->explanation);
	xfree(&res->reason);
}

/* append_value - a key=value value: dot-atom as is, else quoted-string
 * with controls dropped (RFC 5322 3.2.3, 3.2.4) */
static void
append_value(struct buf *b, const char *v)
{
	const char *p;
	bool atom = v[0] != '\0' && v[0] != '.';

	for (p = v; *p != '\0' && atom; p++)
		if (!ascii_isalnum((unsigned char)*p) &&
		    strchr("!#$%&'*+-/=?^_`{|}~.", *p) == NULL)
			atom = false;
	if (atom) {
		buf_append_str(b, v);
		return;
	}
	buf_append_byte(b, '"');
	for (p = v; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < 0x20 || ch == 0x7f)
			continue;
		if (ch == '"' || ch == '\\')
			buf_append_byte(b, '\\');
		buf_append_byte(b, ch);
	}
	buf_append_byte(b, '"');
}

/* spf_received_spf - Received-SPF field value (RFC 7208 9.1) */
char *
spf_received_spf(const struct spf_request *req, const struct spf_result *res,
    const char *receiver_host)
{
	struct buf b = BUF_INIT;
	const char *ip = req->client_ip != NULL ? req->client_ip : "";
	const char *rcv = receiver_host != NULL ? receiver_host : "localhost";
	const char *dom = res->domain != NULL ? res->domain : "";
	struct buf cm = BUF_INIT;

	switch (res->res) {
	case SPF_RES_PASS:
		buf_printf(&cm, "domain of %s designates %s as permitted sender",
		    dom, ip);
		break;
	case SPF_RES_FAIL:
	case SPF_RES_SOFTFAIL:
		buf_printf(&cm, "domain of %s does not designate %s as "
		    "permitted sender", dom, ip);
		break;
	case SPF_RES_NEUTRAL:
		buf_printf(&cm, "%s is neither permitted nor denied by domain "
		    "of %s", ip, dom);
		break;
	case SPF_RES_NONE:
		buf_printf(&cm, "domain of %s does not provide an SPF record",
		    dom);
		break;
	default:
		buf_printf(&cm, "error in processing during lookup of %s", dom);
		break;
	}
	buf_printf(&b, "%s (%s: ", spf_res_name(res->res), rcv);
	/* the comment must not contain parentheses or controls */
	for (const char *p = buf_cstr(&cm); *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch >= 0x20 && ch != 0x7f && ch != '(' && ch != ')' &&
		    ch != '\\')
			buf_append_byte(&b, ch);
	}
	buf_deinit(&cm);
	buf_append_str(&b, ") client-ip=");
	append_value(&b, ip);
	buf_append_str(&b, "; envelope-from=");
	append_value(&b, res->sender != NULL ? res->sender : "");
	buf_append_str(&b, "; helo=");
	append_value(&b, req->helo != NULL ? req->helo : "");
	buf_append_str(&b, "; receiver=");
	append_value(&b, rcv);
	buf_append_str(&b, "; identity=");
	buf_append_str(&b, req->identity == SPF_ID_HELO ? "helo" : "mailfrom");
	if (res->res == SPF_RES_PERMERROR && res->reason != NULL) {
		buf_append_str(&b, "; problem=");
		append_value(&b, res->reason);
	}
	buf_append_byte(&b, ';');
	return buf_steal(&b);
}
