/*
 * metrics_addr.c - parse MetricsSocket (inet:PORT@ADDR, inet6:PORT@ADDR)
 *
 * Exported: metrics_addr_parse. No I/O and no name lookups: the address
 * must be numeric, so `authmilter -t` and the daemon agree on what it
 * means, and the metrics port never ends up on an address a resolver
 * chose. Errors come back as static text for the config checker, which
 * adds file:line.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/metrics_addr.h"

/* Longest address text accepted (an IPv6 address with brackets). */
#define METRICS_ADDR_MAX 64

/* parse_port - 1..65535 from p[0..n) */
static bool
parse_port(const char *p, size_t n, unsigned *port_r)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return false;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port_r = v;
	return true;
}

const char *
metrics_addr_parse(const char *spec, size_t len,
    struct sockaddr_storage *ss_r, socklen_t *len_r)
{
	char addr[METRICS_ADDR_MAX];
	const char *p, *end = spec + len, *at;
	unsigned port;
	bool six;

	if (len > 5 && memcmp(spec, "inet:", 5) == 0) {
		six = false;
		p = spec + 5;
	} else if (len > 6 && memcmp(spec, "inet6:", 6) == 0) {
		six = true;
		p = spec + 6;
	} else {
		return "expected inet:PORT@ADDRESS or inet6:PORT@ADDRESS";
	}
	at = memchr(p, '@', (size_t)(end - p));
	if (!parse_port(p, (size_t)((at != NULL ? at : end) - p), &port))
		return "port must be a number from 1 to 65535";
	if (at == NULL) {
		(void)strcpy(addr, six ? "::1" : "127.0.0.1");
	} else {
		const char *a = at + 1, *e = end;

		if (six && e - a >= 2 && a[0] == '[' && e[-1] == ']') {
			a++;
			e--;
		}
		if (e == a || (size_t)(e - a) >= sizeof(addr))
			return "missing or over-long address after @";
		memcpy(addr, a, (size_t)(e - a));
		addr[e - a] = '\0';
	}
	memset(ss_r, 0, sizeof(*ss_r));
	if (six) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)ss_r;

		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return "address must be a numeric IPv6 address";
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len_r = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)ss_r;

		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return "address must be a numeric IPv4 address";
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len_r = sizeof(*s4);
	}
	return NULL;
}
