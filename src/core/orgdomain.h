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

/*
 * orgdomain_psl_load - PSLFile as every program loads it, or NULL with
 * *why_r (static text) when it is no Public Suffix List. libpsl takes any
 * text (an HTML error page, a binary file) as rules and then finds every
 * organizational domain one label too high (example.co.uk gives co.uk),
 * so a list that does not name com is refused: every real one does.
 */
psl_ctx_t *orgdomain_psl_load(const char *file, const char **why_r);

#endif
