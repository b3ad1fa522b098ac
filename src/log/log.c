/*
 * log.c - logging to syslog or stderr with levels.
 *
 * log_open picks the sink once at start-up (before threads exist);
 * log_set_level may be called at any time (config reload) and is read
 * atomically by every thread. Lines written to stderr carry a timestamp and
 * the level so a foreground run reads like syslog. Messages are formatted
 * into a local array and written with one call, so lines from concurrent
 * threads do not interleave. A plain line writes a control byte as \xHH,
 * so text from outside in it can never end it and start another.
 * Every line fits in LOG_WRITE_MAX with its prefix and newline: a
 * free-form one whose escaped text would not is cut, ending in "...".
 *
 * A busy server writes many lines a second, so the stderr prefix's
 * timestamp and pid are formatted once a second for the whole process
 * (localtime_r, strftime and getpid once a second, not once a line; issue
 * 18), and each thread keeps a copy for the current second: libmilter runs
 * each connection in a new thread, so a cache per thread alone would
 * format once a message. A fork clears both in the child.
 *
 * stderr may be a pipe or socket that nobody reads any more (a
 * supervisor's log process stopped or hung, a stalled journal): a write
 * there would block the milter thread that logs, and every message waits
 * on its log line. So a line goes there without waiting: to a socket
 * (journald's stream) by sendmsg with MSG_DONTWAIT, to a pipe through a
 * second, non-blocking open file description of it (O_NONBLOCK on fd 2
 * itself would change the description the process shares with its
 * parent). A line it cannot take is dropped and counted, and the first
 * line written after says how many were. No system call or lock is added
 * to a line that goes through (issue 18); a file or terminal is written
 * as before.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h"
#include "log/logrec.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/str.h"
#include "util/utf8.h"

/* Longest line we log; longer ones are cut (acceptable for logs). */
#define LOG_LINE_MAX 2048
/*
 * Longest line written to stderr, its prefix and newline included:
 * PIPE_BUF on Linux. POSIX makes a pipe write of at most PIPE_BUF bytes
 * all or nothing (a full pipe: EAGAIN, the line is counted as dropped);
 * a longer one may be taken in part and the rest lost, the next line
 * then glued to the cut one, and long lines of two threads may
 * interleave. Linux sends a write this small to a Unix stream socket
 * (journald's) in one piece too. Syslog gets the same lines. A
 * per-message record is kept within it by its builder (logrec.c).
 */
#define LOG_WRITE_MAX 4096
/* Bytes reserved at once for a structured record (the per-message line
 * is 300 to 900 bytes); with the NUL a 1 KiB block, which glibc's
 * per-thread cache still serves (2 KiB would not) */
#define LOG_RECORD_HINT 1023

static _Atomic int log_level = LOG_LEVEL_INFO;
static _Atomic int log_format = LOG_FORMAT_KV;
/* atomic: a daemon going to the background switches it while threads log */
static _Atomic int log_sink = LOG_SINK_STDERR;
static const char *log_ident = "authmilter";

static const char *const level_names[] = { "error", "warn", "info", "debug" };

/* What a thread last formatted for the stderr prefix: valid while the
 * clock is in the same second and the process is the same. */
struct stamp_cache {
	time_t second;		/* (time_t)-1: nothing cached */
	pid_t pid;
	size_t len;
	char text[32];		/* 2024-01-31T12:00:00+01:00, or "" */
};

static _Thread_local struct stamp_cache stamp_cache = { (time_t)-1, 0, 0, "" };
static struct stamp_cache shared_stamp = { (time_t)-1, 0, 0, "" };
static pthread_mutex_t shared_stamp_mu = PTHREAD_MUTEX_INITIALIZER;

/* What stderr is (log_stderr_changed), how a line goes there, and the
 * lines dropped since the last one that went. */
enum stderr_kind { STDERR_PLAIN, STDERR_SOCKET, STDERR_PIPE };
static atomic_int stderr_kind = STDERR_PLAIN;
static int stderr_pipe = -1;	/* the non-blocking description */
static atomic_ullong stderr_dropped;

/* fork handlers: the lock is held across fork, so the child's copy of it
 * is never left locked by a thread that does not exist there */
static void
stamp_fork_prepare(void)
{
	(void)pthread_mutex_lock(&shared_stamp_mu);
}

static void
stamp_fork_parent(void)
{
	(void)pthread_mutex_unlock(&shared_stamp_mu);
}

/* stamp_fork_child - in a forked child: the pid is no longer ours */
static void
stamp_fork_child(void)
{
	shared_stamp.second = (time_t)-1;
	stamp_cache.second = (time_t)-1;
	(void)pthread_mutex_unlock(&shared_stamp_mu);
}

