/*
 * explain_message.c - turn one message's check results into the report
 * of authcheck message: the Authentication-Results value, and for SPF,
 * each DKIM signature and DMARC the result, the records used and a plain
 * sentence on why.
 *
 * Exported: explain_message (explain_message.h).
 *
 * Reads the results the check glue left in the session (the same
 * structures the daemon turns into its header and verdict); it decides
 * nothing itself. The SPF and DMARC records shown are fetched again
 * through the same resolver, so they come from its cache. Failures count
 * in the report (exit code 1); temperror results mark it as a DNS
 * temporary failure (exit code 3).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "authcheck/explain_arc.h"
#include "authcheck/explain_message.h"
#include "core/dkim_sig.h"
#include "core/dkim_verify.h"
#include "core/dmarc_eval.h"
#include "core/dmarc_record.h"
#include "milter/checks.h"
#include "spf/spf.h"
#include "spf/spf_record.h"
#include "util/buf.h"
#include "util/str.h"

/* list_txt - the TXT records at name that pass is_rec, into a list */
static void
list_txt(struct rnode *parent, const char *key, struct dns_resolver *r,
    const char *name, bool (*is_rec)(const unsigned char *, size_t))
{
	struct dns_answer *a = dns_lookup(r, name, DNS_T_TXT, 0);
	struct rnode *l = rn_list(parent, key);
	size_t i;

	for (i = 0; i < a->count; i++)
		if (a->rr[i].text != NULL && is_rec((const unsigned char *)
		    a->rr[i].text, a->rr[i].text_len))
			rn_str(l, NULL, "%s", a->rr[i].text);
	if (a->status != DNS_R_ANSWER && a->status != DNS_R_NODATA &&
	    a->status != DNS_R_NXDOMAIN)
		rn_str(l, NULL, "(lookup of %s failed: %s)", name,
		    dns_status_name(a->status));
	dns_answer_free(&a);
}

/* spf_why - a sentence for an SPF result */
static void
spf_why(struct buf *b, const struct spf_result *res, const char *ip)
{
	const char *d = res->domain != NULL ? res->domain : "";

	switch (res->res) {
	case SPF_RES_PASS:
		buf_printf(b, "%s is an authorised sender for %s: a mechanism of "
		    "its SPF record matched with qualifier +", ip, d);
		break;
	case SPF_RES_FAIL:
		buf_printf(b, "%s is not authorised to send for %s: the SPF "
		    "record (or an include) matched with qualifier - (usually "
		    "\"-all\" after no other mechanism matched)", ip, d);
		break;
	case SPF_RES_SOFTFAIL:
		buf_printf(b, "%s is probably not authorised for %s: the record "
		    "matched with qualifier ~ (usually \"~all\")", ip, d);
		break;
	case SPF_RES_NEUTRAL:
		buf_printf(b, "%s makes no statement about %s: a mechanism with "
		    "qualifier ? matched, or the record ended without \"all\"",
		    d, ip);
		break;
	case SPF_RES_NONE:
		buf_printf(b, "%s publishes no SPF record (or the identity is "
		    "not a usable domain): %s", d, res->reason ? res->reason : "");
		break;
	case SPF_RES_PERMERROR:
		buf_printf(b, "the SPF record of %s cannot be evaluated, a "
		    "permanent error: %s", d, res->reason ? res->reason : "");
		break;
	case SPF_RES_TEMPERROR:
		buf_printf(b, "a DNS lookup for the SPF check of %s failed "
		    "temporarily: %s", d, res->reason ? res->reason : "");
		break;
	}
}

/* spf_term - the term of the record that decided res, found by the SPF
 * module on a checker of our own (same resolver, cached answers) */
static void
spf_term(struct rnode *n, struct dns_resolver *r, const struct session *s,
    enum spf_identity id, const struct spf_result *res, struct buf *why)
{
	struct spf_checker *c = spf_checker_new(r, NULL, NULL);
	struct spf_request req;
	char *term;

