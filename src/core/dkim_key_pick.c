/*
 * dkim_key_pick.c - which of several key records is the key
 *
 * RFC 6376 3.6.2.2 makes several records at one selector undefined, and
 * 6.1.2 lets a verifier choose one or try each; DNS gives them in no set
 * order. A revoked record anywhere wins: its publisher asked that no
 * signature of the selector pass, and the result must not change with
 * the resolver's order. DKIM and ARC (RFC 8617 takes its keys as DKIM
 * does) both use this.
 *
 * Exported functions:
 *   dkim_key_pick             the key, or why there is none
 *   dkim_key_lookup_failure   why a failed lookup gives no key
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "core/dkim_key_pick.h"

/* is_text - a record that may hold a key */
static bool
is_text(const struct dns_rr *rr)
{
	return rr->type == DNS_T_TXT && rr->text != NULL;
}

enum dkim_key_status
dkim_key_pick(const struct dns_answer *a, struct dkim_key *key,
    const char **why_r, const struct dns_rr **rr_r)
{
	enum dkim_key_status first = DKIM_KEY_E_SYNTAX;
	const struct dns_rr *first_rr = NULL, *usable = NULL;
	const char *first_why = "no key";
	struct dkim_key seen;
	size_t i;

	memset(key, 0, sizeof(*key));
	for (i = 0; i < a->count; i++) {
		const char *why = "";
		enum dkim_key_status st;

		if (!is_text(&a->rr[i]))
			continue;
		memset(&seen, 0, sizeof(seen));
		st = dkim_key_parse((const unsigned char *)a->rr[i].text,
		    a->rr[i].text_len, &seen, &why);
		if (st == DKIM_KEY_REVOKED) {
			dkim_key_deinit(&seen);
			dkim_key_deinit(key);
			*why_r = why;
			*rr_r = &a->rr[i];
			return st;
		}
		if (st == DKIM_KEY_OK && usable == NULL) {
			*key = seen;
			usable = &a->rr[i];
			continue;
		}
		dkim_key_deinit(&seen);
		if (first_rr == NULL && st != DKIM_KEY_OK) {
			first = st;
			first_why = why;
			first_rr = &a->rr[i];
		}
	}
	if (usable != NULL) {
		*why_r = "";
		*rr_r = usable;
		return DKIM_KEY_OK;
	}
	*why_r = first_why;
	*rr_r = first_rr;
	return first;
}

const char *
dkim_key_lookup_failure(enum dns_status st)
{
	switch (st) {
	case DNS_R_NXDOMAIN:
	case DNS_R_NODATA:
		return "no key";
	case DNS_R_TIMEOUT:
		return "key lookup timed out";
	case DNS_R_SERVFAIL:
		return "key lookup failed (SERVFAIL)";
	case DNS_R_BOGUS:
		return "key lookup failed DNSSEC validation";
	default:
		return "key lookup error";
	}
}
