/*
 * milter.c - the libmilter callbacks.
 *
 * Thin glue: each callback copies what the MTA sent into the session
 * (session.c) and returns; end of message asks the core for results, turns
 * them into one Authentication-Results field and a verdict, applies them,
 * inserts our DKIM-Signature fields (signing.c) at the top, and logs one
 * line and counts the message (outcome.c). Negotiation asks only for the steps and macros we
 * use. Nothing here parses mail syntax itself.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmilter/mfapi.h>

#include "core/authres.h"
#include "core/headers.h"
#include "util/buf.h"
#include "log/log.h"
#include "milter/addr_text.h"
#include "milter/checks.h"
#include "policy/policy.h"
#include "spf/spf.h"
#include "milter/report_hook.h"
#include "milter/milter.h"
#include "milter/negotiate.h"
#include "milter/outcome.h"
#include "milter/reopen.h"
#include "milter/session.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "util/xtext.h"

#define AR_NAME "Authentication-Results"
#define DKIM_SIG_NAME "DKIM-Signature"
/* Largest milter packet we accept (libmilter's 1 MiB size class). */
#define MILTER_MAX_DATA ((1024 * 1024) - 1)
/* Added when the site maps quarantine to a header (DMARCQuarantineAction header). */
#define QUARANTINE_HEADER "X-Authmilter-Quarantine"

/* Macros we need at each stage (negotiate.h; libmilter wants char *). */
static char macros_envfrom[] = NEGOTIATE_MACROS_ENVFROM;
static char macros_eoh[] = NEGOTIATE_MACROS_EOH;
static char macros_eom[] = NEGOTIATE_MACROS_EOM;

/* sockaddr_to_text - printable client address (addr_text.c writes what
 * inet_ntop would, without its sprintf calls), or "local" */