/* register_atfork - clear the caches in every child (run once) */
static void
register_atfork(void)
{
	/* without the handler (no memory at start-up) a child forked in
	 * the second of a line shows the parent's pid until the next
	 * second: acceptable for a log prefix */
	(void)pthread_atfork(stamp_fork_prepare, stamp_fork_parent,
	    stamp_fork_child);
}

void
log_open(const char *ident, enum log_sink sink, int facility)
{
	static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&atfork_once, register_atfork);
	log_ident = ident;
	atomic_store(&log_sink, (int)sink);
	if (sink == LOG_SINK_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
	else
		log_stderr_changed();
}

/*
 * log_stderr_changed - see log.h. A pipe is opened again through
 * /proc/self/fd/2, non-blocking; without /proc it is written as before.
 * The description a former pipe had is not closed, which a thread
 * writing at that moment could see taken by another file: dup2 puts the
 * new one (or the new stderr) in its place at once, which also lets the
 * old pipe go, so its reader sees the end of it.
 */
void
log_stderr_changed(void)
{
	struct stat st;
	int kind = STDERR_PLAIN, fd = -1;

	if (fstat(STDERR_FILENO, &st) == 0) {
		if (S_ISSOCK(st.st_mode))
			kind = STDERR_SOCKET;
		else if (S_ISFIFO(st.st_mode) && (fd = open("/proc/self/fd/2",
		    O_WRONLY | O_NONBLOCK | O_CLOEXEC)) >= 0)
			kind = STDERR_PIPE;
	}
	if (kind != STDERR_PIPE)
		atomic_store(&stderr_kind, kind);
	if (stderr_pipe < 0)
		stderr_pipe = fd;
	else if (fd >= 0) {
		(void)dup2(fd, stderr_pipe);
		(void)close(fd);
	} else
		(void)dup2(STDERR_FILENO, stderr_pipe);
	if (kind == STDERR_PIPE)
		atomic_store(&stderr_kind, kind);
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

void
log_set_format(enum log_format format)
{
	atomic_store(&log_format, (int)format);
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

/* format_stamp - tm as RFC 3339 local time with its offset from UTC,
 * 2024-01-31T12:00:00+01:00: without the offset a line read away from
 * the host (a JSON collector, a copied log) or across a DST change names
 * no single moment; strftime's %z has no colon, RFC 3339 wants one.
 * Returns the length, 0 if it cannot be formatted. */
static size_t
format_stamp(char *out, size_t size, const struct tm *tm)
{
	size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S%z", tm);

	/* %z is +hhmm (or empty where the zone is unknown) */
	if (n < 5 || n + 2 > size || (out[n - 5] != '+' && out[n - 5] != '-'))
		return 0;
	out[n + 1] = '\0';
	out[n] = out[n - 1];
	out[n - 1] = out[n - 2];
	out[n - 2] = ':';
	return n + 1;
}

/* stamp_now - this thread's copy of the prefix for the current second:
 * local time as 2024-01-31T12:00:00+01:00 ("" if it cannot be
 * formatted) and our pid; formatted once a second for the process */
static const struct stamp_cache *
stamp_now(void)
{
	struct stamp_cache *c = &stamp_cache, *s = &shared_stamp;
	struct tm tm;
	time_t now = time(NULL);

	if (now == c->second && now != (time_t)-1)
		return c;
	(void)pthread_mutex_lock(&shared_stamp_mu);
	if (now != s->second || now == (time_t)-1) {
		s->second = now;
		s->pid = getpid();
		s->len = 0;
		if (localtime_r(&now, &tm) != NULL)
			s->len = format_stamp(s->text, sizeof(s->text), &tm);
		s->text[s->len] = '\0';
	}
	*c = *s;
	(void)pthread_mutex_unlock(&shared_stamp_mu);
	return c;
}

/* write_stderr - one line to stderr without waiting (see the top); a
 * line it cannot take is counted, and the next one that goes is
 * followed by a warning with the count */
static void
write_stderr(struct iovec *iov, int n)
{
	unsigned long long dropped;
	struct msghdr m;
	ssize_t rc;

	switch (atomic_load_explicit(&stderr_kind, memory_order_relaxed)) {
	case STDERR_SOCKET:
		memset(&m, 0, sizeof(m));
		m.msg_iov = iov;
		m.msg_iovlen = (size_t)n;
		rc = sendmsg(STDERR_FILENO, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		break;
	case STDERR_PIPE:
		rc = writev(stderr_pipe, iov, n);
		break;
	default:
		/* a failed write to a file has nowhere to be reported */
		(void)!writev(STDERR_FILENO, iov, n);
		return;
	}
	if (rc < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			atomic_fetch_add(&stderr_dropped, 1);
		return;
	}
	if (atomic_load_explicit(&stderr_dropped, memory_order_relaxed) == 0)
		return;
	if ((dropped = atomic_exchange(&stderr_dropped, 0)) > 0)
		log_warn("%llu log lines were dropped: stderr could not take "
		    "them (a pipe or socket nobody read)", dropped);
}

/* emit - write one finished line: to syslog, or to stderr with one
 * writev (after the text prefix "STAMP IDENT[PID]: LEVEL: " unless the
 * line is JSON); the prefix and the line are not copied into one more
 * buffer first */
static void
emit(enum log_level level, int priority, const char *line, size_t len,
    bool json)
{
	char head[sizeof(stamp_cache.text) + 1], pid[FMT_UINT_MAX_DIGITS + 1];
	struct iovec iov[9];
	int n = 0;

	if (log_sink == LOG_SINK_SYSLOG) {
		syslog(priority, "%s", line);
		return;
	}
	if (!json) {
		const struct stamp_cache *st = stamp_now();

		memcpy(head, st->text, st->len);
		head[st->len] = ' ';
		iov[n].iov_base = head;
		iov[n++].iov_len = st->len + 1;
		iov[n].iov_base = (void *)(uintptr_t)log_ident;
		iov[n++].iov_len = strlen(log_ident);
		iov[n].iov_base = (void *)(uintptr_t)"[";
		iov[n++].iov_len = 1;
		iov[n].iov_base = pid;
		iov[n++].iov_len = fmt_uint_str(pid, sizeof(pid),
		    (uint64_t)st->pid);
		iov[n].iov_base = (void *)(uintptr_t)"]: ";
		iov[n++].iov_len = 3;
		iov[n].iov_base = (void *)(uintptr_t)level_names[level];
		iov[n++].iov_len = strlen(level_names[level]);
		iov[n].iov_base = (void *)(uintptr_t)": ";
		iov[n++].iov_len = 2;
	}
	iov[n].iov_base = (void *)(uintptr_t)line;
	iov[n++].iov_len = len;
	iov[n].iov_base = (void *)(uintptr_t)"\n";
	iov[n++].iov_len = 1;
	write_stderr(iov, n);
}

/* kv_budget - the most bytes a line's text may take so that the
 * stderr prefix "STAMP IDENT[PID]: LEVEL: " (at its longest) and the
 * newline fit in LOG_WRITE_MAX with it */
static size_t
kv_budget(void)
{
	size_t prefix = sizeof(stamp_cache.text) - 1 + strlen(" ") +
	    strlen(log_ident) + strlen("[") + FMT_UINT_MAX_DIGITS +
	    strlen("]: ") + strlen("error") + strlen(": ");

	return LOG_WRITE_MAX - strlen("\n") - prefix;
}

/* json_prefix - the members a JSON line starts with */
static void
json_prefix(enum log_level level, struct buf *out)
{
	if (log_sink != LOG_SINK_SYSLOG) {
		const struct stamp_cache *st = stamp_now();

		FMT_LIT(out, "\"time\":");
		logrec_json_string(out, st->text, st->len);
		FMT_LIT(out, ",\"ident\":");
		logrec_json_string(out, log_ident, strlen(log_ident));
		FMT_LIT(out, ",\"pid\":");
		fmt_uint(out, (uint64_t)st->pid);
		buf_append_byte(out, ',');
	}
	FMT_LIT(out, "\"level\":\"");
	buf_append_str(out, level_names[level]);
	buf_append_byte(out, '"');
}

/* has_control - does line[0..n) hold a byte that is no printable text
 * (a tab too: one test, and no line of ours writes one) */
static bool
has_control(const char *line, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return true;
	return false;
}

/* plain_unit - how many bytes of line[i..n) go together (a control
 * byte, a whole UTF-8 character, another byte) and how many they take
 * written (*len_r) */
static size_t
plain_unit(const unsigned char *v, size_t i, size_t n, size_t *len_r)
{
	size_t k;

	if (v[i] < 0x20 || v[i] == 0x7f) {
		*len_r = 4;
		return 1;
	}
	k = v[i] < 0x80 ? 1 : utf8_seq_len(v + i, n - i);
	if (k == 0)
		k = 1;
	*len_r = k;
	return k;
}

/* plain_line - line[0..n) with every control byte written as \xHH, as
 * the per-message record writes them: a free-form line can carry text
 * from outside (libmicrohttpd's messages name the request's URL, which
 * it has percent-decoded, so "%0A" is a newline), and a CR or LF in it
 * would start a forged line in a log file, the journal or a shipper.
 * At most max bytes (at least 3): when longer, or when cut says the text
 * was cut already, it ends before a whole escape or UTF-8 character,
 * then "..." */
static void
plain_line(struct buf *out, const char *line, size_t n, size_t max,
    bool cut)
{
	const unsigned char *v = (const unsigned char *)line;
	size_t start = out->len, i, k, len, room;

	for (i = 0; i < n; i++) {
		unsigned char c = v[i];

		if (c >= 0x20 && c != 0x7f) {
			buf_append_byte(out, c);
			continue;
		}
		FMT_LIT(out, "\\x");
		fmt_hex2(out, c);
	}
	if (!cut && out->len - start <= max)
		return;
	/* over the budget (text from outside full of control bytes):
	 * again, unit by unit, as far as there is room */
	buf_truncate(out, start);
	room = max - strlen("...");
	for (i = 0; i < n; i += k) {
		k = plain_unit(v, i, n, &len);
		if (len > room)
			break;
		room -= len;
		if (len == 4 && k == 1) {
			FMT_LIT(out, "\\x");
			fmt_hex2(out, v[i]);
		} else {
			buf_append(out, v + i, k);
		}
	}
	FMT_LIT(out, "...");
}

/* whole_chars - len less a UTF-8 character that vsnprintf's cut left
 * incomplete at the end of line[0..len) */
static size_t
whole_chars(const char *line, size_t len)
{
	const unsigned char *v = (const unsigned char *)line;
	size_t k;

	for (k = 1; k <= 3 && k <= len; k++) {
		unsigned char c = v[len - k];

		if ((c & 0xc0) == 0x80)
			continue;	/* a continuation byte: look back */
		/* a lead byte that wants more bytes than there are */
		if (c >= 0xc0 && (c >= 0xf0 ? 4u : c >= 0xe0 ? 3u : 2u) > k)
			return len - k;
		break;
	}
	return len;
}

/* log_write - format and emit one line at a level */
static void log_write(enum log_level level, int priority, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void
log_write(enum log_level level, int priority, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	struct buf out = BUF_INIT;
	size_t len;
	bool cut;
	int n;

	if ((int)level > atomic_load(&log_level))
		return;
	/* truncation of an over-long log line is acceptable: it is marked
	 * with "...", and a character it splits left out */
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	len = strnlen(line, sizeof(line));
	cut = (size_t)n > len;
	if (cut)
		len = whole_chars(line, len);
	if (atomic_load(&log_format) != LOG_FORMAT_JSON) {
		size_t max = kv_budget();

		if (!cut && len <= max && !has_control(line, len)) {
			emit(level, priority, line, len, false);
			return;
		}
		plain_line(&out, line, len, max, cut);
		emit(level, priority, buf_cstr(&out), out.len, false);
		buf_deinit(&out);
		return;
	}
	buf_append_byte(&out, '{');
	json_prefix(level, &out);
	buf_append_str(&out, ",\"msg\":");
	/* the text gets what the prefix, '}' and the newline leave */
	logrec_json_string_max(&out, line, len, LOG_WRITE_MAX - out.len -
	    strlen("}\n"), cut);
	buf_append_byte(&out, '}');
	emit(level, priority, buf_cstr(&out), out.len, true);
	buf_deinit(&out);
}

/* priority_of - the syslog priority of a level */
static int
priority_of(enum log_level level)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	return prio[level];
}

void
log_record_into(enum log_level level, const struct logrec *r,
    struct buf *out)
{
	struct buf pre = BUF_INIT;
	bool json = atomic_load(&log_format) == LOG_FORMAT_JSON;

	if ((int)level > atomic_load(&log_level))
		return;
	buf_reset(out);
	/* room a per-message line needs at once, rather than growing
	 * 256 -> 512 -> 1024 */
	buf_reserve(out, LOG_RECORD_HINT);
	/* JSON's prefix members are in the line; kv's prefix is not */
	if (json) {
		json_prefix(level, &pre);
		logrec_format_json(r, buf_cstr(&pre),
		    LOG_WRITE_MAX - strlen("\n"), out);
	} else {
		logrec_format_kv(r, kv_budget(), out);
	}
	emit(level, priority_of(level), buf_cstr(out), out->len, json);
	buf_deinit(&pre);
}

void
log_record(enum log_level level, const struct logrec *r)
{
	struct buf out = BUF_INIT;

	log_record_into(level, r, &out);
	buf_deinit(&out);
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
