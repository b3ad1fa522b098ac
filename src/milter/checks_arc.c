/*
 * checks_arc.c - ARC chain validation in the milter.
 *
 * checks_arc_header is called for every header field but does nothing
 * for fields that are not ARC fields: the per-message state is allocated
 * only when the first ARC-Seal, ARC-Message-Signature or
 * ARC-Authentication-Results arrives, so ARC-free mail takes the
 * zero-work path. Each AS/AMS key lookup starts as its field arrives, on
 * the shared resolver (and its cache, which DKIM uses too); at end of
 * message the answers are collected within what is left of the message's
 * DNS budget (DNSMaxTimePerMessage), the core judges the chain
 * (src/core/arc_verify.c) and the result goes into the
 * Authentication-Results header as RFC 8617 10.2 describes:
 * arc=pass|fail with smtp.remote-ip, header.oldest-pass when an older
 * AMS no longer validates, and a reason on failure.
 *
 * checks_arc_override applies the trusted-sealer policy after DMARC: a
 * DMARC failure is delivered as ARCTrustedSealerAction (none or
 * quarantine) when the chain passed and a sealer in ARCTrustedSealers
 * recorded a pass for the author domain, and is not refused for an SPF
 * failure under reject-unless-dmarc-pass; untrusted sealers never change
 * a verdict.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "core/headers.h"
#include "log/logrec.h"
#include "metrics/metrics.h"
#include "milter/checks_arc.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* new_state - the verifier with the site's caps and key policy */
static struct checks_arc *
new_state(const struct conf *c)
{
	struct checks_arc *a = xcalloc(1, sizeof(*a));
	struct arc_verify_params p;

	arc_verify_params_init(&p);
	p.max_sets = c->arc_max_sets;
	p.max_signatures = c->arc_max_signatures;
	p.max_header_bytes = c->arc_max_header_bytes;
	p.allow_rsa_sha1 = c->dkim_allow_sha1;
	p.min_rsa_bits = c->dkim_min_key_bits;
	p.max_rsa_bits = c->dkim_max_key_bits;
	p.clock_skew = c->dkim_clock_skew_ms / 1000;
	p.now = (int64_t)time(NULL);
	a->v = arc_verifier_new(&p);
	return a;
}

/* is_arc_field - the kinds arc_field_kind tells from ARC_FIELD_NONE */
static bool
is_arc_field(enum header_kind k)
{
	return k == HEADER_ARC_SEAL || k == HEADER_ARC_MESSAGE_SIGNATURE ||
	    k == HEADER_ARC_AUTH_RESULTS;
}

void
checks_arc_header(struct checks_arc **ap, struct dns_resolver *r,
    const struct conf *c, const struct header *f)
{
	struct checks_arc *a;
	const char *key;
	int idx;

	if (!is_arc_field(f->kind))
		return;
	if (*ap == NULL)
		*ap = new_state(c);
	a = *ap;
	idx = arc_verifier_header(a->v, (const unsigned char *)f->name,
	    f->name_len, f->value, f->value_len);
	if (idx < 0 || (key = arc_verifier_key_name(a->v, idx)) == NULL ||
	    a->key_count == ARC_VERIFY_MAX_KEYS)
		return;
	a->keys[a->key_count].key_index = idx;
	a->keys[a->key_count].query = dns_query_start(r, key, DNS_T_TXT);
	a->key_count++;
}

void
checks_arc_eoh(struct checks_arc *a, const struct headers *h, bool complete)
{
	struct dkim_header *hdrs;
	size_t i;

	if (a == NULL)
		return;
	hdrs = xcalloc(h->count + 1, sizeof(*hdrs));
	for (i = 0; i < h->count; i++) {
		hdrs[i].name = (const unsigned char *)h->list[i].name;
		hdrs[i].name_len = h->list[i].name_len;
		hdrs[i].value = h->list[i].value;
		hdrs[i].value_len = h->list[i].value_len;
	}
	arc_verifier_eoh(a->v, hdrs, h->count, complete);
	free(hdrs);
}

void
checks_arc_body(struct checks_arc *a, const unsigned char *p, size_t len)
{
	if (a != NULL)
		arc_verifier_body(a->v, p, len);
}

void
checks_arc_eom(struct checks_arc *a, struct dns_budget *budget,
    struct authres *ar, const char *client_ip)
{
	char n[16];
	size_t i;