static void
sockaddr_to_text(const struct sockaddr *sa, char out[ADDR_TEXT_MAX])
{
	if (sa != NULL && sa->sa_family == AF_INET)
		(void)addr_text_ipv4((const unsigned char *)&((const struct
		    sockaddr_in *)(const void *)sa)->sin_addr, out);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		(void)addr_text_ipv6(((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr.s6_addr, out);
	else
		memcpy(out, "local", sizeof("local"));
}

/* strip_angle - "<a@b>" -> "a@b"; "<>" -> ""; copied into the message */
static char *
strip_angle(struct session *ss, const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
		return session_msg_strndup(ss, s + 1, n - 2);
	return session_msg_strndup(ss, s, n);
}

/* go_on - "continue" for a step, said the way the MTA agreed to. With
 * no session (QUIT_NC without a new CONNECT, or its options lost) the
 * steps we always ask no reply for: libmilter offers every SMFIP_NR_*
 * step to each milter, faking the continue for an MTA that cannot skip
 * it, and complains in syslog of a reply to a no-reply step */
static sfsistat
go_on(const struct session *s, unsigned long nr_step)
{
	unsigned long noreply = s != NULL ? s->noreply : NEGOTIATE_NOREPLY_STEPS;

	return (noreply & nr_step) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* apply_verdict - tell libmilter what policy decided */
static sfsistat
apply_verdict(SMFICTX *ctx, const struct verdict *v)
{
	char text[sizeof(v->text) * 2];
	size_t i, n = 0;

	switch (v->kind) {
	case VERDICT_ACCEPT:
	case VERDICT_QUARANTINE_HEADER:
		return SMFIS_CONTINUE;
	case VERDICT_QUARANTINE:
		if (smfi_quarantine(ctx, (char *)(uintptr_t)v->text) != MI_SUCCESS)
			log_error("smfi_quarantine failed");
		return SMFIS_CONTINUE;
	case VERDICT_REJECT:
	case VERDICT_TEMPFAIL:
		break;
	}
	/* libmilter treats "%" as a format character; keep the text one line */
	for (i = 0; v->text[i] != '\0' && n + 2 < sizeof(text); i++) {
		char c = v->text[i];

		if (c == '%')
			text[n++] = '%';
		text[n++] = (c == '\r' || c == '\n') ? ' ' : c;
	}
	text[n] = '\0';
	(void)smfi_setreply(ctx, (char *)(uintptr_t)v->rcode,
	    (char *)(uintptr_t)v->xcode, text);
	return v->kind == VERDICT_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct session *s;

	(void)f2;
	(void)f3;
	if (!negotiate_flags(f0, f1, pf0, pf1, pf2, pf3)) {
		log_error("MTA does not offer the actions we need (0x%lx of 0x%lx)",
		    f0 & NEGOTIATE_ACTIONS, (unsigned long)NEGOTIATE_ACTIONS);
		return SMFIS_REJECT;
	}
	/* The session starts here so it knows how header values look. */
	if ((s = session_new()) == NULL)
		return SMFIS_REJECT;	/* the daemon is stopping */
	s->leadspc = (f1 & SMFIP_HDR_LEADSPC) != 0;
	s->noreply = f1 & NEGOTIATE_NOREPLY_STEPS;
	if (smfi_setpriv(ctx, s) != MI_SUCCESS) {
		session_free(&s);
		return SMFIS_REJECT;
	}
	(void)smfi_setsymlist(ctx, SMFIM_ENVFROM, macros_envfrom);
	(void)smfi_setsymlist(ctx, SMFIM_EOH, macros_eoh);
	(void)smfi_setsymlist(ctx, SMFIM_EOM, macros_eom);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct session *s = smfi_getpriv(ctx);
	char addr[ADDR_TEXT_MAX], shown[ADDR_TEXT_MAX];

	sockaddr_to_text(hostaddr, addr);
	if (s == NULL) {
		/* After SMFIC_QUIT_NC: a new SMTP session on this connection,
		 * with what was negotiated for it (libmilter does not
		 * negotiate again; reopen.h). */
		bool leadspc;
		unsigned long noreply;

		/* its log lines write the client as every other line does */
		session_addr_shown(addr, shown, sizeof(shown));

		/* without a session MAIL FROM tempfails: the MTA never sees
		 * a reply to CONNECT (go_on) */
		if (!reopen_recall(ctx, &leadspc, &noreply)) {
			log_error("connection from %s after QUIT_NC: this milter "
			    "connection's negotiated options are no longer known; "
			    "tempfail", shown);
			return go_on(NULL, SMFIP_NR_CONN);
		}
		if ((s = session_new()) == NULL)
			return go_on(NULL, SMFIP_NR_CONN);	/* stopping */
		if (smfi_setpriv(ctx, s) != MI_SUCCESS) {
			session_free(&s);
			log_error("cannot attach session state; connection from %s",
			    shown);
			return go_on(NULL, SMFIP_NR_CONN);
		}
		s->leadspc = leadspc;
		s->noreply = noreply;
	}
	session_set_client(s, hostname, addr);
	s->client_on_host = strcmp(addr, "local") == 0;
	return go_on(s, SMFIP_NR_CONN);
}

static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	struct session *s = smfi_getpriv(ctx);

	if (s != NULL)
		session_set_helo(s, helo);
	return go_on(s, SMFIP_NR_HELO);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct session *s = smfi_getpriv(ctx);
	const char *auth, *qid, *envid;
	struct verdict v;
	sfsistat rc;

	if (s == NULL)
		return SMFIS_TEMPFAIL;
	if (!session_message_start(s)) {
		/* the daemon is stopping: the MTA tries again later, when a
		 * new daemon checks the message (never unchecked) */
		outcome_stopping(s, smfi_getsymval(ctx, "i"), argv[0]);
		(void)smfi_setreply(ctx, (char *)(uintptr_t)"451",
		    (char *)(uintptr_t)"4.3.2",
		    (char *)(uintptr_t)"Mail filter restarting; try again later");
		return SMFIS_TEMPFAIL;
	}
	if (s->msg.conf == NULL) {
		session_message_end(s);
		return SMFIS_TEMPFAIL;
	}
	s->msg.mail_from = strip_angle(s, argv[0] != NULL ? argv[0] : "");
	auth = smfi_getsymval(ctx, "{auth_authen}");
	if (auth != NULL && *auth != '\0')
		s->msg.auth_user = session_msg_strdup(s, auth);
	qid = smfi_getsymval(ctx, "i");
	if (qid != NULL && *qid != '\0')
		s->msg.queue_id = session_msg_strdup(s, qid);
	/* argv[1..]: the ESMTP parameters, as Postfix and Sendmail pass
	 * them; ENVID serves failure reports only */
	if (s->msg.conf->failure_reports && argv[0] != NULL &&
	    (envid = xtext_esmtp_param(argv + 1, "ENVID")) != NULL)
		s->msg.envid = session_msg_strdup(s, envid);
	checks_mail_from(s, &v);
	/* A refusal or an accept here ends the message for us: libmilter
	 * goes back to its HELO state and drops the MTA's ABORT for it, so
	 * no callback would end it before the next MAIL FROM or the close,
	 * and an idle connection would hold a stop for ShutdownTimeout. */
	if (v.kind == VERDICT_REJECT || v.kind == VERDICT_TEMPFAIL) {
		outcome_report(s, &v, METRICS_STAGE_MAIL_FROM);
		rc = apply_verdict(ctx, &v);
		session_message_end(s);
		return rc;
	}
	if (s->msg.checks.peer) {
		/* PeerHosts: the MTA skips us for the rest of this message */
		outcome_report(s, &v, METRICS_STAGE_MAIL_FROM);
		session_message_end(s);
		return SMFIS_ACCEPT;
	}
	return SMFIS_CONTINUE;
}

/* note_forged_ar - remember an A-R field to delete, by its index */
static void
note_forged_ar(struct message *m, unsigned index)
{
	if (m->forged_ar_count == m->forged_ar_cap) {
		m->forged_ar_cap = m->forged_ar_cap ? m->forged_ar_cap * 2 : 4;
		m->forged_ar = xreallocarray(m->forged_ar, m->forged_ar_cap,
		    sizeof(*m->forged_ar));
	}
	m->forged_ar[m->forged_ar_count++] = index;
}

/* restore_leadspc - the value as the message has it, from an MTA that
 * did not grant SMFIP_HDR_LEADSPC: Postfix and Sendmail then drop one
 * SP after the colon, and simple header canonicalization (verifying and
 * signing) needs it back. "Name:value" and "Name: value" arrive alike;
 * the space is by far the usual form (RFC 5322 3.6 writes it), so a
 * value that starts with neither TAB nor a line break gets one. Said
 * once per process. */
static const char *
restore_leadspc(struct buf *b, const char *value)
{
	static atomic_bool said;

	if (!atomic_exchange(&said, true))
		log_warn("the MTA does not keep the space after a header "
		    "field's colon (no SMFIP_HDR_LEADSPC); one is assumed, "
		    "for DKIM's simple header canonicalization, and our "
		    "signatures use relaxed header canonicalization");
	if (*value == '\0' || *value == '\t' || *value == '\r' ||
	    *value == '\n')
		return value;
	buf_append_byte(b, ' ');
	buf_append_str(b, value);
	return buf_cstr(b);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct session *s = smfi_getpriv(ctx);
	struct message *m;
	const struct header *stored;
	struct header f;
	struct buf spaced = BUF_INIT;
	size_t len;

	if (s == NULL || !s->in_message)
		return go_on(s, SMFIP_NR_HDR);
	m = &s->msg;
	if (!s->leadspc)
		value = (char *)(uintptr_t)restore_leadspc(&spaced, value);
	len = strlen(value);
	/* lengths and kind once, for every check below */
	headers_field_init(&f, name, (const unsigned char *)value, len);
	/* Forgeries are found in every field, kept or not (RFC 8601 5). */
	if (f.kind == HEADER_AUTH_RESULTS) {
		m->ar_seen++;
		if (authres_is_ours((const unsigned char *)value, len,
		    m->conf->authserv_id))
			note_forged_ar(m, m->ar_seen);
	}
	stored = session_keep_field(s, &f);
	checks_field(s, &f, stored);
	buf_deinit(&spaced);
	return go_on(s, SMFIP_NR_HDR);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);
	const char *qid;

	if (s != NULL && s->in_message && s->msg.queue_id == NULL &&
	    (qid = smfi_getsymval(ctx, "i")) != NULL && *qid != '\0')
		s->msg.queue_id = session_msg_strdup(s, qid);
	if (s != NULL && s->in_message) {
		checks_eoh(s);
		signing_eoh(s);
		sealing_eoh(s);
	}
	return go_on(s, SMFIP_NR_EOH);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct session *s = smfi_getpriv(ctx);

	if (s != NULL && s->in_message) {
		s->msg.body_bytes += len;
		checks_body(s, chunk, len);
		signing_body(s, chunk, len);
		sealing_body(s, chunk, len);
	}
	return go_on(s, SMFIP_NR_BODY);
}

/* delete_forged_ar - remove incoming A-R fields that claim to be ours.
 * Highest index first, so earlier indices stay valid whichever way the
 * MTA renumbers after a deletion. */
static bool
delete_forged_ar(SMFICTX *ctx, const struct message *m)
{
	size_t i;

	for (i = m->forged_ar_count; i > 0; i--) {
		if (smfi_chgheader(ctx, AR_NAME, (int)m->forged_ar[i - 1], NULL) != MI_SUCCESS)
			return false;
	}
	return true;
}

/* add_field - insert a header at the top, honouring HDR_LEADSPC */
static bool
add_field(SMFICTX *ctx, const struct session *s, const char *name,
    const char *value)
{
	struct buf field = BUF_INIT;
	bool ok;

	/* With SMFIP_HDR_LEADSPC the MTA writes our value right after the
	 * colon, so it must carry its own leading space. */
	if (s->leadspc)
		buf_append_byte(&field, ' ');
	buf_append_str(&field, value);
	ok = smfi_insheader(ctx, 0, (char *)(uintptr_t)name,
	    (char *)(uintptr_t)buf_cstr(&field)) == MI_SUCCESS;
	buf_deinit(&field);
	return ok;
}

/* add_signatures - sign and insert each DKIM-Signature at the top (the
 * last header change, so the signatures sit above every added field) */
static bool
add_signatures(SMFICTX *ctx, struct session *s)
{
	struct buf fields[SIGN_MAX_SIGNATURES];
	size_t i, n;
	bool ok = true;

	for (i = 0; i < SIGN_MAX_SIGNATURES; i++)
		buf_init(&fields[i]);
	n = signing_eom(s, fields, SIGN_MAX_SIGNATURES);
	for (i = 0; i < n && ok; i++)
		ok = add_field(ctx, s, DKIM_SIG_NAME, buf_cstr(&fields[i]));
	for (i = 0; i < SIGN_MAX_SIGNATURES; i++)
		buf_deinit(&fields[i]);
	return ok;
}

/* add_arc_set - seal: insert our ARC set at the top, AAR first so the
 * ARC-Seal ends up above its AMS and AAR (sealing.c) */
static bool
add_arc_set(SMFICTX *ctx, struct session *s, const char *authres,
    const struct verdict *v)
{
	static const char *const names[SEALING_FIELDS] = {
		"ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal"
	};
	struct buf fields[SEALING_FIELDS];
	size_t i, n;
	bool ok = true;

	for (i = 0; i < SEALING_FIELDS; i++)
		buf_init(&fields[i]);
	n = sealing_eom(s, authres, v->kind != VERDICT_REJECT &&
	    v->kind != VERDICT_TEMPFAIL, fields);
	for (i = 0; i < n && ok; i++)
		ok = add_field(ctx, s, names[i], buf_cstr(&fields[i]));
	for (i = 0; i < SEALING_FIELDS; i++)
		buf_deinit(&fields[i]);
	return ok;
}

/* received_spf - the optional Received-SPF field (RFC 7208 9.1) */
static bool
received_spf(SMFICTX *ctx, const struct session *s)
{
	const struct message *m = &s->msg;
	struct spf_request req;
	char *value;
	bool ok;

	if (!m->conf->received_spf_header || !m->checks.spf_mailfrom_done)
		return true;
	memset(&req, 0, sizeof(req));
	req.client_ip = s->client_addr;
	req.helo = s->helo;
	req.mail_from = m->mail_from;
	value = spf_received_spf(&req, &m->checks.spf_mailfrom, m->conf->authserv_id);
	ok = add_field(ctx, s, "Received-SPF", value);
	free(value);
	return ok;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);
	struct message *m;
	struct authres ar;
	struct verdict v;
	const char *qid;
	sfsistat rc;

	if (s == NULL || !s->in_message)
		return SMFIS_CONTINUE;
	m = &s->msg;
	if (m->queue_id == NULL && (qid = smfi_getsymval(ctx, "i")) != NULL &&
	    *qid != '\0')
		m->queue_id = session_msg_strdup(s, qid);

	authres_init(&ar, m->conf->authserv_id);
	checks_eom(s, &ar, &v);
	if (!delete_forged_ar(ctx, m) || !received_spf(ctx, s) ||
	    !add_field(ctx, s, AR_NAME, authres_finish(&ar)) ||
	    !add_arc_set(ctx, s, authres_finish(&ar), &v) ||
	    !add_signatures(ctx, s)) {
		log_error("%s: cannot modify headers; tempfail",
		    m->queue_id ? m->queue_id : "NOQUEUE");
		v.kind = VERDICT_TEMPFAIL;
		v.rcode = "451";
		v.xcode = "4.3.0";
		(void)snprintf(v.text, sizeof(v.text), "Temporary local problem");
		v.why = "header-change-failed";
	}
	if (v.kind == VERDICT_QUARANTINE_HEADER &&
	    !add_field(ctx, s, QUARANTINE_HEADER, v.text))
		log_error("%s: cannot add %s", m->queue_id ? m->queue_id : "NOQUEUE",
		    QUARANTINE_HEADER);
	outcome_report(s, &v, METRICS_STAGE_EOM);
	report_hook_eom(s, &v);
	rc = apply_verdict(ctx, &v);
	authres_deinit(&ar);
	session_message_end(s);
	return rc;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);

	if (s != NULL)
		session_message_end(s);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);

	/* the end of the connection, or QUIT_NC with a new session to come:
	 * the session goes, its negotiated options stay (reopen.h) */
	if (s != NULL) {
		reopen_remember(ctx, s->leadspc, s->noreply);
		(void)smfi_setpriv(ctx, NULL);
		session_free(&s);
	}
	return SMFIS_CONTINUE;
}

bool
milter_register(void)
{
	static struct smfiDesc desc = {
		.xxfi_name = PACKAGE_NAME,
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = NEGOTIATE_ACTIONS,
		.xxfi_connect = cb_connect,
		.xxfi_helo = cb_helo,
		.xxfi_envfrom = cb_envfrom,
		.xxfi_header = cb_header,
		.xxfi_eoh = cb_eoh,
		.xxfi_body = cb_body,
		.xxfi_eom = cb_eom,
		.xxfi_abort = cb_abort,
		.xxfi_close = cb_close,
		.xxfi_negotiate = cb_negotiate,
	};

	if (smfi_register(desc) != MI_SUCCESS) {
		log_error("smfi_register failed");
		return false;
	}
	/* libmilter drops the whole connection when one packet (a header
	 * field) exceeds 64 KiB, leaving the MTA to its default action; take
	 * up to 1 MiB and judge big input with our own caps instead. */
	(void)smfi_setmaxdatasize(MILTER_MAX_DATA);	/* returns the old limit */
	return true;
}
