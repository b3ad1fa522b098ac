/*
 * checks.c - SPF and DKIM verification for one message, driven by the
 * milter callbacks.
 *
 * checks_mail_from decides whether the client is exempt (InternalHosts,
 * SMTP AUTH: such mail is handed to signing.c and not verified; so is
 * all mail when Mode lacks "v") and runs SPF for the MAIL FROM identity (and HELO when
 * configured) through src/spf on the shared resolver. checks_field feeds
 * the DKIM verifier and starts each key lookup as soon as its
 * DKIM-Signature arrives, so DNS latency hides behind the body transfer;
 * checks_eom collects the keys within DNSTimeout, finishes verification,
 * writes the results into the Authentication-Results builder and asks the
 * policy module for a verdict. SPF checkers come from a pool kept for the
 * life of the process (building and freeing a libspf2 server cost ~8,000
 * instructions, paid for every connection before); one is taken for the
 * SPF checks of a message and given back, so no two threads use it at
 * once, and each message gets the limits and AuthservID of its own
 * configuration. The
 * resolver and its cache are shared. InternalHosts is matched against
 * the networks parsed at configuration load and the client address
 * parsed at connect (no text parsing per message).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "core/headers.h"
#include "log/log.h"
#include "milter/checks.h"
#include "milter/session.h"
#include "spf/spf_pool.h"
#include "util/cidr.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Idle SPF checkers kept for the next evaluation: at most this many, the
 * SPF evaluations that can run at once on a busy milter */
#define CHECKS_SPF_POOL_IDLE 64

static struct dns_resolver *resolver;
static struct spf_pool *spf_pool;	/* checkers on resolver */

void
checks_set_resolver(struct dns_resolver *r)
{
	spf_pool_free(&spf_pool);
	resolver = r;
	if (r != NULL)
		spf_pool = spf_pool_new(r, CHECKS_SPF_POOL_IDLE);
}

void
checks_build_policy_config(const struct conf *c, struct policy_config *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->spf_fail = c->spf_fail_action;
	pc->spf_softfail = c->spf_softfail_action;
	pc->spf_temperror = c->spf_temperror_action;
	pc->dmarc_reject = c->dmarc_reject_action;
	pc->dmarc_quarantine = c->dmarc_quarantine_action;
	pc->dmarc_temperror = c->dmarc_temperror_action;
	pc->bad_from = c->dmarc_bad_from;
	pc->monitor_only = c->dmarc_monitor_only;
	pc->never_reject = (const char *const *)c->dmarc_never_reject.items;
	pc->always_reject = (const char *const *)c->dmarc_always_reject.items;
	pc->reject_text = c->reject_text;
}

/* map_spf - our SPF result in the policy module's words */
static enum policy_spf
map_spf(enum spf_res r)
{
	switch (r) {
	case SPF_RES_PASS: return POLICY_SPF_PASS;
	case SPF_RES_FAIL: return POLICY_SPF_FAIL;
	case SPF_RES_SOFTFAIL: return POLICY_SPF_SOFTFAIL;
	case SPF_RES_NEUTRAL: return POLICY_SPF_NEUTRAL;
	case SPF_RES_TEMPERROR: return POLICY_SPF_TEMPERROR;
	case SPF_RES_PERMERROR: return POLICY_SPF_PERMERROR;
	case SPF_RES_NONE: break;
	}
	return POLICY_SPF_NONE;
}

/* take_spf_checker - a checker for this message's configuration (its
 * limits and AuthservID), from the process's pool */
static struct spf_checker *
take_spf_checker(const struct conf *c)
{
	struct spf_limits lim = {
		SPF_DEFAULT_MAX_DNS_TERMS, SPF_DEFAULT_MAX_VOID_LOOKUPS,
		c->spf_max_queries, c->spf_max_time_ms
	};

	return spf_pool_take(spf_pool, &lim, c->authserv_id);
}

/* spf_input - the policy view of the SPF results of this message: the
 * MAIL FROM result, or the HELO result for a null sender */
static void
spf_input(const struct session *s, struct policy_input *in)
{
	const struct checks *ck = &s->msg.checks;

	if (ck->spf_mailfrom_done) {
		in->spf = map_spf(ck->spf_mailfrom.res);
		in->spf_domain = ck->spf_mailfrom.domain;
		in->spf_explanation = ck->spf_mailfrom.explanation;
	}
}

