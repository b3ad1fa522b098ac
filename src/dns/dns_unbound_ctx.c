/*
 * dns_unbound_ctx.c - libunbound contexts set up as the daemon wants them
 *
 * Exported: dns_trust_anchor_problem (dns.h); ub_ctx_made,
 * ub_config_copy, ub_config_free (dns_unbound_ctx.h), for dns_unbound.c,
 * which makes a context at start and again after a resolver outage.
 *
 * Settings (RFC-independent, libunbound 1.17): forwarders from the config
 * ("ip" or "ip@port", IPv4 or IPv6) else /etc/resolv.conf;
 * do-not-query-localhost off so a local caching resolver on 127.0.0.1 or ::1
 * works; every built-in local zone (.test, .invalid, localhost, RFC 1918 and
 * documentation reverse zones, ...) removed so each query goes to the
 * configured resolver; an optional trust anchor file turns on DNSSEC
 * validation (ub_result secure/bogus are passed on); threaded async mode;
 * libunbound's own messages go to our log (dns_unbound_log.c).
 *
 * Errors: static text naming what libunbound refused.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unbound.h>

#include "dns/dns_unbound_ctx.h"
#include "util/unreadable.h"
#include "util/xmalloc.h"

/*
 * Built-in local zones of libunbound 1.17 (services/localzone.c
 * local_zone_enter_defaults and the AS112 list): each is removed so the
 * query goes to the configured resolver instead.
 */
static const char *const default_zones[] = {
	"localhost.", "127.in-addr.arpa.",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"home.arpa.", "onion.", "test.", "invalid.", "resolver.arpa.",
	"service.arpa.",
	"10.in-addr.arpa.", "16.172.in-addr.arpa.", "17.172.in-addr.arpa.",
	"18.172.in-addr.arpa.", "19.172.in-addr.arpa.", "20.172.in-addr.arpa.",
	"21.172.in-addr.arpa.", "22.172.in-addr.arpa.", "23.172.in-addr.arpa.",
	"24.172.in-addr.arpa.", "25.172.in-addr.arpa.", "26.172.in-addr.arpa.",
	"27.172.in-addr.arpa.", "28.172.in-addr.arpa.", "29.172.in-addr.arpa.",
	"30.172.in-addr.arpa.", "31.172.in-addr.arpa.", "168.192.in-addr.arpa.",
	"0.in-addr.arpa.", "64.100.in-addr.arpa.", "65.100.in-addr.arpa.",
	"66.100.in-addr.arpa.", "67.100.in-addr.arpa.", "68.100.in-addr.arpa.",
	"69.100.in-addr.arpa.", "70.100.in-addr.arpa.", "71.100.in-addr.arpa.",
	"72.100.in-addr.arpa.", "73.100.in-addr.arpa.", "74.100.in-addr.arpa.",
	"75.100.in-addr.arpa.", "76.100.in-addr.arpa.", "77.100.in-addr.arpa.",
	"78.100.in-addr.arpa.", "79.100.in-addr.arpa.", "80.100.in-addr.arpa.",
	"81.100.in-addr.arpa.", "82.100.in-addr.arpa.", "83.100.in-addr.arpa.",
	"84.100.in-addr.arpa.", "85.100.in-addr.arpa.", "86.100.in-addr.arpa.",
	"87.100.in-addr.arpa.", "88.100.in-addr.arpa.", "89.100.in-addr.arpa.",
	"90.100.in-addr.arpa.", "91.100.in-addr.arpa.", "92.100.in-addr.arpa.",
	"93.100.in-addr.arpa.", "94.100.in-addr.arpa.", "95.100.in-addr.arpa.",
	"96.100.in-addr.arpa.", "97.100.in-addr.arpa.", "98.100.in-addr.arpa.",
	"99.100.in-addr.arpa.", "100.100.in-addr.arpa.", "101.100.in-addr.arpa.",
	"102.100.in-addr.arpa.", "103.100.in-addr.arpa.", "104.100.in-addr.arpa.",
	"105.100.in-addr.arpa.", "106.100.in-addr.arpa.", "107.100.in-addr.arpa.",
	"108.100.in-addr.arpa.", "109.100.in-addr.arpa.", "110.100.in-addr.arpa.",
	"111.100.in-addr.arpa.", "112.100.in-addr.arpa.", "113.100.in-addr.arpa.",
	"114.100.in-addr.arpa.", "115.100.in-addr.arpa.", "116.100.in-addr.arpa.",
	"117.100.in-addr.arpa.", "118.100.in-addr.arpa.", "119.100.in-addr.arpa.",
	"120.100.in-addr.arpa.", "121.100.in-addr.arpa.", "122.100.in-addr.arpa.",
	"123.100.in-addr.arpa.", "124.100.in-addr.arpa.", "125.100.in-addr.arpa.",
	"126.100.in-addr.arpa.", "127.100.in-addr.arpa.",
	"254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
	"255.255.255.255.in-addr.arpa.",
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.",
	"b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
};

/* forwarder_ok - "ip" or "ip@port" with a literal IPv4/IPv6 address */
static bool
forwarder_ok(const char *s)
{
	char ip[INET6_ADDRSTRLEN + 1];
	unsigned char tmp[16];
	const char *at = strchr(s, '@');
	size_t len = at != NULL ? (size_t)(at - s) : strlen(s);

	if (len == 0 || len >= sizeof(ip))
		return false;
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET, ip, tmp) != 1 && inet_pton(AF_INET6, ip, tmp) != 1)
		return false;
	if (at != NULL) {
		char *end;
		long port;

		errno = 0;
		port = strtol(at + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == at + 1 || port < 1 ||
		    port > 65535)
			return false;
	}
	return true;
}

