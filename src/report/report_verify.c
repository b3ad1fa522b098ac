/*
 * report_verify.c - is a report destination in the policy domain's own
 * organisation, or has it agreed to take reports for that domain?
 *
 *   report_verify_dest  the organisation comparison (the PSL in rfc7489
 *                       mode, RFC 9989's DNS tree walk otherwise), then
 *                       the DNS question, judged by report_rua_judge
 *                       (report_rua.c)
 *
 * Blocking DNS: called from the report job and the failure-report thread,
 * never from a milter thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/dmarc_eval.h"
#include "report/report_verify.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* same_org - do two names share an organisational domain (PSL)? */
static bool
same_org(const psl_ctx_t *psl, const char *a, const char *b)
{
	const char *oa = psl_registrable_domain(psl, a);
	const char *ob = psl_registrable_domain(psl, b);

	return strcmp(oa != NULL ? oa : a, ob != NULL ? ob : b) == 0;
}

/* walk_org - the organisational domain of name by RFC 9989's DNS tree
 * walk, the one the daemon aligns with in that mode (name itself when
 * the walk finds no record): 1 with org set, 0 for a name that is no
 * domain, -1 on a DNS failure */
static int
walk_org(struct dns_resolver *r, const char *name,
    const _Atomic uint64_t *give_up_ms, char org[DMARC_DOMAIN_SIZE])
{
	struct dmarc_eval_opts opts;
	struct dmarc_result res;
	struct dmarc_eval *e;
	const char *q;
	uint16_t type;
	bool temp = false;

	memset(&opts, 0, sizeof(opts));
	opts.mode = DMARC_MODE_RFC9989;
	opts.org_only = true;
	e = dmarc_eval_new(name, &opts);
	while (dmarc_eval_next_query(e, &q, &type)) {
		char *asked = xstrdup(q);
		struct dns_answer *a = dns_lookup_until(r, asked, type,
		    REPORT_DNS_TIMEOUT_MS, give_up_ms);

		if (a->status != DNS_R_ANSWER && a->status != DNS_R_NXDOMAIN &&
		    a->status != DNS_R_NODATA)
			temp = true;
		dmarc_eval_feed(e, asked, type, a);
		dns_answer_free(&a);
		free(asked);
	}
	dmarc_eval_result(e, &res);
	memcpy(org, res.org_domain, DMARC_DOMAIN_SIZE);
	dmarc_eval_free(&e);
	if (temp || res.result == DMARC_RES_TEMPERROR)
		return -1;
	return *org != '\0' ? 1 : 0;
}

/* same_org_walked - do domain and host share an organisational domain by
 * the tree walk? 1 yes, 0 no, -1 not known (a DNS failure) */
static int
same_org_walked(struct dns_resolver *r, const char *domain, const char *host,
    const _Atomic uint64_t *give_up_ms)
{
	char od[DMARC_DOMAIN_SIZE], oh[DMARC_DOMAIN_SIZE];
	int a, b;

	if ((a = walk_org(r, domain, give_up_ms, od)) < 0 ||
	    (b = walk_org(r, host, give_up_ms, oh)) < 0)
		return -1;
	return a == 1 && b == 1 && strcmp(od, oh) == 0;
}

int
report_verify_dest(struct dns_resolver *r, const psl_ctx_t *psl,
    enum dmarc_mode mode, const char *domain, enum report_tag tag,
    struct report_dest *d, const _Atomic uint64_t *give_up_ms,
    struct buf *why)
{
	const char *txt[16], *refusal = "no v=DMARC1 record";
	size_t len[16], i, n = 0;
	struct dns_answer *a;
	struct buf name = BUF_INIT;
	int rc, same;

	/* the policy domain's own host needs no walk: two walks (a few
	 * queries each) per report, and a DNS failure there held up
	 * reports to the domain itself */
	if (ascii_strcasecmp(domain, d->host) == 0)
		return 1;
	same = mode == DMARC_MODE_RFC7489 ? same_org(psl, domain, d->host) :
	    same_org_walked(r, domain, d->host, give_up_ms);
	if (same == 1)
		return 1;
	if (!report_rua_verify_name(&name, domain, d->host)) {
		buf_printf(why, "%s%s: verification name too long", why->len ?
		    "; " : "", d->addr);
		buf_deinit(&name);
		return 0;
	}
	a = dns_lookup_until(r, buf_cstr(&name), DNS_T_TXT,
	    REPORT_DNS_TIMEOUT_MS, give_up_ms);
	if (a->status == DNS_R_ANSWER) {
		for (i = 0; i < a->count && n < 16; i++, n++) {
			txt[n] = a->rr[i].text;
			len[n] = a->rr[i].text_len;
		}
		rc = report_rua_judge(txt, len, n, tag, d, &refusal) ? 1 : 0;
	} else if (a->status == DNS_R_NXDOMAIN || a->status == DNS_R_NODATA)
		rc = 0;
	else
		rc = -1;
	/* not authorised, and the walk could not say it is the same
	 * organisation: ask again later rather than drop the destination */
	if (rc == 0 && same < 0) {
		buf_printf(why, "%s%s: organisational domain not known (DNS "
		    "failure in the tree walk)", why->len ? "; " : "", d->addr);
		dns_answer_free(&a);
		buf_deinit(&name);
		return -1;
	}
	if (rc <= 0)
		buf_printf(why, "%s%s: %s%s%s at %s", why->len ? "; " : "",
		    d->addr, rc == 0 ? "not authorised (" : "",
		    rc == 0 ? refusal : dns_status_name(a->status),
		    rc == 0 ? ")" : "", buf_cstr(&name));
	dns_answer_free(&a);
	buf_deinit(&name);
	return rc;
}
