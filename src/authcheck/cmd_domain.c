/*
 * cmd_domain.c - authcheck domain: look up and explain what a domain
 * publishes for mail authentication
 *
 * MX hosts; SPF (domain_spf.c); DMARC through the daemon's own policy
 * discovery (src/core/dmarc_eval.c: the RFC 9989 DNS Tree Walk and the
 * organizational domain), with the record that applies to the domain, to
 * its subdomains and to names that do not exist, and the rua
 * authorization check (RFC 9990: <domain>._report._dmarc.<rua-domain>
 * when reports go to another organization); DKIM key records of the
 * given selectors through the daemon's key parser (src/core/dkim_key.c),
 * each compared with its --key file (read by the daemon's loader) when
 * one is given: a key rotated in the config but not in DNS, or the
 * reverse, fails every signature, and nothing else says so.
 * Lookups go through src/dns (libunbound), --nameserver or resolv.conf.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authcheck/authcheck.h"
#include "authcheck/keyrecord.h"
#include "authcheck/domain_spf.h"
#include "core/dkim_key.h"
#include "core/dkim_sig.h"
#include "core/dmarc_eval.h"
#include "core/dmarc_record.h"
#include "crypto/crypto.h"
#include "sign/signkey.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define MAX_SELECTORS 16
#define MAX_RUA 8		/* rua URIs checked */
/* MX hosts whose addresses are looked up: a hostile RRset holds
 * thousands, and each lookup may wait the whole --timeout (twice) */
#define MAX_MX_RESOLVED 20

/* is_temp - a status that may change on retry */
static bool
is_temp(enum dns_status st)
{
	return st == DNS_R_SERVFAIL || st == DNS_R_TIMEOUT ||
	    st == DNS_R_BOGUS || st == DNS_R_ERROR;
}

/* mx_section - the MX hosts, or what their absence means */
static void
mx_section(struct report *rep, struct dns_resolver *r, const char *domain)
{
	struct dns_answer *a = dns_lookup(r, domain, DNS_T_MX, 0);
	struct rnode *n = rn_obj(rep->root, "mx");
	struct rnode *l;
	size_t i;

	if (is_temp(a->status))
		rep->tempfail = true;
	if (a->status != DNS_R_ANSWER) {
		rn_str(n, "hosts", "(none: %s)", dns_status_name(a->status));
		rn_str(n, "why", "%s", a->status == DNS_R_NXDOMAIN ?
		    "the domain does not exist" : a->status == DNS_R_NODATA ?
		    "no MX record: mail goes to the domain's own address "
		    "(implicit MX, RFC 5321 5.1)" : "the lookup failed");
		dns_answer_free(&a);
		return;
	}
	l = rn_list(n, "hosts");
	for (i = 0; i < a->count; i++) {
		struct rnode *h = rn_obj(l, NULL);
		struct dns_answer *v4, *v6;
		const char *host = a->rr[i].text != NULL ? a->rr[i].text : "";

		rn_str(h, "host", "%s", *host ? host : ".");
		rn_int(h, "preference", a->rr[i].pref);
		if (*host == '\0' || strcmp(host, ".") == 0) {
			rn_str(h, "why", "null MX: the domain accepts no mail "
			    "(RFC 7505)");
			continue;
		}
		if (i >= MAX_MX_RESOLVED) {
			rn_str(h, "why", "addresses not looked up (more than %d "
			    "MX hosts)", MAX_MX_RESOLVED);
			continue;
		}
		v4 = dns_lookup(r, host, DNS_T_A, 0);
		v6 = dns_lookup(r, host, DNS_T_AAAA, 0);
		rn_int(h, "ipv4_addresses", (long long)v4->count);
		rn_int(h, "ipv6_addresses", (long long)v6->count);
		/* a failed lookup says nothing about the addresses: no
		 * "no address" warning then, but a DNS temporary failure */
		if (is_temp(v4->status) || is_temp(v6->status)) {
			rep->tempfail = true;
			rn_str(h, "why", "address lookup failed: %s",
			    dns_status_name(is_temp(v4->status) ? v4->status :
			    v6->status));
		} else if (v4->count + v6->count == 0)
			report_warn(rep, "mx-no-address", "MX host %s has no "
			    "address", host);
		dns_answer_free(&v4);
		dns_answer_free(&v6);
	}
	dns_answer_free(&a);
}

