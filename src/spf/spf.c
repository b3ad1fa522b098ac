/*
 * spf.c - SPF checks (RFC 7208) by libspf2, on our DNS module
 *
 * Exported (spf.h): spf_checker_new, spf_checker_free, spf_check,
 * spf_result_deinit, spf_res_name, spf_decisive_term (spf_received.c
 * writes the Received-SPF field);
 * to spf_pool.c (spf_int.h): spf_checker_set_limits,
 * spf_checker_has_receiver.
 *
 * libspf2 evaluates; spf_dns.c supplies its DNS layer (an SPF_dns_server_t
 * whose lookup and get_spf hooks call dns_lookup), and together they
 * shield it:
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
 *     ignored, where libspf2 would give permerror); a DNS error on the
 *     PTR lookup or on a PTR name's address lookup means no match (5.5),
 *     where libspf2 would give temperror;
 *   - MX hosts are handed to libspf2 in preference order, so which host
 *     it tries first (it stops at a match) does not follow the
 *     resolver's rotation;
 *   - IPv4-mapped IPv6 clients are checked as IPv4 (RFC 7208 5);
 *   - the identity's domain is checked first (RFC 7208 4.3: malformed or
 *     single-label gives none); a null sender uses postmaster@HELO (2.4);
 *   - no name with 8-bit bytes is sent to DNS (RFC 8616 4): a term whose
 *     %{l} or %{s} expands a UTF-8 local part matches nothing, and a
 *     domain with no A-label form gives none;
 *   - libspf2's "loopback clients always pass" shortcut is bypassed;
 *   - exp= texts are checked and their spaces passed as "%_" (libspf2
 *     turns literal spaces of explanations into '%'), and names longer
 *     than 253 octets lose labels on the left (RFC 7208 7.3).
 * When a limit trips, further lookups fail at once (TRY_AGAIN) so libspf2
 * unwinds quickly, and our result replaces libspf2's.
 *
 * A checker holds one SPF_server_t, the per-evaluation counters and two
 * memories kept across evaluations (records checked, spf_norm_memo.c;
 * records compiled, spf_compiled.c), so it is used by one thread at a
 * time. A pool's checkers also share the kept results (spf_results.h):
 * spf_check answers from them, without DNS or libspf2, while every
 * answer the first evaluation read is within its TTL (results_key says
 * what else must match; temperrors and evaluations cut short by a limit
 * are not kept). libspf2's message handlers (globals)
 * are set once to quiet ones: warnings and debug output are dropped.
 * Ownership: results own their strings (spf_result_deinit); they are
 * kept in the result's own text (stash_join), so a check allocates no
 * strings unless one is longer than SPF_RESULT_TEXT allows.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/idna.h"
#include "metrics/metrics.h"
#include "spf/spf_int.h"
#include "spf/spf_record.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/str.h"
#include "util/xmalloc.h"

static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

/* A string of a result that did not fit its text. */
struct spf_result_heap {
	struct spf_result_heap *next;
	char data[];
};

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


/* receiver_name - the name a checker gives us: "localhost" if none */
static const char *
receiver_name(const char *receiver_host)
{
	return receiver_host != NULL && receiver_host[0] != '\0' ?
	    receiver_host : "localhost";
}

/* spf_checker_set_limits - limits, zero fields (or NULL) as defaults */
void
spf_checker_set_limits(struct spf_checker *c, const struct spf_limits *limits)
{
	memset(&c->lim, 0, sizeof(c->lim));
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
}