/* budgeted_spf - one SPF evaluation within what is left of the message's
 * DNS time (spent: 1 ms, so it ends at once in temperror), charged */
static void
budgeted_spf(struct session *s, struct spf_checker *spf,
    struct spf_request *req, struct spf_result *res)
{
	struct dns_budget *b = &s->msg.checks.dns_budget;
	unsigned left = dns_budget_left(b);
	uint64_t t0 = clock_mono_ms();

	req->max_time_ms = left == 0 ? 1 : left == UINT32_MAX ? 0 : left;
	spf_check(spf, req, res);
	dns_budget_charge(b, clock_mono_ms() - t0);
}

/*
 * client_listed - is the client in nets (InternalHosts, PeerHosts)? One
 * the MTA gave no IP address for (mail Sendmail takes from a program on
 * this host, an SMTP client on a unix socket) is on this host, so it
 * counts as the loopback addresses would: listed unless the list leaves
 * both 127.0.0.1 and ::1 out (OpenDKIM takes it as 127.0.0.1 too).
 * authcheck without --ip has no client at all: never listed.
 */
static bool
client_listed(const struct cidr_list *nets, const struct session *s)
{
	struct cidr v4, v6;

	if (!s->client_on_host)
		return cidr_list_match(nets, &s->client_ip);
	return (cidr_addr_parse("127.0.0.1", &v4) &&
	    cidr_list_match(nets, &v4)) ||
	    (cidr_addr_parse("::1", &v6) && cidr_list_match(nets, &v6));
}

