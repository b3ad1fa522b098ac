/*
 * spf_eval.c - evaluate SPF requests through src/spf on a real resolver
 *
 * Test driver for the RFC 7208 suite and for manual checks. Usage:
 *     spf_eval -n ip@port [-n ...] [-t timeout_ms] [-r receiver] [-s]
 * Reads requests from stdin, one per line, fields separated by TAB:
 *     client-ip <TAB> helo <TAB> mail-from [<TAB> helo|mailfrom]
 * and prints for each one line:
 *     result <TAB> explanation <TAB> reason <TAB> queries
 * With -s one resolver serves every line (shared cache); by default each
 * line gets a fresh resolver, so tests stay independent.
 * Exit status 2 on usage or resolver set-up errors.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dns.h"
#include "spf/spf.h"
#include "util/xmalloc.h"

#define MAX_NS 8
#define MAX_LINE 8192

/* split_tab - cut s at the next TAB; returns the rest or NULL */
static char *
split_tab(char *s)
{
	char *t = strchr(s, '\t');

	if (t == NULL)
		return NULL;
	*t = '\0';
	return t + 1;
}

/* clean - replace TAB/CR/LF in output fields */
static void
print_field(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

int
main(int argc, char **argv)
{
	char *ns[MAX_NS];
	struct dns_config cfg;
	struct dns_resolver *shared = NULL;
	const char *receiver = "receiver.test", *err = NULL;
	char line[MAX_LINE];
	bool share = false;
	int opt;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nameservers = ns;
	cfg.timeout_ms = 2000;
	while ((opt = getopt(argc, argv, "n:t:r:s")) != -1) {
		switch (opt) {
		case 'n':
			if (cfg.nameserver_count == MAX_NS)
				return 2;
			ns[cfg.nameserver_count++] = optarg;
			break;
		case 't':
			cfg.timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			receiver = optarg;
			break;
		case 's':
			share = true;
			break;
		default:
			fprintf(stderr, "usage: spf_eval -n ip@port [-t ms] [-r host] [-s]\n");
			return 2;
		}
	}
	if (share && (shared = dns_resolver_new(&cfg, &err)) == NULL) {
		fprintf(stderr, "spf_eval: %s\n", err);
		return 2;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct spf_request req;
		struct spf_result res;
		struct dns_resolver *r = shared;
		struct spf_checker *c;
		char *helo, *from, *id;

		line[strcspn(line, "\r\n")] = '\0';
		memset(&req, 0, sizeof(req));
		req.client_ip = line;
		helo = split_tab(line);
		from = helo != NULL ? split_tab(helo) : NULL;
		id = from != NULL ? split_tab(from) : NULL;
		req.helo = helo;
		req.mail_from = from != NULL ? from : "";
		req.identity = id != NULL && strcmp(id, "helo") == 0 ?
		    SPF_ID_HELO : SPF_ID_MAILFROM;
		if (r == NULL && (r = dns_resolver_new(&cfg, &err)) == NULL) {
			fprintf(stderr, "spf_eval: %s\n", err);
			return 2;
		}
		c = spf_checker_new(r, NULL, receiver);
		spf_check(c, &req, &res);
		printf("%s\t", spf_res_name(res.res));
		print_field(res.explanation);
		putchar('\t');
		print_field(res.reason);
		printf("\t%u\n", res.dns_queries);
		fflush(stdout);
		spf_result_deinit(&res);
		spf_checker_free(&c);
		if (r != shared)
			dns_resolver_free(&r);
	}
	dns_resolver_free(&shared);
	return 0;
}
