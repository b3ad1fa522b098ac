/*
 * hostcarve.c - apply OpenDKIM's "!" exceptions to a list of networks.
 *
 *   hostcarve_apply   each network holding an exception becomes the
 *                     networks around it
 *
 * OpenDKIM looks a client up from its most specific prefix to the least
 * (addr/32 ... addr/0) and at each one asks for "!prefix" before
 * "prefix": the most specific entry decides, an exception first at equal
 * length. authmilter's InternalHosts has no exceptions, so a network
 * that holds an exception is written as the networks that cover it
 * without the excepted part: for each bit from the network's length to
 * the exception's, the exception's prefix with that bit flipped. An
 * exception broader than a network inside it changes nothing (the
 * network is the more specific entry there).
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "migrate/hostcarve.h"
#include "util/cidr.h"

/* bit - bit i (from the left) of addr */
static unsigned
bit(const unsigned char *addr, unsigned i)
{
	return (addr[i / 8] >> (7 - i % 8)) & 1u;
}

/* within - do a's first len bits equal b's? */
static bool
within(const struct cidr *a, const struct cidr *b, unsigned len)
{
	unsigned i;

	if (a->family != b->family)
		return false;
	for (i = 0; i < len; i++)
		if (bit(a->addr, i) != bit(b->addr, i))
			return false;
	return true;
}

/* add_net - "addr/len" of c into out */
static void
add_net(struct strlist *out, const struct cidr *c)
{
	char text[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN + 8];

	if (inet_ntop(c->family, c->addr, text, sizeof(text)) == NULL)
		return;
	(void)snprintf(net, sizeof(net), "%s/%u", text, c->prefix);
	strlist_add(out, net);
}

/* carve - net without exc (exc inside net) into out */
static void
carve(const struct cidr *net, const struct cidr *exc, struct strlist *out)
{
	struct cidr piece;
	unsigned b, i, bits = exc->family == AF_INET ? 32 : 128;

	for (b = net->prefix; b < exc->prefix && b < bits; b++) {
		piece = *exc;
		piece.prefix = b + 1;
		for (i = b + 1; i < bits; i++)
			piece.addr[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
		piece.addr[b / 8] ^= (unsigned char)(0x80 >> (b % 8));
		add_net(out, &piece);
	}
}

size_t
hostcarve_apply(struct strlist *nets, const struct strlist *exceptions)
{
	struct strlist cur = { NULL, 0 }, next;
	struct cidr net, exc;
	size_t i, j, carved = 0;

	for (i = 0; i < nets->count; i++)
		strlist_add(&cur, nets->items[i]);
	for (j = 0; j < exceptions->count; j++) {
		if (!cidr_parse(exceptions->items[j], &exc))
			continue;
		next.items = NULL;
		next.count = 0;
		for (i = 0; i < cur.count; i++) {
			if (cidr_parse(cur.items[i], &net) &&
			    exc.prefix >= net.prefix &&
			    within(&net, &exc, net.prefix)) {
				carve(&net, &exc, &next);
				carved++;
			} else {
				strlist_add(&next, cur.items[i]);
			}
		}
		strlist_deinit(&cur);
		cur = next;
	}
	strlist_deinit(nets);
	*nets = cur;
	return carved;
}
