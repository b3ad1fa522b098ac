/* test_report_verify.c - report_verify_dest against the fake resolver:
 * which destinations need DNS, and what a DNS failure gives */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dns.h"
#include "report/report_verify.h"
#include "util/buf.h"

/* every name of the tree walk and the verification fails */
static const struct dns_fake_record broken[] = {
	{ "_dmarc.example.com", DNS_T_TXT, DNS_R_SERVFAIL, NULL, 0, 0 },
	{ "_dmarc.com", DNS_T_TXT, DNS_R_SERVFAIL, NULL, 0, 0 },
	{ "_dmarc.example.net", DNS_T_TXT, DNS_R_SERVFAIL, NULL, 0, 0 },
	{ "_dmarc.net", DNS_T_TXT, DNS_R_SERVFAIL, NULL, 0, 0 },
	{ "example.com._report._dmarc.example.net", DNS_T_TXT,
	    DNS_R_SERVFAIL, NULL, 0, 0 },
};

/* dest - the first destination of a rua value into *d (its host points
 * into d itself, so d is filled where it lives) */
static void
dest(const char *rua, struct report_dest *d)
{
	assert_int_equal(report_rua_parse(rua, d, 1), 1);
}

/* A destination at the policy domain itself is taken without a lookup:
 * in rfc9989 mode it cost two tree walks per report, and a DNS failure
 * held the domain's own reports back. */
static void
test_own_domain_needs_no_dns(void **state)
{
	struct dns_resolver *r = dns_resolver_new_fake(broken,
	    sizeof(broken) / sizeof(broken[0]), 1000);
	psl_ctx_t *psl = (psl_ctx_t *)psl_builtin();
	struct buf why = BUF_INIT;
	struct report_dest d;

	(void)state;
	dest("mailto:dmarc@EXAMPLE.com", &d);
	assert_int_equal(report_verify_dest(r, psl, DMARC_MODE_RFC9989,
	    "example.com", REPORT_TAG_RUA, &d, NULL, &why), 1);
	assert_int_equal(report_verify_dest(r, psl, DMARC_MODE_RFC9989,
	    "Example.COM", REPORT_TAG_RUF, &d, NULL, &why), 1);
	assert_int_equal(dns_resolver_lookups(r), 0);
	assert_int_equal(why.len, 0);

	/* another organisation's host still needs the walk and the
	 * authorisation record: both fail, so "try again later" */
	dest("mailto:dmarc@example.net", &d);
	assert_int_equal(report_verify_dest(r, psl, DMARC_MODE_RFC9989,
	    "example.com", REPORT_TAG_RUA, &d, NULL, &why), -1);
	assert_true(dns_resolver_lookups(r) > 0);
	assert_non_null(strstr(buf_cstr(&why), "dmarc@example.net"));
	buf_deinit(&why);
	dns_resolver_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_domain_needs_no_dns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