	memset(&req, 0, sizeof(req));
	req.client_ip = s->client_addr;
	req.helo = s->helo;
	req.mail_from = s->msg.mail_from;
	req.identity = id;
	if ((term = spf_decisive_term(c, &req, res)) != NULL) {
		rn_str(n, "matched_term", "%s", term);
		buf_printf(why, "; the term that decided: \"%s\"", term);
	} else if (res->res == SPF_RES_NEUTRAL) {
		rn_str(n, "matched_term", "(none: no term matched)");
	}
	free(term);
	spf_checker_free(&c);
}

/* spf_section - one SPF identity's result */
static void
spf_section(struct report *rep, struct dns_resolver *r, const char *key,
    const char *identity, const struct spf_result *res,
    const struct session *s, enum spf_identity id)
{
	const char *ip = s->client_addr;
	struct rnode *n = rn_obj(rep->root, key);
	struct buf why = BUF_INIT;

	rn_str(n, "result", "%s", spf_res_name(res->res));
	rn_str(n, "identity", "%s", identity);
	rn_str(n, "domain", "%s", res->domain ? res->domain : "");
	rn_str(n, "sender", "%s", res->sender ? res->sender : "");
	rn_str(n, "client_ip", "%s", ip);
	if (res->domain != NULL && *res->domain != '\0')
		list_txt(n, "records", r, res->domain, spf_record_is_spf);
	rn_str(n, "reason", "%s", res->reason ? res->reason : "");
	if (res->explanation != NULL)
		rn_str(n, "explanation", "%s", res->explanation);
	rn_int(n, "dns_terms", res->dns_terms);
	rn_int(n, "void_lookups", res->void_lookups);
	spf_why(&why, res, ip);
	spf_term(n, r, s, id, res, &why);
	rn_str(n, "why", "%s", buf_cstr(&why));
	buf_deinit(&why);
	if (res->res == SPF_RES_TEMPERROR)
		rep->tempfail = true;
	else if (res->res == SPF_RES_FAIL || res->res == SPF_RES_SOFTFAIL ||
	    res->res == SPF_RES_PERMERROR)
		report_fail(rep);
}

/* dkim_why - a sentence for one signature's result */
static void
dkim_why(struct buf *b, const struct dkim_result *d,
    const struct dkim_detail *det)
{
	const char *why = d->reason;

	if (d->result == DKIM_RES_PASS) {
		buf_printf(b, "the signature of %s verified with the key at %s "
		    "(%u bits): the body hash and the signed header fields "
		    "(h=%s) are unchanged", d->domain, d->key_name, d->key_bits,
		    d->signed_headers);
	} else if (strcmp(why, "body hash mismatch") == 0) {
		buf_printf(b, "the body changed after signing: bh= is %s but "
		    "the body (c=%s) hashes to %s; a footer added by a list, a "
		    "content filter or re-encoding is the usual cause",
		    det->body_hash, det->canon, det->body_hash_computed);
	} else if (strcmp(why, "signature did not verify") == 0) {
		buf_printf(b, "the body is intact (body hash matches) but the "
		    "signature over the header fields does not verify with the "
		    "key at %s: a signed header field (h=%s) was changed, added "
		    "or removed after signing, or the published key is not the "
		    "one that signed", d->key_name, d->signed_headers);
	} else if (strcmp(why, "key revoked") == 0) {
		buf_printf(b, "the key record at %s has an empty p=: %s revoked "
		    "this key", d->key_name, d->domain);
	} else if (strcmp(why, "no key") == 0) {
		buf_printf(b, "there is no key record at %s (no such name or no "
		    "TXT record)", d->key_name);
	} else if (d->result == DKIM_RES_TEMPERROR) {
		buf_printf(b, "the key could not be fetched right now: %s", why);
	} else {
		buf_printf(b, "%s: %s", dkim_res_name(d->result), why);
	}
}