/* configure - apply our settings to a fresh context */
static const char *
configure(struct ub_ctx *ctx, const struct dns_config *cfg)
{
	size_t i;

	if (ub_ctx_set_option(ctx, "do-not-query-localhost:", "no") != 0)
		return "cannot set do-not-query-localhost";
	if (ub_log_stream() != NULL)
		(void)ub_ctx_debugout(ctx, ub_log_stream());
	if (cfg->nameserver_count > 0) {
		for (i = 0; i < cfg->nameserver_count; i++) {
			if (!forwarder_ok(cfg->nameservers[i]))
				return "bad nameserver (want ip or ip@port)";
			if (ub_ctx_set_fwd(ctx, cfg->nameservers[i]) != 0)
				return "libunbound refused a nameserver";
		}
	} else if (ub_ctx_resolvconf(ctx, NULL) != 0) {
		return "cannot read nameservers from /etc/resolv.conf";
	}
	if (cfg->trust_anchor_file != NULL && cfg->trust_anchor_file[0] != '\0') {
		/* libunbound's reason goes only to its log: say ours */
		const char *why = file_unreadable(cfg->trust_anchor_file);

		if (why != NULL)
			return why;
		if (ub_ctx_add_ta_file(ctx, cfg->trust_anchor_file) != 0)
			return "cannot load the DNSSEC trust anchor file";
	} else if (ub_ctx_set_option(ctx, "module-config:", "iterator") != 0) {
		return "cannot set module-config";
	}
	if (ub_ctx_async(ctx, 1) != 0)
		return "cannot set libunbound threaded mode";
	/*
	 * Last, as it finalises the context: remove the built-in local zones.
	 * ("local-zone: name nodefault" through ub_ctx_set_option is accepted
	 * but has no effect in libunbound 1.17; removal does work.) A zone
	 * this version does not have gives UB_NOID, which is fine.
	 */
	for (i = 0; i < sizeof(default_zones) / sizeof(default_zones[0]); i++) {
		int rc = ub_ctx_zone_remove(ctx, default_zones[i]);

		/* the first removal finalises: a trust anchor file libunbound
		 * cannot parse fails it here, and then every lookup after
		 * (each ub_resolve tries again), so nothing would validate */
		if (rc != 0 && rc != UB_NOID)
			return cfg->trust_anchor_file != NULL &&
			    cfg->trust_anchor_file[0] != '\0' ?
			    "libunbound cannot load the DNSSEC trust anchor "
			    "file (it wants DS or DNSKEY records in zone-file "
			    "format)" :
			    "libunbound cannot be set up";
	}
	return NULL;
}

/* dns_trust_anchor_problem - for -t: why the start would refuse file as
 * TrustAnchorFile, or NULL. The start's configure(), on a context that
 * sends nothing and starts no thread */
const char *
dns_trust_anchor_problem(const char *file)
{
	char *loopback[] = { (char *)"127.0.0.1" };
	struct dns_config cfg = {
		.nameservers = loopback, .nameserver_count = 1,
		.trust_anchor_file = file
	};
	struct ub_ctx *ctx = ub_ctx_create();
	const char *why;

	if (ctx == NULL)
		return "cannot create a libunbound context";
	why = configure(ctx, &cfg);
	ub_ctx_delete(ctx);
	return why;
}

/* ub_ctx_made - a new context with cfg's settings, or NULL and *err_r.
 * A probe context forgets what it knows of a server a second later
 * (infra-host-ttl), so each probe starts without its back-off. */
struct ub_ctx *
ub_ctx_made(const struct dns_config *cfg, bool probe, const char **err_r)
{
	struct ub_ctx *ctx = ub_ctx_create();
	const char *err;

	if (ctx == NULL) {
		*err_r = "cannot create a libunbound context";
		return NULL;
	}
	if (probe && ub_ctx_set_option(ctx, "infra-host-ttl:", "1") != 0) {
		ub_ctx_delete(ctx);
		*err_r = "cannot set infra-host-ttl";
		return NULL;
	}
	if ((err = configure(ctx, cfg)) != NULL) {
		ub_ctx_delete(ctx);
		*err_r = err;
		return NULL;
	}
	return ctx;
}

/* ub_config_copy - a deep copy of the settings a context is made from */
void
ub_config_copy(struct dns_config *dst, const struct dns_config *src)
{
	size_t i;

	*dst = *src;
	dst->nameservers = NULL;
	if (src->nameserver_count > 0) {
		dst->nameservers = xcalloc(src->nameserver_count,
		    sizeof(*dst->nameservers));
		for (i = 0; i < src->nameserver_count; i++)
			dst->nameservers[i] = xstrdup(src->nameservers[i]);
	}
	if (src->trust_anchor_file != NULL)
		dst->trust_anchor_file = xstrdup(src->trust_anchor_file);
}

/* ub_config_free - free what ub_config_copy allocated */
void
ub_config_free(struct dns_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nameserver_count; i++)
		free(cfg->nameservers[i]);
	free(cfg->nameservers);
	free((char *)(uintptr_t)cfg->trust_anchor_file);
	memset(cfg, 0, sizeof(*cfg));
}
