/*
 * report_verify.c - is a report destination in the policy domain's own
 * organisation, or has it agreed to take reports for that domain?
 *
 *   report_verify_dest  the PSL comparison, then the DNS question, judged
 *                       by report_rua_judge (report_rua.c)
 *
 * Blocking DNS: called from the report job and the failure-report thread,
 * never from a milter thread.
 */
#include "config.h"

#include <string.h>

#include "report/report_verify.h"

/* same_org - do two names share an organisational domain (PSL)? */
static bool
same_org(const psl_ctx_t *psl, const char *a, const char *b)
{
	const char *oa = psl_registrable_domain(psl, a);
	const char *ob = psl_registrable_domain(psl, b);

	return strcmp(oa != NULL ? oa : a, ob != NULL ? ob : b) == 0;
}

int
report_verify_dest(struct dns_resolver *r, const psl_ctx_t *psl,
    const char *domain, enum report_tag tag, struct report_dest *d,
    const _Atomic uint64_t *give_up_ms, struct buf *why)
{
	const char *txt[16], *refusal = "no v=DMARC1 record";
	size_t len[16], i, n = 0;
	struct dns_answer *a;
	struct buf name = BUF_INIT;
	int rc;

	if (same_org(psl, domain, d->host))
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
	if (rc <= 0)
		buf_printf(why, "%s%s: %s%s%s at %s", why->len ? "; " : "",
		    d->addr, rc == 0 ? "not authorised (" : "",
		    rc == 0 ? refusal : dns_status_name(a->status),
		    rc == 0 ? ")" : "", buf_cstr(&name));
	dns_answer_free(&a);
	buf_deinit(&name);
	return rc;
}
