/*
 * fuzz_spf_eval.c - whole SPF evaluations: hostile records, local-parts,
 * domains and client addresses through our layer into libspf2 (record
 * compile, macro expansion, include/redirect/exp, mx/ptr/a lookups) on
 * the fake resolver. libspf2 1.2.10 has known overflows in compile and
 * macro expansion; under AddressSanitizer this shows whether our checks
 * in spf_record.c and spf_dns.c keep such input away from it.
 *
 * Input lines: 1 client IP, 2 MAIL FROM, 3 HELO ("!" first: check the
 * HELO identity), then zone rows "K name data" with K one of
 *   T TXT, A A, 6 AAAA, M MX ("pref host"), P PTR, S SERVFAIL, N NXDOMAIN.
 * Then spf_decisive_term (authcheck) re-runs libspf2 on record prefixes.
 * Invariant: every evaluation ends with one of the seven results and a
 * reason, within the query budget.
 */
#include "config.h"

#include "dns/dns.h"
#include "fuzz.h"
#include "spf/spf.h"

#define FUZZ_SPF_ROWS 32

/* row_of - parse "K name data" into r; false for an unusable line */
static bool
row_of(char *line, struct dns_fake_record *r)
{
	char *name, *sp;

	if (line[0] == '\0' || line[1] != ' ')
		return false;
	memset(r, 0, sizeof(*r));	/* ttl_s 0: the fake's default TTL */
	name = line + 2;
	sp = strchr(name, ' ');
	if (sp != NULL)
		*sp = '\0';
	r->name = name;
	r->data = sp != NULL ? sp + 1 : "";
	r->status = DNS_R_ANSWER;
	r->delay_ms = 0;
	switch (line[0]) {
	case 'T': r->type = DNS_T_TXT; break;
	case 'A': r->type = DNS_T_A; break;
	case '6': r->type = DNS_T_AAAA; break;
	case 'M': r->type = DNS_T_MX; break;
	case 'P': r->type = DNS_T_PTR; break;
	case 'S': r->type = DNS_T_TXT; r->status = DNS_R_SERVFAIL; break;
	case 'N': r->type = DNS_T_A; r->status = DNS_R_NXDOMAIN; break;
	default: return false;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_fake_record rows[FUZZ_SPF_ROWS];
	char *lines[FUZZ_SPF_ROWS + 3];
	size_t nl = 0, nr = 0, i;
	struct dns_resolver *r;
	struct spf_checker *c;
	struct spf_request req;
	struct spf_result res;
	struct spf_limits lim = { 0, 0, 0, 2000 };

	while (size > 0 && nl < FUZZ_SPF_ROWS + 3) {
		lines[nl] = fuzz_next_line(&data, &size, NULL);
		if (nl >= 3 && row_of(lines[nl], &rows[nr]))
			nr++;
		nl++;
	}
	if (nl < 3)
		goto out;
	r = dns_resolver_new_fake(rows, nr, 100);
	c = spf_checker_new(r, &lim, "mx.example.net");
	memset(&req, 0, sizeof(req));	/* max_time_ms 0: the checker's */
	req.client_ip = lines[0];
	req.mail_from = lines[1];
	req.helo = lines[2][0] == '!' ? lines[2] + 1 : lines[2];
	req.identity = lines[2][0] == '!' ? SPF_ID_HELO : SPF_ID_MAILFROM;
	spf_check(c, &req, &res);
	if (res.res > SPF_RES_PERMERROR || res.reason == NULL ||
	    res.domain == NULL || res.dns_queries > SPF_DEFAULT_MAX_QUERIES + 1)
		abort();
	free(spf_received_spf(&req, &res, "mx.example.net"));
	/* authcheck's explanation re-runs libspf2 on prefixes of the record */
	free(spf_decisive_term(c, &req, &res));
	(void)spf_res_name(res.res);
	spf_result_deinit(&res);
	spf_checker_free(&c);
	dns_resolver_free(&r);
out:
	for (i = 0; i < nl; i++)
		free(lines[i]);
	return 0;
}