/* spf_checker_has_receiver - was c built to name receiver_host? */
bool
spf_checker_has_receiver(const struct spf_checker *c,
    const char *receiver_host)
{
	return strcmp(c->receiver, receiver_name(receiver_host)) == 0;
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
	spf_checker_set_limits(c, limits);
	c->receiver = xstrdup(receiver_name(receiver_host));
	spf_compiled_init(&c->compiled);
	spf_norm_memo_init(&c->norm_memo);
	c->layer.destroy = NULL;	/* we own and free it */
	c->layer.lookup = spf_dns_lookup;
	c->layer.get_spf = spf_dns_get_spf;
	c->layer.name = "authmilter";
	c->layer.hook = c;
	c->server = SPF_server_new_dns(&c->layer, 0);
	if (c->server == NULL)
		abort();	/* out of memory inside libspf2 */
	(void)SPF_server_set_rec_dom(c->server, c->receiver);
	/* libspf2's default explanation points at a dead web site; "%_" is a
	 * space (see explanation_rr). %{c}, not %{i}: it goes into the SMTP
	 * reply and A-R reason=, where an IPv6 client must read as its
	 * address, not as the 63 octets of dotted nibbles %{i} is (RFC 7208
	 * 7.3) */
	(void)SPF_server_set_explanation(c->server,
	    "%{c}%_is%_not%_one%_of%_%{d}'s%_designated%_mail%_servers", &resp);
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
	spf_compiled_deinit(&c->compiled);
	spf_norm_memo_deinit(&c->norm_memo);
	SPF_server_free(c->server);
	spf_dns_clear(c);
	buf_deinit(&c->norm);
	buf_deinit(&c->fixed);
	buf_deinit(&c->shrunk);
	buf_deinit(&c->results_key);
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

/* parse_client - the client address of ip into c->client (IPv4-mapped
 * IPv6 becomes IPv4: RFC 7208 5, an IPv4 connection over IPv6). The last
 * text parsed is remembered: the HELO check of a message, and the
 * messages of a connection, come with the same address. */
static bool
parse_client(struct spf_checker *c, const char *ip)
{
	struct spf_client *a = &c->client;
	size_t len;

	if (ip == NULL)
		return false;
	len = strlen(ip);
	if (a->af != 0 && a->text_len != 0 && len == a->text_len &&
	    memcmp(ip, a->text, len) == 0)
		return true;
	a->af = 0;
	if (inet_pton(AF_INET, ip, &a->v4) == 1) {
		a->af = AF_INET;
	} else if (inet_pton(AF_INET6, ip, &a->v6) != 1) {
		return false;
	} else if (IN6_IS_ADDR_V4MAPPED(&a->v6)) {
		memcpy(&a->v4, &a->v6.s6_addr[12], 4);
		a->af = AF_INET;
	} else {
		a->af = AF_INET6;
	}
	/* longer texts (none valid) are parsed every time */
	a->text_len = len < sizeof(a->text) ? len : 0;
	memcpy(a->text, ip, a->text_len);
	return true;
}

/* set_client - the client address of ip into c and the request sr */
static bool
set_client(struct spf_checker *c, SPF_request_t *sr, const char *ip)
{
	if (!parse_client(c, ip))
		return false;
	c->client_af = c->client.af;
	if (c->client.af == AF_INET)
		return SPF_request_set_ipv4(sr, c->client.v4) == SPF_E_SUCCESS;
	return SPF_request_set_ipv6(sr, c->client.v6) == SPF_E_SUCCESS;
}

/* stash_join - a[0..alen) followed by b[0..blen) and a NUL, in res's own
 * storage: its text while there is room, else a heap piece that
 * spf_result_deinit frees (a check used to make five allocations for
 * these strings, issue 18) */
static char *
stash_join(struct spf_result *res, const char *a, size_t alen,
    const char *b, size_t blen)
{
	size_t room = sizeof(res->text) - res->text_used, len;
	struct spf_result_heap *h;
	char *s;

	if (alen >= SIZE_MAX / 2 || blen >= SIZE_MAX / 2 - sizeof(*h)) {
		(void)fprintf(stderr, "authmilter: SPF string of %zu bytes\n",
		    alen);
		abort();
	}
	len = alen + blen;
	if (len < room) {
		s = res->text + res->text_used;
		res->text_used += len + 1;
	} else {
		h = xmalloc(sizeof(*h) + len + 1);
		h->next = res->heap;
		res->heap = h;
		s = h->data;
	}
	memcpy(s, a, alen);
	if (blen > 0)
		memcpy(s + alen, b, blen);
	s[len] = '\0';
	return s;
}

/* stash - a copy of the string s in res's own storage */
static char *
stash(struct spf_result *res, const char *s)
{
	return stash_join(res, s, strlen(s), "", 0);
}

#define POSTMASTER_AT "postmaster@"

/*
 * to_alabels - an SMTPUTF8 identity with U-labels is checked in its
 * A-label form (RFC 8616 4: DNS names in SPF are A-labels; RFC 7208 4.3),
 * so that the domain DMARC compares is the author's A-label form too. A
 * name that is not valid IDNA2008 is left as it is (no record matches it).
 */
static void
to_alabels(struct spf_result *res, size_t dlen)
{
	struct idna_name n;
	const char *p;
	size_t alen;

	if (!str_has_non_ascii(res->domain, dlen) ||
	    idna_domain((const unsigned char *)res->domain, dlen, &n, NULL) !=
	    IDNA_OK)
		return;
	/* the old strings stay unused in the result's storage */
	alen = strlen(n.ascii);
	res->domain = stash_join(res, n.ascii, alen, "", 0);
	/* the local-part and "@" stay, the domain becomes its A-labels */
	p = strrchr(res->sender, '@');
	res->sender = p != NULL ? stash_join(res, res->sender,
	    (size_t)(p - res->sender) + 1, n.ascii, alen) :
	    stash_join(res, "@", 1, n.ascii, alen);
}

/*
 * helo_for_libspf2 - the HELO name libspf2 expands for %{h} (n holds a
 * copy when needed): as given when it is ASCII (without a root dot,
 * which would make %{h}.x "name..x", as identity drops it from
 * <sender>), in A-labels when it has U-labels (RFC 8616 4: names in SPF
 * are A-labels), else "unknown" (as RFC 7208 7.3 has %{p} say when there
 * is no name to give): a client that gave no HELO, or one with other
 * 8-bit bytes. libspf2 answers an unset HELO with an error (temperror
 * here), and no 8-bit byte reaches its macro expansion or a DNS name.
 */
static const char *
helo_for_libspf2(const char *helo, struct idna_name *n)
{
	size_t len = helo != NULL ? strlen(helo) : 0;

	if (len > 0 && !str_has_non_ascii(helo, len)) {
		if (len == 1 || helo[len - 1] != '.' || len > sizeof(n->ascii))
			return helo;
		memcpy(n->ascii, helo, len - 1);
		n->ascii[len - 1] = '\0';
		return n->ascii;
	}
	if (len > 0 && idna_domain((const unsigned char *)helo, len, n,
	    NULL) == IDNA_OK)
		return n->ascii;
	return "unknown";
}

/* macro_inputs - what %{s} and %{h} stand for in this check, for the
 * macro fix before compiling (spf_compile_record) */
static void
macro_inputs(struct spf_checker *c, const struct spf_request *req,
    const struct spf_result *res)
{
	c->macro_sender = res->sender;
	c->macro_helo = helo_for_libspf2(req->helo, &c->helo_alabels);
}

/* identity - the <sender> and <domain> of the check (RFC 7208 2.3, 2.4,
 * 4.3): null sender and HELO use postmaster@HELO; a missing local-part
 * becomes postmaster. The strings go to the result's own storage (this
 * runs twice a message: MAIL FROM and HELO) */
static void
identity(const struct spf_request *req, struct spf_result *res)
{
	const char *helo = req->helo != NULL ? req->helo : "";
	const char *from = req->mail_from != NULL ? req->mail_from : "";
	const char *at, *dom;
	size_t dlen;

	if (req->identity == SPF_ID_HELO || from[0] == '\0') {
		dom = helo;
		res->sender = stash_join(res, POSTMASTER_AT,
		    sizeof(POSTMASTER_AT) - 1, helo, strlen(helo));
	} else if ((at = strrchr(from, '@')) == NULL || at == from) {
		dom = at != NULL ? at + 1 : from;
		res->sender = stash_join(res, POSTMASTER_AT,
		    sizeof(POSTMASTER_AT) - 1, dom, strlen(dom));
	} else {
		dom = at + 1;
		res->sender = stash(res, from);
	}
	dlen = strlen(dom);
	/* one root dot only: before a second the label is empty, and
	 * spf_domain_ok, which allows one, must still see it (4.3) */
	if (dlen > 1 && dom[dlen - 1] == '.' && dom[dlen - 2] != '.') {
		/* the same name without its root dot (RFC 7208 4.3 allows
		 * it), also in <sender>, whose domain libspf2 expands for
		 * %{d} and %{o}: "example.com." would make "example.com.."
		 * of %{d}.x */
		dlen--;
		res->sender = stash_join(res, res->sender,
		    strlen(res->sender) - 1, "", 0);
	}
	res->domain = stash_join(res, dom, dlen, "", 0);
	to_alabels(res, dlen);
}

/* interpret - what SPF_request_query_fallback does, minus its
 * "localhost always passes" shortcut (RFC 7208 has no such rule): compile
 * rec (checked by spf_record_check; rec_hash: its hash_bytes, the key of
 * the compiled-record cache; spf_compiled.c keeps the compiled
 * form for the next message) and interpret it for the MAIL FROM
 * domain. Returns the response (caller frees), NULL with *why_r set when
 * libspf2 refused the record or compiled only part of it. */
static SPF_response_t *
interpret(struct spf_checker *c, SPF_request_t *sr, const struct buf *rec,
    uint32_t rec_hash, const char **why_r)
{
	SPF_response_t *resp = SPF_response_new(sr);
	SPF_record_t *compiled;

	if (resp == NULL)
		abort();	/* out of memory inside libspf2 */
	compiled = spf_compile_record(c, c->server, resp, buf_cstr(rec),
	    rec->len, rec_hash, sr->env_from_dp, why_r);
	if (compiled == NULL) {
		SPF_response_free(resp);
		return NULL;
	}
	sr->use_helo = 0;
	sr->cur_dom = sr->env_from_dp;
	resp->spf_record_exp = compiled;
	c->request = sr;
	(void)SPF_record_interpret(compiled, sr, resp, 0);
	c->request = NULL;
	SPF_record_free(compiled);
	return resp;
}

/*
 * response_reason - what decided libspf2's result, in words (static, or
 * in res's storage): its error when it had one, else whether a mechanism matched
 * or the record ran out of mechanisms (RFC 7208 4.7: the result is then
 * neutral).
 */
static const char *
response_reason(struct spf_result *res, SPF_response_t *resp)
{
	static const char lib[] = "libspf2: ";
	const char *err;

	if (SPF_response_errcode(resp) != SPF_E_SUCCESS) {
		err = SPF_strerror(SPF_response_errcode(resp));
		if (err == NULL)
			err = "(null)";		/* what printf's %s wrote */
		return stash_join(res, lib, sizeof(lib) - 1, err, strlen(err));
	}
	switch (SPF_response_reason(resp)) {
	case SPF_REASON_MECH:
		return "a mechanism of the record matched";
	case SPF_REASON_DEFAULT:
		return "no mechanism matched: the record's default result";
	case SPF_REASON_LOCALHOST:
		return "the client is the local host";
	default:
		return "";
	}
}

/* run_libspf2 - evaluate the checked top-level record in c->norm */
static void
run_libspf2(struct spf_checker *c, SPF_request_t *sr, struct spf_result *res)
{
	SPF_response_t *resp;
	const char *exp, *why = NULL;

	/* the sender first: set before it, the HELO name makes libspf2
	 * build postmaster@HELO as the sender (a sprintf and three
	 * allocations) that the sender then replaces */
	if (SPF_request_set_env_from(sr, res->sender) != 0) {
		res->res = SPF_RES_PERMERROR;
		res->reason = "libspf2 refused the sender";
		return;
	}
	(void)SPF_request_set_helo_dom(sr, c->macro_helo);
	if ((resp = interpret(c, sr, &c->norm, c->norm_hash, &why)) == NULL) {
		res->res = SPF_RES_PERMERROR;
		res->reason = why;	/* static text, as every why here */
		return;
	}
	res->res = map_result(SPF_response_result(resp));
	if (c->aborted) {
		res->res = c->abort_res;
		res->reason = c->abort_why;
	} else {
		res->reason = response_reason(res, resp);
		exp = SPF_response_get_explanation(resp);
		if (res->res == SPF_RES_FAIL && exp != NULL)
			res->explanation = stash(res, exp);
	}
	SPF_response_free(resp);
}

/*
 * results_key - the key of req's result in the kept results
 * (spf_results.h) into c->results_key. Everything an evaluation reads
 * besides DNS: the identity, the client address, the limits, our name
 * (%{r}), the domain; and, when sender is true, the sender and HELO name
 * as well (a record or explanation read them through %{l}, %{s}, %{h}).
 * Without those, one result serves every local-part of a domain (VERP
 * senders differ in each message).
 */
static void
results_key(struct spf_checker *c, const struct spf_request *req,
    const struct spf_result *res, bool sender)
{
	struct buf *k = &c->results_key;
	const unsigned lim[3] = { c->lim.max_dns_terms,
	    c->lim.max_void_lookups, c->lim.max_queries };
	const char *helo = req->helo != NULL ? req->helo : "";

	buf_reset(k);
	buf_append_byte(k, sender ? 'S' : 'D');
	buf_append_byte(k, (unsigned char)req->identity);
	buf_append_byte(k, (unsigned char)c->client.af);
	if (c->client.af == AF_INET)
		buf_append(k, &c->client.v4, sizeof(c->client.v4));
	else
		buf_append(k, &c->client.v6, sizeof(c->client.v6));
	buf_append(k, lim, sizeof(lim));
	buf_append(k, c->receiver, strlen(c->receiver) + 1);
	buf_append(k, res->domain, strlen(res->domain) + 1);
	if (sender) {
		buf_append(k, res->sender, strlen(res->sender) + 1);
		buf_append(k, helo, strlen(helo) + 1);
	}
}

/* take_kept - spf_results_get's take: a kept result into the result
 * being filled (its domain and sender are already set) */
static void
take_kept(void *arg, const struct spf_kept *kept)
{
	struct spf_result *res = arg;

	res->res = kept->res;
	res->reason = stash(res, kept->reason);
	res->explanation = kept->explanation != NULL ?
	    stash(res, kept->explanation) : NULL;
	res->dns_terms = kept->dns_terms;
	res->void_lookups = kept->void_lookups;
}

/* kept_result - res from the kept results when they have it for req,
 * under either key (no DNS query is made then) */
static bool
kept_result(struct spf_checker *c, const struct spf_request *req,
    struct spf_result *res)
{
	uint64_t now = clock_mono_ms();
	bool sender;

	for (sender = false;; sender = true) {
		results_key(c, req, res, sender);
		if (spf_results_get(c->results, c->results_key.data,
		    c->results_key.len, now, take_kept, res)) {
			metrics_spf_result_kept();
			return true;
		}
		if (sender)
			return false;
	}
}

/* keep_result - keep res for the next evaluation of the same inputs
 * while every DNS answer it read lives; not a temperror, not one cut
 * short by a limit, not one made without DNS */
static void
keep_result(struct spf_checker *c, const struct spf_request *req,
    const struct spf_result *res)
{
	struct spf_kept k;

	if (c->aborted || res->res == SPF_RES_TEMPERROR ||
	    c->answers_unkeepable || c->answers_ttl == UINT32_MAX)
		return;
	k.res = res->res;
	k.reason = res->reason != NULL ? res->reason : "";
	k.explanation = res->explanation;
	k.dns_terms = res->dns_terms;
	k.void_lookups = res->void_lookups;
	results_key(c, req, res, c->answers_use_sender);
	spf_results_put(c->results, c->results_key.data, c->results_key.len,
	    clock_mono_ms(), c->answers_ttl, &k);
}

/* spf_check - one SPF evaluation. libspf2's request is made only when
 * there is a record to interpret (the HELO check mostly finds none) */
void
spf_check(struct spf_checker *c, const struct spf_request *req,
    struct spf_result *res)
{
	SPF_request_t *sr;
	const char *why = NULL;
	enum spf_res r;

	/* not the text: it is filled from the start (stash_join) */
	memset(res, 0, offsetof(struct spf_result, text));
	spf_dns_reset(c);
	if (req->max_time_ms != 0 && req->max_time_ms < c->lim.max_time_ms) {
		c->deadline_ms = clock_mono_ms() + req->max_time_ms;
		c->deadline_why = "the message's DNS time limit reached";
	}
	identity(req, res);
	if (!parse_client(c, req->client_ip)) {
		res->res = SPF_RES_NONE;
		res->reason = "bad client address";
		goto out;
	}
	c->client_af = c->client.af;
	if (c->results != NULL && kept_result(c, req, res))
		return;		/* dns_queries stays 0: none made */
	macro_inputs(c, req, res);	/* not for a kept result: no IDNA */
	if ((r = spf_dns_fetch_record(c, res->domain, &why)) != SPF_RES_PASS) {
		res->res = r;
		res->reason = why != NULL ? why : "";
		goto out;
	}
	sr = SPF_request_new(c->server);
	if (sr == NULL)
		abort();	/* out of memory inside libspf2 */
	if (!set_client(c, sr, req->client_ip)) {
		res->res = SPF_RES_NONE;
		res->reason = "bad client address";
	} else {
		run_libspf2(c, sr, res);
	}
	SPF_request_free(sr);
out:
	res->dns_queries = c->queries;
	res->dns_terms = c->terms;
	res->void_lookups = c->voids;
	if (c->results != NULL)
		keep_result(c, req, res);
	spf_dns_clear(c);
}

/* spf_result_deinit - free the strings of a result */
void
spf_result_deinit(struct spf_result *res)
{
	struct spf_result_heap *h, *next;

	for (h = res->heap; h != NULL; h = next) {
		next = h->next;
		free(h);
	}
	res->heap = NULL;
	res->text_used = 0;
	res->domain = res->sender = res->explanation = NULL;
	res->reason = NULL;
}

/* prefix_decides - does the record made of the first k mechanisms of
 * mech[] give result want by a matching mechanism (not by default)? */
static bool
prefix_decides(struct spf_checker *c, SPF_request_t *sr, char **mech,
    size_t k, enum spf_res want)
{
	struct buf rec = BUF_INIT;
	SPF_response_t *resp;
	const char *why = NULL;
	bool yes = false;
	size_t i;

	buf_append_str(&rec, "v=spf1");
	for (i = 0; i < k; i++)
		buf_printf(&rec, " %s", mech[i]);
	spf_dns_reset(c);
	if ((resp = interpret(c, sr, &rec, hash_bytes(HASH_BYTES_INIT,
	    buf_cstr(&rec), rec.len), &why)) != NULL) {
		yes = !c->aborted &&
		    SPF_response_reason(resp) == SPF_REASON_MECH &&
		    map_result(SPF_response_result(resp)) == want;
		SPF_response_free(resp);
	}
	spf_dns_clear(c);
	buf_deinit(&rec);
	return yes;
}

/* split_terms - the mechanisms of a checked record into mech[] (at most
 * max; pointers into rec), and its redirect= modifier into *redirect_r */
static size_t
split_terms(char *rec, char **mech, size_t max, char **redirect_r)
{
	char *save = NULL, *tok;
	size_t n = 0;

	*redirect_r = NULL;
	(void)strtok_r(rec, " ", &save);	/* v=spf1 */
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		size_t name = strcspn(tok, ":/=");

		if (tok[name] == '=') {
			if (ascii_strncasecmp(tok, "redirect=", 9) == 0)
				*redirect_r = tok;
		} else if (n < max) {
			mech[n++] = tok;
		}
	}
	return n;
}

