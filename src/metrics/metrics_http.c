/*
 * metrics_http.c - the HTTP endpoint of MetricsSocket, on libmicrohttpd.
 *
 * Exported: metrics_server_start, metrics_server_log_dropped,
 * metrics_server_free.
 *
 *   GET /metrics  200, every metric (metrics.c) in the Prometheus text
 *                 format 0.0.4
 *   GET /healthz  200 "ok" while the milter socket accepts connections
 *                 (one connection to the Socket the daemon opened is made
 *                 within 200 ms); 503 otherwise: once a stop began (new
 *                 messages are tempfailed while those in flight finish)
 *                 or the socket is closed
 *   other paths   404; methods other than GET and HEAD 405, with Allow
 *
 * libmicrohttpd runs one internal polling thread (poll()); a scrape renders into a
 * heap buffer handed to the response, so the message path never waits on
 * HTTP. Connections are capped (METRICS_MAX_CONNECTIONS) and time out
 * (METRICS_CONN_TIMEOUT_S), so a flood of scrapers costs one thread and
 * bounded memory.
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <microhttpd.h>

#include "conf/conf.h"
#include "log/log.h"
#include "metrics/metrics.h"
#include "metrics/metrics_addr.h"
#include "metrics/metrics_http.h"
#include "milter/milter_stop.h"
#include "milter/session.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#define METRICS_MAX_CONNECTIONS 32
#define METRICS_CONN_TIMEOUT_S 10
#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define CONTENT_TYPE_TEXT "text/plain; charset=utf-8"

struct metrics_server {
	struct MHD_Daemon *daemon;
	char *milter_socket;		/* the Socket to probe for /healthz */
};

/* libmicrohttpd says something for every connection over the limit: a
 * flood from anyone who can reach MetricsSocket would flood the log.
 * At most this many of its messages a minute are logged; the rest are
 * counted, and the count is logged with the next one let through, or at
 * the stop. */
#define MHD_LOG_BURST 5
#define MHD_LOG_WINDOW_S 60

static pthread_mutex_t mhd_log_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t mhd_log_window;		/* under mhd_log_lock */
static unsigned mhd_log_count, mhd_log_dropped;

/* mhd_log_flush - log how many were not (under mhd_log_lock) */
static void
mhd_log_flush(void)
{
	if (mhd_log_dropped > 0)
		log_warn("metrics: %u more libmicrohttpd message(s) not logged "
		    "(at most %d a minute)", mhd_log_dropped, MHD_LOG_BURST);
	mhd_log_dropped = 0;
}

/* mhd_log - libmicrohttpd's error messages, into our log, rate-limited */
static void mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	time_t now = time(NULL);
	bool say;

	(void)cls;
	(void)pthread_mutex_lock(&mhd_log_lock);
	if (now - mhd_log_window >= MHD_LOG_WINDOW_S || now < mhd_log_window) {
		mhd_log_flush();
		mhd_log_window = now;
		mhd_log_count = 0;
	}
	say = mhd_log_count < MHD_LOG_BURST;
	if (say)
		mhd_log_count++;
	else
		mhd_log_dropped++;
	(void)pthread_mutex_unlock(&mhd_log_lock);
	if (!say)
		return;
	buf_vprintf(&b, fmt, ap);
	while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		buf_truncate(&b, b.len - 1);
	log_warn("metrics: %s", buf_cstr(&b));
	buf_deinit(&b);
}

/* respond - queue one response; body is copied when copy, else taken */
static enum MHD_Result
respond(struct MHD_Connection *conn, unsigned status, const char *type,
    char *body, size_t len, bool copy)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body,
	    copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		if (!copy)
			free(body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	/* a 405 must say which methods are (RFC 9110 15.5.6) */
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
		    "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* respond_text - a short fixed text answer */
static enum MHD_Result
respond_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return respond(conn, status, CONTENT_TYPE_TEXT, (char *)(uintptr_t)text,
	    strlen(text), true);
}

/* handle - libmicrohttpd's access handler: route one request */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct metrics_server *ms = cls;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed\n");
	if (strcmp(url, "/metrics") == 0) {
		struct buf b = BUF_INIT;
		size_t len;

		metrics_render(&b, session_active());
		len = b.len;
		return respond(conn, MHD_HTTP_OK, CONTENT_TYPE_METRICS,
		    buf_steal(&b), len, false);
	}
	if (strcmp(url, "/healthz") == 0) {
		/* during the stop's wait the socket still accepts, but every
		 * MAIL FROM gets 451: not healthy for whoever routes mail */
		if (session_messages_stopped())
			return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "stopping: new messages are tempfailed\n");
		if (milter_socket_accepts(ms->milter_socket))
			return respond_text(conn, MHD_HTTP_OK, "ok\n");
		return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "milter socket not accepting connections\n");
	}
	return respond_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

struct metrics_server *
metrics_server_start(const struct conf *c)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct metrics_server *ms;
	const char *why;
	sigset_t set, old;
	/* poll(), not libmicrohttpd's default select(): a busy daemon whose
	 * LimitNOFILE was raised has descriptors of FD_SETSIZE (1024) and up,
	 * and select() cannot watch those; each scrape was closed at once */
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;

	metrics_config_started();
	if (c->metrics_socket == NULL)
		return NULL;
	why = metrics_addr_parse(c->metrics_socket, strlen(c->metrics_socket),
	    &ss, &sslen);
	if (why != NULL)	/* the config checker refused it already */
		log_fatal("%s: MetricsSocket %s: %s", c->file, c->metrics_socket, why);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	ms = xcalloc(1, sizeof(*ms));
	ms->milter_socket = xstrdup(c->socket);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	(void)pthread_sigmask(SIG_BLOCK, &set, &old);
	/* the logger first, so libmicrohttpd never writes to stderr itself */
	ms->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, ms,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_CONN_TIMEOUT_S,
	    MHD_OPTION_END);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ms->daemon == NULL)
		log_fatal("cannot serve metrics on MetricsSocket %s (in use, or "
		    "no permission?)", c->metrics_socket);
	log_info("metrics on %s (GET /metrics, /healthz)", c->metrics_socket);
	return ms;
}

void
metrics_server_log_dropped(void)
{
	(void)pthread_mutex_lock(&mhd_log_lock);
	mhd_log_flush();
	(void)pthread_mutex_unlock(&mhd_log_lock);
}

void
metrics_server_free(struct metrics_server **sp)
{
	struct metrics_server *ms = *sp;

	if (ms != NULL) {
		*sp = NULL;
		MHD_stop_daemon(ms->daemon);
		metrics_server_log_dropped();
		free(ms->milter_socket);
		free(ms);
	}
	metrics_reset();	/* no scrape is left to read the tables */
}