void
checks_mail_from(struct session *s, struct verdict *v)
{
	struct message *m = &s->msg;
	struct checks *ck = &m->checks;
	struct policy_config pc;
	struct policy_input in;
	struct spf_request req;
	struct spf_checker *spf;

	memset(&in, 0, sizeof(in));
	checks_build_policy_config(m->conf, &pc);
	dns_budget_init(&ck->dns_budget, m->conf->dns_max_time_ms);
	if (m->conf->peer_nets.count > 0 && client_listed(&m->conf->peer_nets,
	    s)) {
		/* a peer's mail passes untouched: not verified, not signed, no
		 * A-R added or removed; first, so a peer is never signed for */
		ck->peer = ck->exempt = ck->skip_verify = true;
		ck->exempt_why = "peer";
		signing_mail_from(s, false);
		in.exempt = true;
		policy_at_mail_from(&pc, &in, v);
		v->why = "peer";
		return;
	}
	ck->internal = client_listed(&m->conf->internal_nets, s);
	if (m->auth_user != NULL) {
		ck->exempt = true;
		ck->exempt_why = "auth";
	} else if (ck->internal) {
		ck->exempt = true;
		ck->exempt_why = "internal";
	}
	/* signed mail is not verified, verified mail is not signed */
	signing_mail_from(s, ck->exempt);
	ck->skip_verify = ck->exempt || !conf_mode_verify(m->conf);
	in.exempt = ck->skip_verify;
	if (ck->skip_verify || resolver == NULL || strcmp(s->client_addr, "local") == 0) {
		policy_at_mail_from(&pc, &in, v);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.client_ip = s->client_addr;
	req.helo = s->helo;
	req.mail_from = m->mail_from;
	/* RFC 7208 2.4: a null sender is checked as postmaster@HELO */
	req.identity = SPF_ID_MAILFROM;
	spf = take_spf_checker(m->conf);
	budgeted_spf(s, spf, &req, &ck->spf_mailfrom);
	ck->spf_mailfrom_done = true;
	if (m->conf->spf_helo && s->helo != NULL && *m->mail_from != '\0') {
		req.identity = SPF_ID_HELO;
		budgeted_spf(s, spf, &req, &ck->spf_helo);
		ck->spf_helo_done = true;
	}
	spf_pool_give(spf_pool, &spf);
	spf_input(s, &in);
	policy_at_mail_from(&pc, &in, v);
}

/* dmarc_wants - what DMARC finds beyond the verdict under conf c */
static unsigned
dmarc_wants(const struct conf *c)
{
	unsigned want = 0;

	if (c->arc_verify && c->arc_trusted_sealers.count > 0)
		want |= CHECKS_DMARC_WANT_ORG;
	if (c->report_store != NULL || c->failure_reports)
		want |= CHECKS_DMARC_ALIGN_EVERY;
	return want;
}

/* from_value - hand one From value to DMARC; f is the field it is in
 * (itself, or the field that hides it) */
static void
from_value(struct session *s, const struct header *f, const char *value)
{
	struct checks *ck = &s->msg.checks;
	const struct conf *c = s->msg.conf;

	/* a From over the field cap is never parsed: dmarc=permerror */
	if (f->name_len + 1 + f->value_len > c->max_header_field_bytes)
		ck->dmarc.from_problem = "From field over MaxHeaderFieldBytes";
	else
		checks_dmarc_from(&ck->dmarc, resolver, &s->msg.arena,
		    c->dmarc_mode, dmarc_wants(c), value);
}

/* hidden_froms - a From that a client ending lines at a bare CR (or a
 * line break without white space after it) sees inside this field is an
 * author as well: DMARC judges every From some reader may show. The
 * value is walked only when headers_field_init found one. */
static void
hidden_froms(struct session *s, const struct header *f)
{
	struct header_hidden h;
	size_t pos = 0;

	if (!f->hides_from)
		return;
	while (headers_hidden_next(f->value, f->value_len, &pos, &h))
		if (h.kind == HEADER_FROM)
			from_value(s, f, arena_memdup(&s->msg.arena, h.value,
			    h.value_len));
}

/* start_key_lookup - ask for signature idx's key, unless it has its
 * result already */
static void
start_key_lookup(struct checks *ck, int idx)
{
	const char *key = dkim_verifier_key_name(ck->dkim, idx);

	if (key == NULL)
		return;
	if (ck->key_count == CHECKS_MAX_KEYS)
		return;		/* the verifier reports it as "no key answer" */
	ck->keys[ck->key_count].sig_index = idx;
	ck->keys[ck->key_count].query = dns_query_start(resolver, key, DNS_T_TXT);
	ck->key_count++;
}

void
checks_field(struct session *s, const struct header *f,
    const struct header *stored)
{
	struct checks *ck = &s->msg.checks;
	const struct conf *c = s->msg.conf;
	int idx;

	if (ck->skip_verify || resolver == NULL)
		return;
	if (f->kind == HEADER_FROM)
		from_value(s, f, (const char *)f->value);
	hidden_froms(s, f);
	if (c->arc_verify)
		checks_arc_header(&ck->arc, resolver, c, f);
	if (ck->dkim == NULL) {
		struct dkim_verify_params p;

		dkim_verify_params_init(&p);
		p.max_signatures = c->dkim_max_signatures;
		p.allow_rsa_sha1 = c->dkim_allow_sha1;
		p.allow_partial_body = c->dkim_allow_partial_body;
		p.min_rsa_bits = c->dkim_min_key_bits;
		p.max_rsa_bits = c->dkim_max_key_bits;
		p.clock_skew = c->dkim_clock_skew_ms / 1000;
		p.now = (int64_t)time(NULL);
		/* over a header cap every signature is permerror */
		p.max_headers = c->max_headers;
		p.max_header_bytes = c->max_header_bytes;
		p.max_field_bytes = c->max_header_field_bytes;
		/* freed by checks_reset, before the arena is reset */
		ck->dkim = dkim_verifier_new_in(&p, &s->msg.arena);
	}
	/* the stored copy's bytes live in the message arena until the
	 * message ends: the verifier refers to them instead of copying
	 * (issue 18) */
	if (stored != NULL)
		idx = dkim_verifier_field_kept(ck->dkim, stored);
	else
		idx = dkim_verifier_field(ck->dkim, f);
	if (idx >= 0)
		start_key_lookup(ck, idx);
}

/* author_org - prefer callback of dkim_verifier_admit: d= shares an
 * organizational domain with an author of the message */
static bool
author_org(const char *d, void *arg)
{
	return checks_dmarc_author_org(arg, d);
}

/* admit_author_signatures - signatures of the author's organization
 * beyond DKIMMaxSignatures are verified all the same: broken ones
 * added above in transit must not leave DMARC without the author's */
static void
admit_author_signatures(struct checks *ck)
{
	int idx[DKIM_VERIFY_EXTRA_PREFERRED];
	size_t i, n;

	if (ck->dkim == NULL || dkim_verifier_ignored(ck->dkim) == 0)
		return;
	n = dkim_verifier_admit(ck->dkim, author_org, &ck->dmarc, idx);
	for (i = 0; i < n; i++)
		start_key_lookup(ck, idx[i]);
}

void
checks_eoh(struct session *s)
{
	admit_author_signatures(&s->msg.checks);
	if (s->msg.checks.dkim != NULL)
		dkim_verifier_eoh(s->msg.checks.dkim);
	checks_arc_eoh(s->msg.checks.arc, &s->msg.headers,
	    !s->msg.headers_capped);
}

void
checks_body(struct session *s, const unsigned char *p, size_t len)
{
	if (s->msg.checks.dkim != NULL)
		dkim_verifier_body(s->msg.checks.dkim, p, len);
	checks_arc_body(s->msg.checks.arc, p, len);
}

/* add_spf - one A-R resinfo for an SPF result */
static void
add_spf(struct authres *ar, const struct spf_result *r, const char *prop,
    const char *value)
{
	authres_add(ar, "spf", spf_res_name(r->res));
	if (r->res == SPF_RES_FAIL && r->explanation != NULL)
		authres_add_reason(ar, r->explanation);
	authres_add_prop(ar, "smtp", prop, value);
}

/* add_dkim - A-R resinfos for every signature, or dkim=none */
static void
add_dkim(struct authres *ar, const struct dkim_verifier *v)
{
	size_t i, n = v != NULL ? dkim_verifier_result_count(v) : 0;

	if (n == 0) {
		authres_add(ar, "dkim", "none");
		return;
	}
	for (i = 0; i < n; i++) {
		const struct dkim_result *r = dkim_verifier_result(v, i);

		authres_add(ar, "dkim", dkim_res_name(r->result));
		if (*r->reason != '\0')
			authres_add_reason(ar, r->reason);
		if (r->l_partial && r->result == DKIM_RES_PASS)
			authres_add_comment(ar, "l= leaves part of the body unsigned");
		if (r->testing)
			authres_add_comment(ar, "key in testing mode");
		if (*r->domain != '\0')
			authres_add_prop(ar, "header", "d", r->domain);
		if (*r->selector != '\0')
			authres_add_prop(ar, "header", "s", r->selector);
		if (*r->algorithm != '\0')
			authres_add_prop(ar, "header", "a", r->algorithm);
		if (*r->b8 != '\0')
			authres_add_prop(ar, "header", "b", r->b8);
	}
}

/* collect_keys - wait for each key lookup (each bounded by DNSTimeout
 * from its start, all by what is left of DNSMaxTimePerMessage: then the
 * answer is a timeout, dkim=temperror) and hand them to the verifier */
static void
collect_keys(struct checks *ck)
{
	size_t i;

	for (i = 0; i < ck->key_count; i++) {
		struct dns_answer *a = dns_budget_wait(&ck->dns_budget,
		    &ck->keys[i].query);

		dkim_verifier_key_answer(ck->dkim, ck->keys[i].sig_index, a);
		dns_answer_free(&a);
	}
	ck->key_count = 0;
}

/* auth_res - an SPF or DKIM outcome as DMARC counts it */
static enum dmarc_auth_res
auth_res(bool pass, bool temperror)
{
	return pass ? DMARC_AUTH_PASS : temperror ? DMARC_AUTH_TEMPERROR :
	    DMARC_AUTH_FAIL;
}

/* run_dmarc - DMARC with this message's identifiers; false when the
 * message must be refused for several author domains */
static bool
run_dmarc(struct session *s, struct authres *ar, struct policy_input *in)
{
	struct message *m = &s->msg;
	struct checks *ck = &m->checks;
	/* every verified signature (DKIMMaxSignatures allows up to
	 * CHECKS_MAX_KEYS): dmarc_eval_set_auth picks the ones it keeps,
	 * those under the author's domain first. Cutting at its own
	 * DMARC_EVAL_MAX_DKIM here, in header order, dropped an aligned
	 * signature behind 16 others added in transit (test_caps). */
	struct dmarc_dkim_id ids[CHECKS_MAX_KEYS];
	struct dmarc_auth auth;
	size_t i, n = ck->dkim != NULL ? dkim_verifier_result_count(ck->dkim) : 0;
	bool ok;

	memset(&auth, 0, sizeof(auth));
	if (ck->spf_mailfrom_done) {
		auth.spf = auth_res(ck->spf_mailfrom.res == SPF_RES_PASS,
		    ck->spf_mailfrom.res == SPF_RES_TEMPERROR);
		/* RFC 9989: for the null sender the HELO identity is used */
		auth.spf_mailfrom_domain = *m->mail_from != '\0' ?
		    ck->spf_mailfrom.domain : NULL;
		auth.spf_helo_domain = s->helo;
	}
	for (i = 0; i < n && i < CHECKS_MAX_KEYS; i++) {
		const struct dkim_result *r = dkim_verifier_result(ck->dkim, i);

		ids[i].res = auth_res(r->result == DKIM_RES_PASS,
		    r->result == DKIM_RES_TEMPERROR);
		ids[i].domain = r->domain;
	}
	auth.dkim = ids;
	auth.dkim_count = i;
	/* timeout 0: the resolver's own, the DNSTimeout it started with;
	 * a reload's value is not applied (authmilter(8) SIGNALS), here
	 * no more than for the lookups the resolver times itself */
	ok = checks_dmarc_eom(&ck->dmarc, resolver, 0, &ck->dns_budget,
	    m->conf->dmarc_multiple_from == 1, &auth, ar, in);
	return ok;
}

void
checks_eom(struct session *s, struct authres *ar, struct verdict *v)
{
	struct message *m = &s->msg;
	struct checks *ck = &m->checks;
	struct policy_config pc;
	struct policy_input in;
	bool arc_override;

	memset(&in, 0, sizeof(in));
	checks_build_policy_config(m->conf, &pc);
	in.exempt = ck->skip_verify;
	if (ck->skip_verify) {
		policy_at_end(&pc, &in, v);
		return;
	}
	if (ck->spf_mailfrom_done) {
		const char *id = *m->mail_from != '\0' ? ck->spf_mailfrom.domain :
		    ck->spf_mailfrom.sender;

		if (*m->mail_from != '\0')
			add_spf(ar, &ck->spf_mailfrom, "mailfrom",
			    id != NULL && *id != '\0' ? id : m->mail_from);
		else
			add_spf(ar, &ck->spf_mailfrom, "helo",
			    s->helo != NULL ? s->helo : "");
	}
	if (ck->spf_helo_done)
		add_spf(ar, &ck->spf_helo, "helo", s->helo);
	if (ck->dkim != NULL) {
		collect_keys(ck);
		dkim_verifier_eom(ck->dkim);
	}
	if (resolver == NULL) {
		policy_at_end(&pc, &in, v);
		return;
	}
	add_dkim(ar, ck->dkim);
	if (m->conf->arc_verify)
		checks_arc_eom(ck->arc, &ck->dns_budget, ar, s->client_addr);
	spf_input(s, &in);
	if (!run_dmarc(s, ar, &in)) {
		/* a policy verdict like the rest: DMARCMonitorOnly applies */
		in.several_authors_refused = true;
		policy_at_end(&pc, &in, v);
		return;
	}
	arc_override = checks_arc_override(ck->arc, m->conf,
	    !ck->dmarc.multi_domain, policy_spf_awaits_dmarc(&pc, &in), &in,
	    ar);
	policy_at_end(&pc, &in, v);
	if (arc_override && v->kind != VERDICT_REJECT)
		v->why = "dmarc-fail-arc-trusted-sealer";
}

void
checks_reset(struct checks *ck)
{
	size_t i;

	for (i = 0; i < ck->key_count; i++)
		dns_query_cancel(&ck->keys[i].query);
	if (ck->spf_mailfrom_done)
		spf_result_deinit(&ck->spf_mailfrom);
	if (ck->spf_helo_done)
		spf_result_deinit(&ck->spf_helo);
	dkim_verifier_free(&ck->dkim);
	checks_dmarc_reset(&ck->dmarc);
	checks_arc_free(&ck->arc);
	checks_state_init(ck);
}

_Static_assert(offsetof(struct checks, dns_budget) <
    offsetof(struct checks, dmarc) &&
    offsetof(struct checks, dmarc) < offsetof(struct checks, spf_mailfrom) &&
    offsetof(struct checks, spf_helo) < offsetof(struct checks, keys),
    "struct checks: dmarc, the SPF results and keys must come last");

void
checks_state_init(struct checks *ck)
{
	memset(ck, 0, offsetof(struct checks, dmarc));
	checks_dmarc_state_init(&ck->dmarc);
}