/* published_term - the term of pub[0..len), the record as published,
 * that normalisation made the k-th (from 0) mechanism of the checked
 * record for a client of family af (spf_record_check rewrites terms one
 * by one: ip4/ip6 /0, a and mx /0, prefix lengths, final dots, macro
 * digits; a term of the other family's /0 disappears). NULL when there
 * is no such term. */
static char *
published_term(const char *pub, size_t len, int af, size_t k)
{
	struct buf one = BUF_INIT, norm = BUF_INIT;
	const char *p = pub, *end = pub + len, *t, *why = NULL;
	char *out = NULL;
	size_t n = 0;

	p += strcspn(p, " ");			/* v=spf1 */
	while (out == NULL && p < end) {
		for (; p < end && *p == ' '; p++)
			;
		for (t = p; p < end && *p != ' '; p++)
			;
		if (p == t)
			break;
		buf_reset(&one);
		buf_append_str(&one, "v=spf1 ");
		buf_append(&one, t, (size_t)(p - t));
		/* a mechanism gives one term, a modifier none or redirect=
		 * or exp= */
		if (!spf_record_check(one.data, one.len, af, &norm, &why) ||
		    norm.len <= sizeof("v=spf1") ||
		    ascii_strncasecmp(buf_cstr(&norm) + 7, "redirect=", 9) == 0 ||
		    ascii_strncasecmp(buf_cstr(&norm) + 7, "exp=", 4) == 0)
			continue;
		if (n++ == k)
			out = xstrndup(t, (size_t)(p - t));
	}
	buf_deinit(&one);
	buf_deinit(&norm);
	return out;
}