/* dkim_section - one entry per signature, or none */
static void
dkim_section(struct report *rep, const struct dkim_verifier *v)
{
	size_t i, n = v != NULL ? dkim_verifier_result_count(v) : 0;
	struct rnode *l = rn_list(rep->root, "dkim");

	if (n == 0) {
		struct rnode *e = rn_obj(l, NULL);

		rn_str(e, "result", "none");
		rn_str(e, "why", "the message has no DKIM-Signature field");
	}
	for (i = 0; i < n; i++) {
		const struct dkim_result *d = dkim_verifier_result(v, i);
		struct rnode *e = rn_obj(l, NULL);
		struct buf why = BUF_INIT, store = BUF_INIT;
		struct dkim_detail det;

		dkim_verifier_detail(v, i, &store, &det);

		rn_str(e, "result", "%s", dkim_res_name(d->result));
		rn_str(e, "reason", "%s", d->reason);
		rn_str(e, "domain", "%s", d->domain);
		rn_str(e, "selector", "%s", d->selector);
		rn_str(e, "algorithm", "%s", d->algorithm);
		if (d->auid != NULL)
			rn_str(e, "auid", "%s", d->auid);
		rn_str(e, "canonicalization", "%s", det.canon);
		rn_str(e, "signed_headers", "%s", d->signed_headers);
		rn_str(e, "key_name", "%s", d->key_name);
		rn_str(e, "key_record", "%s", d->key_record);
		rn_int(e, "key_bits", d->key_bits);
		rn_bool(e, "key_testing", d->testing);
		rn_str(e, "body_hash", "%s", det.body_hash);
		rn_str(e, "body_hash_computed", "%s", det.body_hash_computed);
		if (d->l_used)
			rn_bool(e, "body_partly_unsigned", d->l_partial);
		dkim_why(&why, d, &det);
		rn_str(e, "why", "%s", buf_cstr(&why));
		buf_deinit(&why);
		buf_deinit(&store);
		if (d->result == DKIM_RES_TEMPERROR)
			rep->tempfail = true;
		else if (d->result != DKIM_RES_PASS)
			report_fail(rep);
	}
}

/* under - a crude "same organizational domain" test for the wording
 * of explanations only: d is under org (the From domain's org domain) */
static bool
under(const char *d, const char *org)
{
	return *org != '\0' && dkim_domain_within(d, org);
}

/* dmarc_ids - which SPF and DKIM identifiers DMARC saw, and how they
 * aligned, in words */
static void
dmarc_ids(struct rnode *n, const struct dmarc_result *res,
    const struct checks *ck, const struct session *s)
{
	const struct dkim_verifier *v = ck->dkim;
	size_t i, cnt = v != NULL ? dkim_verifier_result_count(v) : 0;
	bool strict_d = res->record != NULL && res->record->adkim_strict;
	bool strict_s = res->record != NULL && res->record->aspf_strict;
	bool exact_pass = false;
	struct rnode *l = rn_list(n, "identifiers");

	if (ck->spf_mailfrom_done) {
		const char *sd = *s->msg.mail_from != '\0' ?
		    ck->spf_mailfrom.domain : s->helo;

		rn_str(l, NULL, "SPF %s for %s: %s (aspf=%s)",
		    spf_res_name(ck->spf_mailfrom.res), sd ? sd : "",
		    ck->spf_mailfrom.res != SPF_RES_PASS ? "does not count, "
		    "not a pass" : res->spf_aligned ? "aligned with the From "
		    "domain" : "NOT aligned with the From domain",
		    strict_s ? "s, exact match" : "r, same organizational domain");
	} else {
		rn_str(l, NULL, "SPF not checked (no client address)");
	}
	for (i = 0; i < cnt; i++)
		if (dkim_verifier_result(v, i)->result == DKIM_RES_PASS &&
		    ascii_strcasecmp(dkim_verifier_result(v, i)->domain,
		    res->header_from) == 0)
			exact_pass = true;
	for (i = 0; i < cnt; i++) {
		const struct dkim_result *d = dkim_verifier_result(v, i);
		bool equal = ascii_strcasecmp(d->domain, res->header_from) == 0;
		/* DMARC said whether some pass aligned; which one is clear for
		 * an exact match; for relaxed, by the org domain when the
		 * evaluation found it, else the pass that made DMARC align */
		bool aligned = res->dkim_aligned && (equal || (!strict_d &&
		    (*res->org_domain != '\0' ?
		    under(d->domain, res->org_domain) &&
		    under(res->header_from, res->org_domain) : !exact_pass)));

		rn_str(l, NULL, "DKIM %s for d=%s: %s (adkim=%s)",
		    dkim_res_name(d->result), d->domain,
		    d->result != DKIM_RES_PASS ? "does not count, not a pass" :
		    aligned ? "aligned with the From domain" :
		    "NOT aligned with the From domain (unaligned d=)",
		    strict_d ? "s, exact match" : "r, same organizational domain");
	}
}

