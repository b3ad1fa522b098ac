/*
 * cidr.c - parse IP networks and test membership, for InternalHosts.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cidr.h"
#include "util/str.h"

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

bool
cidr_match_text(const struct cidr *net, const char *ip)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char addr[16];

	if (inet_pton(AF_INET, ip, addr) == 1)
		return net->family == AF_INET && prefix_equal(addr, net->addr, net->prefix);
	if (inet_pton(AF_INET6, ip, addr) != 1)
		return false;
	if (net->family == AF_INET6)
		return prefix_equal(addr, net->addr, net->prefix);
	return memcmp(addr, mapped, 12) == 0 &&
	    prefix_equal(addr + 12, net->addr, net->prefix);
}
