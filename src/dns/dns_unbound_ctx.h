/*
 * dns_unbound_ctx.h - making libunbound contexts (dns_unbound_ctx.c)
 */
#ifndef AUTHMILTER_DNS_UNBOUND_CTX_H
#define AUTHMILTER_DNS_UNBOUND_CTX_H

#include <stdbool.h>
#include <stdio.h>

#include "dns/dns.h"

struct ub_ctx;

/* ub_ctx_made - a context set up with cfg's settings (probe: one that
 * forgets a server's back-off, for dns_unbound.c's probes only); NULL and
 * a static reason in *err_r when libunbound refuses them */
struct ub_ctx *ub_ctx_made(const struct dns_config *cfg, bool probe,
    const char **err_r);
/* ub_config_copy - dst becomes a deep copy of src (free: ub_config_free) */
void ub_config_copy(struct dns_config *dst, const struct dns_config *src);
void ub_config_free(struct dns_config *cfg);
/* ub_log_stream - where contexts print their messages: our log, limited
 * (dns_unbound_log.c); NULL when it cannot be made */
FILE *ub_log_stream(void);

#endif
