/*
 * spf_shrink.c - a record too large for libspf2 without the ip4/ip6
 * terms that cannot decide this check (why: spf_shrink.h)
 *
 * Exported (spf_shrink.h): spf_shrink_record.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "spf/spf_record.h"
#include "spf/spf_shrink.h"

/* what one term is for this client */
enum ip_term {
	IP_OTHER,		/* not an ip4/ip6 term, or one not read */
	IP_MISS,		/* cannot match */
	IP_MATCH		/* matches */
};

/* classify - term t[0..len) against the client, as libspf2 matches it:
 * an ip4 term only an IPv4 client, an ip6 term only an IPv6 one, the
 * network (inet_pton, as libspf2 reads it) masked to its prefix length,
 * 32 or 128 when none is given */
static enum ip_term
classify(const char *t, size_t len, const struct cidr *client)
{
	char text[INET6_ADDRSTRLEN + 1];
	struct cidr net;
	const char *slash;
	size_t netlen;
	unsigned max, bits;
	bool v6;

	if (len > 0 && memchr("+-?~", t[0], 4) != NULL) {
		t++;
		len--;
	}
	if (len < 5 || (memcmp(t, "ip4:", 4) != 0 && memcmp(t, "ip6:", 4) != 0))
		return IP_OTHER;
	v6 = t[2] == '6';
	max = v6 ? 128 : 32;
	t += 4;
	len -= 4;
	slash = memchr(t, '/', len);
	netlen = slash != NULL ? (size_t)(slash - t) : len;
	bits = max;
	/* a /0 became "all" in normalisation; one left here is not read */
	if (netlen == 0 || netlen >= sizeof(text) ||
	    (slash != NULL && (!spf_cidr_parse((const unsigned char *)slash,
	    len - netlen, max, &bits) || bits == 0)))
		return IP_OTHER;
	memcpy(text, t, netlen);
	text[netlen] = '\0';
	memset(&net, 0, sizeof(net));
	net.family = v6 ? AF_INET6 : AF_INET;
	net.prefix = bits;
	if (inet_pton(net.family, text, net.addr) != 1)
		return IP_OTHER;
	/* cidr_match would take an IPv4-mapped ip6 client for ip4 terms;
	 * libspf2 does not */
	if (client->family != net.family)
		return IP_MISS;
	return cidr_match(&net, client) ? IP_MATCH : IP_MISS;
}

bool
spf_shrink_record(const char *rec, size_t len,
    const struct cidr *client, struct buf *out)
{
	const char *p = rec, *end = rec + len, *sp;
	bool matched = false, dropped = false, keep;
	enum ip_term kind;
	size_t tlen;

	buf_reset(out);
	sp = memchr(p, ' ', len);
	tlen = sp != NULL ? (size_t)(sp - p) : len;
	buf_append(out, p, tlen);		/* "v=spf1" */
	for (p += tlen; p < end; p += tlen) {
		p++;				/* the space before the term */
		sp = memchr(p, ' ', (size_t)(end - p));
		tlen = sp != NULL ? (size_t)(sp - p) : (size_t)(end - p);
		if (matched) {
			keep = tlen >= 4 && memcmp(p, "exp=", 4) == 0;
		} else {
			kind = classify(p, tlen, client);
			keep = kind != IP_MISS;
			matched = kind == IP_MATCH;
		}
		if (!keep) {
			dropped = true;
			continue;
		}
		buf_append_byte(out, ' ');
		buf_append(out, p, tlen);
	}
	if (!dropped)
		buf_reset(out);
	return dropped;
}
