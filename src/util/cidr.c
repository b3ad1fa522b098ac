/*
 * cidr.c - parse IP networks and test membership, for InternalHosts.
 * A list is matched by binary search in sorted, merged address ranges
 * (one array per family), built when it is parsed.
 *
 * Exported (cidr.h): cidr_parse, cidr_problem, cidr_host_bits, cidr_valid,
 * cidr_addr_parse, cidr_match, cidr_list_parse, cidr_list_match,
 * cidr_list_deinit.
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

/* cidr_problem - why cidr_parse refuses text, for a configuration
 * error that names the entry: NULL when it parses */
const char *
cidr_problem(const char *text)
{
	struct cidr c;
	unsigned char addr[16];
	char host[64];
	const char *slash = strchr(text, '/');
	size_t n = slash != NULL ? (size_t)(slash - text) : strlen(text);
	size_t digits;

	if (cidr_parse(text, &c))
		return NULL;
	if (n == 0)
		return "no address before the /";
	if (n >= sizeof(host))
		return "not an IP address (too long)";
	memcpy(host, text, n);
	host[n] = '\0';
	if (strchr(host, '[') != NULL || strchr(host, ']') != NULL)
		return "no brackets: write an IPv6 network as 2001:db8::/32";
	if (strchr(host, '%') != NULL)
		return "an address with a zone (%...) is not supported";
	if (inet_pton(AF_INET, host, addr) != 1 &&
	    inet_pton(AF_INET6, host, addr) != 1)
		return strchr(host, ':') != NULL ? "not an IPv6 address" :
		    strspn(host, "0123456789.") == n ? "not an IPv4 address" :
		    "not an IP address (host names are not looked up)";
	/* the address is good, so the prefix length is not */
	digits = slash != NULL ? strspn(slash + 1, "0123456789") : 0;
	if (digits == 0 || slash[1 + digits] != '\0')
		return "the prefix length after / must be a number";
	return strchr(host, ':') != NULL ?
	    "prefix length over 128 for an IPv6 network" :
	    "prefix length over 32 for an IPv4 network";
}

/* cidr_host_bits - the network of net when its address has bits set
 * past the prefix length */
bool
cidr_host_bits(const struct cidr *net, char *text, size_t size)
{
	unsigned char a[16];
	unsigned bits = net->family == AF_INET ? 32 : 128, i;
	char addr[INET6_ADDRSTRLEN];

	memcpy(a, net->addr, sizeof(a));
	for (i = net->prefix; i < bits; i++)
		a[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
	if (memcmp(a, net->addr, bits / 8) == 0 ||
	    inet_ntop(net->family, a, addr, sizeof(addr)) == NULL)
		return false;
	/* cannot be cut: the callers' size is at least CIDR_TEXT_MAX */
	(void)snprintf(text, size, "%s/%u", addr, net->prefix);
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

/* range_of - the first and last address of net, width bytes wide */
static void
range_of(const struct cidr *net, size_t width, struct cidr_range *r)
{
	size_t i;

	for (i = 0; i < width; i++) {
		unsigned bits = net->prefix > i * 8 ? net->prefix - (unsigned)i * 8 : 0;
		unsigned char mask = bits >= 8 ? 0xff :
		    (unsigned char)(0xff << (8 - bits));

		r->lo[i] = net->addr[i] & mask;
		r->hi[i] = (unsigned char)(net->addr[i] | (unsigned char)~mask);
	}
}

/* range_cmp4, range_cmp16 - order of first addresses, for qsort */
static int
range_cmp4(const void *a, const void *b)
{
	return memcmp(((const struct cidr_range *)a)->lo,
	    ((const struct cidr_range *)b)->lo, 4);
}

static int
range_cmp16(const void *a, const void *b)
{
	return memcmp(((const struct cidr_range *)a)->lo,
	    ((const struct cidr_range *)b)->lo, 16);
}

/* build_ranges - the nets of one family as sorted, merged ranges */
static struct cidr_range *
build_ranges(const struct cidr_list *l, int family, size_t *n_r)
{
	size_t width = family == AF_INET ? 4 : 16, i, n = 0, out = 0;
	struct cidr_range *r;

	for (i = 0; i < l->count; i++)
		n += l->nets[i].family == family;
	*n_r = 0;
	if (n == 0)
		return NULL;
	r = xreallocarray(NULL, n, sizeof(*r));
	for (i = 0, n = 0; i < l->count; i++)
		if (l->nets[i].family == family)
			range_of(&l->nets[i], width, &r[n++]);
	qsort(r, n, sizeof(*r), width == 4 ? range_cmp4 : range_cmp16);
	/* merge: a range starting inside the previous one extends it */
	for (i = 1; i < n; i++) {
		if (memcmp(r[i].lo, r[out].hi, width) <= 0) {
			if (memcmp(r[i].hi, r[out].hi, width) > 0)
				memcpy(r[out].hi, r[i].hi, width);
		} else
			r[++out] = r[i];
	}
	*n_r = out + 1;
	return r;
}

/* in_ranges - a (width bytes) within one of the n sorted ranges */
static bool
in_ranges(const struct cidr_range *r, size_t n, const unsigned char *a,
    size_t width)
{
	size_t lo = 0, hi = n;

	/* the last range starting at or before a is the only candidate */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(r[mid].lo, a, width) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && memcmp(a, r[lo - 1].hi, width) <= 0;
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
	l->v4 = build_ranges(l, AF_INET, &l->nv4);
	l->v6 = build_ranges(l, AF_INET6, &l->nv6);
	return true;
}

/* cidr_list_match - a binary search in the ranges of addr's family; an
 * IPv4-mapped IPv6 address also in the IPv4 ones, as cidr_match does */
bool
cidr_list_match(const struct cidr_list *l, const struct cidr *addr)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (addr->family == AF_INET)
		return in_ranges(l->v4, l->nv4, addr->addr, 4);
	if (addr->family != AF_INET6)
		return false;
	return in_ranges(l->v6, l->nv6, addr->addr, 16) ||
	    (memcmp(addr->addr, mapped, 12) == 0 &&
	    in_ranges(l->v4, l->nv4, addr->addr + 12, 4));
}

/* cidr_list_deinit - free the networks */
void
cidr_list_deinit(struct cidr_list *l)
{
	free(l->nets);
	free(l->v4);
	free(l->v6);
	memset(l, 0, sizeof(*l));
}
