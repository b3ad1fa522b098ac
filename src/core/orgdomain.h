/* orgdomain.h - organizational domain by the PSL (RFC 7489 3.2) */
#ifndef AUTHMILTER_ORGDOMAIN_H
#define AUTHMILTER_ORGDOMAIN_H

#include <libpsl.h>
#include <stddef.h>

/*
 * orgdomain_psl - the RFC 7489 3.2 Organizational Domain of domain (lower
 * case, no trailing dot): the registrable domain (public suffix plus one
 * label) by libpsl, or domain itself when it is a public suffix or libpsl
 * finds none. psl is loaded once by the caller (psl_builtin() or
 * psl_latest()) and only read here. Writes at most outsz bytes including
 * the NUL; returns false when the result does not fit.
 */
int orgdomain_psl(const psl_ctx_t *psl, const char *domain, char *out,
    size_t outsz);

#endif