/* spf_decisive_term - which term decided a result (see spf.h). The first
 * k mechanisms of the record are evaluated on their own, by libspf2 on
 * the same resolver (answers come from its cache), and a binary search
 * finds the smallest k that already gives the result by a match: the
 * k-th mechanism is the one that matched. No second SPF engine. */
char *
spf_decisive_term(struct spf_checker *c, const struct spf_request *req,
    const struct spf_result *res)
{
	char *mech[SPF_RECORD_MAX_TERMS], *redirect = NULL, *rec, *out = NULL;
	struct buf pub = BUF_INIT;
	const char *why = NULL;
	size_t n, lo, hi;
	SPF_request_t *sr;

	if (res->res != SPF_RES_PASS && res->res != SPF_RES_FAIL &&
	    res->res != SPF_RES_SOFTFAIL && res->res != SPF_RES_NEUTRAL)
		return NULL;
	spf_dns_reset(c);
	/* the client first: the record is normalised for its family (a/24
	 * keeps its prefix length only then), and a checker that has
	 * evaluated nothing yet (authcheck's) has none */
	if (!parse_client(c, req->client_ip))
		return NULL;
	c->client_af = c->client.af;
	macro_inputs(c, req, res);
	c->published = &pub;
	if (spf_dns_fetch_record(c, res->domain, &why) != SPF_RES_PASS) {
		c->published = NULL;
		spf_dns_clear(c);
		buf_deinit(&pub);
		return NULL;
	}
	c->published = NULL;
	rec = xstrdup(buf_cstr(&c->norm));
	spf_dns_clear(c);
	n = split_terms(rec, mech, SPF_RECORD_MAX_TERMS, &redirect);
	if ((sr = SPF_request_new(c->server)) == NULL)
		abort();	/* out of memory inside libspf2 */
	if (!set_client(c, sr, req->client_ip) ||
	    SPF_request_set_env_from(sr, res->sender) != 0)
		goto out;
	(void)SPF_request_set_helo_dom(sr, c->macro_helo);
	if (n == 0 || !prefix_decides(c, sr, mech, n, res->res)) {
		/* no mechanism matched: the redirect target decided, or the
		 * record ran out (neutral, RFC 7208 4.7) */
		if (redirect != NULL)
			out = xstrdup(redirect);
		goto out;
	}
	lo = 1;
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (prefix_decides(c, sr, mech, mid, res->res))
			hi = mid;
		else
			lo = mid + 1;
	}
	/* named as published: the record was rewritten for libspf2 */
	if ((out = published_term((const char *)pub.data, pub.len,
	    c->client_af, lo - 1)) == NULL)
		out = xstrdup(mech[lo - 1]);
out:
	SPF_request_free(sr);
	buf_deinit(&pub);
	free(rec);
	return out;
}
