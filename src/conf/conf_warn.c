/*
 * conf_warn.c - settings that load but are probably not what the
 * operator meant. None stops the daemon: each is a choice a site may
 * make on purpose, or one the signer already corrects, so it is said
 * and the configuration stays. Each warning comes with the file:line of
 * the option it is about (conf_where), as errors do.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf_arc.h"
#include "conf/conf_warn.h"
#include "core/dkim_sign.h"
#include "util/cidr.h"

/* oversign_transit - OversignHeaders naming fields hosts add in transit:
 * the signer signs those present and adds no extra entry
 * (dkim_sign_transit_field), so the option does not do what it says */
static const char *
oversign_transit(const struct conf *c, struct buf *out)
{
	const struct conf_list *l = &c->oversign_headers;
	size_t i, n = 0;

	for (i = 0; i < l->count; i++) {
		if (!dkim_sign_transit_field(l->items[i]))
			continue;
		buf_append_str(out, n == 0 ? "OversignHeaders names " : ", ");
		buf_append_str(out, l->items[i]);
		n++;
	}
	if (n > 0)
		buf_printf(out, ": trace field%s that hosts (authmilter too) add "
		    "in transit; an extra h= entry would fail the signature at "
		    "the next hop that adds one, so only those present are "
		    "signed", n == 1 ? "" : "s");
	return n > 0 ? "OversignHeaders" : NULL;
}

/* Queries a valid SPF evaluation can need (RFC 7208 4.6.4): the record,
 * then 10 DNS terms, each an mx or ptr with up to 10 hosts to look up,
 * and the exp= explanation */
#define SPF_VALID_MAX_QUERIES (1 + 10 * (1 + 10) + 1)

/* spf_queries_low - SPFMaxQueries below what a valid record can need:
 * such a record gets permerror, which the RFC's limits do not give */
static const char *
spf_queries_low(const struct conf *c, struct buf *out)
{
	if (c->spf_max_queries >= SPF_VALID_MAX_QUERIES)
		return NULL;
	buf_printf(out, "SPFMaxQueries %u is below %d, what a valid SPF record "
	    "can need (RFC 7208 4.6.4: 10 DNS-querying terms, an mx or ptr "
	    "term with up to 10 hosts to look up each): such a record gets "
	    "permerror", c->spf_max_queries, SPF_VALID_MAX_QUERIES);
	return "SPFMaxQueries";
}

/* socket_everywhere - Socket inet:PORT without @ADDRESS: libmilter then
 * listens on every address of the host, and whoever reaches the port
 * can claim SMTP authentication in its macros and have mail signed
 * with our keys. "@0.0.0.0" (or "@::") says it on purpose. */
static const char *
socket_everywhere(const struct conf *c, struct buf *out)
{
	bool v6;

	if ((strncmp(c->socket, "inet:", 5) != 0 &&
	    strncmp(c->socket, "inet6:", 6) != 0) ||
	    strchr(c->socket, '@') != NULL)
		return NULL;
	v6 = c->socket[4] == '6';
	buf_printf(out, "Socket %s has no @ADDRESS, so it listens on every "
	    "address of this host: anyone who can reach it can have mail "
	    "signed by claiming SMTP authentication (write @%s, or @%s if "
	    "that is meant)", c->socket, v6 ? "::1" : "127.0.0.1",
	    v6 ? "::" : "0.0.0.0");
	return "Socket";
}

/* inline_ignored - Domain, Selector or KeyFile beside a KeyTable: the
 * tables sign and these are not read (as in OpenDKIM), so a key or a
 * domain added there does nothing */
static const char *
inline_ignored(const struct conf *c, struct buf *out)
{
	const char *names[3];
	size_t i, n = 0;

	if (c->key_table == NULL)
		return NULL;
	if (c->sign_domains.count > 0)
		names[n++] = "Domain";
	if (c->sign_selectors.count > 0)
		names[n++] = "Selector";
	if (c->sign_key_files.count > 0)
		names[n++] = "KeyFile";
	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		buf_printf(out, "%s%s", i == 0 ? "" : i + 1 < n ? ", " : " and ",
		    names[i]);
	buf_printf(out, " %s ignored: KeyTable and SigningTable say what is "
	    "signed", n == 1 ? "is" : "are");
	return names[0];
}

/* host_bits - the entries of a host list with bits set past their
 * prefix: "10.1.2.3/8" is all of 10.0.0.0/8, and "2001:db8::25/64" all
 * of its /64, which for InternalHosts (signed, not verified) is likely
 * far more than the one host meant. Postfix warns of mynetworks alike. */
static const char *
host_bits(const char *name, const struct conf_list *l, struct buf *out)
{
	size_t i, n = 0;

	for (i = 0; i < l->count; i++) {
		struct cidr c;
		char net[CIDR_TEXT_MAX];

		if (!cidr_parse(l->items[i], &c) || !cidr_host_bits(&c, net,
		    sizeof(net)))
			continue;
		buf_printf(out, "%s %.64s means %s", n == 0 ? name : ",",
		    l->items[i], net);
		n++;
	}
	if (n == 0)
		return NULL;
	buf_append_str(out, " (address bits set past the prefix length): "
	    "write the network, or the address alone for one host");
	return name;
}

static const char *
internal_host_bits(const struct conf *c, struct buf *out)
{
	return host_bits("InternalHosts", &c->internal_hosts, out);
}

static const char *
peer_host_bits(const struct conf *c, struct buf *out)
{
	return host_bits("PeerHosts", &c->peer_hosts, out);
}

/* arc_ed25519 - conf_arc_warning, at ARCSealAlgorithm */
static const char *
arc_ed25519(const struct conf *c, struct buf *out)
{
	if (conf_arc_warning(c) == NULL)
		return NULL;
	buf_append_str(out, conf_arc_warning(c));
	return "ARCSealAlgorithm";
}

static const char *(*const checks[])(const struct conf *, struct buf *) = {
	arc_ed25519, oversign_transit, spf_queries_low, inline_ignored,
	socket_everywhere, internal_host_bits, peer_host_bits,
};

size_t
conf_warnings(const struct conf *c, conf_warn_fn *say, void *ctx)
{
	struct buf text = BUF_INIT;
	const char *name;
	char *at;
	size_t i, n = 0;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		buf_truncate(&text, 0);
		if ((name = checks[i](c, &text)) == NULL)
			continue;
		at = conf_where(c, name);
		say(at, buf_cstr(&text), ctx);
		free(at);
		n++;
	}
	buf_deinit(&text);
	return n;
}
