/* metrics_http.h - the MetricsSocket HTTP server (GET /metrics, /healthz) */
#ifndef AUTHMILTER_METRICS_HTTP_H
#define AUTHMILTER_METRICS_HTTP_H

struct conf;
struct metrics_server;

/* metrics_server_start - when c->metrics_socket is set, listen there and
 * serve from libmicrohttpd's own thread; NULL when MetricsSocket is not
 * set. Exits through log_fatal when the socket cannot be opened. Call
 * from the thread that handles signals: the server's thread is made with
 * SIGHUP, SIGTERM and SIGINT blocked. Marks the start-up configuration as
 * the last good load. */
struct metrics_server *metrics_server_start(const struct conf *c);
/* metrics_server_log_dropped - log how many libmicrohttpd messages the
 * rate limit kept out of the log (the exit that frees nothing calls it;
 * metrics_server_free does too) */
void metrics_server_log_dropped(void);
/* metrics_server_free - stop the server, join its thread, free it and
 * the metric tables; NULLs *sp (no-op on NULL) */
void metrics_server_free(struct metrics_server **sp);

#endif
