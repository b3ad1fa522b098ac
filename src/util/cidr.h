/* cidr.h - IP addresses and networks (a.b.c.d/n, x::y/n) */
#ifndef AUTHMILTER_CIDR_H
#define AUTHMILTER_CIDR_H

#include <stdbool.h>

struct cidr {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};

/* cidr_parse - "10.0.0.0/8", "::1", "192.0.2.1"; false when malformed */
bool cidr_parse(const char *text, struct cidr *out);
bool cidr_valid(const char *text);
/* cidr_match_text - is the printable address ip inside net? IPv4-mapped
 * IPv6 addresses match IPv4 networks. */
bool cidr_match_text(const struct cidr *net, const char *ip);

#endif
