/*
 * fuzz_mailaddr.c - From header field values through the RFC 5322
 * address-list parser, then every domain found through the U-label to
 * A-label conversion DMARC needs before its lookups.
 * Invariants: OK gives mailboxes with a non-empty domain within the caps;
 * an error leaves the list empty.
 */
#include "config.h"

#include "core/mailaddr.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mailaddr_list l = { 0, NULL };
	const char *why = NULL;
	enum mailaddr_status st;
	char ascii[MAILADDR_MAX_DOMAIN + 2];
	size_t i;

	st = mailaddr_parse_list(data, size, &l, &why);
	if (why == NULL || mailaddr_status_name(st) == NULL)
		abort();
	if (st != MAILADDR_OK && (l.count != 0 || l.addrs != NULL))
		abort();
	if (l.count > MAILADDR_MAX_ADDRS)
		abort();
	for (i = 0; i < l.count; i++) {
		const struct mailaddr *a = &l.addrs[i];

		if (a->domain == NULL || a->domain[0] == '\0' ||
		    a->local == NULL || strlen(a->domain) > MAILADDR_MAX_DOMAIN ||
		    strlen(a->local) > MAILADDR_MAX_LOCAL)
			abort();
		if (mailaddr_domain_to_ascii(a->domain, ascii,
		    sizeof(ascii)) == 0 && strlen(ascii) >= sizeof(ascii))
			abort();
	}
	mailaddr_list_free(&l);
	return 0;
}