/* run_discovery - the daemon's DMARC policy discovery for domain; no
 * identifiers are given, only the policy part of the result is used */
static void
run_discovery(struct dns_resolver *r, const char *domain,
    struct dmarc_eval **e_r, struct dmarc_result *res, bool *temp_r,
    struct buf *failed)
{
	struct dmarc_eval_opts opts;
	struct dmarc_auth auth;
	const char *name;
	uint16_t type;

	memset(&opts, 0, sizeof(opts));
	opts.mode = DMARC_MODE_RFC9989;
	opts.want_org_domain = true;
	memset(&auth, 0, sizeof(auth));
	*e_r = dmarc_eval_new(domain, &opts);
	dmarc_eval_set_auth(*e_r, &auth);
	while (dmarc_eval_next_query(*e_r, &name, &type)) {
		char *asked = xstrdup(name);
		struct dns_answer *a = dns_lookup(r, asked, type, 0);

		if (is_temp(a->status) && !*temp_r)	/* the first: the cause */
			buf_printf(failed, "%s %s: %s", asked, type == DNS_T_TXT ?
			    "TXT" : "A", dns_status_name(a->status));
		if (is_temp(a->status))
			*temp_r = true;
		dmarc_eval_feed(*e_r, asked, type, a);
		dns_answer_free(&a);
		free(asked);
	}
	dmarc_eval_result(*e_r, res);
}

/* eff - a policy tag with its RFC 9989 fallback */
static enum dmarc_policy
eff(enum dmarc_policy v, enum dmarc_policy fallback)
{
	return v == DMARC_POLICY_UNSET ? fallback : v;
}

/* rua_domain - the domain of a "mailto:addr@dom[!size]" URI, or NULL */
static char *
rua_domain(const char *uri, size_t len)
{
	const char *at, *end = uri + len;
	size_t n;

	while (uri < end && ascii_iswsp((unsigned char)*uri))
		uri++;
	if ((size_t)(end - uri) < 7 || ascii_strncasecmp(uri, "mailto:", 7) != 0)
		return NULL;
	at = memchr(uri, '@', (size_t)(end - uri));
	if (at == NULL)
		return NULL;
	at++;
	n = strcspn(at, "!, \t");
	if (at + n > end)
		n = (size_t)(end - at);
	return n > 0 ? xstrndup(at, n) : NULL;
}

/* has_dmarc_record - any TXT at name starting with v=DMARC1 */
static bool
has_dmarc_record(struct report *rep, struct dns_resolver *r, const char *name)
{
	struct dns_answer *a = dns_lookup(r, name, DNS_T_TXT, 0);
	bool found = false;
	size_t i;

	if (is_temp(a->status))
		rep->tempfail = true;
	for (i = 0; i < a->count; i++)
		if (a->rr[i].text != NULL && dmarc_record_is_dmarc((const
		    unsigned char *)a->rr[i].text, a->rr[i].text_len))
			found = true;
	dns_answer_free(&a);
	return found;
}

/* rua_check - reports sent outside the policy domain's organization
 * need the receiving domain's consent (RFC 9990 "verifying external
 * destinations"): <policy-domain>._report._dmarc.<rua-domain> */
static void
rua_check(struct report *rep, struct dns_resolver *r, struct rnode *n,
    const struct dmarc_result *res)
{
	const char *rua = res->record->rua, *p;
	const char *org = *res->org_domain ? res->org_domain : res->policy_domain;
	struct rnode *l = rn_list(n, "rua");
	size_t count = 0;

	for (p = rua; p != NULL && *p != '\0' && count < MAX_RUA; count++) {
		size_t len = strcspn(p, ",");
		char *dom = rua_domain(p, len);
		struct rnode *e = rn_obj(l, NULL);

		rn_str(e, "uri", "%.*s", (int)len, p);
		if (dom == NULL) {
			rn_str(e, "note", "not a mailto: URI");
		} else if (dkim_domain_within(dom, org)) {
			rn_str(e, "note", "same organization as %s: no "
			    "authorization record needed", res->policy_domain);
		} else {
			struct buf name = BUF_INIT;
			bool ok;

			buf_printf(&name, "%s._report._dmarc.%s",
			    res->policy_domain, dom);
			ok = has_dmarc_record(rep, r, buf_cstr(&name));
			rn_str(e, "authorization", "%s: %s", buf_cstr(&name),
			    ok ? "present" : "missing");
			if (!ok)
				report_warn(rep, "dmarc-rua-unauthorized", "rua sends "
				    "reports to %s, another organization, but %s "
				    "has no v=DMARC1 record: reporters will drop "
				    "the reports", dom, buf_cstr(&name));
			buf_deinit(&name);
		}
		free(dom);
		p += len;
		if (*p == ',')
			p++;
	}
}

