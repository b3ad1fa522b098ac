/*
 * log.c - logging to syslog or stderr with levels.
 *
 * log_open picks the sink once at start-up (before threads exist);
 * log_set_level may be called at any time (config reload) and is read
 * atomically by every thread. Lines written to stderr carry a timestamp and
 * the level so a foreground run reads like syslog. Messages are formatted
 * into a local array and written with one call, so lines from concurrent
 * threads do not interleave.
 */
#include "config.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h"
#include "util/str.h"

/* Longest line we log; longer ones are cut (acceptable for logs). */
#define LOG_LINE_MAX 2048

static _Atomic int log_level = LOG_LEVEL_INFO;
static enum log_sink log_sink = LOG_SINK_STDERR;
static const char *log_ident = "authmilter";

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
log_open(const char *ident, enum log_sink sink, int facility)
{
	log_ident = ident;
	log_sink = sink;
	if (sink == LOG_SINK_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void
log_set_level(enum log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum log_level
log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level);
}

bool
log_level_parse(const char *word, enum log_level *level_r)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (ascii_strcasecmp(word, level_names[i]) == 0) {
			*level_r = (enum log_level)i;
			return true;
		}
	}
	return false;
}

const char *
log_level_name(enum log_level level)
{
	return level_names[level];
}

int
log_facility_parse(const char *word)
{
	static const struct { const char *name; int value; } facilities[] = {
		{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON },
		{ "user", LOG_USER },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (ascii_strcasecmp(word, facilities[i].name) == 0)
			return facilities[i].value;
	return -1;
}

/* log_write - format and emit one line at a level */
static void log_write(enum log_level level, int priority, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void
log_write(enum log_level level, int priority, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	char stamp[32];
	struct tm tm;
	time_t now;
	int n;

	if ((int)level > atomic_load(&log_level))
		return;
	/* truncation of an over-long log line is acceptable */
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	if (log_sink == LOG_SINK_SYSLOG) {
		syslog(priority, "%s", line);
		return;
	}
	now = time(NULL);
	(void)localtime_r(&now, &tm);
	if (strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	{
		char out[LOG_LINE_MAX + 96];

		n = snprintf(out, sizeof(out), "%s %s[%ld]: %s: %s\n", stamp,
		    log_ident, (long)getpid(), level_names[level], line);
		if (n > 0) {
			size_t len = (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1;
			/* a failed write to stderr has nowhere to be reported */
			(void)!write(STDERR_FILENO, out, len);
		}
	}
}

#define LOG_FUNC(name, level, priority)			\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_write(level, priority, fmt, ap);			\
	va_end(ap);						\
}

LOG_FUNC(log_debug, LOG_LEVEL_DEBUG, LOG_DEBUG)
LOG_FUNC(log_info, LOG_LEVEL_INFO, LOG_INFO)
LOG_FUNC(log_warn, LOG_LEVEL_WARN, LOG_WARNING)
LOG_FUNC(log_error, LOG_LEVEL_ERROR, LOG_ERR)

void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(LOG_LEVEL_ERROR, LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
log_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(LOG_LEVEL_ERROR, LOG_CRIT, fmt, ap);
	va_end(ap);
	abort();
}