	if (a == NULL) {
		/* no ARC field came: arc=none (RFC 8617 10.2), no work done */
		authres_add(ar, "arc", "none");
		return;
	}
	for (i = 0; i < a->key_count; i++) {
		struct dns_answer *ans = dns_budget_wait(budget,
		    &a->keys[i].query);

		arc_verifier_key_answer(a->v, a->keys[i].key_index, ans);
		dns_answer_free(&ans);
	}
	a->key_count = 0;
	arc_verifier_eom(a->v);
	a->res = arc_verifier_result(a->v);
	authres_add(ar, "arc", arc_res_name(a->res->res));
	if (*a->res->reason != '\0')
		authres_add_reason(ar, a->res->reason);
	if (a->res->res == ARC_RES_NONE)
		return;
	if (client_ip != NULL && strcmp(client_ip, "local") != 0)
		authres_add_prop(ar, "smtp", "remote-ip", client_ip);
	if (a->res->res == ARC_RES_PASS && a->res->oldest_pass_known &&
	    a->res->oldest_pass > 0) {
		(void)snprintf(n, sizeof(n), "%u", a->res->oldest_pass);
		authres_add_prop(ar, "header", "oldest-pass", n);
	}
}

bool
checks_arc_override(struct checks_arc *a, const struct conf *c,
    bool single_author, bool spf_awaits, struct policy_input *in,
    struct authres *ar)
{
	enum policy_disposition to = c->arc_trusted_sealer_action == 1 ?
	    POLICY_DISP_QUARANTINE : POLICY_DISP_NONE;
	struct buf comment = BUF_INIT;

	/* nothing to rescue: the disposition is already the action's, and
	 * no SPF rule waits for DMARC after it (a quarantine comes first) */
	if (in->dmarc_disposition <= to && !(spf_awaits &&
	    in->dmarc_disposition == POLICY_DISP_NONE))
		return false;
	if (a == NULL || a->res == NULL || c->arc_trusted_sealers.count == 0 ||
	    !single_author || in->dmarc != POLICY_DMARC_FAIL ||
	    in->from_domain == NULL)
		return false;
	if (!arc_trust_find(a->res,
	    (const char *const *)c->arc_trusted_sealers.items,
	    c->arc_trusted_sealers.count, in->from_domain, in->from_org_domain,
	    (in->adkim_strict ? ARC_TRUST_STRICT_DKIM : 0) |
	    (in->aspf_strict ? ARC_TRUST_STRICT_SPF : 0), &a->trust))
		return false;
	/* p=none stays none (a forwarder broke SPF; never made stricter) */
	if (in->dmarc_disposition > to)
		in->dmarc_disposition = to;
	in->dmarc_rescued = true;
	a->override_reason = "trusted_forwarder";
	/* these attach to the dmarc result, the last one added */
	authres_add_prop(ar, "policy", "override", a->override_reason);
	buf_printf(&comment, "ARC sealer %s i=%u recorded %s", a->trust.sealer,
	    a->trust.instance, a->trust.what);
	authres_add_comment(ar, buf_cstr(&comment));
	buf_deinit(&comment);
	return true;
}

const struct arc_result *
checks_arc_result(const struct checks_arc *a)
{
	return a != NULL ? a->res : NULL;
}

/* checks_arc_log - the chain's result and any override, to the message's
 * log record and the metrics (nothing for ARC-free mail) */
void
checks_arc_log(const struct checks_arc *a, struct logrec *rec)
{
	if (a == NULL || a->res == NULL)
		return;
	logrec_add(rec, "arc", arc_res_name(a->res->res));
	logrec_add_uint(rec, "arc_sets", a->res->sets);
	if (*a->res->reason != '\0')
		logrec_add(rec, "arc_reason", a->res->reason);
	metrics_result(METRICS_METHOD_ARC, arc_res_name(a->res->res));
	if (a->override_reason != NULL) {
		logrec_add(rec, "dmarc_override", a->override_reason);
		logrec_add(rec, "arc_sealer", a->trust.sealer);
		logrec_add_uint(rec, "arc_sealer_i", a->trust.instance);
		logrec_add(rec, "arc_sealer_saw", a->trust.what);
	}
}

void
checks_arc_free(struct checks_arc **ap)
{
	struct checks_arc *a = *ap;
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->key_count; i++)
		dns_query_cancel(&a->keys[i].query);
	arc_verifier_free(&a->v);
	xfree(ap);
}
