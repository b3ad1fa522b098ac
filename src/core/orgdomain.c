/*
 * orgdomain.c - organizational domain by the Public Suffix List
 *
 * Purpose: the RFC 7489 compatibility mode finds the Organizational Domain
 * with the PSL (RFC 7489 3.2), like OpenDMARC. RFC 9989 mode does not use
 * this file (it uses the DNS Tree Walk in dmarc_eval.c).
 *
 * Exported:
 *   orgdomain_psl - registrable domain by libpsl
 *   orgdomain_psl_load - PSLFile, refused when it is no Public Suffix List
 *
 * RFC 7489 3.2: take the longest public suffix, add one label; if the
 * domain is itself a public suffix, it is its own Organizational Domain
 * (a PSD that sends mail). libpsl's psl_registrable_domain() returns NULL
 * in that case, so we fall back to the domain.
 *
 * The caller loads the list once (orgdomain_psl_load reads PSLFile, for
 * the daemon, authcheck and authmilter-report alike) and passes the
 * context; orgdomain_psl does no I/O. libpsl
 * expects lower-case UTF-8 or A-labels; domains come lower-cased from
 * mailaddr.c.
 * Errors: returns 0 when out is too small; never aborts on input.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/orgdomain.h"
#include "util/unreadable.h"

/* orgdomain_psl - registrable domain of domain, or domain itself */
int
orgdomain_psl(const psl_ctx_t *psl, const char *domain, char *out,
    size_t outsz)
{
	const char *r = NULL;
	int n;

	if (psl != NULL)
		r = psl_registrable_domain(psl, domain);
	if (r == NULL)
		r = domain;
	n = snprintf(out, outsz, "%s", r);
	return n >= 0 && (size_t)n < outsz;
}

/* orgdomain_psl_load - see orgdomain.h */
psl_ctx_t *
orgdomain_psl_load(const char *file, const char **why_r)
{
	psl_ctx_t *p = psl_load_file(file);

	if (p == NULL) {
		/* libpsl does not say why: a file only root may read,
		 * after the privilege drop, is the usual cause */
		*why_r = file_unreadable(file);
		if (*why_r == NULL)
			*why_r = "libpsl loads nothing from it (empty, or not "
			    "a Public Suffix List)";
		return NULL;
	}
	if (psl_is_public_suffix2(p, "com",
	    PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) == 0) {
		psl_free(p);
		*why_r = "not a Public Suffix List: it has no rule for com";
		return NULL;
	}
	return p;
}