/* dmarc_policy_source - which tag of which record chose the policy */
static const char *
dmarc_policy_source(const struct dmarc_result *res)
{
	if (res->author_nxdomain)
		return "np= (the From domain does not exist)";
	if (ascii_strcasecmp(res->policy_domain, res->header_from) == 0)
		return "p= of the From domain's own record";
	return "sp= (or p=) of the organizational domain's record, the From "
	    "domain has none of its own";
}

/* dmarc_why - a sentence for one DMARC result */
static void
dmarc_why(struct buf *b, const struct dmarc_result *res)
{
	const char *dis = dmarc_policy_name(res->disposition ==
	    DMARC_POLICY_UNSET ? DMARC_POLICY_NONE : res->disposition);

	switch (res->result) {
	case DMARC_RES_PASS:
		buf_printf(b, "an identifier that passed (SPF or DKIM) is aligned "
		    "with the From domain %s", res->header_from);
		break;
	case DMARC_RES_FAIL:
		buf_printf(b, "no SPF or DKIM pass is aligned with the From "
		    "domain %s; the policy of %s (%s) asks the receiver to %s "
		    "it%s", res->header_from, res->policy_domain,
		    dmarc_policy_source(res), *dis == 'n' ? "do nothing with" :
		    dis, res->testing ? " (t=y: one step weaker than p=)" : "");
		break;
	case DMARC_RES_NONE:
		buf_printf(b, "%s publishes no DMARC policy: %s",
		    res->header_from, res->reason ? res->reason : "");
		break;
	default:
		buf_printf(b, "%s", res->reason ? res->reason : "");
		break;
	}
}

/* is_dmarc - adapter for list_txt */
static bool
is_dmarc(const unsigned char *p, size_t len)
{
	return dmarc_record_is_dmarc(p, len);
}

/* dmarc_section - one entry per author domain evaluated */
static void
dmarc_section(struct report *rep, struct dns_resolver *r,
    const struct session *s)
{
	const struct checks *ck = &s->msg.checks;
	const struct checks_dmarc *d = &ck->dmarc;
	struct rnode *l = rn_list(rep->root, "dmarc");
	size_t i;

	if (d->from_problem != NULL || d->author_count == 0) {
		struct rnode *e = rn_obj(l, NULL);

		rn_str(e, "result", "permerror");
		rn_str(e, "why", "%s", d->from_problem != NULL ?
		    d->from_problem : "no usable author domain in From");
		report_fail(rep);
		return;
	}
	for (i = 0; i < d->author_count; i++) {
		const struct dmarc_result *res = &d->authors[i].res;
		struct rnode *e = rn_obj(l, NULL);
		struct buf why = BUF_INIT, name = BUF_INIT;

		rn_str(e, "result", "%s", dmarc_res_name(res->result));
		rn_str(e, "header_from", "%s", res->header_from);
		if (d->authors[i].unicode != NULL)
			rn_str(e, "header_from_unicode", "%s",
			    d->authors[i].unicode);
		rn_str(e, "policy_domain", "%s", res->policy_domain);
		rn_str(e, "org_domain", "%s", res->org_domain);
		if (*res->policy_domain != '\0') {
			buf_printf(&name, "_dmarc.%s", res->policy_domain);
			list_txt(e, "records", r, buf_cstr(&name), is_dmarc);
		}
		rn_str(e, "p", "%s", dmarc_policy_name(res->p));
		rn_str(e, "sp", "%s", dmarc_policy_name(res->sp));
		rn_str(e, "policy", "%s", dmarc_policy_name(res->policy));
		rn_str(e, "disposition", "%s", res->result == DMARC_RES_FAIL ?
		    dmarc_policy_name(res->disposition) : "none");
		rn_bool(e, "testing", res->testing);
		rn_bool(e, "spf_aligned", res->spf_aligned);
		rn_bool(e, "dkim_aligned", res->dkim_aligned);
		rn_str(e, "reason", "%s", res->reason ? res->reason : "");
		dmarc_ids(e, res, ck, s);
		dmarc_why(&why, res);
		rn_str(e, "why", "%s", buf_cstr(&why));
		buf_deinit(&why);
		buf_deinit(&name);
		if (res->result == DMARC_RES_TEMPERROR)
			rep->tempfail = true;
		else if (res->result == DMARC_RES_FAIL ||
		    res->result == DMARC_RES_PERMERROR)
			report_fail(rep);
	}
}