/* dmarc_section - the policy record, what applies where, warnings */
static void
dmarc_section(struct report *rep, struct dns_resolver *r, const char *domain)
{
	struct rnode *n = rn_obj(rep->root, "dmarc");
	struct dmarc_eval *e = NULL;
	struct dmarc_result res;
	const struct dmarc_record *rec;
	struct buf name = BUF_INIT, failed = BUF_INIT;
	bool temp = false;
	enum dmarc_policy p, sp;

	run_discovery(r, domain, &e, &res, &temp, &failed);
	rec = res.record;
	rn_str(n, "org_domain", "%s", res.org_domain);
	rn_str(n, "policy_domain", "%s", res.policy_domain);
	if (temp || res.result == DMARC_RES_TEMPERROR) {
		/* name the query: the walk asks parents of the domain too
		 * (_dmarc.example for _dmarc.mail.example), which a server
		 * authoritative for one zone refuses */
		rep->tempfail = true;
		if (failed.len > 0)
			rn_str(n, "why", "DNS failure during policy discovery: "
			    "%s (the tree walk asks the domain and its "
			    "parents)", buf_cstr(&failed));
		else
			rn_str(n, "why", "DNS failure during policy discovery");
		goto out;
	}
	if (rec == NULL) {
		rn_str(n, "why", "no DMARC record for %s or its organizational "
		    "domain: receivers apply no DMARC policy (%s)", domain,
		    res.reason ? res.reason : "");
		report_warn(rep, "dmarc-missing", "%s has no DMARC policy",
		    domain);
		goto out;
	}
	buf_printf(&name, "_dmarc.%s", res.policy_domain);
	rn_str(n, "record_name", "%s", buf_cstr(&name));
	if (rec->warning != NULL)
		rn_str(n, "record_problem", "%s", rec->warning);
	if (res.result == DMARC_RES_PERMERROR) {
		/* no policy to show: receivers stop at the error */
		rn_str(n, "why", "the record cannot be used (%s): receivers "
		    "give dmarc=permerror and apply no policy",
		    res.reason ? res.reason : "");
		report_warn(rep, "dmarc-invalid", "the DMARC record at %s is "
		    "not valid: %s (permerror)", buf_cstr(&name),
		    res.reason ? res.reason : "");
		goto out;
	}
	p = eff(rec->p, DMARC_POLICY_NONE);
	sp = eff(rec->sp, p);
	rn_str(n, "p", "%s", dmarc_policy_name(p));
	rn_str(n, "sp", "%s", dmarc_policy_name(sp));
	rn_str(n, "np", "%s", dmarc_policy_name(eff(rec->np, sp)));
	rn_str(n, "adkim", "%s", rec->adkim_strict ? "s" : "r");
	rn_str(n, "aspf", "%s", rec->aspf_strict ? "s" : "r");
	rn_bool(n, "testing", rec->testing);
	rn_str(n, "applies_to_domain", "%s (%s)",
	    dmarc_policy_name(res.policy), res.author_nxdomain ?
	    "np=: the domain does not exist" :
	    ascii_strcasecmp(res.policy_domain, domain) == 0 ?
	    "p= of its own record" : "sp= of the organizational domain's "
	    "record: it has none of its own");
	rn_str(n, "applies_to_subdomains", "%s (sp=, from %s, unless a "
	    "subdomain publishes its own record)", dmarc_policy_name(sp),
	    buf_cstr(&name));
	rn_str(n, "applies_to_nonexistent_subdomains", "%s (np=)",
	    dmarc_policy_name(eff(rec->np, sp)));
	if (res.policy == DMARC_POLICY_NONE || res.policy == DMARC_POLICY_UNSET)
		report_warn(rep, "dmarc-p-none", "the DMARC policy for %s is "
		    "none: failing mail is only reported, never refused or "
		    "quarantined", domain);
	if (rec->rua != NULL)
		rua_check(rep, r, n, &res);
out:
	buf_deinit(&name);
	buf_deinit(&failed);
	dmarc_eval_free(&e);
}

