/*
 * fuzz_mailaddr.c - From header field values through the RFC 5322
 * address-list parser, then every domain found through the IDNA2008
 * check and U-label to A-label conversion DMARC needs before its lookups.
 * Invariants: OK gives mailboxes with a non-empty domain within the caps;
 * an error leaves the list empty; an IDNA-valid domain has a lower-case
 * ASCII form of at most 253 octets, and a U-label form.
 */
#include "config.h"

#include "core/idna.h"
#include "core/mailaddr.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mailaddr_list l = { 0, NULL };
	const char *why = NULL;
	enum mailaddr_status st;
	struct idna_name n;
	size_t i, j;

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
		    a->local == NULL || strlen(a->domain) > MAILADDR_MAX_UDOMAIN ||
		    strlen(a->local) > MAILADDR_MAX_LOCAL)
			abort();
		if (idna_domain((const unsigned char *)a->domain,
		    strlen(a->domain), &n, &why) != IDNA_OK)
			continue;
		if (why == NULL || n.ascii[0] == '\0' ||
		    strlen(n.ascii) > IDNA_MAX_NAME || n.unicode[0] == '\0')
			abort();
		for (j = 0; n.ascii[j] != '\0'; j++)
			if ((unsigned char)n.ascii[j] >= 0x80 ||
			    (n.ascii[j] >= 'A' && n.ascii[j] <= 'Z'))
				abort();
	}
	mailaddr_list_free(&l);
	return 0;
}
