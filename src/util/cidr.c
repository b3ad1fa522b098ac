/*
 * cidr.c - parse IP networks and test membership, for InternalHosts.
 *
 * Exported (cidr.h): cidr_parse, cidr_valid, cidr_addr_parse, cidr_match,
 * cidr_list_parse, cidr_list_match, cidr_list_deinit.
 *
 * Text is parsed once, where it comes from (a configuration load, a
 * connection's address); cidr_match compares bytes only, because it runs
 * for every message. Malformed text is refused by the parsers (false),
 * never matched. A cidr_list owns its array (cidr_list_deinit).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cidr.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* cidr_parse - a network or a single address (full prefix) */
bool
cidr_parse(const char *text, struct cidr *out)
{
	char host[64];
	const char *slash = strchr(text, '/');
	size_t n = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned long prefix;
	char *end;

	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, text, n);
	host[n] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		out->prefix = 128;
	} else {
		return false;
	}
	if (slash != NULL) {
		if (!ascii_isdigit((unsigned char)slash[1]))
			return false;
		prefix = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || prefix > out->prefix)
			return false;
		out->prefix = (unsigned)prefix;
	}
	return true;
}

/* cidr_valid - does text parse as a network? */
bool
cidr_valid(const char *text)
{
	struct cidr c;

	return cidr_parse(text, &c);
}

/* prefix_equal - do the first bits of a and b agree? */
static bool
prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

/* cidr_addr_parse - a printable address as a host network */
bool
cidr_addr_parse(const char *ip, struct cidr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, ip, out->addr) == 1) {
		out->family = AF_INET;
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, ip, out->addr) == 1) {
		out->family = AF_INET6;
		out->prefix = 128;
	} else {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return true;
}

/* cidr_match - addr inside net; IPv4-mapped IPv6 (::ffff:a.b.c.d, the
 * form a dual-stack socket reports IPv4 clients in) also in IPv4 nets */
bool
cidr_match(const struct cidr *net, const struct cidr *addr)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (addr->family == AF_INET)
		return net->family == AF_INET &&
		    prefix_equal(addr->addr, net->addr, net->prefix);
	if (addr->family != AF_INET6)
		return false;
	if (net->family == AF_INET6)
		return prefix_equal(addr->addr, net->addr, net->prefix);
	return net->family == AF_INET && memcmp(addr->addr, mapped, 12) == 0 &&
	    prefix_equal(addr->addr + 12, net->addr, net->prefix);
}

/* cidr_list_parse - every item, or none */
bool
cidr_list_parse(struct cidr_list *l, const char *const *items, size_t n,
    size_t *bad_r)
{
	size_t i;

	cidr_list_deinit(l);
	if (n == 0)
		return true;
	l->nets = xreallocarray(NULL, n, sizeof(*l->nets));
	for (i = 0; i < n; i++) {
		if (!cidr_parse(items[i], &l->nets[i])) {
			*bad_r = i;
			cidr_list_deinit(l);
			return false;
		}
	}
	l->count = n;
	return true;
}

/* cidr_list_match - a linear walk: lists are a handful of networks */
bool
cidr_list_match(const struct cidr_list *l, const struct cidr *addr)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (cidr_match(&l->nets[i], addr))
			return true;
	return false;
}

/* cidr_list_deinit - free the networks */
void
cidr_list_deinit(struct cidr_list *l)
{
	free(l->nets);
	l->nets = NULL;
	l->count = 0;
}