/* key_flags - t= and h= of a key in words */
static void
key_flags(struct rnode *e, const struct dkim_key *k)
{
	struct rnode *l = rn_list(e, "flags");

	if (k->testing)
		rn_str(l, NULL, "t=y (testing: verifiers may treat failures as "
		    "unsigned)");
	if (k->strict)
		rn_str(l, NULL, "t=s (i= must be exactly d=)");
	if (!k->allow_sha1 || !k->allow_sha256)
		rn_str(l, NULL, "h=%s only", k->allow_sha256 ? "sha256" : "sha1");
}

/* key_match - is the published key the public half of the --key file?
 * (RFC 6376 3.6.1: p= is what verifiers check the signature with) */
static void
key_match(struct report *rep, struct rnode *e, const char *name,
    const struct dkim_key *k, const struct crypto_privkey *priv)
{
	if (crypto_privkey_matches(priv, k->pk)) {
		rn_str(e, "key_file_matches", "yes");
		return;
	}
	rn_str(e, "key_file_matches", "no");
	report_warn(rep, "dkim-key-mismatch", "the key at %s is not the "
	    "public half of the --key file: signatures made with it fail "
	    "(key_file_record is the record that would match)", name);
}

/* key_file_record - the record that would publish the --key file's
 * public half: what to put in DNS when the check says missing or
 * mismatch */
static void
key_file_record(struct rnode *e, const struct crypto_privkey *priv)
{
	struct buf rec = BUF_INIT;

	if (keyrecord_text(priv, "domain", &rec))
		rn_str(e, "key_file_record", "%s", buf_cstr(&rec));
	buf_deinit(&rec);
}

/* judge_key - one TXT record at a selector's name, judged by the
 * verifier's key parser, into node e */
static void
judge_key(struct report *rep, struct rnode *e, const char *name,
    const struct dns_rr *rr, const struct crypto_privkey *priv)
{
	struct dkim_key k;
	const char *why = "";
	enum dkim_key_status st;

	memset(&k, 0, sizeof(k));
	rn_str(e, "record", "%s", rr->text);
	st = dkim_key_parse((const unsigned char *)rr->text, rr->text_len, &k,
	    &why);
	if (st == DKIM_KEY_REVOKED) {
		rn_str(e, "status", "revoked (empty p=): signatures with this "
		    "selector fail");
	} else if (st != DKIM_KEY_OK) {
		rn_str(e, "status", "invalid: %s", why);
		report_warn(rep, "dkim-key-invalid", "the key at %s does not "
		    "parse: %s", name, why);
	} else {
		unsigned bits = crypto_pubkey_bits(k.pk);

		rn_str(e, "status", "ok");
		rn_str(e, "type", "%s", k.type == CRYPTO_KEY_RSA ? "rsa" :
		    "ed25519");
		rn_int(e, "bits", bits);
		key_flags(e, &k);
		if (k.type == CRYPTO_KEY_RSA && bits < 1024)
			report_warn(rep, "dkim-key-small", "the key at %s has %u "
			    "bits; verifiers refuse RSA keys under 1024 (RFC "
			    "8301 3.2)", name, bits);
		if (priv != NULL)
			key_match(rep, e, name, &k, priv);
	}
	dkim_key_deinit(&k);
}

/* key_section - one selector's key record(s): the first at the entry's
 * top level, any others in more_records (one JSON object must not
 * repeat a key, which dropped all but the last record) */