/* verdict_section - what the daemon would do with the message */
static void
verdict_section(struct report *rep, const struct verdict *v,
    const char *stage)
{
	struct rnode *n = rn_obj(rep->root, "verdict");

	rn_str(n, "action", "%s", verdict_name(v->kind));
	rn_str(n, "stage", "%s", stage);
	if (v->kind != v->intended)
		rn_str(n, "policy_asked", "%s", verdict_name(v->intended));
	if (v->kind == VERDICT_REJECT || v->kind == VERDICT_TEMPFAIL)
		rn_str(n, "smtp_reply", "%s %s %s", v->rcode ? v->rcode : "",
		    v->xcode ? v->xcode : "", v->text);
	if (v->why != NULL)
		rn_str(n, "why", "%s", v->why);
}

void
explain_message(struct report *rep, struct dns_resolver *r,
    const struct session *s, const char *ar_value,
    const struct verdict *at_mail, const struct verdict *at_end)
{
	const struct checks *ck = &s->msg.checks;
	struct rnode *env;
	bool early = at_mail->kind == VERDICT_REJECT ||
	    at_mail->kind == VERDICT_TEMPFAIL;

	if (ck->peer) {
		/* the daemon answers accept at MAIL FROM and sees no more */
		rn_str(rep->root, "exempt", "peer: the daemon passes mail from "
		    "this client through untouched (PeerHosts): nothing is "
		    "verified, signed, added or removed");
		verdict_section(rep, at_mail, "MAIL FROM");
		return;
	}
	rn_str(rep->root, "authentication_results",
	    "Authentication-Results: %s", ar_value);
	env = rn_obj(rep->root, "envelope");
	rn_str(env, "client_ip", "%s", s->client_addr);
	rn_str(env, "helo", "%s", s->helo ? s->helo : "");
	rn_str(env, "mail_from", "%s", s->msg.mail_from);
	if (ck->exempt || ck->skip_verify) {
		/* nothing was checked: saying "no DKIM-Signature field" or
		 * "no usable author domain" would be false */
		if (ck->exempt)
			rn_str(rep->root, "exempt", "%s: the daemon signs mail "
			    "from this client and does not verify it",
			    ck->exempt_why);
		else
			rn_str(rep->root, "exempt", "Mode has no \"v\": the "
			    "daemon verifies no mail, it only signs");
		verdict_section(rep, at_end, "end of message");
		return;
	}
	if (ck->spf_mailfrom_done)
		spf_section(rep, r, "spf", *s->msg.mail_from != '\0' ?
		    "mailfrom" : "helo (null sender)", &ck->spf_mailfrom, s,
		    SPF_ID_MAILFROM);
	else {
		struct rnode *n = rn_obj(rep->root, "spf");

		rn_str(n, "result", "not checked");
		rn_str(n, "why", "no client address (--ip): the daemon does "
		    "not check SPF for mail submitted locally");
	}
	if (ck->spf_helo_done)
		spf_section(rep, r, "spf_helo", "helo", &ck->spf_helo, s,
		    SPF_ID_HELO);
	dkim_section(rep, ck->dkim);
	explain_arc(rep, ck->arc);
	dmarc_section(rep, r, s);
	verdict_section(rep, early ? at_mail : at_end,
	    early ? "MAIL FROM" : "end of message");
	if (early || at_end->kind != VERDICT_ACCEPT)
		report_fail(rep);
}
