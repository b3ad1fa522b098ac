/*
 * fuzz_dmarc_record.c - DMARC policy records (RFC 9989 4.7 and RFC 7489
 * 6.3 modes): tag list, policies, alignment modes, pct, rua/ruf URIs,
 * and what the report code makes of them (report_rua.c): destinations,
 * the verification name, and the input judged as the verification
 * record.
 * Invariants: a record that parses agrees with dmarc_record_is_dmarc;
 * pct stays in 0..100; a deep copy is independent of the original; a
 * destination is one local@host address of safe characters with its
 * host, lower case and dotted, after the only '@'; a verification name
 * is kept only when it fits a DNS name; a judged override keeps the
 * destination's host.
 */
#include "config.h"

#include "core/dmarc_record.h"
#include "fuzz.h"
#include "report/report_rua.h"
#include "util/buf.h"

/* dest_ok - the shape report_rua_parse promises for a destination */
static bool
dest_ok(const struct report_dest *d)
{
	size_t len = strnlen(d->addr, sizeof(d->addr)), i;
	const char *at;

	if (len == sizeof(d->addr))
		return false;
	at = strchr(d->addr, '@');
	if (at == NULL || at == d->addr || strrchr(d->addr, '@') != at ||
	    d->host != at + 1 || strchr(d->host, '.') == NULL)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d->addr[i];

		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"", c) != NULL)
			return false;
	}
	for (i = 0; d->host[i] != '\0'; i++)
		if (d->host[i] >= 'A' && d->host[i] <= 'Z')
			return false;
	return true;
}

/* check_uris - parse a rua/ruf value; judge the input against each
 * destination found */
static void
check_uris(const char *uris, const uint8_t *data, size_t size)
{
	struct report_dest dests[REPORT_RUA_MAX], d;
	struct buf name = BUF_INIT;
	const char *txt = (const char *)data, *why;
	size_t n, i;
	bool fits;

	n = report_rua_parse(uris, dests, REPORT_RUA_MAX);
	if (n > REPORT_RUA_MAX)
		abort();
	for (i = 0; i < n; i++) {
		if (!dest_ok(&dests[i]))
			abort();
		fits = report_rua_verify_name(&name, "example.com",
		    dests[i].host);
		if (fits != (name.len <= 253) || strncmp(buf_cstr(&name),
		    "example.com._report._dmarc.", 27) != 0)
			abort();
		d = dests[i];
		d.host = d.addr + (dests[i].host - dests[i].addr);
		if (report_rua_judge(&txt, &size, 1, i % 2 == 0 ?
		    REPORT_TAG_RUA : REPORT_TAG_RUF, &d, &why) &&
		    (!dest_ok(&d) || strcmp(d.host, dests[i].host) != 0))
			abort();
	}
	buf_deinit(&name);
}

static void
check(const uint8_t *data, size_t size, enum dmarc_mode mode)
{
	struct dmarc_record rec, copy;
	const char *why = NULL;
	enum dmarc_record_status st;

	memset(&rec, 0, sizeof(rec));
	memset(&copy, 0, sizeof(copy));
	st = dmarc_record_parse(data, size, mode, &rec, &why);
	if (st == DMARC_REC_OK) {
		if (!dmarc_record_is_dmarc(data, size) || rec.pct > 100)
			abort();
		dmarc_record_copy(&copy, &rec);
		dmarc_record_clear(&rec);
		(void)dmarc_policy_name(copy.p);
		(void)dmarc_policy_name(copy.sp);
		(void)dmarc_policy_name(copy.np);
		if (copy.rua != NULL && mode == DMARC_MODE_RFC9989)
			check_uris(copy.rua, data, size);
		if (copy.ruf != NULL && mode == DMARC_MODE_RFC9989)
			check_uris(copy.ruf, data, size);
		dmarc_record_clear(&copy);
	}
	dmarc_record_clear(&rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, DMARC_MODE_RFC9989);
	check(data, size, DMARC_MODE_RFC7489);
	return 0;
}
