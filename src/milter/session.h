/* session.h - per-connection and per-message state of the milter */
#ifndef AUTHMILTER_SESSION_H
#define AUTHMILTER_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "core/headers.h"
#include "milter/checks.h"
#include "milter/sealing.h"
#include "milter/signing.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cidr.h"

/*
 * One message (MAIL FROM to end of message or abort, or MAIL FROM alone
 * when it is refused or accepted there). Reset at each MAIL
 * FROM and on abort, so nothing leaks from one message into the next on a
 * persistent connection. The fields come in three groups, by how the
 * reset clears them (session_message_end).
 */
struct message {
	/* Group 1: zeroed by the reset (every field before `arena`). */
	struct conf *conf;		/* the config this message started with */
	struct timespec started;
	char *queue_id;			/* {i}, when the MTA gave it (in arena) */
	char *mail_from;		/* envelope sender without <>; "" for
					 * null (in arena) */
	char *auth_user;		/* {auth_authen}: SMTP AUTH user, or
					 * NULL (in arena) */
	char *envid;			/* MAIL FROM's ENVID= as the client
					 * wrote it (xtext), kept only with
					 * FailureReports (they give it
					 * back), else NULL (in arena) */
	bool headers_capped;		/* some fields were not kept */
	unsigned ar_seen;		/* A-R fields so far (their index) */
	/* index of each A-R field carrying our authserv-id: every one is
	 * deleted, however many (grows with the message, bounded by the
	 * MTA's header limits; freed by the reset) */
	unsigned *forged_ar;
	size_t forged_ar_count, forged_ar_cap;
	uint64_t body_bytes;
	/* Group 2: storage emptied by the reset but kept for the
	 * connection's next message. */
	struct arena arena;		/* strings of this message, header fields */
	struct headers headers;		/* kept up to MaxHeaders/MaxHeaderBytes */
	/* Group 3: each emptied (to all zero) by its own reset function. */
	struct checks checks;		/* SPF and DKIM state and results */
	struct signing signing;		/* DKIM signing state */
	struct sealing sealing;		/* ARC sealing state */
};

/* One SMTP connection, from connect to close. */
struct session {
	char client_addr[64];		/* canonical IP text (RFC 5952;
					 * IPv4-mapped as IPv4), or "local" */
	struct cidr client_ip;		/* client_addr parsed once for the
					 * InternalHosts match; family 0 for
					 * "local" */
	bool client_on_host;		/* the MTA gave no IP address: a
					 * program or a unix-socket client on
					 * this host (set by milter.c only;
					 * authcheck's "local" is not) */
	char *client_name;		/* host name the MTA resolved (in
					 * client_name_buf) */
	char *helo;			/* NULL, or in helo_buf */
	/* storage of client_name and helo, kept (emptied) with a pooled
	 * session so a connection does not allocate them again */
	struct buf client_name_buf, helo_buf;
	/* outcome_report's text (the DKIM lists, the log line), kept for
	 * the next message and with a pooled session */
	struct buf report_lists, report_line;
	bool leadspc;			/* header values keep their leading space */
	unsigned long noreply;		/* SMFIP_NR_* steps the MTA will not
					 * wait for a reply to */
	bool in_message;
	bool msg_dirty;			/* msg holds state since the last clear */
	struct message msg;
};

/* session_new - a new session; NULL once session_close_gate was called */
struct session *session_new(void);
/* session_set_client - record who connected */
void session_set_client(struct session *s, const char *client_name,
    const char *client_addr);
/* session_addr_shown - client_addr as session_set_client writes it (an
 * IPv4-mapped address as the IPv4 address), into out of n bytes, for a
 * log line written before there is a session */
void session_addr_shown(const char *client_addr, char *out, size_t n);
/* session_free - end the session and drop any message in it; its storage
 * is kept for a later session_new, or freed; NULLs *sp */
void session_free(struct session **sp);
/* session_message_start - begin a message under the live config; false
 * (no message begun) once session_stop_messages was called */
bool session_message_start(struct session *s);
/* session_message_end - drop all per-message state (end or abort) */
void session_message_end(struct session *s);
/* session_report_done - empty the report buffers after a report,
 * keeping their storage unless a hostile message made it large */
void session_report_done(struct session *s);
/* session_msg_strdup / session_msg_strndup - a copy of s / p[0..len)
 * that lives until the current message ends */
char *session_msg_strdup(struct session *s, const char *str);
char *session_msg_strndup(struct session *s, const char *p, size_t len);
/* session_keep_field - store the field f (headers_field_init) in the
 * message unless it goes over MaxHeaders, MaxHeaderBytes or
 * MaxHeaderFieldBytes, which marks the header capped; returns the stored
 * copy or NULL. The milter and authcheck both keep fields through it, so
 * they agree on what ARC, signing and sealing see. */
const struct header *session_keep_field(struct session *s,
    const struct header *f);
/* session_set_helo - remember the HELO/EHLO argument (latest wins), a
 * valid IDNA2008 name in U-labels as its A-labels; helo is not NULL */
void session_set_helo(struct session *s, const char *helo);
/* session_elapsed_ms - milliseconds since the message started */
unsigned long session_elapsed_ms(const struct session *s);
/* session_active - connections open right now (for graceful shutdown) */
unsigned session_active(void);
/* session_close_gate - from now on session_new refuses (daemon stop)
 * and session_free frees; frees the kept storage; returns the sessions
 * open at that moment */
unsigned session_close_gate(void);
/* session_stop_messages - from now on session_message_start refuses
 * (daemon stop); returns the messages in flight at that moment */
unsigned session_stop_messages(void);
/* session_messages_stopped - session_stop_messages was called: new
 * messages are tempfailed (GET /healthz says so) */
bool session_messages_stopped(void);
/* session_in_flight - messages in flight right now (MAIL FROM to end of
 * message, abort or close) */
unsigned session_in_flight(void);
/* session_messages - messages started since the daemon started */
unsigned long session_messages(void);

#endif
