/*
 * syslog_capture.c - LD_PRELOAD shim: every syslog line of the process
 * (libmilter's own complaints among them) also goes, as "PRIORITY text",
 * to the file named by $SYSLOG_CAPTURE_FILE, so a test can check what
 * libmilter said about how the daemon used it, and what the daemon logs
 * with LogTo syslog (openlog is recorded too). libmilter calls
 * __syslog_chk (built with _FORTIFY_SOURCE); the plain forms are caught
 * too. Nothing is passed on to the real syslog. Built by the test with
 * the system compiler.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* write_line - line[0..n) to the capture file, in one write (threads) */
static void
write_line(const char *line, int n)
{
	const char *path = getenv("SYSLOG_CAPTURE_FILE");
	int fd;

	if (path == NULL)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) < 0) {
		/* nothing to be done: the test sees the line missing */
	}
	close(fd);
}

/* capture - one "PRIORITY text" line */
static void
capture(int priority, const char *fmt, va_list ap)
{
	char line[2048];
	int n, m;

	n = snprintf(line, sizeof(line), "%d ", priority & LOG_PRIMASK);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m < (int)(sizeof(line) - n - 1) ? m : (int)(sizeof(line) - n - 2);
	line[n++] = '\n';
	write_line(line, n);
}

/* openlog - "openlog IDENT OPTION FACILITY" (the facility as a number),
 * so a test sees the ident and facility the process chose */
void
openlog(const char *ident, int option, int facility)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "openlog %s %d %d\n",
	    ident != NULL ? ident : "(null)", option, facility);

	if (n > 0 && n < (int)sizeof(line))
		write_line(line, n);
}

void
vsyslog(int priority, const char *fmt, va_list ap)
{
	capture(priority, fmt, ap);
}

void
syslog(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	capture(priority, fmt, ap);
	va_end(ap);
}

void
__vsyslog_chk(int priority, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	capture(priority, fmt, ap);
}

void
__syslog_chk(int priority, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	capture(priority, fmt, ap);
	va_end(ap);
}
