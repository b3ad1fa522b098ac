/*
 * fuzz_spf_record.c - SPF record handling before libspf2 sees a record:
 * recognition (RFC 7208 4.5), the section 12 grammar check and
 * normalisation for both client families, macro-string and domain-spec
 * checks, and record selection from a TXT answer in the DNS layer
 * (spf_dns_fetch_record on the fake resolver; every input line is one
 * TXT record of the domain).
 * Invariant: a normalised record passes the check again (what we hand
 * to libspf2 is always something our grammar accepts).
 * Also the SPF-DNS field of failure reports (report_afrf_spf_dns), whose
 * record comes from DNS as it is: when written, only printable ASCII,
 * CRLF only as a fold before a space or at the end, no line over 998,
 * and unfolded it is the prefix and the record quoted; when not, nothing
 * is written.
 */
#include "config.h"

#include <sys/socket.h>

#include "dns/dns.h"
#include "fuzz.h"
#include "report/report_afrf.h"
#include "spf/spf_int.h"
#include "spf/spf_record.h"

#define FUZZ_SPF_ROWS 8

static void
check_record(const unsigned char *p, size_t n, int af)
{
	struct buf out, again;
	const char *why = NULL;

	buf_init(&out);
	buf_init(&again);
	if (spf_record_check(p, n, af, &out, &why)) {
		if (!spf_record_check(out.data, out.len, af, &again, &why))
			abort();
	}
	buf_deinit(&out);
	buf_deinit(&again);
}

/* spf_dns_field - the SPF-DNS invariants above for record s */
static void
spf_dns_field(const char *s)
{
	static const char prefix[] = "SPF-DNS: txt : fuzz.test : \"";
	struct buf out, want, un;
	size_t i, col = 0;
	const char *p;

	buf_init(&out);
	buf_init(&want);
	buf_init(&un);
	buf_append_str(&out, "X");
	if (!report_afrf_spf_dns(&out, "fuzz.test", s)) {
		if (out.len != 1)
			abort();
		goto done;
	}
	buf_append_str(&want, prefix);
	for (p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			buf_append_byte(&want, '\\');
		buf_append_byte(&want, c < 0x20 || c >= 0x7f ? '?' : c);
	}
	buf_append_str(&want, "\"");
	if (out.len < 3 || memcmp(out.data + out.len - 2, "\r\n", 2) != 0)
		abort();
	for (i = 1; i + 2 < out.len; i++) {
		unsigned char c = out.data[i];

		if (c == '\r') {
			if (out.data[i + 1] != '\n' || out.data[i + 2] != ' ')
				abort();
			i++;		/* the fold: CRLF then the space */
			col = 0;
			continue;
		}
		if (c < 0x20 || c >= 0x7f || ++col > 998)
			abort();
		buf_append_byte(&un, c);	/* unfolded: the CRLFs dropped */
	}
	if (un.len != want.len || memcmp(un.data, want.data, un.len) != 0)
		abort();
done:
	buf_deinit(&out);
	buf_deinit(&want);
	buf_deinit(&un);
}

static void
fetch(const uint8_t *data, size_t size)
{
	struct dns_fake_record rows[FUZZ_SPF_ROWS];
	char *text[FUZZ_SPF_ROWS];
	struct dns_resolver *r;
	struct spf_checker *c;
	const char *why = NULL;
	size_t n = 0, i;

	memset(rows, 0, sizeof(rows));
	while (size > 0 && n < FUZZ_SPF_ROWS) {
		text[n] = fuzz_next_line(&data, &size, NULL);
		rows[n].name = "fuzz.test";
		rows[n].type = DNS_T_TXT;
		rows[n].status = DNS_R_ANSWER;
		rows[n].data = text[n];
		rows[n].delay_ms = 0;
		n++;
	}
	r = dns_resolver_new_fake(rows, n, 100);
	c = spf_checker_new(r, NULL, "mx.example.net");
	spf_dns_reset(c);
	c->client_af = AF_INET;
	(void)spf_dns_fetch_record(c, "fuzz.test", &why);
	spf_dns_clear(c);
	spf_checker_free(&c);
	dns_resolver_free(&r);
	for (i = 0; i < n; i++)
		free(text[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	(void)spf_record_is_spf(data, size);
	check_record(data, size, AF_INET);
	check_record(data, size, AF_INET6);
	(void)spf_macro_string_ok(data, size, false);
	(void)spf_macro_string_ok(data, size, true);
	(void)spf_domain_spec_ok(data, size);
	s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	(void)spf_domain_ok(s);
	spf_dns_field(s);
	free(s);
	fetch(data, size);
	return 0;
}
