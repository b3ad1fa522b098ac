/* cidr.h - IP addresses and networks (a.b.c.d/n, x::y/n)
 *
 * Networks are parsed once (a configuration load) into struct cidr or a
 * struct cidr_list; an address is parsed once (a connection) into a
 * struct cidr with the full prefix; matching is then a comparison of
 * bytes, with no text parsing.
 */
#ifndef AUTHMILTER_CIDR_H
#define AUTHMILTER_CIDR_H

#include <stdbool.h>
#include <stddef.h>

struct cidr {
	int family;			/* AF_INET or AF_INET6; 0: none */
	unsigned char addr[16];
	unsigned prefix;
};

/* One run of addresses, first to last, in network byte order (4 bytes
 * used for IPv4). */
struct cidr_range {
	unsigned char lo[16], hi[16];
};

/* A list of networks, e.g. InternalHosts parsed; the networks of each
 * family also as sorted ranges without overlaps, so a lookup is a binary
 * search, not a walk (a hosting provider lists thousands). */
struct cidr_list {
	struct cidr *nets;
	size_t count;
	struct cidr_range *v4, *v6;
	size_t nv4, nv6;
};

/* cidr_parse - "10.0.0.0/8", "::1", "192.0.2.1"; false when malformed */
bool cidr_parse(const char *text, struct cidr *out);
bool cidr_valid(const char *text);
/* cidr_problem - NULL when cidr_parse takes text, else what is wrong with
 * it (static text, e.g. "prefix length over 32 for an IPv4 network") */
const char *cidr_problem(const char *text);
/* Room for a network as text ("ffff:...:ffff/128") and its NUL. */
#define CIDR_TEXT_MAX 50
/* cidr_host_bits - does net's address have bits set past its prefix
 * ("10.1.2.3/8")? If so, the network it stands for ("10.0.0.0/8") into
 * text (size at least CIDR_TEXT_MAX) */
bool cidr_host_bits(const struct cidr *net, char *text, size_t size);
/* cidr_addr_parse - a printable address without prefix ("192.0.2.1",
 * "2001:db8::1", "::ffff:192.0.2.1") as a host network; false (and
 * out->family 0) when it is not an address, e.g. "local" */
bool cidr_addr_parse(const char *ip, struct cidr *out);
/* cidr_match - is addr (from cidr_addr_parse) inside net? An IPv4-mapped
 * IPv6 address matches IPv4 networks too. An unset addr matches nothing. */
bool cidr_match(const struct cidr *net, const struct cidr *addr);

/* cidr_list_parse - parse n networks into *l (a zeroed or parsed list,
 * emptied first). False when
 * an item is malformed: *bad_r is its index and *l is left empty. */
bool cidr_list_parse(struct cidr_list *l, const char *const *items, size_t n,
    size_t *bad_r);
/* cidr_list_match - is addr inside any network of l? (as cidr_match with
 * each network; O(log n)) */
bool cidr_list_match(const struct cidr_list *l, const struct cidr *addr);
/* cidr_list_deinit - free the networks; the list is empty afterwards */
void cidr_list_deinit(struct cidr_list *l);

#endif
