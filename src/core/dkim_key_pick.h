/* dkim_key_pick.h - the key of a selector whose lookup gave several
 * records (RFC 6376 3.6.2.2, 6.1.2), one rule for DKIM and ARC */
#ifndef AUTHMILTER_DKIM_KEY_PICK_H
#define AUTHMILTER_DKIM_KEY_PICK_H

#include "core/dkim_key.h"
#include "dns/dns.h"

/*
 * dkim_key_pick - judge the TXT records of answer a (other types are
 * skipped): DKIM_KEY_REVOKED when any record is revoked, whatever its
 * place; else DKIM_KEY_OK with key set from the first usable record;
 * else the status and reason of the first record, or DKIM_KEY_E_SYNTAX
 * "no key" when there is none. *why_r gets a static reason; *rr_r the
 * record judged (NULL when none). Only on DKIM_KEY_OK does key hold a
 * public key (free with dkim_key_deinit).
 */
enum dkim_key_status dkim_key_pick(const struct dns_answer *a,
    struct dkim_key *key, const char **why_r, const struct dns_rr **rr_r);

/*
 * dkim_key_lookup_failure - why a key lookup with status st (not
 * DNS_R_ANSWER) gives no key, static text for DKIM's and ARC's results:
 * "no key" for NXDOMAIN and NODATA (a permerror), else the temporary
 * failure ("key lookup timed out", ...)
 */
const char *dkim_key_lookup_failure(enum dns_status st);

#endif
