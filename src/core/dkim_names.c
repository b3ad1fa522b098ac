/*
 * dkim_names.c - the names in a DKIM-Signature (RFC 6376 3.5, RFC 8616 5)
 *
 * Purpose: say whether d=, s= and i='s domain are names a key can be
 * looked up by, and give their A-label form when a signature in
 * internationalized mail wrote them as U-labels. dkim_sig.c parses the
 * tags and calls these.
 *
 * Exported functions:
 *   dkim_sig_classes       the byte classes of the checks (dkim_sig.h)
 *   dkim_domain_ok         domain / selector syntax (dkim_sig.h)
 *   dkim_domain_within     "equal or subdomain" test, i= within d=
 *                          (dkim_sig.h)
 *   dkim_name_alabels      a U-label name in its A-label form
 *                          (dkim_names.h)
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "core/dkim_names.h"
#include "core/dkim_sig.h"
#include "core/idna.h"
#include "util/str.h"
#include "util/xmalloc.h"

/*
 * dkim_sig_classes - what each byte may be in the names this file and
 * dkim_sig.c (h='s field names) check
 * (exported for its test): DKIM_SIG_C_FWS white space around h= names
 * (SP, HTAB, CR, LF); DKIM_SIG_C_FTEXT a field-name byte (RFC 5322
 * 3.6.8: %d33-126 but ':'); DKIM_SIG_C_LDH a letter, digit or '_' of a
 * domain or selector; DKIM_SIG_C_HYPHEN '-'; DKIM_SIG_C_DOT '.'. One
 * lookup a byte instead of a chain of compares (issue 18).
 */
const unsigned char dkim_sig_classes[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x00 */
	0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,	/* 0x08 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x18 */
	0x01, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,	/* 0x20 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x0a, 0x12, 0x02,	/* 0x28 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x30 */
	0x06, 0x06, 0x00, 0x02, 0x02, 0x02, 0x02, 0x02,	/* 0x38 */
	0x02, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x40 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x48 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x50 */
	0x06, 0x06, 0x06, 0x02, 0x02, 0x02, 0x02, 0x06,	/* 0x58 */
	0x02, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x60 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x68 */
	0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06, 0x06,	/* 0x70 */
	0x06, 0x06, 0x06, 0x02, 0x02, 0x02, 0x02, 0x00,	/* 0x78 */
	/* 0x80-0xff: 0 (not ASCII), left to static initialisation */
};

/* dkim_domain_ok - domain / selector syntax */
bool
dkim_domain_ok(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len == 0 || len > DKIM_MAX_DNS_NAME)
		return false;
	for (i = 0; i < len; i++) {
		unsigned k = dkim_sig_classes[(unsigned char)name[i]];

		if ((k & DKIM_SIG_C_LDH) != 0 ||
		    ((k & DKIM_SIG_C_HYPHEN) != 0 && label > 0)) {
			if (++label > 63)
				return false;
		} else if ((k & DKIM_SIG_C_DOT) != 0 && label > 0 &&
		    name[i - 1] != '-') {
			label = 0;
		} else {
			return false;
		}
	}
	return label > 0 && name[len - 1] != '-';
}

/* dkim_domain_within - sub equals dom or is below it */
bool
dkim_domain_within(const char *sub, const char *dom)
{
	size_t ls = strlen(sub), ld = strlen(dom);

	if (ls < ld || ld == 0)
		return false;
	if (ascii_strcasecmp(sub + (ls - ld), dom) != 0)
		return false;
	return ls == ld || sub[ls - ld - 1] == '.';
}

/* dkim_name_alabels - see dkim_names.h */
bool
dkim_name_alabels(char **block, enum dkim_idn_slot slot, const char **name)
{
	const char *p = *name;
	struct idna_name n;
	size_t len = strlen(p);
	char *out;

	if (idna_domain((const unsigned char *)p, len, &n, NULL) != IDNA_OK)
		return false;
	if (*block == NULL)
		*block = xmalloc(DKIM_IDN_SLOTS * IDNA_ASCII_SIZE);
	out = *block + (size_t)slot * IDNA_ASCII_SIZE;
	memcpy(out, n.ascii, strlen(n.ascii) + 1);
	*name = out;
	return true;
}
