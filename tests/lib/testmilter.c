/*
 * testmilter.c - a scripted libmilter program for the test harness's own
 * self-tests (tests/lib/selftest_*.py). It is NOT part of authmilter.
 *
 * It lets the harness prove, without the authmilter daemon, that the milter
 * client, the daemon runner and the private Postfix instance handle every
 * reply a milter can give. Built on demand by tests/lib/daemon.py
 * (build_testmilter) with `cc testmilter.c -lmilter -pthread`.
 *
 * Command line: testmilter -c FILE -f   (the same shape as authmilter, so
 * daemon.Daemon can run it). FILE holds "Name value" lines; used names:
 *   Socket        libmilter socket spec (required)
 *   PidFile       written at start-up
 *   LeadingSpace  yes: negotiate SMFIP_HDR_LEADSPC
 *   NoReplyHeaders yes: negotiate SMFIP_NR_HDR
 *   MaxDataSize   N: smfi_setmaxdatasize(N) (largest packet accepted)
 *   (other names, e.g. AuthservID, are ignored)
 *
 * Behaviour per message:
 *   - MAIL FROM containing "reject-mail" is rejected (550 via setreply),
 *     "tempfail-mail" tempfailed; RCPT TO containing "reject-rcpt" rejected.
 *   - At end of message it inserts at index 0
 *       X-Test-Milter: client=<{client_addr}> name=<{client_name}>
 *         j=<j> i=<i> auth=<{auth_authen}> from=<..> rcpts=N headers=N
 *         body=N lead=<first header value's first byte as hex>
 *     then runs every "X-Test-Action:" header of the message in order:
 *       addheader NAME VALUE | insheader IDX NAME VALUE |
 *       chgheader IDX NAME [VALUE] (no value deletes) | quarantine REASON |
 *       progress | reply CODE XCODE TEXT | reject | tempfail | discard |
 *       accept
 *     The last verdict word wins; default is continue.
 *   - Logs one line per event to stderr.
 *
 * Ownership: one struct msgctx per connection (smfi_setpriv), freed at
 * close; all strings are bounded copies. Errors: bad command line or
 * config exits with status 2.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#define TM_MAX_ACTIONS 32
#define TM_MAX_LINE 1024

struct msgctx {
	char client[256];
	char from[256];
	int rcpts;
	int headers;
	unsigned long body;
	int lead;
	int leadspc;
	int nactions;
	char actions[TM_MAX_ACTIONS][TM_MAX_LINE];
};

static int opt_leadspc;
static int opt_nr_hdr;
static size_t opt_maxdata;

/* tm_log - one line to stderr */
static void tm_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("testmilter: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fflush(stderr);
}

/* tm_copy - bounded copy of a possibly NULL string */
static void tm_copy(char *dst, size_t size, const char *src)
{
	(void)snprintf(dst, size, "%s", src ? src : ""); /* truncation ok */
}

/* tm_macro - a macro value or "" */
static const char *tm_macro(SMFICTX *ctx, const char *name)
{
	const char *v = smfi_getsymval(ctx, (char *)name);

	return v ? v : "";
}

/* tm_ctx - this connection's context, created on first use */
static struct msgctx *tm_ctx(SMFICTX *ctx)
{
	struct msgctx *m = smfi_getpriv(ctx);

	if (m == NULL) {
		m = calloc(1, sizeof(*m));
		if (m == NULL)
			abort();
		smfi_setpriv(ctx, m);
	}
	return m;
}

/* tm_reset - forget the per-message state */
static void tm_reset(struct msgctx *m)
{
	m->from[0] = '\0';
	m->rcpts = 0;
	m->headers = 0;
	m->body = 0;
	m->lead = -1;
	m->nactions = 0;
}

/* tm_negotiate - request leading space / no header replies, macro lists */
static sfsistat tm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			     unsigned long f2, unsigned long f3,
			     unsigned long *pf0, unsigned long *pf1,
			     unsigned long *pf2, unsigned long *pf3)
{
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
		     SMFIF_SETSYMLIST);
	*pf1 = SMFIP_NOUNKNOWN;
	if (opt_leadspc && (f1 & SMFIP_HDR_LEADSPC)) {
		*pf1 |= SMFIP_HDR_LEADSPC;
		tm_ctx(ctx)->leadspc = 1;
	}
	if (opt_nr_hdr && (f1 & SMFIP_NR_HDR))
		*pf1 |= SMFIP_NR_HDR;
	*pf2 = 0;
	*pf3 = 0;
	(void)f2;
	(void)f3;
	if (f0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_CONNECT,
				"{client_addr} {client_name} j {daemon_name}");
		smfi_setsymlist(ctx, SMFIM_ENVFROM,
				"i {auth_authen} {mail_addr}");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	tm_log("negotiate actions=0x%lx protocol=0x%lx -> 0x%lx 0x%lx",
	       f0, f1, *pf0, *pf1);
	return SMFIS_CONTINUE;
}

