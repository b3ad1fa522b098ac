/* log.h - log levels and sinks (syslog or stderr) */
#ifndef AUTHMILTER_LOG_H
#define AUTHMILTER_LOG_H

#include <stdbool.h>

struct buf;
struct logrec;

/*
 * Fixed meanings (STYLE.md 4):
 *   log_debug  detail for debugging
 *   log_info   normal operation, the one line per message
 *   log_warn   something odd, we carry on
 *   log_error  this message or connection failed
 *   log_fatal  cannot run: log and exit(1)
 *   log_panic  our own bug: log and abort() for a core dump
 */
enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

enum log_sink {
	LOG_SINK_STDERR = 0,
	LOG_SINK_SYSLOG
};

/* How lines look: plain text (per-message records as key=value), or one
 * JSON object per line. Order matches LogFormat's words. */
enum log_format {
	LOG_FORMAT_KV = 0,
	LOG_FORMAT_JSON
};

/* log_open - choose the sink; facility is a syslog facility name ("mail") */
void log_open(const char *ident, enum log_sink sink, int facility);
/* log_stderr_changed - stderr now refers to another file (after dup2
 * onto fd 2, as detaching does): look again at what it is. log_open
 * looks the first time. Start-up only, one thread. */
void log_stderr_changed(void);
/* log_set_level - messages above level are dropped (thread-safe) */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* log_set_format - kv or json for every later line (thread-safe) */
void log_set_format(enum log_format format);
/* log_record - one structured line at level: "key=value ..." in kv
 * format, {"level":..,"key":"value",..} in json (on stderr with "time",
 * "ident" and "pid" first). Not cut at the plain-line length: kept
 * within 4096 bytes with the stderr prefix and newline, its longest
 * values cut further when it would be longer (logrec.h). */
void log_record(enum log_level level, const struct logrec *r);
/* log_record_into - log_record formatting the line in out (emptied
 * first; its storage reused, so a caller that keeps out allocates
 * nothing a line) */
void log_record_into(enum log_level level, const struct logrec *r,
    struct buf *out);
/* log_level_parse - "error", "warn", "info", "debug"; false if unknown */
bool log_level_parse(const char *word, enum log_level *level_r);
const char *log_level_name(enum log_level level);
/* log_facility_parse - "mail", "daemon", "local0".."local7"; -1 if unknown */
int log_facility_parse(const char *word);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void log_panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
