/*
 * nullmilter.c - a libmilter milter that does nothing, for the floor
 * measurement of benchmarks: protocol plus libmilter cost, no checks.
 *
 * It negotiates like a real verifying milter (it asks to add headers and
 * to see every event, with replies, so it sees every header and every body
 * chunk), touches each byte it is given, and accepts every message at
 * end-of-message. It adds no header, so a chain with it is unchanged.
 *
 * usage: nullmilter -s SOCKET [-T SECONDS]
 *   SOCKET as libmilter takes it: inet:PORT@HOST, unix:PATH.
 * Exported: nothing (a program). Ownership: per-connection state is one
 * counter struct, freed at close. Errors: start-up failures exit 1.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

/* Per-connection counters: what a real milter would keep per message. */
struct null_ctx {
	unsigned long headers;
	unsigned long body_bytes;
	unsigned long sum;
};

/* null_get - the connection's counters */
static struct null_ctx *
null_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* null_connect - allocate the per-connection counters */
static sfsistat
null_connect(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	struct null_ctx *n = calloc(1, sizeof(*n));

	(void)host;
	(void)sa;
	if (n == NULL)
		return SMFIS_TEMPFAIL;
	smfi_setpriv(ctx, n);
	return SMFIS_CONTINUE;
}

/* null_envfrom - start a message */
static sfsistat
null_envfrom(SMFICTX *ctx, char **argv)
{
	struct null_ctx *n = null_get(ctx);

	(void)argv;
	if (n != NULL)
		n->headers = n->body_bytes = n->sum = 0;
	return SMFIS_CONTINUE;
}

/* null_header - count one header field */
static sfsistat
null_header(SMFICTX *ctx, char *name, char *value)
{
	struct null_ctx *n = null_get(ctx);

	if (n != NULL) {
		n->headers++;
		n->sum += strlen(name) + strlen(value);
	}
	return SMFIS_CONTINUE;
}

/* null_body - read every byte of one body chunk */
static sfsistat
null_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
	struct null_ctx *n = null_get(ctx);
	size_t i;

	if (n != NULL) {
		n->body_bytes += len;
		for (i = 0; i < len; i++)
			n->sum += p[i];
	}
	return SMFIS_CONTINUE;
}

/* null_eom - accept the message */
static sfsistat
null_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

/* null_close - free the counters */
static sfsistat
null_close(SMFICTX *ctx)
{
	free(null_get(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

/* main - options, register with libmilter, serve until stopped */
int
main(int argc, char **argv)
{
	struct smfiDesc desc;
	const char *sock = NULL;
	int c, timeout = 30;

	while ((c = getopt(argc, argv, "s:T:")) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'T': timeout = atoi(optarg); break;
		default: sock = NULL; optind = argc; break;
		}
	}
	if (sock == NULL) {
		fprintf(stderr, "usage: nullmilter -s SOCKET [-T SECONDS]\n");
		return 1;
	}
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = (char *)"nullmilter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = SMFIF_ADDHDRS;
	desc.xxfi_connect = null_connect;
	desc.xxfi_envfrom = null_envfrom;
	desc.xxfi_header = null_header;
	desc.xxfi_body = null_body;
	desc.xxfi_eom = null_eom;
	desc.xxfi_close = null_close;
	if (smfi_setconn((char *)sock) == MI_FAILURE || smfi_settimeout(timeout) == MI_FAILURE ||
	    smfi_register(desc) == MI_FAILURE) {
		fprintf(stderr, "nullmilter: cannot set up %s\n", sock);
		return 1;
	}
	if (smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "nullmilter: cannot open %s\n", sock);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
