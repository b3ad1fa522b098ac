/*
 * dns_unbound_log.c - libunbound's own messages into our log
 *
 * Exported: ub_log_stream (dns_unbound_ctx.h).
 *
 * libunbound prints its errors ("can't create socket: Too many open
 * files", "sendto failed: ...") with fprintf to stderr: after the daemon
 * has detached they were lost, and in the foreground under systemd they
 * went to the journal without our prefix and without a limit (about ten
 * lines a message when descriptors ran out). ub_ctx_debugout takes a
 * FILE; ours is a glibc cookie stream whose writes are cut into lines,
 * stripped of libunbound's "[time] libunbound[pid:tid] " prefix and
 * logged as warnings, at most UB_LOG_BURST lines a minute; the lines
 * left out are counted in the next one that goes.
 *
 * libunbound keeps one log stream for the whole process (its log_file),
 * so every context gets the same stream; libunbound writes it under its
 * own lock, and ours guards the line being put together.
 */
#include "config.h"		/* _GNU_SOURCE: fopencookie */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "dns/dns_unbound_ctx.h"
#include "log/log.h"
#include "util/clock.h"

#define UB_LOG_BURST 5			/* lines a minute */
#define UB_LOG_WINDOW_MS 60000
#define UB_LOG_LINE 512			/* longer lines are cut */

static pthread_once_t stream_once = PTHREAD_ONCE_INIT;
static FILE *stream;
static pthread_mutex_t line_mu = PTHREAD_MUTEX_INITIALIZER;
static char line[UB_LOG_LINE];
static size_t line_len;
static uint64_t window_start_ms;
static unsigned window_lines;
static unsigned long left_out;

/* message_of - the text after libunbound's "ident[pid:tid] " prefix, or
 * the whole line when it has none */
static const char *
message_of(const char *s)
{
	const char *p = s;

	while ((p = strstr(p, "] ")) != NULL) {
		const char *open = p;

		while (open > s && *open != '[')
			open--;
		if (*open == '[' && memchr(open, ':', (size_t)(p - open)) != NULL)
			return p + 2;
		p += 2;
	}
	return s;
}

/* emit - log the finished line, within the limit (line_mu held) */
static void
emit(void)
{
	uint64_t now = clock_mono_ms();

	line[line_len] = '\0';
	line_len = 0;
	if (line[0] == '\0')
		return;
	if (window_start_ms == 0 || now - window_start_ms >= UB_LOG_WINDOW_MS) {
		window_start_ms = now;
		window_lines = 0;
	}
	if (window_lines >= UB_LOG_BURST) {
		left_out++;
		return;
	}
	window_lines++;
	if (left_out > 0) {
		log_warn("libunbound: %s (and %lu more of its lines not logged)",
		    message_of(line), left_out);
		left_out = 0;
	} else {
		log_warn("libunbound: %s", message_of(line));
	}
}

/* stream_write - the cookie stream's write: gather lines, emit each */
static ssize_t
stream_write(void *cookie, const char *buf, size_t size)
{
	size_t i;

	(void)cookie;
	pthread_mutex_lock(&line_mu);
	for (i = 0; i < size; i++) {
		if (buf[i] == '\n')
			emit();
		else if (line_len < sizeof(line) - 1)
			line[line_len++] = buf[i] == '\t' ? ' ' : buf[i];
	}
	pthread_mutex_unlock(&line_mu);
	return (ssize_t)size;
}

static void
stream_open(void)
{
	cookie_io_functions_t io = { NULL, stream_write, NULL, NULL };

	stream = fopencookie(NULL, "w", io);
	if (stream != NULL)
		(void)setvbuf(stream, NULL, _IOLBF, 0);
}

/* ub_log_stream - the stream for ub_ctx_debugout; NULL if glibc could
 * not make one (libunbound then keeps stderr) */
FILE *
ub_log_stream(void)
{
	(void)pthread_once(&stream_once, stream_open);
	return stream;
}