/* tm_connect - remember the client address */
static sfsistat tm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct msgctx *m = tm_ctx(ctx);

	(void)sa;
	tm_copy(m->client, sizeof(m->client), tm_macro(ctx, "{client_addr}"));
	tm_reset(m);
	tm_log("connect host=%s addr=%s", host ? host : "", m->client);
	return SMFIS_CONTINUE;
}

/* tm_envfrom - MAIL FROM; scripted rejects */
static sfsistat tm_envfrom(SMFICTX *ctx, char **argv)
{
	struct msgctx *m = tm_ctx(ctx);

	tm_reset(m);
	tm_copy(m->from, sizeof(m->from), argv[0]);
	tm_log("mail from=%s auth=%s", m->from, tm_macro(ctx, "{auth_authen}"));
	if (strstr(m->from, "reject-mail")) {
		smfi_setreply(ctx, "550", "5.7.1", "testmilter rejects sender");
		return SMFIS_REJECT;
	}
	if (strstr(m->from, "tempfail-mail"))
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

/* tm_envrcpt - RCPT TO; scripted recipient reject */
static sfsistat tm_envrcpt(SMFICTX *ctx, char **argv)
{
	struct msgctx *m = tm_ctx(ctx);

	tm_log("rcpt to=%s", argv[0]);
	if (strstr(argv[0], "reject-rcpt"))
		return SMFIS_REJECT;
	m->rcpts++;
	return SMFIS_CONTINUE;
}

/* tm_header - count headers, collect X-Test-Action lines */
static sfsistat tm_header(SMFICTX *ctx, char *name, char *value)
{
	struct msgctx *m = tm_ctx(ctx);

	if (m->headers++ == 0)
		m->lead = (unsigned char)value[0];
	if (strcasecmp(name, "X-Test-Action") == 0 &&
	    m->nactions < TM_MAX_ACTIONS) {
		while (*value == ' ' || *value == '\t')
			value++;
		tm_copy(m->actions[m->nactions++], TM_MAX_LINE, value);
	}
	return opt_nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* tm_body - count body bytes */
static sfsistat tm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)chunk;
	tm_ctx(ctx)->body += len;
	return SMFIS_CONTINUE;
}

