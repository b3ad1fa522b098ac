/*
 * cmd_message.c - authcheck message: run the daemon's checks over a
 * message file
 *
 * The message goes through the very code the milter runs for a message:
 * a session (src/milter/session.c) and the check glue
 * (src/milter/checks.c, checks_dmarc.c) on the shared resolver, which
 * drive SPF (src/spf), DKIM verification and DMARC (src/core) and build
 * the Authentication-Results value (src/core/authres.c). Only the MTA is
 * missing: the client address, HELO name and envelope sender come from
 * --ip, --helo and --mail-from (else the Return-Path field). Without
 * --ip SPF is not run, as the daemon does for local submissions.
 * explain_message.c turns the results into the report.
 *
 * The settings are the daemon's defaults, or a config file's (--config),
 * so the result is what that daemon would add.
 */
#include "config.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authcheck/authcheck.h"
#include "authcheck/explain_message.h"
#include "authcheck/msgfile.h"
#include "conf/conf.h"
#include "conf/conf_live.h"
#include "conf/conf_options.h"
#include "core/mailaddr.h"
#include "milter/checks.h"
#include "milter/checks_dmarc.h"
#include "milter/session.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* The milter protocol carries body chunks of at most 64 KiB. */
#define BODY_CHUNK 65535

struct message_args {
	const char *file;
	const char *ip, *helo, *mail_from;
	const char *config, *authserv_id;
};

/* ip_ok - an IPv4 or IPv6 address in text form */
static bool
ip_ok(const char *ip)
{
	unsigned char bin[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, ip, bin) == 1 ||
	    inet_pton(AF_INET6, ip, bin) == 1;
}

/* parse_args - returns an exit code, or -1 to go on */
static int
parse_args(int argc, char **argv, struct message_args *a,
    struct ac_common *co)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'H' },
		{ "mail-from", required_argument, NULL, 'f' },
		{ "config", required_argument, NULL, 'c' },
		{ "authserv-id", required_argument, NULL, 'a' },
		AC_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:H:f:c:a:", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': a->ip = optarg; break;
		case 'H': a->helo = optarg; break;
		case 'f': a->mail_from = optarg; break;
		case 'c': a->config = optarg; break;
		case 'a': a->authserv_id = optarg; break;
		default:
			if (!ac_common_option(co, c, optarg))
				return ac_usage_error("message", "bad option");
		}
	}
	if (optind + 1 != argc)
		return ac_usage_error("message", "give exactly one message FILE");
	if (a->ip != NULL && !ip_ok(a->ip))
		return ac_usage_error("message", "--ip %s is not an IPv4 or IPv6 "
		    "address", a->ip);
	a->file = argv[optind];
	return -1;
}

/* load_conf - the config file, or the daemon's defaults */
static struct conf *
load_conf(const struct message_args *a)
{
	struct buf err = BUF_INIT;
	struct conf *c = NULL;

	if (a->authserv_id != NULL) {
		const char *why = conf_authserv_id_problem(a->authserv_id);

		if (why != NULL) {
			fprintf(stderr, "authcheck message: --authserv-id: %s\n", why);
			return NULL;
		}
	}
	/* with --authserv-id the host name is not looked up (a short name
	 * missing from /etc/hosts is a resolver query) nor checked (one
	 * AuthservID refuses failed the run) */
	if (!conf_load_authserv(a->config != NULL ? a->config : "/dev/null",
	    a->authserv_id, &c, &err)) {
		fprintf(stderr, "authcheck message: %s", buf_cstr(&err));
		buf_deinit(&err);
		return NULL;
	}
	buf_deinit(&err);
	return c;
}

/* envelope_from - --mail-from, else the Return-Path address, else the
 * null sender; angle brackets dropped as the milter does */
