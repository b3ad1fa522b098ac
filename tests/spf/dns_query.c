/*
 * dns_query.c - look names up through src/dns (libunbound backend)
 *
 * Test and debugging tool: dns_query -n ip@port [-t ms] [-a anchor-file]
 * name type...
 * (type: A AAAA MX TXT PTR CNAME NS). Prints per lookup one line
 * "status ttl secure" and one line per record. Exit 2 on set-up errors.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dns/dns.h"

static const struct { const char *name; uint16_t type; } types[] = {
	{ "A", DNS_T_A }, { "AAAA", DNS_T_AAAA }, { "MX", DNS_T_MX },
	{ "TXT", DNS_T_TXT }, { "PTR", DNS_T_PTR }, { "CNAME", DNS_T_CNAME },
	{ "NS", DNS_T_NS },
};

int
main(int argc, char **argv)
{
	char *ns[8];
	struct dns_config cfg;
	struct dns_resolver *r;
	const char *err = NULL;
	int opt, i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nameservers = ns;
	cfg.timeout_ms = 2000;
	while ((opt = getopt(argc, argv, "n:t:a:")) != -1) {
		if (opt == 'a')
			cfg.trust_anchor_file = optarg;
		else if (opt == 'n' && cfg.nameserver_count < 8)
			ns[cfg.nameserver_count++] = optarg;
		else if (opt == 't')
			cfg.timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if ((r = dns_resolver_new(&cfg, &err)) == NULL) {
		fprintf(stderr, "dns_query: %s\n", err);
		return 2;
	}
	for (i = optind; i + 1 < argc; i += 2) {
		struct dns_answer *a;
		uint16_t type = 0;
		size_t k;

		for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
			if (strcasecmp(types[k].name, argv[i + 1]) == 0)
				type = types[k].type;
		if (type == 0)
			return 2;
		a = dns_lookup(r, argv[i], type, 0);
		printf("%s %u %s\n", dns_status_name(a->status), a->ttl,
		    a->secure ? "secure" : "insecure");
		for (k = 0; k < a->count; k++) {
			char ip[INET6_ADDRSTRLEN];

			if (type == DNS_T_A || type == DNS_T_AAAA)
				printf("  %s\n", inet_ntop(type == DNS_T_A ?
				    AF_INET : AF_INET6, a->rr[k].addr, ip, sizeof(ip)));
			else if (type == DNS_T_MX)
				printf("  %u %s\n", a->rr[k].pref, a->rr[k].text);
			else
				printf("  %s\n", a->rr[k].text);
		}
		dns_answer_free(&a);
	}
	dns_resolver_free(&r);
	return 0;
}