static void
key_section(struct report *rep, struct dns_resolver *r, struct rnode *list,
    const char *domain, const char *sel, const char *key_file,
    const struct crypto_privkey *priv)
{
	struct rnode *e = rn_obj(list, NULL), *more = NULL;
	struct buf name = BUF_INIT;
	struct dns_answer *a;
	size_t i, seen = 0;

	buf_printf(&name, "%s._domainkey.%s", sel, domain);
	rn_str(e, "selector", "%s", sel);
	rn_str(e, "name", "%s", buf_cstr(&name));
	if (key_file != NULL)
		rn_str(e, "key_file", "%s", key_file);
	if (priv != NULL)
		key_file_record(e, priv);
	a = dns_lookup(r, buf_cstr(&name), DNS_T_TXT, 0);
	if (is_temp(a->status))
		rep->tempfail = true;
	if (a->status != DNS_R_ANSWER) {
		rn_str(e, "status", "missing (%s)", dns_status_name(a->status));
		if (!is_temp(a->status))
			report_warn(rep, "dkim-key-missing", "no DKIM key at %s",
			    buf_cstr(&name));
	}
	for (i = 0; i < a->count; i++) {
		if (a->rr[i].text == NULL)
			continue;
		if (seen++ == 0) {
			judge_key(rep, e, buf_cstr(&name), &a->rr[i], priv);
			continue;
		}
		if (more == NULL)
			more = rn_list(e, "more_records");
		judge_key(rep, rn_obj(more, NULL), buf_cstr(&name), &a->rr[i],
		    priv);
	}
	dns_answer_free(&a);
	buf_deinit(&name);
}

/* free_keys - the --key private keys (wiped) */
static void
free_keys(struct crypto_privkey **privs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (privs[i] != NULL)
			crypto_privkey_free(&privs[i]);
}

int
cmd_domain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "selector", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		AC_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *selectors[MAX_SELECTORS];
	const char *key_files[MAX_SELECTORS] = { NULL };
	struct crypto_privkey *privs[MAX_SELECTORS] = { NULL };
	char why[512];
	struct idna_name dn;
	const char *domain;
	size_t nsel = 0, i;
	struct ac_common co;
	struct dns_resolver *r;
	struct report rep;
	struct rnode *keys;
	int c, rc;

	memset(&co, 0, sizeof(co));
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:k:", longopts, NULL)) != -1) {
		if (c == 's') {
			if (nsel == MAX_SELECTORS || !dkim_domain_ok(optarg))
				return ac_usage_error("domain", "bad or too many "
				    "--selector");
			selectors[nsel++] = optarg;
		} else if (c == 'k') {
			/* the private key of the --selector just before */
			if (nsel == 0 || key_files[nsel - 1] != NULL)
				return ac_usage_error("domain", "each --key "
				    "follows its own --selector");
			key_files[nsel - 1] = optarg;
		} else if (!ac_common_option(&co, c, optarg)) {
			return ac_usage_error("domain", "bad option");
		}
	}
	if (optind + 1 != argc)
		return ac_usage_error("domain", "give exactly one DOMAIN");
	/* a U-label name is looked up as its A-labels, as mail is */
	if (!ac_domain_arg(argv[optind], &dn))
		return ac_usage_error("domain", "bad domain name %s",
		    argv[optind]);
	domain = dn.ascii;
	for (i = 0; i < nsel; i++)
		if (key_files[i] != NULL && (privs[i] = signkey_load_file(
		    key_files[i], why, sizeof(why))) == NULL) {
			free_keys(privs, nsel);
			return ac_usage_error("domain", "%s", why);
		}
	if ((r = ac_resolver(&co)) == NULL) {
		free_keys(privs, nsel);
		return AC_EXIT_USAGE;
	}
	report_init(&rep);
	rn_str(rep.root, "domain", "%s", domain);
	if (dn.international)
		rn_str(rep.root, "domain_unicode", "%s", dn.unicode);
	mx_section(&rep, r, domain);
	domain_spf(&rep, r, domain);
	dmarc_section(&rep, r, domain);
	if (nsel > 0) {
		keys = rn_list(rep.root, "dkim_keys");
		for (i = 0; i < nsel; i++)
			key_section(&rep, r, keys, domain, selectors[i],
			    key_files[i], privs[i]);
	}
	free_keys(privs, nsel);
	rc = ac_finish(&rep, &co);
	report_deinit(&rep);
	dns_resolver_free(&r);
	return rc;
}