static char *
envelope_from(const struct message_args *a, const struct msgfile *m)
{
	const char *v = a->mail_from;
	size_t i, len;

	for (i = 0; v == NULL && i < m->count; i++)
		if (ascii_strcasecmp(m->fields[i].name, "Return-Path") == 0)
			v = m->fields[i].value;
	if (v == NULL)
		return xstrdup("");
	while (ascii_iswsp((unsigned char)*v))
		v++;
	if (*v == '<')
		v++;
	len = strcspn(v, ">\r\n");
	while (len > 0 && ascii_iswsp((unsigned char)v[len - 1]))
		len--;
	return xstrndup(v, len);
}

/* run_session - the milter callbacks' work, in their order */
static void
run_session(struct session *s, const struct msgfile *m, struct authres *ar,
    struct verdict *at_mail, struct verdict *at_end)
{
	const struct header *stored;
	struct header f;
	size_t i, off;

	checks_mail_from(s, at_mail);
	for (i = 0; i < m->count; i++) {
		/* kept as the milter keeps them, caps included: ARC reads
		 * the whole header and fails a capped one */
		headers_field_init(&f, m->fields[i].name,
		    (const unsigned char *)m->fields[i].value,
		    strlen(m->fields[i].value));
		stored = session_keep_field(s, &f);
		checks_field(s, &f, stored);
	}
	checks_eoh(s);
	for (off = 0; off < m->body.len; off += BODY_CHUNK) {
		size_t n = m->body.len - off < BODY_CHUNK ? m->body.len - off :
		    BODY_CHUNK;

		checks_body(s, m->body.data + off, n);
	}
	checks_eom(s, ar, at_end);
}

int
cmd_message(int argc, char **argv)
{
	struct message_args a;
	struct ac_common co;
	struct msgfile m;
	struct conf *c;
	struct dns_resolver *r = NULL;
	const char *psl_why = NULL;
	struct session *s;
	char *from;
	struct authres ar;
	struct verdict at_mail, at_end;
	struct report rep;
	const char *err = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&co, 0, sizeof(co));
	if ((rc = parse_args(argc, argv, &a, &co)) >= 0)
		return rc;
	if (msgfile_read(a.file, &m, &err) != 0) {
		fprintf(stderr, "authcheck message: %s: %s\n", a.file, err);
		return AC_EXIT_USAGE;
	}
	if ((c = load_conf(&a)) == NULL) {
		msgfile_free(&m);
		return AC_EXIT_USAGE;
	}
	if (co.timeout_ms == 0)
		co.timeout_ms = c->dns_timeout_ms;
	if ((r = ac_resolver(&co)) == NULL ||
	    !checks_dmarc_init(c->psl_file, &psl_why)) {
		if (r != NULL)
			fprintf(stderr, "authcheck message: cannot load the "
			    "Public Suffix List: %s\n", psl_why ? psl_why :
			    "none found");
		dns_resolver_free(&r);
		conf_unref(&c);
		msgfile_free(&m);
		return AC_EXIT_USAGE;
	}
	checks_set_resolver(r);
	conf_live_set(c);	/* takes our reference */

	s = session_new();
	session_set_client(s, NULL, a.ip != NULL ? a.ip : "local");
	if (a.helo != NULL)
		session_set_helo(s, a.helo);
	(void)session_message_start(s);	/* authcheck never stops messages */
	from = envelope_from(&a, &m);
	s->msg.mail_from = session_msg_strdup(s, from);	/* the message's copy */
	free(from);
	memset(&at_mail, 0, sizeof(at_mail));
	memset(&at_end, 0, sizeof(at_end));
	authres_init(&ar, s->msg.conf->authserv_id);
	run_session(s, &m, &ar, &at_mail, &at_end);

	report_init(&rep);
	explain_message(&rep, r, s, authres_finish(&ar), &at_mail, &at_end);
	rc = ac_finish(&rep, &co);
	report_deinit(&rep);

	authres_deinit(&ar);
	session_free(&s);
	checks_set_resolver(NULL);
	checks_dmarc_deinit();
	conf_live_clear();
	dns_resolver_free(&r);
	msgfile_free(&m);
	return rc;
}