/* tm_action - run one X-Test-Action; returns a verdict or -1 */
static int tm_action(SMFICTX *ctx, char *line)
{
	char *word = strtok(line, " ");
	char *a1 = strtok(NULL, " ");
	char *a2 = strtok(NULL, " ");
	char *rest = strtok(NULL, "");

	if (word == NULL)
		return -1;
	if (strcmp(word, "addheader") == 0 && a1) {
		/* value is everything after the name */
		char value[TM_MAX_LINE];

		(void)snprintf(value, sizeof(value), "%s%s%s", a2 ? a2 : "",
			       rest ? " " : "", rest ? rest : "");
		smfi_addheader(ctx, a1, value);
	} else if (strcmp(word, "insheader") == 0 && a1 && a2) {
		smfi_insheader(ctx, atoi(a1), a2, rest ? rest : "");
	} else if (strcmp(word, "chgheader") == 0 && a1 && a2) {
		smfi_chgheader(ctx, a2, atoi(a1), rest);
	} else if (strcmp(word, "quarantine") == 0) {
		char reason[TM_MAX_LINE];

		(void)snprintf(reason, sizeof(reason), "%s%s%s%s%s",
			       a1 ? a1 : "test", a2 ? " " : "", a2 ? a2 : "",
			       rest ? " " : "", rest ? rest : "");
		smfi_quarantine(ctx, reason);
	} else if (strcmp(word, "progress") == 0) {
		smfi_progress(ctx);
	} else if (strcmp(word, "reply") == 0 && a1 && a2) {
		smfi_setreply(ctx, a1, a2, rest ? rest : "testmilter reply");
		return a1[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
	} else if (strcmp(word, "reject") == 0) {
		return SMFIS_REJECT;
	} else if (strcmp(word, "tempfail") == 0) {
		return SMFIS_TEMPFAIL;
	} else if (strcmp(word, "discard") == 0) {
		return SMFIS_DISCARD;
	} else if (strcmp(word, "accept") == 0) {
		return SMFIS_ACCEPT;
	} else {
		tm_log("unknown action %s", word);
	}
	return -1;
}

/* tm_eom - summary header, then the scripted actions */
static sfsistat tm_eom(SMFICTX *ctx)
{
	struct msgctx *m = tm_ctx(ctx);
	char summary[2048];
	int verdict = SMFIS_CONTINUE;
	int i;

	/* with SMFIP_HDR_LEADSPC the MTA adds no space after the colon */
	(void)snprintf(summary, sizeof(summary),
		       "%sclient=<%s> name=<%s> j=<%s> i=<%s> auth=<%s> from=<%s>"
		       " rcpts=%d headers=%d body=%lu lead=%02x",
		       m->leadspc ? " " : "", m->client,
		       tm_macro(ctx, "{client_name}"),
		       tm_macro(ctx, "j"), tm_macro(ctx, "i"),
		       tm_macro(ctx, "{auth_authen}"), m->from, m->rcpts,
		       m->headers, m->body, m->lead < 0 ? 0 : m->lead);
	smfi_insheader(ctx, 0, "X-Test-Milter", summary);
	for (i = 0; i < m->nactions; i++) {
		int v = tm_action(ctx, m->actions[i]);

		if (v >= 0)
			verdict = v;
	}
	tm_log("eom %s verdict=%d", summary, verdict);
	tm_reset(m);
	return verdict;
}

/* tm_abort - forget the message */
static sfsistat tm_abort(SMFICTX *ctx)
{
	tm_log("abort");
	tm_reset(tm_ctx(ctx));
	return SMFIS_CONTINUE;
}

/* tm_close - free the connection context */
static sfsistat tm_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static struct smfiDesc tm_desc = {
	"testmilter", SMFI_VERSION,
	SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
	tm_connect, NULL, tm_envfrom, tm_envrcpt, tm_header, NULL, tm_body,
	tm_eom, tm_abort, tm_close, NULL, NULL, tm_negotiate,
};

/* tm_config - read Socket, PidFile and flags; returns the socket spec */
static char *tm_config(const char *path, char *pidfile, size_t pidsize)
{
	FILE *f = fopen(path, "r");
	char line[TM_MAX_LINE];
	char *sock = NULL;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		char *name = strtok(line, " \t\r\n");
		char *value = strtok(NULL, "\r\n");

		if (name == NULL || name[0] == '#' || value == NULL)
			continue;
		while (isspace((unsigned char)*value))
			value++;
		if (strcasecmp(name, "Socket") == 0) {
			free(sock);
			sock = strdup(value);
		} else if (strcasecmp(name, "PidFile") == 0) {
			tm_copy(pidfile, pidsize, value);
		} else if (strcasecmp(name, "LeadingSpace") == 0) {
			opt_leadspc = strcasecmp(value, "yes") == 0;
		} else if (strcasecmp(name, "NoReplyHeaders") == 0) {
			opt_nr_hdr = strcasecmp(value, "yes") == 0;
		} else if (strcasecmp(name, "MaxDataSize") == 0) {
			opt_maxdata = strtoul(value, NULL, 10);
		}
	}
	fclose(f);
	if (sock == NULL) {
		fprintf(stderr, "%s: no Socket\n", path);
		exit(2);
	}
	return sock;
}

int main(int argc, char **argv)
{
	const char *conf = NULL;
	char pidfile[TM_MAX_LINE] = "";
	char *sock;
	int c;
	FILE *pf;

	while ((c = getopt(argc, argv, "c:f")) != -1) {
		if (c == 'c')
			conf = optarg;
		else if (c != 'f')
			return 2;
	}
	if (conf == NULL) {
		fprintf(stderr, "usage: testmilter -c FILE -f\n");
		return 2;
	}
	sock = tm_config(conf, pidfile, sizeof(pidfile));
	if (pidfile[0] && (pf = fopen(pidfile, "w")) != NULL) {
		fprintf(pf, "%ld\n", (long)getpid());
		fclose(pf);
	}
	if (opt_maxdata > 0)
		(void)smfi_setmaxdatasize(opt_maxdata);
	if (smfi_setconn(sock) != MI_SUCCESS ||
	    smfi_register(tm_desc) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "testmilter: cannot open %s\n", sock);
		return 2;
	}
	tm_log("listening on %s", sock);
	c = smfi_main();
	tm_log("stopped");
	free(sock);
	return c == MI_SUCCESS ? 0 : 1;
}
