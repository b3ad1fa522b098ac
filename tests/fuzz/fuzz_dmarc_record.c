/*
 * fuzz_dmarc_record.c - DMARC policy records (RFC 9989 4.7 and RFC 7489
 * 6.3 modes): tag list, policies, alignment modes, pct, rua/ruf URIs.
 * Invariants: a record that parses agrees with dmarc_record_is_dmarc;
 * pct stays in 0..100; a deep copy is independent of the original.
 */
#include "config.h"

#include "core/dmarc_record.h"
#include "fuzz.h"

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
		if (copy.rua != NULL)
			(void)strlen(copy.rua);
		if (copy.ruf != NULL)
			(void)strlen(copy.ruf);
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
