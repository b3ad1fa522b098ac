/*
 * report_submit.c - hand a report message to the local MTA through
 * ReportSendmail: the aggregate report job (report_job.c) and the
 * daemon's failure-report thread (report_failure.c) both submit this way.
 *
 * Under systemd's NoNewPrivileges (the shipped unit sets it) a setgid
 * program cannot gain its group: Postfix's sendmail then fails in
 * postdrop. A failure says so when this process runs that way, so the
 * log points at the cause and not only at an exit status.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "report/report_submit.h"

/* no_new_privs - true when set-id programs we start cannot gain ids */
static bool
no_new_privs(void)
{
#ifdef PR_GET_NO_NEW_PRIVS
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
#else
	return false;
#endif
}

bool
report_submit(const char *cmd, const struct buf *msg, struct buf *why)
{
	FILE *f = popen(cmd, "w");
	size_t i;
	int st;

	if (f == NULL) {
		buf_printf(why, "%s: %s", cmd, strerror(errno));
		return false;
	}
	for (i = 0; i < msg->len; i++)
		if (msg->data[i] != '\r' || i + 1 >= msg->len ||
		    msg->data[i + 1] != '\n')
			(void)putc(msg->data[i], f);
	st = pclose(f);
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	buf_printf(why, "%s: exit status %d", cmd, st == -1 ? -1 :
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	if (no_new_privs())
		buf_printf(why, " (this process runs with no_new_privs, as "
		    "NoNewPrivileges=yes sets it: a setgid submission program "
		    "such as Postfix's postdrop cannot work; see ReportSendmail "
		    "in authmilter.conf(5))");
	return false;
}
